//! Where a user's requests find a connection. Three ways, one per load model:
//!
//! - [`UserConn::Own`]: a connection owned by the user (throughput workers, setup journeys): no
//!   checkout at all;
//! - [`UserConn::Set`]: a lease on a [`ConnSet`], the open model's connections of one lane: the
//!   arrival waits for the set's [`ConnGate`] (which grows the set while the target answers and
//!   queues arrivals behind the connections it has while the target is stalled), takes an idle
//!   connection or opens one, and gives it back when the response is read. A set belongs to one
//!   lane (one thread), so its lock is never contended;
//! - [`UserConn::Pooled`]: the client's shared hyper pool (closed-model users).
//!
//! Owned and leased connections are polled by the request itself (see [`super::client::Conn`]),
//! which is what keeps the per-request cost near wrk's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::client::{BaseUrl, Conn, HttpClient};
use super::gate::{Admission, ConnGate};

/// The connections of one open-model lane: at most `cap`, opened on demand.
pub struct ConnSet {
    gate: Arc<ConnGate>,
    idle: Mutex<Vec<Conn>>,
    /// Leases on connections that have not carried a request yet (being opened).
    opening: AtomicUsize,
}

/// New connections a set opens at once at most: past that, arrivals wait for one of the
/// connections it has (or is opening) rather than each opening its own. Without this bound, a
/// burst of arrivals (the start of a run, a spike) opened hundreds of connections in one go and
/// the lane spent tens of milliseconds connecting instead of sending.
pub const MAX_OPENING: usize = 16;

/// A connection taken from a [`ConnSet`]; dropping it puts the connection back and frees its slot.
pub struct Lease<'a> {
    set: &'a ConnSet,
    conn: Option<Conn>,
    /// The connection had never been used: it counts in `opening` until the lease ends.
    fresh: bool,
    _admission: Admission,
}

impl ConnSet {
    /// A set of at most `cap` connections.
    pub fn new(cap: usize) -> Arc<ConnSet> {
        Arc::new(ConnSet {
            gate: ConnGate::new(cap),
            idle: Mutex::new(Vec::new()),
            opening: AtomicUsize::new(0),
        })
    }

    /// Waits for a slot (see [`ConnGate::admit`]) and takes an idle connection, or a new,
    /// not-yet-connected one when none is idle.
    pub async fn lease(&self) -> Lease<'_> {
        let admission = self
            .gate
            .admit_if(|| self.opening.load(Ordering::Relaxed) < MAX_OPENING)
            .await;
        let (conn, fresh) = match self.idle().pop() {
            Some(conn) => (conn, false),
            None => (Conn::new(), true),
        };
        if fresh {
            self.opening.fetch_add(1, Ordering::Relaxed);
        }
        Lease {
            set: self,
            conn: Some(conn),
            fresh,
            _admission: admission,
        }
    }

    /// Opens up to `n` connections to `base` before any request (concurrently, within the cap),
    /// so the first arrivals of a run do not all wait for a connection at once. Returns how many
    /// opened; one that fails is not kept (the load will try again and record the failure).
    pub async fn prefill(&self, client: &HttpClient, base: &BaseUrl, n: usize) -> usize {
        let n = self.gate.grow(n);
        let opened = futures_util::future::join_all((0..n).map(|_| async {
            let mut conn = Conn::new();
            client.open(&mut conn, base).await.ok().map(|()| conn)
        }))
        .await;
        let mut idle = self.idle();
        let before = idle.len();
        idle.extend(opened.into_iter().flatten());
        idle.len() - before
    }

    /// Connections allowed so far (each one open now or idle in the set).
    pub fn allowed(&self) -> usize {
        self.gate.allowed()
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Conn>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Lease<'_> {
    /// The leased connection.
    pub fn conn(&mut self) -> &mut Conn {
        self.conn.get_or_insert_default()
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        // Back in the set before the admission (a field, dropped after this) frees the slot, so
        // the next admitted arrival finds it idle.
        if let Some(conn) = self.conn.take() {
            self.set.idle().push(conn);
        }
        if self.fresh {
            self.set.opening.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Where one user's requests go.
#[derive(Default)]
pub enum UserConn {
    /// The client's shared pool.
    #[default]
    Pooled,
    /// The user's own connection.
    Own(Conn),
    /// A lease on a lane's connections for each request.
    Set(Arc<ConnSet>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn leases_reuse_idle_connections_and_stop_at_the_cap() {
        let set = ConnSet::new(2);
        // One at a time: the same slot again and again.
        for _ in 0..5 {
            let mut lease = set.lease().await;
            let _ = lease.conn();
        }
        assert_eq!(set.allowed(), 1);
        assert_eq!(set.idle().len(), 1);
        // Two at once: a second connection; a third waits for one of them.
        let a = set.lease().await;
        let b = set.lease().await;
        assert_eq!(set.allowed(), 2);
        assert!(set.idle().is_empty());
        let third = tokio::time::timeout(std::time::Duration::from_millis(20), set.lease()).await;
        assert!(third.is_err(), "the cap is a hard limit");
        drop(a);
        let _c = set.lease().await;
        drop(b);
        assert_eq!(set.idle().len(), 1);
        assert_eq!(set.allowed(), 2);
    }

    #[tokio::test]
    async fn no_more_than_max_opening_new_connections_at_once() {
        let set = ConnSet::new(1000);
        let mut fresh: Vec<_> = Vec::new();
        for _ in 0..MAX_OPENING {
            fresh.push(set.lease().await);
        }
        assert_eq!(set.allowed(), MAX_OPENING);
        // All are being opened: the next arrival waits for one rather than opening its own.
        let next = tokio::time::timeout(std::time::Duration::from_millis(20), set.lease()).await;
        assert!(next.is_err());
        // One carried its request: the waiting arrival reuses it, and growth may resume.
        fresh.pop();
        let reused = set.lease().await;
        assert!(!reused.fresh);
        let grown = set.lease().await;
        assert!(grown.fresh);
        assert_eq!(set.allowed(), MAX_OPENING + 1);
    }
}
