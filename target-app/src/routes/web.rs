//! The web sign-in, for browsers and for load scenarios that sign in as a browser does: a form at
//! `GET /login`, `POST /login` (form-encoded `email`, `password`, `csrf`) setting the session
//! cookie, a small page at `/app` (the rep's name and open pipeline) that needs the cookie, and
//! `POST /logout`.
//!
//! The session cookie holds an ordinary session token (`HttpOnly`, `SameSite=Lax`, `Path=/`), so
//! the API accepts it too (see `crate::auth`). Forms carry a CSRF token: the login form the one
//! of a pre-session cookie (double submit: the form's value must equal the cookie's, which only
//! a page from this server can know), the page and logout form the session's own
//! ([`auth::csrf_token`]). Bad input, a wrong password or too many failures answer the form again
//! with the error, never a 500.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::auth::{self, CSRF_HEADER, CurrentUser, SESSION_COOKIE};
use crate::cached;
use crate::error::AppError;
use crate::extract::ClientAddr;
use crate::reads;
use crate::signin;
use crate::state::AppState;

/// The cookie holding the login form's CSRF token until the sign-in.
const LOGIN_CSRF_COOKIE: &str = "saleshub_login_csrf";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/app", get(app_page))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn login_form() -> Response {
    form_page(StatusCode::OK, "", None)
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return form_page(
            StatusCode::BAD_REQUEST,
            "",
            Some("send the form as application/x-www-form-urlencoded email, password and csrf"),
        );
    };
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(expected, &form.csrf) {
        return form_page(
            StatusCode::FORBIDDEN,
            &form.email,
            Some("the form has expired; please sign in again"),
        );
    }
    let email = form.email.clone();
    match signin::sign_in(&state, form.email, form.password, address).await {
        Ok(signed_in) => {
            let cookie = format!(
                "{SESSION_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}",
                signed_in.token,
                auth::SESSION_TTL.whole_seconds()
            );
            let mut response = see_other("/app");
            append_cookie(&mut response, &cookie);
            append_cookie(&mut response, &expired_cookie(LOGIN_CSRF_COOKIE));
            response
        }
        Err(error) => {
            let status = error.status();
            let message = match &error {
                AppError::Internal(_) => "sign-in failed; please try again".to_string(),
                other => other.to_string(),
            };
            if let AppError::Internal(cause) = &error {
                tracing::error!(error = format!("{cause:#}"), "web sign-in failed");
            }
            let mut response = form_page(status, &email, Some(&message));
            if let Some(retry_after) = error.retry_after() {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, retry_after.into());
            }
            response
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, AppError> {
    let Some(token) = auth::session_cookie(&headers) else {
        return Ok(see_other("/login"));
    };
    let Ok(user) = auth::resolve(&state, token).await else {
        let mut response = see_other("/login");
        append_cookie(&mut response, &expired_cookie(SESSION_COOKIE));
        return Ok(response);
    };
    let from_form = form.map(|Form(f)| f.csrf).unwrap_or_default();
    let from_header = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !auth::csrf_matches(token, &from_form) && !auth::csrf_matches(token, from_header) {
        return Err(AppError::Forbidden(
            "signing out needs the session's CSRF token (form field `csrf` or X-CSRF-Token)",
        ));
    }
    auth::end_session(&state, &user.token_hash).await?;
    let mut response = see_other("/login");
    append_cookie(&mut response, &expired_cookie(SESSION_COOKIE));
    Ok(response)
}

async fn app_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let signed_in = match auth::session_cookie(&headers) {
        Some(token) => auth::resolve(&state, token)
            .await
            .ok()
            .map(|user| (user, token)),
        None => None,
    };
    let Some((user, token)) = signed_in else {
        return Ok(see_other("/login"));
    };
    let page = pipeline_page(&state, &user, &auth::csrf_token(token)).await?;
    Ok(html(StatusCode::OK, page))
}

/// The signed-in user's page: their name and their open deals by stage (from the cached
/// dashboard, so it is as fresh as the API's).
async fn pipeline_page(
    state: &AppState,
    user: &CurrentUser,
    csrf: &str,
) -> Result<String, AppError> {
    let today = OffsetDateTime::now_utc().date();
    let read = reads::dashboard(state, user.visibility(), today);
    let dashboard: Value = serde_json::from_str(&cached::read_remembered(state, read).await?.body)
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut rows = String::new();
    for stage in dashboard["pipeline"].as_array().into_iter().flatten() {
        let name = stage["stage"].as_str().unwrap_or("");
        if name == "won" || name == "lost" {
            continue;
        }
        let cents = stage["amount_cents"].as_i64().unwrap_or(0);
        rows.push_str(&format!(
            "<tr><td>{}</td><td class=\"count\">{}</td><td class=\"amount\">{}.{:02}</td></tr>\n",
            escape(name),
            stage["count"].as_i64().unwrap_or(0),
            cents / 100,
            cents % 100
        ));
    }
    Ok(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"csrf-token\" content=\"{csrf}\"><title>SalesHub: {name}</title></head>\n\
         <body><h1>Hello, <span id=\"user-name\">{name}</span></h1>\n\
         <h2>Your open pipeline</h2>\n<table id=\"pipeline\">\n\
         <tr><th>stage</th><th>deals</th><th>amount</th></tr>\n{rows}</table>\n\
         <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" \
         value=\"{csrf}\"><button type=\"submit\">Sign out</button></form>\n</body></html>\n",
        name = escape(&user.user.name),
    ))
}

/// The sign-in form, with a fresh CSRF token in a hidden field and in its cookie.
fn form_page(status: StatusCode, email: &str, error: Option<&str>) -> Response {
    let csrf = auth::new_token();
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e)))
        .unwrap_or_default();
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Sign in to SalesHub</title></head>\n<body><h1>Sign in to SalesHub</h1>\n{error}\
         <form method=\"post\" action=\"/login\">\n\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
         <label>Email <input type=\"email\" name=\"email\" value=\"{email}\" required></label>\n\
         <label>Password <input type=\"password\" name=\"password\" required></label>\n\
         <button type=\"submit\">Sign in</button>\n</form>\n</body></html>\n",
        email = escape(email),
    );
    let mut response = html(status, page);
    append_cookie(
        &mut response,
        &format!("{LOGIN_CSRF_COOKIE}={csrf}; HttpOnly; SameSite=Lax; Path=/"),
    );
    response
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn see_other(location: &'static str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    response
        .headers_mut()
        .insert(LOCATION, HeaderValue::from_static(location));
    response
}

fn expired_cookie(name: &str) -> String {
    format!("{name}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
}

fn append_cookie(response: &mut Response, cookie: &str) {
    // Cookies are built from fixed names and hex tokens: always a valid header value.
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// Whether two secrets are equal, comparing digests so the time taken tells nothing.
fn same_secret(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    Sha256::digest(a) == Sha256::digest(b)
}

/// `text` safe inside HTML text and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape(r#"<b a="x">O'Neil & co</b>"#),
            "&lt;b a=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/b&gt;"
        );
    }
}
