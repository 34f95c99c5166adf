//! `[load]`: the model (open, closed, throughput) and its profile, either one level and a duration
//! or consecutive stages that hold or ramp.

use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::plan::{LoadModel, LoadSpec, RateStage, UserStage};
use super::raw::{RawLoad, RawModel, RawStage};
use super::validate::{Ctx, join};
use super::values::{DurationValue, LoadLevel, parse_rate};

/// Open-model cap on iterations in flight when the scenario sets none.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 1000;
/// Upper bound for users, connections and the in-flight cap: far beyond one generator, low enough
/// to catch a typo such as an extra zero or two.
pub(crate) const MAX_CONCURRENCY: i64 = 1_000_000;

/// A `[load]` key, where it is written, and the models it applies to.
type ModelKey<'a> = (&'a str, Option<Range<usize>>, &'a [RawModel]);

pub(crate) fn load(ctx: &mut Ctx, raw: &Spanned<RawLoad>) -> Option<LoadSpec> {
    let l = raw.get_ref();
    let model = l.model.as_ref().map_or(RawModel::Open, |m| *m.get_ref());
    let warmup = l.warmup.as_ref().map_or(Duration::ZERO, |w| w.get_ref().0);
    // Keys that belong to another model are errors, not silently ignored.
    let foreign: [ModelKey; 5] = [
        (
            "rate",
            l.rate.as_ref().map(Spanned::span),
            &[RawModel::Open],
        ),
        (
            "users",
            l.users.as_ref().map(Spanned::span),
            &[RawModel::Closed],
        ),
        (
            "connections",
            l.connections.as_ref().map(Spanned::span),
            &[RawModel::Throughput, RawModel::Open],
        ),
        (
            "max_in_flight",
            l.max_in_flight.as_ref().map(Spanned::span),
            &[RawModel::Open],
        ),
        (
            "stages",
            l.stages.as_ref().map(Spanned::span),
            &[RawModel::Open, RawModel::Closed],
        ),
    ];
    let mut ok = true;
    for (key, span, models) in foreign {
        if let Some(span) = span
            && !models.contains(&model)
        {
            let names: Vec<&str> = models.iter().map(|m| m.name()).collect();
            ctx.err(
                span,
                &join("load", key),
                format!(
                    "`{key}` applies to the {} model, and this load has model = \"{}\"",
                    names.join(" and "),
                    model.name()
                ),
            );
            ok = false;
        }
    }
    let duration = l
        .duration
        .as_ref()
        .map(|d| ctx.positive(d, "load.duration"));
    let model = match model {
        RawModel::Open => {
            let max_in_flight = l.max_in_flight.as_ref().map_or(DEFAULT_MAX_IN_FLIGHT, |m| {
                ctx.int_in(m, "load.max_in_flight", 1, MAX_CONCURRENCY)
            });
            let stages = match (&l.stages, &l.rate) {
                (Some(stages), None) => open_stages(ctx, stages, l.duration.as_ref()),
                (None, Some(rate)) => {
                    let r = rate.get_ref().0;
                    if r <= 0.0 {
                        ctx.err(rate.span(), "load.rate", "must be greater than zero");
                    }
                    vec![RateStage {
                        duration: need_duration(ctx, raw, duration)?,
                        start_rate: r,
                        end_rate: r,
                    }]
                }
                (Some(s), Some(_)) => {
                    ctx.err(
                        s.span(),
                        "load.stages",
                        "give either `rate` and `duration`, or `stages`, not both",
                    );
                    return None;
                }
                (None, None) => {
                    ctx.err(raw.span(), "load", "the open model needs `rate` and `duration` (e.g. rate = \"200/s\", duration = \"1m\"), or `stages`");
                    return None;
                }
            };
            let connections = l
                .connections
                .as_ref()
                .map(|c| ctx.int_in(c, "load.connections", 1, MAX_CONCURRENCY));
            LoadModel::Open {
                stages,
                max_in_flight,
                connections,
            }
        }
        RawModel::Closed => {
            let stages = match (&l.stages, &l.users) {
                (Some(stages), None) => closed_stages(ctx, stages, l.duration.as_ref()),
                (None, Some(users)) => {
                    let u = ctx.int_in(users, "load.users", 1, MAX_CONCURRENCY);
                    vec![UserStage {
                        duration: need_duration(ctx, raw, duration)?,
                        start_users: u,
                        end_users: u,
                    }]
                }
                (Some(s), Some(_)) => {
                    ctx.err(
                        s.span(),
                        "load.stages",
                        "give either `users` and `duration`, or `stages`, not both",
                    );
                    return None;
                }
                (None, None) => {
                    ctx.err(raw.span(), "load", "the closed model needs `users` and `duration` (e.g. users = 20, duration = \"1m\"), or `stages`");
                    return None;
                }
            };
            LoadModel::Closed { stages }
        }
        RawModel::Throughput => {
            let Some(connections) = &l.connections else {
                ctx.err(raw.span(), "load", "the throughput model needs `connections` and `duration` (e.g. connections = 64, duration = \"15s\")");
                return None;
            };
            let connections = ctx.int_in(connections, "load.connections", 1, MAX_CONCURRENCY);
            LoadModel::Throughput {
                connections,
                duration: need_duration(ctx, raw, duration)?,
            }
        }
    };
    ok.then_some(LoadSpec { model, warmup })
}

fn need_duration(
    ctx: &mut Ctx,
    raw: &Spanned<RawLoad>,
    duration: Option<Duration>,
) -> Option<Duration> {
    if duration.is_none() {
        ctx.err(
            raw.span(),
            "load",
            "missing `duration`: how long the load lasts, e.g. duration = \"1m\"",
        );
    }
    duration
}

