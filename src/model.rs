//! The format-independent model every reader produces and every renderer consumes.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ingest::time::Timestamp;

/// One test outcome value. Unknown values are kept, never rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum Outcome {
    Passed,
    Failed,
    /// An error outside the test body (JUnit `error`, a pytest setup or teardown failure).
    Errored,
    Skipped,
    /// MicroPython's known-flaky result: counted as skipped, shown as "ignored".
    Ignored,
    XFailed,
    /// Expected to fail but passed (pytest's non-strict XPASS).
    XPassed,
    Other(String),
}

impl Outcome {
    /// Reads every spelling found in Octoprobe and MicroPython data.
    pub fn parse(raw: &str) -> Outcome {
        match raw.trim().to_ascii_lowercase().as_str() {
            "pass" | "passed" => Outcome::Passed,
            "fail" | "failed" | "failure" => Outcome::Failed,
            "error" | "errored" => Outcome::Errored,
            "skip" | "skipped" => Outcome::Skipped,
            "ignored" => Outcome::Ignored,
            "xfail" | "xfailed" => Outcome::XFailed,
            "xpass" | "xpassed" => Outcome::XPassed,
            _ => Outcome::Other(raw.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Errored => "errored",
            Outcome::Skipped => "skipped",
            Outcome::Ignored => "ignored",
            Outcome::XFailed => "xfailed",
            Outcome::XPassed => "xpassed",
            Outcome::Other(s) => s,
        }
    }

    /// Failed or errored: what a failure matrix lists.
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Errored)
    }

    /// The short label used in matrices, as mptest writes it.
    pub fn short(&self) -> &str {
        match self {
            Outcome::Passed => "pass",
            Outcome::Failed => "FAIL",
            Outcome::Errored => "ERROR",
            Outcome::Skipped => "skip",
            Outcome::Ignored => "ignored",
            Outcome::XFailed => "XFAIL",
            Outcome::XPassed => "XPASS",
            Outcome::Other(s) => s,
        }
    }

    /// CSS class and filter key: one of a fixed set, whatever the input said.
    pub fn class(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Errored => "errored",
            Outcome::Skipped => "skipped",
            Outcome::Ignored => "ignored",
            Outcome::XFailed => "xfailed",
            Outcome::XPassed => "xpassed",
            Outcome::Other(_) => "other",
        }
    }
}

/// Templates and JSON see an outcome as its word; the binary parse cache keeps the variant.
impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.serialize_str(self.as_str());
        }
        // The derived (remote = "Self") form keeps every variant apart, even an unknown
        // word that reads like a known one.
        Outcome::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            return String::deserialize(d).map(|w| Outcome::parse(&w));
        }
        Outcome::deserialize(d)
    }
}

/// One test's result within one group attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    pub outcome: Outcome,
    pub text: String,
    /// Set when an xfail list turned a failure into `XFailed`: the list's file name.
    pub xfail: Option<String>,
    /// Seconds, when the producer measured it.
    pub duration: Option<f64>,
    /// What richer formats say beyond the outcome; boxed to keep the common case small.
    pub extra: Option<Box<TestExtra>>,
}

impl TestResult {
    pub fn new(name: String, outcome: Outcome, text: String) -> TestResult {
        TestResult {
            name,
            outcome,
            text,
            xfail: None,
            duration: None,
            extra: None,
        }
    }

    pub fn extra_mut(&mut self) -> &mut TestExtra {
        self.extra.get_or_insert_with(Default::default)
    }

    /// Passed in the end after failed attempts.
    pub fn is_flaky(&self) -> bool {
        self.outcome == Outcome::Passed
            && self
                .extra
                .as_ref()
                .is_some_and(|e| e.attempts.iter().any(|a| a.outcome.is_failure()))
    }
}

/// An earlier attempt of a test that was retried within one run (JUnit reruns, pytest reruns, CTRF retries).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriorAttempt {
    pub outcome: Outcome,
    pub message: String,
    pub text: String,
}

