//! Every test's history across the runs of a testbed, each run's baseline, and what each
//! failure means against it: new, still failing (since when), flaky (why), known, or fixed.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use serde::Serialize;

use crate::ingest::octoprobe::split_role;
use crate::model::{Outcome, Run};

/// A test's identity across runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TestKey {
    pub testgroup: String,
    pub test: String,
    /// Board variant (Octoprobe) or host/platform.
    pub variant: String,
    /// `instance0`/`instance1` for groups with a reference tentacle.
    pub role: String,
}

/// What one run says of one test: the outcomes of all its attempts, in order.
#[derive(Debug, Clone)]
pub struct Sample {
    pub run: usize,
    pub outcomes: SmallVec<[Outcome; 1]>,
    pub text: String,
    /// The tentacle (or host) it ran on, for display; shared by a group's samples.
    pub tentacle: std::sync::Arc<str>,
}

/// The state of a test in one run, as a strip cell shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Pass,
    Fail,
    /// Failed and passed within the run.
    Flaky,
    Known,
    Skip,
}

impl Sample {
    pub fn failing(&self) -> bool {
        self.outcomes.iter().any(Outcome::is_failure)
    }

    pub fn state(&self) -> State {
        let fail = self.failing();
        let pass = self
            .outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Passed | Outcome::XPassed));
        if fail && pass {
            State::Flaky
        } else if fail {
            State::Fail
        } else if self.outcomes.contains(&Outcome::XFailed) {
            State::Known
        } else if pass {
            State::Pass
        } else {
            State::Skip
        }
    }

    /// Pass/fail for flip counting; skips count as neither.
    fn verdict(&self) -> Option<bool> {
        match self.state() {
            State::Pass => Some(true),
            State::Fail | State::Flaky => Some(false),
            State::Known | State::Skip => None,
        }
    }
}

/// Flakiness settings (`--flaky-window`, `--flaky-min-samples`, `--flaky-threshold`).
#[derive(Debug, Clone, Copy)]
pub struct FlakyRule {
    /// Look at the last N runs.
    pub window: usize,
    /// Need at least M pass/fail samples.
    pub min_samples: usize,
    /// Flips per consecutive pair above this are flaky.
    pub threshold: f64,
}

impl Default for FlakyRule {
    fn default() -> Self {
        FlakyRule {
            window: 20,
            min_samples: 5,
            threshold: 0.3,
        }
    }
}

/// Comparison settings.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub flaky: FlakyRule,
    /// Relative change of a perf runtime that counts as a regression (0.05 = 5 %).
    pub perf_threshold: f64,
    /// A run id that every other run of its testbed is compared with.
    pub baseline: Option<String>,
    /// The branch PR runs are compared with when they do not say (default: master or main).
    pub base_branch: Option<String>,
    /// The window of the rankings.
    pub window: super::rankings::Window,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            flaky: FlakyRule::default(),
            perf_threshold: 0.05,
            baseline: None,
            base_branch: None,
            window: Default::default(),
        }
    }
}

/// The first run of a failing streak.
#[derive(Debug, Clone, Serialize)]
pub struct Since {
    pub run: String,
    pub date: Option<String>,
    pub commit: Option<String>,
    /// Index into the index's runs (not serialized into summary.json).
    #[serde(skip)]
    pub run_index: usize,
    #[serde(skip)]
    pub slug: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub testgroup: String,
    pub test: String,
    pub tentacle: String,
    pub variant: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<Since>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The test's history page, relative to the testbed folder.
    #[serde(skip)]
    pub page: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PerfRegression {
    pub testgroup: String,
    pub test: String,
    pub tentacle: String,
    pub variant: String,
    pub metric: String,
    pub baseline: f64,
    pub value: f64,
    pub change_pct: f64,
    pub stddev_pct: f64,
    #[serde(skip)]
    pub page: String,
}

/// A run against its baseline.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Comparison {
    /// False when the run was summarised alone, without a history to compare with.
    #[serde(skip)]
    pub compared: bool,
    pub baseline: Option<String>,
    #[serde(skip)]
    pub baseline_index: Option<usize>,
    /// The baseline's folder in the site, beside this run's.
    #[serde(skip)]
    pub baseline_slug: Option<String>,
    pub new_failures: Vec<Finding>,
    pub fixed: Vec<Finding>,
    pub flaky: Vec<Finding>,
    pub still_failing: Vec<Finding>,
    pub known: Vec<Finding>,
    pub perf_regressions: Vec<PerfRegression>,
}

