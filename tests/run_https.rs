//! https targets: the open, closed and throughput models against a rustls server on 127.0.0.1
//! whose certificate is signed by a CA made in the test. Trusted through `[target] ca_file`,
//! every request succeeds and the server's count equals the tool's; without it the target is
//! unreachable (exit 3, the certificate named); `insecure = true` works and says so loudly.

mod common;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use common::{Workspace, both, code};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// An https server answering "ok" to everything, counting requests (all paths but `/`, which the
/// reachability check sends, and `/metrics`, which the cache scraper reads).
struct TlsServer {
    base_url: String,
    /// PEM of the CA that signed the server's certificate.
    ca_pem: String,
    requests: Arc<AtomicU64>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TlsServer {
    fn start() -> TlsServer {
        let (ca_pem, chain, key) = certificates();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let requests = Arc::new(AtomicU64::new(0));
        let counter = requests.clone();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, mut shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                addr_tx
                    .send(listener.local_addr().expect("address"))
                    .expect("send address");
                loop {
                    let (tcp, _) = tokio::select! {
                        accepted = listener.accept() => match accepted {
                            Ok(a) => a,
                            Err(_) => continue,
                        },
                        _ = &mut shutdown_rx => return,
                    };
                    let (acceptor, counter) = (acceptor.clone(), counter.clone());
                    tokio::spawn(async move {
                        // A client that rejects our certificate ends the handshake: not an error here.
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let service = service_fn(move |req: hyper::Request<_>| {
                            if !matches!(req.uri().path(), "/" | "/metrics") {
                                counter.fetch_add(1, Ordering::SeqCst);
                            }
                            async {
                                Ok::<_, Infallible>(hyper::Response::new(Full::new(
                                    Bytes::from_static(b"ok"),
                                )))
                            }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(tls), service)
                            .await;
                    });
                }
            });
        });
        let addr = addr_rx.recv().expect("server address");
        TlsServer {
            base_url: format!("https://{addr}"),
            ca_pem,
            requests,
            _shutdown: shutdown_tx,
        }
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A CA (its PEM) and a certificate for 127.0.0.1 / localhost signed by it, with its key.
fn certificates() -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let certs = common::certs::test_certificates();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certs.key_der));
    (certs.ca_pem, certs.chain, key)
}

fn scenario(base_url: &str, tls: &str, load: &str) -> String {
    format!(
        r#"name = "https"
[target]
url = "{base_url}"
timeout = "5s"
{tls}
[load]
{load}
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/hello"
checks = [{{ status = 200 }}, {{ body_contains = "ok" }}]
"#
    )
}

/// Runs `load` against the server and checks: exit 0, no failure, the server saw exactly what the
/// tool recorded.
fn run_clean(ws: &Workspace, server: &TlsServer, tls: &str, load: &str) -> serde_json::Value {
    let before = server.requests();
    let file = ws.write("https.toml", &scenario(&server.base_url, tls, load));
    let output = ws.run(&file, &[]);
    assert_eq!(code(&output), 0, "{load}\n{}", both(&output));
    let results = ws.results();
    let requests = results["totals"]["requests"].as_u64().expect("requests");
    assert!(requests > 0, "{load}: no request recorded");
    assert_eq!(
        results["totals"]["failures"], 0,
        "{load}: {}",
        results["totals"]
    );
    assert_eq!(
        server.requests() - before,
        requests,
        "{load}: the server saw every recorded request, and only those"
    );
    results
}

fn write_ca(ws: &Workspace, server: &TlsServer) {
    std::fs::write(ws.path().join("ca.pem"), &server.ca_pem).expect("write CA");
}

#[test]
fn open_closed_and_throughput_models_over_https_with_a_ca_file() {
    let server = TlsServer::start();
    let ws = Workspace::new();
    write_ca(&ws, &server);
    let tls = r#"ca_file = "ca.pem""#;
    let open = run_clean(
        &ws,
        &server,
        tls,
        "model = \"open\"\nrate = \"40/s\"\nduration = \"2s\"",
    );
    assert!(
        open["totals"]["send_latency"].is_object(),
        "open model: send latency kept"
    );
    run_clean(
        &ws,
        &server,
        tls,
        "model = \"closed\"\nusers = 2\nduration = \"2s\"",
    );
    run_clean(
        &ws,
        &server,
        tls,
        "model = \"throughput\"\nconnections = 2\nduration = \"1s\"",
    );
    let warnings = open["outcome"]["warnings"].to_string();
    assert!(
        !warnings.contains("TLS certificate checks are OFF"),
        "{warnings}"
    );
}

#[test]
fn an_untrusted_certificate_is_unreachable_and_insecure_says_so() {
    let server = TlsServer::start();
    let ws = Workspace::new();
    let load = "model = \"closed\"\nusers = 1\nduration = \"1s\"";

    // The platform's trust store does not know the test CA: refused before any load.
    let file = ws.write("strict.toml", &scenario(&server.base_url, "", load));
    let output = ws.run(&file, &[]);
    assert_eq!(code(&output), 3, "{}", both(&output));
    let text = both(&output);
    assert!(
        text.contains("unreachable") && text.contains("certificate"),
        "{text}"
    );
    assert_eq!(server.requests(), 0);
    assert!(!ws.out_dir().join("results.json").exists());

    // `insecure = true`: the run works, and its results carry the warning.
    let results = run_clean(&ws, &server, "insecure = true", load);
    let warnings = results["outcome"]["warnings"].to_string();
    assert!(
        warnings.contains("TLS certificate checks are OFF"),
        "{warnings}"
    );
}

#[test]
fn tls_options_are_validated() {
    let ws = Workspace::new();
    std::fs::write(ws.path().join("not-a-cert.pem"), "hello\n").expect("write");
    let cases = [
        (
            "https://127.0.0.1:1",
            r#"ca_file = "missing.pem""#,
            "cannot read",
        ),
        (
            "https://127.0.0.1:1",
            r#"ca_file = "not-a-cert.pem""#,
            "holds no certificate",
        ),
        ("http://127.0.0.1:1", "insecure = true", "https `url` only"),
        (
            "https://127.0.0.1:1",
            "ca_file = \"x.pem\"\ninsecure = true",
            "not both",
        ),
    ];
    for (url, tls, expected) in cases {
        let file = ws.write(
            "bad.toml",
            &scenario(url, tls, "model = \"closed\"\nusers = 1\nduration = \"1s\""),
        );
        let output = std::process::Command::new(common::stampede_exe())
            .current_dir(ws.path())
            .arg("validate")
            .arg(&file)
            .output()
            .expect("run stampede validate");
        assert_eq!(code(&output), 2, "{tls}: {}", both(&output));
        let text = both(&output);
        assert!(
            text.contains(expected) && text.contains("target."),
            "{tls}: {text}"
        );
    }
}
