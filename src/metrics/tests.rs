//! Recorder tests: exact counts from many tasks, percentiles from merged histograms, a deterministic
//! window sequence (driven through `Recorder::advance`), late data, and the interval log read back.

use std::time::{Duration, Instant};

use super::hlog::{SEND_TAG, read_hlog};
use super::local::error_kind;
use super::*;
use crate::model::histogram::new_latency_histogram;
use crate::model::{ErrorKind, Protocol};

fn config(open_model: bool, hlog: Option<std::path::PathBuf>) -> RecorderConfig {
    RecorderConfig {
        endpoints: vec![
            ("GET /a".into(), "GET".into()),
            ("POST /b".into(), "POST".into()),
        ],
        hlog_path: hlog,
        started: Instant::now(),
        open_model,
    }
}

fn ok(endpoint: usize, latency_us: u64) -> Sample {
    Sample {
        endpoint,
        latency_us,
        send_latency_us: None,
        status: Some(200),
        protocol: Some(Protocol::Http1),
        error: None,
        cache: CacheOutcome::Hit,
        bytes_in: 100,
        bytes_out: 10,
        redirects: 0,
    }
}

fn failed(endpoint: usize, kind: ErrorKind, message: &str) -> Sample {
    Sample {
        status: None,
        protocol: None,
        error: Some((kind, message.into())),
        cache: CacheOutcome::Absent,
        bytes_in: 0,
        ..ok(endpoint, 5_000)
    }
}

#[test]
fn counts_are_exact_across_tasks_and_percentiles_come_from_merged_histograms() {
    let recorder = Recorder::new(config(false, None));
    let mut reference = new_latency_histogram();
    for task in 0..4u64 {
        for i in 0..10_000u64 {
            reference.record(1 + task * 10_000 + i).unwrap();
        }
    }
    std::thread::scope(|scope| {
        for task in 0..4u64 {
            let recorder = recorder.clone();
            scope.spawn(move || {
                let mut local = recorder.local();
                for i in 0..10_000u64 {
                    local.record(&ok((i % 2) as usize, 1 + task * 10_000 + i));
                }
                local.record(&failed(1, ErrorKind::Timeout, "timed out after 5s"));
                local.record(&failed(1, ErrorKind::Status5xx, "503 Service Unavailable"));
            });
        }
    });
    let recorded = recorder.finish_at(Duration::from_secs(1));
    assert_eq!(recorded.unflushed_locals, 0);
    let total = &recorded.total;
    assert_eq!(total.requests, 40_008);
    assert_eq!(total.failures, 8);
    assert_eq!(total.status_counts.get(&200), Some(&40_000));
    // Only responses carry a protocol.
    assert_eq!(
        total.protocols.iter().collect::<Vec<_>>(),
        [(&Protocol::Http1, &40_000)]
    );
    assert_eq!(total.cache.hits, 40_000);
    assert_eq!(total.bytes_in, 4_000_000);
    assert_eq!(total.bytes_out, 400_080);
    assert_eq!(total.method, None, "two methods: no shared one");
    let a = &recorded.endpoints[0];
    let b = &recorded.endpoints[1];
    assert_eq!(
        (a.name.as_str(), a.requests, a.failures),
        ("GET /a", 20_000, 0)
    );
    assert_eq!((b.requests, b.failures), (20_008, 8));
    assert_eq!(
        b.errors[&ErrorKind::Timeout],
        (4, "timed out after 5s".into())
    );
    assert_eq!(b.errors[&ErrorKind::Status5xx].0, 4);
    // The total histogram is the exact merge: every percentile equals the reference's, failures'
    // latency (5 ms) included.
    for _ in 0..8 {
        reference.record(5_000).unwrap();
    }
    assert_eq!(total.latency, reference);
    for q in [0.5, 0.95, 0.99, 0.999] {
        assert_eq!(
            total.latency.value_at_quantile(q),
            reference.value_at_quantile(q)
        );
    }
    assert!(total.send_latency.is_none());
    let windows: u64 = recorded.windows.iter().map(|w| w.requests).sum();
    assert_eq!(windows, 40_008, "windows add up to the total");
}

