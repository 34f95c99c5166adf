//! Full-text search over contacts, companies, deals and leads (tantivy), for `GET /api/search` and
//! `GET /api/search/suggest`.
//!
//! The HTTP layer turns store records into [`SearchDoc`]s, calls [`SearchIndex::rebuild`] at start
//! (or after seeding), [`SearchIndex::upsert`] / [`SearchIndex::delete`] after each write, and
//! watches [`SearchIndex::commits`] to invalidate cached search responses. Searching never fails on
//! what a user typed: see [`query`](self::query) for how text becomes a bounded, typo-tolerant
//! query, and [`suggest`](self::suggest) for autocomplete.

mod committer;
mod doc;
mod error;
mod facets;
mod index;
mod query;
mod rank;
mod request;
mod results;
mod schema;
mod suggest;

#[cfg(test)]
mod tests;

pub use doc::{DocKind, SearchDoc};
pub use error::SearchError;
pub use index::{Changed, CommitFeed, SearchIndex, WeakSearchIndex};
pub use request::SearchRequest;
pub use results::{SearchHit, SearchResults, Suggestion};

/// Most hits a search returns, whatever [`SearchRequest::limit`] asks.
pub const MAX_LIMIT: usize = 100;
