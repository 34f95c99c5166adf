//! Deterministic seed data: realistic companies, contacts, deals, leads, activities and users, so
//! that SalesHub serves (and Stampede measures) something shaped like a real CRM. The same
//! `SeedConfig` always produces the same rows; all dates are relative to its anchor date.

mod config;
#[cfg(test)]
mod golden;
mod random;
mod records;
mod search_terms;
mod users;
mod words;

use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

use crate::store::{self, StoreError};

pub use config::{MAX_USERS, SeedConfig, SeedConfigError};
pub use search_terms::{search_terms, search_terms_csv};
pub use users::{FixtureUser, fixture_users, users_csv};

/// How many rows a seed run wrote, and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub users: u64,
    pub companies: u64,
    pub contacts: u64,
    pub deals: u64,
    pub leads: u64,
    pub activities: u64,
    pub elapsed: Duration,
}

impl SeedReport {
    /// Rows written in all tables.
    pub fn total(&self) -> u64 {
        self.users + self.companies + self.contacts + self.deals + self.leads + self.activities
    }
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seeded {} users, {} companies, {} contacts, {} deals, {} leads, {} activities in {}",
            self.users,
            self.companies,
            self.contacts,
            self.deals,
            self.leads,
            self.activities,
            humantime::format_duration(Duration::from_millis(self.elapsed.as_millis() as u64))
        )
    }
}

/// Tables in delete order (children first).
const TABLES: &[&str] = &[
    "sessions",
    "activities",
    "leads",
    "deals",
    "contacts",
    "companies",
    "users",
];

/// Fills an empty database (migrating it first) in one transaction. Refuses a database that
/// already holds users: wipe it (or delete the file) first.
pub fn seed(conn: &mut Connection, cfg: &SeedConfig) -> Result<SeedReport, StoreError> {
    let started = Instant::now();
    if !(1..=MAX_USERS).contains(&cfg.users) {
        return Err(StoreError::validation(
            "users",
            format!("must be between 1 and {MAX_USERS}, got {}", cfg.users),
        ));
    }
    store::migrate(conn)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let existing: i64 = tx.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
    if existing > 0 {
        return Err(StoreError::Conflict(format!(
            "the database already holds {existing} users; seed only an empty database \
             (delete the file, or call seed::wipe first)"
        )));
    }
    let mut g = random::Gen::new(cfg.rng_seed, cfg.anchor());
    let reps = records::users(&tx, &mut g, cfg.users)?;
    let companies = records::companies(&tx, &mut g, cfg.companies, &reps)?;
    let contacts = records::contacts(&tx, &mut g, cfg.contacts, &reps, &companies)?;
    let deals = records::deals(&tx, &mut g, cfg.deals, &reps, &companies, &contacts)?;
    let leads = records::leads(&tx, &mut g, cfg.leads, &reps, &contacts)?;
    let activities = records::activities(&tx, &mut g, cfg.activities, &contacts, &deals)?;
    tx.commit()?;
    conn.execute_batch("ANALYZE")?;
    Ok(SeedReport {
        users: reps.len() as u64 + 1,
        companies: companies.len() as u64,
        contacts: contacts.len() as u64,
        deals: deals.len() as u64,
        leads,
        activities,
        elapsed: started.elapsed(),
    })
}

/// Deletes every row of every table (keeping the schema), so the database can be seeded again.
pub fn wipe(conn: &mut Connection) -> Result<(), StoreError> {
    store::migrate(conn)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for table in TABLES {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests;
