//! Loader tests: the example scenario round-trips to the expected Plan, and each kind of error is
//! reported with its line, column, key path and a message saying what was expected.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::plan::*;
use super::{Diagnostic, LoadError, Plan, load_bytes, load_file_with_env};

/// The environment the tests see: only `API_TOKEN` is set.
fn env(name: &str) -> Option<String> {
    (name == "API_TOKEN").then(|| "s3cret-token".to_string())
}

/// A path inside `scenarios/`, so `../fixtures/test-*.csv` resolves as in real scenario files.
fn scenario_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/test.toml")
}

pub(super) fn load(text: &str) -> Result<Plan, Vec<Diagnostic>> {
    load_bytes(text.as_bytes(), &scenario_path(), &env).map_err(|e| match e {
        LoadError::Invalid(d) => d,
        LoadError::Io { .. } => panic!("unexpected I/O error: {e}"),
    })
}

pub(super) fn errors(text: &str) -> Vec<Diagnostic> {
    match load(text) {
        Ok(_) => panic!("expected errors, the scenario loaded:\n{text}"),
        Err(d) => d,
    }
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
pub(super) fn pos(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("'{needle}' not in text"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// Asserts there is exactly one diagnostic, at `at`, under `key`, whose message contains `message`.
#[track_caller]
pub(super) fn assert_one(text: &str, at: (usize, usize), key: &str, message: &str) {
    let d = errors(text);
    assert_eq!(d.len(), 1, "expected one diagnostic, got {d:#?}");
    let d = &d[0];
    assert_eq!((d.line, d.column), at, "position of {d}");
    assert_eq!(d.key, key, "key of {d}");
    assert!(
        d.message.contains(message),
        "message of {d}\nexpected to contain: {message}"
    );
}

pub(super) const HEAD: &str = r#"name = "t"
[target]
url = "http://127.0.0.1:8080/"
[load]
rate = "10/s"
duration = "10s"
"#;

pub(super) const JOURNEY: &str = r#"
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/"
"#;

fn with_journey(extra: &str) -> String {
    format!("{HEAD}{extra}{JOURNEY}")
}

#[test]
fn minimal_scenario_gets_defaults() {
    let plan = load(&with_journey("")).unwrap();
    assert_eq!(plan.name, "t");
    assert_eq!(plan.kind, ScenarioKind::Custom);
    match &plan.target.kind {
        TargetKind::Url { base_url } => assert_eq!(base_url, "http://127.0.0.1:8080"),
        other => panic!("{other:?}"),
    }
    assert_eq!(plan.target.timeout, Duration::from_secs(10));
    assert_eq!(plan.target.connect_timeout, plan.target.timeout);
    assert_eq!(plan.target.max_body, 10 * 1024 * 1024);
    match &plan.load.model {
        LoadModel::Open {
            stages,
            max_in_flight,
            connections: None,
        } => {
            assert_eq!(*max_in_flight, 1000);
            assert_eq!(
                stages,
                &[RateStage {
                    duration: Duration::from_secs(10),
                    start_rate: 10.0,
                    end_rate: 10.0
                }]
            );
        }
        other => panic!("{other:?}"),
    }
    let step = &plan.journeys[0].steps[0];
    assert_eq!((step.name.as_str(), step.method.as_str()), ("GET /", "GET"));
    assert_eq!(plan.journeys[0].weight, 1);
    assert_eq!(plan.cache.header.as_deref(), Some("X-Cache"));
    assert_eq!(plan.source_sha256.len(), 64);
}

#[test]
fn example_round_trips_to_the_expected_plan() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/example.toml");
    let plan = load_file_with_env(&path, &env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.name, "example");
    assert_eq!(plan.kind, ScenarioKind::Load);
    assert!(matches!(
        plan.target.kind,
        TargetKind::Bundled(BundledSpec {
            cache: BundledCache::Redis,
            ..
        })
    ));
    assert_eq!(plan.target.timeout, Duration::from_secs(5));
    assert_eq!(plan.target.headers[0].0, "User-Agent");
    assert_eq!(plan.load.warmup, Duration::from_secs(5));
    let LoadModel::Closed { stages } = &plan.load.model else {
        panic!("{:?}", plan.load.model)
    };
    let users: Vec<(u64, u32, u32)> = stages
        .iter()
        .map(|s| (s.duration.as_secs(), s.start_users, s.end_users))
        .collect();
    assert_eq!(
        users,
        [(30, 10, 10), (15, 10, 40), (60, 40, 40), (10, 40, 0)]
    );
    assert_eq!(plan.load.duration(), Duration::from_secs(115));
    assert_eq!(
        plan.variables.keys().collect::<Vec<_>>(),
        ["run_id", "tenant"]
    );
    let users = &plan.feeders["users"];
    assert_eq!(
        (users.columns.len(), users.rows.len(), users.order),
        (4, 21, FeederOrder::Sequential)
    );

    let names: Vec<(&str, u32, bool)> = plan
        .journeys
        .iter()
        .map(|j| (j.name.as_str(), j.weight, j.setup))
        .collect();
    assert_eq!(
        names,
        [
            ("sign in", 1, true),
            ("browse contacts", 3, false),
            ("search and log a call", 1, false)
        ]
    );
    assert_eq!(
        plan.journeys[1].think_time,
        Some(ThinkTime {
            min: Duration::from_secs(1),
            max: Duration::from_secs(3)
        })
    );
    assert_eq!(plan.step_count(), 5);
    assert_eq!(
        plan.endpoints(),
        [
            ("login", "POST"),
            ("GET /api/contacts", "GET"),
            ("GET /api/contacts/{contact_id}", "GET"),
            ("search", "GET"),
            ("log call", "POST")
        ]
    );
    let login = &plan.journeys[0].steps[0];
    assert!(matches!(login.body, Some(Body::Json(_))));
    assert_eq!(
        login.checks,
        [
            Check::Status(vec![200]),
            Check::JsonExists {
                pointer: "/token".into(),
                exists: true
            }
        ]
    );
    assert_eq!(
        login.extract,
        [("token".to_string(), Extract::Json("/token".to_string()))]
    );
    let log_call = &plan.journeys[2].steps[1];
    assert_eq!(
        log_call.checks[1],
        Check::JsonEquals {
            pointer: "/kind".into(),
            value: serde_json::json!("call")
        }
    );
    assert_eq!(
        plan.journeys[2].steps[0].think_time.map(|t| t.max),
        Some(Duration::from_secs(2))
    );

    let thresholds: Vec<(&str, Option<&str>)> = plan
        .thresholds
        .iter()
        .map(|t| (t.expression.as_str(), t.endpoint.as_deref()))
        .collect();
    assert_eq!(
        thresholds,
        [
            ("p95 < 100ms", None),
            ("p99 < 250ms", None),
            ("error_rate < 0.1%", None),
            ("cache_hit_rate > 80%", None),
            ("p95 < 50ms", Some("GET /api/contacts/{contact_id}")),
            ("p99 < 200ms", Some("search")),
        ]
    );
    assert_eq!(plan.thresholds[0].limit, 100_000.0);
    assert!(plan.secrets.is_empty());
}

#[test]
fn syntax_error_has_position_and_no_key() {
    let text = format!("{HEAD}x = [\n");
    let d = errors(&text);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].line, d[0].column, d[0].key.as_str()), (7, 6, ""));
    assert!(d[0].message.contains("unclosed array"), "{}", d[0]);
    assert!(
        d[0].to_string()
            .ends_with("test.toml:7:6: unclosed array, expected `]`"),
        "{}",
        d[0]
    );
}

