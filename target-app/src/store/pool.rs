//! `Store`: the r2d2 pool of SQLite connections and the bridge from async handlers to the sync
//! query functions (`call` runs them on tokio's blocking pool, so a slow query never stalls the
//! runtime's worker threads).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

use super::{StoreError, schema};

/// A cheap-to-clone handle on the database.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    pool: r2d2::Pool<SqliteConnectionManager>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("pool", &self.inner.pool.state())
            .finish()
    }
}

impl Store {
    /// Opens (creating when missing) the database at `path`, applies the migrations and builds a
    /// pool of `pool_size` connections, each in WAL mode with foreign keys on.
    pub fn open(path: &Path, pool_size: u32) -> Result<Store, StoreError> {
        let manager = SqliteConnectionManager::file(path).with_init(schema::configure);
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .build(manager)?;
        let mut conn = pool.get()?;
        schema::migrate(&mut conn)?;
        drop(conn);
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                path: path.to_owned(),
            }),
        })
    }

    /// The database file this store was opened on.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a pooled connection in `tokio::task::spawn_blocking`.
    pub fn call<T, F>(&self, f: F) -> impl Future<Output = Result<T, StoreError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.inner.pool.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut conn = pool.get()?;
                f(&mut conn)
            })
            .await
            .map_err(|e| StoreError::Join(e.to_string()))?
        }
    }

    /// Runs `f` in an IMMEDIATE transaction on a pooled connection (in
    /// `tokio::task::spawn_blocking`), committed when `f` succeeds and rolled back otherwise.
    ///
    /// Writes go through it so that what they check (a referenced record exists and is visible, a
    /// user owns nothing before being deleted) still holds when they commit: IMMEDIATE takes the
    /// write lock before the first read, so a concurrent delete comes wholly before or wholly after,
    /// never between the check and the write.
    pub fn transaction<T, F>(
        &self,
        f: F,
    ) -> impl Future<Output = Result<T, StoreError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
    }

    /// Runs `f` on a pooled connection on the current thread (start-up work such as seeding, and
    /// code that is already off the async runtime).
    pub fn blocking<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.inner.pool.get()?;
        f(&mut conn)
    }
}

/// A cheap query proving the database answers and holds the schema.
pub fn health(conn: &Connection) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached("SELECT count(*) FROM users")?;
    let _: i64 = stmt.query_row([], |r| r.get(0))?;
    Ok(())
}
