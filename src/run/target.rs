//! The target of a run, made ready before any load: the bundled SalesHub started (seeded on first
//! use, its notes shown), or a URL checked to answer (unreachable: a clear error within seconds,
//! nothing sent, no results written). Ctrl-C during either stops the run before it starts.

use std::io::Write;

use tokio_util::sync::CancellationToken;

use super::{RunError, RunSettings, reach};
use crate::engine::bundled::{BundledError, BundledOptions, BundledTarget};
use crate::model::TargetInfo;
use crate::scenario::Plan;
use crate::scenario::plan::TargetKind;

/// A target ready for load.
pub struct ReadyTarget {
    pub base_url: String,
    /// What the results say about it.
    pub info: TargetInfo,
    /// Its process, when it runs on this machine (for its CPU and RSS).
    pub pid: Option<u32>,
    /// The bundled SalesHub we started, stopped when the run is over.
    pub bundled: Option<BundledTarget>,
}

/// Starts the bundled target or checks that the URL answers.
pub async fn prepare(
    plan: &Plan,
    settings: &RunSettings,
    cancel: &CancellationToken,
    err: &mut dyn Write,
) -> Result<ReadyTarget, RunError> {
    match &plan.target.kind {
        TargetKind::Bundled(spec) => {
            let mut options = BundledOptions::new(settings.exe.clone(), spec.clone());
            options.show_notes = !settings.quiet;
            if !settings.quiet {
                let _ = writeln!(
                    err,
                    "starting the bundled SalesHub (data in '{}'; seeding it the first time can take a minute)",
                    options.data_dir.display()
                );
            }
            let target = BundledTarget::start(&options, cancel)
                .await
                .map_err(|e| match e {
                    BundledError::Interrupted => RunError::InterruptedEarly,
                    e => RunError::Bundled(e),
                })?;
            for note in target.notes() {
                let _ = writeln!(err, "note: {note}");
            }
            Ok(ReadyTarget {
                base_url: target.base_url().to_string(),
                info: TargetInfo {
                    url: target.base_url().to_string(),
                    bundled: true,
                    cache_backend: Some(target.cache_backend().to_string()),
                    notes: target.notes().to_vec(),
                },
                pid: Some(target.pid()),
                bundled: Some(target),
            })
        }
        TargetKind::Url { base_url } => {
            tokio::select! {
                reached = reach::check_reachable(base_url, &plan.target) => reached?,
                () = cancel.cancelled() => return Err(RunError::InterruptedEarly),
            }
            Ok(ReadyTarget {
                base_url: base_url.clone(),
                info: TargetInfo {
                    url: base_url.clone(),
                    bundled: false,
                    cache_backend: None,
                    notes: Vec::new(),
                },
                pid: plan.target.pid,
                bundled: None,
            })
        }
    }
}
