//! The per-task half of the recorder: the hot path. A `LocalRecorder` appends each sample to a small
//! buffer of plain entries (no lock, no channel, no allocation once warmed up) and hands the batch to
//! the shared aggregator when the current second changes, when the buffer is full, on `flush()` and
//! on drop, so the shared lock is taken about once per second per task, or once per few hundred
//! requests. Keeping raw entries rather than per-task histograms keeps each task's memory small
//! (a histogram of 1 µs .. 1 h at 3 digits is ~190 KB), which matters with thousands of users.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::recorder::Shared;
use super::sample::{CacheOutcome, Sample};
use crate::model::{ErrorKind, Protocol};

/// Entries buffered before a hand-over even when the second has not changed.
const BATCH: usize = 512;

/// `send_us` value meaning "no send latency".
pub(crate) const NO_SEND: u64 = u64::MAX;
/// `error` value meaning "success".
pub(crate) const NO_ERROR: u8 = u8::MAX;

/// A sample as buffered: plain numbers only, 48 bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub latency_us: u64,
    pub send_us: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub endpoint: u32,
    /// Redirects followed (at most [`crate::scenario::plan`]'s limit, so a `u16` holds them).
    pub redirects: u16,
    /// 0 when no response arrived.
    pub status: u16,
    pub cache: CacheOutcome,
    /// `ErrorKind as u8`, or [`NO_ERROR`].
    pub error: u8,
    /// `None` when no response arrived.
    pub protocol: Option<Protocol>,
}

impl Entry {
    /// Whether the request was sent and timed. A `template` failure (a placeholder had no value)
    /// never went out: it counts as a request and a failure, but has no latency to record.
    #[inline]
    pub fn timed(&self) -> bool {
        self.error != ErrorKind::Template as u8
    }
}

/// A batch handed to the aggregator.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// The window (second) the entries were recorded in.
    pub window: u32,
    pub entries: Vec<Entry>,
    /// The first message of each (endpoint, kind) seen in this batch.
    pub messages: Vec<(u32, ErrorKind, String)>,
    /// Schedule lags, µs.
    pub lags: Vec<u64>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.lags.is_empty()
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.messages.clear();
        self.lags.clear();
    }
}

/// Records samples for one task without contention; obtained from `Recorder::local`.
///
/// Hand-over happens when the recorder's current second changes *and this task records again*, so
/// a task that goes idle (think time, a slow response) should call [`LocalRecorder::flush`] before a
/// long wait; otherwise its samples reach the recorder late and are counted in the next open window
/// (totals stay exact either way). Dropping the recorder flushes it.
pub struct LocalRecorder {
    shared: Arc<Shared>,
    batch: Batch,
}

impl LocalRecorder {
    pub(crate) fn new(shared: Arc<Shared>) -> LocalRecorder {
        shared.live_locals.fetch_add(1, Ordering::Relaxed);
        let window = shared.epoch.load(Ordering::Relaxed);
        LocalRecorder {
            shared,
            batch: Batch {
                window,
                ..Batch::default()
            },
        }
    }

    /// Records one request. Cheap: an atomic load and a push into a local buffer.
    #[inline]
    pub fn record(&mut self, sample: &Sample) {
        self.roll_window();
        let (error, message) = match &sample.error {
            None => (NO_ERROR, None),
            Some((kind, message)) => (*kind as u8, Some((*kind, message))),
        };
        let endpoint = u32::try_from(sample.endpoint).unwrap_or(u32::MAX);
        self.batch.entries.push(Entry {
            latency_us: sample.latency_us,
            send_us: sample.send_latency_us.unwrap_or(NO_SEND),
            bytes_in: sample.bytes_in,
            bytes_out: sample.bytes_out,
            endpoint,
            redirects: u16::try_from(sample.redirects).unwrap_or(u16::MAX),
            status: sample.status.unwrap_or(0),
            cache: sample.cache,
            error,
            protocol: sample.protocol,
        });
        if let Some((kind, message)) = message
            && !self
                .batch
                .messages
                .iter()
                .any(|(e, k, _)| *e == endpoint && *k == kind)
        {
            self.batch.messages.push((endpoint, kind, message.clone()));
        }
        if self.batch.entries.len() >= BATCH {
            self.flush();
        }
    }

    /// Records how late a start was issued against the schedule (open model), µs.
    #[inline]
    pub fn record_lag_us(&mut self, us: u64) {
        self.roll_window();
        self.batch.lags.push(us);
        if self.batch.lags.len() >= BATCH {
            self.flush();
        }
    }

    /// Hands everything buffered to the recorder now.
    pub fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        self.shared.absorb(&self.batch);
        self.batch.clear();
    }

    /// Hands the buffer over when the recorder's second has moved on since it was filled.
    #[inline]
    fn roll_window(&mut self) {
        let now = self.shared.epoch.load(Ordering::Relaxed);
        if now != self.batch.window {
            self.flush();
            self.batch.window = now;
        }
    }
}

impl Drop for LocalRecorder {
    fn drop(&mut self) {
        self.flush();
        self.shared.live_locals.fetch_sub(1, Ordering::Relaxed);
    }
}

/// `ErrorKind` back from its `u8` form in an [`Entry`].
pub(crate) fn error_kind(code: u8) -> Option<ErrorKind> {
    const KINDS: [ErrorKind; 10] = [
        ErrorKind::Connect,
        ErrorKind::Timeout,
        ErrorKind::Tls,
        ErrorKind::Protocol,
        ErrorKind::RateLimited,
        ErrorKind::Status4xx,
        ErrorKind::Status5xx,
        ErrorKind::Check,
        ErrorKind::Template,
        ErrorKind::Other,
    ];
    KINDS.into_iter().find(|k| *k as u8 == code)
}
