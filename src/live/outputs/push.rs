//! Pushing to one receiver, whatever its protocol: once a second the run's points go to it in one
//! POST (encoded by [`super::remote_write`] or [`super::otlp`]), on a task of their own so the feed
//! never waits for the network; while one is in flight the next second is skipped (counters are
//! cumulative, nothing is lost). At the end the final points are sent and waited for (bounded by
//! [`super::PUSH_TIMEOUT`]).

use std::time::SystemTime;

use tokio::task::JoinHandle;

use super::series::Point;
use super::{PUSH_TIMEOUT, otlp, remote_write};
use crate::scenario::output::{OutputKind, OutputTarget};

/// One receiver.
pub struct Sink {
    target: OutputTarget,
    client: reqwest::Client,
    run_labels: Vec<(&'static str, String)>,
    /// When the counters started counting (OTLP says so with every cumulative point).
    started_at: SystemTime,
    in_flight: Option<JoinHandle<Result<(), String>>>,
    /// Timestamp of the last push: each push is later than the one before, as the receiver
    /// requires of a series' samples.
    last_ms: i64,
    pushes: u64,
    failed: u64,
    first_error: Option<String>,
}

impl Sink {
    /// A sink for `target` whose counters count from `started_at`; `Err` says why it cannot be fed
    /// (a warning, never an abort).
    pub fn new(
        target: &OutputTarget,
        run_labels: Vec<(&'static str, String)>,
        started_at: SystemTime,
    ) -> Result<Sink, String> {
        let client = reqwest::Client::builder()
            .timeout(PUSH_TIMEOUT)
            .build()
            .map_err(|e| format!("output {target}: cannot build an HTTP client: {e}"))?;
        Ok(Sink {
            target: target.clone(),
            client,
            run_labels,
            started_at,
            in_flight: None,
            last_ms: 0,
            pushes: 0,
            failed: 0,
            first_error: None,
        })
    }

    /// Sends `points` now unless the previous push is still under way.
    pub fn push(&mut self, points: &[Point]) {
        if self.in_flight.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        if let Some(done) = self.in_flight.take() {
            self.collect(futures_util::FutureExt::now_or_never(done));
        }
        self.in_flight = Some(self.send(points));
    }

    /// Sends the final `points` after the push in flight, waits for both; the warning, if any.
    pub async fn finish(mut self, points: &[Point]) -> Option<String> {
        if let Some(task) = self.in_flight.take() {
            self.collect(Some(task.await));
        }
        let last = self.send(points);
        self.collect(Some(last.await));
        let first = self.first_error.as_ref()?;
        Some(format!(
            "output {}: {} of {} pushes failed (first: {first}); the run's own figures are \
             complete in results.json",
            self.target, self.failed, self.pushes
        ))
    }

    fn collect(&mut self, outcome: Option<Result<Result<(), String>, tokio::task::JoinError>>) {
        let error = match outcome {
            None | Some(Ok(Ok(()))) => return,
            Some(Ok(Err(e))) => e,
            Some(Err(e)) => format!("the push task failed: {e}"),
        };
        self.failed += 1;
        self.first_error.get_or_insert(error);
    }

    fn send(&mut self, points: &[Point]) -> JoinHandle<Result<(), String>> {
        self.pushes += 1;
        self.last_ms = remote_write::now_ms().max(self.last_ms + 1);
        let (body, headers) = match self.target.kind {
            OutputKind::Prometheus => (
                remote_write::encode(&remote_write::write_request(
                    points,
                    &self.run_labels,
                    self.last_ms,
                )),
                &remote_write::HEADERS[..],
            ),
            OutputKind::Otlp => (
                Ok(otlp::encode(&otlp::export_request(
                    points,
                    &self.run_labels,
                    self.started_at,
                    self.last_ms,
                ))),
                &otlp::HEADERS[..],
            ),
        };
        let mut request = self.client.post(&self.target.url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        tokio::spawn(async move {
            let response = request
                .body(body?)
                .send()
                .await
                .map_err(|e| without_url(&e))?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let text = response.text().await.unwrap_or_default();
            Err(format!(
                "HTTP {status}: {}",
                text.trim().chars().take(200).collect::<String>()
            ))
        })
    }
}

/// A request error's message without the URL (it may carry credentials).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}
