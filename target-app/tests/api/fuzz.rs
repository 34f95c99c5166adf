//! Every endpoint against malformed bodies, wrong types and out-of-range values (timestamps
//! included): whatever comes in, no answer is a 5xx. Inputs come from a fixed-seed generator, so
//! every run sends the same requests, and their number is bounded (about 1,900); a failure names
//! the request.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::helpers::{ADMIN, REP1, TestApp};

/// The fields each entity's create and patch bodies know (plus an unknown one).
const FIELDS: &[(&str, &[&str])] = &[
    ("users", &["email", "name", "role", "password", "nickname"]),
    (
        "companies",
        &[
            "name",
            "domain",
            "industry",
            "employees",
            "city",
            "country",
            "owner_id",
            "size",
        ],
    ),
    (
        "contacts",
        &[
            "company_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "title",
            "owner_id",
            "x",
        ],
    ),
    (
        "deals",
        &[
            "name",
            "company_id",
            "contact_id",
            "stage",
            "amount_cents",
            "currency",
            "close_date",
            "owner_id",
            "y",
        ],
    ),
    (
        "leads",
        &[
            "first_name",
            "last_name",
            "email",
            "company_name",
            "source",
            "status",
            "score",
            "owner_id",
            "z",
        ],
    ),
    (
        "activities",
        &[
            "kind",
            "subject",
            "body",
            "contact_id",
            "deal_id",
            "occurred_at",
            "owner_id",
            "w",
        ],
    ),
];

const CONVERT_FIELDS: &[&str] = &[
    "create_company",
    "create_deal",
    "deal_name",
    "amount_cents",
    "close_date",
    "extra",
];

/// Query parameters lists, timelines, search and analytics know (plus unknown ones).
const PARAMS: &[&str] = &[
    "limit",
    "offset",
    "sort",
    "role",
    "industry",
    "country",
    "owner_id",
    "created_after",
    "company_id",
    "email",
    "stage",
    "min_amount",
    "max_amount",
    "close_after",
    "close_before",
    "status",
    "source",
    "min_score",
    "kind",
    "contact_id",
    "deal_id",
    "occurred_after",
    "q",
    "type",
    "by",
    "bogus",
];

/// Text values: timestamps and dates at and beyond their ranges, numbers as text, enums, junk.
const TEXTS: &[&str] = &[
    "",
    " ",
    "x",
    "0",
    "-1",
    "101",
    "1000000001",
    "99999999999999999999999",
    "1e3",
    "NaN",
    "9999-12-31T23:59:59-23:00",
    "9999-12-31T23:00:00-23:59",
    "0000-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2024-02-30",
    "2024-13-01",
    "9999-12-31",
    "0000-01-01",
    "+10000-01-01",
    "2024-05-01T09:30:00.123456789+05:45",
    "2024-05-01",
    "-id",
    "-amount_cents",
    "name",
    "won",
    "lost",
    "call",
    "admin",
    "rep",
    "web",
    "converted",
    "month",
    "industry",
    "contact",
    "deal",
    "a@b.co",
    "not-an-email",
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE deals;--",
    "\u{0}",
    "é",
    "🦀🦀",
    "a*b?c~2",
    "\"quoted\"",
    "%",
    "&=|",
];

fn long_text(rng: &mut ChaCha8Rng) -> String {
    let n = [199, 200, 201, 255, 500, 501, 10_001][rng.random_range(0..7)];
    "é".repeat(n)
}

fn text(rng: &mut ChaCha8Rng) -> String {
    if rng.random_range(0..8) == 0 {
        long_text(rng)
    } else {
        TEXTS[rng.random_range(0..TEXTS.len())].to_string()
    }
}

fn value(rng: &mut ChaCha8Rng, depth: u32) -> Value {
    match rng.random_range(0..14) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!([0, 1, -1, 7, i64::MAX, i64::MIN, 10_000_000_000_001][rng.random_range(0..7)]),
        3 => json!([1e308, -0.5, 2.5, 1e-9][rng.random_range(0..4)]),
        4 => json!(u64::MAX),
        5 if depth < 2 => json!([value(rng, depth + 1), value(rng, depth + 1)]),
        6 if depth < 2 => json!({"nested": value(rng, depth + 1)}),
        7 => json!(rng.random_range(1..400)),
        _ => json!(text(rng)),
    }
}

