//! Seeding: determinism, sizes, referential sanity, realism and refusal of non-empty databases.

use rusqlite::Connection;
use time::macros::date;

use super::*;
use crate::store::{
    self, Company, Contact, Deal, Entity, Lead, Stage, StoreError, User, Visibility, password,
};

fn small() -> SeedConfig {
    SeedConfig {
        rng_seed: 7,
        users: 3,
        companies: 40,
        contacts: 300,
        deals: 200,
        leads: 150,
        activities: 500,
        anchor_date: Some(date!(2024 - 06 - 15)),
    }
}

fn open(dir: &tempfile::TempDir, name: &str) -> Connection {
    Connection::open(dir.path().join(name)).expect("open")
}

/// Every row of every table, as text, in id order.
fn dump(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    for table in TABLES {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
            .expect("prepare");
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut cells = Vec::new();
                for i in 0..n {
                    cells.push(format!("{:?}", r.get_ref(i)?));
                }
                Ok(format!("{table}: {}", cells.join(" | ")))
            })
            .expect("query");
        out.extend(rows.map(|r| r.expect("row")));
    }
    out
}

#[test]
fn same_config_same_rows() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut a, mut b) = (open(&dir, "a.db"), open(&dir, "b.db"));
    let ra = seed(&mut a, &small()).expect("seed a");
    seed(&mut b, &small()).expect("seed b");
    let (da, db) = (dump(&a), dump(&b));
    assert_eq!(da.len() as u64, ra.total());
    assert_eq!(da, db);

    let mut c = open(&dir, "c.db");
    let other = SeedConfig {
        rng_seed: 8,
        ..small()
    };
    seed(&mut c, &other).expect("seed c");
    assert_ne!(dump(&c), da, "another seed gives other rows");
}

