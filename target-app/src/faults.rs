//! Fault knobs, so Stampede can be tested against known behaviour: a fixed added delay, a rate of
//! injected 500s, periodic stalls of the whole API, and a delay on database loads behind cache misses.
//! They apply to `/api` only; `/health` and `/metrics` stay truthful and fast.

use std::time::{Duration, Instant};

use axum::extract::{OriginalUri, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use crate::error::AppError;
use crate::state::AppState;

/// The configured faults; all off by default.
#[derive(Debug, Clone, Default)]
pub struct FaultConfig {
    /// Added to every API request before it is handled (or only to those under `delay_path`).
    pub delay: Duration,
    /// When set, `delay` applies only to requests whose path starts with this prefix.
    pub delay_path: Option<String>,
    /// Fraction (0..=1) of API requests answered with a 500 without being handled.
    pub error_rate: f64,
    /// With `stall_for`: every `stall_every`, the API pauses for `stall_for`.
    pub stall_every: Option<Duration>,
    pub stall_for: Duration,
    /// Added to every database load behind a cache miss.
    pub db_delay: Duration,
}

/// The fault knobs at run time.
#[derive(Debug)]
pub struct Faults {
    config: FaultConfig,
    started: Instant,
    pub db_delay: Duration,
}

impl Faults {
    pub fn new(config: FaultConfig) -> Faults {
        Faults {
            db_delay: config.db_delay,
            config,
            started: Instant::now(),
        }
    }

    /// Whether any request-level fault is on (the middleware is a no-op otherwise).
    pub fn any(&self) -> bool {
        !self.config.delay.is_zero() || self.config.error_rate > 0.0 || self.stall().is_some()
    }

    fn stall(&self) -> Option<(Duration, Duration)> {
        match self.config.stall_every {
            Some(every) if !every.is_zero() && !self.config.stall_for.is_zero() => {
                Some((every, self.config.stall_for))
            }
            _ => None,
        }
    }

    /// Whether a request for `path` gets the injected delay.
    pub fn delays(&self, path: &str) -> bool {
        !self.config.delay.is_zero()
            && self
                .config
                .delay_path
                .as_deref()
                .is_none_or(|prefix| path.starts_with(prefix))
    }

    /// How long a request arriving now must wait for the current stall to end. Stalls start at
    /// `every`, `2 × every`, ... after start and last `stall_for`.
    pub fn stall_remaining(&self, now: Instant) -> Duration {
        let Some((every, length)) = self.stall() else {
            return Duration::ZERO;
        };
        let elapsed = now.duration_since(self.started);
        if elapsed < every {
            return Duration::ZERO;
        }
        let phase = Duration::from_nanos((elapsed.as_nanos() % every.as_nanos()) as u64);
        length.saturating_sub(phase)
    }
}

/// Middleware applying the request-level faults.
pub async fn apply(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let faults = &state.faults;
    if !faults.any() {
        return next.run(request).await;
    }
    let stall = faults.stall_remaining(Instant::now());
    if !stall.is_zero() {
        tokio::time::sleep(stall).await;
    }
    // Inside the `/api` nest the request's own URI has lost its prefix; the original keeps it.
    let path = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().path(), |uri| uri.path());
    if faults.delays(path) {
        tokio::time::sleep(faults.config.delay).await;
    }
    if faults.config.error_rate > 0.0 && rand::rng().random_bool(faults.config.error_rate.min(1.0))
    {
        return AppError::Injected.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stalls_start_after_the_first_period_and_last_their_length() {
        let faults = Faults::new(FaultConfig {
            stall_every: Some(Duration::from_secs(10)),
            stall_for: Duration::from_secs(1),
            ..FaultConfig::default()
        });
        let t0 = faults.started;
        assert_eq!(
            faults.stall_remaining(t0 + Duration::from_secs(5)),
            Duration::ZERO
        );
        assert_eq!(
            faults.stall_remaining(t0 + Duration::from_millis(10_250)),
            Duration::from_millis(750)
        );
        assert_eq!(
            faults.stall_remaining(t0 + Duration::from_millis(11_500)),
            Duration::ZERO
        );
        assert_eq!(
            faults.stall_remaining(t0 + Duration::from_millis(20_000)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn a_delay_path_limits_the_delay_to_its_prefix() {
        let everywhere = Faults::new(FaultConfig {
            delay: Duration::from_millis(5),
            ..FaultConfig::default()
        });
        assert!(everywhere.delays("/api/contacts") && everywhere.delays("/api/search"));
        let search_only = Faults::new(FaultConfig {
            delay: Duration::from_millis(5),
            delay_path: Some("/api/search".into()),
            ..FaultConfig::default()
        });
        assert!(search_only.delays("/api/search"));
        assert!(search_only.delays("/api/search/suggest"));
        assert!(!search_only.delays("/api/contacts"));
        assert!(!Faults::new(FaultConfig::default()).delays("/api/search"));
    }

    #[test]
    fn no_faults_by_default() {
        assert!(!Faults::new(FaultConfig::default()).any());
    }
}
