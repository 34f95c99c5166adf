//! Autocomplete: records whose title has a word starting with each word typed ("acm" → "Acme
//! Corp"; "jo sm" → "John Smith"; "smi" → "John Smith"), case- and accent-insensitive.
//!
//! Each typed word must be a prefix of some title word: a term query on `title_words`, which
//! indexes every prefix of every title word (edge n-grams). Ranking: titles that *start* with the
//! typed text get a fixed bonus (a term query on `title_start`, the prefixes of the whole
//! normalised title), then BM25 on the prefixes favours short titles and rare prefixes. Titles
//! that differ only in case appear once (the best ranked), so the list is not ten "John Smith"s.

use std::collections::HashSet;

use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Searcher, TantivyDocument, Term};

use super::doc::DocKind;
use super::error::SearchError;
use super::rank;
use super::results::Suggestion;
use super::schema::{self, Fields, MAX_TITLE_PREFIX, MAX_WORD_PREFIX};

/// Most suggestions returned, whatever the caller asks.
pub(crate) const MAX_SUGGESTIONS: usize = 50;
/// Most typed words considered.
const MAX_WORDS: usize = 8;
/// Longest typed text considered, in characters.
const MAX_PREFIX_CHARS: usize = 200;
/// Score added when the title starts with the typed text.
const TITLE_START_BONUS: f32 = 5.0;
/// Candidates fetched per suggestion wanted, to have enough left after removing duplicates.
const CANDIDATES_PER_SUGGESTION: usize = 3;

/// The query of `prefix` (no owner filter); `None` when it holds no word.
pub(crate) fn build(fields: &Fields, prefix: &str) -> Option<Box<dyn Query>> {
    let mut words = schema::words(schema::truncate_chars(prefix, MAX_PREFIX_CHARS));
    words.truncate(MAX_WORDS);
    if words.is_empty() {
        return None;
    }
    let term_query = |field, text: &str| {
        TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        )
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .map(|word| {
            let prefix = schema::truncate_chars(word, MAX_WORD_PREFIX);
            let query: Box<dyn Query> = Box::new(term_query(fields.title_words, prefix));
            (Occur::Must, query)
        })
        .collect();
    let start = words.join(" ");
    let start = schema::truncate_chars(&start, MAX_TITLE_PREFIX);
    clauses.push((
        Occur::Should,
        Box::new(ConstScoreQuery::new(
            Box::new(term_query(fields.title_start, start)),
            TITLE_START_BONUS,
        )),
    ));
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// Runs a suggestion query and returns up to `limit` distinct titles, best first.
pub(crate) fn run(
    searcher: &Searcher,
    fields: &Fields,
    query: &dyn Query,
    limit: usize,
) -> Result<Vec<Suggestion>, SearchError> {
    let limit = limit.min(MAX_SUGGESTIONS);
    if limit == 0 {
        return Ok(Vec::new());
    }
    let candidates = rank::top_docs(fields, limit * CANDIDATES_PER_SUGGESTION);
    let mut seen = HashSet::new();
    let mut suggestions = Vec::with_capacity(limit);
    for (_score, address) in searcher.search(query, &candidates)? {
        let doc: TantivyDocument = searcher.doc(address)?;
        let kind = doc
            .get_first(fields.kind)
            .and_then(|value| value.as_u64())
            .and_then(DocKind::from_code);
        let id = doc.get_first(fields.id).and_then(|value| value.as_i64());
        let text = doc
            .get_first(fields.title)
            .and_then(|value| value.as_str())
            .unwrap_or_default();
        let (Some(kind), Some(id)) = (kind, id) else {
            continue;
        };
        if !seen.insert(text.to_lowercase()) {
            continue;
        }
        suggestions.push(Suggestion {
            kind,
            id,
            text: text.to_owned(),
        });
        if suggestions.len() == limit {
            break;
        }
    }
    Ok(suggestions)
}
