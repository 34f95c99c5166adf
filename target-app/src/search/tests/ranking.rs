//! Relevance: exact names first, then partial and body matches; typos still find the record but
//! rank below exact spellings.

use super::*;
use crate::search::DocKind::{Company, Contact, Deal, Lead};

#[test]
fn an_exact_name_match_ranks_above_partial_and_body_matches() {
    let index = fixture_index();
    let results = search(&index, "globex");
    // The company named Globex, then records that only mention it.
    assert_eq!(ids(&results).first(), Some(&(Company, 2)));
    assert!(ids(&results).contains(&(Contact, 2)));
    assert!(ids(&results).contains(&(Deal, 2)));

    let results = search(&index, "acme corporation");
    assert_eq!(ids(&results).first(), Some(&(Company, 1)));
}

#[test]
fn a_title_match_outranks_a_body_only_match() {
    let index = fixture_index();
    index
        .upsert(doc(Contact, 40, ALICE, "Ursula Engineer", "", ""), None)
        .expect("upsert");
    index.flush().expect("flush");
    let results = search(&index, "engineer");
    // Contact 3 has "engineer" in its body only.
    assert_eq!(ids(&results), [(Contact, 40), (Contact, 3)]);
}

#[test]
fn scores_are_sorted_and_positive() {
    let index = fixture_index();
    let results = search(&index, "smith initech");
    assert!(!results.hits.is_empty());
    assert!(results.hits.iter().all(|hit| hit.score > 0.0));
    assert!(results.hits.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn one_typo_in_a_last_name_still_finds_it() {
    let index = fixture_index();
    for typo in [
        "gibbins",  // substitution
        "gibons",   // deletion
        "gibbbons", // insertion
        "gibobns",  // transposition
    ] {
        let results = search(&index, typo);
        assert_eq!(ids(&results).first(), Some(&(Contact, 3)), "{typo}");
    }
}

#[test]
fn one_typo_in_a_company_name_still_finds_it() {
    let index = fixture_index();
    for typo in [
        "inetech", "intech", "initeech", "inietch", "umbrela", "glboex",
    ] {
        let results = search(&index, typo);
        let kinds: Vec<_> = ids(&results).into_iter().map(|(kind, _)| kind).collect();
        assert!(kinds.contains(&Company), "{typo}: {results:?}");
        assert_eq!(
            results.hits.first().map(|hit| hit.kind),
            Some(Company),
            "{typo}"
        );
    }
}

#[test]
fn two_typos_or_short_words_are_not_fuzzy() {
    let index = fixture_index();
    assert_eq!(search(&index, "gibbxxs").total, 0);
    // "jon" is 3 characters: exact only.
    assert_eq!(search(&index, "jon").total, 0);
}

#[test]
fn the_exact_spelling_outranks_fuzzy_only_matches() {
    let index = fixture_index();
    // "smith" is exact for John Smith (and the subtitle of contact 1), one edit from "smiths" and
    // "smyth".
    index
        .upsert(doc(Contact, 41, ALICE, "Anna Smiths", "", ""), None)
        .expect("upsert");
    index
        .upsert(doc(Contact, 42, ALICE, "Omar Smyth", "", ""), None)
        .expect("upsert");
    index.flush().expect("flush");
    let results = search(&index, "smith");
    let found = ids(&results);
    assert_eq!(found.first(), Some(&(Contact, 1)), "{results:?}");
    let exact = results.hits[0].score;
    for fuzzy in [(Contact, 41), (Contact, 42)] {
        let hit = results
            .hits
            .iter()
            .find(|hit| (hit.kind, hit.id) == fuzzy)
            .expect("fuzzy match found");
        assert!(hit.score < exact, "{fuzzy:?} {hit:?} vs {exact}");
    }

    // A typo of a name that also exists spelled that way: the exact one wins.
    let results = search(&index, "smyth");
    assert_eq!(ids(&results).first(), Some(&(Contact, 42)));
    assert!(ids(&results).contains(&(Contact, 1)));
}

#[test]
fn accents_and_case_do_not_matter() {
    let index = fixture_index();
    assert_eq!(ids(&search(&index, "MULLER")), [(Contact, 5)]);
    assert_eq!(ids(&search(&index, "zoë")), [(Contact, 5)]);
}

#[test]
fn phrases_prefixes_and_exclusions_work() {
    let index = fixture_index();
    assert_eq!(ids(&search(&index, "\"reactor upgrade\"")), [(Deal, 2)]);
    assert_eq!(search(&index, "\"upgrade reactor\"").total, 0);
    assert!(ids(&search(&index, "umbr*")).contains(&(Company, 4)));
    let results = search(&index, "smith -acme");
    assert!(!ids(&results).contains(&(Contact, 1)), "{results:?}");
    assert!(ids(&results).contains(&(Contact, 6)) || results.total == 0);
    assert_eq!(ids(&search(&index, "title:lumbergh")), [(Lead, 3)]);
}