#[test]
fn windows_follow_the_clock_with_grace_late_data_and_a_folded_tail() {
    let dir = tempfile::tempdir().unwrap();
    let hlog = dir.path().join("latency.hlog");
    let recorder = Recorder::new(config(true, Some(hlog.clone())));
    recorder.set_load(100.0);
    let mut busy = recorder.local();
    let mut idle = recorder.local();
    let sample = |latency| Sample {
        send_latency_us: Some(latency / 2),
        ..ok(0, latency)
    };

    // Second 0: 3 requests, one of them from the task that then goes idle.
    busy.record(&sample(1_000));
    busy.record(&sample(2_000));
    idle.record(&sample(3_000));
    recorder.add_scheduled(4);
    recorder.add_dropped(1);
    recorder.advance(Duration::from_millis(1_050)); // boundary 1 passed, window 0 still open
    assert_eq!(recorder.progress().last_window_rps, None);
    busy.record(&sample(10_000)); // second 1: hands over second 0's two samples first
    busy.flush(); // about to idle for two seconds: hand over now, as the docs ask
    recorder.advance(Duration::from_millis(1_600)); // window 0 closes without `idle`'s sample
    let progress = recorder.progress();
    assert_eq!(progress.last_window_rps, Some(2.0));
    assert_eq!(progress.load, 100.0);
    assert_eq!(progress.dropped, 1);

    recorder.set_load(200.0);
    recorder.advance(Duration::from_millis(2_000));
    // Second 2: nothing at all. Second 3: one request, then `idle` wakes and hands over late.
    recorder.advance(Duration::from_millis(3_000));
    busy.record(&sample(20_000));
    drop(idle);
    recorder.advance(Duration::from_millis(3_700));
    // The run ends at 4.2 s: the responses after 4 s fold into window 3.
    recorder.advance(Duration::from_millis(4_100));
    busy.record(&sample(30_000));
    drop(busy);
    let recorded = recorder.finish_at(Duration::from_millis(4_200));

    let offsets: Vec<u32> = recorded.windows.iter().map(|w| w.offset_secs).collect();
    assert_eq!(offsets, [0, 1, 2, 3]);
    let requests: Vec<u64> = recorded.windows.iter().map(|w| w.requests).collect();
    assert_eq!(
        requests,
        [2, 1, 1, 2],
        "the late sample lands in the oldest open window (2)"
    );
    assert_eq!(recorded.late_samples, 1);
    assert_eq!(recorded.total.requests, 6, "late data still counted");
    let w0 = &recorded.windows[0];
    assert_eq!((w0.p50_us, w0.max_us), (1_000, 2_000));
    assert_eq!((w0.load, w0.dropped), (100.0, 1));
    assert_eq!(recorded.windows[2].load, 200.0);
    let max = new_latency_histogram().highest_equivalent(30_000); // 3 significant digits
    assert_eq!(recorded.windows[3].max_us, max);
    assert_eq!((recorded.scheduled, recorded.dropped), (4, 1));
    assert!(recorded.total.send_latency.is_some());

    // The interval log: one untagged and one `send` line per window, readable back with the
    // standard interval-log reader, counts matching the windows.
    assert_eq!(recorded.hlog_error, None);
    let intervals = read_hlog(&hlog).unwrap();
    let latency: Vec<_> = intervals.iter().filter(|i| i.tag.is_none()).collect();
    let send: Vec<_> = intervals
        .iter()
        .filter(|i| i.tag.as_deref() == Some(SEND_TAG))
        .collect();
    assert_eq!(latency.len(), 4);
    assert_eq!(send.len(), 4, "open model: a send line per window");
    for (interval, window) in latency.iter().zip(&recorded.windows) {
        assert_eq!(
            interval.start,
            Duration::from_secs(window.offset_secs.into())
        );
        assert_eq!(interval.histogram.len(), window.requests);
    }
    assert_eq!(latency[3].length, Duration::from_millis(1_200));
    let text = std::fs::read_to_string(&hlog).unwrap();
    assert!(text.starts_with("#[Histogram log format version 1.3]"));
    assert!(text.contains("#[BaseTime: "));
}

