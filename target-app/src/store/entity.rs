//! The `Entity` trait and the generic record operations built on it. Each entity describes itself
//! once (a `TableSpec`: columns, owner column, filters, sorts; plus hooks that validate input into
//! column values), and `get`, `create`, `update`, `delete`, `all` and `list` are written once for all
//! six. SQL text is assembled only from those compile-time names; every value is a bound parameter.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{is_foreign_key_violation, is_unique_violation};
use super::list::FilterSpec;
use super::{StoreError, timestamps, validate};

/// Which records a caller may see and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Admins: everything.
    All,
    /// Reps: only records whose `owner_id` is this user id. Anything else behaves as missing.
    Owner(i64),
}

/// Column values produced by validating an input, in insert/update order.
pub type Values = Vec<(&'static str, Value)>;

/// How the generic operations read, filter and sort one table.
#[derive(Debug)]
pub struct TableSpec {
    /// The selected columns (never secrets such as password hashes).
    pub columns: &'static str,
    /// The column compared with `Visibility::Owner` (`owner_id`; `id` for users).
    pub owner_column: &'static str,
    /// The list filters this table accepts.
    pub filters: &'static [FilterSpec],
    /// The columns a list may be sorted by.
    pub sorts: &'static [&'static str],
    /// The default list order, `column` or `-column`.
    pub default_sort: &'static str,
    /// Whether the table has an `updated_at` column to bump on update.
    pub has_updated_at: bool,
}

/// A record type stored in its own table and served under `/api/{NAME}`.
pub trait Entity: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The table and URL name, e.g. `"contacts"`.
    const NAME: &'static str;
    /// The table description used by the generic operations.
    const SPEC: TableSpec;
    /// The body of a create request.
    type Create: DeserializeOwned + Send;
    /// The body of a partial update; absent fields are left alone.
    type Patch: DeserializeOwned + Send;

    /// The record's id.
    fn id(&self) -> i64;
    /// The user owning the record (a user owns itself).
    fn owner_id(&self) -> i64;

    /// Builds the record from a row holding `SPEC.columns`.
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;

    /// Validates a create request into column values (without timestamps). `owner_id` is the
    /// caller's user id, the owner unless the input names another one.
    fn create_values(
        conn: &Connection,
        input: Self::Create,
        owner_id: i64,
        vis: &Visibility,
    ) -> Result<Values, StoreError>;

    /// Validates a patch against the current record into the columns to change (without
    /// `updated_at`).
    fn patch_values(
        conn: &Connection,
        current: &Self,
        patch: Self::Patch,
        vis: &Visibility,
    ) -> Result<Values, StoreError>;

    /// Refuses a delete that would break the data (e.g. a user who still owns records).
    fn check_delete(_conn: &Connection, _current: &Self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether `patch` changes a secret the record does not show (a user's password), which
    /// [`Entity::stale_sessions`] cannot see by comparing the record before and after.
    fn patch_changes_secret(_patch: &Self::Patch) -> bool {
        false
    }

    /// The sign-in sessions a committed change of this record makes stale, as token hashes, so
    /// that the caller can drop their cached copies; the change ends them in the database when it
    /// alters what they may do. Only users have sessions. Runs on the write's connection, inside
    /// its transaction: after an update (`after` is the new record), or before a delete (`after`
    /// is `None`). `secret_changed` is [`Entity::patch_changes_secret`] of the update's patch.
    fn stale_sessions(
        _conn: &Connection,
        _before: &Self,
        _after: Option<&Self>,
        _secret_changed: bool,
    ) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }
}

/// A committed update.
#[derive(Debug, Clone)]
pub struct Updated<E> {
    /// The record before the update (callers invalidating caches need its previous owner).
    pub before: E,
    /// The record as stored now.
    pub after: E,
    /// Token hashes of the sessions whose cached copies are stale (see
    /// [`Entity::stale_sessions`]).
    pub stale_sessions: Vec<String>,
}

/// A committed delete.
#[derive(Debug, Clone)]
pub struct Deleted<E> {
    /// The record as it was.
    pub record: E,
    /// Token hashes of the sessions it ended (a deleted user's).
    pub stale_sessions: Vec<String>,
}

/// The record `id`, or `None` when it does not exist or is not visible.
pub fn get<E: Entity>(
    conn: &Connection,
    id: i64,
    vis: &Visibility,
) -> Result<Option<E>, StoreError> {
    let (owner_sql, owner_param) = validate::owner_condition(E::SPEC.owner_column, vis);
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ? AND {owner_sql}",
        E::SPEC.columns,
        E::NAME
    );
    let mut params: Vec<Value> = vec![id.into()];
    params.extend(owner_param);
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_row(params_from_iter(params), E::from_row)
        .optional()?)
}

