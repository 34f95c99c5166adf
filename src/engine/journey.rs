//! Journey execution shared by every load model: a [`JourneyRunner`] (the plan's steps prepared
//! once, the client, the feeders' shared cursors) runs one journey iteration for one
//! [`UserState`] (its variables, current feeder rows, random generator and, optionally, its own
//! connection).
//!
//! Variable scopes, first match wins: what this user extracted, the current feeder rows
//! (`${feeder.column}`), then the base (`[variables]`, rendered once per run, plus, in the open and
//! throughput models, what the setup journeys extracted).
//!
//! Cookies: each user has a jar ([`Jar`]). In the closed model a virtual user keeps its jar
//! across its iterations, as a browser session does; in the open and throughput models each
//! journey iteration is a new visitor and starts from a fresh jar. Either way a jar starts with
//! the cookies the setup journeys received (run once per user in the closed model, once per run
//! in the others), so a session signed in at start is used by every iteration.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http::HeaderValue;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::client::{BaseUrl, Conn, HttpClient};
use super::context::EngineError;
use super::cookies::Jar;
use super::step::{CacheReader, PreparedStep, SampleSink};
use crate::scenario::Plan;
use crate::scenario::plan::{FeederOrder, LoadModel, ThinkTime};
use crate::scenario::template::{Escape, Scope};

/// When think time is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThinkMode {
    /// After every step, the last one included (closed model: the pause before the next iteration).
    AfterEveryStep,
    /// Between steps only (open model: a pause after an arrival's last step would only hold an
    /// in-flight slot).
    BetweenSteps,
    /// Never (throughput model: back to back).
    Off,
}

/// Variables visible to every user, shared read-only.
pub type Variables = Arc<HashMap<String, Value>>;

struct PreparedFeeder {
    name: String,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
    order: FeederOrder,
    /// Next row for sequential feeders: shared by all users, so rows are handed out in order over
    /// the whole run (user 1 gets row 0, user 2 row 1, ...).
    cursor: AtomicU64,
}

/// One virtual user's (or one arrival's) state.
pub struct UserState {
    /// The user's number (0-based), for logs and segmenting.
    pub index: u64,
    scope: UserScope,
    rng: StdRng,
    /// The user's own connection: every request of the user goes on it.
    conn: Conn,
    /// The user's cookies.
    jar: Jar,
}

impl UserState {
    /// The user's connection (e.g. to open it before the load).
    pub fn conn_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }

    /// Makes this user a new one, numbered `index`: what it extracted and its feeder rows are
    /// forgotten; its random generator and connection are kept. The open model's workers
    /// start each arrival this way instead of building a user per arrival.
    pub fn restart(&mut self, index: u64) {
        self.index = index;
        self.scope.vars.clear();
        self.scope.rows.iter_mut().for_each(|r| *r = None);
    }

    /// The user's cookies.
    pub fn jar(&self) -> &Jar {
        &self.jar
    }

    /// The value of a variable this user sees (extracted, feeder or base).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.scope.lookup(name)
    }

    /// Everything this user sees as variables (base and extracted; not feeder rows): what the
    /// open and throughput models hand to every arrival or worker after the setup journeys.
    pub fn variables(&self) -> Variables {
        let s = &self.scope;
        if s.vars.is_empty() {
            return s.base.clone();
        }
        let mut all = (*s.base).clone();
        all.extend(s.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        Arc::new(all)
    }
}

/// What templates read: a user's variables and feeder rows.
struct UserScope {
    base: Variables,
    vars: HashMap<String, Value>,
    feeders: Arc<Vec<PreparedFeeder>>,
    /// Current row per feeder (same order as the runner's feeders).
    rows: Vec<Option<usize>>,
}

impl Scope for UserScope {
    fn lookup(&self, name: &str) -> Option<&Value> {
        if let Some(v) = self.vars.get(name) {
            return Some(v);
        }
        if let Some((feeder, column)) = name.split_once('.')
            && let Some(i) = self.feeders.iter().position(|f| f.name == feeder)
        {
            let f = &self.feeders[i];
            let col = f.columns.iter().position(|c| c == column)?;
            return f.rows.get(self.rows[i]?)?.get(col);
        }
        self.base.get(name)
    }
}

