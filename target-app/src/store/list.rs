//! List queries: parsing the raw URL query pairs against an entity's allow-lists (limit, offset,
//! sort and filters) and building one parameterized `SELECT` plus its `COUNT(*)`. Anything unknown,
//! repeated, unparsable or out of range is a `BadQuery` whose message lists the valid choices.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use serde::Serialize;

use super::entity::{Entity, Visibility};
use super::{StoreError, timestamps, validate};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
pub const MAX_LIMIT: u32 = 100;
/// Largest offset (deep pages cost a scan; beyond this, filter instead).
pub const MAX_OFFSET: u32 = 1_000_000;

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<E> {
    pub items: Vec<E>,
    /// How many records match the filters (all pages).
    pub total: i64,
    pub limit: u32,
    pub offset: u32,
}

/// How a filter compares its column with the parameter.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// `column = value`
    Eq,
    /// `column >= value`
    Ge,
    /// `column <= value`
    Le,
}

/// What a filter parameter must hold.
#[derive(Debug, Clone, Copy)]
pub enum FilterValue {
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// Free text up to `max` characters, compared exactly.
    Text { max: usize },
    /// An email address, compared case-insensitively.
    Email,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// `YYYY-MM-DD`.
    Date,
    /// An RFC 3339 timestamp or a date (its midnight UTC).
    Timestamp,
}

/// One allow-listed filter parameter.
#[derive(Debug, Clone, Copy)]
pub struct FilterSpec {
    pub param: &'static str,
    pub column: &'static str,
    pub op: Op,
    pub value: FilterValue,
}

impl FilterSpec {
    /// `param` compared with `column` by `op`.
    pub const fn new(
        param: &'static str,
        column: &'static str,
        op: Op,
        value: FilterValue,
    ) -> Self {
        FilterSpec {
            param,
            column,
            op,
            value,
        }
    }

    /// `param = column`, the common case.
    pub const fn eq(param: &'static str, value: FilterValue) -> Self {
        FilterSpec::new(param, param, Op::Eq, value)
    }

    fn parse(&self, raw: &str) -> Result<Value, StoreError> {
        let bad = |msg: String| StoreError::bad_query(self.param, msg);
        if raw.trim().is_empty() {
            return Err(bad("must not be empty".to_owned()));
        }
        match self.value {
            FilterValue::Int { min, max } => {
                let n: i64 = raw
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("`{raw}` is not an integer")))?;
                if !(min..=max).contains(&n) {
                    return Err(bad(format!("must be between {min} and {max}, got {n}")));
                }
                Ok(n.into())
            }
            FilterValue::Text { max } => {
                let n = raw.chars().count();
                if n > max {
                    return Err(bad(format!("must be at most {max} characters, got {n}")));
                }
                Ok(raw.to_owned().into())
            }
            FilterValue::Email => Ok(raw.trim().to_lowercase().into()),
            FilterValue::Choice(choices) => {
                if choices.contains(&raw) {
                    Ok(raw.to_owned().into())
                } else {
                    Err(bad(format!(
                        "`{raw}` is not one of: {}",
                        choices.join(", ")
                    )))
                }
            }
            FilterValue::Date => timestamps::parse_date(raw)
                .map(|d| timestamps::format_date(d).into())
                .ok_or_else(|| bad(format!("`{raw}` is not a date (YYYY-MM-DD)"))),
            FilterValue::Timestamp => timestamps::timestamp_bound(raw)
                .map(Value::from)
                .ok_or_else(|| {
                    bad(format!(
                        "`{raw}` is not a date (YYYY-MM-DD) or RFC 3339 timestamp"
                    ))
                }),
        }
    }
}

