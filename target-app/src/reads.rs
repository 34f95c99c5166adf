//! Every cached read, in one place: how it is keyed, which invalidation groups it depends on and
//! how its value is loaded.
//!
//! Two sides need to know this and must never disagree: the routes, which answer a read through
//! the cache ([`crate::cached`]), and the write side ([`crate::writes`], [`crate::refresh`]),
//! which stores a written record again (write-through) and recomputes the remembered queries a
//! write made stale, long after the request that read them is gone. So a read is a value, a
//! [`Read`], built here by one function per kind of read (a record, a list, a timeline, a
//! dashboard, a revenue report, a search, a suggestion) and loadable any number of times without
//! its request.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use rusqlite::Connection;
use serde::Serialize;
use time::Date;

use crate::cache::Namespace;
use crate::cached::to_json;
use crate::error::AppError;
use crate::groups::{self, cascade_group, record_group, timeline_group};
use crate::resource::Resource;
use crate::search::{DocKind, SearchHit, SearchIndex, SearchRequest, Suggestion};
use crate::state::AppState;
use crate::store::{self, Parent, RevenueBy, Visibility};

type Loader = Arc<dyn Fn() -> BoxFuture<'static, Result<String, AppError>> + Send + Sync>;

/// A cached value and how to compute it again without the request that read it.
pub struct Read {
    /// Its namespace.
    pub ns: Namespace,
    /// Its cache key.
    pub key: String,
    /// The invalidation groups it depends on, in the order the reader passes them.
    pub deps: Vec<String>,
    load: Loader,
}

impl Read {
    /// A read whose value `load` computes (any number of times).
    pub fn new<F, Fut>(ns: Namespace, key: String, deps: Vec<String>, load: F) -> Read
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, AppError>> + Send + 'static,
    {
        Read {
            ns,
            key,
            deps,
            load: Arc::new(move || Box::pin(load())),
        }
    }

    /// Computes the value.
    pub fn load(&self) -> BoxFuture<'static, Result<String, AppError>> {
        (self.load)()
    }

    /// The dependencies as the cache takes them.
    pub fn dep_refs(&self) -> Vec<&str> {
        self.deps.iter().map(String::as_str).collect()
    }

    /// Whether both reads name the same cached value.
    pub fn same_value(&self, other: &Read) -> bool {
        self.ns == other.ns && self.key == other.key
    }
}

impl std::fmt::Debug for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Read")
            .field("ns", &self.ns)
            .field("key", &self.key)
            .field("deps", &self.deps)
            .finish_non_exhaustive()
    }
}

/// The record `id` of `E`, cached for everyone (whoever reads it checks visibility on the way
/// out): read by `GET /api/{entity}/{id}` and stored again by every write of it.
pub fn record<E: Resource>(state: &AppState, id: i64) -> Read {
    let key = record_group(E::NAME, id);
    let deps = vec![record_group(E::NAME, id), cascade_group(E::NAME)];
    from_store(state, Namespace::Records, key, deps, move |conn| {
        store::get::<E>(conn, id, &Visibility::All)?
            .ok_or_else(|| AppError::NotFound(format!("{} {id}", E::NAME)))
    })
}

/// A list of `E` (`GET /api/{entity}?...`) as `vis` sees it.
pub fn list<E: Resource>(state: &AppState, vis: Visibility, pairs: Vec<(String, String)>) -> Read {
    let scope = groups::scope_of(&vis);
    let key = list_key(E::NAME, &pairs, &scope);
    let vis = if E::READABLE_BY_ALL {
        Visibility::All
    } else {
        vis
    };
    let deps = groups::list_groups::<E>(&scope);
    from_store(state, Namespace::Lists, key, deps, move |conn| {
        Ok(store::list::<E>(conn, &pairs, &vis)?)
    })
}

/// The activities of one contact or deal (`GET /api/deals/{id}/activities?...`) as `vis` sees
/// them.
pub fn timeline(
    state: &AppState,
    vis: Visibility,
    parent: Parent,
    pairs: Vec<(String, String)>,
) -> Read {
    let (parent_name, id) = match parent {
        Parent::Contact(id) => ("contacts", id),
        Parent::Deal(id) => ("deals", id),
    };
    let key = list_key(
        &format!("{parent_name}/{id}/activities"),
        &pairs,
        &groups::scope_of(&vis),
    );
    // Activities of any scope can hang off one parent, but this list shows only the user's. Its
    // timeline group is bumped by writes of the parent's activities and by a change of the
    // parent's owner, not by edits of the parent's other fields.
    let deps = vec![
        "activities".to_string(),
        timeline_group(parent_name, id),
        cascade_group(parent_name),
    ];
    from_store(state, Namespace::Lists, key, deps, move |conn| {
        store::activities_of(conn, parent, &pairs, &vis)?
            .ok_or_else(|| AppError::NotFound(format!("{parent_name} {id}")))
    })
}

/// The dashboard of `today` as `vis` sees it.
pub fn dashboard(state: &AppState, vis: Visibility, today: Date) -> Read {
    let scope = groups::scope_of(&vis);
    let key = format!("dashboard|{today}|{scope}");
    let deps = groups::dashboard_groups(&scope).to_vec();
    from_store(state, Namespace::Analytics, key, deps, move |conn| {
        Ok(store::dashboard(conn, &vis, today)?)
    })
}

