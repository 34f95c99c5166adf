//! Failed sign-ins are throttled per account and per client address (429 with `Retry-After`),
//! and an attacker cannot lock the real user out: the address the user signed in from stays
//! exempt from the account's limit. Counts, not clocks: the window is an hour here, so nothing
//! expires during the test (that the lockout ends with its window is a unit test of
//! `saleshub::throttle`). Clients get distinct loopback addresses (127.0.0.x).

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Client;
use serde_json::{Value, json};

use saleshub::throttle::ThrottleConfig;

use crate::helpers::{Options, REP1, TestApp, passwords};

fn client_at(last: u8) -> Client {
    Client::builder()
        .local_address(IpAddr::from([127, 0, 0, last]))
        .build()
        .expect("a client")
}

async fn login(app: &TestApp, client: &Client, email: &str, password: &str) -> reqwest::Response {
    client
        .post(format!("{}/api/auth/login", app.base))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("the request reaches SalesHub")
}

async fn start(per_account: u32, per_address: u32) -> TestApp {
    TestApp::start_with(Options {
        login_throttle: ThrottleConfig {
            per_account,
            per_address,
            window: Duration::from_secs(3600),
        },
        ..Options::default()
    })
    .await
}

async fn assert_throttled(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), 429, "{what}");
    let retry: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{what}: a Retry-After in seconds"));
    assert!((1..=3600).contains(&retry), "{what}: Retry-After {retry}");
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "too_many_requests", "{what}");
}

#[tokio::test]
async fn an_account_is_throttled_but_its_user_still_signs_in_from_their_address() {
    let app = start(3, 100).await;
    let password = passwords().remove(REP1).unwrap();
    let (user, attacker, newcomer) = (client_at(1), client_at(2), client_at(3));
    assert_eq!(login(&app, &user, REP1, &password).await.status(), 200);
    for i in 0..3 {
        let response = login(&app, &attacker, REP1, "guess").await;
        assert_eq!(
            response.status(),
            401,
            "failure {i} is counted, not refused"
        );
    }
    assert_throttled(login(&app, &attacker, REP1, "guess").await, "a 4th guess").await;
    assert_throttled(
        login(&app, &attacker, REP1, &password).await,
        "even the right password, from the attacker's address",
    )
    .await;
    assert_throttled(
        login(&app, &newcomer, REP1, &password).await,
        "an address the account never signed in from",
    )
    .await;
    assert_eq!(
        login(&app, &user, REP1, &password).await.status(),
        200,
        "the user's own address is exempt"
    );
    assert_eq!(
        login(&app, &attacker, "rep02@saleshub.test", "guess")
            .await
            .status(),
        401,
        "other accounts are not throttled"
    );
}

#[tokio::test]
async fn an_address_is_throttled_whatever_the_accounts() {
    let app = start(100, 5).await;
    let (sprayer, other) = (client_at(4), client_at(5));
    for i in 0..5 {
        let email = format!("nobody{i}@saleshub.test");
        assert_eq!(login(&app, &sprayer, &email, "guess").await.status(), 401);
    }
    assert_throttled(
        login(&app, &sprayer, "nobody9@saleshub.test", "guess").await,
        "a 6th failure from the address",
    )
    .await;
    let password = passwords().remove(REP1).unwrap();
    assert_eq!(
        login(&app, &other, REP1, &password).await.status(),
        200,
        "other addresses are not throttled"
    );
}
