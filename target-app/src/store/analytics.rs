//! Analytics: SQL aggregates over the whole visible data set (the dashboard and revenue reports).
//! Deliberately computed from the tables on every call, which is what makes them worth caching.

use std::collections::BTreeMap;
use std::str::FromStr;

use rusqlite::Connection;
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::Serialize;
use time::{Date, Duration, Month};

use super::activities::ActivityKind;
use super::deals::Stage;
use super::entity::Visibility;
use super::{StoreError, timestamps, validate};

/// Deal count and value for one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageTotal {
    pub stage: Stage,
    pub count: i64,
    pub amount_cents: i64,
}

/// Activity counts for one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCount {
    pub kind: ActivityKind,
    pub total: i64,
    pub last_30_days: i64,
}

/// An owner's won business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerTotal {
    pub owner_id: i64,
    pub name: String,
    pub won_count: i64,
    pub won_amount_cents: i64,
}

/// Open deals whose close date falls in the current month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosingThisMonth {
    pub count: i64,
    pub amount_cents: i64,
}

/// `GET /api/analytics/dashboard`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// The day the figures are relative to.
    pub today: String,
    /// Every stage, in pipeline order, including empty ones.
    pub pipeline: Vec<StageTotal>,
    /// Value of all open deals.
    pub open_pipeline_cents: i64,
    /// won / (won + lost); `None` when nothing has closed.
    pub win_rate: Option<f64>,
    pub closing_this_month: ClosingThisMonth,
    /// converted / all leads; `None` without leads.
    pub lead_conversion_rate: Option<f64>,
    pub leads_total: i64,
    pub leads_converted: i64,
    /// Every kind, including empty ones.
    pub activities: Vec<KindCount>,
    /// The five owners with the most won value, best first.
    pub top_owners: Vec<OwnerTotal>,
}

/// How `revenue` groups won deals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueBy {
    /// The close-date month, over the last 24 months (oldest first, empty months included).
    Month,
    /// The deal owner, largest first.
    Owner,
    /// The industry of the deal's company, largest first (`unknown` without one).
    Industry,
}

impl RevenueBy {
    /// The query-string word: `month`, `owner` or `industry`.
    pub fn as_str(self) -> &'static str {
        match self {
            RevenueBy::Month => "month",
            RevenueBy::Owner => "owner",
            RevenueBy::Industry => "industry",
        }
    }
}

impl std::fmt::Display for RevenueBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RevenueBy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "month" => Ok(RevenueBy::Month),
            "owner" => Ok(RevenueBy::Owner),
            "industry" => Ok(RevenueBy::Industry),
            _ => Err(format!("`{s}` is not one of: month, owner, industry")),
        }
    }
}

/// One group of won deals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevenueRow {
    /// `YYYY-MM`, the owner id, or the industry.
    pub key: String,
    /// A display label (the owner's name; otherwise the key).
    pub label: String,
    pub count: i64,
    pub amount_cents: i64,
}

/// `GET /api/analytics/revenue?by=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revenue {
    pub by: RevenueBy,
    pub rows: Vec<RevenueRow>,
    pub total_count: i64,
    pub total_amount_cents: i64,
}

