//! Whatever a user types, search answers (results or none): never an error, a panic or a hang.

use super::*;

#[test]
fn malformed_queries_answer_without_error() {
    let index = fixture_index();
    let long_text = "acme smith globex ".repeat(600); // ~10 KB
    let deep = "(".repeat(5_000) + "acme" + &")".repeat(5_000);
    let cases: Vec<String> = [
        "+(happy",
        "\"",
        "\"acme",
        "acme\"",
        "AND OR NOT",
        "AND",
        "OR",
        "NOT",
        "*",
        "**",
        "*acme",
        "acme*",
        "?",
        ":",
        "title:",
        ":acme",
        "nosuchfield:acme",
        "owner_id:2",
        "kind:1",
        "id:[1 TO 5]",
        "[",
        "]",
        "{",
        "}",
        "[1 TO",
        "a^",
        "acme^1e300",
        "acme^-5",
        "acme^NaN",
        "~",
        "acme~5",
        "\"acme corporation\"~999999",
        "/regex/",
        "title:/a.*/",
        "$exists(title)",
        "IN [a b]",
        "-",
        "--acme",
        "+-acme",
        "-acme",
        "((((",
        "))))",
        ")(",
        "\\",
        "\\\"",
        "'",
        "''",
        "'acme",
        "\u{0}",
        "😀",
        "ü",
        "   ",
        "",
        "a AND",
        "AND a",
        "NOT acme",
        "acme OR",
        "(acme OR",
        "&&",
        "||",
        "!",
        "!acme",
        "acme AND (globex OR",
        "title:\"acme",
        "[* TO *]",
        ">5",
        "<=3",
        "title:>a",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([long_text, deep, "x".repeat(10_000), "é".repeat(5_000)])
    // Every syntax character, repeated: the grammar is recursive and must not blow the stack.
    .chain("()[]{}\"'+-!^:~*\\/<>=&|$?".chars().flat_map(|c| {
        [
            c.to_string().repeat(10_000),
            format!("{c}a ").repeat(3_000),
            format!("a{c}").repeat(5_000),
        ]
    }))
    .collect();
    for q in &cases {
        for kind in [None, Some(DocKind::Contact)] {
            for owner in [None, Some(ALICE)] {
                let req = SearchRequest {
                    q: q.clone(),
                    kind,
                    owner,
                    limit: 10,
                };
                let results = index.search(&req);
                let results = results.unwrap_or_else(|err| panic!("{q:.40}: {err}"));
                assert_eq!(results.facets.len(), 4, "{q:.40}");
                assert!(results.hits.len() <= 10);
            }
        }
        let suggestions = index.suggest(q, None, 10);
        assert!(suggestions.is_ok(), "suggest {q:.40}");
    }
}

#[test]
fn a_lone_star_matches_everything_visible() {
    let index = fixture_index();
    assert_eq!(search(&index, "*").total, fixture().len() as u64);
}

#[test]
fn words_survive_broken_syntax() {
    let index = fixture_index();
    assert!(search(&index, "+(globex").total > 0);
    assert!(search(&index, "\"globex").total > 0);
    assert!(search(&index, "nosuchfield:globex").total > 0);
}

#[test]
fn long_queries_use_a_bounded_number_of_terms() {
    let index = fixture_index();
    // The 17th word onwards is ignored.
    let filler: String = (0..crate::search::query::MAX_TERMS)
        .map(|i| format!("zz{i} "))
        .collect();
    assert_eq!(search(&index, &format!("{filler} globex")).total, 0);
    assert!(search(&index, &format!("globex {filler}")).total > 0);
}
