//! The search module's error type. Search input never produces an error (bad syntax degrades to a
//! best-effort query); errors here mean the index itself cannot be opened, written or read.

use std::path::PathBuf;

/// Everything that can go wrong in [`crate::search`].
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index directory could not be created.
    #[error("cannot create the search index directory '{path}': {source}")]
    CreateDir {
        /// The directory that was asked for.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// An index exists at `path` but cannot be used (corrupt files, another schema version, or
    /// another process holding its lock).
    #[error(
        "cannot open the search index at '{path}': {source}; stop any other SalesHub using it, \
         or delete the directory and re-seed to rebuild it"
    )]
    Open {
        /// The index directory.
        path: PathBuf,
        /// What tantivy reported.
        source: tantivy::TantivyError,
    },
    /// A kind name that is not one of the indexed kinds.
    #[error("unknown search type '{given}': expected one of contact, company, deal, lead")]
    UnknownKind {
        /// What the caller passed.
        given: String,
    },
    /// The index was closed (the server is shutting down).
    #[error("the search index is closed: SalesHub is shutting down")]
    Closed,
    /// Reading or writing the index failed.
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}
