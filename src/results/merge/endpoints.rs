//! One endpoint's figures from several inputs added up exactly: counts summed, histograms decoded
//! and added.

use super::*;

/// One endpoint's figures being added up.
pub(super) struct Acc {
    name: String,
    method: Option<Option<String>>,
    requests: u64,
    failures: u64,
    bytes_received: u64,
    bytes_sent: u64,
    redirects: u64,
    status_counts: BTreeMap<String, u64>,
    protocols: BTreeMap<String, u64>,
    errors: BTreeMap<ErrorKind, (u64, String)>,
    latency: Histogram<u64>,
    send: Option<Histogram<u64>>,
    cache: CacheCounts,
}

impl Acc {
    pub(super) fn new(name: &str) -> Acc {
        Acc {
            name: name.to_string(),
            method: None,
            requests: 0,
            failures: 0,
            bytes_received: 0,
            bytes_sent: 0,
            redirects: 0,
            status_counts: BTreeMap::new(),
            protocols: BTreeMap::new(),
            errors: BTreeMap::new(),
            latency: new_latency_histogram(),
            send: None,
            cache: CacheCounts::default(),
        }
    }

    pub(super) fn add(&mut self, e: &EndpointStats, path: &Path) -> Result<(), MergeError> {
        let bad = |source| MergeError::Histogram {
            path: path.to_path_buf(),
            endpoint: e.name.clone(),
            source,
        };
        self.latency.add(decode(&e.histogram).map_err(bad)?).ok();
        if let Some(text) = &e.send_histogram {
            let send = decode(text).map_err(bad)?;
            self.send
                .get_or_insert_with(new_latency_histogram)
                .add(send)
                .ok();
        }
        self.method = match self.method.take() {
            None => Some(e.method.clone()),
            Some(m) if m == e.method => Some(m),
            Some(_) => Some(None),
        };
        self.requests += e.requests;
        self.failures += e.failures;
        self.bytes_received += e.bytes_received;
        self.bytes_sent += e.bytes_sent;
        self.redirects += e.redirects;
        for (status, n) in &e.status_counts {
            *self.status_counts.entry(status.clone()).or_default() += n;
        }
        for (protocol, n) in &e.protocols {
            *self.protocols.entry(protocol.clone()).or_default() += n;
        }
        for error in &e.errors {
            self.errors
                .entry(error.kind)
                .or_insert_with(|| (0, error.sample.clone()))
                .0 += error.count;
        }
        self.cache.hits += e.cache.hits;
        self.cache.misses += e.cache.misses;
        self.cache.other += e.cache.other;
        Ok(())
    }

    pub(super) fn finish(
        self,
        seconds: f64,
        open: bool,
        path: &Path,
    ) -> Result<EndpointStats, MergeError> {
        let bad = |source| MergeError::Histogram {
            path: path.to_path_buf(),
            endpoint: self.name.clone(),
            source,
        };
        let send = match (&self.send, open) {
            (Some(h), _) => Some(h.clone()),
            (None, true) => Some(new_latency_histogram()),
            (None, false) => None,
        };
        let (send_latency, send_histogram) = match &send {
            Some(h) => (Some(summarize(h)), Some(encode(h).map_err(bad)?)),
            None => (None, None),
        };
        Ok(EndpointStats {
            histogram: encode(&self.latency).map_err(bad)?,
            latency: summarize(&self.latency),
            name: self.name,
            method: self.method.flatten(),
            requests: self.requests,
            successes: self.requests - self.failures.min(self.requests),
            failures: self.failures,
            rps: if seconds > 0.0 {
                self.requests as f64 / seconds
            } else {
                0.0
            },
            bytes_received: self.bytes_received,
            bytes_sent: self.bytes_sent,
            redirects: self.redirects,
            status_counts: self.status_counts,
            protocols: self.protocols,
            errors: self
                .errors
                .into_iter()
                .map(|(kind, (count, sample))| ErrorCount {
                    kind,
                    count,
                    sample,
                })
                .collect(),
            send_latency,
            send_histogram,
            cache: self.cache,
        })
    }
}