#[test]
fn a_long_final_second_is_its_own_window_and_lags_are_kept() {
    let recorder = Recorder::new(config(true, None));
    let mut local = recorder.local();
    local.record(&ok(0, 100));
    local.record_lag_us(250);
    recorder.record_lag_us(1_000);
    recorder.advance(Duration::from_millis(1_000));
    local.record(&ok(0, 100));
    drop(local);
    let recorded = recorder.finish_at(Duration::from_millis(1_700));
    assert_eq!(recorded.windows.len(), 2);
    assert_eq!(recorded.windows[1].requests, 1);
    let lag = recorded.schedule_lag.expect("lags recorded");
    assert_eq!((lag.len(), lag.max()), (2, 1_000));
}

#[test]
fn live_locals_are_reported_and_an_unwritable_log_does_not_stop_the_run() {
    let recorder = Recorder::new(config(
        false,
        Some("/nonexistent-dir/for/sure/latency.hlog".into()),
    ));
    let mut forgotten = recorder.local();
    forgotten.record(&ok(0, 100));
    let recorded = recorder.clone().finish_at(Duration::from_millis(300));
    assert_eq!(recorded.unflushed_locals, 1);
    assert_eq!(recorded.total.requests, 0);
    assert!(
        recorded
            .hlog_error
            .as_deref()
            .is_some_and(|e| e.contains("/nonexistent-dir")),
        "{:?}",
        recorded.hlog_error
    );
    assert_eq!(recorded.windows.len(), 1);
    drop(forgotten); // flushing after finish is harmless
    assert_eq!(recorder.progress().requests, 0);
}

#[test]
fn error_kinds_round_trip_through_their_code() {
    for kind in [
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
    ] {
        assert_eq!(error_kind(kind as u8), Some(kind));
    }
}

#[tokio::test]
async fn the_ticker_advances_the_clock_and_stops_after_finish() {
    // A start 2.6 s ago: the ticker's first tick passes two boundaries and closes windows 0 and 1.
    let Some(started) = Instant::now().checked_sub(Duration::from_millis(2_600)) else {
        return; // a machine up for less than 3 s
    };
    let recorder = Recorder::new(RecorderConfig {
        started,
        ..config(false, None)
    });
    let ticker = recorder.start_ticker();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(recorder.progress().last_window_rps, Some(0.0));
    let recorded = recorder.clone().finish_at(Duration::from_secs(3));
    assert_eq!(recorded.windows.len(), 3);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(ticker.is_finished());
}

#[test]
fn template_failures_are_counted_but_kept_out_of_every_latency_histogram() {
    let dir = tempfile::tempdir().unwrap();
    let hlog = dir.path().join("latency.hlog");
    let recorder = Recorder::new(config(true, Some(hlog.clone())));
    let mut local = recorder.local();
    for _ in 0..3 {
        local.record(&Sample {
            send_latency_us: Some(4_000),
            ..ok(0, 8_000)
        });
    }
    // Never sent: what the request path hands over for a placeholder without a value.
    for _ in 0..5 {
        local.record(&Sample {
            latency_us: 1,
            ..failed(0, ErrorKind::Template, "path: no value for 'token'")
        });
    }
    drop(local);
    let recorded = recorder.finish_at(Duration::from_millis(900));
    let a = &recorded.endpoints[0];
    assert_eq!((a.requests, a.failures), (8, 5));
    assert_eq!(a.errors[&ErrorKind::Template].0, 5);
    assert_eq!(a.latency.len(), 3, "only the sent requests are timed");
    assert_eq!(
        a.latency.min(),
        new_latency_histogram().lowest_equivalent(8_000)
    );
    assert_eq!(a.send_latency.as_ref().map(|h| h.len()), Some(3));
    assert_eq!(recorded.total.latency.len(), 3);
    assert_eq!(recorded.total.requests, 8);
    let window = &recorded.windows[0];
    assert_eq!((window.requests, window.failures), (8, 5));
    assert_eq!(
        window.p50_us,
        new_latency_histogram().highest_equivalent(8_000)
    );
    let intervals = read_hlog(&hlog).unwrap();
    let untagged: Vec<_> = intervals.iter().filter(|i| i.tag.is_none()).collect();
    assert_eq!(untagged.len(), 1);
    assert_eq!(untagged[0].histogram.len(), 3);
}
