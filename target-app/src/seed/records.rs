//! The generators of each table's rows, in dependency order (users → companies → contacts →
//! deals → leads → activities). Each inserts through one prepared statement and returns what later
//! tables need to reference (ids and owners), so related records share an owner the way they would
//! in a real CRM.

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use crate::store::timestamps::{format_date, format_timestamp};
use crate::store::{ActivityKind, LeadSource, LeadStatus, Stage, StoreError, password};

use super::random::Gen;
use super::users::fixture_users;
use super::words::*;

/// What later tables need about a company.
pub struct CompanyRef {
    pub id: i64,
    pub owner: i64,
    pub name: String,
    pub domain: String,
    pub place: usize,
}

/// What later tables need about a contact.
pub struct ContactRef {
    pub id: i64,
    pub owner: i64,
    pub company: Option<usize>,
    pub first_name: &'static str,
}

/// What later tables need about a deal.
pub struct DealRef {
    pub id: i64,
    pub owner: i64,
    pub contact_id: Option<i64>,
    pub product: &'static str,
}

fn ts(t: OffsetDateTime) -> String {
    format_timestamp(t)
}

/// Inserts the fixture users; returns the reps' ids (the owners of everything else).
pub fn users(tx: &Connection, g: &mut Gen, reps: u32) -> Result<Vec<i64>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
    )?;
    let mut rep_ids = Vec::new();
    for u in fixture_users(reps) {
        let salt: [u8; 16] = std::array::from_fn(|_| g.int(0, 255) as u8);
        let phc = password::hash_with_salt(&u.password, &salt)?;
        let created = g.before_now(400, 800);
        stmt.execute(params![u.email, u.name, u.role.as_str(), phc, ts(created)])?;
        if u.role == crate::store::Role::Rep {
            rep_ids.push(tx.last_insert_rowid());
        }
    }
    Ok(rep_ids)
}

/// A company name such as "Globex Systems", "Nimbusware Labs" or "Ember & Quarry".
pub fn company_name(g: &mut Gen) -> String {
    let root = *g.pick(COMPANY_ROOTS);
    match g.weighted(&[(0, 60), (1, 25), (2, 15)]) {
        0 => format!("{root} {}", g.pick(COMPANY_KINDS)),
        1 => format!("{root}{} {}", g.pick(COMPANY_GLUE), g.pick(COMPANY_KINDS)),
        _ => format!("{root} & {}", g.pick(COMPANY_ROOTS)),
    }
}

fn domain_of(name: &str, tld: &str) -> String {
    let base: String = name
        .split_whitespace()
        .take(2)
        .collect::<String>()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    format!("{base}.{tld}")
}

pub fn companies(
    tx: &Connection,
    g: &mut Gen,
    n: u32,
    reps: &[i64],
) -> Result<Vec<CompanyRef>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO companies (name, domain, industry, employees, city, country, owner_id,
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let name = company_name(g);
        let place = g.index(PLACES.len());
        let domain = domain_of(&name, PLACES[place].tld);
        let employees = (g.log_normal(120.0, 1.6).round() as i64).clamp(1, 250_000);
        let owner = *g.pick(reps);
        let created = g.before_now(30, 730);
        let updated = g.after(created, 200);
        stmt.execute(params![
            name,
            domain,
            g.pick(INDUSTRIES),
            employees,
            PLACES[place].city,
            PLACES[place].country,
            owner,
            ts(created),
            ts(updated)
        ])?;
        out.push(CompanyRef {
            id: tx.last_insert_rowid(),
            owner,
            name,
            domain,
            place,
        });
    }
    Ok(out)
}

fn email_local(first: &str, last: &str, g: &mut Gen) -> String {
    let (f, l) = (first.to_lowercase(), last.to_lowercase());
    match g.weighted(&[(0, 60), (1, 25), (2, 15)]) {
        0 => format!("{f}.{l}"),
        1 => format!("{}{l}", &f[..1]),
        _ => format!("{f}{}", g.int(1, 99)),
    }
}

fn phone(g: &mut Gen, prefix: &str) -> String {
    format!("{prefix} {} {:04}", g.int(200, 989), g.int(0, 9999))
}