/// A perf figure of one test in one run.
#[derive(Debug, Clone, Serialize)]
pub struct PerfPoint {
    pub run: usize,
    pub value: f64,
    pub stddev_pct: f64,
    /// Runner parameters (N, M): only equal ones compare.
    pub params: String,
}

/// All tests of one testbed across its runs (oldest first).
#[derive(Debug, Default)]
pub struct TestbedHistory {
    /// Run indexes, oldest first.
    pub runs: Vec<usize>,
    pub tests: BTreeMap<TestKey, Vec<Sample>>,
    pub perf: BTreeMap<TestKey, Vec<PerfPoint>>,
    /// The history pages and each test's link to its place on them.
    pub layout: super::layout::Layout,
    /// The lineage of each run (as `runs`), without a default base branch.
    pub lineages: Vec<Lineage>,
    /// Per key of `tests` (in order): whether it ever did anything but pass or skip. The
    /// others have nothing to say in any comparison.
    pub notable: Vec<bool>,
}

/// A test's identity borrowed from the runs while a history is built: (test group, test,
/// variant, role). Owned [`TestKey`]s are made once per test, not once per sample.
type KeyRef<'a> = (&'a str, &'a str, &'a str, &'a str);

/// What one run adds to a testbed's history: a sample per key (attempts of a group merged
/// in testid order) and its perf points.
type RunSamples<'a> = (Vec<(Hashed<'a>, Sample)>, Vec<(KeyRef<'a>, PerfPoint)>);

/// Samples dealt out by key (see `TestbedHistory::build`).
type Shards<'a> = Vec<Vec<(Hashed<'a>, Sample)>>;

/// A key with its hash, taken once (while the run's strings are at hand) and used for
/// every map and shard after.
#[derive(Clone, Copy)]
struct Hashed<'a> {
    hash: u64,
    key: KeyRef<'a>,
}

impl<'a> Hashed<'a> {
    fn new(key: KeyRef<'a>) -> Hashed<'a> {
        use std::hash::BuildHasher;
        Hashed {
            hash: rustc_hash::FxBuildHasher.hash_one(key),
            key,
        }
    }
}

impl PartialEq for Hashed<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.key == other.key
    }
}

impl Eq for Hashed<'_> {}

impl std::hash::Hash for Hashed<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Hands a [`Hashed`] key's own hash to the map.
#[derive(Default)]
struct TakeHash(u64);