fn stages_common(
    ctx: &mut Ctx,
    stages: &Spanned<Vec<Spanned<RawStage>>>,
    duration: Option<&Spanned<DurationValue>>,
) {
    if let Some(d) = duration {
        ctx.err(
            d.span(),
            "load.duration",
            "with `stages`, each stage has its own `duration`: remove this one",
        );
    }
    if stages.get_ref().is_empty() {
        ctx.err(stages.span(), "load.stages", "must have at least one stage");
    }
}

fn open_stages(
    ctx: &mut Ctx,
    stages: &Spanned<Vec<Spanned<RawStage>>>,
    duration: Option<&Spanned<DurationValue>>,
) -> Vec<RateStage> {
    stages_common(ctx, stages, duration);
    let mut out = Vec::new();
    let mut previous = 0.0;
    for (i, s) in stages.get_ref().iter().enumerate() {
        let key = format!("load.stages[{i}]");
        let raw = s.get_ref();
        let duration = ctx.positive(&raw.duration, &format!("{key}.duration"));
        if let Some(u) = &raw.users {
            ctx.err(u.span(), &format!("{key}.users"), "`users` is for the closed model; open-model stages take `rate`, or `from`/`to` rates");
        }
        let level = |ctx: &mut Ctx, v: &Spanned<LoadLevel>, k: &str| -> f64 {
            match v.get_ref() {
                LoadLevel::Rate(text) => parse_rate(text).map(|r| r.0).unwrap_or_else(|e| {
                    ctx.err(v.span(), &format!("{key}.{k}"), e);
                    0.0
                }),
                LoadLevel::Count(n) => {
                    ctx.err(
                        v.span(),
                        &format!("{key}.{k}"),
                        format!("expected a rate such as \"{n}/s\": this is the open model"),
                    );
                    0.0
                }
            }
        };
        let (start, end) = match (&raw.rate, &raw.from, &raw.to) {
            (Some(rate), None, None) => {
                let r = rate.get_ref().0;
                if r <= 0.0 {
                    ctx.err(
                        rate.span(),
                        &format!("{key}.rate"),
                        "must be greater than zero (a pause in the load distorts every figure)",
                    );
                }
                (r, r)
            }
            (None, from, Some(to)) => {
                let start = from.as_ref().map_or(previous, |f| level(ctx, f, "from"));
                let end = level(ctx, to, "to");
                if start <= 0.0 && end <= 0.0 {
                    ctx.err(
                        to.span(),
                        &format!("{key}.to"),
                        "a ramp from zero to zero sends nothing: one end must be above zero",
                    );
                }
                (start, end)
            }
            _ => {
                ctx.err(s.span(), &key, "a stage takes either `rate` (hold), or `to` with an optional `from` (ramp from the previous stage's rate)");
                continue;
            }
        };
        previous = end;
        out.push(RateStage {
            duration,
            start_rate: start,
            end_rate: end,
        });
    }
    out
}

fn closed_stages(
    ctx: &mut Ctx,
    stages: &Spanned<Vec<Spanned<RawStage>>>,
    duration: Option<&Spanned<DurationValue>>,
) -> Vec<UserStage> {
    stages_common(ctx, stages, duration);
    let mut out = Vec::new();
    let mut previous = 0;
    for (i, s) in stages.get_ref().iter().enumerate() {
        let key = format!("load.stages[{i}]");
        let raw = s.get_ref();
        let duration = ctx.positive(&raw.duration, &format!("{key}.duration"));
        if let Some(r) = &raw.rate {
            ctx.err(r.span(), &format!("{key}.rate"), "`rate` is for the open model; closed-model stages take `users`, or `from`/`to` user counts");
        }
        let level = |ctx: &mut Ctx, v: &Spanned<LoadLevel>, k: &str| -> u32 {
            match v.get_ref() {
                LoadLevel::Count(n) if (0..=MAX_CONCURRENCY).contains(n) => {
                    u32::try_from(*n).unwrap_or(0)
                }
                LoadLevel::Count(n) => {
                    ctx.err(
                        v.span(),
                        &format!("{key}.{k}"),
                        format!("{n} is out of range: expected 0 to {MAX_CONCURRENCY} users"),
                    );
                    0
                }
                LoadLevel::Rate(text) => {
                    ctx.err(
                        v.span(),
                        &format!("{key}.{k}"),
                        format!(
                            "expected a number of users, not '{text}': this is the closed model"
                        ),
                    );
                    0
                }
            }
        };
        let (start, end) = match (&raw.users, &raw.from, &raw.to) {
            (Some(users), None, None) => {
                let u = ctx.int_in(users, &format!("{key}.users"), 1, MAX_CONCURRENCY);
                (u, u)
            }
            (None, from, Some(to)) => {
                let start = from.as_ref().map_or(previous, |f| level(ctx, f, "from"));
                let end = level(ctx, to, "to");
                if start == 0 && end == 0 {
                    ctx.err(
                        to.span(),
                        &format!("{key}.to"),
                        "a ramp from zero to zero users sends nothing: one end must be above zero",
                    );
                }
                (start, end)
            }
            _ => {
                ctx.err(s.span(), &key, "a stage takes either `users` (hold), or `to` with an optional `from` (ramp from the previous stage's users)");
                continue;
            }
        };
        previous = end;
        out.push(UserStage {
            duration,
            start_users: start,
            end_users: end,
        });
    }
    out
}
