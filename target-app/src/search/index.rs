//! [`SearchIndex`]: the handle the rest of SalesHub holds. It owns the tantivy index, its single
//! writer (behind a mutex: tantivy allows one writer per index) and reader, and the background
//! committer. The API is synchronous (tantivy is); the HTTP layer calls it in `spawn_blocking`.

use std::borrow::Borrow;
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use tantivy::collector::FilterCollector;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, TantivyDocument,
    Term,
};
use tokio::sync::watch;

use super::committer::{Committer, Signal};
use super::doc::{DocKind, SearchDoc};
use super::error::SearchError;
use super::facets::KindCounter;
use super::request::SearchRequest;
use super::results::{SearchHit, SearchResults, Suggestion};
use super::schema::{self, Fields, KIND_FIELD};
use super::{MAX_LIMIT, query, rank, suggest};

/// Memory the index writer may buffer before it flushes a segment (split over its threads).
const WRITER_MEMORY_BYTES: usize = 96 * 1024 * 1024;
/// Indexing threads; SalesHub shares a small machine with its load generator.
const WRITER_THREADS: usize = 2;

/// A full-text index of contacts, companies, deals and leads. Cheap to clone (shared inside);
/// the background committer stops when the last clone drops.
#[derive(Clone)]
pub struct SearchIndex {
    shared: Arc<Shared>,
    // Only held for its `Drop`, which stops the committer thread.
    _committer: Arc<Committer>,
}

/// The state shared by the handles and the committer thread.
pub(crate) struct Shared {
    fields: Fields,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    commits: watch::Sender<u64>,
    /// Owners of the documents queued in the writer. Changed only while holding the writer, so a
    /// commit takes exactly the owners of what it commits.
    queued: Mutex<Owners>,
    /// Owners of committed, visible changes not yet reported by [`CommitFeed::next`].
    visible: Mutex<Owners>,
    pub(crate) signal: Arc<Signal>,
}

/// A [`SearchIndex`] that may have been closed since: [`WeakSearchIndex::upgrade`] it to use it.
#[derive(Clone, Debug)]
pub struct WeakSearchIndex {
    shared: Weak<Shared>,
    committer: Weak<Committer>,
}

impl WeakSearchIndex {
    /// The index, or [`SearchError::Closed`] once every [`SearchIndex`] handle was dropped.
    pub fn upgrade(&self) -> Result<SearchIndex, SearchError> {
        match (self.shared.upgrade(), self.committer.upgrade()) {
            (Some(shared), Some(committer)) => Ok(SearchIndex {
                shared,
                _committer: committer,
            }),
            _ => Err(SearchError::Closed),
        }
    }
}

/// Whose documents the commits reported by [`CommitFeed::next`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// Anyone's: the whole index was rebuilt.
    Anyone,
    /// The documents of these owners (possibly none).
    Owners(BTreeSet<i64>),
}

/// Commits made visible, from [`SearchIndex::commit_feed`].
#[derive(Debug)]
pub struct CommitFeed {
    ticks: watch::Receiver<u64>,
    shared: Weak<Shared>,
}

impl CommitFeed {
    /// Waits for the next commit and says whose documents changed in every commit made visible
    /// since the last call; `None` once the index is closed.
    pub async fn next(&mut self) -> Option<Changed> {
        self.ticks.changed().await.ok()?;
        let shared = self.shared.upgrade()?;
        let Owners { anyone, owners } = std::mem::take(&mut *lock(&shared.visible));
        Some(if anyone {
            Changed::Anyone
        } else {
            Changed::Owners(owners)
        })
    }
}

/// Whose documents changed: some owners, or anyone's (a rebuild).
#[derive(Debug, Default)]
struct Owners {
    anyone: bool,
    owners: BTreeSet<i64>,
}

impl Owners {
    fn merge(&mut self, other: Owners) {
        self.anyone |= other.anyone;
        self.owners.extend(other.owners);
    }
}

impl Shared {
    /// Commits what the writer holds, makes it visible to searches, then ticks `commits`.
    pub(crate) fn commit_and_reload(&self) -> Result<(), SearchError> {
        let changed = {
            let mut writer = self.lock_writer();
            writer.commit()?;
            std::mem::take(&mut *lock(&self.queued))
        };
        self.publish(changed)
    }

