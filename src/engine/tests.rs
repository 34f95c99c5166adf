//! The engine against real HTTP servers on 127.0.0.1 (see `test_server`): the load models' rate,
//! counts and stopping, and the request path (client, steps, journeys).

/// Open and throughput model tests against a real HTTP server on 127.0.0.1. Timing assertions use
/// tolerances loose enough for a shared machine; counts are exact.
mod models {
    use std::time::{Duration, Instant};

    use tokio_util::sync::CancellationToken;

    use crate::engine::context::{EngineContext, EngineSummary, StartGate};
    use crate::engine::open::run_open;
    use crate::engine::test_server::{TestServer, plan, recorder, start};
    use crate::engine::throughput::run_throughput;
    use crate::metrics::Recorded;

    async fn run(
        server: &TestServer,
        text: &str,
        cancel_after: Option<Duration>,
    ) -> (EngineSummary, Snap) {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan(dir.path(), text);
        let ctx = EngineContext {
            recorder: recorder(&plan),
            warmup_recorder: recorder(&plan),
            plan: plan.clone(),
            base_url: server.url(),
            cancel: CancellationToken::new(),
            arrival_phase: 0.0,
            start: StartGate::at(Instant::now()),
        };
        if let Some(after) = cancel_after {
            let cancel = ctx.cancel.clone();
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                cancel.cancel();
            });
        }
        let summary = match plan.load.model {
            crate::scenario::plan::LoadModel::Open { .. } => run_open(&ctx).await,
            _ => run_throughput(&ctx).await,
        }
        .unwrap();
        let load = ctx.recorder.progress().load;
        let recorded = ctx.recorder.clone().finish();
        (summary, Snap { recorded, load })
    }

    /// What a model run left in the (real) recorder, and the load it was left at.
    struct Snap {
        recorded: Recorded,
        load: f64,
    }

    impl Snap {
        fn requests(&self) -> u64 {
            self.recorded.total.requests
        }
    }

    fn open(load: &str, path: &str) -> String {
        format!(
            r#"name = "t"
[target]
url = "http://127.0.0.1:1"
timeout = "5s"
[load]
model = "open"
{load}
[[journeys]]
name = "j"
[[journeys.steps]]
path = "{path}"
"#
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn open_model_starts_arrivals_at_the_scheduled_rate() {
        let server = start().await;
        let (summary, snap) = run(
            &server,
            &open("rate = \"100/s\"\nduration = \"3s\"", "/hello"),
            None,
        )
        .await;
        assert_eq!(summary.scheduled, 300);
        assert_eq!(summary.dropped, 0);
        assert_eq!(snap.recorded.scheduled, 300);
        assert_eq!(snap.requests(), 300);
        assert_eq!(server.count("/hello"), 300);
        assert_eq!(summary.iterations, 300);
        assert!(!summary.cancelled);
        assert!(
            (summary.measured.as_secs_f64() - 3.0).abs() < 0.05,
            "{:?}",
            summary.measured
        );
        // The rate within ±10% in every 1 s window is checked end to end on the recorded windows
        // (`tests/run_open.rs::open_model_rate_fidelity`); windows cut here from server arrival times
        // shift with the first request's connection set-up and were flaky on a loaded machine.
        let total = &snap.recorded.total;
        let send = total
            .send_latency
            .as_ref()
            .expect("open model keeps the send latency");
        assert_eq!(send.len(), 300);
        assert!(total.latency.max() >= send.max());
        assert_eq!(total.failures, 0);
        assert_eq!(
            snap.recorded.schedule_lag.as_ref().map(|h| h.len()),
            Some(300)
        );
        assert_eq!(snap.load, 0.0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn open_model_ramps_and_warms_up_without_recording_the_warmup() {
        let server = start().await;
        let load = "warmup = \"500ms\"\nstages = [{ duration = \"1s\", from = \"50/s\", to = \"150/s\" }, { duration = \"1s\", rate = \"20/s\" }]";
        let (summary, snap) = run(&server, &open(load, "/hello"), None).await;
        // Warm-up: 0.5 s at 50/s = 25 sent, not recorded; then 100 + 20.
        assert_eq!(summary.scheduled, 120);
        assert_eq!(snap.requests(), 120);
        assert_eq!(server.count("/hello"), 145);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn open_model_drops_starts_beyond_max_in_flight() {
        let server = start().await;
        let load = "rate = \"50/s\"\nduration = \"1s\"\nmax_in_flight = 2";
        let (summary, snap) = run(&server, &open(load, "/sleep/300"), None).await;
        assert_eq!(summary.scheduled, 50);
        assert!(summary.dropped >= 35, "dropped {}", summary.dropped);
        assert_eq!(snap.recorded.dropped, summary.dropped);
        let sent = summary.scheduled - summary.dropped;
        assert_eq!(server.count("/sleep/300"), sent);
        assert_eq!(snap.requests(), sent);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stall_shows_in_latency_from_the_intended_start_not_in_send_latency() {
        let server = start().await;
        let seen = server.seen.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1000)).await;
            *seen.stall_until.lock().unwrap() = Some(Instant::now() + Duration::from_millis(700));
        });
        let (summary, snap) = run(
            &server,
            &open("rate = \"200/s\"\nduration = \"3s\"", "/stall"),
            None,
        )
        .await;
        assert_eq!(summary.scheduled, 600);
        assert_eq!(summary.dropped, 0);
        assert_eq!(snap.requests(), 600);
        let total = &snap.recorded.total;
        let late = total.latency.count_between(300_001, u64::MAX);
        let late_sent = total
            .send_latency
            .as_ref()
            .expect("send latency")
            .count_between(300_001, u64::MAX);
        // ~140 arrivals fall in the stall's first 700 ms: all of them are late from their intended
        // start; only those already on a connection when it began (≈ 50 ms of arrivals) were sent late.
        // How few were sent late depends on scheduling (under a loaded machine more requests queue
        // for a connection), so this unit test only asserts the direction; `tests/run_open.rs` checks
        // the size of the gap end to end through the CLI.
        assert!(late >= 80, "late from intended start: {late}");
        assert!(
            late_sent < late,
            "late from send {late_sent}, from intended {late}"
        );
        assert!(total.latency.value_at_quantile(0.99) >= 400_000);
        assert!(total.latency.max() >= 600_000);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn open_model_stops_promptly_on_cancel() {
        let server = start().await;
        let t0 = Instant::now();
        let (summary, _snap) = run(
            &server,
            &open("rate = \"100/s\"\nduration = \"30s\"", "/sleep/2000"),
            Some(Duration::from_millis(300)),
        )
        .await;
        assert!(summary.cancelled);
        // The run was planned for 30 s: stopping within a third of that shows the cancel is obeyed,
        // with room for a loaded machine.
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
        // About 300 ms of arrivals at 100/s; up to 1 s of them when a loaded machine is slow to
        // deliver the cancel — far below the 3,000 a run that ignored it would schedule.
        assert!(
            summary.scheduled > 0 && summary.scheduled <= 100,
            "{}",
            summary.scheduled
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn throughput_model_sends_back_to_back_and_records_every_request() {
        let server = start().await;
        let text = r#"name = "t"
[target]
url = "http://127.0.0.1:1"
[load]
model = "throughput"
connections = 8
duration = "1s"
warmup = "300ms"
[[journeys]]
name = "login"
setup = true
[[journeys.steps]]
method = "POST"
path = "/login"
json = { email = "a@x.io", password = "pw" }
extract = { token = "/token" }
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/hello"
headers = { Authorization = "Bearer ${token}" }
"#;
        let (summary, snap) = run(&server, text, None).await;
        assert_eq!(server.count("/login"), 1);
        let recorded = snap.requests() - 1;
        assert_eq!(summary.iterations, recorded);
        // Warm-up requests were sent but not recorded.
        assert!(server.count("/hello") > recorded);
        // Back to back on loopback is thousands per second; 50 leaves room for a loaded machine.
        assert!(recorded > 50, "only {recorded} requests in 1 s");
        assert_eq!(snap.recorded.total.failures, 0);
        assert!(snap.recorded.total.send_latency.is_none());
        assert_eq!(snap.load, 0.0);

        // Without warm-up the server saw exactly what was recorded.
        let server = start().await;
        let text = text.replace("warmup = \"300ms\"\n", "");
        let (summary, snap) = run(&server, &text, Some(Duration::from_secs(5))).await;
        assert_eq!(server.count("/hello"), summary.iterations);
        assert_eq!(snap.requests(), summary.iterations + 1);
        assert!(!summary.cancelled);
    }
}

/// Request-path tests against a real HTTP server on 127.0.0.1: the client, steps and journeys.
mod requests {
    use std::time::Duration;

    use crate::engine::client::HttpClient;
    use crate::engine::journey::JourneyRunner;
    use crate::engine::test_server::{plan, recorder, start};
    use crate::metrics::{CacheOutcome, Sample};
    use crate::model::ErrorKind;

    fn make(text: &str, url: &str) -> (JourneyRunner, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        make_in(dir, text, url)
    }

    fn make_in(
        dir: tempfile::TempDir,
        text: &str,
        url: &str,
    ) -> (JourneyRunner, tempfile::TempDir) {
        let plan = plan(dir.path(), text);
        let client = HttpClient::new(plan.target.timeout, &plan.target.tls).unwrap();
        (JourneyRunner::new(plan, client, url).unwrap(), dir)
    }

    const HEAD: &str = r#"
name = "t"
[target]
url = "http://127.0.0.1:1"
timeout = "2s"
[load]
model = "closed"
users = 1
duration = "1s"
"#;

    fn errors(samples: &[Sample]) -> Vec<Option<ErrorKind>> {
        samples
            .iter()
            .map(|s| s.error.as_ref().map(|e| e.0))
            .collect()
    }

    #[tokio::test]
    async fn every_request_sent_is_seen_once_pooled_and_on_own_connections() {
        let server = start().await;
        let text = format!(
            "{HEAD}\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\npath = \"/hello\"\nchecks = [{{ body_contains = \"World\" }}]\n"
        );
        let (runner, _dir) = make(&text, &server.url());
        let recorder = recorder(runner.plan());
        let mut local = recorder.local();
        let mut pooled = runner.user(0);
        let mut own = runner.user(1);
        for _ in 0..50 {
            runner.run_iteration(&mut pooled, 0, None, &mut local).await;
            runner.run_iteration(&mut own, 0, None, &mut local).await;
        }
        drop(local);
        let total = recorder.finish().total;
        assert_eq!(total.requests, 100);
        assert_eq!(server.count("/hello"), 100);
        assert_eq!(total.failures, 0);
        assert_eq!(total.status_counts.get(&200), Some(&100));
        assert_eq!(total.bytes_in, 100 * 13);
        assert!(total.latency.min() >= 1);
        assert!(total.send_latency.is_none());
    }

    #[tokio::test]
    async fn failures_are_classified_by_kind() {
        let server = start().await;
        let text = format!(
            r#"{HEAD}
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/status/404"
[[journeys.steps]]
path = "/status/429"
[[journeys.steps]]
path = "/status/503"
[[journeys.steps]]
path = "/status/404"
name = "expected 404"
checks = [{{ status = 404 }}]
[[journeys.steps]]
path = "/status/200"
name = "wrong 200"
checks = [{{ status = 201 }}]
[[journeys.steps]]
path = "/echo?q=hi"
checks = [{{ json = "/q", equals = "hi" }}, {{ json = "/items/0/id", exists = true }}, {{ json = "/nope", exists = false }}]
[[journeys.steps]]
path = "/echo?q=hi"
name = "bad equals"
checks = [{{ json = "/q", equals = "ho" }}]
[[journeys.steps]]
path = "/hello"
name = "not json"
checks = [{{ json = "/q", exists = true }}]
[[journeys.steps]]
path = "/hello"
name = "missing text"
checks = [{{ body_contains = "Goodbye" }}]
[[journeys.steps]]
path = "/sleep/600"
name = "slow"
"#
        );
        let dir = tempfile::tempdir().unwrap();
        let plan = plan(dir.path(), &text);
        let client = HttpClient::new(Duration::from_millis(300), &Default::default()).unwrap();
        let runner = JourneyRunner::new(plan, client, &server.url()).unwrap();
        let mut samples: Vec<Sample> = Vec::new();
        let mut user = runner.user(0);
        let report = runner.run_iteration(&mut user, 0, None, &mut samples).await;
        use ErrorKind::*;
        assert_eq!(
            errors(&samples),
            [
                Some(Status4xx),
                Some(RateLimited),
                Some(Status5xx),
                None,
                Some(Check),
                None,
                Some(Check),
                Some(Check),
                Some(Check),
                Some(Timeout),
            ]
        );
        assert_eq!(report.requests, 10);
        assert_eq!(report.failures, 8);
        assert_eq!(
            samples[4].error.as_ref().unwrap().1,
            "status 200, expected 201"
        );
        assert_eq!(
            samples[7].error.as_ref().unwrap().1,
            "the response body is not JSON"
        );
        assert!(samples[9].latency_us >= 300_000 && samples[9].status.is_none());
        // Steps sharing a name share an endpoint index; different names do not.
        assert_eq!(samples[0].endpoint, samples[0].endpoint);
        assert_ne!(samples[0].endpoint, samples[3].endpoint);

        // Nothing listening: a connect error, on both paths.
        let (runner, _dir) = make(
            &format!("{HEAD}\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\npath = \"/\"\n"),
            "http://127.0.0.1:1",
        );
        let mut samples: Vec<Sample> = Vec::new();
        let mut user = runner.user(0);
        runner.run_iteration(&mut user, 0, None, &mut samples).await;
        let mut user = runner.user(1);
        runner.run_iteration(&mut user, 0, None, &mut samples).await;
        assert_eq!(errors(&samples), [Some(Connect), Some(Connect)]);
        assert!(
            samples[0].error.as_ref().unwrap().1.contains("refused"),
            "{:?}",
            samples[0].error
        );
    }

    #[tokio::test]
    async fn a_login_token_is_extracted_and_reused_in_a_header() {
        let server = start().await;
        let text = format!(
            r#"{HEAD}
[[journeys]]
name = "login"
setup = true
[[journeys.steps]]
method = "POST"
path = "/login"
json = {{ email = "a@x.io", password = "pw" }}
checks = [{{ status = 200 }}]
extract = {{ token = "/token" }}

[[journeys]]
name = "me"
[[journeys.steps]]
path = "/me"
headers = {{ Authorization = "Bearer ${{token}}" }}
checks = [{{ status = 200 }}, {{ json = "/email", equals = "a@x.io" }}]
extract = {{ email = "/email" }}
[[journeys.steps]]
path = "/echo?q=${{email}}"
checks = [{{ json = "/q", equals = "a@x.io" }}]
"#
        );
        let (runner, _dir) = make(&text, &server.url());
        let mut samples: Vec<Sample> = Vec::new();
        let mut user = runner.user(0);
        let setup = runner.run_setup(&mut user, &mut samples).await;
        assert_eq!((setup.requests, setup.failures), (1, 0));
        assert_eq!(
            user.get("token").and_then(|v| v.as_str()),
            Some("tok-a@x.io")
        );
        let j = runner.pick_journey(&mut user);
        for _ in 0..3 {
            runner.run_iteration(&mut user, j, None, &mut samples).await;
        }
        assert_eq!(errors(&samples), [None; 7]);
        assert_eq!(*server.seen.auth.lock().unwrap(), ["Bearer tok-a@x.io"; 3]);
        assert_eq!(*server.seen.echoed.lock().unwrap(), ["a@x.io"; 3]);
        // A POST counts its body bytes out.
        assert!(samples[0].bytes_out > 20);

        // An extraction that found nothing leaves the variable unset: the next step is a template
        // failure and is not sent.
        let bad = text.replace("password = \"pw\"", "password = \"nope\"");
        let (runner, _dir) = make(&bad, &server.url());
        let mut samples: Vec<Sample> = Vec::new();
        let mut user = runner.user(0);
        let before = server.total();
        runner.run_setup(&mut user, &mut samples).await;
        runner.run_iteration(&mut user, 1, None, &mut samples).await;
        use ErrorKind::*;
        assert_eq!(
            errors(&samples),
            [Some(Status4xx), Some(Template), Some(Template)]
        );
        assert_eq!(server.total() - before, 1);
        assert!(samples[1].error.as_ref().unwrap().1.contains("'token'"));
    }

    #[tokio::test]
    async fn feeders_hand_out_rows_sequentially_across_users_or_at_random() {
        let server = start().await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("terms.csv"),
            "term,n\nalpha,1\nbeta,2\ngamma,3\n",
        )
        .unwrap();
        let text = |order: &str| {
            format!(
                r#"{HEAD}
[feeders.terms]
file = "terms.csv"
order = "{order}"
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/echo?q=${{terms.term}}-${{terms.n}}"
[[journeys.steps]]
path = "/hello"
"#
            )
        };
        let (runner, dir) = make_in(dir, &text("sequential"), &server.url());
        let mut samples: Vec<Sample> = Vec::new();
        let mut a = runner.user(0);
        let mut b = runner.user(1);
        for _ in 0..2 {
            runner.run_iteration(&mut a, 0, None, &mut samples).await;
            runner.run_iteration(&mut b, 0, None, &mut samples).await;
        }
        assert_eq!(
            *server.seen.echoed.lock().unwrap(),
            ["alpha-1", "beta-2", "gamma-3", "alpha-1"]
        );

        server.seen.echoed.lock().unwrap().clear();
        let (runner, _dir) = make_in(dir, &text("random"), &server.url());
        let mut user = runner.user(0);
        for _ in 0..60 {
            runner.run_iteration(&mut user, 0, None, &mut samples).await;
        }
        let echoed = server.seen.echoed.lock().unwrap().clone();
        assert_eq!(echoed.len(), 60);
        for row in ["alpha-1", "beta-2", "gamma-3"] {
            // 60 uniform draws over 3 rows: each appears (P(miss) ≈ 3e-11).
            assert!(
                echoed.iter().any(|e| e == row),
                "{row} never drawn: {echoed:?}"
            );
        }
        assert!(
            echoed
                .iter()
                .all(|e| ["alpha-1", "beta-2", "gamma-3"].contains(&e.as_str()))
        );
    }

    #[tokio::test]
    async fn cache_header_variables_random_helpers_and_secrets() {
        let server = start().await;
        let text = format!(
            r#"{HEAD}
[target.headers]
X-Api-Key = "${{env.TOKEN}}"
[variables]
run = "r${{random.int(5, 5)}}"
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/cached/HIT"
name = "cached"
[[journeys.steps]]
path = "/cached/MISS"
name = "cached"
[[journeys.steps]]
path = "/cached/BYPASS"
name = "cached"
[[journeys.steps]]
path = "/hello"
[[journeys.steps]]
path = "/echo?q=${{run}}-${{random.pick(x, y)}}"
[[journeys.steps]]
path = "/status/500"
"#
        );
        let (runner, _dir) = make(&text, &server.url());
        let mut samples: Vec<Sample> = Vec::new();
        let mut user = runner.user(0);
        runner.run_iteration(&mut user, 0, None, &mut samples).await;
        let cache: Vec<CacheOutcome> = samples.iter().map(|s| s.cache).collect();
        use CacheOutcome::*;
        assert_eq!(cache, [Hit, Miss, Other, Absent, Absent, Absent]);
        let echoed = server.seen.echoed.lock().unwrap().clone();
        assert!(echoed[0] == "r5-x" || echoed[0] == "r5-y", "{echoed:?}");
        for s in &samples {
            if let Some((_, m)) = &s.error {
                assert!(!m.contains("s3cret"), "{m}");
            }
        }
    }

    #[tokio::test]
    async fn a_body_is_decoded_only_when_a_step_reads_it() {
        let server = start().await;
        let text = format!(
            r#"{HEAD}
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/bad-gzip"
name = "unread"
[[journeys.steps]]
path = "/bad-gzip"
name = "read"
checks = [{{ body_contains = "gzip" }}]
"#
        );
        let (runner, _dir) = make(&text, &server.url());
        let mut samples: Vec<Sample> = Vec::new();
        let mut user = runner.user(0);
        runner.run_iteration(&mut user, 0, None, &mut samples).await;
        // Unread, the broken body is only counted (wire bytes); read, it must decode, and fails.
        assert!(samples[0].error.is_none(), "{:?}", samples[0].error);
        assert_eq!(samples[0].bytes_in, "not gzip at all".len() as u64);
        let (kind, message) = samples[1].error.clone().expect("decoding fails");
        assert_eq!(kind, ErrorKind::Protocol);
        assert!(message.contains("gzip body does not decode"), "{message}");
    }
}
