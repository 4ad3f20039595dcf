//! The format-independent model every reader produces and every renderer consumes.

use std::path::PathBuf;

use serde::Serialize;

use crate::ingest::time::Timestamp;

/// One test outcome value. Unknown values are kept, never rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
    /// MicroPython's known-flaky result: counted as skipped, shown as "ignored".
    Ignored,
    XFailed,
    Other(String),
}

impl Outcome {
    /// Reads every spelling found in Octoprobe and MicroPython data.
    pub fn parse(raw: &str) -> Outcome {
        match raw.trim().to_ascii_lowercase().as_str() {
            "pass" | "passed" => Outcome::Passed,
            "fail" | "failed" => Outcome::Failed,
            "skip" | "skipped" => Outcome::Skipped,
            "ignored" => Outcome::Ignored,
            "xfail" | "xfailed" => Outcome::XFailed,
            _ => Outcome::Other(raw.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::Ignored => "ignored",
            Outcome::XFailed => "xfailed",
            Outcome::Other(s) => s,
        }
    }

    /// The short label used in matrices, as mptest writes it.
    pub fn short(&self) -> &str {
        match self {
            Outcome::Passed => "pass",
            Outcome::Failed => "FAIL",
            Outcome::Skipped => "skip",
            Outcome::Ignored => "ignored",
            Outcome::XFailed => "XFAIL",
            Outcome::Other(s) => s,
        }
    }

    /// CSS class and filter key: one of a fixed set, whatever the input said.
    pub fn class(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::Ignored => "ignored",
            Outcome::XFailed => "xfailed",
            Outcome::Other(_) => "other",
        }
    }
}

impl From<Outcome> for String {
    fn from(o: Outcome) -> String {
        o.as_str().to_string()
    }
}

/// One test's result within one group attempt.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub name: String,
    pub outcome: Outcome,
    pub text: String,
    /// Set when an xfail list turned a failure into `XFailed`: the list's file name.
    pub xfail: Option<String>,
}

/// Whether a group attempt ran, was skipped as a whole, or errored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "message", rename_all = "lowercase")]
pub enum GroupState {
    #[default]
    Ran,
    Skipped(String),
    Errored(String),
}

/// One execution of one test group on one tentacle (one `RUN-...` folder).
#[derive(Debug, Clone, Serialize)]
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
    /// Which file the outcomes came from.
    pub source: String,
}

/// A git reference as Octoprobe's GitSpec `url[~PR][@branch]` plus what git said of it.
#[derive(Debug, Clone, Default, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct LinkedPath {
    pub label: String,
    /// Relative to the run folder in the site, or an absolute path outside it (not linked).
    pub target: String,
    pub inside: bool,
}

/// One test run: a `context.json` and its group attempts.
#[derive(Debug, Clone, Serialize)]
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
    #[serde(skip)]
    pub secrets: Vec<String>,
    /// The xfail list applied, by file name.
    pub xfail: Option<String>,
}

impl Run {
    /// The PR this run tested, as a URL, if any.
    pub fn pr_url(&self) -> Option<String> {
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

    /// Duration in seconds when both ends parsed.
    pub fn duration_s(&self) -> Option<i64> {
        crate::ingest::time::duration_s(self.time_start.as_ref()?, self.time_end.as_ref()?)
    }
}