impl std::hash::Hasher for TakeHash {
    fn write(&mut self, bytes: &[u8]) {
        // Only `Hashed` keys use this hasher, and they write one u64.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type HashedMap<'a, V> =
    std::collections::HashMap<Hashed<'a>, V, std::hash::BuildHasherDefault<TakeHash>>;

/// `variants` are the (variant, role) of each of the run's groups.
fn run_samples<'a>(run: &'a Run, i: usize, variants: &'a [(String, String)]) -> RunSamples<'a> {
    let mut groups: Vec<usize> = (0..run.groups.len()).collect();
    groups.sort_by(|&a, &b| run.groups[a].testid.cmp(&run.groups[b].testid));
    let total: usize = run.groups.iter().map(|g| g.results.len()).sum();
    let mut seen: HashedMap<usize> = HashedMap::with_capacity_and_hasher(total, Default::default());
    let mut samples: Vec<(Hashed, Sample)> = Vec::with_capacity(total);
    let mut perf = Vec::new();
    for gi in groups {
        let g = &run.groups[gi];
        let (variant, role) = &variants[gi];
        let tentacle: std::sync::Arc<str> = g.tentacle_variant_role.as_str().into();
        let params: String = g
            .params
            .iter()
            .filter(|(k, _)| k == "N" || k == "M")
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        for t in &g.results {
            let key = (
                g.testgroup.as_str(),
                t.name.as_str(),
                variant.as_str(),
                role.as_str(),
            );
            if let Some(m) = t
                .extra
                .as_ref()
                .and_then(|x| x.metrics.iter().find(|m| m.name == "runtime"))
            {
                let sd = t
                    .extra
                    .as_ref()
                    .and_then(|x| x.metrics.iter().find(|m| m.name == "runtime stddev"))
                    .map(|m| m.value)
                    .unwrap_or(0.0);
                perf.push((
                    key,
                    PerfPoint {
                        run: i,
                        value: m.value,
                        stddev_pct: sd,
                        params: params.clone(),
                    },
                ));
            }
            let hashed = Hashed::new(key);
            let at = *seen.entry(hashed).or_insert_with(|| {
                samples.push((
                    hashed,
                    Sample {
                        run: i,
                        outcomes: SmallVec::new(),
                        text: String::new(),
                        tentacle: tentacle.clone(),
                    },
                ));
                samples.len() - 1
            });
            let s = &mut samples[at].1;
            if let Some(x) = &t.extra {
                s.outcomes
                    .extend(x.attempts.iter().map(|a| a.outcome.clone()));
            }
            s.outcomes.push(t.outcome.clone());
            if s.text.is_empty() {
                // The final outcome's reason, else that of the first failed attempt (a test
                // that failed and then passed in its rerun).
                let attempts = t.extra.as_ref().map_or(&[][..], |x| &x.attempts[..]);
                if t.outcome.is_failure() || t.outcome == Outcome::XFailed {
                    let message = t.extra.as_ref().map_or("", |x| x.message.as_str());
                    s.text = failure_text(message, &t.text);
                } else if let Some(a) = attempts.iter().find(|a| a.outcome.is_failure()) {
                    s.text = failure_text(&a.message, &a.text);
                }
            }
        }
    }
    // A perf point per key and run: the first attempt's (the sort is stable).
    perf.sort_by(|a, b| a.0.cmp(&b.0));
    perf.dedup_by(|a, b| a.0 == b.0);
    (samples, perf)
}

/// A failure's text as a sample keeps it: the one-line message too (a jest `expect` diff, a
/// vitest error), as the group page shows it, unless the text already holds it.
fn failure_text(message: &str, text: &str) -> String {
    let message = message.trim();
    if message.is_empty() || text.contains(message) {
        text.to_string()
    } else if text.is_empty() {
        message.to_string()
    } else {
        format!("{message}\n{text}")
    }
}

fn owned(k: KeyRef) -> TestKey {
    TestKey {
        testgroup: k.0.to_string(),
        test: k.1.to_string(),
        variant: k.2.to_string(),
        role: k.3.to_string(),
    }
}

fn key_variant(g: &crate::model::GroupAttempt) -> (String, String) {
    let (_, role) = split_role(&g.tentacle_variant_role);
    let variant = if g.board_variant.is_empty() {
        g.tentacle_variant.clone()
    } else {
        g.board_variant.clone()
    };
    // The host a CI job ran on changes from run to run: it is no part of a test's identity.
    (variant, role.to_string())
}

impl TestbedHistory {
    /// `runs` are indexes into `all`, oldest first.
    pub fn build(all: &[Run], runs: Vec<usize>) -> TestbedHistory {
        use rayon::prelude::*;
        // Each run on its own (in parallel), then merged in run order.
        let variants: Vec<Vec<(String, String)>> = runs
            .iter()
            .map(|&i| all[i].groups.iter().map(key_variant).collect())
            .collect();
        // Samples are dealt into shards by key, each merged on its own: the keys of one
        // shard are in no other, and each list stays in run order.
        const SHARDS: usize = 8;
        let per_run: Vec<(Shards, Vec<(KeyRef, PerfPoint)>)> = runs
            .par_iter()
            .zip(variants.par_iter())
            .map(|(&i, v)| {
                let (samples, points) = run_samples(&all[i], i, v);
                let mut shards: Shards = (0..SHARDS)
                    .map(|_| Vec::with_capacity(samples.len() / SHARDS + 1))
                    .collect();
                for (k, s) in samples {
                    // The hash's high bits: the maps below use the low ones.
                    shards[(k.hash >> 58) as usize % SHARDS].push((k, s));
                }
                (shards, points)
            })
            .collect();
        let mut by_shard: Vec<Shards> = (0..SHARDS)
            .map(|_| Vec::with_capacity(runs.len()))
            .collect();
        let mut perf: FxHashMap<KeyRef, Vec<PerfPoint>> = FxHashMap::default();
        for (shards, points) in per_run {
            for (k, list) in shards.into_iter().enumerate() {
                by_shard[k].push(list);
            }
            for (k, p) in points {
                perf.entry(k).or_default().push(p);
            }
        }
        let merged: Vec<Vec<(TestKey, Vec<Sample>)>> = by_shard
            .into_par_iter()
            .map(|lists| {
                let keys = lists.iter().map(Vec::len).max().unwrap_or(0);
                let mut tests: HashedMap<Vec<Sample>> =
                    HashedMap::with_capacity_and_hasher(keys * 2, Default::default());
                for list in lists {
                    for (k, s) in list {
                        tests
                            .entry(k)
                            .or_insert_with(|| Vec::with_capacity(runs.len()))
                            .push(s);
                    }
                }
                tests.into_iter().map(|(k, v)| (owned(k.key), v)).collect()
            })
            .collect();
        let tests: BTreeMap<TestKey, Vec<Sample>> = merged.into_iter().flatten().collect();
        let perf: BTreeMap<TestKey, Vec<PerfPoint>> =
            perf.into_iter().map(|(k, v)| (owned(k), v)).collect();
        // Runs were visited oldest first, so every list is in run order already.
        // A history needs two runs: a testbed with one run gets no history pages.
        let layout = if runs.len() > 1 {
            super::layout::Layout::plan(&tests, |k| perf.get(k).map_or(0, Vec::len))
        } else {
            super::layout::Layout::default()
        };
        TestbedHistory {
            layout,
            lineages: runs.iter().map(|&i| lineage(&all[i], None)).collect(),
            notable: tests
                .values()
                .map(|v| {
                    v.iter()
                        .any(|s| !matches!(s.state(), State::Pass | State::Skip))
                })
                .collect(),
            runs,
            tests,
            perf,
        }
    }

    /// The link to a test's history (relative to the testbed folder), or "" when none.
    pub fn page(&self, testgroup: &str, test: &str) -> String {
        self.layout
            .links
            .get(&(testgroup.to_string(), test.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

/// Which branch a run is on, whether it tests a PR, and what it compares with.
#[derive(Debug, Clone)]
pub struct Lineage {
    /// The repository, as `host/owner/name` in lower case, when the run says it: a fork's
    /// `master` is not the `master` of the repository it was forked from.
    pub repo: Option<String>,
    pub branch: Option<String>,
    pub pr: bool,
    /// The branch a PR run compares with (in `repo`); a branch run's own branch.
    pub target: Option<String>,
}

impl Lineage {
    /// Whether this is a non-PR run of `branch` in `repo` (a repository unknown on either
    /// side does not tell them apart).
    fn is_on(&self, repo: Option<&str>, branch: &str) -> bool {
        !self.pr && self.branch.as_deref() == Some(branch) && same_repo(self.repo.as_deref(), repo)
    }
}

/// Two repositories are told apart only when both are known.
fn same_repo(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// `https://github.com/Owner/Repo.git/`, `git@github.com:owner/repo` and `github.com/owner/repo`
/// all as `github.com/owner/repo`; `None` for an empty one.
fn repo_id(url: &str) -> Option<String> {
    let u = url.trim().to_ascii_lowercase();
    let u = match u.split_once("://") {
        Some((_, rest)) => rest.to_string(),
        None => match u.strip_prefix("git@") {
            Some(rest) => rest.replacen(':', "/", 1),
            None => u,
        },
    };
    let u = u.trim_end_matches('/');
    let u = u.strip_suffix(".git").unwrap_or(u).trim_end_matches('/');
    // Credentials in a URL are not part of the repository.
    let u = u.rsplit_once('@').map_or(u, |(_, host)| host);
    (!u.is_empty()).then(|| u.to_string())
}

pub fn lineage(run: &Run, base_branch: Option<&str>) -> Lineage {
    let r = run.ref_tests.as_ref().or(run.ref_firmware.as_ref());
    let (repo, branch, pr) = match r {
        // A PR in either ref (or, in the 2025-04 proposal, in the trigger) makes a PR run.
        Some(r) if run.format == "octoprobe" => (
            repo_id(&r.repo_url),
            r.branch.clone(),
            run.ref_tests
                .iter()
                .chain(&run.ref_firmware)
                .any(|g| g.pr.is_some())
                || run.trigger.contains("/pull/"),
        ),
        _ => (
            run.ci.repository.as_deref().and_then(repo_id),
            run.ci.branch.clone(),
            run.ci.pr.is_some(),
        ),
    };
    let target = if pr {
        // `~PR@branch` says it; otherwise the default base branch.
        match (&r, run.format.as_str()) {
            (Some(r), "octoprobe") if r.branch.is_some() => r.branch.clone(),
            _ => base_branch.map(str::to_string),
        }
    } else {
        branch.clone()
    };
    Lineage {
        repo,
        branch,
        pr,
        target,
    }
}

/// Whether a run of lineage `lj` is on the line of a baseline on `branch` in `repo`.
fn on_line(branch: Option<&str>, repo: Option<&str>, lj: &Lineage) -> bool {
    match branch {
        Some(br) => lj.is_on(repo, br),
        None => !lj.pr && lj.branch.is_none(),
    }
}

/// Where the failing streaks of a testbed's tests began, worked out once for all its runs
/// (a walk back per run and test would cost runs² for a test that fails for long).
pub struct Streaks<'a> {
    /// Each run's position in its testbed's `runs` (oldest first), by run index.
    pub order: &'a [usize],
    /// The lines the testbed's baselines are on: (branch, repository).
    lines: Vec<(Option<String>, Option<String>)>,
    /// Per line, per notable test (in order): see [`Begun`].
    starts: Vec<Vec<Begun>>,
}

/// For the samples of a test on a line, where a walk back from each would end: when it
/// meets failures before a pass, the run of the oldest of them (samples without a verdict
/// are passed over). Kept where it changes only, as (position of the first sample with
/// that answer, the answer): a test that fails for 20,000 runs takes one entry, not 20,000.
type Begun = Vec<(usize, Option<usize>)>;

impl<'a> Streaks<'a> {
    /// `order` from [`positions`]; `bases` as [`baselines`] gives them for `h`.
    pub fn new(h: &TestbedHistory, bases: &[Option<usize>], order: &'a [usize]) -> Streaks<'a> {
        let mut s = Streaks {
            order,
            lines: Vec::new(),
            starts: Vec::new(),
        };
        for &b in bases.iter().flatten() {
            let line = s.line_of(h, b);
            if !s.lines.contains(&line) {
                s.lines.push(line);
            }
        }
        s.starts = s
            .lines
            .iter()
            .map(|(branch, repo)| {
                let on: Vec<bool> = h
                    .lineages
                    .iter()
                    .map(|l| on_line(branch.as_deref(), repo.as_deref(), l))
                    .collect();
                let notable = h.tests.values().zip(&h.notable).filter(|(_, &n)| n);
                notable
                    .map(|(samples, _)| {
                        let mut walk: Option<usize> = None;
                        let mut begun: Begun = Vec::new();
                        for x in samples.iter().filter(|x| on[s.order[x.run]]) {
                            walk = match x.verdict() {
                                Some(false) => Some(walk.unwrap_or(x.run)),
                                Some(true) => None,
                                None => walk,
                            };
                            if begun.last().is_none_or(|&(_, w)| w != walk) {
                                begun.push((s.order[x.run], walk));
                            }
                        }
                        begun
                    })
                    .collect()
            })
            .collect();
        s
    }

    fn line_of(&self, h: &TestbedHistory, run: usize) -> (Option<String>, Option<String>) {
        let l = &h.lineages[self.order[run]];
        (l.branch.clone(), l.repo.clone())
    }
}

/// Each run's position in its testbed's `runs` (oldest first), by run index.
pub fn positions(all: &[Run], histories: &[TestbedHistory]) -> Vec<usize> {
    let mut pos = vec![usize::MAX; all.len()];
    for h in histories {
        for (k, &j) in h.runs.iter().enumerate() {
            pos[j] = k;
        }
    }
    pos
}

fn time_of(run: &Run) -> i64 {
    run.time_start
        .as_ref()
        .and_then(|t| t.epoch)
        .unwrap_or(i64::MIN)
}

/// Each run's baseline, by position in `h.runs`: the newest earlier non-PR run on the branch
/// it compares with (without a known branch, master then main, then any earlier run with no
/// branch), or the run `--baseline` names. Found in lists of each branch's runs, so that a
/// testbed of many runs costs no scan of all earlier runs per run.
pub fn baselines(all: &[Run], h: &TestbedHistory, opts: &CompareOptions) -> Vec<Option<usize>> {
    // A chosen baseline applies where it exists; other testbeds keep the usual choice.
    let chosen = opts
        .baseline
        .as_ref()
        .and_then(|id| h.runs.iter().copied().find(|&j| all[j].id == *id));
    // Positions of the non-PR runs on each branch (`None`: no branch), oldest first.
    let mut on: FxHashMap<Option<&str>, Vec<usize>> = FxHashMap::default();
    for (k, l) in h.lineages.iter().enumerate() {
        if !l.pr {
            on.entry(l.branch.as_deref()).or_default().push(k);
        }
    }
    h.runs
        .iter()
        .enumerate()
        .map(|(k, &run)| {
            if let Some(j) = chosen {
                return (j != run).then_some(j);
            }
            let me = lineage(&all[run], opts.base_branch.as_deref());
            let t = time_of(&all[run]);
            // The newest run of the list before this one that started no later and is in
            // a repository this run could be in.
            let newest = |branch: Option<&str>, repo: Option<&str>| {
                let list = on.get(&branch)?;
                let before = &list[..list.partition_point(|&p| p < k)];
                before
                    .iter()
                    .rev()
                    .map(|&p| (p, h.runs[p]))
                    .find_map(|(p, j)| {
                        let here = same_repo(h.lineages[p].repo.as_deref(), repo);
                        (time_of(&all[j]) <= t && here).then_some(j)
                    })
            };
            let repo = me.repo.as_deref();
            match &me.target {
                Some(b) => newest(Some(b), repo),
                None => newest(Some("master"), repo)
                    .or_else(|| newest(Some("main"), repo))
                    .or_else(|| newest(None, None)),
            }
        })
        .collect()
}

/// Compares one run with its baseline (from [`baselines`]), using the testbed's history;
/// `pos` gives each run's position in its testbed's `runs` (see [`positions`]).
pub fn compare(
    all: &[Run],
    h: &TestbedHistory,
    run: usize,
    base: Option<usize>,
    streaks: &Streaks,
    opts: &CompareOptions,
) -> Comparison {
    let order = streaks.order;
    // The lineage runs: the baseline and the runs of its branch before it, then this run.
    // Asked only of the samples a walk meets: most walks stop after a few.
    let base_line = base.map(|b| (&h.lineages[order[b]], time_of(&all[b])));
    let in_lineage = |j: usize| {
        j == run
            || base_line.is_some_and(|(l, tb)| {
                let lj = &h.lineages[order[j]];
                on_line(l.branch.as_deref(), l.repo.as_deref(), lj) && time_of(&all[j]) <= tb
            })
    };
    // Where failing streaks began, in the baseline's lineage (see `Streaks`): the line's
    // samples below this run that started no later than the baseline.
    let begun = base.and_then(|b| {
        let line = streaks
            .lines
            .iter()
            .position(|l| *l == streaks.line_of(h, b))?;
        let end = h
            .runs
            .partition_point(|&j| time_of(&all[j]) <= time_of(&all[b]))
            .min(order[run]);
        Some((line, end))
    });
    let mut c = Comparison {
        compared: true,
        baseline: base.map(|b| all[b].id.clone()),
        baseline_slug: base.map(|b| all[b].slug.clone()),
        baseline_index: base,
        ..Comparison::default()
    };
    // Samples are in the testbed's run order: found by binary search, not by scanning.
    let find = |samples: &[Sample], j: usize| {
        samples
            .binary_search_by_key(&order[j], |s| order[s.run])
            .ok()
    };
    let notable = h.tests.iter().zip(&h.notable).filter(|(_, &n)| n);
    for (t, ((key, samples), _)) in notable.enumerate() {
        let Some(pos) = find(samples, run) else {
            continue;
        };
        let cur = &samples[pos];
        // The lineage, newest first, walked lazily: most walks stop after a few samples.
        let line = || samples[..=pos].iter().rev().filter(|s| in_lineage(s.run));
        let base_sample = base.and_then(|b| find(samples, b).map(|p| &samples[p]));
        let finding = |reason: Option<String>, since: Option<Since>| Finding {
            testgroup: key.testgroup.clone(),
            test: key.test.clone(),
            tentacle: cur.tentacle.to_string(),
            variant: key.variant.clone(),
            text: cur.text.clone(),
            failing_since: since,
            reason,
            page: h.page(&key.testgroup, &key.test),
        };
        match cur.state() {
            State::Known => c.known.push(finding(None, None)),
            State::Flaky => {
                let seq: Vec<&str> = cur.outcomes.iter().map(Outcome::short).collect();
                c.flaky.push(finding(
                    Some(format!("failed and passed in this run ({})", seq.join(" "))),
                    None,
                ));
            }
            State::Fail => {
                if let Some(reason) = flip_rate(line(), &opts.flaky) {
                    c.flaky.push(finding(Some(reason), None));
                } else if base_sample.is_some_and(Sample::failing) {
                    // The streak: back from this run through the lineage while it failed.
                    let first = begun
                        .and_then(|(line, end)| {
                            let starts = &streaks.starts[line][t];
                            let below = starts.partition_point(|&(p, _)| p < end);
                            starts[..below].last()?.1
                        })
                        .unwrap_or(cur.run);
                    let r = &all[first];
                    let since =
                        Since {
                            run: r.id.clone(),
                            date: r.time_start.as_ref().map(|t| t.display()),
                            commit: r.ref_tests.as_ref().and_then(|g| g.short_commit()).or_else(
                                || r.ci.commit.as_ref().map(|c| c.chars().take(7).collect()),
                            ),
                            run_index: first,
                            slug: r.slug.clone(),
                        };
                    c.still_failing.push(finding(None, Some(since)));
                } else {
                    let reason = match base_sample {
                        Some(_) => None,
                        None if base.is_some() => Some("not in the baseline".to_string()),
                        None => Some("no baseline".to_string()),
                    };
                    c.new_failures.push(finding(reason, None));
                }
            }
            State::Pass | State::Skip => {
                // Fixed: it failed (not merely flaked) in the baseline, passes now, and does
                // not flip back and forth anyway.
                if base_sample.is_some_and(|s| s.state() == State::Fail)
                    && cur.state() == State::Pass
                    && flip_rate(line(), &opts.flaky).is_none()
                {
                    c.fixed.push(finding(None, None));
                }
            }
        }
    }
    if let Some(b) = base {
        for (key, points) in &h.perf {
            let at = |j: usize| {
                points
                    .binary_search_by_key(&order[j], |p| order[p.run])
                    .ok()
                    .map(|i| &points[i])
            };
            let (Some(cur), Some(old)) = (at(run), at(b)) else {
                continue;
            };
            if cur.params != old.params || old.value <= 0.0 {
                continue;
            }
            let change = (cur.value - old.value) / old.value;
            let sd = ((old.value * old.stddev_pct / 100.0).powi(2)
                + (cur.value * cur.stddev_pct / 100.0).powi(2))
            .sqrt();
            // Runtime: higher is worse. Both the noise and the threshold must be exceeded.
            if change > opts.perf_threshold && cur.value - old.value > sd {
                c.perf_regressions.push(PerfRegression {
                    testgroup: key.testgroup.clone(),
                    test: key.test.clone(),
                    tentacle: h
                        .tests
                        .get(key)
                        .and_then(|s| s.iter().find(|s| s.run == run))
                        .map(|s| s.tentacle.to_string())
                        .unwrap_or_default(),
                    variant: key.variant.clone(),
                    metric: "runtime".into(),
                    baseline: old.value,
                    value: cur.value,
                    change_pct: change * 100.0,
                    stddev_pct: if old.value > 0.0 {
                        sd / old.value * 100.0
                    } else {
                        0.0
                    },
                    page: h.page(&key.testgroup, &key.test),
                });
            }
        }
    }
    c
}

/// Flips between pass and fail over the last window of samples; `None` when not flaky.
/// `newest_first` walks a test's lineage back from the run being judged.
pub fn flip_rate<'a>(
    newest_first: impl Iterator<Item = &'a Sample>,
    rule: &FlakyRule,
) -> Option<String> {
    let mut recent: Vec<bool> = newest_first
        .filter_map(Sample::verdict)
        .take(rule.window)
        .collect();
    recent.reverse();
    if recent.len() < rule.min_samples.max(2) {
        return None;
    }
    let flips = recent.windows(2).filter(|w| w[0] != w[1]).count();
    let rate = flips as f64 / (recent.len() - 1) as f64;
    // One break that was fixed is not flakiness, however few the results: it takes a test
    // that failed and then passed again twice.
    let recoveries = recent.windows(2).filter(|w| !w[0] && w[1]).count();
    (rate > rule.threshold && recoveries >= 2).then(|| {
        format!(
            "flipped {flips} times in the last {} runs (rate {:.0} %)",
            recent.len(),
            rate * 100.0
        )
    })
}

/// How often a key's verdict changed between pass and fail over its whole history, for
/// its page (a count, not a rate: it stays put while the test does).
pub fn flips<'a>(samples: impl IntoIterator<Item = &'a Sample>) -> usize {
    let verdicts: Vec<bool> = samples.into_iter().filter_map(Sample::verdict).collect();
    verdicts.windows(2).filter(|w| w[0] != w[1]).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::octoprobe::git_ref;

    fn run(tests: &str, firmware: &str, trigger: &str) -> Run {
        let mut r =
            crate::ingest::result_dir::load_file(std::path::Path::new("/nonexistent/x.xml"), None);
        r.format = "octoprobe".into();
        r.ref_tests = git_ref(tests, None);
        r.ref_firmware = git_ref(firmware, None);
        r.trigger = trigger.into();
        r
    }

    #[test]
    fn a_pr_in_either_ref_or_the_trigger_makes_a_pr_run() {
        let master = "https://github.com/micropython/micropython.git@master";
        let pr = "https://github.com/micropython/micropython.git~18000";
        assert!(!lineage(&run(master, master, ""), None).pr);
        assert!(
            lineage(&run(master, pr, ""), None).pr,
            "PR firmware on master tests"
        );
        assert!(lineage(&run(pr, master, ""), Some("main")).pr);
        assert_eq!(
            lineage(&run(pr, master, ""), Some("main"))
                .target
                .as_deref(),
            Some("main")
        );
        let proposal = run(
            master,
            master,
            "https://github.com/micropython/micropython/pull/17091",
        );
        assert!(
            lineage(&proposal, None).pr,
            "the 2025-04 proposal put the PR in the trigger"
        );
        assert_eq!(
            lineage(
                &run("https://github.com/a/b.git~7@develop", master, ""),
                None
            )
            .target
            .as_deref(),
            Some("develop")
        );
    }

    #[test]
    fn a_forks_branch_is_not_the_branch_it_was_forked_from() {
        let upstream = "https://github.com/micropython/micropython.git@master";
        let fork = "https://github.com/someone/MicroPython@master";
        let pr = "https://github.com/micropython/micropython.git~18000@master";
        let all = vec![
            run(upstream, upstream, ""),
            run(fork, fork, ""),
            run(pr, pr, ""),
        ];
        let opts = CompareOptions::default();
        let of = |all: &[Run], runs: Vec<usize>| {
            baselines(all, &TestbedHistory::build(all, runs), &opts)
        };
        assert_eq!(
            of(&all, vec![0, 1, 2])[2],
            Some(0),
            "the PR compares with upstream master, not the newer fork run"
        );
        assert_eq!(of(&all, vec![0, 1])[1], None, "nothing before on the fork");
        // A run that does not name its repository still counts as on the branch.
        let mut unnamed = run(upstream, upstream, "");
        unnamed.ref_tests.as_mut().unwrap().repo_url.clear();
        unnamed.ref_firmware.as_mut().unwrap().repo_url.clear();
        let all = vec![all[0].clone(), unnamed, all[2].clone()];
        assert_eq!(of(&all, vec![0, 1, 2])[2], Some(1));
        for url in [
            "https://github.com/Someone/MicroPython.git/",
            "git@github.com:someone/micropython.git",
            "https://token@github.com/someone/micropython",
        ] {
            assert_eq!(
                repo_id(url).as_deref(),
                Some("github.com/someone/micropython")
            );
        }
    }

    #[test]
    fn one_break_that_was_fixed_is_not_flaky() {
        let samples = |verdicts: &str| -> Vec<Sample> {
            verdicts
                .chars()
                .enumerate()
                .map(|(run, c)| Sample {
                    run,
                    outcomes: smallvec::smallvec![if c == 'P' {
                        Outcome::Passed
                    } else {
                        Outcome::Failed
                    }],
                    text: String::new(),
                    tentacle: "".into(),
                })
                .collect()
        };
        let rule = FlakyRule::default();
        let judge = |v: &str| flip_rate(samples(v).iter().rev(), &rule);
        // Broken once and fixed, then broken again: 3 flips in 5 pairs, but one recovery.
        assert_eq!(judge("PFPPPF"), None);
        assert_eq!(judge("PPPPPF"), None);
        // Failing and passing again twice before: flaky.
        assert_eq!(
            judge("PFPFPF").as_deref(),
            Some("flipped 5 times in the last 6 runs (rate 100 %)")
        );
        // A pass after a single break is a fix, after repeated ones it is not.
        assert_eq!(judge("PPPPFP"), None);
        assert!(judge("PFPFP").is_some());
    }
}
