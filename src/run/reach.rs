//! Is the target there? Checked once before any load, so an unreachable target ends the run within
//! a few seconds with a clear message and exit 3, rather than a run full of connect errors
//! pretending to be a measurement.

use std::time::Duration;

use http::Request;

use crate::engine::client::{BaseUrl, Body, ClientError, Conn, HttpClient};
use crate::model::ErrorKind;
use crate::scenario::plan::TargetSpec;

/// Longest we wait for the check, whatever the scenario's request timeout.
pub const REACH_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the target could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("the target {url} is unreachable: {reason}")]
pub struct Unreachable {
    pub url: String,
    pub reason: String,
}

/// Sends one `GET` to the base URL with the engine's own client (so in the HTTP version the
/// scenario asks for, h2c included): any HTTP answer (even a 404 or a 500) means reachable; a
/// refused connection, a name that does not resolve, a TLS failure or no answer within
/// `min(timeout, REACH_TIMEOUT)` means not.
pub async fn check_reachable(base_url: &str, target: &TargetSpec) -> Result<(), Unreachable> {
    let timeout = target.timeout.min(REACH_TIMEOUT);
    let unreachable = |reason: String| Unreachable {
        url: base_url.to_string(),
        reason,
    };
    let client = HttpClient::for_target(&TargetSpec {
        timeout,
        ..target.clone()
    })
    .map_err(|e| unreachable(e.to_string()))?;
    let base = BaseUrl::parse(base_url).map_err(|e| unreachable(e.to_string()))?;
    let request = base
        .uri(format!("{}/", base.prefix))
        .map_err(|e| e.to_string())
        .and_then(|uri| {
            Request::get(uri)
                .header(http::header::HOST, base.host())
                .body(Body::default())
                .map_err(|e| e.to_string())
        })
        .map_err(unreachable)?;
    match client.send(&mut Conn::new(), request, false).await {
        Ok(_) => Ok(()),
        Err(e) => Err(unreachable(describe(&e, timeout))),
    }
}

/// The most telling words for a failed check: what kind it was, and the client's message.
fn describe(error: &ClientError, timeout: Duration) -> String {
    match error.kind {
        ErrorKind::Timeout => format!(
            "no answer within {} s (is the address right, and is it listening?)",
            timeout.as_secs_f64()
        ),
        ErrorKind::Connect => format!("cannot connect: {}", error.message),
        _ => format!("no valid HTTP answer: {}", error.message),
    }
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
        let url = format!("http://127.0.0.1:{port}");
        let plan = crate::scenario::load_bytes(
            format!("[target]\nurl = \"{url}\"\n[load]\nrate = \"1/s\"\nduration = \"1s\"\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\npath = \"/\"\n").as_bytes(),
            std::path::Path::new("t.toml"),
            &|_| None,
        )
        .unwrap();
        let err = check_reachable(&url, &plan.target)
            .await
            .expect_err("nothing listens there");
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(err.to_string().contains("cannot connect"), "{err}");
    }
}