/// A named figure measured by a test, such as a perfbench runtime.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TestExtra {
    pub file: Option<String>,
    pub line: Option<u32>,
    /// The one-line message (JUnit `message`, pytest `reprcrash.message`).
    pub message: String,
    pub attempts: Vec<PriorAttempt>,
    pub stdout: String,
    pub stderr: String,
    pub properties: Vec<(String, String)>,
    pub metrics: Vec<Metric>,
}

/// Whether a group attempt ran, was skipped as a whole, or errored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupState {
    #[default]
    Ran,
    Skipped(String),
    Errored(String),
}

/// One execution of one test group on one tentacle (one `RUN-...` folder), or one test
/// suite of another format.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupAttempt {
    /// The folder name as found on disk.
    pub dir_name: String,
    /// The folder name made safe for the site.
    pub slug: String,
    pub testgroup: String,
    pub testid: String,
    /// e.g. `3a21-PYBV11-DP`.
    pub tentacle_variant: String,
    /// `tentacle_variant` plus a role suffix such as `-instance0`.
    pub tentacle_variant_role: String,
    /// e.g. `PYBV11-DP`: the part after the serial, without role.
    pub board_variant: String,
    pub tentacle_mcu: String,
    pub tentacle_reference: String,
    /// `a`, `b`, ... (empty when the layout has no attempt index).
    pub attempt: String,
    pub commandline: String,
    pub time_start: Option<Timestamp>,
    pub time_end: Option<Timestamp>,
    pub state: GroupState,
    pub results: Vec<TestResult>,
    /// Files of the attempt folder copied into the site, relative to the folder, sorted.
    pub files: Vec<String>,
    /// Which file the outcomes came from (relative to the group folder, or to the run for
    /// formats without group folders).
    pub source: String,
    /// Run parameters the runner printed, e.g. perfbench `N`, `M`, `n_average`.
    pub params: Vec<(String, String)>,
    /// Suite-level output and properties (JUnit).
    pub stdout: String,
    pub stderr: String,
    pub properties: Vec<(String, String)>,
    /// The host or platform the group ran on, when the format says it.
    pub host: String,
}

/// A git reference as Octoprobe's GitSpec `url[~PR][@branch]` plus what git said of it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GitRef {
    pub spec: String,
    /// Repository web URL without `.git`.
    pub repo_url: String,
    pub pr: Option<String>,
    pub branch: Option<String>,
    pub commit: Option<String>,
    pub rebased: bool,
    /// The link Octoprobe computed (`.../pull/N` or `.../tree/branch`).
    pub url_link: Option<String>,
    pub describe: Option<String>,
    pub log: Option<String>,
}

impl GitRef {
    pub fn commit_url(&self) -> Option<String> {
        let commit = self.commit.as_ref()?;
        if self.repo_url.is_empty() {
            return None;
        }
        Some(format!("{}/commit/{}", self.repo_url, commit))
    }

    pub fn pr_url(&self) -> Option<String> {
        let pr = self.pr.as_ref()?;
        if pr.starts_with("http") {
            return Some(pr.clone());
        }
        if self.repo_url.is_empty() {
            return None;
        }
        Some(format!("{}/pull/{}", self.repo_url, pr))
    }

    pub fn short_commit(&self) -> Option<String> {
        self.commit.as_ref().map(|c| c.chars().take(7).collect())
    }
}

/// A run-level file worth linking (logs, reports), relative to the run folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkedPath {
    pub label: String,
    /// Relative to the run folder in the site, or an absolute path outside it (not linked).
    pub target: String,
    pub inside: bool,
}