#[test]
fn type_error_names_the_key_path() {
    let text = format!("{HEAD}{JOURNEY}method = 5\n");
    assert_one(
        &text,
        pos(&text, "5\n"),
        "journeys[0].steps[0].method",
        "invalid type: integer `5`, expected a string",
    );
}

#[test]
fn unknown_method_lists_the_choices() {
    let text = format!("{HEAD}{JOURNEY}method = \"FETCH\"\n");
    assert_one(
        &text,
        pos(&text, "\"FETCH\""),
        "journeys[0].steps[0].method",
        "unknown method 'FETCH': expected one of GET, POST",
    );
}

#[test]
fn unknown_keys_get_a_suggestion_when_close() {
    let text = format!("{HEAD}{JOURNEY}thinktime = \"1s\"\n");
    assert_one(
        &text,
        pos(&text, "thinktime"),
        "journeys[0].steps[0].thinktime",
        "unknown key `thinktime`: did you mean `think_time`?",
    );
    let text = format!("{HEAD}zzz = 1\n{JOURNEY}");
    // `zzz` under [load] (the last table before it): no close key, so the valid ones are listed.
    assert_one(
        &text,
        pos(&text, "zzz"),
        "load.zzz",
        "unknown key `zzz`: expected one of `model`, `warmup`",
    );
    let text = format!("{HEAD}thresholds = [\"p95 < 1s\"]\n{JOURNEY}");
    assert_one(
        &text,
        pos(&text, "thresholds"),
        "load.thresholds",
        "`thresholds` is a top-level key: move it above the first [table] header",
    );
    let text = format!("{HEAD}model = \"opne\"\n{JOURNEY}");
    assert_one(
        &text,
        pos(&text, "\"opne\""),
        "load.model",
        "unknown value `opne`: did you mean `open`?",
    );
}