/// What one iteration did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IterationReport {
    pub requests: u32,
    pub failures: u32,
}

/// Runs journeys; shared (behind an `Arc`) by every user of a run.
pub struct JourneyRunner {
    plan: Arc<Plan>,
    client: HttpClient,
    base: BaseUrl,
    host: HeaderValue,
    cache: CacheReader,
    variables: Variables,
    feeders: Arc<Vec<PreparedFeeder>>,
    /// Per journey: its steps, and the feeders (indexes) it reads.
    journeys: Vec<(Vec<PreparedStep>, Vec<usize>)>,
    /// Non-setup journeys with cumulative weights, for weighted picks.
    weighted: Vec<(usize, u64)>,
    setup: Vec<usize>,
    think: ThinkMode,
    open_model: bool,
    /// Each iteration starts from a fresh jar (open and throughput models).
    jar_per_iteration: bool,
    /// The cookies every jar starts with (the setup journeys', in the open and throughput models).
    seed_jar: Jar,
}

impl JourneyRunner {
    /// Prepares the plan's journeys against `base_url`. Renders `[variables]` once.
    pub fn new(
        plan: Arc<Plan>,
        client: HttpClient,
        base_url: &str,
    ) -> Result<JourneyRunner, EngineError> {
        let base = BaseUrl::parse(base_url)?;
        let host = base.host();
        let mut rng = StdRng::from_rng(&mut rand::rng());
        let empty: HashMap<String, Value> = HashMap::new();
        let mut variables = HashMap::new();
        for (name, template) in &plan.variables {
            let value = template
                .render_string(&empty, &mut rng, Escape::None)
                .map_err(|e| EngineError::Prepare(format!("variable '{name}': {e}")))?;
            variables.insert(name.clone(), Value::String(value));
        }
        let feeders: Vec<PreparedFeeder> = plan
            .feeders
            .values()
            .map(|f| PreparedFeeder {
                name: f.name.clone(),
                columns: f.columns.clone(),
                rows: f
                    .rows
                    .iter()
                    .map(|r| r.iter().map(|c| Value::String(c.clone())).collect())
                    .collect(),
                order: f.order,
                cursor: AtomicU64::new(0),
            })
            .collect();
        let mut journeys = Vec::new();
        let mut weighted = Vec::new();
        let mut setup = Vec::new();
        let mut total = 0u64;
        for (j, journey) in plan.journeys.iter().enumerate() {
            let steps = journey
                .steps
                .iter()
                .map(|s| PreparedStep::new(&plan, s, journey.think_time))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| EngineError::Prepare(format!("journey '{}': {e}", journey.name)))?;
            let mut used = HashSet::new();
            steps.iter().for_each(|s| s.feeders_used(&mut used));
            let used: Vec<usize> = feeders
                .iter()
                .enumerate()
                .filter(|(_, f)| used.contains(&f.name))
                .map(|(i, _)| i)
                .collect();
            journeys.push((steps, used));
            if journey.setup {
                setup.push(j);
            } else {
                total += u64::from(journey.weight.max(1));
                weighted.push((j, total));
            }
        }
        let open_model = matches!(plan.load.model, LoadModel::Open { .. });
        let think = match plan.load.model {
            LoadModel::Open { .. } => ThinkMode::BetweenSteps,
            LoadModel::Closed { .. } => ThinkMode::AfterEveryStep,
            LoadModel::Throughput { .. } => ThinkMode::Off,
        };
        Ok(JourneyRunner {
            client,
            base,
            host,
            cache: CacheReader::new(&plan.cache),
            variables: Arc::new(variables),
            feeders: Arc::new(feeders),
            journeys,
            weighted,
            setup,
            think,
            open_model,
            jar_per_iteration: !matches!(plan.load.model, LoadModel::Closed { .. }),
            seed_jar: Jar::new(),
            plan,
        })
    }

    /// Makes `jar` (a setup user's) the cookies every user's jar starts with.
    pub fn seed_cookies(&mut self, jar: Jar) {
        self.seed_jar = jar;
    }

    /// Overrides when think time applies (the default follows the plan's load model).
    pub fn with_think_mode(mut self, think: ThinkMode) -> Self {
        self.think = think;
        self
    }

    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// Where requests go.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// A new user seeing the scenario's `[variables]`.
    pub fn user(&self, index: u64) -> UserState {
        self.user_with(self.variables.clone(), index)
    }

    /// A new user seeing `base` as its variables (e.g. a setup user's [`UserState::variables`]).
    pub fn user_with(&self, base: Variables, index: u64) -> UserState {
        UserState {
            index,
            scope: UserScope {
                base,
                vars: HashMap::new(),
                feeders: self.feeders.clone(),
                rows: vec![None; self.feeders.len()],
            },
            rng: StdRng::from_rng(&mut rand::rng()),
            conn: Conn::new(),
            jar: self.seed_jar.clone(),
        }
    }

    /// Picks a non-setup journey by weight.
    pub fn pick_journey(&self, user: &mut UserState) -> usize {
        match self.weighted.as_slice() {
            [] => 0,
            [(only, _)] => *only,
            all => {
                let total = all.last().map_or(1, |(_, w)| *w);
                let x = user.rng.random_range(0..total);
                all.iter()
                    .find(|(_, w)| x < *w)
                    .map_or(all[0].0, |(j, _)| *j)
            }
        }
    }

    /// Runs the setup journeys (in file order) for `user`; what they extract stays with the user.
    pub async fn run_setup<S: SampleSink + ?Sized>(
        &self,
        user: &mut UserState,
        rec: &mut S,
    ) -> IterationReport {
        let mut total = IterationReport::default();
        for &j in &self.setup {
            let r = self.iterate(user, j, None, rec).await;
            total.requests += r.requests;
            total.failures += r.failures;
        }
        total
    }

    /// Runs journey `journey` once for `user`, recording one sample per request into `rec`. With
    /// `intended` (open model), the first request's latency is measured from that instant.
    pub async fn run_iteration<S: SampleSink + ?Sized>(
        &self,
        user: &mut UserState,
        journey: usize,
        intended: Option<Instant>,
        rec: &mut S,
    ) -> IterationReport {
        if self.jar_per_iteration {
            user.jar.reset_to(&self.seed_jar);
        }
        self.iterate(user, journey, intended, rec).await
    }

    async fn iterate<S: SampleSink + ?Sized>(
        &self,
        user: &mut UserState,
        journey: usize,
        intended: Option<Instant>,
        rec: &mut S,
    ) -> IterationReport {
        let Some((steps, feeders)) = self.journeys.get(journey) else {
            return IterationReport::default();
        };
        for &f in feeders {
            let feeder = &self.feeders[f];
            let row = match feeder.order {
                FeederOrder::Sequential => {
                    feeder.cursor.fetch_add(1, Ordering::Relaxed) as usize % feeder.rows.len()
                }
                FeederOrder::Random => user.rng.random_range(0..feeder.rows.len()),
            };
            user.scope.rows[f] = Some(row);
        }
        let mut report = IterationReport::default();
        let last = steps.len().saturating_sub(1);
        for (i, step) in steps.iter().enumerate() {
            let intended = if i == 0 { intended } else { None };
            let (mut sample, extracted) = step
                .execute(
                    &self.client,
                    &mut user.conn,
                    &mut user.jar,
                    &self.base,
                    &self.host,
                    &self.cache,
                    &user.scope,
                    &mut user.rng,
                    intended,
                    self.open_model,
                )
                .await;
            user.scope.vars.extend(extracted);
            report.requests += 1;
            if let Some((_, message)) = &mut sample.error {
                report.failures += 1;
                if !self.plan.secrets.is_empty() {
                    *message = self.plan.redact(message);
                }
            }
            rec.record(&sample);
            let think = match self.think {
                ThinkMode::AfterEveryStep => step.think,
                ThinkMode::BetweenSteps if i < last => step.think,
                _ => None,
            };
            if let Some(t) = think {
                tokio::time::sleep(think_duration(t, &mut user.rng)).await;
            }
        }
        report
    }
}

fn think_duration(t: ThinkTime, rng: &mut impl Rng) -> Duration {
    if t.max <= t.min {
        return t.min;
    }
    let span = (t.max - t.min).as_micros() as u64;
    t.min + Duration::from_micros(rng.random_range(0..=span))
}
