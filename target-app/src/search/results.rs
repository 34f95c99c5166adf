//! What searches and suggestions return, shaped for the JSON the HTTP layer serves.

use std::collections::BTreeMap;

use serde::Serialize;

use super::doc::DocKind;
use super::facets::KindCounts;

/// The answer to a [`super::SearchRequest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Number of matches of the requested kind (all kinds when none was requested).
    pub total: u64,
    /// Matches per kind name (all four kinds, zeros included), ignoring the kind filter but
    /// honouring the owner filter, so a UI can show "contacts (12) companies (3) ...".
    pub facets: BTreeMap<String, u64>,
    /// The best matches, best first.
    pub hits: Vec<SearchHit>,
}

impl SearchResults {
    /// Results with the given per-kind counts and hits.
    pub(crate) fn new(counts: KindCounts, kind: Option<DocKind>, hits: Vec<SearchHit>) -> Self {
        let count_of = |kind: DocKind| counts.get(kind.code() as usize).copied().unwrap_or(0);
        let total = match kind {
            Some(kind) => count_of(kind),
            None => DocKind::ALL.into_iter().map(count_of).sum(),
        };
        let facets = DocKind::ALL
            .into_iter()
            .map(|kind| (kind.as_str().to_owned(), count_of(kind)))
            .collect();
        SearchResults {
            total,
            facets,
            hits,
        }
    }

    /// Results of a query that matches nothing.
    pub(crate) fn empty() -> Self {
        SearchResults::new(KindCounts::default(), None, Vec::new())
    }
}

/// One matching record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// What the record is (`type` in JSON, like the `type` query parameter).
    #[serde(rename = "type")]
    pub kind: DocKind,
    /// Its id in its table.
    pub id: i64,
    /// Its name.
    pub title: String,
    /// Its short context line.
    pub subtitle: String,
    /// Relevance (BM25 plus typo-tolerant matches); only meaningful relative to other hits of the
    /// same search.
    pub score: f32,
}

/// One autocomplete proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// What the record is (`type` in JSON, like the `type` query parameter).
    #[serde(rename = "type")]
    pub kind: DocKind,
    /// Its id in its table.
    pub id: i64,
    /// Its title, as stored.
    pub text: String,
}
