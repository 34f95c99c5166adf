//! Loader tests for extraction beyond JSON and the header and regex checks: every form loads into
//! the plan, and a bad regular expression, CSS selector or table is a diagnostic at its line,
//! column and key, found when the scenario loads rather than during the run.

use http::HeaderName;

use super::plan::*;
use super::tests::{HEAD, JOURNEY, assert_one, errors, load, pos};

#[test]
fn every_kind_of_extraction_and_check_loads() {
    let text = format!(
        r#"{HEAD}{JOURNEY}checks = [
  {{ header = "X-Cache", equals = "HIT" }},
  {{ header = "ETag", exists = false }},
  {{ header = "Location" }},
  {{ regex = 'id=\d+' }},
]
[journeys.steps.extract]
a = "/data/id"
b = {{ json = "/token" }}
c = {{ header = "Location" }}
d = {{ cookie = "sessionid" }}
e = {{ regex = 'id=(\d+)' }}
f = {{ css = "input[name=csrf]", attr = "value" }}
g = {{ css = "h1" }}
"#
    );
    let plan = load(&text).unwrap();
    let step = &plan.journeys[0].steps[0];
    assert_eq!(
        step.checks,
        [
            Check::HeaderEquals {
                name: HeaderName::from_static("x-cache"),
                value: "HIT".into()
            },
            Check::HeaderExists {
                name: HeaderName::from_static("etag"),
                exists: false
            },
            Check::HeaderExists {
                name: HeaderName::from_static("location"),
                exists: true
            },
            Check::BodyRegex(Pattern::new(r"id=\d+").unwrap()),
        ]
    );
    let described: Vec<String> = step
        .extract
        .iter()
        .map(|(var, e)| format!("{var}: {e}"))
        .collect();
    assert_eq!(
        described,
        [
            "a: JSON pointer '/data/id'",
            "b: JSON pointer '/token'",
            "c: header 'location'",
            "d: cookie 'sessionid'",
            r"e: regex 'id=(\d+)'",
            "f: css 'input[name=csrf]'",
            "g: css 'h1'",
        ]
    );
    assert!(matches!(&step.extract[5].1, Extract::Css { attr: Some(a), .. } if a == "value"));
    assert!(matches!(
        &step.extract[6].1,
        Extract::Css { attr: None, .. }
    ));
}

#[test]
fn bad_patterns_are_scenario_errors_at_their_key() {
    let text = format!("{HEAD}{JOURNEY}extract = {{ id = {{ regex = 'id=(\\d+' }} }}\n");
    assert_one(
        &text,
        pos(&text, "'id=("),
        "journeys[0].steps[0].extract.id.regex",
        "not a valid regular expression: unclosed group",
    );
    let text = format!("{HEAD}{JOURNEY}checks = [{{ regex = '[z-a]' }}]\n");
    assert_one(
        &text,
        pos(&text, "'[z-a]'"),
        "journeys[0].steps[0].checks[0].regex",
        "not a valid regular expression",
    );
    let text = format!(
        "{HEAD}{JOURNEY}extract = {{ t = {{ css = \"input[name=\", attr = \"value\" }} }}\n"
    );
    assert_one(
        &text,
        pos(&text, "\"input[name=\""),
        "journeys[0].steps[0].extract.t.css",
        "not a valid CSS selector",
    );
    let text = format!("{HEAD}{JOURNEY}checks = [{{ header = \"bad header\", exists = true }}]\n");
    assert_one(
        &text,
        pos(&text, "\"bad header\""),
        "journeys[0].steps[0].checks[0].header",
        "`bad header` is not a valid header name",
    );
}

#[test]
fn extraction_tables_read_one_thing() {
    let text = format!("{HEAD}{JOURNEY}extract = {{ t = {{ header = \"A\", cookie = \"b\" }} }}\n");
    assert_one(
        &text,
        pos(&text, "\"b\""),
        "journeys[0].steps[0].extract.t",
        "give only one of `json`, `header`, `cookie`, `regex` or `css`",
    );
    let text = format!("{HEAD}{JOURNEY}extract = {{ t = {{ attr = \"value\" }} }}\n");
    assert_one(
        &text,
        pos(&text, "{ attr"),
        "journeys[0].steps[0].extract.t",
        "say where the value comes from",
    );
    let text =
        format!("{HEAD}{JOURNEY}extract = {{ t = {{ header = \"A\", attr = \"value\" }} }}\n");
    assert_one(
        &text,
        pos(&text, "\"value\""),
        "journeys[0].steps[0].extract.t.attr",
        "`attr` goes with `css",
    );
    let text = format!("{HEAD}{JOURNEY}extract = {{ t = {{ xpath = \"//a\" }} }}\n");
    let d = errors(&text);
    assert!(
        d[0].message.contains("unknown key `xpath`"),
        "{}",
        d[0].message
    );
    let text = format!("{HEAD}{JOURNEY}extract = {{ t = 5 }}\n");
    let d = errors(&text);
    assert!(
        d[0].message.contains("a JSON pointer such as"),
        "{}",
        d[0].message
    );
}

#[test]
fn header_checks_take_a_string_and_one_of_equals_or_exists() {
    let text = format!("{HEAD}{JOURNEY}checks = [{{ header = \"X-Count\", equals = 3 }}]\n");
    assert_one(
        &text,
        pos(&text, "3 }"),
        "journeys[0].steps[0].checks[0].equals",
        "write it as a string",
    );
    let text =
        format!("{HEAD}{JOURNEY}checks = [{{ header = \"X\", equals = \"a\", exists = true }}]\n");
    assert_one(
        &text,
        pos(&text, "true"),
        "journeys[0].steps[0].checks[0].exists",
        "give either `equals` or `exists`, not both",
    );
    let text = format!("{HEAD}{JOURNEY}checks = [{{ regex = \"a\", equals = \"b\" }}]\n");
    assert_one(
        &text,
        pos(&text, "\"b\""),
        "journeys[0].steps[0].checks[0].equals",
        "`equals` goes with `json = \"/pointer\"` or `header = \"Name\"`",
    );
}

#[test]
fn connect_timeout_and_max_body() {
    let text = format!(
        "{}{JOURNEY}",
        HEAD.replace(
            "[target]\n",
            "[target]\ntimeout = \"5s\"\nconnect_timeout = \"2s\"\nmax_body = \"512KiB\"\n"
        )
    );
    let plan = load(&text).unwrap();
    assert_eq!(plan.target.connect_timeout.as_secs(), 2);
    assert_eq!(plan.target.max_body, 512 * 1024);
    let text = format!(
        "{}{JOURNEY}",
        HEAD.replace(
            "[target]\n",
            "[target]\ntimeout = \"5s\"\nconnect_timeout = \"6s\"\n"
        )
    );
    assert_one(
        &text,
        pos(&text, "\"6s\""),
        "target.connect_timeout",
        "is longer than `timeout` (5s)",
    );
    let text = format!(
        "{}{JOURNEY}",
        HEAD.replace("[target]\n", "[target]\nmax_body = \"10 bananas\"\n")
    );
    let d = errors(&text);
    assert_eq!(d[0].key, "target.max_body");
    assert!(d[0].message.contains("is not a size"), "{}", d[0].message);
    let text = format!(
        "{}{JOURNEY}",
        HEAD.replace("[target]\n", "[target]\nmax_body = \"0B\"\n")
    );
    assert_one(
        &text,
        pos(&text, "\"0B\""),
        "target.max_body",
        "must be greater than zero",
    );
}
