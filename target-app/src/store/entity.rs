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
    Ok(update_with_previous::<E>(conn, id, patch, vis)?.map(|(_, updated)| updated))
}

/// [`update`], also returning the record as it was before (callers invalidating caches need the
/// previous owner of a re-assigned record): `(before, after)`.
pub fn update_with_previous<E: Entity>(
    conn: &Connection,
    id: i64,
    patch: E::Patch,
    vis: &Visibility,
) -> Result<Option<(E, E)>, StoreError> {
    let Some(current) = get::<E>(conn, id, vis)? else {
        return Ok(None);
    };
    let mut values = E::patch_values(conn, &current, patch, vis)?;
    if E::SPEC.has_updated_at {
        values.push(("updated_at", timestamps::now().into()));
    }
    if values.is_empty() {
        return Ok(Some((current.clone(), current)));
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
    Ok(get::<E>(conn, id, &Visibility::All)?.map(|updated| (current, updated)))
}

/// Deletes a visible record; `false` when not visible. Dependent rows follow the schema's foreign
/// keys (activities go with their contact or deal; contacts and deals lose a deleted company).
pub fn delete<E: Entity>(conn: &Connection, id: i64, vis: &Visibility) -> Result<bool, StoreError> {
    let Some(current) = get::<E>(conn, id, vis)? else {
        return Ok(false);
    };
    E::check_delete(conn, &current)?;
    let sql = format!("DELETE FROM {} WHERE id = ?", E::NAME);
    Ok(conn
        .prepare_cached(&sql)?
        .execute([id])
        .map_err(write_conflict)?
        > 0)
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
