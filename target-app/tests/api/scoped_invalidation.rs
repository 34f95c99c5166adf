//! Invalidation scoped by owner: a rep's write makes stale only the lists and analytics of that
//! rep and of admins (who see everything), so other reps keep their cached answers, while every
//! reader who can see the change gets the new value at once: from the cache for the owner's
//! scope, which the write refreshed (in the background; the tests wait for it), and loaded again
//! for the admins', which it only invalidated.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN, REP1, REP2, TestApp, item_with_id};

/// A deals list whose one page holds every deal in `proposal` (asserted by [`whole`]), so a test
/// finds the deal it wrote by id, never by its position among ties.
const DEALS: &str = "/api/deals?stage=proposal&sort=-updated_at&limit=100";
const DASHBOARD: &str = "/api/analytics/dashboard";

/// Reads `path` twice and checks the second read is a HIT (warm), returning the body.
async fn warm(app: &TestApp, token: &str, path: &str) -> Value {
    app.get_json(token, path).await;
    let (body, cache) = app.get_json(token, path).await;
    assert_eq!(cache, "HIT", "second read of {path}");
    body
}

/// The amount in the dashboard pipeline for `stage`.
fn stage_amount(dashboard: &Value, stage: &str) -> i64 {
    dashboard["pipeline"]
        .as_array()
        .expect("a pipeline")
        .iter()
        .find(|s| s["stage"] == stage)
        .and_then(|s| s["amount_cents"].as_i64())
        .unwrap_or_else(|| panic!("stage {stage} in {dashboard}"))
}

async fn user_id(app: &TestApp, token: &str) -> i64 {
    let (me, _) = app.get_json(token, "/api/auth/me").await;
    me["id"]
        .as_i64()
        .or_else(|| me["user"]["id"].as_i64())
        .expect("an id")
}