/// The won revenue grouped `by`, as `vis` sees it.
pub fn revenue(state: &AppState, vis: Visibility, by: RevenueBy) -> Read {
    let scope = groups::scope_of(&vis);
    let key = format!("revenue|{by}|{scope}");
    let deps = groups::revenue_groups(&scope).to_vec();
    from_store(state, Namespace::Analytics, key, deps, move |conn| {
        Ok(store::revenue(conn, &vis, by)?)
    })
}

#[derive(Serialize)]
struct SearchAnswer {
    query: String,
    #[serde(rename = "type")]
    kind: Option<&'static str>,
    total: u64,
    facets: std::collections::BTreeMap<String, u64>,
    hits: Vec<SearchHit>,
}

#[derive(Serialize)]
struct SuggestAnswer {
    query: String,
    suggestions: Vec<Suggestion>,
}

/// A full-text search for `q` (already checked) as `vis` sees it.
pub fn search(
    state: &AppState,
    vis: Visibility,
    q: String,
    kind: Option<DocKind>,
    limit: usize,
) -> Read {
    let scope = groups::scope_of(&vis);
    let kind_name = kind.map(|k| k.as_str());
    let key = format!(
        "q={q}|type={}|limit={limit}|{scope}",
        kind_name.unwrap_or("")
    );
    let request = SearchRequest {
        q,
        kind,
        owner: owner_filter(&vis),
        limit,
    };
    from_index(state, key, &scope, move |index| {
        let results = index.search(&request)?;
        Ok(SearchAnswer {
            query: request.q.clone(),
            kind: kind_name,
            total: results.total,
            facets: results.facets,
            hits: results.hits,
        })
    })
}

/// The autocomplete suggestions for the prefix `q` (already checked) as `vis` sees them.
pub fn suggest(state: &AppState, vis: Visibility, q: String, limit: usize) -> Read {
    let scope = groups::scope_of(&vis);
    let key = format!("suggest={q}|limit={limit}|{scope}");
    let owner = owner_filter(&vis);
    from_index(state, key, &scope, move |index| {
        Ok(SuggestAnswer {
            suggestions: index.suggest(&q, owner, limit)?,
            query: q.clone(),
        })
    })
}

/// The cache key of a list query: the query in a canonical order, and what the user can see.
///
/// Names and values are form-encoded (`&`, `=`, `|`, `%` and the rest escaped), so the key
/// says unambiguously which pairs were asked: `email=x%26limit%3D1` (one parameter) and
/// `email=x&limit=1` (two) have different keys, and no value can reach into the scope.
pub fn list_key(prefix: &str, pairs: &[(String, String)], scope: &str) -> String {
    let mut sorted: Vec<_> = pairs.iter().collect();
    sorted.sort();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(sorted)
        .finish();
    format!("{prefix}?{query}|{scope}")
}

fn owner_filter(vis: &Visibility) -> Option<i64> {
    match vis {
        Visibility::All => None,
        Visibility::Owner(id) => Some(*id),
    }
}

/// A read loaded by one database query on a pooled connection.
fn from_store<T, F>(
    state: &AppState,
    ns: Namespace,
    key: String,
    deps: Vec<String>,
    query: F,
) -> Read
where
    T: Serialize + Send + 'static,
    F: Fn(&Connection) -> Result<T, AppError> + Send + Sync + 'static,
{
    let store = state.store.clone();
    let query = Arc::new(query);
    Read::new(ns, key, deps, move || {
        let (store, query) = (store.clone(), query.clone());
        async move { to_json(&store.call(move |conn| Ok(query(conn))).await??) }
    })
}

/// A read of the search index (in the search namespace, under the groups of `scope`), run on the
/// blocking pool.
fn from_index<T, F>(state: &AppState, key: String, scope: &str, query: F) -> Read
where
    T: Serialize + Send + 'static,
    F: Fn(&SearchIndex) -> Result<T, AppError> + Send + Sync + 'static,
{
    let deps = groups::search_groups(scope).to_vec();
    // Weak: a remembered query must not keep the index (and its committer) open.
    let index = state.search.downgrade();
    let query = Arc::new(query);
    Read::new(Namespace::Search, key, deps, move || {
        let (index, query) = (index.clone(), query.clone());
        async move {
            let index = index.upgrade()?;
            to_json(&tokio::task::spawn_blocking(move || query(&index)).await??)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn list_keys_are_canonical_and_unambiguous() {
        let one = list_key("contacts", &pairs(&[("email", "x&limit=1")]), "owner7");
        let two = list_key(
            "contacts",
            &pairs(&[("email", "x"), ("limit", "1")]),
            "owner7",
        );
        assert_ne!(one, two);
        assert_eq!(two, "contacts?email=x&limit=1|owner7");
        assert_eq!(
            two,
            list_key(
                "contacts",
                &pairs(&[("limit", "1"), ("email", "x")]),
                "owner7"
            ),
            "the order of the parameters does not matter"
        );
        let reaching = list_key("contacts", &pairs(&[("email", "x|all")]), "owner7");
        assert!(reaching.ends_with("|owner7"));
        assert_eq!(reaching.matches('|').count(), 1);
    }
}
