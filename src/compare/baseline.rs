//! The baseline store: named copies of results files under `reports/baselines/<name>/`
//! (`results.json`, and `latency.hlog` when the run wrote one), meant to be committed so CI can
//! compare against them. A results file already records its environment (host, cores, tool
//! version, scenario hash), so a baseline needs no file of its own beside it.
//!
//! [`resolve_baseline`] is how every command turns `--baseline <name|file>` into a file: an
//! existing path (a results file or a run directory) wins, else a saved name.

use std::path::{Path, PathBuf};

use crate::results::{HLOG_FILE, RESULTS_FILE, RunDirError, RunResult, read_results};

/// Where baselines live, relative to the working directory (the repository root in CI).
pub const STORE_DIR: &str = "reports/baselines";

/// Why a baseline could not be saved, found or read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error(
        "'{0}' is not a usable baseline name: use letters, digits, '.', '_' and '-' (not starting with '.')"
    )]
    BadName(String),
    #[error("a baseline named '{name}' exists already ({}): pass --force to replace it", path.display())]
    Exists { name: String, path: PathBuf },
    #[error("no baseline named '{name}' and no such file or run directory{}", known_list(.known))]
    Unknown { name: String, known: Vec<String> },
    #[error("'{}' is a directory without a {RESULTS_FILE}: pass a results file or a run directory", .0.display())]
    NotARunDir(PathBuf),
    #[error("cannot write the baseline '{}': {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Read(#[from] RunDirError),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        format!(
            " (no baselines are saved in {STORE_DIR}/ yet: `stampede baseline save <results.json> --name <name>`)"
        )
    } else {
        format!(" (saved baselines: {})", known.join(", "))
    }
}

/// A baseline as listed: its name, where its results are, and the results themselves.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub name: String,
    pub results_path: PathBuf,
    pub result: RunResult,
}

/// The store under a root directory ([`STORE_DIR`] in the CLI, a temporary one in tests).
#[derive(Debug, Clone)]
pub struct BaselineStore {
    root: PathBuf,
}

impl Default for BaselineStore {
    fn default() -> Self {
        BaselineStore::new(STORE_DIR)
    }
}

impl BaselineStore {
    pub fn new(root: impl Into<PathBuf>) -> BaselineStore {
        BaselineStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Saves the results at `source` (a results file or a run directory) as `name`; the interval
    /// log beside it is copied too. Refuses to replace an existing baseline unless `force`.
    pub fn save(&self, source: &Path, name: &str, force: bool) -> Result<PathBuf, BaselineError> {
        check_name(name)?;
        let results = results_file(source)?;
        // Read it first: only a valid results file becomes a baseline.
        let result = read_results(&results)?;
        let dir = self.root.join(name);
        if dir.join(RESULTS_FILE).exists() && !force {
            return Err(BaselineError::Exists {
                name: name.to_string(),
                path: dir,
            });
        }
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| BaselineError::Write { path, source }
        };
        std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
        let target = dir.join(RESULTS_FILE);
        std::fs::copy(&results, &target).map_err(write_err(&target))?;
        let hlog_name = result.interval_log.as_deref().unwrap_or(HLOG_FILE);
        let hlog = results.with_file_name(hlog_name);
        let saved_hlog = dir.join(hlog_name);
        if hlog.is_file() {
            std::fs::copy(&hlog, &saved_hlog).map_err(write_err(&saved_hlog))?;
        } else if saved_hlog.exists() {
            // A replaced baseline must not keep the old run's interval log.
            std::fs::remove_file(&saved_hlog).map_err(write_err(&saved_hlog))?;
        }
        Ok(target)
    }

    /// The saved names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join(RESULTS_FILE).is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect();
        names.sort();
        names
    }

    /// Every saved baseline, read; unreadable ones are returned as errors beside the rest.
    pub fn list(&self) -> Vec<Result<Baseline, (String, BaselineError)>> {
        self.names()
            .into_iter()
            .map(|name| self.show(&name).map_err(|e| (name, e)))
            .collect()
    }

    /// The baseline `name`, read.
    pub fn show(&self, name: &str) -> Result<Baseline, BaselineError> {
        let path = self.root.join(name).join(RESULTS_FILE);
        if !path.is_file() {
            return Err(BaselineError::Unknown {
                name: name.to_string(),
                known: self.names(),
            });
        }
        let result = read_results(&path)?;
        Ok(Baseline {
            name: name.to_string(),
            results_path: path,
            result,
        })
    }

    /// `arg` as a results file: an existing path wins (a file, or a run directory holding
    /// `results.json`), else a baseline saved under that name.
    pub fn resolve(&self, arg: &str) -> Result<PathBuf, BaselineError> {
        let path = Path::new(arg);
        if path.exists() {
            return results_file(path);
        }
        let saved = self.root.join(arg).join(RESULTS_FILE);
        if check_name(arg).is_ok() && saved.is_file() {
            return Ok(saved);
        }
        Err(BaselineError::Unknown {
            name: arg.to_string(),
            known: self.names(),
        })
    }
}

/// `--baseline <name|file>` against the default store ([`STORE_DIR`]).
pub fn resolve_baseline(arg: &str) -> Result<PathBuf, BaselineError> {
    BaselineStore::default().resolve(arg)
}

/// The results file of a path: itself, or `results.json` inside a run directory.
fn results_file(path: &Path) -> Result<PathBuf, BaselineError> {
    if path.is_dir() {
        let file = path.join(RESULTS_FILE);
        if file.is_file() {
            Ok(file)
        } else {
            Err(BaselineError::NotARunDir(path.to_path_buf()))
        }
    } else {
        Ok(path.to_path_buf())
    }
}

fn check_name(name: &str) -> Result<(), BaselineError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(BaselineError::BadName(name.to_string()))
    }
}
