//! The shared half of the recorder, behind one mutex taken once per batch (not per sample): the
//! whole-run accumulators per endpoint, the open per-second windows, and their closing into small
//! `Window` summaries plus lines of `latency.hlog`.
//!
//! Windows: window `n` holds samples completed during second `[n, n+1)` of the measured phase. It
//! stays open for a grace period after its second ends ([`GRACE`]) so tasks can hand over what
//! they buffered during it; then it is closed: summarized, written to the interval log and
//! dropped. Data for an already closed window (late data from an idle task) goes into the oldest
//! open window and is counted in `late_samples`; totals are exact regardless.
//!
//! Requests that were never sent (`template` failures) count as requests and failures but stay out
//! of the latency histograms: they have no latency, and a pile of 1 µs "responses" would drag the
//! percentiles down exactly when something is wrong.

use std::collections::VecDeque;
use std::time::Duration;

use hdrhistogram::Histogram;

use super::hlog::{HlogWriter, SEND_TAG};
use super::local::{Batch, NO_ERROR, NO_SEND, error_kind};
use super::recorded::EndpointRecord;
use super::sample::CacheOutcome;
use crate::model::Window;
use crate::model::histogram::new_latency_histogram;

/// How long a window stays open after its second ends.
pub(crate) const GRACE: Duration = Duration::from_millis(500);

/// A second still collecting data.
pub(crate) struct OpenWindow {
    latency: Histogram<u64>,
    send: Option<Histogram<u64>>,
    requests: u64,
    failures: u64,
    cache_hits: u64,
    cache_misses: u64,
    /// Load level and dropped starts, set when the second ends.
    load: f64,
    dropped: u64,
}

impl OpenWindow {
    fn new(spare: Option<Histogram<u64>>, load: f64) -> OpenWindow {
        OpenWindow {
            latency: spare.unwrap_or_else(new_latency_histogram),
            send: None,
            requests: 0,
            failures: 0,
            cache_hits: 0,
            cache_misses: 0,
            load,
            dropped: 0,
        }
    }

    fn absorb(&mut self, other: OpenWindow) {
        let _ = self.latency.add(&other.latency);
        if let Some(send) = &other.send {
            let _ = self
                .send
                .get_or_insert_with(new_latency_histogram)
                .add(send);
        }
        self.requests += other.requests;
        self.failures += other.failures;
        self.cache_hits += other.cache_hits;
        self.cache_misses += other.cache_misses;
        self.dropped += other.dropped;
        self.load = other.load;
    }
}

/// State behind the recorder's mutex.
pub(crate) struct Aggregator {
    /// Open model: every window also gets a `send` line in the log (empty when no data).
    open_model: bool,
    pub endpoints: Vec<EndpointRecord>,
    /// Open windows; `open[i]` is window `first_open + i`.
    open: VecDeque<OpenWindow>,
    first_open: u32,
    pub closed: Vec<Window>,
    pub lag: Option<Histogram<u64>>,
    hlog: Option<HlogWriter>,
    pub hlog_error: Option<String>,
    /// Dropped-start counter value at the last second boundary.
    dropped_at_boundary: u64,
    /// Highest second boundary passed so far.
    pub boundary: u32,
    pub finished: bool,
    pub late_samples: u64,
    pub requests: u64,
    pub failures: u64,
    /// A reused histogram from a closed window.
    spare: Option<Histogram<u64>>,
}

impl Aggregator {
    pub(crate) fn new(
        open_model: bool,
        endpoints: Vec<EndpointRecord>,
        hlog: Option<HlogWriter>,
        hlog_error: Option<String>,
    ) -> Aggregator {
        Aggregator {
            open_model,
            endpoints,
            open: VecDeque::new(),
            first_open: 0,
            closed: Vec::new(),
            lag: None,
            hlog,
            hlog_error,
            dropped_at_boundary: 0,
            boundary: 0,
            finished: false,
            late_samples: 0,
            requests: 0,
            failures: 0,
            spare: None,
        }
    }

