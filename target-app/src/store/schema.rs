//! The database schema as an ordered list of migrations, applied idempotently at open (and before
//! seeding). `PRAGMA user_version` records how many have run, so re-opening a database is a no-op
//! and a future migration is just one more entry.
//!
//! Indexes follow the queries: `(owner_id, created_at)` serves a rep's default list order, plain
//! `created_at` an admin's; each list filter and sort column has one; the analytics queries read
//! `deals(stage, close_date, amount_cents)` and `deals(stage, owner_id, amount_cents)` without
//! touching the table.

use rusqlite::Connection;

use super::StoreError;

/// Each entry is one migration; never edit a shipped entry, append a new one.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'rep')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX users_role ON users (role);

CREATE TABLE companies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    domain     TEXT,
    industry   TEXT,
    employees  INTEGER,
    city       TEXT,
    country    TEXT,
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX companies_owner_created ON companies (owner_id, created_at);
CREATE INDEX companies_created ON companies (created_at);
CREATE INDEX companies_industry ON companies (industry);
CREATE INDEX companies_country ON companies (country);
CREATE INDEX companies_name ON companies (name);

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    email      TEXT,
    phone      TEXT,
    title      TEXT,
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contacts_owner_created ON contacts (owner_id, created_at);
CREATE INDEX contacts_created ON contacts (created_at);
CREATE INDEX contacts_company ON contacts (company_id);
CREATE INDEX contacts_email ON contacts (email);
CREATE INDEX contacts_last_name ON contacts (last_name);

CREATE TABLE deals (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    company_id   INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    contact_id   INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    stage        TEXT NOT NULL CHECK (stage IN
                     ('prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency     TEXT NOT NULL,
    close_date   TEXT,
    owner_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX deals_owner_created ON deals (owner_id, created_at);
CREATE INDEX deals_created ON deals (created_at);
CREATE INDEX deals_company ON deals (company_id);
CREATE INDEX deals_contact ON deals (contact_id);
CREATE INDEX deals_close_date ON deals (close_date);
CREATE INDEX deals_amount ON deals (amount_cents);
CREATE INDEX deals_stage_close ON deals (stage, close_date, amount_cents);
CREATE INDEX deals_stage_owner ON deals (stage, owner_id, amount_cents);
CREATE INDEX deals_owner_stage ON deals (owner_id, stage, amount_cents);

CREATE TABLE leads (
    id                   INTEGER PRIMARY KEY,
    first_name           TEXT NOT NULL,
    last_name            TEXT NOT NULL,
    email                TEXT,
    company_name         TEXT,
    source               TEXT NOT NULL CHECK (source IN
                             ('web', 'referral', 'event', 'cold_call', 'partner', 'ads')),
    status               TEXT NOT NULL CHECK (status IN
                             ('new', 'contacted', 'qualified', 'unqualified', 'converted')),
    score                INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    owner_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    converted_contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    converted_at         TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX leads_owner_created ON leads (owner_id, created_at);
CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX leads_status ON leads (status);
CREATE INDEX leads_source ON leads (source);
CREATE INDEX leads_score ON leads (score);
CREATE INDEX leads_converted_contact ON leads (converted_contact_id);
CREATE INDEX leads_owner_status ON leads (owner_id, status);

CREATE TABLE activities (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note')),
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    contact_id  INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    deal_id     INTEGER REFERENCES deals (id) ON DELETE CASCADE,
    occurred_at TEXT NOT NULL,
    owner_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CHECK (contact_id IS NOT NULL OR deal_id IS NOT NULL)
);
CREATE INDEX activities_owner_created ON activities (owner_id, created_at);
CREATE INDEX activities_created ON activities (created_at);
CREATE INDEX activities_contact ON activities (contact_id, occurred_at);
CREATE INDEX activities_deal ON activities (deal_id, occurred_at);
CREATE INDEX activities_kind_occurred ON activities (kind, occurred_at);
CREATE INDEX activities_occurred ON activities (occurred_at);
CREATE INDEX activities_owner_kind ON activities (owner_id, kind, occurred_at);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);
"#];

/// Pragmas every connection needs; run by the pool on each new connection.
pub(crate) fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        // busy_timeout first, so switching to WAL waits for a concurrent opener instead of failing.
        "PRAGMA busy_timeout = 5000;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

/// Applies every migration not yet recorded in `user_version`, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let done: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(done).unwrap_or(0))
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Re-check inside the write lock: another process may have migrated meanwhile.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now > i as i64 {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}