#[test]
fn malformed_and_out_of_range_values() {
    let text = with_journey("warmup = \"5 parsecs\"\n");
    assert_one(
        &text,
        pos(&text, "\"5 parsecs\""),
        "load.warmup",
        "'5 parsecs' is not a duration: expected",
    );
    let text = HEAD.replace("\"10s\"", "\"0s\"") + JOURNEY;
    assert_one(
        &text,
        pos(&text, "\"0s\""),
        "load.duration",
        "must be greater than zero",
    );
    let text = HEAD.replace("\"10/s\"", "\"-5/s\"") + JOURNEY;
    assert_one(
        &text,
        pos(&text, "\"-5/s\""),
        "load.rate",
        "negative: a rate cannot be negative",
    );
    let text = HEAD.replace("\"10/s\"", "\"0/s\"") + JOURNEY;
    assert_one(
        &text,
        pos(&text, "\"0/s\""),
        "load.rate",
        "must be greater than zero",
    );
    let text = with_journey("users = 5\n");
    assert_one(
        &text,
        pos(&text, "5\n"),
        "load.users",
        "`users` applies to the closed model, and this load has model = \"open\"",
    );
}

#[test]
fn stages_ramp_from_the_previous_level() {
    let head = HEAD.replace("rate = \"10/s\"\nduration = \"10s\"\n", "stages = [{ duration = \"10s\", rate = \"50/s\" }, { duration = \"20s\", to = \"200/s\" }, { duration = \"5s\", from = \"10/s\", to = \"20/s\" }]\n");
    let plan = load(&format!("{head}{JOURNEY}")).unwrap();
    let LoadModel::Open { stages, .. } = &plan.load.model else {
        panic!()
    };
    let rates: Vec<(f64, f64)> = stages.iter().map(|s| (s.start_rate, s.end_rate)).collect();
    assert_eq!(rates, [(50.0, 50.0), (50.0, 200.0), (10.0, 20.0)]);
    let bad = head.replace("to = \"200/s\"", "to = 200");
    assert_one(
        &format!("{bad}{JOURNEY}"),
        pos(&bad, "200 }"),
        "load.stages[1].to",
        "expected a rate such as \"200/s\": this is the open model",
    );
}

#[test]
fn weights_must_be_positive() {
    for weight in ["0", "-1"] {
        let text = format!("{HEAD}{JOURNEY}").replace(
            "name = \"j\"\n",
            &format!("name = \"j\"\nweight = {weight}\n"),
        );
        assert_one(
            &text,
            pos(&text, &format!("{weight}\n")),
            "journeys[0].weight",
            "a weight must be at least 1",
        );
    }
}

#[test]
fn journeys_must_exist_and_have_steps() {
    assert_one(
        HEAD,
        (1, 1),
        "journeys",
        "a scenario needs at least one journey",
    );
    let text = format!("{HEAD}[[journeys]]\nname = \"empty\"\n");
    assert_one(
        &text,
        pos(&text, "[[journeys]]"),
        "journeys[0].steps",
        "a journey needs at least one step",
    );
}

