//! What the index holds: one [`SearchDoc`] per searchable business record, tagged with its
//! [`DocKind`]. The caller (the HTTP layer) turns store records into these, so this module knows
//! nothing of the store.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::SearchError;

/// The kinds of record the index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A person at a customer.
    Contact,
    /// A customer organisation.
    Company,
    /// A sales opportunity.
    Deal,
    /// A prospect not yet converted.
    Lead,
}

impl DocKind {
    /// Every kind, in the order facets are reported.
    pub const ALL: [DocKind; 4] = [
        DocKind::Contact,
        DocKind::Company,
        DocKind::Deal,
        DocKind::Lead,
    ];

    /// The name used in URLs (`type=`), JSON and facets.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Contact => "contact",
            DocKind::Company => "company",
            DocKind::Deal => "deal",
            DocKind::Lead => "lead",
        }
    }

    /// The value stored in the index's `kind` field.
    pub(crate) fn code(self) -> u64 {
        match self {
            DocKind::Contact => 0,
            DocKind::Company => 1,
            DocKind::Deal => 2,
            DocKind::Lead => 3,
        }
    }

    /// The inverse of [`DocKind::code`]; `None` for a value this version never writes.
    pub(crate) fn from_code(code: u64) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocKind {
    type Err = SearchError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| SearchError::UnknownKind {
                given: s.to_owned(),
            })
    }
}

/// One searchable record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchDoc {
    /// What the record is.
    pub kind: DocKind,
    /// The record's id in its table; `(kind, id)` identifies the document.
    pub id: i64,
    /// The user who owns the record (reps only ever see their own).
    pub owner_id: i64,
    /// The name shown in results and matched by suggestions (a contact's full name, a company or
    /// deal name).
    pub title: String,
    /// Short context shown under the title, e.g. a contact's email and company.
    pub subtitle: String,
    /// Extra searchable text that is not shown: email, domain, industry, city, stage...
    pub body: String,
}

impl SearchDoc {
    /// The unique key of the document in the index, e.g. `contact:42`.
    pub(crate) fn key_of(kind: DocKind, id: i64) -> String {
        format!("{}:{id}", kind.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_names_and_codes() {
        for kind in DocKind::ALL {
            assert_eq!(kind.as_str().parse::<DocKind>().ok(), Some(kind));
            assert_eq!(DocKind::from_code(kind.code()), Some(kind));
        }
    }

    #[test]
    fn unknown_kind_lists_the_choices() {
        let err = "person".parse::<DocKind>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unknown search type 'person': expected one of contact, company, deal, lead")
        );
    }
}
