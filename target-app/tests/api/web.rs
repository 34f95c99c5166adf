//! The web sign-in: the form and its CSRF token, the session cookie, the page that needs it,
//! signing out, and the API with the cookie (CSRF token required to change anything) or the
//! bearer token (none required). Cookies are handled by hand, to check each attribute.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, redirect};
use serde_json::{Value, json};

use crate::helpers::{REP1, TestApp, passwords};

fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("a client")
}

/// The `Set-Cookie` header setting `name`, whole.
fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap_or("");
    pair.split_once('=')
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// A bad sign-in: what it is, the form, the cookie sent, the status expected.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, u16);

/// A form-encoded body.
fn form_body(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The value of the hidden `csrf` input of a page.
fn hidden_csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a hidden csrf input")
        + 19;
    html[at..].split('"').next().unwrap_or("").to_string()
}

/// GET /login: the form's CSRF token and the cookie carrying it (`name=value`).
async fn open_form(app: &TestApp, client: &Client) -> (String, String) {
    let response = client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = set_cookie(&response, "saleshub_login_csrf").expect("the form's CSRF cookie");
    let html = response.text().await.unwrap();
    assert!(html.contains("<form method=\"post\" action=\"/login\">"));
    let csrf = hidden_csrf(&html);
    assert_eq!(cookie_value(&cookie), csrf);
    let cookie = format!("saleshub_login_csrf={csrf}");
    (csrf, cookie)
}

async fn post_login(
    app: &TestApp,
    client: &Client,
    cookie: &str,
    form: &[(&str, &str)],
) -> Response {
    client
        .post(format!("{}/login", app.base))
        .header(COOKIE, cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(form))
        .send()
        .await
        .unwrap()
}

/// Signs in through the form; returns the session cookie (`saleshub_session=...`).
async fn web_login(app: &TestApp, client: &Client) -> String {
    let password = passwords().remove(REP1).unwrap();
    let (csrf, cookie) = open_form(app, client).await;
    let response = post_login(
        app,
        client,
        &cookie,
        &[("email", REP1), ("password", &password), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/app");
    let set = set_cookie(&response, "saleshub_session").expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            set.split(';').any(|a| a.trim() == attribute),
            "{attribute} in {set}"
        );
    }
    format!("saleshub_session={}", cookie_value(&set))
}

async fn app_page(app: &TestApp, client: &Client, cookie: Option<&str>) -> Response {
    let mut request = client.get(format!("{}/app", app.base));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn signing_in_through_the_form_opens_the_app_page_until_signing_out() {
    let app = TestApp::start().await;
    let client = client();
    let anonymous = app_page(&app, &client, None).await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()[LOCATION], "/login");
    let bogus = app_page(&app, &client, Some("saleshub_session=not-a-session")).await;
    assert_eq!(bogus.status(), 303);

    let session = web_login(&app, &client).await;
    let page = app_page(&app, &client, Some(&session)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let token = app.login(REP1).await;
    let (me, _) = app.get_json(&token, "/api/auth/me").await;
    let name = me["name"].as_str().unwrap();
    assert!(
        html.contains(&format!("<span id=\"user-name\">{name}</span>")),
        "{html}"
    );
    // The open stages of the rep's pipeline, as the dashboard counts them.
    let (dashboard, _) = app.get_json(&token, "/api/analytics/dashboard").await;
    for stage in dashboard["pipeline"].as_array().unwrap() {
        let row = format!(
            "<tr><td>{}</td><td class=\"count\">{}</td>",
            stage["stage"].as_str().unwrap(),
            stage["count"]
        );
        let open = !["won", "lost"].contains(&stage["stage"].as_str().unwrap());
        assert_eq!(html.contains(&row), open, "{row} in {html}");
    }

    // Signing out needs the CSRF token.
    let csrf = hidden_csrf(&html);
    let without = client
        .post(format!("{}/logout", app.base))
        .header(COOKIE, &session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("csrf", "wrong")]))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    assert_eq!(app_page(&app, &client, Some(&session)).await.status(), 200);
    let out = client
        .post(format!("{}/logout", app.base))
        .header(COOKIE, &session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("csrf", csrf.as_str())]))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()[LOCATION], "/login");
    let cleared = set_cookie(&out, "saleshub_session").expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = app_page(&app, &client, Some(&session)).await;
    assert_eq!(after.status(), 303, "the session has ended");
}