#[test]
fn percentages_above_100_are_rejected() {
    let text = with_journey("").replace(
        "name = \"t\"\n",
        "name = \"t\"\nthresholds = [\"error_rate < 150%\"]\n",
    );
    assert_one(
        &text,
        pos(&text, "\"error_rate"),
        "thresholds[0]",
        "expected a percentage between 0% and 100%",
    );
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "[target.bundled]\ninject_error_rate = \"150%\"\n",
    );
    assert_one(
        &text,
        pos(&text, "\"150%\""),
        "target.bundled.inject_error_rate",
        "between 0% and 100%",
    );
}

#[test]
fn thresholds_on_unknown_endpoints_suggest_the_closest() {
    let text = format!(
        "{}[endpoint_thresholds]\n\"GET /x\" = [\"p95 < 10ms\"]\n",
        with_journey("")
    );
    assert_one(
        &text,
        pos(&text, "[\"p95"),
        "endpoint_thresholds.\"GET /x\"",
        "no step has the endpoint name `GET /x`: did you mean `GET /`?",
    );
    let text = with_journey("").replace(
        "name = \"t\"\n",
        "name = \"t\"\nthresholds = [\"recovery_time < 10s\"]\n",
    );
    assert_one(
        &text,
        pos(&text, "\"recovery_time"),
        "thresholds[0]",
        "`recovery_time` is measured only in spike scenarios",
    );
    let plan = load(&text.replace("name = \"t\"\n", "name = \"t\"\nkind = \"spike\"\n")).unwrap();
    assert_eq!(
        (plan.thresholds[0].metric.clone(), plan.thresholds[0].limit),
        (Metric::Finding("recovery_time".into()), 10.0)
    );
}

#[test]
fn duplicate_journey_names() {
    let text = format!("{HEAD}{JOURNEY}{JOURNEY}");
    let second = text.rfind("name = \"j\"").unwrap() + "name = ".len();
    let d = errors(&text);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].key, "journeys[1].name");
    assert_eq!(d[0].line, text[..second].matches('\n').count() + 1);
    assert!(
        d[0].message
            .contains("duplicate journey name `j` (also journeys[0])"),
        "{}",
        d[0]
    );
}

#[test]
fn invalid_json_pointers() {
    let text = format!("{HEAD}{JOURNEY}extract = {{ id = \"data/id\" }}\n");
    assert_one(
        &text,
        pos(&text, "\"data/id\""),
        "journeys[0].steps[0].extract.id",
        "it must start with '/'",
    );
    let text = format!("{HEAD}{JOURNEY}checks = [{{ json = \"/a~2b\", exists = true }}]\n");
    assert_one(
        &text,
        pos(&text, "\"/a~2b\""),
        "journeys[0].steps[0].checks[0].json",
        "'~' must be followed by 0 or 1",
    );
}

#[test]
fn unknown_variables_in_templates() {
    let text = format!(
        "{HEAD}{JOURNEY}extract = {{ token = \"/token\" }}\n[[journeys.steps]]\npath = \"/me\"\nheaders = {{ Authorization = \"Bearer ${{tokn}}\" }}\n"
    );
    assert_one(
        &text,
        pos(&text, "\"Bearer"),
        "journeys[0].steps[1].headers.Authorization",
        "unknown variable `tokn` in `${tokn}`: did you mean `token`?",
    );
    // Extracted only by a later step: explained rather than "unknown".
    let text = format!("{HEAD}{JOURNEY}").replace(
        "path = \"/\"\n",
        "path = \"/c/${id}\"\n[[journeys.steps]]\npath = \"/c\"\nextract = { id = \"/id\" }\n",
    );
    assert_one(
        &text,
        pos(&text, "\"/c/${id}\""),
        "journeys[0].steps[0].path",
        "it is extracted by `journeys[0].steps[1]`, which does not run before this step",
    );
}