/// `page`, after checking it is the whole list (so "not in it" means "not listed").
fn whole(page: &Value) -> &Value {
    let (total, len) = (
        page["total"].as_u64(),
        page["items"].as_array().map(Vec::len),
    );
    assert_eq!(total, len.map(|n| n as u64), "the list fits one page");
    page
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn a_reps_write_leaves_other_reps_cached_refreshes_its_own_and_invalidates_the_admins() {
    let app = TestApp::start().await;
    let (rep1, rep2, admin) = (
        app.login(REP1).await,
        app.login(REP2).await,
        app.login(ADMIN).await,
    );
    let (open, _) = app
        .get_json(&rep1, "/api/deals?stage=proposal&limit=1")
        .await;
    let deal = &open["items"][0];
    let id = deal["id"].as_i64().expect("rep01 has a deal in proposal");
    let old_amount = deal["amount_cents"].as_i64().expect("an amount");
    let new_amount = old_amount + 123_456;

    for token in [&rep1, &rep2, &admin] {
        warm(&app, token, DEALS).await;
        warm(&app, token, "/api/analytics/revenue?by=month").await;
    }
    let before: Vec<Value> = [
        warm(&app, &rep1, DASHBOARD).await,
        warm(&app, &rep2, DASHBOARD).await,
        warm(&app, &admin, DASHBOARD).await,
    ]
    .into();

    let patched = app
        .call(
            Method::PATCH,
            &format!("/api/deals/{id}"),
            Some(&rep1),
            Some(json!({"amount_cents": new_amount})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    app.refreshed().await;

    // Another rep's list and analytics are untouched: still HITs, still the same.
    let (_, cache) = app.get_json(&rep2, DEALS).await;
    assert_eq!(cache, "HIT", "rep02's deals list after rep01's write");
    let (dash2, cache) = app.get_json(&rep2, DASHBOARD).await;
    assert_eq!(cache, "HIT", "rep02's dashboard after rep01's write");
    assert_eq!(dash2, before[1]);
    let (_, cache) = app.get_json(&rep2, "/api/analytics/revenue?by=month").await;
    assert_eq!(cache, "HIT", "rep02's revenue after rep01's write");

    // The writer and the admin see the new value at once: the writer's scope was refreshed by the
    // write (a HIT), the admin's only invalidated (a MISS).
    for (who, token, old_dashboard, expected) in [
        ("rep01", &rep1, &before[0], "HIT"),
        ("admin", &admin, &before[2], "MISS"),
    ] {
        let (list, cache) = app.get_json(token, DEALS).await;
        assert_eq!(cache, expected, "{who}'s deals list after the write");
        let listed = item_with_id(whole(&list), id)
            .unwrap_or_else(|| panic!("{who}: the updated deal is listed"));
        assert_eq!(listed["amount_cents"], new_amount, "{who}'s list");
        let (dashboard, cache) = app.get_json(token, DASHBOARD).await;
        assert_eq!(cache, expected, "{who}'s dashboard after the write");
        assert_eq!(
            stage_amount(&dashboard, "proposal") - stage_amount(old_dashboard, "proposal"),
            123_456,
            "{who}'s pipeline includes the new amount"
        );
        let (_, cache) = app.get_json(token, DASHBOARD).await;
        assert_eq!(cache, "HIT", "{who}'s dashboard is cached again");
    }
}

#[tokio::test]
async fn a_reassigned_record_leaves_the_previous_owners_lists_and_joins_the_new_owners() {
    let app = TestApp::start().await;
    let (rep1, rep2, admin) = (
        app.login(REP1).await,
        app.login(REP2).await,
        app.login(ADMIN).await,
    );
    let rep2_id = user_id(&app, &rep2).await;
    let list1 = warm(&app, &rep1, DEALS).await;
    let list2 = warm(&app, &rep2, DEALS).await;
    let dash2 = warm(&app, &rep2, DASHBOARD).await;
    let id = ids(&list1)[0];
    assert!(!ids(whole(&list2)).contains(&id));

    let moved = app
        .call(
            Method::PATCH,
            &format!("/api/deals/{id}"),
            Some(&admin),
            Some(json!({"owner_id": rep2_id})),
        )
        .await;
    assert_eq!(moved.status(), 200);
    app.refreshed().await;

    // Both owners' scopes were refreshed by the write: HITs with the new contents.
    let (after1, cache) = app.get_json(&rep1, DEALS).await;
    assert_eq!(cache, "HIT", "the previous owner's list");
    assert!(
        !ids(whole(&after1)).contains(&id),
        "the deal left rep01's list"
    );
    let (after2, cache) = app.get_json(&rep2, DEALS).await;
    assert_eq!(cache, "HIT", "the new owner's list");
    assert!(
        ids(whole(&after2)).contains(&id),
        "the deal joined rep02's list"
    );
    let (dashboard, cache) = app.get_json(&rep2, DASHBOARD).await;
    assert_eq!(cache, "HIT", "the new owner's dashboard");
    assert_ne!(dashboard, dash2);
    let read = app.get(&rep1, &format!("/api/deals/{id}")).await;
    assert_eq!(read.status(), 404, "the previous owner no longer sees it");
}

#[tokio::test]
async fn writes_read_by_every_scope_refresh_every_scope() {
    let app = TestApp::start().await;
    let (rep1, rep2, admin) = (
        app.login(REP1).await,
        app.login(REP2).await,
        app.login(ADMIN).await,
    );
    // Revenue by industry joins the companies of every rep's deals: a company write (by anyone)
    // reaches every scope's analytics.
    let industry = "/api/analytics/revenue?by=industry";
    warm(&app, &rep2, industry).await;
    warm(&app, &rep2, "/api/activities?limit=5").await;
    let (companies, _) = app.get_json(&rep1, "/api/companies?limit=1").await;
    let company = companies["items"][0]["id"].as_i64().expect("a company");
    let renamed = app
        .call(
            Method::PATCH,
            &format!("/api/companies/{company}"),
            Some(&admin),
            Some(json!({"industry": "Aerospace"})),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    app.refreshed().await;
    let (_, cache) = app.get_json(&rep2, industry).await;
    assert_eq!(
        cache, "MISS",
        "rep02's revenue by industry after a company write"
    );

    // A delete that cascades (a contact takes its activities along) reaches every scope too.
    warm(&app, &rep2, DASHBOARD).await;
    let (contacts, _) = app.get_json(&rep1, "/api/contacts?limit=1").await;
    let contact = contacts["items"][0]["id"].as_i64().expect("a contact");
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/contacts/{contact}"),
            Some(&rep1),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    app.refreshed().await;
    let (_, cache) = app.get_json(&rep2, DASHBOARD).await;
    assert_eq!(cache, "MISS", "rep02's dashboard after a cascading delete");
    let (_, cache) = app.get_json(&rep2, "/api/activities?limit=5").await;
    assert_eq!(cache, "MISS", "rep02's activities after a cascading delete");
}

/// The first deal of `token`'s in `stage`: `(id, amount_cents)`.
async fn a_deal_in(app: &TestApp, token: &str, stage: &str) -> (i64, i64) {
    let (page, _) = app
        .get_json(token, &format!("/api/deals?stage={stage}&limit=1"))
        .await;
    let deal = &page["items"][0];
    let id = deal["id"].as_i64();
    let amount = deal["amount_cents"].as_i64();
    id.zip(amount)
        .unwrap_or_else(|| panic!("a deal in {stage}: {page}"))
}

async fn patch_amount(app: &TestApp, token: &str, id: i64, amount_cents: i64) {
    let patched = app
        .call(
            Method::PATCH,
            &format!("/api/deals/{id}"),
            Some(token),
            Some(json!({"amount_cents": amount_cents})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    app.refreshed().await;
}

#[tokio::test]
async fn revenue_reports_change_with_won_deals_only() {
    let app = TestApp::start().await;
    let rep1 = app.login(REP1).await;
    const REVENUE: &str = "/api/analytics/revenue?by=owner";
    let revenue = warm(&app, &rep1, REVENUE).await;
    let dashboard = warm(&app, &rep1, DASHBOARD).await;

    // An open deal and a new activity are on the dashboard, not in revenue. The write refreshed
    // the rep's dashboard: a HIT with the new amount.
    let (open, amount) = a_deal_in(&app, &rep1, "proposal").await;
    patch_amount(&app, &rep1, open, amount + 100).await;
    let (after, cache) = app.get_json(&rep1, DASHBOARD).await;
    assert_eq!(cache, "HIT", "the dashboard after an open deal's update");
    assert_eq!(
        stage_amount(&after, "proposal") - stage_amount(&dashboard, "proposal"),
        100,
        "the refreshed dashboard has the new amount"
    );
    let (again, cache) = app.get_json(&rep1, REVENUE).await;
    assert_eq!(
        (cache.as_str(), &again),
        ("HIT", &revenue),
        "revenue after an open deal's update"
    );
    let (contacts, _) = app.get_json(&rep1, "/api/contacts?limit=1").await;
    let logged = app
        .call(
            Method::POST,
            "/api/activities",
            Some(&rep1),
            Some(
                json!({"kind": "call", "contact_id": contacts["items"][0]["id"], "subject": "hi"}),
            ),
        )
        .await;
    assert_eq!(logged.status(), 201);
    app.refreshed().await;
    let (_, cache) = app.get_json(&rep1, REVENUE).await;
    assert_eq!(cache, "HIT", "revenue after an activity");

    // A won deal's amount is revenue: the report is recomputed by the write, with the new total.
    let (won, amount) = a_deal_in(&app, &rep1, "won").await;
    patch_amount(&app, &rep1, won, amount + 12_345).await;
    let (after, cache) = app.get_json(&rep1, REVENUE).await;
    assert_eq!(
        cache, "HIT",
        "revenue after a won deal's update (refreshed)"
    );
    assert_eq!(
        after["total_amount_cents"].as_i64(),
        revenue["total_amount_cents"].as_i64().map(|t| t + 12_345),
        "the new amount is counted"
    );
}

#[tokio::test]
async fn a_lead_conversion_leaves_other_reps_analytics_cached() {
    let app = TestApp::start().await;
    let (rep1, rep2) = (app.login(REP1).await, app.login(REP2).await);
    const INDUSTRY: &str = "/api/analytics/revenue?by=industry";
    let dash2 = warm(&app, &rep2, DASHBOARD).await;
    warm(&app, &rep2, INDUSTRY).await;
    let dash1 = warm(&app, &rep1, DASHBOARD).await;

    let (leads, _) = app
        .get_json(&rep1, "/api/leads?status=qualified&limit=100")
        .await;
    let lead = leads["items"]
        .as_array()
        .and_then(|items| items.iter().find(|l| l["company_name"].is_string()))
        .and_then(|l| l["id"].as_i64())
        .unwrap_or_else(|| panic!("rep01 has a qualified lead with a company name: {leads}"));
    // A new company and deal: nothing of another rep refers to them.
    let converted = app
        .call(
            Method::POST,
            &format!("/api/leads/{lead}/convert"),
            Some(&rep1),
            Some(json!({"create_company": true, "create_deal": true, "amount_cents": 500_000})),
        )
        .await;
    assert_eq!(converted.status(), 201);
    app.refreshed().await;

    let (again, cache) = app.get_json(&rep2, DASHBOARD).await;
    assert_eq!(
        (cache.as_str(), &again),
        ("HIT", &dash2),
        "rep02's dashboard"
    );
    let (_, cache) = app.get_json(&rep2, INDUSTRY).await;
    assert_eq!(cache, "HIT", "rep02's revenue by industry");
    let (after, cache) = app.get_json(&rep1, DASHBOARD).await;
    assert_eq!(
        cache, "HIT",
        "rep01's dashboard, refreshed by the conversion"
    );
    assert_eq!(
        after["leads_converted"].as_i64(),
        dash1["leads_converted"].as_i64().map(|n| n + 1),
        "rep01's dashboard counts the conversion"
    );
}