    /// The open window for `index`, opening windows up to it; late data goes to the oldest open one.
    fn window_mut(&mut self, index: u32, load: f64) -> (&mut OpenWindow, bool) {
        let late = index < self.first_open;
        let index = index.max(self.first_open);
        let slot = (index - self.first_open) as usize;
        while self.open.len() <= slot {
            let spare = self.spare.take();
            self.open.push_back(OpenWindow::new(spare, load));
        }
        (&mut self.open[slot], late)
    }

    /// Adds a task's batch.
    pub(crate) fn absorb(&mut self, batch: &Batch, load: f64) {
        if self.finished {
            // After `finish` the figures have been handed over; nothing can be added to them.
            return;
        }
        if !batch.lags.is_empty() {
            let lag = self.lag.get_or_insert_with(new_latency_histogram);
            for us in &batch.lags {
                lag.saturating_record(*us);
            }
        }
        if batch.entries.is_empty() {
            return;
        }
        for entry in &batch.entries {
            let index = entry.endpoint as usize;
            if index >= self.endpoints.len() {
                // An index outside `Plan::endpoints()` is an engine bug; keep the data visible
                // under a placeholder name rather than lose it or panic.
                for i in self.endpoints.len()..=index.min(self.endpoints.len() + 1024) {
                    self.endpoints
                        .push(EndpointRecord::new(&format!("endpoint #{i}"), None));
                }
            }
            let Some(ep) = self.endpoints.get_mut(index) else {
                continue;
            };
            if entry.timed() {
                ep.latency.saturating_record(entry.latency_us);
            }
            if entry.send_us != NO_SEND && entry.timed() {
                ep.send_latency
                    .get_or_insert_with(new_latency_histogram)
                    .saturating_record(entry.send_us);
            }
            ep.requests += 1;
            if entry.status != 0 {
                *ep.status_counts.entry(entry.status).or_default() += 1;
            }
            if let Some(protocol) = entry.protocol {
                *ep.protocols.entry(protocol).or_default() += 1;
            }
            if entry.error != NO_ERROR {
                ep.failures += 1;
                if let Some(kind) = error_kind(entry.error) {
                    let message = batch
                        .messages
                        .iter()
                        .find(|(e, k, _)| *e == entry.endpoint && *k == kind)
                        .map(|(_, _, m)| m.as_str())
                        .unwrap_or("");
                    ep.errors
                        .entry(kind)
                        .or_insert_with(|| (0, message.to_string()))
                        .0 += 1;
                }
            }
            match entry.cache {
                CacheOutcome::Hit => ep.cache.hits += 1,
                CacheOutcome::Miss => ep.cache.misses += 1,
                CacheOutcome::Other => ep.cache.other += 1,
                CacheOutcome::Absent => {}
            }
            ep.bytes_in += entry.bytes_in;
            ep.bytes_out += entry.bytes_out;
            ep.redirects += u64::from(entry.redirects);
        }
        let (window, late) = self.window_mut(batch.window, load);
        let mut failures = 0;
        for entry in &batch.entries {
            if entry.timed() {
                window.latency.saturating_record(entry.latency_us);
            }
            if entry.send_us != NO_SEND && entry.timed() {
                window
                    .send
                    .get_or_insert_with(new_latency_histogram)
                    .saturating_record(entry.send_us);
            }
            window.requests += 1;
            if entry.error != NO_ERROR {
                window.failures += 1;
                failures += 1;
            }
            match entry.cache {
                CacheOutcome::Hit => window.cache_hits += 1,
                CacheOutcome::Miss => window.cache_misses += 1,
                _ => {}
            }
        }
        let n = batch.entries.len() as u64;
        if late {
            self.late_samples += n;
        }
        self.requests += n;
        self.failures += failures;
    }