#[test]
fn sizes_owners_and_references_are_sane() {
    let dir = tempfile::tempdir().expect("dir");
    let mut conn = open(&dir, "s.db");
    let report = seed(&mut conn, &small()).expect("seed");
    assert_eq!(
        (
            report.users,
            report.companies,
            report.contacts,
            report.deals,
            report.leads,
            report.activities
        ),
        (4, 40, 300, 200, 150, 500)
    );
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(count("SELECT count(*) FROM activities"), 500);
    assert_eq!(count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    assert_eq!(count("SELECT count(*) FROM users WHERE role = 'admin'"), 1);
    // Records are spread over all reps, and the admin owns none.
    assert_eq!(count("SELECT count(DISTINCT owner_id) FROM contacts"), 3);
    assert_eq!(count("SELECT count(*) FROM deals WHERE owner_id = 1"), 0);
    // Every stage occurs; some open deals close in the anchor month.
    assert_eq!(count("SELECT count(DISTINCT stage) FROM deals"), 6);
    assert!(
        count(
            "SELECT count(*) FROM deals WHERE stage NOT IN ('won','lost')
             AND close_date BETWEEN '2024-06-01' AND '2024-06-30'"
        ) > 0
    );
    assert_eq!(
        count("SELECT count(*) FROM deals WHERE stage = 'won' AND close_date > '2024-06-15'"),
        0
    );
    // Converted leads point at contacts of the same owner.
    assert!(count("SELECT count(*) FROM leads WHERE status = 'converted'") > 0);
    assert_eq!(
        count(
            "SELECT count(*) FROM leads l JOIN contacts c ON c.id = l.converted_contact_id
             WHERE l.owner_id <> c.owner_id"
        ),
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM leads WHERE status = 'converted' AND converted_at IS NULL"),
        0
    );
    // Activities share their parent's owner.
    assert_eq!(
        count(
            "SELECT count(*) FROM activities a JOIN contacts c ON c.id = a.contact_id
             WHERE a.deal_id IS NULL AND a.owner_id <> c.owner_id"
        ),
        0
    );
    // Nothing happens after the anchor day.
    assert_eq!(
        count("SELECT count(*) FROM activities WHERE occurred_at >= '2024-06-16'"),
        0
    );

    // The rows read back through the store's models (every enum and date is valid).
    let all = Visibility::All;
    assert_eq!(store::all::<Deal>(&conn).expect("deals").len(), 200);
    assert_eq!(store::all::<Lead>(&conn).expect("leads").len(), 150);
    let contacts = store::all::<Contact>(&conn).expect("contacts");
    assert!(
        contacts
            .iter()
            .filter_map(|c| c.email.as_deref())
            .all(|e| e.contains('@'))
    );
    let companies = store::all::<Company>(&conn).expect("companies");
    assert!(
        companies
            .iter()
            .all(|c| c.domain.as_deref().is_some_and(|d| d.contains('.')))
    );
    let d = store::dashboard(&conn, &all, date!(2024 - 06 - 15)).expect("dashboard");
    assert!(
        d.win_rate.is_some_and(|w| (0.3..0.8).contains(&w)),
        "{:?}",
        d.win_rate
    );
    assert!(
        d.pipeline
            .iter()
            .find(|s| s.stage == Stage::Won)
            .is_some_and(|s| s.amount_cents > 0)
    );
}

#[test]
fn fixture_users_can_log_in() {
    let dir = tempfile::tempdir().expect("dir");
    let mut conn = open(&dir, "u.db");
    seed(&mut conn, &small()).expect("seed");
    let users = fixture_users(small().users);
    for u in [&users[0], &users[3]] {
        let (user, phc) = store::user_by_email(&conn, &u.email)
            .expect("query")
            .expect("exists");
        assert_eq!((user.role, user.name.as_str()), (u.role, u.name.as_str()));
        assert!(password::verify(&u.password, &phc), "{}", u.email);
    }
    assert_eq!(store::all::<User>(&conn).expect("users").len(), 4);
    assert_eq!(<User as Entity>::NAME, "users");
}

#[test]
fn refuses_a_non_empty_database_until_wiped() {
    let dir = tempfile::tempdir().expect("dir");
    let mut conn = open(&dir, "w.db");
    let cfg = SeedConfig {
        activities: 10,
        ..small()
    };
    let first = dump(&{
        seed(&mut conn, &cfg).expect("seed");
        conn
    });
    let mut conn = open(&dir, "w.db");
    assert!(matches!(
        seed(&mut conn, &cfg),
        Err(StoreError::Conflict(_))
    ));
    wipe(&mut conn).expect("wipe");
    seed(&mut conn, &cfg).expect("reseed");
    assert_eq!(
        dump(&conn),
        first,
        "a wiped database re-seeds to the same rows"
    );
}

#[test]
fn zero_sized_tables_are_fine() {
    let dir = tempfile::tempdir().expect("dir");
    let mut conn = open(&dir, "z.db");
    let cfg = SeedConfig {
        users: 1,
        companies: 0,
        contacts: 0,
        deals: 5,
        leads: 0,
        activities: 3,
        ..small()
    };
    let r = seed(&mut conn, &cfg).expect("seed");
    assert_eq!((r.deals, r.activities), (5, 3));
}

/// The default configuration: checks the seeding speed and that every search term's word occurs.
/// Slow in debug builds: `cargo test -p saleshub --release -- --ignored default_seed`.
#[test]
#[ignore]
fn default_seed_is_fast_and_finds_every_search_term() {
    let dir = tempfile::tempdir().expect("dir");
    let mut conn = open(&dir, "d.db");
    let report = seed(&mut conn, &SeedConfig::default()).expect("seed");
    eprintln!("{report}");
    let mut missing = Vec::new();
    let words = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let known: Vec<String> = [
        words(super::words::COMPANY_ROOTS),
        words(super::words::LAST_NAMES),
        words(super::words::PRODUCTS),
    ]
    .concat();
    for term in search_terms(SeedConfig::default().rng_seed) {
        if !known.contains(&term) {
            continue; // a typo; the search index is what must tolerate it
        }
        let like = format!("%{term}%");
        let n: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM companies WHERE name LIKE ?1)
                      + (SELECT count(*) FROM contacts WHERE last_name = ?2)
                      + (SELECT count(*) FROM deals WHERE name LIKE ?1)",
                rusqlite::params![like, term],
                |r| r.get(0),
            )
            .expect("count");
        if n == 0 {
            missing.push(term);
        }
    }
    assert!(missing.is_empty(), "terms without records: {missing:?}");
}