pub fn contacts(
    tx: &Connection,
    g: &mut Gen,
    n: u32,
    reps: &[i64],
    companies: &[CompanyRef],
) -> Result<Vec<ContactRef>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO contacts (company_id, first_name, last_name, email, phone, title, owner_id,
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let company = (!companies.is_empty() && g.chance(0.9)).then(|| g.index(companies.len()));
        let first = *g.pick(FIRST_NAMES);
        let last = *g.pick(LAST_NAMES);
        let local = email_local(first, last, g);
        let (email_domain, place, owner) = match company {
            Some(i) => {
                let c = &companies[i];
                // Mostly the company's account owner; sometimes a colleague covers the contact.
                let owner = if g.chance(0.85) {
                    c.owner
                } else {
                    *g.pick(reps)
                };
                (c.domain.clone(), &PLACES[c.place], owner)
            }
            None => (
                (*g.pick(FREE_MAIL)).to_owned(),
                g.pick(PLACES),
                *g.pick(reps),
            ),
        };
        let phone = g.chance(0.8).then(|| phone(g, place.phone));
        let title = g.chance(0.9).then(|| *g.pick(TITLES));
        let created = g.before_now(1, 700);
        let updated = g.after(created, 120);
        stmt.execute(params![
            company.map(|i| companies[i].id),
            first,
            last,
            format!("{local}@{email_domain}"),
            phone,
            title,
            owner,
            ts(created),
            ts(updated)
        ])?;
        out.push(ContactRef {
            id: tx.last_insert_rowid(),
            owner,
            company,
            first_name: first,
        });
    }
    Ok(out)
}

const STAGES: &[(Stage, u32)] = &[
    (Stage::Prospecting, 18),
    (Stage::Qualification, 16),
    (Stage::Proposal, 14),
    (Stage::Negotiation, 10),
    (Stage::Won, 24),
    (Stage::Lost, 18),
];

const CURRENCIES: &[(&str, u32)] = &[("USD", 70), ("EUR", 15), ("GBP", 10), ("CAD", 5)];