/// A parsed, validated list request.
#[derive(Debug)]
pub struct ListQuery {
    pub limit: u32,
    pub offset: u32,
    /// The sort column (from the allow-list) and whether descending.
    pub sort: (&'static str, bool),
    /// `(column, op, value)` conditions, all ANDed.
    pub filters: Vec<(&'static str, Op, Value)>,
}

/// Parses raw query pairs against `E`'s allow-lists.
pub fn parse<E: Entity>(query: &[(String, String)]) -> Result<ListQuery, StoreError> {
    let spec = &E::SPEC;
    let mut seen: Vec<&str> = Vec::new();
    let mut parsed = ListQuery {
        limit: DEFAULT_LIMIT,
        offset: 0,
        sort: parse_sort::<E>(spec.default_sort)?,
        filters: Vec::new(),
    };
    for (key, raw) in query {
        if seen.contains(&key.as_str()) {
            return Err(StoreError::bad_query(key, "given more than once"));
        }
        seen.push(key);
        match key.as_str() {
            "limit" => parsed.limit = parse_bounded("limit", raw, 1, MAX_LIMIT)?,
            "offset" => parsed.offset = parse_bounded("offset", raw, 0, MAX_OFFSET)?,
            "sort" => parsed.sort = parse_sort::<E>(raw)?,
            _ => {
                let Some(filter) = spec.filters.iter().find(|f| f.param == key) else {
                    return Err(StoreError::bad_query(
                        key,
                        format!(
                            "unknown parameter for {}; valid parameters: {}",
                            E::NAME,
                            valid_params::<E>().join(", ")
                        ),
                    ));
                };
                parsed
                    .filters
                    .push((filter.column, filter.op, filter.parse(raw)?));
            }
        }
    }
    Ok(parsed)
}

/// Every parameter `E`'s lists accept.
pub fn valid_params<E: Entity>() -> Vec<&'static str> {
    let mut v = vec!["limit", "offset", "sort"];
    v.extend(E::SPEC.filters.iter().map(|f| f.param));
    v
}

fn parse_bounded(param: &str, raw: &str, min: u32, max: u32) -> Result<u32, StoreError> {
    let n: i64 = raw
        .trim()
        .parse()
        .map_err(|_| StoreError::bad_query(param, format!("`{raw}` is not an integer")))?;
    if n < i64::from(min) || n > i64::from(max) {
        return Err(StoreError::bad_query(
            param,
            format!("must be between {min} and {max}, got {n}"),
        ));
    }
    u32::try_from(n).map_err(|_| StoreError::bad_query(param, "out of range"))
}

fn parse_sort<E: Entity>(raw: &str) -> Result<(&'static str, bool), StoreError> {
    let (name, desc) = match raw.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (raw, false),
    };
    E::SPEC
        .sorts
        .iter()
        .find(|s| **s == name)
        .map(|s| (*s, desc))
        .ok_or_else(|| {
            StoreError::bad_query(
                "sort",
                format!(
                    "cannot sort {} by `{raw}`; valid sorts: {} (prefix with `-` for descending)",
                    E::NAME,
                    E::SPEC.sorts.join(", ")
                ),
            )
        })
}

/// One page of `E` matching the raw query, restricted to what `vis` may see.
pub fn list<E: Entity>(
    conn: &Connection,
    query: &[(String, String)],
    vis: &Visibility,
) -> Result<Page<E>, StoreError> {
    let parsed = parse::<E>(query)?;
    run::<E>(conn, parsed, vis)
}

/// The SQL of a list query: the `COUNT(*)`, the page `SELECT` (whose last two parameters are
/// LIMIT and OFFSET) and the parameters of the shared `WHERE` clause.
#[derive(Debug)]
pub(crate) struct ListSql {
    pub count: String,
    pub select: String,
    pub params: Vec<Value>,
}

/// Builds the SQL of a parsed list query. Only allow-listed column names reach the text.
pub(crate) fn build<E: Entity>(q: &ListQuery, vis: &Visibility) -> ListSql {
    let (owner_sql, owner_param) = validate::owner_condition(E::SPEC.owner_column, vis);
    let mut conditions = vec![owner_sql];
    let mut params: Vec<Value> = owner_param.into_iter().collect();
    for (column, op, value) in &q.filters {
        let op = match op {
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Le => "<=",
        };
        conditions.push(format!("{column} {op} ?"));
        params.push(value.clone());
    }
    let where_sql = conditions.join(" AND ");
    let (sort_col, desc) = q.sort;
    let dir = if desc { "DESC" } else { "ASC" };
    // `id` breaks ties so pages never overlap or skip rows.
    let order = if sort_col == "id" {
        format!("id {dir}")
    } else {
        format!("{sort_col} {dir}, id {dir}")
    };
    ListSql {
        count: format!("SELECT count(*) FROM {} WHERE {where_sql}", E::NAME),
        select: format!(
            "SELECT {} FROM {} WHERE {where_sql} ORDER BY {order} LIMIT ? OFFSET ?",
            E::SPEC.columns,
            E::NAME
        ),
        params,
    }
}

/// Runs a parsed list query.
pub(crate) fn run<E: Entity>(
    conn: &Connection,
    q: ListQuery,
    vis: &Visibility,
) -> Result<Page<E>, StoreError> {
    let ListSql {
        count,
        select,
        mut params,
    } = build::<E>(&q, vis);
    let total: i64 = conn
        .prepare_cached(&count)?
        .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
    params.push(i64::from(q.limit).into());
    params.push(i64::from(q.offset).into());
    let mut stmt = conn.prepare_cached(&select)?;
    let items = stmt
        .query_map(params_from_iter(params.iter()), E::from_row)?
        .collect::<Result<Vec<E>, _>>()?;
    Ok(Page {
        items,
        total,
        limit: q.limit,
        offset: q.offset,
    })
}
