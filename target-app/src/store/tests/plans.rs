//! The indexes match the queries: the planner neither scans whole tables for an owner's records
//! nor sorts in a temp B-tree for the default and common list orders, and the analytics read
//! covering indexes.

use rusqlite::Connection;

use super::super::list::{build, parse};
use super::super::*;
use super::{A, ALL, db, q};

fn plan(conn: &Connection, sql: &str, params: usize) -> String {
    let explain = format!("EXPLAIN QUERY PLAN {sql}");
    let mut stmt = conn.prepare(&explain).expect("explain");
    let args: Vec<i64> = vec![1; params];
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
        .expect("plan");
    rows.map(|r| r.expect("row")).collect::<Vec<_>>().join("; ")
}

fn list_plan<E: Entity>(conn: &Connection, pairs: &[(&str, &str)], vis: &Visibility) -> String {
    let parsed = parse::<E>(&q(pairs)).expect("query");
    let sql = build::<E>(&parsed, vis);
    plan(conn, &sql.select, sql.params.len() + 2)
}

fn assert_indexed(p: &str) {
    assert!(p.contains("INDEX"), "no index used: {p}");
    assert!(!p.contains("TEMP B-TREE"), "sorts in a temp b-tree: {p}");
}

#[test]
fn lists_use_indexes_for_their_order() {
    let db = db();
    let c = &db.conn;
    assert_indexed(&list_plan::<Deal>(c, &[], &ALL));
    assert_indexed(&list_plan::<Deal>(c, &[], &A));
    assert_indexed(&list_plan::<Deal>(c, &[("sort", "-amount_cents")], &ALL));
    assert_indexed(&list_plan::<Deal>(c, &[("sort", "close_date")], &ALL));
    assert_indexed(&list_plan::<Contact>(c, &[], &A));
    assert_indexed(&list_plan::<Company>(c, &[("sort", "name")], &ALL));
    assert_indexed(&list_plan::<Lead>(c, &[("sort", "-score")], &ALL));
    assert_indexed(&list_plan::<Activity>(c, &[], &A));
    let p = list_plan::<Contact>(c, &[("email", "a@b.c")], &ALL);
    assert!(p.contains("contacts_email"), "{p}");
    let p = list_plan::<Activity>(c, &[("deal_id", "3")], &ALL);
    assert!(p.contains("activities_deal"), "{p}");
}

#[test]
fn analytics_read_covering_indexes() {
    let db = db();
    let c = &db.conn;
    let p = plan(
        c,
        "SELECT stage, count(*), sum(amount_cents) FROM deals WHERE owner_id = ? GROUP BY stage",
        1,
    );
    assert!(p.contains("COVERING INDEX deals_owner_stage"), "{p}");
    let p = plan(
        c,
        "SELECT substr(close_date, 1, 7) AS m, count(*), sum(amount_cents) FROM deals
         WHERE stage = 'won' AND close_date >= ? AND close_date < ? GROUP BY m",
        2,
    );
    assert!(p.contains("COVERING INDEX deals_stage_close"), "{p}");
    let p = plan(
        c,
        "SELECT kind, count(*) FROM activities WHERE owner_id = ? GROUP BY kind",
        1,
    );
    assert!(p.contains("COVERING INDEX activities_owner_kind"), "{p}");
}