#[test]
fn feeders_missing_files_and_columns() {
    let text = with_journey("[feeders.users]\nfile = \"../fixtures/test-nope.csv\"\n");
    assert_one(
        &text,
        pos(&text, "\"../fixtures/test-nope.csv\""),
        "feeders.users.file",
        "does not exist",
    );
    let text = format!("{HEAD}[feeders.users]\nfile = \"../fixtures/test-users.csv\"\n{JOURNEY}")
        .replace("path = \"/\"", "path = \"/u/${users.emial}\"");
    assert_one(
        &text,
        pos(&text, "\"/u/"),
        "journeys[0].steps[0].path",
        "feeder `users` has no column `emial`: did you mean `email`?",
    );
    let text = format!("{HEAD}[feeders.users]\nfile = \"../fixtures/test-users.csv\"\n{JOURNEY}")
        .replace("path = \"/\"", "path = \"/u/${users.email}\"");
    let plan = load(&text).unwrap();
    assert_eq!(plan.feeders["users"].rows[0][0], "alice@saleshub.test");
}

#[test]
fn environment_variables_missing_and_present() {
    let text = format!(
        "{HEAD}[target.headers]\nAuthorization = \"Bearer ${{env.MISSING_TOKEN}}\"\n{JOURNEY}"
    );
    assert_one(
        &text,
        pos(&text, "\"Bearer"),
        "target.headers.Authorization",
        "environment variable `MISSING_TOKEN` is not set",
    );

    let text = text.replace("MISSING_TOKEN", "API_TOKEN");
    let plan = load(&text).unwrap();
    assert_eq!(plan.secrets, ["s3cret-token"]);
    assert_eq!(
        plan.redact("Authorization: Bearer s3cret-token"),
        "Authorization: Bearer ***"
    );
    // The default endpoint name is made from the unresolved path: no secret in it.
    let text = format!("{HEAD}{JOURNEY}").replace("path = \"/\"", "path = \"/k/${env.API_TOKEN}\"");
    let plan = load(&text).unwrap();
    assert_eq!(plan.journeys[0].steps[0].name, "GET /k/{env.API_TOKEN}");
}

#[test]
fn every_error_is_reported_at_once_in_file_order() {
    let text = format!("{HEAD}{JOURNEY}method = \"FETCH\"\nextract = {{ id = \"x\" }}\n")
        .replace("\"10s\"", "\"0s\"");
    let d = errors(&text);
    let keys: Vec<&str> = d.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "load.duration",
            "journeys[0].steps[0].method",
            "journeys[0].steps[0].extract.id"
        ]
    );
}

#[test]
fn endpoint_names_keep_one_method() {
    let text = format!(
        "{HEAD}{JOURNEY}[[journeys.steps]]\nname = \"GET /\"\nmethod = \"POST\"\npath = \"/\"\n"
    );
    assert_one(
        &text,
        pos(&text, "\"GET /\""),
        "journeys[0].steps[1].name",
        "endpoint `GET /` is already a GET endpoint",
    );
}

#[test]
fn checks_test_one_thing() {
    let text = format!("{HEAD}{JOURNEY}checks = [{{ status = 200, body_contains = \"ok\" }}]\n");
    assert_one(
        &text,
        pos(&text, "{ status"),
        "journeys[0].steps[0].checks[0]",
        "a check tests one thing",
    );
    let text = format!("{HEAD}{JOURNEY}checks = [{{ status = 700 }}]\n");
    assert_one(
        &text,
        pos(&text, "700"),
        "journeys[0].steps[0].checks[0].status",
        "700 is not an HTTP status code",
    );
}

#[test]
fn missing_file_is_an_io_error() {
    let err = load_file_with_env(Path::new("/nonexistent/x.toml"), &env).unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }));
    assert!(
        err.to_string()
            .contains("cannot read scenario file '/nonexistent/x.toml'")
    );
}

#[test]
fn readme_example_is_the_example_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("scenarios/README.md")).unwrap();
    let example = std::fs::read_to_string(root.join("scenarios/example.toml")).unwrap();
    let section = readme
        .split("## A complete annotated example")
        .nth(1)
        .expect("the example section");
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a toml block");
    assert_eq!(
        block, example,
        "scenarios/README.md's example differs from scenarios/example.toml"
    );
}