#[tokio::test]
async fn bad_sign_ins_answer_the_form_again_never_a_500() {
    let app = TestApp::start().await;
    let client = client();
    let password = passwords().remove(REP1).unwrap();
    let (csrf, cookie) = open_form(&app, &client).await;
    let cases: [Case<'_>; 5] = [
        (
            "wrong password",
            vec![("email", REP1), ("password", "nope"), ("csrf", &csrf)],
            &cookie,
            401,
        ),
        (
            "no CSRF token",
            vec![("email", REP1), ("password", &password)],
            &cookie,
            403,
        ),
        (
            "a CSRF token of another form",
            vec![("email", REP1), ("password", &password), ("csrf", "0123")],
            &cookie,
            403,
        ),
        (
            "no CSRF cookie",
            vec![("email", REP1), ("password", &password), ("csrf", &csrf)],
            "",
            403,
        ),
        (
            "empty fields",
            vec![("email", ""), ("password", ""), ("csrf", &csrf)],
            &cookie,
            422,
        ),
    ];
    for (what, form, cookie, status) in cases {
        let response = post_login(&app, &client, cookie, &form).await;
        assert_eq!(response.status(), status, "{what}");
        assert!(
            set_cookie(&response, "saleshub_session").is_none(),
            "{what}"
        );
        let html = response.text().await.unwrap();
        assert!(
            html.contains("class=\"error\""),
            "{what}: an error on the form"
        );
        assert!(html.contains("name=\"csrf\""), "{what}: the form again");
    }
    let garbage = client
        .post(format!("{}/login", app.base))
        .header(COOKIE, &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%=&&email")
        .send()
        .await
        .unwrap();
    assert!(garbage.status().is_client_error(), "{}", garbage.status());
}

#[tokio::test]
async fn the_api_takes_the_cookie_with_a_csrf_token_for_writes_or_the_bearer_token() {
    let app = TestApp::start().await;
    let client = client();
    let session = web_login(&app, &client).await;
    let html = app_page(&app, &client, Some(&session))
        .await
        .text()
        .await
        .unwrap();
    let csrf = hidden_csrf(&html);
    let api = |path: &str| format!("{}{path}", app.base);

    let me = client
        .get(api("/api/auth/me"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "a read needs no CSRF token");
    let body = json!({"first_name": "Csrf", "last_name": "Check"});
    let without = client
        .post(api("/api/contacts"))
        .header(COOKIE, &session)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    let error: Value = without.json().await.unwrap();
    assert_eq!(error["error"]["code"], "forbidden");
    let wrong = client
        .post(api("/api/contacts"))
        .header(COOKIE, &session)
        .header("x-csrf-token", "not-the-token")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let with = client
        .post(api("/api/contacts"))
        .header(COOKIE, &session)
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), 201);
    let created: Value = with.json().await.unwrap();
    let path = format!("/api/contacts/{}", created["id"]);
    for method in [reqwest::Method::PATCH, reqwest::Method::DELETE] {
        let mut request = client
            .request(method.clone(), api(&path))
            .header(COOKIE, &session);
        if method == reqwest::Method::PATCH {
            request = request.json(&json!({"title": "x"}));
        }
        assert_eq!(
            request.send().await.unwrap().status(),
            403,
            "{method} without the token"
        );
    }
    // A bearer token needs no CSRF token, even with a cookie beside it.
    let token = app.login(REP1).await;
    let bearer = client
        .post(api("/api/contacts"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 201);
}