fn body(rng: &mut ChaCha8Rng, fields: &[&str]) -> Value {
    let mut object = Map::new();
    for field in fields {
        if rng.random_bool(0.6) {
            object.insert(field.to_string(), value(rng, 0));
        }
    }
    Value::Object(object)
}

/// A valid body of `entity` with one or two fields replaced by fuzzed values (or an unknown field
/// added), so that validation gets past the first field and reaches the others.
fn mutated(rng: &mut ChaCha8Rng, entity: &str, fields: &[&str], contact_id: i64) -> Value {
    let mut base = match entity {
        "users" => json!({"email": format!("fuzz{}@saleshub.test", rng.random_range(0..1_000_000)),
                          "name": "Fuzz", "role": "rep", "password": "fuzz-password"}),
        "companies" => json!({"name": "Fuzz Co"}),
        "contacts" | "leads" => json!({"first_name": "Fuzz", "last_name": "Case"}),
        "deals" => json!({"name": "Fuzz deal"}),
        "activities" => json!({"kind": "call", "subject": "fuzz", "contact_id": contact_id}),
        _ => json!({"create_deal": true}),
    };
    let changes = if fields.is_empty() {
        0
    } else {
        rng.random_range(1..3)
    };
    for _ in 0..changes {
        let field = fields[rng.random_range(0..fields.len())];
        base[field] = value(rng, 0);
    }
    base
}

/// A body that is not a JSON object of the right shape, or not JSON at all.
fn raw_body(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    let cases: [&[u8]; 10] = [
        b"",
        b"{",
        b"null",
        b"[]",
        b"\"text\"",
        b"{\"name\": }",
        b"{\"name\": \"x\"} trailing",
        b"\xff\xfe\x00garbage",
        b"{\"name\": \"\\ud800\"}",
        deep.as_bytes(),
    ];
    cases[rng.random_range(0..cases.len())].to_vec()
}

fn query(rng: &mut ChaCha8Rng) -> String {
    let mut pairs = Vec::new();
    for _ in 0..[0, 1, 1, 1, 2, 3][rng.random_range(0..6)] {
        let name = PARAMS[rng.random_range(0..PARAMS.len())];
        // Long enough to pass the query-string limit (4 KiB), short enough to stay a valid URL.
        let value: String = text(rng).chars().take(2_500).collect();
        pairs.push((name.to_string(), value));
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A path id: mostly real ids, sometimes junk.
fn id(rng: &mut ChaCha8Rng, low: i64) -> String {
    match rng.random_range(0..10) {
        0 => "abc".into(),
        1 => "-1".into(),
        2 => "99999999999999999999".into(),
        3 => "0".into(),
        _ => rng.random_range(low..60).to_string(),
    }
}

struct Fuzzer<'a> {
    app: &'a TestApp,
    sent: usize,
    failures: Vec<String>,
}

impl Fuzzer<'_> {
    async fn send(&mut self, token: &str, method: Method, path: &str, body: Option<Vec<u8>>) {
        let mut request = self
            .app
            .client
            .request(method.clone(), format!("{}{path}", self.app.base))
            .bearer_auth(token);
        let shown = body
            .as_deref()
            .map(|b| String::from_utf8_lossy(&b[..b.len().min(300)]).into_owned());
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.expect("SalesHub answers");
        self.sent += 1;
        let status = response.status();
        if status.is_server_error() {
            let text = response.text().await.unwrap_or_default();
            self.failures
                .push(format!("{method} {path} {shown:?} -> {status} {text}"));
        }
    }
}

