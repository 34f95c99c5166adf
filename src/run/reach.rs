//! Is the target there? Checked once before any load, so an unreachable target ends the run within
//! a few seconds with a clear message and exit 3, rather than a run full of connect errors
//! pretending to be a measurement.

use std::time::Duration;

use crate::scenario::plan::TlsTrust;

/// Longest we wait for the check, whatever the scenario's request timeout.
pub const REACH_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the target could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("the target {url} is unreachable: {reason}")]
pub struct Unreachable {
    pub url: String,
    pub reason: String,
}

/// Sends one `GET` to the base URL: any HTTP answer (even a 404 or a 500) means reachable; a
/// refused connection, a name that does not resolve, a TLS failure or no answer within
/// `min(timeout, REACH_TIMEOUT)` means not.
pub async fn check_reachable(
    base_url: &str,
    timeout: Duration,
    tls: &TlsTrust,
) -> Result<(), Unreachable> {
    let timeout = timeout.min(REACH_TIMEOUT);
    let unreachable = |reason: String| Unreachable {
        url: base_url.to_string(),
        reason,
    };
    let client = crate::engine::tls::reqwest_builder(tls)
        .map_err(|e| unreachable(e.to_string()))?
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| unreachable(format!("cannot build an HTTP client: {e}")))?;
    match client.get(format!("{base_url}/")).send().await {
        Ok(_) => Ok(()),
        Err(e) => Err(unreachable(describe(&e, timeout))),
    }
}

/// The most telling words for a failed check: the innermost cause, plus what kind it was.
fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!(
            "no answer within {} s (is the address right, and is it listening?)",
            timeout.as_secs_f64()
        );
    }
    let mut cause: &dyn std::error::Error = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let kind = if error.is_connect() {
        "cannot connect"
    } else {
        "no valid HTTP answer"
    };
    format!("{kind}: {cause}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_closed_port_is_reported_quickly() {
        // Bind then drop: the port is very likely closed afterwards.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(1);
        let started = std::time::Instant::now();
        let err = check_reachable(
            &format!("http://127.0.0.1:{port}"),
            Duration::from_secs(10),
            &TlsTrust::Platform,
        )
        .await
        .expect_err("nothing listens there");
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(err.to_string().contains("cannot connect"), "{err}");
    }
}
