//! Create/read/update/delete, validation limits, FK behaviour and verbatim storage.

use super::super::*;
use super::{A, ADMIN, ALL, REP_A, db, invalid_field};

fn company(name: &str) -> CompanyCreate {
    CompanyCreate {
        name: name.to_owned(),
        ..Default::default()
    }
}

#[test]
fn store_open_is_idempotent_and_healthy() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    let store = Store::open(&path, 2).expect("open");
    store.blocking(|c| health(c)).expect("healthy");
    drop(store);
    let store = Store::open(&path, 2).expect("reopen");
    let mode: String = store
        .blocking(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
        .expect("pragma");
    assert_eq!(mode, "wal");
    let fk: i64 = store
        .blocking(|c| Ok(c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?))
        .expect("pragma");
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn call_runs_on_the_pool() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("s.db"), 2).expect("open");
    let n = store
        .call(|c| Ok(c.query_row("SELECT 40 + 2", [], |r| r.get::<_, i64>(0))?))
        .await
        .expect("call");
    assert_eq!(n, 42);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_share_the_pool() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("s.db"), 4).expect("open");
    store
        .call(|c| {
            c.execute(
                "INSERT INTO users (email, name, role, password_hash, created_at)
                 VALUES ('r@t.test', 'r', 'rep', 'x', '2024-01-01T00:00:00.000Z')",
                [],
            )?;
            Ok(())
        })
        .await
        .expect("user");
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..10 {
                    store
                        .call(move |c| {
                            create::<Company>(
                                c,
                                company(&format!("c{t}-{i}")),
                                1,
                                &Visibility::Owner(1),
                            )
                        })
                        .await
                        .expect("create");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let n = store
        .call(|c| Ok(list::<Company>(c, &[], &ALL)?.total))
        .await
        .expect("count");
    assert_eq!(n, 80);
}

