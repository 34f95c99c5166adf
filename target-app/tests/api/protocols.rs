//! HTTP/1.1 and HTTP/2 on one plain port (h2c with prior knowledge), and over TLS with a
//! certificate made here, negotiated by ALPN.

use reqwest::{Certificate, Client, Version};
use serde_json::Value;

use saleshub::transport::{HttpConfig, TlsFiles};

use crate::helpers::{Options, TestApp};

async fn health(client: &Client, base: &str) -> (Version, Value) {
    let response = client
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("GET /health");
    assert_eq!(response.status(), 200);
    let version = response.version();
    (version, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn the_plain_port_speaks_http1_and_h2c() {
    let app = TestApp::start().await;
    let h2 = Client::builder().http2_prior_knowledge().build().unwrap();
    let (version, body) = health(&h2, &app.base).await;
    assert_eq!(version, Version::HTTP_2);
    assert_eq!(body["status"], "ok");
    let h1 = Client::builder().http1_only().build().unwrap();
    assert_eq!(health(&h1, &app.base).await.0, Version::HTTP_11);
    // Several requests on one HTTP/2 connection, concurrently.
    let answers = futures::future::join_all((0..8).map(|_| health(&h2, &app.base))).await;
    assert!(answers.iter().all(|(v, _)| *v == Version::HTTP_2));
}

#[tokio::test]
async fn tls_negotiates_h2_and_still_speaks_http1() {
    let dir = tempfile::tempdir().unwrap();
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert_pem = generated.cert.pem();
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, &cert_pem).unwrap();
    std::fs::write(&files.key, generated.signing_key.serialize_pem()).unwrap();
    let app = TestApp::start_with(Options {
        http: HttpConfig {
            tls: Some(files),
            ..HttpConfig::default()
        },
        ..Options::default()
    })
    .await;
    assert!(app.base.starts_with("https://"), "{}", app.base);
    let trusting = || {
        let cert = Certificate::from_pem(cert_pem.as_bytes()).unwrap();
        Client::builder().tls_certs_only([cert])
    };
    let (version, body) = health(&trusting().build().unwrap(), &app.base).await;
    assert_eq!(version, Version::HTTP_2, "ALPN chose h2");
    assert_eq!(body["status"], "ok");
    let h1 = trusting().http1_only().build().unwrap();
    assert_eq!(health(&h1, &app.base).await.0, Version::HTTP_11);
    // A client that does not trust the certificate gets no answer.
    assert!(
        Client::new()
            .get(format!("{}/health", app.base))
            .send()
            .await
            .is_err()
    );
}