/// One test run: a `context.json` and its group attempts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// Where the run was read from.
    pub path: PathBuf,
    /// The run's label (its folder name).
    pub id: String,
    pub slug: String,
    pub format: String,
    pub testbed: String,
    pub testbed_name: String,
    pub time_start: Option<Timestamp>,
    pub time_end: Option<Timestamp>,
    pub trigger: String,
    pub error: String,
    pub commandline: String,
    pub ref_firmware: Option<GitRef>,
    pub ref_tests: Option<GitRef>,
    /// Absolute paths of `context.json` turned into links relative to the run.
    pub paths: Vec<LinkedPath>,
    pub groups: Vec<GroupAttempt>,
    /// Top-level files copied into the site, relative to the run folder, sorted.
    pub files: Vec<String>,
    /// Input problems: each names the file (and line).
    pub problems: Vec<String>,
    /// Literal secrets found in this run's inputs (e.g. `args.password`), redacted everywhere.
    pub secrets: Vec<String>,
    /// The xfail list applied, by file name.
    pub xfail: Option<String>,
    /// CI facts of runs outside Octoprobe (`run.json`, or derived).
    pub ci: CiInfo,
    /// What the reader decided that a reader of the site should know (not problems).
    pub notes: Vec<String>,
    /// A hash of everything the run was read from (the parse cache's key), when it was
    /// taken: pages made from equal inputs need not be made again.
    #[serde(skip)]
    pub content_key: Option<String>,
}

/// What `run.json` (written by `testpress record` or by hand) says of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CiInfo {
    pub branch: Option<String>,
    pub commit: Option<String>,
    pub repository: Option<String>,
    pub pr: Option<String>,
    pub ci_url: Option<String>,
    pub job: Option<String>,
    /// The folder the repository was checked out to on the CI machine (`$GITHUB_WORKSPACE`,
    /// `$CI_PROJECT_DIR`, Jenkins' `$WORKSPACE`): absolute test file paths under it become
    /// source links.
    pub checkout: Option<String>,
}

impl Run {
    /// Leaves out of the copied files those the site shows in full (JUnit, report-log, CTRF
    /// files): a copy would double the site's size and add nothing to read.
    pub fn leave_out_result_files(&mut self) {
        let sources: std::collections::HashSet<&str> = self
            .groups
            .iter()
            .filter(|g| g.dir_name.is_empty())
            .map(|g| g.source.as_str())
            .collect();
        self.files.retain(|f| !sources.contains(f.as_str()));
    }

    /// The PR this run tested, as a URL, if any.
    pub fn pr_url(&self) -> Option<String> {
        if let Some(pr) = &self.ci.pr {
            if pr.starts_with("http") {
                return Some(pr.clone());
            }
            if let Some(repo) = &self.ci.repository {
                let repo = repo.trim_end_matches('/').trim_end_matches(".git");
                // GitLab calls them merge requests, at another path.
                let kind = if repo.contains("gitlab") {
                    "-/merge_requests"
                } else {
                    "pull"
                };
                return Some(format!("{repo}/{kind}/{pr}"));
            }
        }
        [&self.ref_tests, &self.ref_firmware]
            .into_iter()
            .flatten()
            .find_map(|r| r.pr_url())
            .or_else(|| {
                // The 2025-04 proposal put the PR URL into `trigger`.
                (self.trigger.starts_with("http") && self.trigger.contains("/pull/"))
                    .then(|| self.trigger.clone())
            })
    }

    /// The problems as the site shows them: paths from the run's own folder on, so that the
    /// site does not depend on how the inputs were named on the command line.
    pub fn problems_for_site(&self) -> Vec<String> {
        let base = self.path.parent().map(|p| format!("{}/", p.display()));
        self.problems
            .iter()
            .map(|p| match &base {
                Some(b) if b != "/" && p.starts_with(b.as_str()) => p[b.len()..].to_string(),
                _ => p.clone(),
            })
            .collect()
    }

    /// Duration in seconds when both ends parsed.
    pub fn duration_s(&self) -> Option<i64> {
        crate::ingest::time::duration_s(self.time_start.as_ref()?, self.time_end.as_ref()?)
    }
}
