//! The client's robustness against raw TCP servers on 127.0.0.1 that misbehave on purpose: a
//! request cut off mid-write is sent again only when its method is idempotent, a keep-alive
//! connection closed under a request is retried for idempotent methods, failures land in their
//! own kinds (connect, timeout, TLS, protocol), the connect timeout is its own, and host names are
//! looked up once per run (again after a failed connection).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::engine::client::{Body, ClientError, Conn, HttpClient, Response};
use crate::model::ErrorKind;
use crate::scenario::plan::TlsTrust;

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Reads one request head; returns it (lowercased) or `None` at end of stream.
async fn read_head(sock: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).to_lowercase())
}

/// Reads one whole request (head and `content-length` body); returns its head.
async fn read_request(sock: &mut TcpStream) -> Option<String> {
    let head = read_head(sock).await?;
    let len: u64 = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map_or(0, |v| v.trim().parse().unwrap_or(0));
    tokio::io::copy(&mut (&mut *sock).take(len), &mut tokio::io::sink())
        .await
        .ok()?;
    Some(head)
}

fn request(method: Method, addr: &str, body: Vec<u8>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(format!("http://{addr}/"))
        .body(Body::new(Bytes::from(body)))
        .unwrap()
}

fn client() -> HttpClient {
    HttpClient::new(Duration::from_secs(10), &TlsTrust::Platform).unwrap()
}

/// A server whose first connection answers one request, then reads the start of the next and
/// resets the connection; later connections answer every whole request. Counts the requests
/// that reached a later connection (that is, were sent again).
async fn resetting_server() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let resent = Arc::new(AtomicU64::new(0));
    let count = resent.clone();
    tokio::spawn(async move {
        let (mut first, _) = listener.accept().await.unwrap();
        read_request(&mut first).await.unwrap();
        first.write_all(OK).await.unwrap();
        let mut start = [0u8; 1024];
        first.read_exact(&mut start).await.unwrap();
        // Closing with unread bytes in the receive buffer resets the connection (Linux).
        drop(first);
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let count = count.clone();
            tokio::spawn(async move {
                while read_request(&mut sock).await.is_some() {
                    count.fetch_add(1, Ordering::SeqCst);
                    if sock.write_all(OK).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, resent)
}

/// A body far larger than the socket buffers, so that the reset comes mid-write.
const BIG: usize = 32 * 1024 * 1024;

#[tokio::test]
async fn a_post_cut_off_mid_write_is_not_sent_again() {
    let (addr, resent) = resetting_server().await;
    let client = client();
    let mut conn = Conn::new();
    let first = client
        .send(&mut conn, request(Method::GET, &addr, Vec::new()), false)
        .await;
    assert_eq!(first.map(|r| r.status), Ok(200));
    let post = client
        .send(
            &mut conn,
            request(Method::POST, &addr, vec![b'x'; BIG]),
            false,
        )
        .await;
    let failure = post.expect_err("a POST the server reset mid-write fails");
    assert_eq!(failure.kind, ErrorKind::Protocol, "{}", failure.message);
    assert_eq!(resent.load(Ordering::SeqCst), 0, "the POST was sent twice");
}

#[tokio::test]
async fn a_put_cut_off_mid_write_is_sent_again_on_a_new_connection() {
    let (addr, resent) = resetting_server().await;
    let client = client();
    let mut conn = Conn::new();
    client
        .send(&mut conn, request(Method::GET, &addr, Vec::new()), false)
        .await
        .unwrap();
    let put = client
        .send(
            &mut conn,
            request(Method::PUT, &addr, vec![b'x'; BIG]),
            false,
        )
        .await;
    assert_eq!(put.map(|r| r.status), Ok(200));
    assert_eq!(resent.load(Ordering::SeqCst), 1);
}

/// A server whose first connection answers one request, then reads the next whole request and
/// closes without answering (the race of a keep-alive connection the server drops just as a
/// request arrives). Later connections answer. Returns the address and the heads received.
async fn dropping_server() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let (mut first, _) = listener.accept().await.unwrap();
        read_request(&mut first).await.unwrap();
        first.write_all(OK).await.unwrap();
        if let Some(head) = read_request(&mut first).await {
            log.lock().unwrap().push(head);
        }
        first.shutdown().await.ok();
        drop(first);
        while let Ok((mut sock, _)) = listener.accept().await {
            while let Some(head) = read_request(&mut sock).await {
                log.lock().unwrap().push(head);
                if sock.write_all(OK).await.is_err() {
                    break;
                }
            }
        }
    });
    (addr, seen)
}

