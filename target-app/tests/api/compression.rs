//! Response compression by `Accept-Encoding`: each encoding decodes to the uncompressed body, small
//! bodies go as they are, `X-Cache` and the cache counters are as without compression, and
//! `--compression off` turns it off.

use std::io::Read;

use reqwest::Client;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, VARY};

use saleshub::transport::HttpConfig;

use crate::helpers::{Options, REP1, TestApp, x_cache};

const LIST: &str = "/api/contacts?limit=50";

/// A client that never decodes bodies itself, whatever features other crates turn on in reqwest.
fn raw_client() -> Client {
    Client::builder()
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .no_deflate()
        .build()
        .unwrap()
}

struct Answer {
    encoding: Option<String>,
    x_cache: String,
    vary: String,
    body: Vec<u8>,
}

async fn get(app: &TestApp, token: &str, path: &str, accept: Option<&str>) -> Answer {
    let mut request = raw_client()
        .get(format!("{}{path}", app.base))
        .bearer_auth(token);
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    let response = request.send().await.expect("an answer");
    assert_eq!(response.status(), 200);
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    Answer {
        encoding: header(CONTENT_ENCODING),
        vary: header(VARY).unwrap_or_default(),
        x_cache: x_cache(&response),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .map(drop),
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .map(drop),
        "zstd" => zstd::stream::read::Decoder::new(body)
            .and_then(|mut decoder| decoder.read_to_end(&mut out))
            .map(drop),
        other => panic!("no decoder for {other}"),
    }
    .unwrap_or_else(|error| panic!("{encoding} decodes: {error}"));
    out
}

#[tokio::test]
async fn each_encoding_decodes_to_the_uncompressed_body() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    assert_eq!(get(&app, &token, LIST, None).await.x_cache, "MISS");
    let plain = get(&app, &token, LIST, None).await;
    assert_eq!(plain.encoding, None, "nothing asked, nothing compressed");
    assert!(plain.body.len() > 1024, "the list is worth compressing");
    let hits = r#"cache_hits_total{namespace="lists"}"#;
    let hits_before = app.metric(hits).await;
    for encoding in ["gzip", "br", "zstd"] {
        let answer = get(&app, &token, LIST, Some(encoding)).await;
        assert_eq!(answer.encoding.as_deref(), Some(encoding));
        assert_eq!(answer.x_cache, "HIT", "{encoding}: X-Cache passes through");
        assert!(answer.vary.to_ascii_lowercase().contains("accept-encoding"));
        assert!(
            answer.body.len() < plain.body.len(),
            "{encoding} is smaller"
        );
        assert_eq!(decode(encoding, &answer.body), plain.body, "{encoding}");
    }
    // A browser's list picks one of them.
    let answer = get(&app, &token, LIST, Some("gzip, deflate, br, zstd")).await;
    let encoding = answer.encoding.expect("compressed");
    assert_eq!(decode(&encoding, &answer.body), plain.body);
    // The cache counters still count exactly the X-Cache headers.
    assert_eq!(app.metric(hits).await, hits_before + 4.0);
}

#[tokio::test]
async fn small_bodies_are_not_compressed() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let me = get(&app, &token, "/api/auth/me", Some("gzip")).await;
    assert!(
        me.body.len() < 1024,
        "a small body: {} bytes",
        me.body.len()
    );
    assert_eq!(me.encoding, None);
    serde_json::from_slice::<serde_json::Value>(&me.body).expect("plain JSON");
}

#[tokio::test]
async fn compression_off_sends_bodies_as_they_are() {
    let app = TestApp::start_with(Options {
        http: HttpConfig {
            compression: false,
            ..HttpConfig::default()
        },
        ..Options::default()
    })
    .await;
    let token = app.login(REP1).await;
    let answer = get(&app, &token, LIST, Some("gzip, br, zstd")).await;
    assert_eq!(answer.encoding, None);
    assert!(answer.body.len() > 1024);
    serde_json::from_slice::<serde_json::Value>(&answer.body).expect("plain JSON");
}
