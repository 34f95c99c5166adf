//! Host names looked up once per run, not once per connection. A run opens many connections
//! (every virtual user, every reconnect after the server closes one): asking the system resolver
//! each time costs a lookup (a file read, perhaps a DNS round trip) on the path being measured,
//! and lets a slow resolver pass for a slow target. An address is looked up again only after a
//! connection to it failed, in case the name has moved.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Addresses by `(host, port)`.
type Known = HashMap<(String, u16), Arc<[SocketAddr]>>;

/// The addresses of each `host:port` connected to so far, shared by every clone of a client.
#[derive(Debug, Default)]
pub(crate) struct Resolver {
    known: Mutex<Known>,
    lookups: AtomicU64,
}

impl Resolver {
    /// The addresses of `host:port`: from an earlier lookup, or looked up now.
    pub async fn resolve(&self, host: &str, port: u16) -> io::Result<Arc<[SocketAddr]>> {
        if let Some(addrs) = self.known().get(&(host.to_string(), port)) {
            return Ok(addrs.clone());
        }
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let addrs: Arc<[SocketAddr]> = tokio::net::lookup_host((host, port)).await?.collect();
        if addrs.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("'{host}' has no address"),
            ));
        }
        self.known().insert((host.to_string(), port), addrs.clone());
        Ok(addrs)
    }

    /// Drops what is known of `host:port`, so that the next connection looks it up again.
    pub fn forget(&self, host: &str, port: u16) {
        self.known().remove(&(host.to_string(), port));
    }

    /// How many lookups were made.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        // A panic while holding the lock cannot leave the map half-written: use it as it is.
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_is_looked_up_once_until_forgotten() {
        let resolver = Resolver::default();
        let first = resolver.resolve("localhost", 8080).await.unwrap();
        assert!(
            first
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 8080)
        );
        resolver.resolve("localhost", 8080).await.unwrap();
        assert_eq!(resolver.lookups(), 1);
        resolver.resolve("localhost", 8081).await.unwrap();
        assert_eq!(resolver.lookups(), 2);
        resolver.forget("localhost", 8080);
        resolver.resolve("localhost", 8080).await.unwrap();
        assert_eq!(resolver.lookups(), 3);
        assert!(resolver.resolve("no-such-host.invalid", 80).await.is_err());
    }
}
