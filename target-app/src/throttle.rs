//! Throttling of failed sign-ins. A login costs an Argon2 verification (about 20 ms of CPU) and
//! needs no token, so without a limit anyone can guess passwords, or burn the server's CPU, as
//! fast as they can send requests.
//!
//! Failures are counted per account (the email, as typed, lower-cased) and per client address,
//! each in a fixed window that starts with its first failure; once a count reaches its limit,
//! further attempts of that account or from that address are refused with 429 and `Retry-After`
//! until the window ends, without verifying anything. Successful logins count nothing.
//!
//! The account limit must not let an attacker lock a real user out, so it is bounded twice: the
//! lockout lasts at most one window (a minute by default), and an address the account signed in
//! from successfully within the last day is exempt from it (only its own address limit applies).
//! The real user, at their usual address, can still sign in while someone elsewhere hammers
//! their account.
//!
//! The state is in memory, per process, and bounded: windows that ended are swept, and beyond
//! [`MAX_KEYS`] keys new keys are not tracked until a sweep frees room (failing open rather than
//! growing without bound).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Most accounts, addresses and trusted pairs tracked, each.
pub const MAX_KEYS: usize = 100_000;

/// How long an address stays trusted for an account after a successful login from it.
pub const TRUST_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// The limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleConfig {
    /// Failed logins of one account per window, from addresses it has not signed in from.
    pub per_account: u32,
    /// Failed logins from one client address per window, whatever the accounts.
    pub per_address: u32,
    /// The window, which starts at the first failure.
    pub window: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            per_account: 10,
            per_address: 30,
            window: Duration::from_secs(60),
        }
    }
}

/// Failures in one window.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

#[derive(Debug, Default)]
struct State {
    accounts: HashMap<String, Window>,
    addresses: HashMap<IpAddr, Window>,
    /// (account, address) pairs that signed in, and when.
    trusted: HashMap<(String, IpAddr), Instant>,
}

/// The failed-login counters of one process.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    config: ThrottleConfig,
    state: Mutex<State>,
}

impl LoginThrottle {
    pub fn new(config: ThrottleConfig) -> LoginThrottle {
        LoginThrottle {
            config,
            state: Mutex::default(),
        }
    }

    /// The limits in force.
    pub fn config(&self) -> ThrottleConfig {
        self.config
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the maps consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(retry_after)` when a login of `account` from `address` must be refused now; `address`
    /// is `None` when the server does not know it (then only the account limit applies).
    pub fn check(
        &self,
        account: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let account = account.trim().to_lowercase();
        let state = self.lock();
        let window = self.config.window;
        let mut wait = Duration::ZERO;
        if let Some(ip) = address
            && let Some(w) = state.addresses.get(&ip)
        {
            wait = wait.max(blocked_for(w, self.config.per_address, window, now));
        }
        let trusted = address.is_some_and(|ip| {
            state
                .trusted
                .get(&(account.clone(), ip))
                .is_some_and(|at| now.duration_since(*at) < TRUST_FOR)
        });
        if !trusted && let Some(w) = state.accounts.get(&account) {
            wait = wait.max(blocked_for(w, self.config.per_account, window, now));
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failed login of `account` from `address`.
    pub fn failed(&self, account: &str, address: Option<IpAddr>, now: Instant) {
        let account = account.trim().to_lowercase();
        let window = self.config.window;
        let mut state = self.lock();
        sweep_if_full(&mut state, window, now);
        count(&mut state.accounts, account, window, now);
        if let Some(ip) = address {
            count(&mut state.addresses, ip, window, now);
        }
    }

    /// Records a successful login: the address becomes trusted for the account.
    pub fn succeeded(&self, account: &str, address: Option<IpAddr>, now: Instant) {
        let Some(ip) = address else { return };
        let mut state = self.lock();
        sweep_if_full(&mut state, self.config.window, now);
        if state.trusted.len() < MAX_KEYS {
            state
                .trusted
                .insert((account.trim().to_lowercase(), ip), now);
        }
    }
}

/// How long `w` still blocks at `limit`, zero when it does not.
fn blocked_for(w: &Window, limit: u32, window: Duration, now: Instant) -> Duration {
    let elapsed = now.duration_since(w.started);
    if w.failures >= limit && elapsed < window {
        window - elapsed
    } else {
        Duration::ZERO
    }
}

fn count<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, Window>,
    key: K,
    window: Duration,
    now: Instant,
) {
    if map.len() >= MAX_KEYS && !map.contains_key(&key) {
        return;
    }
    let w = map.entry(key).or_insert(Window {
        started: now,
        failures: 0,
    });
    if now.duration_since(w.started) >= window {
        *w = Window {
            started: now,
            failures: 0,
        };
    }
    w.failures = w.failures.saturating_add(1);
}

/// Drops ended windows and old trust when a map is full.
fn sweep_if_full(state: &mut State, window: Duration, now: Instant) {
    let live = |w: &mut Window| now.duration_since(w.started) < window;
    if state.accounts.len() >= MAX_KEYS {
        state.accounts.retain(|_, w| live(w));
    }
    if state.addresses.len() >= MAX_KEYS {
        state.addresses.retain(|_, w| live(w));
    }
    if state.trusted.len() >= MAX_KEYS {
        state
            .trusted
            .retain(|_, at| now.duration_since(*at) < TRUST_FOR);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(ThrottleConfig {
            per_account: 3,
            per_address: 5,
            window: Duration::from_secs(60),
        })
    }

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn an_account_is_refused_after_its_limit_and_only_until_the_window_ends() {
        let t = throttle();
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(t.check("a@x", ip(1), start), Ok(()), "attempt {i}");
            t.failed("A@x ", ip(1), start);
        }
        let later = start + Duration::from_secs(20);
        assert_eq!(t.check("a@x", ip(2), later), Err(Duration::from_secs(40)));
        assert_eq!(
            t.check("b@x", ip(2), later),
            Ok(()),
            "other accounts are not affected"
        );
        let after = start + Duration::from_secs(60);
        assert_eq!(
            t.check("a@x", ip(2), after),
            Ok(()),
            "the lockout is bounded"
        );
        t.failed("a@x", ip(2), after);
        assert_eq!(
            t.check("a@x", ip(2), after),
            Ok(()),
            "a new window counts from one"
        );
    }

    #[test]
    fn an_address_the_account_signed_in_from_is_exempt_from_the_account_limit() {
        let t = throttle();
        let now = Instant::now();
        t.succeeded("a@x", ip(1), now);
        for _ in 0..3 {
            t.failed("a@x", ip(9), now);
        }
        assert!(
            t.check("a@x", ip(9), now).is_err(),
            "the attacker's address"
        );
        assert!(t.check("a@x", ip(3), now).is_err(), "an address never used");
        assert_eq!(
            t.check("a@x", ip(1), now),
            Ok(()),
            "the real user's address"
        );
    }

    #[test]
    fn an_address_is_refused_after_its_limit_whatever_the_accounts() {
        let t = throttle();
        let now = Instant::now();
        for i in 0..5 {
            t.failed(&format!("user{i}@x"), ip(7), now);
        }
        assert!(t.check("fresh@x", ip(7), now).is_err());
        assert_eq!(t.check("fresh@x", ip(8), now), Ok(()));
        assert_eq!(
            t.check("fresh@x", None, now),
            Ok(()),
            "no address, no address limit"
        );
    }
}
