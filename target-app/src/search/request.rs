//! What a caller asks of [`super::SearchIndex::search`].

use super::doc::DocKind;

/// A full-text search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// What the user typed. Any text is accepted: syntax errors degrade to a best-effort query.
    pub q: String,
    /// Only return hits of this kind (facets still count every kind).
    pub kind: Option<DocKind>,
    /// Only consider documents owned by this user (`Some` for reps, `None` for admins).
    pub owner: Option<i64>,
    /// Most hits returned; capped at [`super::MAX_LIMIT`]. `0` returns only the total and facets.
    pub limit: usize,
}
