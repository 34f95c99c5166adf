//! Dashboard and revenue figures against values computed by hand on a tiny data set.

use time::macros::date;

use super::super::*;
use super::{A, ALL, B, REP_A, REP_B, db};

/// today = 2024-05-15.
fn data(db: &mut super::Db) {
    let c = &db.conn;
    let software = create::<Company>(
        c,
        CompanyCreate {
            name: "Soft".into(),
            industry: Some("Software".into()),
            ..Default::default()
        },
        REP_B,
        &ALL,
    )
    .expect("company");
    for (amount, stage, close, owner, company) in [
        (5_000, Stage::Won, "2024-01-10", REP_A, None),
        (90_000, Stage::Proposal, "2024-05-20", REP_A, None),
        (20_000, Stage::Lost, "2024-03-10", REP_B, None),
        (70_000, Stage::Won, "2024-04-10", REP_B, Some(software.id)),
        (1_000, Stage::Prospecting, "2024-05-10", REP_B, None),
        (3_000, Stage::Negotiation, "2024-06-01", REP_B, None),
        (8_000, Stage::Won, "2021-01-01", REP_B, None), // outside the 24 months
    ] {
        create::<Deal>(
            c,
            DealCreate {
                name: "d".into(),
                stage: Some(stage),
                amount_cents: Some(amount),
                close_date: Some(close.into()),
                company_id: company,
                ..Default::default()
            },
            owner,
            &ALL,
        )
        .expect("deal");
    }
    let mut lead_ids = Vec::new();
    for owner in [REP_A, REP_A, REP_B, REP_B] {
        let l = create::<Lead>(
            c,
            LeadCreate {
                first_name: "f".into(),
                last_name: "l".into(),
                ..Default::default()
            },
            owner,
            &ALL,
        )
        .expect("lead");
        lead_ids.push(l.id);
    }
    let contact = convert_lead(&mut db.conn, lead_ids[0], ConvertLead::default(), &ALL)
        .expect("convert")
        .expect("visible")
        .contact;
    for (kind, at) in [
        (ActivityKind::Call, "2024-05-10T10:00:00Z"),
        (ActivityKind::Call, "2024-01-01T10:00:00Z"),
        (ActivityKind::Note, "2024-05-01T10:00:00+02:00"),
    ] {
        create::<Activity>(
            &db.conn,
            ActivityCreate {
                kind: Some(kind),
                subject: "s".into(),
                contact_id: Some(contact.id),
                occurred_at: Some(at.into()),
                ..Default::default()
            },
            REP_A,
            &ALL,
        )
        .expect("activity");
    }
}

#[test]
fn dashboard_figures() {
    let mut db = db();
    data(&mut db);
    let d = dashboard(&db.conn, &ALL, date!(2024 - 05 - 15)).expect("dashboard");
    let pipeline: Vec<(Stage, i64, i64)> = d
        .pipeline
        .iter()
        .map(|s| (s.stage, s.count, s.amount_cents))
        .collect();
    assert_eq!(
        pipeline,
        vec![
            (Stage::Prospecting, 1, 1_000),
            (Stage::Qualification, 0, 0),
            (Stage::Proposal, 1, 90_000),
            (Stage::Negotiation, 1, 3_000),
            (Stage::Won, 3, 83_000),
            (Stage::Lost, 1, 20_000),
        ]
    );
    assert_eq!(d.open_pipeline_cents, 94_000);
    assert_eq!(d.win_rate, Some(0.75));
    assert_eq!(
        d.closing_this_month,
        ClosingThisMonth {
            count: 2,
            amount_cents: 91_000
        }
    );
    assert_eq!(
        (d.leads_total, d.leads_converted, d.lead_conversion_rate),
        (4, 1, Some(0.25))
    );
    let acts: Vec<(ActivityKind, i64, i64)> = d
        .activities
        .iter()
        .map(|k| (k.kind, k.total, k.last_30_days))
        .collect();
    assert_eq!(
        acts,
        vec![
            (ActivityKind::Call, 2, 1),
            (ActivityKind::Email, 0, 0),
            (ActivityKind::Meeting, 0, 0),
            (ActivityKind::Note, 1, 1),
        ]
    );
    let top: Vec<(i64, i64, i64)> = d
        .top_owners
        .iter()
        .map(|o| (o.owner_id, o.won_count, o.won_amount_cents))
        .collect();
    assert_eq!(top, vec![(REP_B, 2, 78_000), (REP_A, 1, 5_000)]);

    let b = dashboard(&db.conn, &B, date!(2024 - 05 - 15)).expect("dashboard");
    assert_eq!(b.win_rate, Some(2.0 / 3.0));
    assert_eq!(
        b.closing_this_month,
        ClosingThisMonth {
            count: 1,
            amount_cents: 1_000
        }
    );
    assert_eq!(b.top_owners.len(), 1);
    assert_eq!(b.lead_conversion_rate, Some(0.0));
    let a = dashboard(&db.conn, &A, date!(2024 - 05 - 15)).expect("dashboard");
    assert_eq!(a.activities[0].total, 2);
}

#[test]
fn empty_dashboard_has_no_rates() {
    let db = db();
    let d = dashboard(&db.conn, &ALL, date!(2024 - 05 - 15)).expect("dashboard");
    assert_eq!((d.win_rate, d.lead_conversion_rate), (None, None));
    assert_eq!(d.pipeline.len(), 6);
}

#[test]
fn revenue_by_month_owner_and_industry() {
    let mut db = db();
    data(&mut db);
    let today = date!(2024 - 05 - 15);
    let m = revenue_at(&db.conn, &ALL, RevenueBy::Month, today).expect("revenue");
    assert_eq!(m.rows.len(), 24);
    assert_eq!(m.rows[0].key, "2022-06");
    assert_eq!(m.rows[23].key, "2024-05");
    let nonzero: Vec<(&str, i64, i64)> = m
        .rows
        .iter()
        .filter(|r| r.count > 0)
        .map(|r| (r.key.as_str(), r.count, r.amount_cents))
        .collect();
    assert_eq!(nonzero, vec![("2024-01", 1, 5_000), ("2024-04", 1, 70_000)]);
    assert_eq!((m.total_count, m.total_amount_cents), (2, 75_000));

    let o = revenue_at(&db.conn, &ALL, RevenueBy::Owner, today).expect("revenue");
    let rows: Vec<(&str, i64)> = o
        .rows
        .iter()
        .map(|r| (r.key.as_str(), r.amount_cents))
        .collect();
    assert_eq!(rows, vec![("3", 78_000), ("2", 5_000)]);
    assert_eq!(o.rows[0].label, "b@t.test");

    let i = revenue_at(&db.conn, &ALL, RevenueBy::Industry, today).expect("revenue");
    let rows: Vec<(&str, i64)> = i
        .rows
        .iter()
        .map(|r| (r.key.as_str(), r.amount_cents))
        .collect();
    assert_eq!(rows, vec![("Software", 70_000), ("unknown", 13_000)]);

    let a = revenue_at(&db.conn, &A, RevenueBy::Industry, today).expect("revenue");
    assert_eq!((a.total_count, a.total_amount_cents), (1, 5_000));
    assert_eq!(
        "weekly".parse::<RevenueBy>().unwrap_err(),
        "`weekly` is not one of: month, owner, industry"
    );
}