    /// Reloads the reader, then records `changed` as visible and ticks `commits` (in this order,
    /// so whoever reacts to the tick finds the changes searchable). When the reload fails the
    /// owners go back to the queue, for the retried commit to announce.
    fn publish(&self, changed: Owners) -> Result<(), SearchError> {
        if let Err(error) = self.reader.reload() {
            lock(&self.queued).merge(changed);
            return Err(error.into());
        }
        lock(&self.visible).merge(changed);
        self.commits.send_modify(|count| *count += 1);
        Ok(())
    }

    fn lock_writer(&self) -> MutexGuard<'_, IndexWriter> {
        // A panic while holding the writer leaves at worst uncommitted documents in it, which the
        // next commit or rebuild handles: keep serving rather than poison every later call.
        lock(&self.writer)
    }

    fn key_term(&self, kind: DocKind, id: i64) -> Term {
        Term::from_field_text(self.fields.key, &SearchDoc::key_of(kind, id))
    }
}

/// Locks `mutex`, also after a panic elsewhere (every value guarded here stays consistent).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index when missing. An index
    /// written with another schema, or locked by another process, is an error telling to re-seed.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(|source| SearchError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        let open_error = |source| SearchError::Open {
            path: dir.to_owned(),
            source,
        };
        let directory = MmapDirectory::open(dir).map_err(|err| open_error(err.into()))?;
        let (schema, fields) = schema::build();
        let index = Index::open_or_create(directory, schema).map_err(open_error)?;
        SearchIndex::start(index, fields).map_err(|err| match err {
            SearchError::Tantivy(source) => open_error(source),
            other => other,
        })
    }

    /// An index held in memory, for tests.
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema::build();
        SearchIndex::start(Index::create_in_ram(schema), fields)
    }

    fn start(index: Index, fields: Fields) -> Result<SearchIndex, SearchError> {
        schema::register_tokenizers(&index)?;
        let writer = index.writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let shared = Arc::new(Shared {
            fields,
            writer: Mutex::new(writer),
            reader,
            commits: watch::Sender::new(0),
            queued: Mutex::default(),
            visible: Mutex::default(),
            signal: Arc::default(),
        });
        let committer = Committer::spawn(Arc::clone(&shared))
            .map_err(|err| tantivy::TantivyError::SystemError(err.to_string()))?;
        Ok(SearchIndex {
            shared,
            _committer: Arc::new(committer),
        })
    }

    /// Replaces the whole content of the index with `docs`, commits and makes it visible. Returns
    /// the number of documents indexed. Changes queued before the call are discarded.
    pub fn rebuild(&self, docs: impl IntoIterator<Item = SearchDoc>) -> Result<u64, SearchError> {
        let shared = &self.shared;
        let mut writer = shared.lock_writer();
        writer.rollback()?;
        writer.delete_all_documents()?;
        let mut count = 0u64;
        for doc in docs {
            writer.add_document(schema::to_document(&shared.fields, &doc))?;
            count += 1;
        }
        shared.signal.clear_pending();
        writer.commit()?;
        *lock(&shared.queued) = Owners::default();
        drop(writer);
        shared.publish(Owners {
            anyone: true,
            owners: BTreeSet::new(),
        })?;
        Ok(count)
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.shared.reader.searcher().num_docs()
    }

    /// Adds `doc`, replacing any document with the same kind and id; `previous_owner` is the
    /// owner of the replaced document when it may differ (its searches change too). Searchable
    /// after the next background commit (well within a second) or [`SearchIndex::flush`].
    pub fn upsert(
        &self,
        doc: impl Borrow<SearchDoc>,
        previous_owner: Option<i64>,
    ) -> Result<(), SearchError> {
        let doc = doc.borrow();
        let shared = &self.shared;
        let document = schema::to_document(&shared.fields, doc);
        {
            let writer = shared.lock_writer();
            writer.delete_term(shared.key_term(doc.kind, doc.id));
            writer.add_document(document)?;
            let mut queued = lock(&shared.queued);
            queued.owners.insert(doc.owner_id);
            queued.owners.extend(previous_owner);
        }
        shared.signal.mark_pending();
        Ok(())
    }

    /// Removes the document of this kind and id (if any), owned by `owner_id`, at the next commit.
    pub fn delete(&self, kind: DocKind, id: i64, owner_id: i64) -> Result<(), SearchError> {
        let shared = &self.shared;
        {
            let writer = shared.lock_writer();
            writer.delete_term(shared.key_term(kind, id));
            lock(&shared.queued).owners.insert(owner_id);
        }
        shared.signal.mark_pending();
        Ok(())
    }

    /// The feed of the commits made visible from now on, saying whose documents they changed, so
    /// cached search answers can be dropped. Take one feed per index (feeds share what they
    /// report). It does not keep the index open.
    pub fn commit_feed(&self) -> CommitFeed {
        let mut visible = lock(&self.shared.visible);
        *visible = Owners::default();
        CommitFeed {
            ticks: self.shared.commits.subscribe(),
            shared: Arc::downgrade(&self.shared),
        }
    }

    /// A handle that does not keep the index open, for what outlives requests (remembered
    /// search queries that writes recompute, see `crate::refresh`).
    pub fn downgrade(&self) -> WeakSearchIndex {
        WeakSearchIndex {
            shared: Arc::downgrade(&self.shared),
            committer: Arc::downgrade(&self._committer),
        }
    }

    /// Commits queued changes now and makes them visible (tests, shutdown).
    pub fn flush(&self) -> Result<(), SearchError> {
        self.shared.signal.clear_pending();
        self.shared.commit_and_reload()
    }

    /// Runs a full-text search. Any `q` is accepted; see [`SearchRequest`].
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let fields = &self.shared.fields;
        let Some(text_query) = query::build(fields, &req.q) else {
            return Ok(SearchResults::empty());
        };
        let query = with_owner(fields, text_query, req.owner);
        let searcher = self.shared.reader.searcher();
        let limit = req.limit.min(MAX_LIMIT);
        if limit == 0 {
            let counts = searcher.search(&query, &KindCounter)?;
            return Ok(SearchResults::new(counts, req.kind, Vec::new()));
        }
        let wanted = req.kind.map(DocKind::code);
        let top = FilterCollector::new(
            KIND_FIELD.to_owned(),
            move |code: u64| wanted.is_none_or(|wanted| wanted == code),
            rank::top_docs(fields, limit),
        );
        let (counts, top) = searcher.search(&query, &(KindCounter, top))?;
        let hits = top
            .into_iter()
            .map(|(score, address)| load_hit(&searcher, fields, score, address))
            .filter_map(Result::transpose)
            .collect::<Result<_, _>>()?;
        Ok(SearchResults::new(counts, req.kind, hits))
    }

    /// Autocompletes `prefix` against the words of titles; see [`suggest`](super::suggest).
    pub fn suggest(
        &self,
        prefix: &str,
        owner: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Suggestion>, SearchError> {
        let fields = &self.shared.fields;
        let Some(query) = suggest::build(fields, prefix) else {
            return Ok(Vec::new());
        };
        let query = with_owner(fields, query, owner);
        suggest::run(&self.shared.reader.searcher(), fields, &query, limit)
    }
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("num_docs", &self.num_docs())
            .finish_non_exhaustive()
    }
}

