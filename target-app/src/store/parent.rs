//! The activity timeline of one contact or deal (`GET /api/contacts/{id}/activities`): an ordinary
//! activities list with the parent forced as a filter, after checking the parent is visible.

use rusqlite::Connection;
use rusqlite::types::Value;

use super::activities::Activity;
use super::entity::Visibility;
use super::list::{self, Op, Page};
use super::{StoreError, validate};

/// A record activities hang off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    Contact(i64),
    Deal(i64),
}

/// The activities of `parent` (filtered, sorted and paged like `list`), or `None` when the parent
/// does not exist or is not visible.
pub fn activities_of(
    conn: &Connection,
    parent: Parent,
    query: &[(String, String)],
    vis: &Visibility,
) -> Result<Option<Page<Activity>>, StoreError> {
    let (table, column, id) = match parent {
        Parent::Contact(id) => ("contacts", "contact_id", id),
        Parent::Deal(id) => ("deals", "deal_id", id),
    };
    if !validate::visible(conn, table, "owner_id", id, vis)? {
        return Ok(None);
    }
    let mut parsed = list::parse::<Activity>(query)?;
    parsed.filters.push((column, Op::Eq, Value::from(id)));
    list::run::<Activity>(conn, parsed, vis).map(Some)
}
