//! A measurement, not a test: how long `rebuild` takes for a seed-sized index (~42k documents) and
//! how long typical searches and suggestions take. Ignored by default; run it optimised:
//!
//! ```text
//! cargo test --release -p saleshub --lib search::tests::bench -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use super::*;

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Zoë",
    "Björn",
    "Amélie",
    "Mateo",
    "Aisha",
    "Kenji",
    "Olga",
    "Priya",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Müller",
    "Novak",
    "Kowalski",
    "Tanaka",
    "Okafor",
    "Lindqvist",
    "Dubois",
    "Rossi",
    "Petrov",
    "Nakamura",
];
const COMPANY_A: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Cyberdyne",
    "Tyrell",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Massive",
    "Nakatomi",
    "Blue",
    "Northern",
    "Pacific",
    "Summit",
    "Pioneer",
    "Atlas",
    "Vertex",
    "Quantum",
    "Silver",
];
const COMPANY_B: &[&str] = &[
    "Dynamics",
    "Industries",
    "Systems",
    "Labs",
    "Holdings",
    "Logistics",
    "Analytics",
    "Foods",
    "Energy",
    "Networks",
    "Pharma",
    "Robotics",
    "Capital",
    "Media",
    "Software",
    "Partners",
];
const INDUSTRIES: &[&str] = &[
    "Software",
    "Manufacturing",
    "Healthcare",
    "Retail",
    "Finance",
];
const CITIES: &[&str] = &[
    "Berlin", "Paris", "Austin", "Osaka", "Lagos", "Lisbon", "Toronto",
];
const DEAL_WORDS: &[&str] = &[
    "renewal",
    "expansion",
    "pilot",
    "upgrade",
    "migration",
    "support",
];
const STAGES: &[&str] = &[
    "prospecting",
    "qualification",
    "proposal",
    "negotiation",
    "won",
    "lost",
];

/// A deterministic pseudo-random picker (a 64-bit LCG is plenty for test data).
struct Picker(u64);

impl Picker {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        from[(self.0 >> 33) as usize % from.len()]
    }
}

/// Seed-sized documents: 2k companies, 20k contacts, 10k deals, 10k leads, over 21 owners.
fn seed_sized() -> Vec<SearchDoc> {
    let mut rng = Picker(42);
    let owner = |i: i64| 1 + i % 21;
    let mut docs = Vec::with_capacity(42_000);
    let companies: Vec<String> = (0..2_000)
        .map(|_| format!("{} {}", rng.pick(COMPANY_A), rng.pick(COMPANY_B)))
        .collect();
    for (i, name) in companies.iter().enumerate() {
        let i = i as i64;
        let domain = format!("{}.example", name.to_lowercase().replace(' ', "-"));
        let (industry, city) = (rng.pick(INDUSTRIES), rng.pick(CITIES));
        let body = format!("{domain} {industry} {city}");
        docs.push(doc(
            DocKind::Company,
            i + 1,
            owner(i),
            name,
            &format!("{domain} · {industry}"),
            &body,
        ));
    }
    for i in 0..20_000i64 {
        let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
        let company = &companies[i as usize % companies.len()];
        let email = format!(
            "{}.{}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        );
        let subtitle = format!("{email} · {company}");
        docs.push(doc(
            DocKind::Contact,
            i + 1,
            owner(i),
            &format!("{first} {last}"),
            &subtitle,
            &email,
        ));
    }
    for i in 0..10_000i64 {
        let company = &companies[i as usize % companies.len()];
        let stage = rng.pick(STAGES);
        let title = format!("{company} {}", rng.pick(DEAL_WORDS));
        docs.push(doc(
            DocKind::Deal,
            i + 1,
            owner(i),
            &title,
            &format!("{company} · {stage}"),
            stage,
        ));
    }
    for i in 0..10_000i64 {
        let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
        let company = format!("{} {}", rng.pick(COMPANY_A), rng.pick(COMPANY_B));
        docs.push(doc(
            DocKind::Lead,
            i + 1,
            owner(i),
            &format!("{first} {last}"),
            &company,
            "web",
        ));
    }
    docs
}

fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    format!(
        "p50 {:?}  p90 {:?}  p99 {:?}  max {:?}  (n = {})",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        samples.len()
    )
}

#[test]
#[ignore = "a measurement; run it with --release --ignored --nocapture"]
fn measure_rebuild_and_search_latency() {
    let docs = seed_sized();
    let count = docs.len();
    let dir = tempfile::tempdir().expect("tempdir");
    let index = SearchIndex::open(dir.path()).expect("open");
    for round in 1..=3 {
        let started = Instant::now();
        index.rebuild(docs.clone()).expect("rebuild");
        println!(
            "rebuild of {count} docs on disk, round {round}: {:?}",
            started.elapsed()
        );
    }

    let queries = [
        "smith",
        "john smith",
        "acme",
        "globex dynamics",
        "smiht",
        "jonson",
        "initech renewal",
        "berlin software",
        "müller",
        "\"acme labs\"",
        "hoo*",
        "nakamura okafor",
        "+(happy",
        "*",
    ];
    for (label, owner) in [("admin", None), ("rep", Some(3))] {
        let mut samples = Vec::new();
        for _ in 0..20 {
            for q in queries {
                let req = SearchRequest {
                    q: q.to_owned(),
                    kind: None,
                    owner,
                    limit: 20,
                };
                let started = Instant::now();
                let results = index.search(&req).expect("search");
                samples.push(started.elapsed());
                assert!(results.hits.len() <= 20);
            }
        }
        println!("search as {label}: {}", percentiles(samples));
    }
    for q in queries {
        let req = SearchRequest {
            q: q.to_owned(),
            kind: None,
            owner: None,
            limit: 20,
        };
        let started = Instant::now();
        let results = index.search(&req).expect("search");
        println!(
            "  {q:<18} total {:>6}  {:?}",
            results.total,
            started.elapsed()
        );
    }

    let prefixes = ["j", "jo", "john", "john sm", "acm", "glob dyn", "mül", "zz"];
    let mut samples = Vec::new();
    for _ in 0..20 {
        for prefix in prefixes {
            let started = Instant::now();
            index.suggest(prefix, None, 10).expect("suggest");
            samples.push(started.elapsed());
        }
    }
    println!("suggest: {}", percentiles(samples));

    let started = Instant::now();
    index
        .upsert(
            doc(DocKind::Company, 99_999, 1, "Zyzzyva Ventures", "", ""),
            None,
        )
        .expect("upsert");
    while search(&index, "zyzzyva").total == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "upsert never became visible"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    println!("upsert visible without flush after {:?}", started.elapsed());
}
