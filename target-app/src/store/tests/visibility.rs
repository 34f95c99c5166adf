//! A rep cannot see, change or delete another rep's records, nor reference them; an admin can.

use super::super::*;
use super::{A, ALL, B, REP_A, REP_B, db, invalid_field, q};

#[test]
fn reps_see_only_their_own_records() {
    let db = db();
    let c = &db.conn;
    let mine = create::<Company>(
        c,
        CompanyCreate {
            name: "B's company".into(),
            ..Default::default()
        },
        REP_B,
        &B,
    )
    .expect("create");

    assert_eq!(get::<Company>(c, mine.id, &A).expect("get"), None);
    let patch = CompanyPatch {
        name: Some("hijacked".into()),
        ..Default::default()
    };
    assert_eq!(
        update::<Company>(c, mine.id, patch.clone(), &A).expect("update"),
        None
    );
    assert!(!delete::<Company>(c, mine.id, &A).expect("delete"));
    assert_eq!(list::<Company>(c, &[], &A).expect("list").total, 0);
    // Unchanged after the attempts.
    assert_eq!(
        get::<Company>(c, mine.id, &B).expect("get"),
        Some(mine.clone())
    );

    // Referencing it is a validation error that does not reveal it exists.
    let contact = ContactCreate {
        first_name: "x".into(),
        last_name: "y".into(),
        company_id: Some(mine.id),
        ..Default::default()
    };
    assert_eq!(
        invalid_field(create::<Contact>(c, contact, REP_A, &A)),
        "company_id"
    );

    // Reps cannot give records to someone else.
    let other = CompanyCreate {
        name: "gift".into(),
        owner_id: Some(REP_B),
        ..Default::default()
    };
    assert_eq!(
        invalid_field(create::<Company>(c, other, REP_A, &A)),
        "owner_id"
    );

    // The admin sees, changes and may reassign it.
    assert!(get::<Company>(c, mine.id, &ALL).expect("get").is_some());
    let reassign = CompanyPatch {
        owner_id: Some(REP_A),
        ..patch
    };
    let moved = update::<Company>(c, mine.id, reassign, &ALL)
        .expect("update")
        .expect("visible");
    assert_eq!((moved.owner_id, moved.name.as_str()), (REP_A, "hijacked"));
    assert!(get::<Company>(c, mine.id, &B).expect("get").is_none());
    assert_eq!(list::<Company>(c, &[], &A).expect("list").total, 1);
    let bad_owner = CompanyPatch {
        owner_id: Some(999),
        ..Default::default()
    };
    assert_eq!(
        invalid_field(update::<Company>(c, mine.id, bad_owner, &ALL)),
        "owner_id"
    );
    assert!(delete::<Company>(c, mine.id, &ALL).expect("delete"));
}

#[test]
fn reps_see_only_themselves_among_users() {
    let db = db();
    let page = list::<User>(&db.conn, &[], &A).expect("list");
    assert_eq!(
        page.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![REP_A]
    );
    assert_eq!(
        list::<User>(&db.conn, &q(&[("role", "rep")]), &ALL)
            .expect("list")
            .total,
        2
    );
    assert!(get::<User>(&db.conn, REP_B, &A).expect("get").is_none());
}

#[test]
fn activities_of_hides_invisible_parents() {
    let db = db();
    let c = &db.conn;
    let contact = create::<Contact>(
        c,
        ContactCreate {
            first_name: "x".into(),
            last_name: "y".into(),
            ..Default::default()
        },
        REP_B,
        &B,
    )
    .expect("contact");
    for i in 0..3 {
        create::<Activity>(
            c,
            ActivityCreate {
                kind: Some(ActivityKind::Email),
                subject: format!("mail {i}"),
                contact_id: Some(contact.id),
                ..Default::default()
            },
            REP_B,
            &B,
        )
        .expect("activity");
    }
    assert!(
        activities_of(c, Parent::Contact(contact.id), &[], &A)
            .expect("q")
            .is_none()
    );
    let page = activities_of(c, Parent::Contact(contact.id), &q(&[("limit", "2")]), &B)
        .expect("q")
        .expect("visible");
    assert_eq!((page.total, page.items.len()), (3, 2));
    assert!(
        activities_of(c, Parent::Deal(contact.id), &[], &ALL)
            .expect("q")
            .is_none()
    );
}