#[test]
fn missing_required_keys_are_all_named() {
    let d = errors("name = \"empty\"\n");
    let keys: Vec<(&str, (usize, usize))> = d
        .iter()
        .map(|d| (d.key.as_str(), (d.line, d.column)))
        .collect();
    assert_eq!(
        keys,
        [("journeys", (1, 1)), ("load", (1, 1)), ("target", (1, 1))]
    );
    assert!(
        d[2].message
            .starts_with("missing required key `target`: a [target] table with `url"),
        "{}",
        d[2]
    );
    let text = format!("{HEAD}{JOURNEY}").replace("path = \"/\"\n", "method = \"GET\"\n");
    assert_one(
        &text,
        pos(&text, "[[journeys.steps]]"),
        "journeys[0].steps[0].path",
        "missing required key `path`",
    );
}

#[test]
fn target_needs_exactly_one_http_destination() {
    let text =
        with_journey("").replace("url = \"http://127.0.0.1:8080/\"\n", "url = \"ftp://x\"\n");
    assert_one(
        &text,
        pos(&text, "\"ftp://x\""),
        "target.url",
        "'ftp://x' is not an http(s) URL with a host",
    );
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "url = \"http://x\"\nbundled = true\n",
    );
    assert_one(
        &text,
        pos(&text, "\"http://x\""),
        "target.url",
        "give either `url` or `bundled`, not both",
    );
    let text = with_journey("").replace("url = \"http://127.0.0.1:8080/\"\n", "timeout = \"1s\"\n");
    assert_one(
        &text,
        pos(&text, "[target]"),
        "target",
        "expected `url = \"http://host:port\"` or `bundled = true`",
    );
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "bundled = { cache = \"memory\", inject_delay = \"2ms\" }\n",
    );
    let plan = load(&text).unwrap();
    let TargetKind::Bundled(spec) = &plan.target.kind else {
        panic!()
    };
    assert_eq!(
        (spec.cache, spec.inject_delay),
        (BundledCache::Memory, Some(Duration::from_millis(2)))
    );
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "bundled = { inject_delay = \"2ms\", inject_delay_path = \"/api/search\" }\n",
    );
    let plan = load(&text).unwrap();
    let TargetKind::Bundled(spec) = &plan.target.kind else {
        panic!()
    };
    assert_eq!(spec.inject_delay_path.as_deref(), Some("/api/search"));
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "bundled = { inject_delay_path = \"api/search\" }\n",
    );
    assert_one(
        &text,
        pos(&text, "\"api/search\""),
        "target.bundled.inject_delay_path",
        "set `inject_delay` too",
    );
}

#[test]
fn throughput_and_closed_shorthands() {
    let head = HEAD.replace(
        "rate = \"10/s\"\n",
        "model = \"throughput\"\nconnections = 64\n",
    );
    let plan = load(&format!("{head}{JOURNEY}")).unwrap();
    assert!(matches!(
        plan.load.model,
        LoadModel::Throughput {
            connections: 64,
            ..
        }
    ));
    // The open model takes a fixed set of connections too, range-checked.
    let plan = load(&with_journey("connections = 8\n")).unwrap();
    assert!(matches!(
        plan.load.model,
        LoadModel::Open {
            connections: Some(8),
            ..
        }
    ));
    let text = with_journey("connections = 0\n");
    assert_one(
        &text,
        pos(&text, "0\n"),
        "load.connections",
        "must be at least 1",
    );
    let head = HEAD.replace("rate = \"10/s\"\n", "model = \"closed\"\nusers = 0\n");
    let text = format!("{head}{JOURNEY}");
    assert_one(&text, pos(&text, "0\n"), "load.users", "must be at least 1");
}