pub fn deals(
    tx: &Connection,
    g: &mut Gen,
    n: u32,
    reps: &[i64],
    companies: &[CompanyRef],
    contacts: &[ContactRef],
) -> Result<Vec<DealRef>, StoreError> {
    // Contacts by company, so a deal's contact works for the deal's company.
    let mut by_company: Vec<Vec<usize>> = vec![Vec::new(); companies.len()];
    for (i, c) in contacts.iter().enumerate() {
        if let Some(co) = c.company {
            by_company[co].push(i);
        }
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO deals (name, company_id, contact_id, stage, amount_cents, currency,
             close_date, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let company = (!companies.is_empty() && g.chance(0.95)).then(|| g.index(companies.len()));
        let contact = match company {
            Some(co) if !by_company[co].is_empty() && g.chance(0.9) => {
                Some(&contacts[*g.pick(&by_company[co])])
            }
            _ if company.is_none() && !contacts.is_empty() => Some(g.pick(contacts)),
            _ => None,
        };
        let owner = company.map_or_else(|| *g.pick(reps), |co| companies[co].owner);
        let product = *g.pick(PRODUCTS);
        let kind = *g.pick(DEAL_KINDS);
        let name = match company {
            Some(co) => format!("{} - {product} {kind}", companies[co].name),
            None => format!("{product} {kind}"),
        };
        let stage = g.weighted(STAGES);
        // Log-normal around $24k, rounded to $100, between $500 and $5M.
        let dollars = (g.log_normal(24_000.0, 1.1) / 100.0).round() as i64 * 100;
        let amount_cents = dollars.clamp(500, 5_000_000) * 100;
        let (close, created) = if stage.is_open() {
            (g.date_around(-20, 120), g.before_now(0, 365))
        } else {
            let close = g.date_around(-700, 0);
            let days_before_close = (g.anchor() - close).whole_days() + g.int(14, 180);
            (
                close,
                g.before_now(days_before_close.min(730), days_before_close.min(730)),
            )
        };
        let updated = g.after(created, 90);
        stmt.execute(params![
            name,
            company.map(|co| companies[co].id),
            contact.map(|c| c.id),
            stage.as_str(),
            amount_cents,
            g.weighted(CURRENCIES),
            format_date(close),
            owner,
            ts(created),
            ts(updated)
        ])?;
        out.push(DealRef {
            id: tx.last_insert_rowid(),
            owner,
            contact_id: contact.map(|c| c.id),
            product,
        });
    }
    Ok(out)
}

const SOURCES: &[(LeadSource, u32)] = &[
    (LeadSource::Web, 30),
    (LeadSource::Referral, 15),
    (LeadSource::Event, 15),
    (LeadSource::ColdCall, 10),
    (LeadSource::Partner, 10),
    (LeadSource::Ads, 20),
];

const STATUSES: &[(LeadStatus, u32)] = &[
    (LeadStatus::New, 30),
    (LeadStatus::Contacted, 25),
    (LeadStatus::Qualified, 15),
    (LeadStatus::Unqualified, 15),
    (LeadStatus::Converted, 15),
];

pub fn leads(
    tx: &Connection,
    g: &mut Gen,
    n: u32,
    reps: &[i64],
    contacts: &[ContactRef],
) -> Result<u64, StoreError> {
    let mut by_owner: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for c in contacts {
        by_owner.entry(c.owner).or_default().push(c.id);
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO leads (first_name, last_name, email, company_name, source, status, score,
             owner_id, converted_contact_id, converted_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    for _ in 0..n {
        let first = *g.pick(FIRST_NAMES);
        let last = *g.pick(LAST_NAMES);
        let company = g.chance(0.85).then(|| company_name(g));
        let email_domain = match &company {
            Some(name) => domain_of(name, g.pick(PLACES).tld),
            None => (*g.pick(FREE_MAIL)).to_owned(),
        };
        let email = format!("{}@{email_domain}", email_local(first, last, g));
        let owner = *g.pick(reps);
        let mut status = g.weighted(STATUSES);
        let converted_contact = match status {
            LeadStatus::Converted => match by_owner.get(&owner) {
                Some(ids) if !ids.is_empty() => Some(*g.pick(ids)),
                _ => None,
            },
            _ => None,
        };
        if status == LeadStatus::Converted && converted_contact.is_none() {
            status = LeadStatus::Qualified;
        }
        let score = match status {
            LeadStatus::Qualified | LeadStatus::Converted => g.int(55, 100),
            LeadStatus::Unqualified => g.int(0, 40),
            _ => g.int(10, 90),
        };
        let created = g.before_now(0, 540);
        let converted_at = converted_contact.map(|_| g.after(created, 60));
        let updated = converted_at.unwrap_or_else(|| g.after(created, 60));
        stmt.execute(params![
            first,
            last,
            email,
            company,
            g.weighted(SOURCES).as_str(),
            status.as_str(),
            score,
            owner,
            converted_contact,
            converted_at.map(ts),
            ts(created),
            ts(updated)
        ])?;
    }
    Ok(u64::from(n))
}

const KINDS: &[(ActivityKind, u32)] = &[
    (ActivityKind::Email, 35),
    (ActivityKind::Call, 30),
    (ActivityKind::Meeting, 15),
    (ActivityKind::Note, 20),
];

pub fn activities(
    tx: &Connection,
    g: &mut Gen,
    n: u32,
    contacts: &[ContactRef],
    deals: &[DealRef],
) -> Result<u64, StoreError> {
    if contacts.is_empty() && deals.is_empty() {
        return Ok(0);
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO activities (kind, subject, body, contact_id, deal_id, occurred_at, owner_id,
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    for _ in 0..n {
        let on_deal = !deals.is_empty() && (contacts.is_empty() || g.chance(0.45));
        let (contact_id, deal_id, owner, first, product) = if on_deal {
            let d = g.pick(deals);
            let contact = d.contact_id.filter(|_| g.chance(0.6));
            (contact, Some(d.id), d.owner, None, Some(d.product))
        } else {
            let c = g.pick(contacts);
            (Some(c.id), None, c.owner, Some(c.first_name), None)
        };
        let kind = g.weighted(KINDS);
        let base = *g.pick(match kind {
            ActivityKind::Call => CALL_SUBJECTS,
            ActivityKind::Email => EMAIL_SUBJECTS,
            ActivityKind::Meeting => MEETING_SUBJECTS,
            ActivityKind::Note => NOTE_SUBJECTS,
        });
        let subject = match (first, product) {
            (Some(name), _) if g.chance(0.5) => format!("{base} with {name}"),
            (_, Some(p)) if g.chance(0.5) => format!("{base}: {p}"),
            _ => base.to_owned(),
        };
        let sentences = g.int(1, 3);
        let body = (0..sentences)
            .map(|_| *g.pick(BODY_SENTENCES))
            .collect::<Vec<_>>()
            .join(" ");
        let occurred = g.before_now(0, 365);
        let updated = g.after(occurred, 2);
        stmt.execute(params![
            kind.as_str(),
            subject,
            body,
            contact_id,
            deal_id,
            ts(occurred),
            owner,
            ts(occurred),
            ts(updated)
        ])?;
    }
    Ok(u64::from(n))
}
