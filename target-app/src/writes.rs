//! What happens in the cache and the search index after a write is committed: the groups it makes
//! stale are bumped before the response, so no read after it sees an old value; then the written
//! records are stored again (write-through) and the cached queries of the writer's scope it
//! changed are recomputed (refresh on write, see [`crate::refresh`]) in the background, so the
//! writer's next read is usually a hit with the new value. Search updates are queued for the
//! background committer.
//!
//! A request that writes several records (a lead conversion) gathers them in one [`Writes`], so it
//! invalidates once and recomputes each stale query once.

use std::sync::Arc;

use crate::groups::{self, Change};
use crate::reads::{self, Read};
use crate::resource::Resource;
use crate::state::AppState;

/// The committed writes of one request, not yet reflected in the cache.
#[derive(Default)]
pub struct Writes {
    groups: Vec<String>,
    records: Vec<Arc<Read>>,
}

impl Writes {
    /// Adds a committed write of `record` (its state after the write; for a delete, the deleted
    /// record) and queues its search index update (none when an update left its search document
    /// as it was).
    pub fn add<E: Resource>(&mut self, state: &AppState, record: &E, change: Change<'_, E>) {
        for group in groups::write_groups(record, &change) {
            if !self.groups.contains(&group) {
                self.groups.push(group);
            }
        }
        if !matches!(change, Change::Deleted) {
            self.records
                .push(Arc::new(reads::record::<E>(state, record.id())));
        }
        queue_search_update(state, record, &change);
    }

    /// Makes stale what the writes changed, then starts storing the written records and
    /// recomputing the remembered queries of the bumped groups without waiting for it. Runs after
    /// the database commit, so a read that follows the response never sees an old value, and
    /// usually finds the new one cached.
    pub async fn settle(self, state: &AppState) {
        let refs: Vec<&str> = self.groups.iter().map(String::as_str).collect();
        state.cache.invalidate(&refs).await;
        let mut due = self.records;
        due.extend(state.refresh.due(&self.groups));
        state
            .refresh
            .refresh_later(&state.cache, state.db_delay(), due);
    }
}

/// One write: [`Writes::add`] then [`Writes::settle`].
pub async fn after_write<E: Resource>(state: &AppState, record: &E, change: Change<'_, E>) {
    let mut writes = Writes::default();
    writes.add(state, record, change);
    writes.settle(state).await;
}

fn queue_search_update<E: Resource>(state: &AppState, record: &E, change: &Change<'_, E>) {
    let Some(kind) = E::SEARCH_KIND else {
        return;
    };
    let queued = match change {
        Change::Deleted => state.search.delete(kind, record.id(), record.owner_id()),
        Change::Updated(Some(before)) if before.search_doc() == record.search_doc() => Ok(()),
        Change::Created | Change::Updated(_) => {
            let previous_owner = match change {
                Change::Updated(Some(before)) => Some(before.owner_id()),
                _ => None,
            };
            match record.search_doc() {
                Some(doc) => state.search.upsert(doc, previous_owner),
                None => Ok(()),
            }
        }
    };
    if let Err(error) = queued {
        tracing::error!(%error, entity = E::NAME, id = record.id(), "search index update failed");
    }
}
