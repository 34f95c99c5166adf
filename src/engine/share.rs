//! Who shares which HTTP/2 connection. An HTTP/1.1 connection carries one request at a time, so
//! every user or worker has its own; an HTTP/2 connection carries many streams at once, so users
//! and workers take *seats* on shared connections instead.
//!
//! A [`Pool`] is a set of HTTP/2 connections that a group of users or workers sit on: each takes
//! a seat on the first connection with one free, or opens a new connection when none has. A
//! connection seats at most `max_streams` (`[target] max_streams`), and never more than the
//! server's own `SETTINGS_MAX_CONCURRENT_STREAMS`; since each seat has at most one request in
//! flight, a connection never has more streams open than that. A seat is kept from one request to
//! the next (no lookup per request) and given up when its connection goes away; the next request
//! takes another.
//!
//! Each load model decides who shares a pool (see `scenarios/README.md`): the closed model's
//! virtual users all share one, so `users` virtual users use about `users / max_streams`
//! connections; the open and throughput models have one pool per lane (a lane is one thread; a
//! connection is never used from two threads), shared by the lane's workers. A user with no pool
//! (`Conn::new`) gets one of its own: a connection with one seat.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use h2::client::SendRequest;
use http::uri::Authority;

use super::h2::H2;

/// HTTP/2 connections shared by a group of users or workers.
pub struct Pool {
    max_streams: usize,
    conns: Mutex<Vec<Arc<Shared>>>,
    /// One connection is opened at a time, so that users arriving together fill it instead of
    /// each opening its own.
    opening: tokio::sync::Mutex<()>,
    /// The server answered the ALPN offer with HTTP/1.1: users connect on their own.
    http1: AtomicBool,
}

/// A connection in a pool, and how many seats on it are taken.
struct Shared {
    h2: H2,
    seats: AtomicUsize,
}

/// One user's place on a shared connection: the handle it sends with.
pub(crate) struct Seat {
    pub send: SendRequest<Bytes>,
    conn: Arc<Shared>,
}

impl Seat {
    /// Whether the connection takes new requests.
    pub fn is_open_to(&self, authority: &Authority) -> bool {
        self.conn.h2.is_open() && self.conn.h2.authority == *authority
    }

    /// The connection is going away (or gone): no one takes a new seat on it.
    pub fn retire(&self) {
        self.conn.h2.retire();
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.conn.seats.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pool {
    /// An empty pool whose connections seat up to `max_streams` each.
    pub fn new(max_streams: usize) -> Arc<Pool> {
        Arc::new(Pool {
            max_streams: max_streams.max(1),
            conns: Mutex::new(Vec::new()),
            opening: tokio::sync::Mutex::new(()),
            http1: AtomicBool::new(false),
        })
    }

    /// Seats per connection, before the server's own limit.
    pub fn max_streams(&self) -> usize {
        self.max_streams
    }

    /// HTTP/2 connections open in the pool.
    pub fn connections(&self) -> usize {
        self.lock().iter().filter(|c| c.h2.is_open()).count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Shared>>> {
        self.conns
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A free seat on an open connection to `authority`, if any (connections gone are dropped).
    pub(crate) fn take_seat(&self, authority: &Authority) -> Option<Seat> {
        let mut conns = self.lock();
        conns.retain(|c| c.h2.is_open());
        conns.iter().find_map(|c| {
            if c.h2.authority != *authority {
                return None;
            }
            let cap = self
                .max_streams
                .min(c.h2.send.current_max_send_streams().max(1));
            let taken = c.seats.load(Ordering::Acquire);
            (taken < cap).then(|| {
                c.seats.fetch_add(1, Ordering::AcqRel);
                Seat {
                    send: c.h2.send.clone(),
                    conn: c.clone(),
                }
            })
        })
    }

    /// Adds a new connection and takes the first seat on it.
    pub(crate) fn add(&self, h2: H2) -> Seat {
        let send = h2.send.clone();
        let conn = Arc::new(Shared {
            h2,
            seats: AtomicUsize::new(1),
        });
        self.lock().push(conn.clone());
        Seat { send, conn }
    }

    /// Waits for the right to open a connection (one at a time per pool).
    pub(crate) async fn opening(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.opening.lock().await
    }

    /// Whether the server chose HTTP/1.1 when offered both.
    pub(crate) fn speaks_http1(&self) -> bool {
        self.http1.load(Ordering::Relaxed)
    }

    /// Notes that the server chose HTTP/1.1.
    pub(crate) fn chose_http1(&self) {
        self.http1.store(true, Ordering::Relaxed);
    }
}
