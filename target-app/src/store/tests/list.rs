//! List parsing and querying: limits, unknown parameters, filters, sorting and paging.

use super::super::*;
use super::{ALL, B, REP_A, REP_B, bad_query, db, q};

fn deals(db: &super::Db) {
    for (i, (amount, stage, close, owner)) in [
        (5_000, Stage::Won, "2024-01-10", REP_A),
        (90_000, Stage::Proposal, "2024-02-10", REP_A),
        (20_000, Stage::Lost, "2024-03-10", REP_B),
        (70_000, Stage::Won, "2024-04-10", REP_B),
        (1_000, Stage::Prospecting, "2024-05-10", REP_B),
    ]
    .into_iter()
    .enumerate()
    {
        create::<Deal>(
            &db.conn,
            DealCreate {
                name: format!("deal {i}"),
                stage: Some(stage),
                amount_cents: Some(amount),
                close_date: Some(close.into()),
                owner_id: Some(owner),
                ..Default::default()
            },
            owner,
            &ALL,
        )
        .expect("deal");
    }
}

#[test]
fn limit_and_offset_are_bounded() {
    let db = db();
    let (param, msg) = bad_query(list::<Deal>(&db.conn, &q(&[("limit", "1000000")]), &ALL));
    assert_eq!(param, "limit");
    assert!(msg.contains("1 and 100"), "{msg}");
    assert_eq!(
        bad_query(list::<Deal>(&db.conn, &q(&[("limit", "0")]), &ALL)).0,
        "limit"
    );
    assert_eq!(
        bad_query(list::<Deal>(&db.conn, &q(&[("limit", "ten")]), &ALL)).0,
        "limit"
    );
    let (param, _) = bad_query(list::<Deal>(&db.conn, &q(&[("offset", "1000001")]), &ALL));
    assert_eq!(param, "offset");
    assert_eq!(
        bad_query(list::<Deal>(&db.conn, &q(&[("offset", "-1")]), &ALL)).0,
        "offset"
    );
    let page = list::<Deal>(
        &db.conn,
        &q(&[("limit", "100"), ("offset", "1000000")]),
        &ALL,
    )
    .expect("edge values accepted");
    assert_eq!((page.limit, page.offset), (100, 1_000_000));
}

#[test]
fn unknown_and_repeated_parameters_are_rejected() {
    let db = db();
    let (param, msg) = bad_query(list::<Deal>(&db.conn, &q(&[("status", "won")]), &ALL));
    assert_eq!(param, "status");
    for valid in [
        "limit",
        "offset",
        "sort",
        "stage",
        "min_amount",
        "close_before",
    ] {
        assert!(msg.contains(valid), "{msg} should list {valid}");
    }
    let (param, _) = bad_query(list::<Deal>(
        &db.conn,
        &q(&[("stage", "won"), ("stage", "lost")]),
        &ALL,
    ));
    assert_eq!(param, "stage");
    let (param, msg) = bad_query(list::<Deal>(&db.conn, &q(&[("stage", "closed")]), &ALL));
    assert_eq!(param, "stage");
    assert!(msg.contains("negotiation"), "{msg}");
    let (param, msg) = bad_query(list::<Deal>(&db.conn, &q(&[("sort", "-password")]), &ALL));
    assert_eq!(param, "sort");
    assert!(msg.contains("amount_cents"), "{msg}");
    assert_eq!(
        bad_query(list::<Lead>(&db.conn, &q(&[("min_score", "101")]), &ALL)).0,
        "min_score"
    );
    assert_eq!(
        bad_query(list::<Contact>(
            &db.conn,
            &q(&[("created_after", "yesterday")]),
            &ALL
        ))
        .0,
        "created_after"
    );
}

#[test]
fn sort_by_amount_descending() {
    let db = db();
    deals(&db);
    let page = list::<Deal>(&db.conn, &q(&[("sort", "-amount_cents")]), &ALL).expect("list");
    let amounts: Vec<i64> = page.items.iter().map(|d| d.amount_cents).collect();
    assert_eq!(amounts, vec![90_000, 70_000, 20_000, 5_000, 1_000]);
    let page = list::<Deal>(
        &db.conn,
        &q(&[("sort", "close_date"), ("limit", "2"), ("offset", "1")]),
        &ALL,
    )
    .expect("list");
    let closes: Vec<&str> = page
        .items
        .iter()
        .filter_map(|d| d.close_date.as_deref())
        .collect();
    assert_eq!(closes, vec!["2024-02-10", "2024-03-10"]);
    assert_eq!(page.total, 5);
}

#[test]
fn filters_combine() {
    let db = db();
    deals(&db);
    let total = |pairs: &[(&str, &str)], vis: &Visibility| {
        list::<Deal>(&db.conn, &q(pairs), vis).expect("list").total
    };
    assert_eq!(total(&[("stage", "won")], &ALL), 2);
    assert_eq!(total(&[("stage", "won")], &B), 1);
    assert_eq!(total(&[("owner_id", "2")], &ALL), 2);
    assert_eq!(
        total(&[("owner_id", "2")], &B),
        0,
        "visibility still applies"
    );
    assert_eq!(
        total(&[("min_amount", "20000"), ("max_amount", "70000")], &ALL),
        2
    );
    assert_eq!(
        total(
            &[
                ("close_after", "2024-03-10"),
                ("close_before", "2024-04-30")
            ],
            &ALL
        ),
        2
    );
    assert_eq!(total(&[("created_after", "2000-01-01")], &ALL), 5);
    assert_eq!(total(&[("created_after", "2999-01-01T00:00:00Z")], &ALL), 0);
}