/// Restricts `query` to documents of `owner` when there is one. The filter adds no score.
pub(crate) fn with_owner(
    fields: &Fields,
    query: Box<dyn Query>,
    owner: Option<i64>,
) -> Box<dyn Query> {
    let Some(owner) = owner else {
        return query;
    };
    let owned = TermQuery::new(
        Term::from_field_i64(fields.owner_id, owner),
        IndexRecordOption::Basic,
    );
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, query),
        (
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(owned), 0.0)),
        ),
    ]))
}

/// Reads the stored fields of a hit; `None` for a document this version did not write.
fn load_hit(
    searcher: &Searcher,
    fields: &Fields,
    score: Score,
    address: DocAddress,
) -> Result<Option<SearchHit>, SearchError> {
    let doc: TantivyDocument = searcher.doc(address)?;
    let text = |field| {
        doc.get_first(field)
            .and_then(|value| value.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let kind = doc
        .get_first(fields.kind)
        .and_then(|value| value.as_u64())
        .and_then(DocKind::from_code);
    let id = doc.get_first(fields.id).and_then(|value| value.as_i64());
    Ok(kind.zip(id).map(|(kind, id)| SearchHit {
        kind,
        id,
        title: text(fields.title),
        subtitle: text(fields.subtitle),
        score,
    }))
}