#[test]
fn an_absurd_rate_is_refused_with_the_limit() {
    let text = "name = \"x\"\n[target]\nurl = \"http://127.0.0.1:1\"\n[load]\nmodel = \"open\"\n\
                rate = \"999999999999999999999999/s\"\nduration = \"1s\"\n[[journeys]]\nname = \"j\"\n\
                [[journeys.steps]]\npath = \"/\"\n";
    let err =
        crate::scenario::load_bytes(text.as_bytes(), std::path::Path::new("x.toml"), &|_| None)
            .expect_err("refused");
    let shown = format!("{err}");
    assert!(shown.contains("x.toml:6"), "{shown}");
    assert!(shown.contains("10000000/s"), "{shown}");
    let ok = text.replace("999999999999999999999999/s", "10000000/s");
    assert!(
        crate::scenario::load_bytes(ok.as_bytes(), std::path::Path::new("x.toml"), &|_| None)
            .is_ok()
    );
}

#[test]
fn only_the_bundled_target_is_scraped_unless_the_scenario_names_a_metrics_path() {
    let with_target = |target: &str, cache: &str| {
        let text = format!(
            "name = \"x\"\n[target]\n{target}\n[load]\nmodel = \"open\"\nrate = \"1/s\"\n\
             duration = \"1s\"\n{cache}[[journeys]]\nname = \"j\"\n[[journeys.steps]]\npath = \"/\"\n"
        );
        crate::scenario::load_bytes(text.as_bytes(), std::path::Path::new("x.toml"), &|_| None)
            .expect("valid")
            .cache
            .metrics_path
    };
    let url = "url = \"http://127.0.0.1:1\"";
    assert_eq!(with_target(url, ""), None);
    assert_eq!(
        with_target(url, "[cache]\nmetrics_path = \"/stats\"\n").as_deref(),
        Some("/stats")
    );
    assert_eq!(with_target("bundled = {}", "").as_deref(), Some("/metrics"));
}

/// A scenario whose one step has `step` lines, with `target` lines in `[target]`.
fn with_step(target: &str, step: &str) -> String {
    format!(
        "name = \"t\"\n[target]\nurl = \"http://127.0.0.1:8080/\"\n{target}\n[load]\nrate = \"10/s\"\nduration = \"10s\"\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\npath = \"/\"\n{step}\n"
    )
}

#[test]
fn http_settings_default_to_a_browser_and_are_checked() {
    let plan = load(&with_journey("")).unwrap();
    let http = &plan.target.http;
    assert!(http.cookies);
    assert_eq!(http.redirects, DEFAULT_REDIRECTS);
    assert_eq!(
        http.accept_encoding.as_deref(),
        Some(DEFAULT_ACCEPT_ENCODING)
    );
    let off = load(&with_step(
        "cookies = false\nredirects = 0\naccept_encoding = \"\"",
        "follow_redirects = false",
    ))
    .unwrap();
    assert!(!off.target.http.cookies);
    assert_eq!(off.target.http.redirects, 0);
    assert_eq!(off.target.http.accept_encoding, None);
    assert!(!off.journeys[0].steps[0].follow_redirects);

    let text = with_step("redirects = 1000", "");
    assert_one(
        &text,
        pos(&text, "1000"),
        "target.redirects",
        "expected 0 to 100",
    );
    let text = with_step("accept_encoding = \"gzip\\u0007\"", "");
    assert_one(
        &text,
        pos(&text, "\"gzip"),
        "target.accept_encoding",
        "not a valid header value",
    );
}

#[test]
fn one_body_per_step_and_files_relative_to_the_scenario() {
    let text = with_step("", "body = \"x\"\nform = { a = \"1\" }");
    assert_one(
        &text,
        pos(&text, "{ a"),
        "journeys[0].steps[0].form",
        "give one body: `body` or `form`",
    );
    let text = with_step("", "body_file = \"no-such-file.json\"");
    assert_one(
        &text,
        pos(&text, "\"no-such"),
        "journeys[0].steps[0].body_file",
        "relative to the scenario file's directory",
    );
    let text = with_step(
        "",
        "multipart = [{ name = \"f\", file = \"../fixtures/users.csv\" }, { name = \"n\", value = \"v\", filename = \"x\" }]",
    );
    assert_one(
        &text,
        pos(&text, "\"x\""),
        "journeys[0].steps[0].multipart[1].filename",
        "goes with `file`",
    );
    let text = with_step("", "multipart = [{ name = \"f\" }]");
    assert_one(
        &text,
        pos(&text, "{ name"),
        "journeys[0].steps[0].multipart[0]",
        "needs `value",
    );
    let plan = load(&with_step(
        "",
        "method = \"POST\"\nmultipart = [{ name = \"f\", file = \"../fixtures/users.csv\" }]",
    ))
    .unwrap();
    let Some(Body::Multipart(parts)) = &plan.journeys[0].steps[0].body else {
        panic!("a multipart body");
    };
    let PartContent::File {
        filename,
        content_type,
        bytes,
    } = &parts[0].content
    else {
        panic!("a file part");
    };
    assert_eq!(
        (filename.as_str(), content_type.as_str()),
        ("users.csv", "text/csv")
    );
    assert!(!bytes.is_empty());
}

