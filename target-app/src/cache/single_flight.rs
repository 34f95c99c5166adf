//! In-process single-flight: concurrent misses on the same versioned key run the loader once. The
//! first request becomes the leader and runs the loader; the others follow, awaiting the leader's
//! value through a shared oneshot. The leader runs the loader in its own task (no `'static` needed),
//! and its flight is removed from the map when the leader finishes or is cancelled, so the map only
//! ever holds loads in progress.
//!
//! Loader errors are not shared (the error type is the caller's and need not be `Clone`): when a
//! leader fails or is cancelled, its followers see `None` and run their own loader.

use futures::FutureExt;
use futures::channel::oneshot;
use futures::future::Shared;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

type Outcome = Shared<oneshot::Receiver<Arc<str>>>;

#[derive(Debug)]
struct Flight {
    id: u64,
    outcome: Outcome,
}

/// The loads in progress, by versioned key.
#[derive(Debug, Default)]
pub(crate) struct SingleFlight {
    flights: Mutex<HashMap<String, Flight>>,
    next_id: AtomicU64,
}

/// What a request does about a miss.
pub(crate) enum Role<'a> {
    /// Run the loader, then [`Leader::publish`] the value.
    Leader(Leader<'a>),
    /// Await the leader's value.
    Follower(Follower),
}

/// The request that loads for everyone. Dropping it ends the flight.
pub(crate) struct Leader<'a> {
    owner: &'a SingleFlight,
    key: String,
    id: u64,
    sender: Option<oneshot::Sender<Arc<str>>>,
}

/// A request waiting for a leader.
pub(crate) struct Follower {
    outcome: Outcome,
}

impl SingleFlight {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Flight>> {
        // Every critical section is a single map operation; a poisoned map is still consistent.
        self.flights
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Join the flight for `key`, or start one.
    pub(crate) fn join(&self, key: &str) -> Role<'_> {
        let mut flights = self.lock();
        if let Some(flight) = flights.get(key) {
            return Role::Follower(Follower {
                outcome: flight.outcome.clone(),
            });
        }
        let (sender, receiver) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        flights.insert(
            key.to_string(),
            Flight {
                id,
                outcome: receiver.shared(),
            },
        );
        Role::Leader(Leader {
            owner: self,
            key: key.to_string(),
            id,
            sender: Some(sender),
        })
    }

    /// Loads in progress (for tests: proves flights are cleaned up).
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.lock().len()
    }
}

impl Leader<'_> {
    /// Hand the loaded value to every follower, present and future (until this leader is dropped).
    pub(crate) fn publish(&mut self, value: Arc<str>) {
        if let Some(sender) = self.sender.take() {
            // An error only means no follower is listening any more: nothing to do.
            let _ = sender.send(value);
        }
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        let mut flights = self.owner.lock();
        if flights.get(&self.key).is_some_and(|f| f.id == self.id) {
            flights.remove(&self.key);
        }
    }
}

impl Follower {
    /// The leader's value, or `None` if the leader failed or was cancelled.
    pub(crate) async fn wait(self) -> Option<Arc<str>> {
        self.outcome.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_get_the_leaders_value_and_the_flight_ends() {
        let sf = SingleFlight::default();
        let Role::Leader(mut leader) = sf.join("k") else {
            panic!("first request must lead");
        };
        let Role::Follower(follower) = sf.join("k") else {
            panic!("second request must follow");
        };
        assert!(matches!(sf.join("other"), Role::Leader(_)));
        leader.publish(Arc::from("v"));
        assert_eq!(follower.wait().await.as_deref(), Some("v"));
        drop(leader);
        assert_eq!(sf.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_failed_leader_releases_its_followers() {
        let sf = SingleFlight::default();
        let leader = sf.join("k");
        let Role::Follower(follower) = sf.join("k") else {
            panic!("second request must follow");
        };
        drop(leader);
        assert_eq!(follower.wait().await, None);
        assert!(matches!(sf.join("k"), Role::Leader(_)));
    }
}