#[test]
fn company_crud_round_trip() {
    let db = db();
    let c = create::<Company>(
        &db.conn,
        CompanyCreate {
            name: "  Acme Corp ".into(),
            domain: Some("acme.test".into()),
            employees: Some(120),
            ..Default::default()
        },
        REP_A,
        &A,
    )
    .expect("create");
    assert_eq!(c.name, "Acme Corp");
    assert_eq!(c.owner_id, REP_A);
    assert_eq!(c.employees, Some(120));
    assert_eq!(
        get::<Company>(&db.conn, c.id, &A).expect("get"),
        Some(c.clone())
    );

    std::thread::sleep(std::time::Duration::from_millis(5));
    let patch: CompanyPatch =
        serde_json::from_str(r#"{"name": "Acme Inc", "domain": null}"#).expect("json");
    let u = update::<Company>(&db.conn, c.id, patch, &A)
        .expect("update")
        .expect("visible");
    assert_eq!(u.name, "Acme Inc");
    assert_eq!(u.domain, None, "explicit null clears");
    assert_eq!(u.employees, Some(120), "absent field is kept");
    assert!(u.updated_at > c.updated_at, "updated_at bumped");
    assert_eq!(u.created_at, c.created_at);

    assert!(delete::<Company>(&db.conn, c.id, &A).expect("delete"));
    assert_eq!(get::<Company>(&db.conn, c.id, &ALL).expect("get"), None);
    assert!(!delete::<Company>(&db.conn, c.id, &ALL).expect("delete again"));
}

#[test]
fn patch_rejects_unknown_fields() {
    let err = serde_json::from_str::<DealPatch>(r#"{"owner": 1}"#);
    assert!(err.is_err());
    let err = serde_json::from_str::<LeadCreate>(
        r#"{"first_name": "a", "last_name": "b", "converted_contact_id": 3}"#,
    );
    assert!(
        err.is_err(),
        "mass assignment of converted_contact_id refused"
    );
}

#[test]
fn every_limit_is_enforced() {
    let db = db();
    let c = &db.conn;
    let long = |n: usize| "x".repeat(n);
    // Names: 1..=200.
    assert_eq!(
        invalid_field(create::<Company>(c, company(""), REP_A, &A)),
        "name"
    );
    assert_eq!(
        invalid_field(create::<Company>(c, company("   "), REP_A, &A)),
        "name"
    );
    assert!(create::<Company>(c, company(&long(200)), REP_A, &A).is_ok());
    assert_eq!(
        invalid_field(create::<Company>(c, company(&long(201)), REP_A, &A)),
        "name"
    );
    // Multi-byte characters count as characters, not bytes.
    assert!(create::<Company>(c, company(&"é".repeat(200)), REP_A, &A).is_ok());
    // Domain <= 253, employees 0..=10^7.
    let mut x = company("d");
    x.domain = Some(long(254));
    assert_eq!(invalid_field(create::<Company>(c, x, REP_A, &A)), "domain");
    let mut x = company("e");
    x.employees = Some(10_000_001);
    assert_eq!(
        invalid_field(create::<Company>(c, x, REP_A, &A)),
        "employees"
    );
    let mut x = company("e");
    x.employees = Some(-1);
    assert_eq!(
        invalid_field(create::<Company>(c, x, REP_A, &A)),
        "employees"
    );

    // Emails: 3..=254, exactly one @; phone <= 40; title <= 200.
    let contact = |email: &str| ContactCreate {
        first_name: "Ann".into(),
        last_name: "Lee".into(),
        email: Some(email.into()),
        ..Default::default()
    };
    for bad in [
        "a@",
        "@b",
        "ab",
        "a@b@c",
        "a b@c.d",
        &format!("{}@x.io", long(250)),
    ] {
        assert_eq!(
            invalid_field(create::<Contact>(c, contact(bad), REP_A, &A)),
            "email",
            "{bad}"
        );
    }
    let ok = create::<Contact>(c, contact("Ann.Lee@Example.COM"), REP_A, &A).expect("ok");
    assert_eq!(ok.email.as_deref(), Some("ann.lee@example.com"));
    let mut x = contact("a@b.c");
    x.phone = Some(long(41));
    assert_eq!(invalid_field(create::<Contact>(c, x, REP_A, &A)), "phone");
    let mut x = contact("a@b.c");
    x.title = Some(long(201));
    assert_eq!(invalid_field(create::<Contact>(c, x, REP_A, &A)), "title");

    // Deals: currency, amount 0..=10^13, close_date, referenced ids.
    let deal = |f: &dyn Fn(&mut DealCreate)| {
        let mut d = DealCreate {
            name: "Deal".into(),
            ..Default::default()
        };
        f(&mut d);
        create::<Deal>(c, d, REP_A, &A)
    };
    assert_eq!(
        invalid_field(deal(&|d| d.currency = Some("usd".into()))),
        "currency"
    );
    assert_eq!(
        invalid_field(deal(&|d| d.currency = Some("EURO".into()))),
        "currency"
    );
    assert_eq!(
        invalid_field(deal(&|d| d.amount_cents = Some(-1))),
        "amount_cents"
    );
    assert_eq!(
        invalid_field(deal(&|d| d.amount_cents = Some(10_000_000_000_001))),
        "amount_cents"
    );
    assert!(deal(&|d| d.amount_cents = Some(10_000_000_000_000)).is_ok());
    assert_eq!(
        invalid_field(deal(&|d| d.close_date = Some("2024-13-01".into()))),
        "close_date"
    );
    assert_eq!(
        invalid_field(deal(&|d| d.company_id = Some(999))),
        "company_id"
    );
    assert_eq!(
        invalid_field(deal(&|d| d.contact_id = Some(999))),
        "contact_id"
    );
    let d = deal(&|_| {}).expect("defaults");
    assert_eq!(
        (d.stage, d.amount_cents, d.currency.as_str()),
        (Stage::Prospecting, 0, "USD")
    );

    // Leads: score 0..=100, status converted only via conversion.
    let lead = |score: i64, status: Option<LeadStatus>| LeadCreate {
        first_name: "L".into(),
        last_name: "M".into(),
        score: Some(score),
        status,
        ..Default::default()
    };
    assert_eq!(
        invalid_field(create::<Lead>(c, lead(101, None), REP_A, &A)),
        "score"
    );
    assert_eq!(
        invalid_field(create::<Lead>(c, lead(-1, None), REP_A, &A)),
        "score"
    );
    assert!(create::<Lead>(c, lead(100, None), REP_A, &A).is_ok());
    assert_eq!(
        invalid_field(create::<Lead>(
            c,
            lead(5, Some(LeadStatus::Converted)),
            REP_A,
            &A
        )),
        "status"
    );

    // Activities: a parent is required; body <= 10,000; subject 1..=200.
    let act = |body: usize, contact_id: Option<i64>| ActivityCreate {
        kind: Some(ActivityKind::Call),
        subject: "Intro call".into(),
        body: Some(long(body)),
        contact_id,
        ..Default::default()
    };
    assert_eq!(
        invalid_field(create::<Activity>(c, act(1, None), REP_A, &A)),
        "contact_id"
    );
    assert_eq!(
        invalid_field(create::<Activity>(c, act(10_001, Some(ok.id)), REP_A, &A)),
        "body"
    );
    let a = create::<Activity>(c, act(10_000, Some(ok.id)), REP_A, &A).expect("activity");
    let clear: ActivityPatch = serde_json::from_str(r#"{"contact_id": null}"#).expect("json");
    assert_eq!(
        invalid_field(update::<Activity>(c, a.id, clear, &A)),
        "contact_id"
    );
}

#[test]
fn sql_metacharacters_are_stored_verbatim() {
    let db = db();
    let nasty = "Robert'); DROP TABLE companies;-- \" % _ \\ ; --";
    let c = create::<Company>(&db.conn, company(nasty), REP_A, &A).expect("create");
    assert_eq!(c.name, nasty);
    let contact = create::<Contact>(
        &db.conn,
        ContactCreate {
            first_name: "O'Brien".into(),
            last_name: "x' OR '1'='1".into(),
            title: Some("%_*".into()),
            company_id: Some(c.id),
            ..Default::default()
        },
        REP_A,
        &A,
    )
    .expect("contact");
    let back = get::<Contact>(&db.conn, contact.id, &A)
        .expect("get")
        .expect("found");
    assert_eq!(back.last_name, "x' OR '1'='1");
    assert_eq!(back.title.as_deref(), Some("%_*"));
    // Filters bind values too: a quote in a filter finds nothing and breaks nothing.
    let page =
        list::<Company>(&db.conn, &super::q(&[("industry", "' OR 1=1 --")]), &ALL).expect("list");
    assert_eq!(page.total, 0);
    assert_eq!(
        all::<Company>(&db.conn).expect("all").len(),
        1,
        "table still there"
    );
}

#[test]
fn foreign_key_behaviour_on_delete() {
    let db = db();
    let c = &db.conn;
    let co = create::<Company>(c, company("Co"), REP_A, &A).expect("company");
    let ct = create::<Contact>(
        c,
        ContactCreate {
            company_id: Some(co.id),
            first_name: "A".into(),
            last_name: "B".into(),
            ..Default::default()
        },
        REP_A,
        &A,
    )
    .expect("contact");
    let act = create::<Activity>(
        c,
        ActivityCreate {
            kind: Some(ActivityKind::Note),
            subject: "s".into(),
            contact_id: Some(ct.id),
            ..Default::default()
        },
        REP_A,
        &A,
    )
    .expect("activity");
    assert!(delete::<Company>(c, co.id, &A).expect("delete company"));
    let ct2 = get::<Contact>(c, ct.id, &A)
        .expect("get")
        .expect("contact kept");
    assert_eq!(ct2.company_id, None);
    assert!(delete::<Contact>(c, ct.id, &A).expect("delete contact"));
    assert_eq!(
        get::<Activity>(c, act.id, &ALL).expect("get"),
        None,
        "activity cascaded"
    );
    // A user who owns records cannot be deleted.
    create::<Lead>(
        c,
        LeadCreate {
            first_name: "x".into(),
            last_name: "y".into(),
            ..Default::default()
        },
        REP_A,
        &A,
    )
    .expect("lead");
    match delete::<User>(c, REP_A, &ALL) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("1 leads"), "{msg}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert!(delete::<User>(c, 3, &ALL).expect("delete idle user"));
}

#[test]
fn users_hash_passwords_and_refuse_duplicates() {
    let db = db();
    let c = &db.conn;
    let input = || UserCreate {
        email: "New@T.test".into(),
        name: "New".into(),
        role: Role::Rep,
        password: "s3cret-password".into(),
    };
    assert_eq!(invalid_field(create::<User>(c, input(), REP_A, &A)), "role");
    let u = create::<User>(c, input(), ADMIN, &ALL).expect("create");
    assert_eq!(u.email, "new@t.test");
    let (found, phc) = user_by_email(c, "NEW@t.test")
        .expect("query")
        .expect("found");
    assert_eq!(found, u);
    assert!(password::verify("s3cret-password", &phc));
    assert!(!serde_json::to_string(&u).expect("json").contains("argon2"));
    assert!(matches!(
        create::<User>(c, input(), ADMIN, &ALL),
        Err(StoreError::Conflict(_))
    ));
    let short = UserCreate {
        password: "short".into(),
        email: "s@t.test".into(),
        ..input()
    };
    assert_eq!(
        invalid_field(create::<User>(c, short, ADMIN, &ALL)),
        "password"
    );
    // A rep may rename themselves but not promote themselves.
    let promote = UserPatch {
        role: Some(Role::Admin),
        ..Default::default()
    };
    assert_eq!(invalid_field(update::<User>(c, REP_A, promote, &A)), "role");
    let rename = UserPatch {
        name: Some("Alice".into()),
        ..Default::default()
    };
    let me = update::<User>(c, REP_A, rename, &A)
        .expect("update")
        .expect("self");
    assert_eq!(me.name, "Alice");
}

#[test]
fn sessions_expire_and_delete() {
    let db = db();
    let c = &db.conn;
    let now = time::OffsetDateTime::now_utc();
    create_session(c, "hash1", REP_A, now + time::Duration::hours(1)).expect("create");
    let u = session_user(c, "hash1", now)
        .expect("query")
        .expect("valid");
    assert_eq!(u.id, REP_A);
    assert!(
        session_user(c, "hash1", now + time::Duration::hours(2))
            .expect("q")
            .is_none()
    );
    assert!(session_user(c, "other", now).expect("q").is_none());
    delete_session(c, "hash1").expect("delete");
    assert!(session_user(c, "hash1", now).expect("q").is_none());
}

#[test]
fn a_new_role_or_password_or_a_delete_ends_the_users_sessions_and_a_rename_keeps_them() {
    let db = db();
    let c = &db.conn;
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let open = |hash: &str| create_session(c, hash, REP_A, later).expect("session");
    let hashes = |list: &[&str]| list.iter().map(|h| h.to_string()).collect::<Vec<_>>();
    open("s1");
    open("s2");
    let rename = UserPatch {
        name: Some("Renamed".into()),
        ..Default::default()
    };
    let updated = update_with_previous::<User>(c, REP_A, rename, &ALL)
        .expect("rename")
        .expect("found");
    let mut stale = updated.stale_sessions.clone();
    stale.sort();
    assert_eq!(
        stale,
        hashes(&["s1", "s2"]),
        "cached copies show the old name"
    );
    assert_eq!(session_hashes(c, REP_A).expect("q").len(), 2, "kept");

    let demote = UserPatch {
        role: Some(Role::Admin),
        ..Default::default()
    };
    let updated = update_with_previous::<User>(c, REP_A, demote, &ALL)
        .expect("role")
        .expect("found");
    assert_eq!(updated.stale_sessions.len(), 2);
    assert!(session_hashes(c, REP_A).expect("q").is_empty(), "ended");

    open("s3");
    let same = UserPatch {
        role: Some(Role::Admin),
        ..Default::default()
    };
    let updated = update_with_previous::<User>(c, REP_A, same, &ALL)
        .expect("same role")
        .expect("found");
    assert!(updated.stale_sessions.is_empty(), "nothing changed");
    let password = UserPatch {
        password: Some("a-new-password".into()),
        ..Default::default()
    };
    let updated = update_with_previous::<User>(c, REP_A, password, &ALL)
        .expect("password")
        .expect("found");
    assert_eq!(updated.stale_sessions, hashes(&["s3"]));
    assert!(session_hashes(c, REP_A).expect("q").is_empty());

    create_session(c, "s4", 3, later).expect("session");
    let deleted = delete_returning::<User>(c, 3, &ALL)
        .expect("delete")
        .expect("found");
    assert_eq!(deleted.stale_sessions, hashes(&["s4"]));
}

#[test]
fn a_session_is_created_only_for_the_user_as_the_login_verified_it() {
    let db = db();
    let c = &db.conn;
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let input = UserCreate {
        email: "v@t.test".into(),
        name: "V".into(),
        role: Role::Rep,
        password: "first-password".into(),
    };
    create::<User>(c, input, ADMIN, &ALL).expect("user");
    let (user, phc) = user_by_email(c, "v@t.test").expect("q").expect("found");
    assert!(create_verified_session(c, "v1", &user, &phc, later).expect("create"));
    let password = UserPatch {
        password: Some("second-password".into()),
        ..Default::default()
    };
    update::<User>(c, user.id, password, &ALL).expect("update");
    assert!(
        !create_verified_session(c, "v2", &user, &phc, later).expect("create"),
        "verified against the old password"
    );
    let (user, phc) = user_by_email(c, "v@t.test").expect("q").expect("found");
    let promote = UserPatch {
        role: Some(Role::Admin),
        ..Default::default()
    };
    update::<User>(c, user.id, promote, &ALL).expect("update");
    assert!(
        !create_verified_session(c, "v3", &user, &phc, later).expect("create"),
        "verified with the old role"
    );
    assert!(session_hashes(c, user.id).expect("q").is_empty());
}

#[test]
fn a_write_refused_by_a_foreign_key_is_a_conflict() {
    let db = db();
    let c = &db.conn;
    let co = create::<Company>(c, company("Co"), REP_A, &A).expect("company");
    // What a concurrent delete between a write's checks and its insert would leave, were the
    // write not in a transaction: a reference to a record that is gone.
    assert!(delete::<Company>(c, co.id, &A).expect("delete"));
    let err = c
        .execute(
            "INSERT INTO contacts (first_name, last_name, company_id, owner_id, created_at,
                 updated_at) VALUES ('a', 'b', ?, ?, 'now', 'now')",
            [co.id, REP_A],
        )
        .expect_err("a foreign key violation");
    assert!(matches!(
        super::super::entity::write_conflict(err),
        StoreError::Conflict(_)
    ));
}
