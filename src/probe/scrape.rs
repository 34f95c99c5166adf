//! The server side of the cache hit rate: the target's Prometheus `/metrics` scraped at the start,
//! every `scrape_every`, and at the end; the hits and misses of the measured phase are end minus
//! start, by namespace. Compared with the `X-Cache` headers, it shows whether the cache behaves as
//! the client sees it. Best-effort: a failed scrape is skipped, and only a run with fewer than two
//! good scrapes has no server-side figure.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::prometheus::parse_counters;
use crate::model::{CacheCounts, ServerCache, ServerCacheSample};
use crate::scenario::plan::{CacheSpec, TlsTrust};

/// Timeout of one scrape.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(3);

/// Why there is no server-side cache figure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScrapeError {
    #[error("cannot scrape {url}: {message}")]
    Request { url: String, message: String },
    #[error("cannot scrape {url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error(
        "server-side cache counters unavailable: {good} of {tried} scrapes of {url} succeeded (2 \
         needed){}", .first_error.as_ref().map(|e| format!("; first error: {e}")).unwrap_or_default()
    )]
    TooFew {
        url: String,
        good: usize,
        tried: usize,
        first_error: Option<String>,
    },
}

/// What to scrape.
#[derive(Debug, Clone)]
pub struct ScrapeConfig {
    /// Full URL of the metrics endpoint.
    pub url: String,
    pub metrics_path: String,
    pub hits_metric: String,
    pub misses_metric: String,
    pub every: Duration,
    /// Start of the measured phase (offsets of the samples are relative to it).
    pub started: Instant,
    /// How an https target's certificate is checked (as for the load).
    pub tls: TlsTrust,
}

impl ScrapeConfig {
    /// From the scenario's cache settings; `None` when scraping is off (`metrics_path` unset).
    pub fn from_spec(
        base_url: &str,
        spec: &CacheSpec,
        tls: &TlsTrust,
        started: Instant,
    ) -> Option<ScrapeConfig> {
        let path = spec.metrics_path.as_ref()?;
        Some(ScrapeConfig {
            url: format!("{}{}", base_url.trim_end_matches('/'), path),
            metrics_path: path.clone(),
            hits_metric: spec.hits_metric.clone(),
            misses_metric: spec.misses_metric.clone(),
            every: spec.scrape_every.max(Duration::from_millis(100)),
            started,
            tls: tls.clone(),
        })
    }
}

/// One scrape: the counters by namespace.
pub async fn scrape_once(
    client: &reqwest::Client,
    cfg: &ScrapeConfig,
) -> Result<BTreeMap<String, CacheCounts>, ScrapeError> {
    let request_err = |e: reqwest::Error| ScrapeError::Request {
        url: cfg.url.clone(),
        message: e.without_url().to_string(),
    };
    let response = client.get(&cfg.url).send().await.map_err(request_err)?;
    if !response.status().is_success() {
        return Err(ScrapeError::Status {
            url: cfg.url.clone(),
            status: response.status().as_u16(),
        });
    }
    let text = response.text().await.map_err(request_err)?;
    Ok(parse_counters(&text, &cfg.hits_metric, &cfg.misses_metric))
}

/// Where the scraper publishes the counters of the measured phase so far, after each good scrape
/// from the second on (the live dashboard reads it).
pub type LatestServerCache = Arc<Mutex<Option<ServerCache>>>;

/// Scrapes in the background until stopped.
pub struct CacheScraper {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<ServerCache, ScrapeError>>,
}

impl CacheScraper {
    /// Takes the first scrape now (before the load, so call it before starting the engine), then
    /// one every `cfg.every` in the background, publishing the figures so far in `latest`. Needs a
    /// tokio runtime.
    pub async fn start(cfg: ScrapeConfig, latest: LatestServerCache) -> CacheScraper {
        // A client that cannot be built (a CA the TLS library rejects, which the load's own client
        // reports first) leaves a default one: its scrapes fail and say so in the warnings.
        let client = crate::engine::tls::reqwest_builder(&cfg.tls)
            .ok()
            .and_then(|b| b.timeout(SCRAPE_TIMEOUT).build().ok())
            .unwrap_or_default();
        let mut state = Scrapes::new(cfg.clone(), latest);
        state.take(&client).await;
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tokio::time::sleep(cfg.every) => state.take(&client).await,
                }
            }
            state.take(&client).await;
            state.cache()
        });
        CacheScraper { stop, task }
    }

    /// Takes the final scrape and returns the counters of the measured phase.
    pub async fn stop(self) -> Result<ServerCache, ScrapeError> {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(ScrapeError::Request {
                url: String::new(),
                message: format!("the scraper task failed: {e}"),
            }),
        }
    }
}

/// The scrapes so far.
struct Scrapes {
    cfg: ScrapeConfig,
    latest: LatestServerCache,
    samples: Vec<ServerCacheSample>,
    tried: usize,
    first_error: Option<String>,
}

impl Scrapes {
    fn new(cfg: ScrapeConfig, latest: LatestServerCache) -> Scrapes {
        Scrapes {
            cfg,
            latest,
            samples: Vec::new(),
            tried: 0,
            first_error: None,
        }
    }

    async fn take(&mut self, client: &reqwest::Client) {
        self.tried += 1;
        let now = Instant::now();
        let offset_secs = if now >= self.cfg.started {
            (now - self.cfg.started).as_secs_f64()
        } else {
            -(self.cfg.started - now).as_secs_f64()
        };
        match scrape_once(client, &self.cfg).await {
            Ok(namespaces) => {
                self.samples.push(ServerCacheSample {
                    offset_secs,
                    namespaces,
                });
                if let Ok(cache) = self.cache() {
                    *self.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(cache);
                }
            }
            Err(e) => {
                self.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }

    /// The counters of the measured phase: the last scrape minus the first.
    fn cache(&self) -> Result<ServerCache, ScrapeError> {
        let (Some(first), Some(last)) = (self.samples.first(), self.samples.last()) else {
            return Err(self.too_few());
        };
        if self.samples.len() < 2 {
            return Err(self.too_few());
        }
        let mut namespaces = BTreeMap::new();
        let mut total = CacheCounts::default();
        for (name, end) in &last.namespaces {
            let start = first.namespaces.get(name).copied().unwrap_or_default();
            // A counter lower at the end than at the start was reset (target restarted): count
            // from zero.
            let delta = |end: u64, start: u64| if end >= start { end - start } else { end };
            let counts = CacheCounts {
                hits: delta(end.hits, start.hits),
                misses: delta(end.misses, start.misses),
                other: 0,
            };
            total.hits += counts.hits;
            total.misses += counts.misses;
            namespaces.insert(name.clone(), counts);
        }
        Ok(ServerCache {
            metrics_path: self.cfg.metrics_path.clone(),
            namespaces,
            total,
            samples: self.samples.clone(),
        })
    }

    fn too_few(&self) -> ScrapeError {
        ScrapeError::TooFew {
            url: self.cfg.url.clone(),
            good: self.samples.len(),
            tried: self.tried,
            first_error: self.first_error.clone(),
        }
    }
}
