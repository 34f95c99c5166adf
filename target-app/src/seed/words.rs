//! Word lists the generator draws from: names, company name parts, places, industries, job
//! titles, products and activity phrases. Plain ASCII so that emails derived from names are valid.

#[rustfmt::skip]
pub const FIRST_NAMES: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley",
    "Steven", "Emily", "Andrew", "Michelle", "Joshua", "Amanda", "Kevin", "Melissa", "Brian",
    "Stephanie", "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Sophia", "Mateo", "Isabella",
    "Hiroshi", "Yuki", "Wei", "Mei", "Arjun", "Priya", "Rahul", "Ananya", "Omar", "Fatima", "Ahmed",
    "Layla", "Carlos", "Sofia", "Diego", "Valentina", "Lars", "Ingrid", "Sven", "Astrid", "Pierre",
    "Camille", "Luca", "Giulia", "Hans", "Greta", "Kwame", "Amara", "Chen", "Aiko", "Dmitri",
    "Elena", "Niamh", "Sean", "Freya", "Oscar", "Nora", "Felix", "Clara", "Tariq", "Leila", "Jonas",
    "Maja", "Rafael", "Ines", "Tomas", "Zara", "Ethan", "Chloe", "Samuel", "Grace",
];

#[rustfmt::skip]
pub const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
    "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
    "Mitchell", "Carter", "Roberts", "Tanaka", "Suzuki", "Watanabe", "Yamamoto", "Nakamura",
    "Kobayashi", "Wang", "Zhang", "Liu", "Chen", "Huang", "Patel", "Sharma", "Gupta", "Singh",
    "Kumar", "Iyer", "Khan", "Haddad", "Nasser", "Mansour", "Schmidt", "Schneider", "Fischer",
    "Weber", "Becker", "Hoffmann", "Richter", "Dubois", "Lefebvre", "Moreau", "Laurent", "Girard",
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Andersson", "Johansson",
    "Karlsson", "Nilsson", "Larsen", "Hansen", "Jensen", "Nielsen", "Kowalski", "Nowak",
    "Wisniewski", "Ivanov", "Petrov", "Volkov", "Murphy", "Kelly", "OConnor", "Byrne", "Walsh",
    "Mensah", "Okafor", "Adeyemi", "Mwangi", "Silva", "Santos", "Oliveira", "Souza", "Pereira",
    "Costa", "Fernandes", "Almeida", "Kim", "Park", "Choi", "Jung", "Kang", "Novak", "Horvat",
    "Kovacs", "Szabo", "Papadopoulos", "Yilmaz", "Demir", "Cohen", "Levi", "Friedman", "Bauer",
    "Wagner", "Vogel", "Jansen", "DeVries", "Bakker", "Visser", "Peeters", "Janssens", "Maes",
];

/// Distinctive first words of company names (also the company search terms).
#[rustfmt::skip]
pub const COMPANY_ROOTS: &[&str] = &[
    "Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Cyberdyne", "Vandelay", "Hooli",
    "Soylent", "Tyrell", "Aperture", "Oscorp", "Wonka", "Stark", "Wayne", "Acme", "Massive",
    "Gringotts", "Pinnacle", "Summit", "Evergreen", "Bluewater", "Redwood", "Silverline",
    "Ironbridge", "Brightpath", "Clearview", "Cobalt", "Crimson", "Falcon", "Granite", "Harbor",
    "Horizon", "Keystone", "Lighthouse", "Meridian", "Monarch", "Nimbus", "Orbit", "Paragon",
    "Quantum", "Riverstone", "Sapphire", "Sequoia", "Sterling", "Tidewater", "Vertex", "Willow",
    "Zenith", "Aurora", "Beacon", "Cascade", "Driftwood", "Ember", "Foxglove", "Glacier", "Halcyon",
    "Juniper", "Kestrel", "Lumen", "Mosaic", "Nautilus", "Obsidian", "Polaris", "Quarry", "Radiant",
    "Solstice", "Trillium", "Umber", "Vanguard", "Wavecrest", "Yarrow", "Alder", "Bramble",
    "Copperfield", "Dunmore", "Elmstead", "Fairhaven", "Greystone", "Hollowell",
];

/// Second words of company names.
#[rustfmt::skip]
pub const COMPANY_KINDS: &[&str] = &[
    "Systems", "Labs", "Group", "Industries", "Partners", "Solutions", "Technologies", "Logistics",
    "Health", "Foods", "Capital", "Energy", "Media", "Robotics", "Analytics", "Networks",
    "Consulting", "Holdings", "Works", "Studio", "Manufacturing", "Pharma", "Retail", "Software",
];

/// Glued onto a root now and then ("Globextech").
pub const COMPANY_GLUE: &[&str] = &["tech", "ware", "ly", "io", "net", "corp", "soft", "works"];

#[rustfmt::skip]
pub const INDUSTRIES: &[&str] = &[
    "Software", "Manufacturing", "Healthcare", "Financial Services", "Retail", "Logistics",
    "Energy", "Education", "Media", "Telecommunications", "Real Estate", "Hospitality",
    "Agriculture", "Automotive", "Biotech", "Construction", "Consulting", "Insurance", "Government",
    "Nonprofit",
];

/// A place: city, country, top-level domain, phone prefix.
pub struct Place {
    pub city: &'static str,
    pub country: &'static str,
    pub tld: &'static str,
    pub phone: &'static str,
}

const fn place(
    city: &'static str,
    country: &'static str,
    tld: &'static str,
    phone: &'static str,
) -> Place {
    Place {
        city,
        country,
        tld,
        phone,
    }
}