#[tokio::test]
async fn an_unanswered_request_on_a_reused_connection_is_retried_only_when_idempotent() {
    let (addr, seen) = dropping_server().await;
    let client = client();
    let mut conn = Conn::new();
    client
        .send(&mut conn, request(Method::GET, &addr, Vec::new()), false)
        .await
        .unwrap();
    let get = client
        .send(&mut conn, request(Method::GET, &addr, Vec::new()), false)
        .await;
    assert_eq!(get.map(|r| r.status), Ok(200));
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "sent on the old connection, then a new one"
    );

    let (addr, seen) = dropping_server().await;
    let mut conn = Conn::new();
    client
        .send(&mut conn, request(Method::GET, &addr, Vec::new()), false)
        .await
        .unwrap();
    let post = client
        .send(
            &mut conn,
            request(Method::POST, &addr, b"{}".to_vec()),
            false,
        )
        .await;
    let failure = post.expect_err("an unanswered POST is not sent again");
    assert_eq!(failure.kind, ErrorKind::Protocol);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

/// A server that writes `reply` to every connection after reading its first bytes, then closes.
async fn replying(reply: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(reply).await;
            let _ = sock.shutdown().await;
        }
    });
    addr
}

async fn fail(client: &HttpClient, url: &str) -> ClientError {
    let req = Request::builder()
        .uri(url)
        .body(Body::new(Bytes::new()))
        .unwrap();
    let result: Result<Response, ClientError> = client.send(&mut Conn::new(), req, false).await;
    result.expect_err("the request fails")
}

#[tokio::test]
async fn failures_are_bucketed_as_protocol_tls_and_connect() {
    let client = client();
    let garbage = replying(b"NOT HTTP AT ALL\r\n\r\n").await;
    let e = fail(&client, &format!("http://{garbage}/")).await;
    assert_eq!(e.kind, ErrorKind::Protocol, "{}", e.message);
    let cut = replying(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort").await;
    let e = fail(&client, &format!("http://{cut}/")).await;
    assert_eq!(e.kind, ErrorKind::Protocol, "{}", e.message);
    // An https client meeting a plain HTTP server: the handshake fails.
    let plain = replying(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
    let e = fail(&client, &format!("https://{plain}/")).await;
    assert_eq!(e.kind, ErrorKind::Tls, "{}", e.message);
    let e = fail(&client, &format!("http://127.0.0.1:{}/", closed_port())).await;
    assert_eq!(e.kind, ErrorKind::Connect, "{}", e.message);
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn connecting_has_its_own_timeout() {
    // A listener that never accepts, its queue filled: a further connection attempt hangs (Linux
    // drops the SYN of a listener whose accept queue is full).
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    let mut hangs = false;
    for _ in 0..16 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => held.push(s),
            Err(_) => {
                hangs = true;
                break;
            }
        }
    }
    assert!(hangs, "the accept queue never filled");
    let dir = tempfile::tempdir().unwrap();
    let plan = crate::engine::test_server::plan(
        dir.path(),
        &format!(
            "name = \"t\"\n[target]\nurl = \"http://{addr}\"\ntimeout = \"30s\"\nconnect_timeout = \"200ms\"\n\
             [load]\nmodel = \"closed\"\nusers = 1\nduration = \"1s\"\n\
             [[journeys]]\nname = \"j\"\n[[journeys.steps]]\npath = \"/\"\n"
        ),
    );
    let client = HttpClient::for_target(&plan.target).unwrap();
    let e = fail(&client, &format!("http://{addr}/")).await;
    assert_eq!(e.kind, ErrorKind::Connect, "{}", e.message);
    assert!(
        e.message.contains("connect timeout (200ms)"),
        "{}",
        e.message
    );
    drop(listener);
}

#[tokio::test]
async fn a_host_name_is_looked_up_once_and_again_after_a_failed_connection() {
    // Every answer closes the connection, so each request opens a new one.
    let addr = replying(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
    let port = addr.rsplit(':').next().unwrap();
    let client = client();
    let copy = client.clone();
    let mut conn = Conn::new();
    for c in [&client, &copy, &client] {
        let req = Request::builder()
            .uri(format!("http://localhost:{port}/"))
            .body(Body::new(Bytes::new()))
            .unwrap();
        assert_eq!(c.send(&mut conn, req, false).await.unwrap().status, 200);
    }
    assert_eq!(client.lookups(), 1, "three connections, one lookup");
    let url = format!("http://localhost:{}/", closed_port());
    fail(&client, &url).await;
    fail(&client, &url).await;
    assert_eq!(
        client.lookups(),
        3,
        "a failed connection looks the name up again"
    );
}