    /// Passes the boundaries up to second `second` (exclusive of nothing: boundary `n` ends
    /// window `n - 1`), stamping each ended window with the load and the starts dropped in it.
    pub(crate) fn pass_boundaries(&mut self, second: u32, load: f64, dropped_total: u64) {
        if second <= self.boundary {
            return;
        }
        // Attribute everything dropped since the last boundary to the window that just ended.
        let ended = second - 1;
        let dropped = dropped_total.saturating_sub(self.dropped_at_boundary);
        self.dropped_at_boundary = dropped_total;
        for w in self.boundary..second {
            if w < self.first_open {
                continue;
            }
            let (window, _) = self.window_mut(w, load);
            window.load = load;
            if w == ended {
                window.dropped += dropped;
            }
        }
        self.boundary = second;
    }

    /// Closes every open window below `until` (exclusive).
    pub(crate) fn close_until(&mut self, until: u32) {
        while self.first_open < until {
            let window = self
                .open
                .pop_front()
                .unwrap_or_else(|| OpenWindow::new(self.spare.take(), 0.0));
            self.close(self.first_open, window, Duration::from_secs(1));
            self.first_open += 1;
        }
    }

    /// Ends the recording at `end`: windows after the last one fold into it, everything closes.
    /// The last window is the one containing `end`, or the one before it when less than half of
    /// the final second had passed (so a run of 5.003 s has five windows, not a sixth holding the
    /// few responses that were still in flight).
    pub(crate) fn finish(&mut self, end: Duration, load: f64, dropped_total: u64) {
        let whole = u32::try_from(end.as_secs()).unwrap_or(u32::MAX);
        self.pass_boundaries(whole, load, dropped_total);
        let last = if end.subsec_millis() < 500 && whole >= 1 {
            whole - 1
        } else {
            whole
        };
        let last = last.max(self.first_open);
        // Fold windows after `last` into it.
        let keep = (last - self.first_open) as usize + 1;
        if self.open.len() > keep {
            let tail: Vec<OpenWindow> = self.open.drain(keep..).collect();
            let (target, _) = self.window_mut(last, load);
            for w in tail {
                target.absorb(w);
            }
        }
        // The tail's dropped starts since the last boundary belong to the last window.
        let rest = dropped_total.saturating_sub(self.dropped_at_boundary);
        self.dropped_at_boundary = dropped_total;
        let (target, _) = self.window_mut(last, load);
        target.dropped += rest;
        if last >= whole {
            target.load = load;
        }
        self.close_until(last);
        if let Some(window) = self.open.pop_front() {
            let length = end
                .saturating_sub(Duration::from_secs(u64::from(last)))
                .max(Duration::from_millis(1));
            self.close(last, window, length);
            self.first_open = last + 1;
        }
        if let Some(hlog) = &mut self.hlog
            && let Err(e) = hlog.flush()
        {
            self.hlog_error.get_or_insert_with(|| e.to_string());
        }
        self.hlog = None;
        self.finished = true;
    }

    fn close(&mut self, index: u32, mut window: OpenWindow, length: Duration) {
        let h = &window.latency;
        let summary = Window {
            offset_secs: index,
            requests: window.requests,
            failures: window.failures,
            p50_us: if h.is_empty() {
                0
            } else {
                h.value_at_quantile(0.50)
            },
            p95_us: if h.is_empty() {
                0
            } else {
                h.value_at_quantile(0.95)
            },
            p99_us: if h.is_empty() {
                0
            } else {
                h.value_at_quantile(0.99)
            },
            max_us: if h.is_empty() { 0 } else { h.max() },
            cache_hits: window.cache_hits,
            cache_misses: window.cache_misses,
            load: window.load,
            dropped: window.dropped,
        };
        if let Some(hlog) = &mut self.hlog {
            let start = Duration::from_secs(u64::from(index));
            let mut result = hlog.write(&window.latency, start, length, None);
            if result.is_ok() && self.open_model {
                let send = window.send.take().unwrap_or_else(new_latency_histogram);
                result = hlog.write(&send, start, length, Some(SEND_TAG));
            }
            if result.is_ok() {
                result = hlog.flush();
            }
            if let Err(e) = result {
                // The run goes on without the log; the error is reported with the results.
                self.hlog_error.get_or_insert_with(|| e.to_string());
                self.hlog = None;
            }
        }
        self.closed.push(summary);
        window.latency.reset();
        self.spare = Some(window.latency);
    }
}
