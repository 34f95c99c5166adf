//! Starting SalesHub: open (and when asked, seed) the database, make the search index match it,
//! choose the cache backend (Redis when reachable, else a private `redis-server` when installed, else
//! memory, said loudly), bind, serve (through [`crate::transport`]: HTTP/1.1 and HTTP/2, TLS when
//! configured, connection timeouts, compression), and shut down gracefully.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use tokio::net::TcpListener;

use crate::cache::{Backend, Cache, CacheConfig};
use crate::faults::{FaultConfig, Faults};
use crate::groups;
use crate::metrics::Metrics;
use crate::redis_server::{self, RedisServer};
use crate::refresh::{self, Registry};
use crate::resource::all_search_docs;
use crate::search::SearchIndex;
use crate::seed::{self, SeedConfig};
use crate::state::AppState;
use crate::store::{self, Store, User};
use crate::throttle::{LoginThrottle, ThrottleConfig};
use crate::transport::{HttpConfig, Transport};

/// Which cache to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CacheChoice {
    /// Redis at `--redis-url` when reachable, else a private redis-server when installed, else memory.
    Auto,
    /// Redis (at `--redis-url`, or a private redis-server when none is given); an error if impossible.
    Redis,
    /// An in-process cache, for machines without Redis.
    Memory,
    /// No cache: every read goes to SQLite (`X-Cache: BYPASS`).
    Off,
}

/// When to seed the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedMode {
    /// Never; an empty database stays empty.
    Never,
    /// When the database has no users yet.
    IfEmpty,
    /// Delete the database and index, then seed.
    Fresh,
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub seed: SeedMode,
    pub seed_config: SeedConfig,
    pub cache: CacheChoice,
    pub redis_url: Option<String>,
    pub cache_config: CacheConfig,
    pub faults: FaultConfig,
    pub pool_size: u32,
    /// Limits on failed sign-ins.
    pub login_throttle: ThrottleConfig,
    /// Protocols, TLS, compression and connection timeouts.
    pub http: HttpConfig,
}

/// The default Redis tried by `--cache auto`.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// A started, bound SalesHub that has not begun serving yet.
pub struct Server {
    pub state: AppState,
    pub addr: SocketAddr,
    /// One line saying which cache is in use, for the start banner and logs.
    pub cache_note: String,
    transport: Transport,
    http: HttpConfig,
    /// The private redis-server, stopped when the server is dropped.
    _redis: Option<RedisServer>,
}

impl Server {
    /// Prepares data, cache and search, and binds the socket.
    pub async fn start(config: ServerConfig) -> anyhow::Result<Server> {
        let (store, search) = prepare_data(&config).await?;
        let (cache, redis, cache_note) = open_cache(&config).await?;
        let refresh = Arc::new(Registry::default());
        let metrics = Arc::new(Metrics::new(cache.clone(), refresh.clone()));
        let state = AppState {
            store,
            cache: cache.clone(),
            search: search.clone(),
            metrics,
            faults: Arc::new(Faults::new(config.faults.clone())),
            refresh,
            throttle: Arc::new(LoginThrottle::new(config.login_throttle)),
        };
        // Search results are cached; an index commit makes stale those of the scopes that can see
        // a changed document, and the answers those reps read recently are recomputed at once
        // (off the request path, like the commit itself).
        let mut commits = search.commit_feed();
        // The task holds no search handle (remembered searches hold weak ones), so the index
        // still closes, and the feed ends, when the server drops it.
        let (registry, db_delay) = (state.refresh.clone(), state.db_delay());
        tokio::spawn(async move {
            while let Some(changed) = commits.next().await {
                let stale = groups::search_commit_groups(&changed);
                let refs: Vec<&str> = stale.iter().map(String::as_str).collect();
                cache.invalidate(&refs).await;
                refresh::refresh(&cache, db_delay, &registry.due(&stale)).await;
            }
        });
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}; is the port taken?", config.addr))?;
        let addr = listener.local_addr()?;
        let transport = Transport::new(listener, config.http.clone())?;
        Ok(Server {
            state,
            addr,
            cache_note,
            transport,
            http: config.http,
            _redis: redis,
        })
    }

    /// Where it serves: `http://ADDR`, or `https://ADDR` with TLS.
    pub fn url(&self) -> String {
        format!("{}://{}", self.http.scheme(), self.addr)
    }

    /// The protocols served, for the start banner.
    pub fn protocols(&self) -> &'static str {
        self.http.protocols()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and flushes the index.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let search = self.state.search.clone();
        let router = crate::app(self.state);
        self.transport
            .serve(router, shutdown)
            .await
            .context("serving HTTP")?;
        search.flush().context("flushing the search index")?;
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// The database file inside the data directory.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("saleshub.db")
}

