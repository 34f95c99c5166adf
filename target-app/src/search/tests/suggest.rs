//! Autocomplete on word prefixes of titles.

use super::*;
use crate::search::DocKind::{Company, Contact, Lead};
use crate::search::Suggestion;

fn texts(suggestions: &[Suggestion]) -> Vec<&str> {
    suggestions.iter().map(|s| s.text.as_str()).collect()
}

fn suggest(index: &SearchIndex, prefix: &str) -> Vec<Suggestion> {
    index.suggest(prefix, None, 10).expect("suggest")
}

#[test]
fn the_prefix_of_a_first_word_suggests_the_title() {
    let index = fixture_index();
    let found = suggest(&index, "glo");
    assert_eq!(texts(&found).first(), Some(&"Globex"));
    assert_eq!((found[0].kind, found[0].id), (Company, 2));
    // Globex is also the first word of a deal's title.
    assert!(texts(&found).contains(&"Globex reactor upgrade"));
}

#[test]
fn the_prefix_of_a_later_word_suggests_the_title() {
    let index = fixture_index();
    let found = suggest(&index, "gibb");
    assert_eq!(texts(&found), ["Peter Gibbons"]);
    assert_eq!((found[0].kind, found[0].id), (Contact, 3));
    assert!(texts(&suggest(&index, "react")).contains(&"Globex reactor upgrade"));
}

#[test]
fn every_word_of_a_multi_word_prefix_must_match() {
    let index = fixture_index();
    assert_eq!(
        texts(&suggest(&index, "john smi")),
        ["John Smith", "John Smithson"]
    );
    assert_eq!(
        texts(&suggest(&index, "smi jo")),
        ["John Smith", "John Smithson"]
    );
    assert!(suggest(&index, "jane smi").is_empty());
    assert_eq!(texts(&suggest(&index, "ja smy")), ["Jane Smythe"]);
    assert!(suggest(&index, "john xyz").is_empty());
}

#[test]
fn suggestions_ignore_case_and_accents() {
    let index = fixture_index();
    assert_eq!(texts(&suggest(&index, "GLOB")).first(), Some(&"Globex"));
    assert_eq!(texts(&suggest(&index, "mül")), ["Zoë Müller"]);
    assert_eq!(texts(&suggest(&index, "MUL")), ["Zoë Müller"]);
}

#[test]
fn titles_starting_with_the_prefix_come_first_and_shorter_before_longer() {
    let index = fixture_index();
    let found = suggest(&index, "acme");
    assert_eq!(texts(&found), ["Acme Corporation", "Acme anvil renewal"]);
    let found = suggest(&index, "jo");
    // "John ..." titles start with "jo"; "Mary Johnson" only has a later word starting with it.
    assert_eq!(
        texts(&found),
        ["John Smith", "John Smithson", "Mary Johnson"]
    );
    assert_eq!(found[2].kind, Lead);
}

#[test]
fn duplicate_titles_are_suggested_once() {
    let index = fixture_index();
    index
        .upsert(doc(Lead, 50, ALICE, "john smith", "converted", ""), None)
        .expect("upsert");
    index.flush().expect("flush");
    let found = suggest(&index, "john smith");
    assert_eq!(texts(&found), ["John Smith", "John Smithson"]);
}

#[test]
fn a_rep_only_gets_suggestions_from_their_own_documents() {
    let index = fixture_index();
    let as_alice = index.suggest("john", Some(ALICE), 10).expect("suggest");
    assert_eq!(texts(&as_alice), ["John Smith", "Mary Johnson"]);
    let as_bob = index.suggest("john", Some(BOB), 10).expect("suggest");
    assert_eq!(texts(&as_bob), ["John Smithson"]);
    assert!(
        index
            .suggest("initech", Some(ALICE), 10)
            .expect("suggest")
            .is_empty()
    );
    assert!(
        index
            .suggest("globex", Some(BOB), 10)
            .expect("suggest")
            .is_empty()
    );
}

#[test]
fn limits_and_empty_prefixes() {
    let index = fixture_index();
    assert_eq!(index.suggest("j", None, 1).expect("suggest").len(), 1);
    assert!(index.suggest("j", None, 0).expect("suggest").is_empty());
    assert!(suggest(&index, "").is_empty());
    assert!(suggest(&index, "  -- ").is_empty());
}
