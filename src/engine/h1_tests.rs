//! The HTTP/1.1 connection against raw TCP servers on 127.0.0.1 that write exactly the bytes a
//! test needs: framings (length, chunked with extensions and trailers, until close, none),
//! `1xx` heads, keep-alive rules, and servers that misbehave.

use std::time::Duration;

use http::{Method, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

/// A server that, for each request it reads (up to the end of its head and `body_len` more
/// bytes), writes the next of `replies`, then closes. Returns its address and what it received.
async fn server(replies: Vec<&'static [u8]>) -> (String, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut seen = Vec::new();
        for reply in replies {
            let mut req = Vec::new();
            let mut byte = [0u8; 1];
            while !req.ends_with(b"\r\n\r\n") {
                if sock.read(&mut byte).await.unwrap() == 0 {
                    return seen;
                }
                req.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&req).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |v| v.trim().parse().unwrap());
            let mut body = vec![0u8; len];
            sock.read_exact(&mut body).await.unwrap();
            req.extend(body);
            seen.push(req);
            sock.write_all(reply).await.unwrap();
        }
        seen
    });
    (addr, handle)
}

async fn conn(addr: &str) -> H1 {
    H1::new(Stream::Plain(TcpStream::connect(addr).await.unwrap()))
}

fn encoded(method: Method, path: &str, body: &'static [u8]) -> Vec<u8> {
    let (parts, ()) = Request::builder()
        .method(method)
        .uri(path)
        .header("x-token", "abc")
        .body(())
        .unwrap()
        .into_parts();
    let mut out = Vec::new();
    encode_request(&mut out, &parts, &"example:1".parse().unwrap(), body);
    out
}

#[test]
fn requests_are_encoded_with_host_and_length() {
    let get = encoded(Method::GET, "/a?b=1", b"");
    assert_eq!(
        String::from_utf8(get).unwrap(),
        "GET /a?b=1 HTTP/1.1\r\nhost: example:1\r\nx-token: abc\r\n\r\n"
    );
    let post = encoded(Method::POST, "/a", b"{}");
    assert_eq!(
        String::from_utf8(post).unwrap(),
        "POST /a HTTP/1.1\r\nhost: example:1\r\nx-token: abc\r\ncontent-length: 2\r\n\r\n{}"
    );
    // An empty POST still says its length, or the server would wait for a body.
    let empty = encoded(Method::POST, "/a", b"");
    assert!(
        String::from_utf8(empty)
            .unwrap()
            .contains("content-length: 0\r\n")
    );
}

#[tokio::test]
async fn reads_each_framing_and_keeps_the_connection_when_it_may() {
    let (addr, seen) = server(vec![
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Cache: HIT\r\n\r\nhello",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nx-trailer: 1\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
    ])
    .await;
    let mut h1 = conn(&addr).await;
    let get = encoded(Method::GET, "/", b"");
    let r = h1.send(&get, &Method::GET, true).await.unwrap();
    assert_eq!((r.status, &r.body[..], r.bytes_in), (200, &b"hello"[..], 5));
    assert_eq!(r.headers["x-cache"], "HIT");
    assert!(r.reusable && !h1.peer_closed());
    let post = encoded(Method::POST, "/", b"{\"a\":1}");
    let r = h1.send(&post, &Method::POST, true).await.unwrap();
    assert_eq!((r.status, &r.body[..], r.bytes_in), (201, &b"abcde"[..], 5));
    assert!(r.reusable);
    let r = h1.send(&get, &Method::GET, true).await.unwrap();
    assert_eq!((r.status, r.bytes_in), (204, 0));
    // Not kept: counted, not returned.
    let r = h1.send(&get, &Method::GET, false).await.unwrap();
    assert_eq!((r.status, r.body.len(), r.bytes_in), (200, 0, 4));
    let r = h1.send(&get, &Method::GET, true).await.unwrap();
    assert_eq!(&r.body[..], b"until the end");
    assert!(!r.reusable, "a body read to the close ends the connection");
    let seen = seen.await.unwrap();
    assert_eq!(seen.len(), 5);
    assert!(seen[1].ends_with(b"content-length: 7\r\n\r\n{\"a\":1}"));
}

#[tokio::test]
async fn a_closed_keep_alive_connection_is_noticed_before_the_next_request() {
    let (addr, seen) = server(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]).await;
    let mut h1 = conn(&addr).await;
    let r = h1
        .send(&encoded(Method::GET, "/", b""), &Method::GET, true)
        .await
        .unwrap();
    assert!(r.reusable);
    seen.await.unwrap();
    // The server closed after its one reply: the connection says so without sending anything.
    let mut closed = false;
    for _ in 0..100 {
        closed = h1.peer_closed();
        if closed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(closed);
}

#[tokio::test]
async fn connection_close_http_1_0_and_stray_bytes_end_reuse() {
    let (addr, _seen) = server(vec![
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\na",
        b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb",
        b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\nc",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ndEXTRA",
    ])
    .await;
    let mut h1 = conn(&addr).await;
    let get = encoded(Method::GET, "/", b"");
    let mut reusable = Vec::new();
    for _ in 0..4 {
        reusable.push(h1.send(&get, &Method::GET, true).await.unwrap().reusable);
    }
    assert_eq!(reusable, [false, false, true, false]);
}

#[tokio::test]
async fn broken_responses_are_errors_not_panics() {
    for reply in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"[..],
        b"NOT HTTP\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        b"",
    ] {
        let (addr, _seen) = server(vec![reply]).await;
        let mut h1 = conn(&addr).await;
        let get = encoded(Method::GET, "/", b"");
        let failure = h1.send(&get, &Method::GET, true).await.unwrap_err();
        assert!(failure.written, "{}", failure.message);
        assert!(!failure.message.is_empty());
    }
}

#[tokio::test]
async fn head_responses_have_no_body_whatever_their_length_says() {
    let (addr, _seen) = server(vec![
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ])
    .await;
    let mut h1 = conn(&addr).await;
    let r = h1
        .send(&encoded(Method::HEAD, "/", b""), &Method::HEAD, true)
        .await
        .unwrap();
    assert_eq!((r.status, r.bytes_in), (200, 0));
    let r = h1
        .send(&encoded(Method::GET, "/", b""), &Method::GET, true)
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"ok");
}