#[tokio::test]
async fn no_input_makes_any_endpoint_answer_5xx() {
    let app = TestApp::start().await;
    let admin = app.login(ADMIN).await;
    let rep = app.login(REP1).await;
    let (contacts, _) = app.get_json(&rep, "/api/contacts?limit=1").await;
    let contact_id = contacts["items"][0]["id"]
        .as_i64()
        .expect("a contact of the rep");
    let mut rng = ChaCha8Rng::seed_from_u64(0x5a1e_5b0b);
    let mut fuzz = Fuzzer {
        app: &app,
        sent: 0,
        failures: Vec::new(),
    };
    // Bounded: 40 rounds of about 20 requests.
    for round in 0..40 {
        let token = if round % 2 == 0 { &admin } else { &rep };
        for (entity, fields) in FIELDS {
            let payload = match rng.random_range(0..10) {
                0 | 1 => raw_body(&mut rng),
                2..=4 => body(&mut rng, fields).to_string().into_bytes(),
                _ => mutated(&mut rng, entity, fields, contact_id)
                    .to_string()
                    .into_bytes(),
            };
            fuzz.send(
                token,
                Method::POST,
                &format!("/api/{entity}"),
                Some(payload),
            )
            .await;
            // Never the admin (id 1): the fuzz must keep its own session.
            let low = if *entity == "users" { 2 } else { 1 };
            let path = format!("/api/{entity}/{}", id(&mut rng, low));
            let patch = mutated(&mut rng, entity, fields, contact_id);
            let patch = patch.to_string().into_bytes();
            fuzz.send(token, Method::PATCH, &path, Some(patch)).await;
            fuzz.send(
                token,
                Method::GET,
                &format!("/api/{entity}?{}", query(&mut rng)),
                None,
            )
            .await;
            if rng.random_range(0..6) == 0 && *entity != "users" {
                fuzz.send(token, Method::DELETE, &path, None).await;
            }
        }
        let convert = format!("/api/leads/{}/convert", id(&mut rng, 1));
        let payload = mutated(&mut rng, "convert", CONVERT_FIELDS, contact_id);
        let payload = payload.to_string().into_bytes();
        fuzz.send(token, Method::POST, &convert, Some(payload))
            .await;
        for parent in ["contacts", "deals"] {
            let path = format!(
                "/api/{parent}/{}/activities?{}",
                id(&mut rng, 1),
                query(&mut rng)
            );
            fuzz.send(token, Method::GET, &path, None).await;
        }
        for path in [
            "/api/search",
            "/api/search/suggest",
            "/api/analytics/revenue",
            "/api/analytics/dashboard",
        ] {
            fuzz.send(
                token,
                Method::GET,
                &format!("{path}?{}", query(&mut rng)),
                None,
            )
            .await;
        }
        let login = body(&mut rng, &["email", "password", "remember"]);
        fuzz.send(
            "",
            Method::POST,
            "/api/auth/login",
            Some(login.to_string().into_bytes()),
        )
        .await;
    }
    // Then systematically: every field of every body, and every query parameter, with each
    // edge value, the rest of the request valid.
    let edges = || {
        let mut values: Vec<Value> = [
            "9999-12-31T23:59:59-23:00",
            "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59Z",
            "2024-02-30",
            "",
        ]
        .map(Value::from)
        .to_vec();
        values.extend([
            json!(i64::MAX),
            json!(-1),
            json!(1e308),
            Value::Null,
            json!([]),
            json!({}),
        ]);
        values.push(json!("é".repeat(10_001)));
        values
    };
    for (i, (entity, fields)) in FIELDS.iter().enumerate() {
        let token = if i % 2 == 0 { &admin } else { &rep };
        for field in *fields {
            for edge in edges() {
                let mut payload = mutated(&mut rng, entity, &[], contact_id);
                payload[*field] = edge;
                let payload = payload.to_string().into_bytes();
                fuzz.send(
                    token,
                    Method::POST,
                    &format!("/api/{entity}"),
                    Some(payload),
                )
                .await;
            }
        }
    }
    let lists = [
        "users",
        "companies",
        "contacts",
        "deals",
        "leads",
        "activities",
    ];
    for (i, param) in PARAMS.iter().enumerate() {
        for edge in edges() {
            let value = match edge {
                Value::String(text) => text.chars().take(2_500).collect(),
                other => other.to_string(),
            };
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair(param, &value)
                .finish();
            let path = format!("/api/{}?{query}", lists[i % lists.len()]);
            fuzz.send(&rep, Method::GET, &path, None).await;
        }
    }
    assert!(fuzz.sent >= 1_500, "{} requests sent", fuzz.sent);
    assert!(
        fuzz.failures.is_empty(),
        "{} of {} requests answered 5xx:\n{}",
        fuzz.failures.len(),
        fuzz.sent,
        fuzz.failures.join("\n")
    );
}
