//! A deterministic results file the size of a one-hour run: 3,600 one-second windows, ten
//! endpoints with real HdrHistograms, resource samples at 1 Hz, server cache scrapes every 5 s in
//! four namespaces, errors, findings and trials. Built on the example fixture's context (tool,
//! host, scenario) so only the figures are made up.

use std::collections::BTreeMap;

use stampede::model::histogram::{encode, new_latency_histogram, summarize};
use stampede::model::{
    CacheCounts, EndpointStats, ErrorCount, ErrorKind, Finding, LoadStep, ResourceSample,
    ServerCache, ServerCacheSample, TrialStats, TrialSummary, Window,
};
use stampede::results::RunResult;

use super::fixture;

/// A small deterministic pseudo-random sequence (xorshift), so the file is the same every time.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const ENDPOINTS: [&str; 10] = [
    "GET /api/activities",
    "GET /api/companies",
    "GET /api/companies/{id}",
    "GET /api/contacts",
    "GET /api/contacts/{contact_id}",
    "GET /api/deals",
    "GET /api/leads",
    "log call",
    "login",
    "search",
];

/// The synthetic one-hour result.
pub fn one_hour_result() -> RunResult {
    let mut result = fixture("example");
    let secs: u32 = 3600;
    let mut noise = Noise(0x5eed_cafe_f00d_1234);
    result.scenario.name = "endurance-1h".into();
    result.scenario.kind = "endurance".into();
    result.duration_secs = f64::from(secs);
    result.load.model = "open".into();
    result.load.summary = "open model: 200/s for 1h".into();

    let mut total_hist = new_latency_histogram();
    let mut endpoints = Vec::new();
    for (i, name) in ENDPOINTS.iter().enumerate() {
        let mut hist = new_latency_histogram();
        let base = 2_000.0 + 1_500.0 * i as f64;
        let requests: u64 = 20_000 + 9_000 * (i as u64 % 4);
        for _ in 0..requests {
            let r = noise.next();
            // A long tail: mostly near the base, a few hundred times slower.
            let us = base
                * (1.0
                    + 3.0 * r * r
                    + if r > 0.999 {
                        200.0 * (r - 0.999) * 1000.0
                    } else {
                        0.0
                    });
            hist.saturating_record(us as u64);
        }
        total_hist.add(&hist).expect("same bounds");
        let failures = if i % 3 == 0 { requests / 200 } else { 0 };
        let errors = if failures > 0 {
            vec![
                ErrorCount {
                    kind: ErrorKind::Status5xx,
                    count: failures - failures / 4,
                    sample: "503 Service Unavailable: {\"error\":\"database is locked\"}".into(),
                },
                ErrorCount {
                    kind: ErrorKind::Timeout,
                    count: failures / 4,
                    sample: "no response within 5s".into(),
                },
            ]
        } else {
            Vec::new()
        };
        let mut status_counts = BTreeMap::from([("200".to_string(), requests - failures)]);
        if failures > 0 {
            status_counts.insert("503".into(), failures - failures / 4);
        }
        endpoints.push(EndpointStats {
            name: (*name).to_string(),
            method: Some(
                if *name == "login" || *name == "log call" {
                    "POST"
                } else {
                    "GET"
                }
                .into(),
            ),
            requests,
            successes: requests - failures,
            failures,
            rps: requests as f64 / f64::from(secs),
            bytes_received: requests * 2_300,
            bytes_sent: requests * 120,
            redirects: 0,
            status_counts,
            protocols: BTreeMap::new(),
            errors,
            latency: summarize(&hist),
            histogram: encode(&hist).expect("encode"),
            send_latency: None,
            send_histogram: None,
            cache: CacheCounts {
                hits: requests * (i as u64 % 5) / 5,
                misses: requests - requests * (i as u64 % 5) / 5,
                other: 0,
            },
        });
    }
    let mut totals = result.totals.clone();
    totals.requests = endpoints.iter().map(|e| e.requests).sum();
    totals.failures = endpoints.iter().map(|e| e.failures).sum();
    totals.successes = totals.requests - totals.failures;
    totals.rps = totals.requests as f64 / f64::from(secs);
    totals.latency = summarize(&total_hist);
    totals.histogram = encode(&total_hist).expect("encode");
    totals.errors = Vec::new();
    totals.cache = CacheCounts {
        hits: endpoints.iter().map(|e| e.cache.hits).sum(),
        misses: endpoints.iter().map(|e| e.cache.misses).sum(),
        other: 0,
    };
    totals.status_counts = BTreeMap::from([
        ("200".to_string(), totals.successes),
        (
            "503".to_string(),
            endpoints
                .iter()
                .flat_map(|e| e.status_counts.get("503"))
                .sum(),
        ),
    ]);
    result.cache.client = totals.cache;
    result.totals = totals;
    result.endpoints = endpoints;

    result.timeseries = (0..secs)
        .map(|t| {
            let wave = (f64::from(t) / 300.0).sin();
            let spike = if t % 900 == 450 { 40_000.0 } else { 0.0 };
            let requests = (200.0 + 20.0 * wave + 10.0 * noise.next()) as u64;
            Window {
                offset_secs: t,
                requests,
                failures: u64::from(noise.next() > 0.97) * 3,
                p50_us: (4_000.0 + 500.0 * wave + 300.0 * noise.next()) as u64,
                p95_us: (12_000.0 + 2_000.0 * wave + 2_000.0 * noise.next()) as u64,
                p99_us: (25_000.0 + 4_000.0 * noise.next() + spike) as u64,
                max_us: (60_000.0 + 20_000.0 * noise.next() + spike) as u64,
                cache_hits: requests / 2,
                cache_misses: requests - requests / 2,
                load: 200.0,
                dropped: 0,
            }
        })
        .collect();
    result.resources = (0..secs)
        .map(|t| ResourceSample {
            offset_secs: f64::from(t),
            generator_cpu_percent: 35.0 + 10.0 * noise.next(),
            generator_rss_bytes: 60_000_000 + u64::from(t) * 2_000,
            target_cpu_percent: Some(80.0 + 30.0 * noise.next()),
            target_rss_bytes: Some(300_000_000 + u64::from(t) * 20_000),
        })
        .collect();
    let namespaces = ["analytics", "lists", "records", "search"];
    let mut cumulative: BTreeMap<String, CacheCounts> = BTreeMap::new();
    let samples: Vec<ServerCacheSample> = (0..=secs / 5)
        .map(|k| {
            for (i, ns) in namespaces.iter().enumerate() {
                let c = cumulative.entry((*ns).to_string()).or_default();
                let seen = 200 + 50 * i as u64;
                let hits = (seen as f64 * (0.3 + 0.15 * i as f64 + 0.1 * noise.next())) as u64;
                c.hits += hits;
                c.misses += seen - hits;
            }
            ServerCacheSample {
                offset_secs: f64::from(k * 5),
                namespaces: cumulative.clone(),
            }
        })
        .collect();
    let last = samples
        .last()
        .map(|s| s.namespaces.clone())
        .unwrap_or_default();
    result.cache.server = Some(ServerCache {
        metrics_path: "/metrics".into(),
        total: CacheCounts {
            hits: last.values().map(|c| c.hits).sum(),
            misses: last.values().map(|c| c.misses).sum(),
            other: 0,
        },
        namespaces: last,
        samples,
    });
    result.findings = vec![
        Finding {
            kind: "drift".into(),
            summary: "p95 rose 14% from the first to the last 10 minutes: possible leak".into(),
            values: BTreeMap::from([("p95_slope_us_per_min".to_string(), 41.5)]),
            alarming: true,
            steps: Vec::new(),
        },
        Finding {
            kind: "recovery_time".into(),
            summary: "latency went back to its level 4 s after each spike".into(),
            values: BTreeMap::from([("recovery_time_secs".to_string(), 4.0)]),
            alarming: false,
            steps: Vec::new(),
        },
        Finding {
            kind: "breaking_point".into(),
            summary: "breaking point 300/s; at 400/s it failed first on p99".into(),
            values: BTreeMap::from([("breaking_point".to_string(), 300.0)]),
            alarming: false,
            steps: (1..=5)
                .map(|k| {
                    let load = f64::from(k) * 100.0;
                    let broke = k >= 4;
                    LoadStep {
                        load,
                        start_secs: (k - 1) * 60,
                        seconds: 60,
                        requests: u64::from(k) * 6_000,
                        achieved_rps: if broke { 310.0 } else { load },
                        p50_us: 3_000 * u64::from(k),
                        p95_us: 9_000 * u64::from(k * k),
                        p99_us: 20_000 * u64::from(k * k),
                        error_rate: if broke { 0.02 * f64::from(k - 3) } else { 0.0 },
                        dropped: if broke { 500 } else { 0 },
                        failed: if broke {
                            vec!["p99 above 250ms".into()]
                        } else {
                            Vec::new()
                        },
                    }
                })
                .collect(),
        },
    ];
    result.trials = (0..8)
        .map(|i| TrialSummary {
            index: i,
            side: None,
            valid: i != 5,
            reasons: if i == 5 {
                vec!["the load generator was saturated".into()]
            } else {
                Vec::new()
            },
            started_at: format!("2026-11-22T10:{:02}:00Z", i * 2),
            duration_secs: 100.0,
            total: TrialStats {
                requests: 90_000 + u64::from(i) * 100,
                p50_us: 4_000 + u64::from(i) * 20,
                p95_us: 12_000 + u64::from(i) * 80,
                p99_us: 25_000 + u64::from(i) * 150,
                throughput_rps: 200.0 - f64::from(i) * 0.3,
                error_rate: 0.001,
            },
            endpoints: BTreeMap::new(),
        })
        .collect();
    result
}