#[test]
fn basic_auth_passwords_are_secrets_and_exclude_an_authorization_header() {
    let plan = load(&with_step(
        "basic_auth = { user = \"svc\", password = \"${env.API_TOKEN}\" }",
        "basic_auth = { user = \"alice\", password = \"literal-pw\" }",
    ))
    .unwrap();
    assert!(plan.secrets.contains(&"s3cret-token".to_string()));
    assert!(plan.secrets.contains(&"literal-pw".to_string()));
    assert!(plan.target.http.basic_auth.is_some());
    let text = with_step(
        "",
        "headers = { Authorization = \"Bearer x\" }\nbasic_auth = { user = \"a\", password = \"b\" }",
    );
    assert_one(
        &text,
        pos(&text, "{ user"),
        "journeys[0].steps[0].basic_auth",
        "not both",
    );
    let text = with_step("basic_auth = { user = \"a:b\", password = \"c\" }", "");
    assert_one(
        &text,
        pos(&text, "\"a:b\""),
        "target.basic_auth.user",
        "cannot contain ':'",
    );
    let text = with_step("basic_auth = { user = \"${token}\", password = \"c\" }", "");
    assert_one(
        &text,
        pos(&text, "\"${token}\""),
        "target.basic_auth.user",
        "not a scenario variable",
    );
}

#[test]
fn http_version_and_max_streams() {
    let plan = load(&with_journey("")).unwrap();
    assert_eq!(plan.target.http_version, HttpVersion::Auto);
    assert_eq!(plan.target.max_streams, 10);
    let h2c = "url = \"http://127.0.0.1:8080/\"\nhttp = \"2\"\nmax_streams = 32\n";
    let plan = load(&with_journey("").replace("url = \"http://127.0.0.1:8080/\"\n", h2c)).unwrap();
    assert_eq!(
        (plan.target.http_version, plan.target.max_streams),
        (HttpVersion::Http2, 32)
    );
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "url = \"http://127.0.0.1:8080/\"\nhttp = \"3\"\n",
    );
    assert_one(
        &text,
        pos(&text, "\"3\""),
        "target.http",
        "'3' is not an HTTP version: expected \"auto\", \"1.1\" or \"2\"",
    );
    // max_streams where HTTP/2 cannot be spoken says why, and how to get HTTP/2.
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "url = \"http://127.0.0.1:8080/\"\nmax_streams = 4\n",
    );
    assert_one(
        &text,
        pos(&text, "4\n"),
        "target.max_streams",
        "set `http = \"2\"` for HTTP/2 with prior knowledge (h2c)",
    );
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "url = \"https://example.com/\"\nhttp = \"1.1\"\nmax_streams = 4\n",
    );
    assert_one(
        &text,
        pos(&text, "4\n"),
        "target.max_streams",
        "applies to HTTP/2 only",
    );
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "url = \"https://example.com/\"\nmax_streams = 0\n",
    );
    assert_one(
        &text,
        pos(&text, "0\n"),
        "target.max_streams",
        "must be at least 1",
    );
    let text = with_journey("").replace(
        "url = \"http://127.0.0.1:8080/\"\n",
        "bundled = true\nhttp = \"2\"\n",
    );
    assert_one(
        &text,
        pos(&text, "\"2\""),
        "target.http",
        "the bundled SalesHub speaks HTTP/1.1 only",
    );
}
