//! Search terms for load scenarios (`fixtures/search_terms.csv`): words that find seeded records
//! (company name roots, contact and lead last names, deal product words), about one in five with a
//! one-letter typo to exercise typo tolerance. Drawn from the word lists the generator builds
//! names from; with the default sizes every one of those words occurs in the data.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::random::Gen;
use super::words::{COMPANY_ROOTS, LAST_NAMES, PRODUCTS};

/// How many terms of each kind: company roots, last names, product words.
const MIX: [usize; 3] = [70, 85, 40];

/// The terms for `rng_seed`, in a fixed shuffled order.
pub fn search_terms(rng_seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(rng_seed ^ 0x5EA2_C47E_2A45_0001);
    let mut terms: Vec<String> = Vec::new();
    for (list, n) in [COMPANY_ROOTS, LAST_NAMES, PRODUCTS].into_iter().zip(MIX) {
        let mut words: Vec<&str> = list.to_vec();
        words.shuffle(&mut rng);
        terms.extend(words.into_iter().take(n).map(str::to_owned));
    }
    terms.shuffle(&mut rng);
    let mut g = Gen::new(rng_seed ^ 0x7790, time::macros::date!(2000 - 01 - 01));
    for (i, term) in terms.iter_mut().enumerate() {
        if i % 5 == 4 {
            *term = typo(term, &mut g);
        }
    }
    terms
}

/// `word` with one letter after the first replaced by a different letter (an edit distance of
/// one). Words shorter than five letters are left alone: fuzzy search starts at four.
fn typo(word: &str, g: &mut Gen) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 5 {
        return word.to_owned();
    }
    let at = 1 + g.index(chars.len() - 1);
    let old = chars[at].to_ascii_lowercase();
    let mut new = old;
    while new == old {
        new = char::from(b'a' + g.index(26) as u8);
    }
    let mut out = chars;
    out[at] = new;
    out.into_iter().collect()
}

/// `search_terms(rng_seed)` as CSV with the header `term`.
pub fn search_terms_csv(rng_seed: u64) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(["term"]);
    for t in search_terms(rng_seed) {
        let _ = w.write_record([t]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::SeedConfig;

    #[test]
    fn search_terms_csv_matches_the_generator() {
        super::super::golden::check(
            "search_terms.csv",
            &search_terms_csv(SeedConfig::default().rng_seed),
        );
    }

    #[test]
    fn about_one_in_five_has_a_typo() {
        let terms = search_terms(42);
        assert_eq!(terms.len(), 195);
        let known = |t: &str| {
            COMPANY_ROOTS.contains(&t) || LAST_NAMES.contains(&t) || PRODUCTS.contains(&t)
        };
        let typos = terms.iter().filter(|t| !known(t)).count();
        assert!((30..=39).contains(&typos), "{typos} typos");
        assert_eq!(terms, search_terms(42), "deterministic");
    }
}
