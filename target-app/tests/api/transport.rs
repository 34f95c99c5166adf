//! Connection timeouts, over raw TCP: each slow-client pattern (half a request line, one header
//! at a time, one body byte at a time, a connection that says nothing, an idle keep-alive
//! connection) is cut off, while a normal client on another connection is served meanwhile.
//! Timeouts are 1 s here; the checks allow 20 s and never assert how fast anything was.

use std::time::Duration;

use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;

use saleshub::faults::FaultConfig;
use saleshub::transport::HttpConfig;

use crate::helpers::{Options, REP1, TestApp};

/// How long a test waits for the server to close a connection it should close.
const BOUND: Duration = Duration::from_secs(20);

fn short_timeouts() -> HttpConfig {
    HttpConfig {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        ..HttpConfig::default()
    }
}

async fn start() -> TestApp {
    TestApp::start_with(Options {
        http: short_timeouts(),
        ..Options::default()
    })
    .await
}

/// Reads until the server closes the connection (end of stream or reset); returns what it sent,
/// or None if it was still open after [`BOUND`].
async fn read_until_closed(reader: &mut OwnedReadHalf) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let read_all = async {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(BOUND, read_all).await.ok()?;
    Some(received)
}

/// Opens a connection, sends `head`, then `drip` every 300 ms (at most 100 times, so the test
/// stays bounded even if the server never cuts it off); returns the reading half.
async fn slow_client(app: &TestApp, head: &'static [u8], drip: &'static [u8]) -> OwnedReadHalf {
    let stream = TcpStream::connect(app.addr).await.expect("connect");
    let (reader, mut writer) = stream.into_split();
    tokio::spawn(async move {
        if writer.write_all(head).await.is_err() {
            return;
        }
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if drip.is_empty() {
                continue;
            }
            if writer.write_all(drip).await.is_err() {
                return;
            }
        }
    });
    reader
}

/// A normal client on its own connection, while a slow one is connected.
async fn normal_client_is_served(app: &TestApp) {
    let response = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn half_a_request_line_is_cut_off() {
    let app = start().await;
    let mut slow = slow_client(&app, b"GET /hea", b"").await;
    normal_client_is_served(&app).await;
    let received = read_until_closed(&mut slow)
        .await
        .expect("a connection with half a request line is closed");
    assert!(received.is_empty(), "no answer to half a request");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_cut_off() {
    let app = start().await;
    let mut silent = slow_client(&app, b"", b"").await;
    normal_client_is_served(&app).await;
    assert!(read_until_closed(&mut silent).await.is_some());
}

#[tokio::test]
async fn one_header_at_a_time_is_cut_off() {
    let app = start().await;
    let mut slow = slow_client(
        &app,
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        b"X-Slow: a\r\n",
    )
    .await;
    normal_client_is_served(&app).await;
    let received = read_until_closed(&mut slow)
        .await
        .expect("a connection sending one header at a time is closed");
    assert!(received.is_empty(), "no answer to an unfinished head");
}

#[tokio::test]
async fn one_body_byte_at_a_time_is_answered_408_and_cut_off() {
    let app = start().await;
    let mut slow = slow_client(
        &app,
        b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n\
          Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        b" ",
    )
    .await;
    normal_client_is_served(&app).await;
    let received = read_until_closed(&mut slow)
        .await
        .expect("a connection sending one body byte at a time is closed");
    let text = String::from_utf8_lossy(&received).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 408"), "{text}");
    assert!(text.contains("connection: close"), "{text}");
    assert!(text.contains(r#""code":"request_timeout""#), "{text}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_answer() {
    let app = start().await;
    let mut idle = slow_client(
        &app,
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"",
    )
    .await;
    normal_client_is_served(&app).await;
    let received = read_until_closed(&mut idle)
        .await
        .expect("an idle keep-alive connection is closed");
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200"), "answered first: {text}");
}

#[tokio::test]
async fn requests_in_flight_outlive_the_header_and_idle_timeouts() {
    // Every /api request takes 1.5 s here, longer than every timeout: being slow to answer is
    // the server's business, never a reason to cut the client off.
    let app = TestApp::start_with(Options {
        http: short_timeouts(),
        faults: FaultConfig {
            delay: Duration::from_millis(1500),
            ..FaultConfig::default()
        },
        ..Options::default()
    })
    .await;
    let token = app.login(REP1).await;
    let (page, _) = app.get_json(&token, "/api/contacts?limit=2").await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn an_idle_http2_connection_gets_a_goaway_and_is_closed() {
    let app = start().await;
    // The client preface and an empty SETTINGS frame, then nothing.
    let mut idle = slow_client(
        &app,
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00",
        b"",
    )
    .await;
    normal_client_is_served(&app).await;
    let received = read_until_closed(&mut idle)
        .await
        .expect("an idle HTTP/2 connection is closed");
    assert!(
        has_frame(&received, 0x7),
        "a GOAWAY frame came before the close"
    );
}

/// Whether the server's HTTP/2 frames include one of type `kind`.
fn has_frame(mut bytes: &[u8], kind: u8) -> bool {
    while bytes.len() >= 9 {
        let length =
            usize::from(bytes[0]) << 16 | usize::from(bytes[1]) << 8 | usize::from(bytes[2]);
        if bytes[3] == kind {
            return true;
        }
        bytes = &bytes[(9 + length).min(bytes.len())..];
    }
    false
}
