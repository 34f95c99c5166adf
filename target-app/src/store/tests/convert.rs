//! Lead conversion: what it creates, atomicity on failure, and the second attempt.

use super::super::*;
use super::{A, ALL, B, REP_A, db, invalid_field};

fn lead(db: &super::Db) -> Lead {
    create::<Lead>(
        &db.conn,
        LeadCreate {
            first_name: "Grace".into(),
            last_name: "Hopper".into(),
            email: Some("grace@navy.test".into()),
            company_name: Some("Navy Labs".into()),
            ..Default::default()
        },
        REP_A,
        &A,
    )
    .expect("lead")
}

fn count(db: &super::Db, table: &str) -> i64 {
    db.conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

#[test]
fn converts_into_contact_company_and_deal() {
    let mut db = db();
    let l = lead(&db);
    let req = ConvertLead {
        create_company: Some(true),
        create_deal: Some(true),
        amount_cents: Some(250_000),
        close_date: Some("2024-09-30".into()),
        ..Default::default()
    };
    let conv = convert_lead(&mut db.conn, l.id, req, &A)
        .expect("convert")
        .expect("visible");
    let company = conv.company.expect("company");
    let deal = conv.deal.expect("deal");
    assert_eq!(company.name, "Navy Labs");
    assert_eq!(
        (conv.contact.first_name.as_str(), conv.contact.company_id),
        ("Grace", Some(company.id))
    );
    assert_eq!(conv.contact.email.as_deref(), Some("grace@navy.test"));
    assert_eq!(deal.stage, Stage::Qualification);
    assert_eq!(
        (deal.amount_cents, deal.contact_id),
        (250_000, Some(conv.contact.id))
    );
    assert_eq!(deal.name, "Navy Labs deal");
    assert_eq!(conv.lead.status, LeadStatus::Converted);
    assert_eq!(conv.lead.converted_contact_id, Some(conv.contact.id));
    assert!(conv.lead.converted_at.is_some());
    assert_eq!(conv.contact.owner_id, REP_A);

    match convert_lead(&mut db.conn, l.id, ConvertLead::default(), &A) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("already converted"), "{msg}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert_eq!(
        count(&db, "contacts"),
        1,
        "the second attempt created nothing"
    );
}

#[test]
fn a_failure_midway_leaves_nothing() {
    let mut db = db();
    let l = lead(&db);
    // Company and contact are created before the deal fails validation.
    let req = ConvertLead {
        create_company: Some(true),
        create_deal: Some(true),
        amount_cents: Some(-5),
        ..Default::default()
    };
    assert_eq!(
        invalid_field(convert_lead(&mut db.conn, l.id, req, &A)),
        "amount_cents"
    );
    for table in ["companies", "contacts", "deals"] {
        assert_eq!(count(&db, table), 0, "{table} rolled back");
    }
    let after = get::<Lead>(&db.conn, l.id, &ALL)
        .expect("get")
        .expect("lead");
    assert_eq!(after, l, "lead untouched");
    // And it can still be converted afterwards.
    let ok = convert_lead(&mut db.conn, l.id, ConvertLead::default(), &A).expect("convert");
    assert!(ok.expect("visible").company.is_none());
}

#[test]
fn deal_fields_need_create_deal() {
    let mut db = db();
    let l = lead(&db);
    let req = ConvertLead {
        amount_cents: Some(100),
        ..Default::default()
    };
    assert_eq!(
        invalid_field(convert_lead(&mut db.conn, l.id, req, &A)),
        "create_deal"
    );
    assert_eq!(count(&db, "contacts"), 0);
}

#[test]
fn invisible_leads_are_not_found() {
    let mut db = db();
    let l = lead(&db);
    assert!(
        convert_lead(&mut db.conn, l.id, ConvertLead::default(), &B)
            .expect("q")
            .is_none()
    );
    assert!(
        convert_lead(&mut db.conn, 999, ConvertLead::default(), &ALL)
            .expect("q")
            .is_none()
    );
    assert_eq!(count(&db, "contacts"), 0);
}

#[test]
fn convert_request_rejects_unknown_fields() {
    assert!(serde_json::from_str::<ConvertLead>(r#"{"create_company": true}"#).is_ok());
    assert!(serde_json::from_str::<ConvertLead>(r#"{"owner_id": 1}"#).is_err());
}