/// The search index directory inside the data directory.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("search")
}

/// Opens (seeding when asked) the database and makes the search index match it.
pub async fn prepare_data(config: &ServerConfig) -> anyhow::Result<(Store, SearchIndex)> {
    let dir = &config.data_dir;
    if config.seed == SeedMode::Fresh {
        wipe(dir)?;
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory '{}'", dir.display()))?;
    let db = db_path(dir);
    let store = Store::open(&db, config.pool_size)
        .with_context(|| format!("cannot open the database '{}'", db.display()))?;
    let empty = store
        .call(|conn| Ok(store::all::<User>(conn)?.is_empty()))
        .await?;
    if empty && config.seed != SeedMode::Never {
        let seed_config = config.seed_config.clone();
        eprintln!("saleshub: seeding '{}' ...", db.display());
        let report = store
            .call(move |conn| seed::seed(conn, &seed_config))
            .await
            .context("seeding the database")?;
        eprintln!("saleshub: {report}");
    } else if empty {
        eprintln!(
            "saleshub: the database '{}' is empty; start with --seed to fill it",
            db.display()
        );
    }
    let search = open_index(&index_dir(dir))?;
    let docs = store.call(|conn| all_search_docs(conn)).await?;
    if search.num_docs() != docs.len() as u64 {
        let started = Instant::now();
        let count = docs.len();
        let index = search.clone();
        tokio::task::spawn_blocking(move || index.rebuild(docs))
            .await?
            .context("building the search index")?;
        eprintln!(
            "saleshub: indexed {count} records for search in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok((store, search))
}

fn open_index(dir: &Path) -> anyhow::Result<SearchIndex> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the index directory '{}'", dir.display()))?;
    SearchIndex::open(dir).with_context(|| {
        format!(
            "cannot open the search index '{}'; delete it (or start with --reseed) to rebuild it",
            dir.display()
        )
    })
}

/// Deletes the database and the search index of a data directory.
fn wipe(dir: &Path) -> anyhow::Result<()> {
    let db = db_path(dir);
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot delete '{}'", path.display()))?;
        }
    }
    let index = index_dir(dir);
    if index.exists() {
        std::fs::remove_dir_all(&index)
            .with_context(|| format!("cannot delete '{}'", index.display()))?;
    }
    Ok(())
}

/// Chooses and connects the cache; returns it, the private redis-server if one was started, and a
/// note for the start banner.
async fn open_cache(config: &ServerConfig) -> anyhow::Result<(Cache, Option<RedisServer>, String)> {
    let with = |backend: Backend, url: &str| CacheConfig {
        backend,
        redis_url: url.to_string(),
        ..config.cache_config.clone()
    };
    match config.cache {
        CacheChoice::Off => {
            let cache = Cache::connect(with(Backend::Off, "")).await?;
            Ok((cache, None, "cache off: every read goes to SQLite".into()))
        }
        CacheChoice::Memory => Ok((
            memory(with(Backend::Memory, "")).await?,
            None,
            MEMORY_NOTE.into(),
        )),
        CacheChoice::Redis | CacheChoice::Auto => {
            let url = config.redis_url.as_deref().unwrap_or(DEFAULT_REDIS_URL);
            match Cache::connect(with(Backend::Redis, url)).await {
                Ok(cache) => return Ok((cache, None, format!("cache: redis at {url}"))),
                Err(error) if config.redis_url.is_some() => {
                    return Err(
                        anyhow::Error::new(error).context(format!("cannot use Redis at {url}"))
                    );
                }
                Err(_) => {}
            }
            if redis_server::is_installed() {
                let server = RedisServer::start().context("starting a private redis-server")?;
                let url = server.url();
                let cache = Cache::connect(with(Backend::Redis, &url)).await?;
                let note = format!("cache: redis (a private redis-server at {url})");
                return Ok((cache, Some(server), note));
            }
            if config.cache == CacheChoice::Redis {
                bail!(
                    "no Redis at {url} and redis-server is not installed; install it \
                     (apt-get install redis-server), give --redis-url, or use --cache memory"
                );
            }
            Ok((
                memory(with(Backend::Memory, "")).await?,
                None,
                MEMORY_NOTE.into(),
            ))
        }
    }
}

const MEMORY_NOTE: &str = "WARNING: cache: in-process memory (no Redis reachable and redis-server \
                           is not installed); install redis-server for realistic cache behaviour";

async fn memory(config: CacheConfig) -> anyhow::Result<Cache> {
    Ok(Cache::connect(config).await?)
}