/// Every record of the table, in id order (for building the search index).
pub fn all<E: Entity>(conn: &Connection) -> Result<Vec<E>, StoreError> {
    let sql = format!("SELECT {} FROM {} ORDER BY id", E::SPEC.columns, E::NAME);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], E::from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Validates and inserts a record owned by `owner_id` (or the owner named in the input, where the
/// caller may choose one), returning it as stored.
pub fn create<E: Entity>(
    conn: &Connection,
    input: E::Create,
    owner_id: i64,
    vis: &Visibility,
) -> Result<E, StoreError> {
    let mut values = E::create_values(conn, input, owner_id, vis)?;
    let now = timestamps::now();
    if E::SPEC.has_updated_at {
        values.push(("updated_at", now.clone().into()));
    }
    values.push(("created_at", now.into()));
    let columns: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        E::NAME,
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    );
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(values.into_iter().map(|(_, v)| v)))
        .map_err(write_conflict)?;
    let id = conn.last_insert_rowid();
    get::<E>(conn, id, &Visibility::All)?
        .ok_or(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))
}

/// Applies a patch to a visible record and bumps `updated_at`; `None` when not visible.
pub fn update<E: Entity>(
    conn: &Connection,
    id: i64,
    patch: E::Patch,
    vis: &Visibility,
) -> Result<Option<E>, StoreError> {
    Ok(update_with_previous::<E>(conn, id, patch, vis)?.map(|updated| updated.after))
}

/// [`update`], also returning the record as it was before (callers invalidating caches need the
/// previous owner of a re-assigned record) and the sessions the update made stale, ending those
/// it changes the rights of (see [`Entity::stale_sessions`]). Run it in a transaction, so the
/// record and its sessions change together.
pub fn update_with_previous<E: Entity>(
    conn: &Connection,
    id: i64,
    patch: E::Patch,
    vis: &Visibility,
) -> Result<Option<Updated<E>>, StoreError> {
    let Some(current) = get::<E>(conn, id, vis)? else {
        return Ok(None);
    };
    let secret_changed = E::patch_changes_secret(&patch);
    let mut values = E::patch_values(conn, &current, patch, vis)?;
    if E::SPEC.has_updated_at {
        values.push(("updated_at", timestamps::now().into()));
    }
    if values.is_empty() {
        return Ok(Some(Updated {
            before: current.clone(),
            after: current,
            stale_sessions: Vec::new(),
        }));
    }
    let assignments: Vec<String> = values.iter().map(|(c, _)| format!("{c} = ?")).collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE id = ?",
        E::NAME,
        assignments.join(", ")
    );
    let mut params: Vec<Value> = values.into_iter().map(|(_, v)| v).collect();
    params.push(id.into());
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(params))
        .map_err(write_conflict)?;
    let Some(after) = get::<E>(conn, id, &Visibility::All)? else {
        return Ok(None);
    };
    let stale_sessions = E::stale_sessions(conn, &current, Some(&after), secret_changed)?;
    Ok(Some(Updated {
        before: current,
        after,
        stale_sessions,
    }))
}

/// Deletes a visible record; `false` when not visible. Dependent rows follow the schema's foreign
/// keys (activities go with their contact or deal; contacts and deals lose a deleted company).
pub fn delete<E: Entity>(conn: &Connection, id: i64, vis: &Visibility) -> Result<bool, StoreError> {
    Ok(delete_returning::<E>(conn, id, vis)?.is_some())
}

/// [`delete`], returning the deleted record and the sessions it ended; `None` when not visible.
/// Run it in a transaction, so the checks and the delete see the same data.
pub fn delete_returning<E: Entity>(
    conn: &Connection,
    id: i64,
    vis: &Visibility,
) -> Result<Option<Deleted<E>>, StoreError> {
    let Some(current) = get::<E>(conn, id, vis)? else {
        return Ok(None);
    };
    E::check_delete(conn, &current)?;
    let stale_sessions = E::stale_sessions(conn, &current, None, false)?;
    let sql = format!("DELETE FROM {} WHERE id = ?", E::NAME);
    let deleted = conn
        .prepare_cached(&sql)?
        .execute([id])
        .map_err(write_conflict)?;
    Ok((deleted > 0).then_some(Deleted {
        record: current,
        stale_sessions,
    }))
}

/// Turns a UNIQUE violation into a `Conflict` naming the column, and a FOREIGN KEY violation
/// into a `Conflict` saying a related record changed meanwhile; other errors pass through.
/// Writes run in IMMEDIATE transactions after checking their references, so the second can
/// only happen when a caller skipped that; it is still the client's conflict, not a 500.
pub(crate) fn write_conflict(err: rusqlite::Error) -> StoreError {
    if is_foreign_key_violation(&err) {
        return StoreError::Conflict(
            "a record this one refers to, or one referring to it, changed meanwhile; \
             read them again and retry"
                .to_owned(),
        );
    }
    if is_unique_violation(&err) {
        let detail = match &err {
            rusqlite::Error::SqliteFailure(_, Some(msg)) => msg
                .rsplit(": ")
                .next()
                .map(|col| format!("{col} is already taken"))
                .unwrap_or_else(|| msg.clone()),
            _ => "a unique field is already taken".to_owned(),
        };
        StoreError::Conflict(detail)
    } else {
        StoreError::Sqlite(err)
    }
}
