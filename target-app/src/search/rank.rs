//! The final ordering of hits: relevance, then shorter titles first among equals.
//!
//! Typo-tolerant matches have a constant score (see [`super::query`]), so several records found
//! only through the same typo tie. "Globex" is then a better answer to `glboex` than "Globex
//! reactor upgrade": a tiny bonus, inversely proportional to the title's length in words (its
//! field norm), orders such ties without reordering anything BM25 separates.

use tantivy::collector::{Collector, TopDocs};
use tantivy::{DocAddress, DocId, Score, SegmentReader};

use super::schema::Fields;

/// Largest bonus, for a one-word title; far below any BM25 difference worth keeping.
const SHORT_TITLE_BONUS: Score = 0.01;

/// The `limit` best documents, best first, ties broken in favour of shorter titles.
pub(crate) fn top_docs(
    fields: &Fields,
    limit: usize,
) -> impl Collector<Fruit = Vec<(Score, DocAddress)>> + use<> {
    let title = fields.title;
    TopDocs::with_limit(limit.max(1)).tweak_score(move |segment: &SegmentReader| {
        let norms = segment.get_fieldnorms_reader(title).ok();
        move |doc: DocId, score: Score| {
            let words = norms.as_ref().map_or(1, |norms| norms.fieldnorm(doc));
            score + SHORT_TITLE_BONUS / words.max(1) as Score
        }
    })
}