pub const PLACES: &[Place] = &[
    place("New York", "United States", "com", "+1"),
    place("San Francisco", "United States", "com", "+1"),
    place("Chicago", "United States", "com", "+1"),
    place("Austin", "United States", "com", "+1"),
    place("Boston", "United States", "com", "+1"),
    place("Seattle", "United States", "com", "+1"),
    place("Atlanta", "United States", "com", "+1"),
    place("Denver", "United States", "com", "+1"),
    place("Toronto", "Canada", "ca", "+1"),
    place("Vancouver", "Canada", "ca", "+1"),
    place("London", "United Kingdom", "co.uk", "+44"),
    place("Manchester", "United Kingdom", "co.uk", "+44"),
    place("Berlin", "Germany", "de", "+49"),
    place("Munich", "Germany", "de", "+49"),
    place("Paris", "France", "fr", "+33"),
    place("Lyon", "France", "fr", "+33"),
    place("Amsterdam", "Netherlands", "nl", "+31"),
    place("Madrid", "Spain", "es", "+34"),
    place("Barcelona", "Spain", "es", "+34"),
    place("Milan", "Italy", "it", "+39"),
    place("Stockholm", "Sweden", "se", "+46"),
    place("Copenhagen", "Denmark", "dk", "+45"),
    place("Dublin", "Ireland", "ie", "+353"),
    place("Zurich", "Switzerland", "ch", "+41"),
    place("Warsaw", "Poland", "pl", "+48"),
    place("Sydney", "Australia", "com.au", "+61"),
    place("Melbourne", "Australia", "com.au", "+61"),
    place("Singapore", "Singapore", "sg", "+65"),
    place("Tokyo", "Japan", "jp", "+81"),
    place("Seoul", "South Korea", "kr", "+82"),
    place("Bangalore", "India", "in", "+91"),
    place("Sao Paulo", "Brazil", "com.br", "+55"),
    place("Mexico City", "Mexico", "mx", "+52"),
    place("Cape Town", "South Africa", "co.za", "+27"),
    place("Lagos", "Nigeria", "ng", "+234"),
    place("Dubai", "United Arab Emirates", "ae", "+971"),
];

#[rustfmt::skip]
pub const TITLES: &[&str] = &[
    "CEO", "CTO", "CFO", "COO", "VP of Sales", "VP of Engineering", "VP of Marketing",
    "Head of Operations", "Head of Procurement", "Director of IT", "Director of Finance",
    "IT Manager", "Operations Manager", "Procurement Manager", "Product Manager",
    "Engineering Manager", "Marketing Manager", "Office Manager", "Account Manager",
    "Software Engineer", "Data Analyst", "Financial Analyst", "Purchasing Agent",
    "Security Officer", "Founder",
];

/// Product words used in deal names (also the deal search terms).
#[rustfmt::skip]
pub const PRODUCTS: &[&str] = &[
    "Analytics", "Platform", "Security", "Payroll", "Warehouse", "Compliance", "Telemetry",
    "Onboarding", "Migration", "Integration", "Forecasting", "Inventory", "Billing", "Procurement",
    "Helpdesk", "Marketing", "Training", "Licensing", "Hosting", "Backup", "Monitoring",
    "Reporting", "Scheduling", "Fleet", "Routing", "Ledger", "Payments", "Identity", "Messaging",
    "Dashboard", "Recruiting", "Logistics", "Archiving", "Ticketing", "Storage", "Networking",
    "Automation", "Observability", "Checkout", "Loyalty",
];

/// What kind of sale a deal is.
#[rustfmt::skip]
pub const DEAL_KINDS: &[&str] = &[
    "renewal", "expansion", "pilot", "rollout", "upgrade", "new business", "add-on", "multi-year",
];

#[rustfmt::skip]
pub const FREE_MAIL: &[&str] = &[
    "gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com",
];

#[rustfmt::skip]
pub const CALL_SUBJECTS: &[&str] = &[
    "Discovery call", "Follow-up call", "Pricing call", "Check-in call", "Technical deep dive",
    "Reference call", "Renewal call", "Intro call",
];
#[rustfmt::skip]
pub const EMAIL_SUBJECTS: &[&str] = &[
    "Proposal sent", "Pricing question", "Contract redlines", "Intro email", "Case studies",
    "Security questionnaire", "Meeting recap", "Quote follow-up",
];
#[rustfmt::skip]
pub const MEETING_SUBJECTS: &[&str] = &[
    "Product demo", "Quarterly business review", "On-site workshop", "Kickoff meeting",
    "Executive briefing", "Negotiation session", "Implementation planning",
];
#[rustfmt::skip]
pub const NOTE_SUBJECTS: &[&str] = &[
    "Budget confirmed", "Decision maker identified", "Competitor in play", "Needs legal review",
    "Champion changed roles", "Timeline slipped", "Expansion opportunity",
];

#[rustfmt::skip]
pub const BODY_SENTENCES: &[&str] = &[
    "Walked through the current setup and the pain points with reporting.",
    "They are evaluating two other vendors and expect a decision this quarter.",
    "Budget is approved for the first phase; procurement needs a formal quote.",
    "Security review is the main blocker; sent our SOC 2 report.",
    "The team liked the demo, especially the integrations.",
    "Asked for a discount on a multi-year commitment.",
    "Need to loop in their CFO before the next step.",
    "Agreed to a two-week pilot with five users.",
    "Renewal is due next month; usage is up compared with last year.",
    "Legal sent back redlines on the liability clause.",
    "Scheduled a follow-up with the technical team.",
    "Champion is enthusiastic but the timeline depends on a reorg.",
    "Pricing came in above their expectations; will revisit scope.",
    "They want onboarding support for their regional offices.",
    "No answer; left a voicemail and sent a short email.",
];