/// `WHERE` prefix and parameters restricting `alias.owner_id` to `vis`.
fn scope(alias: &str, vis: &Visibility) -> (String, Vec<Value>) {
    let (sql, param) = validate::owner_condition(&format!("{alias}owner_id"), vis);
    (sql, param.into_iter().collect())
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn first_of_month(d: Date) -> Date {
    d.replace_day(1).unwrap_or(d)
}

fn next_month(d: Date) -> Date {
    let (y, m) = match d.month() {
        Month::December => (d.year() + 1, Month::January),
        m => (d.year(), m.next()),
    };
    Date::from_calendar_date(y, m, 1).unwrap_or(d)
}

fn previous_month(d: Date) -> Date {
    let (y, m) = match d.month() {
        Month::January => (d.year() - 1, Month::December),
        m => (d.year(), m.previous()),
    };
    Date::from_calendar_date(y, m, 1).unwrap_or(d)
}

/// The dashboard figures for `vis`, relative to `today`.
pub fn dashboard(
    conn: &Connection,
    vis: &Visibility,
    today: Date,
) -> Result<Dashboard, StoreError> {
    let (own, p) = scope("", vis);

    let mut by_stage: BTreeMap<Stage, (i64, i64)> = BTreeMap::new();
    let sql = format!(
        "SELECT stage, count(*), coalesce(sum(amount_cents), 0) FROM deals WHERE {own} GROUP BY stage"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(p.iter()))?;
    while let Some(r) = rows.next()? {
        by_stage.insert(r.get(0)?, (r.get(1)?, r.get(2)?));
    }
    let pipeline: Vec<StageTotal> = Stage::ALL
        .iter()
        .map(|s| {
            let (count, amount_cents) = by_stage.get(s).copied().unwrap_or((0, 0));
            StageTotal {
                stage: *s,
                count,
                amount_cents,
            }
        })
        .collect();
    let count_of = |s: Stage| by_stage.get(&s).map_or(0, |v| v.0);
    let won = count_of(Stage::Won);
    let lost = count_of(Stage::Lost);
    let open_pipeline_cents = pipeline
        .iter()
        .filter(|t| t.stage.is_open())
        .map(|t| t.amount_cents)
        .sum();

    let month_start = timestamps::format_date(first_of_month(today));
    let month_end = timestamps::format_date(next_month(today));
    let sql = format!(
        "SELECT count(*), coalesce(sum(amount_cents), 0) FROM deals
         WHERE {own} AND stage NOT IN ('won', 'lost') AND close_date >= ? AND close_date < ?"
    );
    let mut params = p.clone();
    params.push(month_start.into());
    params.push(month_end.into());
    let closing_this_month =
        conn.prepare_cached(&sql)?
            .query_row(params_from_iter(params.iter()), |r| {
                Ok(ClosingThisMonth {
                    count: r.get(0)?,
                    amount_cents: r.get(1)?,
                })
            })?;

    let sql =
        format!("SELECT count(*), coalesce(sum(status = 'converted'), 0) FROM leads WHERE {own}");
    let (leads_total, leads_converted): (i64, i64) = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(p.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?;

    let since = timestamps::format_timestamp((today - Duration::days(30)).midnight().assume_utc());
    let sql = format!(
        "SELECT kind, count(*), coalesce(sum(occurred_at >= ?), 0) FROM activities
         WHERE {own} GROUP BY kind"
    );
    let mut params: Vec<Value> = vec![since.into()];
    params.extend(p.iter().cloned());
    let mut by_kind: BTreeMap<ActivityKind, (i64, i64)> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(params.iter()))?;
    while let Some(r) = rows.next()? {
        by_kind.insert(r.get(0)?, (r.get(1)?, r.get(2)?));
    }
    let activities = ActivityKind::ALL
        .iter()
        .map(|k| {
            let (total, last_30_days) = by_kind.get(k).copied().unwrap_or((0, 0));
            KindCount {
                kind: *k,
                total,
                last_30_days,
            }
        })
        .collect();

    let (own_d, p) = scope("d.", vis);
    let sql = format!(
        "SELECT d.owner_id, u.name, count(*), sum(d.amount_cents) AS won
         FROM deals d JOIN users u ON u.id = d.owner_id
         WHERE {own_d} AND d.stage = 'won'
         GROUP BY d.owner_id ORDER BY won DESC, d.owner_id LIMIT 5"
    );
    let top_owners = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(p.iter()), |r| {
            Ok(OwnerTotal {
                owner_id: r.get(0)?,
                name: r.get(1)?,
                won_count: r.get(2)?,
                won_amount_cents: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;

    Ok(Dashboard {
        today: timestamps::format_date(today),
        pipeline,
        open_pipeline_cents,
        win_rate: ratio(won, won + lost),
        closing_this_month,
        lead_conversion_rate: ratio(leads_converted, leads_total),
        leads_total,
        leads_converted,
        activities,
        top_owners,
    })
}

/// Won revenue grouped by `by`, relative to today's date (UTC).
pub fn revenue(conn: &Connection, vis: &Visibility, by: RevenueBy) -> Result<Revenue, StoreError> {
    revenue_at(conn, vis, by, time::OffsetDateTime::now_utc().date())
}

/// Won revenue grouped by `by`, with months counted back from `today`.
pub fn revenue_at(
    conn: &Connection,
    vis: &Visibility,
    by: RevenueBy,
    today: Date,
) -> Result<Revenue, StoreError> {
    let (own, mut params) = scope("d.", vis);
    let rows = match by {
        RevenueBy::Month => {
            let end = next_month(today);
            let mut start = first_of_month(today);
            for _ in 0..23 {
                start = previous_month(start);
            }
            let sql = format!(
                "SELECT substr(d.close_date, 1, 7) AS month, count(*), sum(d.amount_cents)
                 FROM deals d
                 WHERE {own} AND d.stage = 'won' AND d.close_date >= ? AND d.close_date < ?
                 GROUP BY month"
            );
            params.push(timestamps::format_date(start).into());
            params.push(timestamps::format_date(end).into());
            let mut found: BTreeMap<String, (i64, i64)> = BTreeMap::new();
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rs = stmt.query(params_from_iter(params.iter()))?;
            while let Some(r) = rs.next()? {
                found.insert(r.get(0)?, (r.get(1)?, r.get(2)?));
            }
            let mut out = Vec::with_capacity(24);
            let mut m = start;
            while m < end {
                let key = timestamps::format_date(m)[..7].to_owned();
                let (count, amount_cents) = found.get(&key).copied().unwrap_or((0, 0));
                out.push(RevenueRow {
                    label: key.clone(),
                    key,
                    count,
                    amount_cents,
                });
                m = next_month(m);
            }
            out
        }
        RevenueBy::Owner | RevenueBy::Industry => {
            let sql = if by == RevenueBy::Owner {
                format!(
                    "SELECT CAST(d.owner_id AS TEXT), u.name, count(*), sum(d.amount_cents) AS amt
                     FROM deals d JOIN users u ON u.id = d.owner_id
                     WHERE {own} AND d.stage = 'won'
                     GROUP BY d.owner_id ORDER BY amt DESC, d.owner_id"
                )
            } else {
                format!(
                    "SELECT coalesce(c.industry, 'unknown') AS ind, coalesce(c.industry, 'unknown'),
                            count(*), sum(d.amount_cents) AS amt
                     FROM deals d LEFT JOIN companies c ON c.id = d.company_id
                     WHERE {own} AND d.stage = 'won'
                     GROUP BY ind ORDER BY amt DESC, ind"
                )
            };
            conn.prepare_cached(&sql)?
                .query_map(params_from_iter(params.iter()), |r| {
                    Ok(RevenueRow {
                        key: r.get(0)?,
                        label: r.get(1)?,
                        count: r.get(2)?,
                        amount_cents: r.get(3)?,
                    })
                })?
                .collect::<Result<_, _>>()?
        }
    };
    Ok(Revenue {
        by,
        total_count: rows.iter().map(|r| r.count).sum(),
        total_amount_cents: rows.iter().map(|r| r.amount_cents).sum(),
        rows,
    })
}
