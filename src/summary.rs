//! One run's summary by mptest's rules: counts per test group, failure matrices, `summary.json`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{json, Value};

use crate::index::group_pages;
use crate::index::history::Comparison;
use crate::model::{GitRef, GroupAttempt, GroupState, Outcome, Run};
use crate::render::links;

/// Counts of one test group, or of the whole run.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub groups_run: u64,
    pub groups_skipped: u64,
    pub groups_errored: u64,
    pub passed: u64,
    pub failed: u64,
    pub errored: u64,
    pub skipped: u64,
    pub xfailed: u64,
    pub xpassed: u64,
    pub other: u64,
    /// Every test once per attempt.
    pub tests: u64,
}

impl Counts {
    pub fn add_group(&mut self, g: &GroupAttempt) {
        match g.state {
            GroupState::Ran => self.groups_run += 1,
            GroupState::Skipped(_) => self.groups_skipped += 1,
            GroupState::Errored(_) => self.groups_errored += 1,
        }
        for t in &g.results {
            match t.outcome {
                Outcome::Passed => self.passed += 1,
                Outcome::Failed => self.failed += 1,
                // MicroPython's `ignored` is a skip with a "flaky: ..." reason.
                Outcome::Skipped | Outcome::Ignored => self.skipped += 1,
                Outcome::XFailed => self.xfailed += 1,
                Outcome::Errored => self.errored += 1,
                Outcome::XPassed => self.xpassed += 1,
                Outcome::Other(_) => self.other += 1,
            }
            self.tests += 1;
        }
    }

    fn add(&mut self, o: &Counts) {
        self.groups_run += o.groups_run;
        self.groups_skipped += o.groups_skipped;
        self.groups_errored += o.groups_errored;
        self.passed += o.passed;
        self.failed += o.failed;
        self.skipped += o.skipped;
        self.xfailed += o.xfailed;
        self.errored += o.errored;
        self.xpassed += o.xpassed;
        self.other += o.other;
        self.tests += o.tests;
    }

    pub fn tests(&self) -> u64 {
        self.tests
    }

    fn to_json(self) -> serde_json::Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }
}

/// What mptest knows of each test group: its sort key, its readable label and its runner script.
pub fn group_info(testgroup: &str) -> (&'static str, Option<&'static str>, Option<&'static str>) {
    match testgroup {
        "RUN-FLASH_FORMAT" => ("a", Some("format flash"), None),
        "RUN-TESTS_STANDARD" | "RUN-TESTS_BASICS" => {
            ("c_c", Some("run-tests.py"), Some("tests/run-tests.py"))
        }
        "RUN-TESTS_STANDARD_VIA_MPY" => (
            "c_c",
            Some("run-tests.py --via-mpy"),
            Some("tests/run-tests.py"),
        ),
        "RUN-TESTS_STANDARD_NATIVE" => (
            "c_c",
            Some("run-tests.py --via-mpy --emit native"),
            Some("tests/run-tests.py"),
        ),
        "RUN-PERFBENCH" => (
            "c_e",
            Some("run-perfbench.py"),
            Some("tests/run-perfbench.py"),
        ),
        "RUN-NATMODTESTS" => (
            "c_g",
            Some("run-natmodtests.py"),
            Some("tests/run-natmodtests.py"),
        ),
        "RUN-MPREMOTE_TESTS" => (
            "c_h",
            Some("run-mpremote-tests.sh"),
            Some("tools/mpremote/tests/run-mpremote-tests.sh"),
        ),
        "RUN-TESTS_EXTMOD_HARDWARE" => (
            "e_extmod",
            Some("run-tests.py --test-dirs=extmod_hardware"),
            Some("tests/run-tests.py"),
        ),
        "RUN-TESTS_EXTMOD_HARDWARE_NATIVE" => (
            "e_extmod",
            Some("run-tests.py --test-dirs=extmod_hardware --emit-native"),
            Some("tests/run-tests.py"),
        ),
        "RUN-TESTS_NET_INET" => (
            "g_multi_inet",
            Some("run-tests.py --test-dirs=net_inet"),
            Some("tests/run-tests.py"),
        ),
        "RUN-TESTS_NET_HOSTED" => (
            "g_multi_inet",
            Some("run-tests.py --test-dirs=net_hosted"),
            Some("tests/run-tests.py"),
        ),
        "RUN-MULTITESTS_MULTINET" => (
            "g_multi_net",
            Some("run-multitests.py multi_net/*.py"),
            Some("tests/run-multitests.py"),
        ),
        "RUN-MULTITESTS_MULTIBLUETOOTH" => (
            "g_multi_net",
            Some("run-multitests.py multi_bluetooth/*.py"),
            Some("tests/run-multitests.py"),
        ),
        _ => ("z", None, None),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    pub testgroup: String,
    pub label: String,
    pub counts: Counts,
}

/// One attempt's outcome in a matrix cell.
#[derive(Debug, Clone, Serialize)]
pub struct CellEntry {
    pub outcome: String,
    pub short: String,
    pub class: &'static str,
    pub attempt: String,
    /// The attempt's folder in the site, relative to the run.
    pub group_slug: String,
    /// The test's row on its group page, relative to the run: `<folder>/<page>#<row>`.
    pub href: String,
    pub text: String,
    pub xfail: Option<String>,
    /// Failed attempts before this one within the same run (JUnit reruns, pytest reruns).
    pub retried: usize,
    /// The outcomes of those earlier attempts, in order.
    pub prior: Vec<String>,
    /// The same, as the cell shows them.
    pub earlier: Vec<Earlier>,
}

/// An attempt before a test's final one within a group (a JUnit or pytest rerun).
#[derive(Debug, Clone, Serialize)]
pub struct Earlier {
    pub short: String,
    pub class: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub entries: Vec<CellEntry>,
    /// `failed` (all attempts failed), `flaky` (failed and passed), `ok`, `skipped` or `mixed`.
    pub class: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub mcu: String,
    pub board_variant: String,
    pub tentacle: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub test: String,
    pub source_url: Option<String>,
    /// The test's history page, relative to the testbed folder (set by the index).
    pub history: Option<String>,
    pub cells: Vec<Option<Cell>>,
}

/// The failures of one test group: tests × tentacles.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub testgroup: String,
    pub label: String,
    pub reference: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// One failing test on one tentacle, over all its attempts.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub testgroup: String,
    pub test: String,
    pub tentacle: String,
    pub board_variant: String,
    pub attempts: Vec<String>,
    pub flaky: bool,
    pub xfail: bool,
    pub text: String,
    pub source_url: Option<String>,
}

/// Everything the reports of one run show.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub testgroups: Vec<GroupSummary>,
    pub total: Counts,
    pub matrices: Vec<Matrix>,
    pub failures: Vec<Failure>,
    /// Indexes into `run.groups`.
    pub errored: Vec<usize>,
    pub skipped: Vec<usize>,
    pub mcus: Vec<String>,
}

fn is_failing(class: &str) -> bool {
    matches!(class, "failed" | "errored")
}

fn cell_class(entries: &[CellEntry]) -> &'static str {
    let has = |c: &str| entries.iter().any(|e| e.class == c);
    let all = |f: &dyn Fn(&str) -> bool| entries.iter().all(|e| f(e.class));
    if all(&is_failing) {
        "failed"
    } else if entries.iter().any(|e| e.retried > 0)
        || (has("failed") || has("errored")) && has("passed")
    {
        "flaky"
    } else if all(&|c| c == "passed" || c == "xfailed") {
        "ok"
    } else if all(&|c| c == "skipped" || c == "ignored") {
        "skipped"
    } else {
        "mixed"
    }
}

pub fn summarize(run: &Run) -> Summary {
    let mut per_group: BTreeMap<(&'static str, &str), Counts> = BTreeMap::new();
    let mut mcus = BTreeSet::new();
    let mut errored = Vec::new();
    let mut skipped = Vec::new();
    for (i, g) in run.groups.iter().enumerate() {
        let (order, _, _) = group_info(&g.testgroup);
        per_group
            .entry((order, g.testgroup.as_str()))
            .or_default()
            .add_group(g);
        if !g.tentacle_mcu.is_empty() {
            mcus.insert(g.tentacle_mcu.clone());
        }
        match g.state {
            GroupState::Errored(_) => errored.push(i),
            GroupState::Skipped(_) => skipped.push(i),
            GroupState::Ran => {}
        }
    }
    let mut total = Counts::default();
    let testgroups: Vec<GroupSummary> = per_group
        .into_iter()
        .map(|((_, tg), counts)| {
            total.add(&counts);
            GroupSummary {
                testgroup: tg.to_string(),
                label: group_info(tg).1.unwrap_or(tg).to_string(),
                counts,
            }
        })
        .collect();
    let (matrices, failures) = failure_matrices(run);
    Summary {
        testgroups,
        total,
        matrices,
        failures,
        errored,
        skipped,
        mcus: mcus.into_iter().collect(),
    }
}

fn failure_matrices(run: &Run) -> (Vec<Matrix>, Vec<Failure>) {
    // testgroup → (test → tentacle column key → entries)
    type ColKey = (String, String, String);
    let mut failing: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for g in &run.groups {
        for t in &g.results {
            if matches!(
                t.outcome,
                Outcome::Failed | Outcome::Errored | Outcome::XFailed
            ) || t.is_flaky()
            {
                failing.entry(&g.testgroup).or_default().insert(&t.name);
            }
        }
    }
    let mut matrices = Vec::new();
    let mut failures = Vec::new();
    for (testgroup, tests) in failing {
        let mut cells: BTreeMap<(&str, ColKey), Vec<(&str, CellEntry)>> = BTreeMap::new();
        let mut columns: BTreeSet<ColKey> = BTreeSet::new();
        let mut reference = BTreeSet::new();
        let mut sources: BTreeMap<&str, Option<String>> = BTreeMap::new();
        for g in run.groups.iter().filter(|g| g.testgroup == testgroup) {
            let page_of = group_pages::group_layout(g).page_of();
            let col = (
                g.tentacle_mcu.clone(),
                g.board_variant.clone(),
                g.tentacle_variant_role.clone(),
            );
            if !g.tentacle_reference.is_empty() {
                reference.insert(g.tentacle_reference.as_str());
            }
            let mut any = false;
            for (i, t) in g
                .results
                .iter()
                .enumerate()
                .filter(|(_, t)| tests.contains(t.name.as_str()))
            {
                any = true;
                let mut href = format!(
                    "{}/{}",
                    crate::paths::url_path(&g.slug),
                    group_pages::group_part_file(page_of[i])
                );
                if group_pages::anchored(t) {
                    href = format!("{href}#{}", group_pages::anchor(&t.name));
                }
                sources
                    .entry(&t.name)
                    .or_insert_with(|| links::result_source_url(run, testgroup, t));
                cells.entry((&t.name, col.clone())).or_default().push((
                    &g.testid,
                    CellEntry {
                        outcome: t.outcome.as_str().to_string(),
                        short: t.outcome.short().to_string(),
                        class: t.outcome.class(),
                        attempt: g.attempt.clone(),
                        group_slug: g.slug.clone(),
                        href,
                        text: t.text.clone(),
                        xfail: t.xfail.clone(),
                        retried: t
                            .extra
                            .as_ref()
                            .map(|e| e.attempts.iter().filter(|a| a.outcome.is_failure()).count())
                            .unwrap_or(0),
                        prior: t
                            .extra
                            .as_ref()
                            .map(|e| {
                                e.attempts
                                    .iter()
                                    .map(|a| a.outcome.as_str().to_string())
                                    .collect()
                            })
                            .unwrap_or_default(),
                        earlier: t
                            .extra
                            .as_ref()
                            .map(|e| {
                                e.attempts
                                    .iter()
                                    .map(|a| Earlier {
                                        short: a.outcome.short().to_string(),
                                        class: a.outcome.class(),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    },
                ));
            }
            if any {
                columns.insert(col);
            }
        }
        let columns: Vec<ColKey> = columns.into_iter().collect();
        let mut rows = Vec::new();
        for test in &tests {
            let source_url = sources.get(test).cloned().flatten();
            let mut row_cells = Vec::with_capacity(columns.len());
            for col in &columns {
                let cell = cells.remove(&(*test, col.clone())).map(|mut entries| {
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                    let entries: Vec<CellEntry> = entries.into_iter().map(|(_, e)| e).collect();
                    let class = cell_class(&entries);
                    if entries
                        .iter()
                        .any(|e| is_failing(e.class) || e.class == "xfailed" || e.retried > 0)
                    {
                        failures.push(Failure {
                            testgroup: testgroup.to_string(),
                            test: test.to_string(),
                            tentacle: col.2.clone(),
                            board_variant: col.1.clone(),
                            attempts: entries
                                .iter()
                                .flat_map(|e| e.prior.iter().chain(std::iter::once(&e.outcome)))
                                .cloned()
                                .collect(),
                            flaky: class == "flaky",
                            xfail: entries.iter().any(|e| e.class == "xfailed")
                                && !entries.iter().any(|e| is_failing(e.class)),
                            text: entries
                                .iter()
                                .filter(|e| is_failing(e.class) || e.class == "xfailed")
                                .map(|e| e.text.clone())
                                .find(|t| !t.is_empty())
                                .unwrap_or_default(),
                            source_url: source_url.clone(),
                        });
                    }
                    Cell { entries, class }
                });
                row_cells.push(cell);
            }
            rows.push(Row {
                test: test.to_string(),
                source_url,
                history: None,
                cells: row_cells,
            });
        }
        matrices.push(Matrix {
            testgroup: testgroup.to_string(),
            label: group_info(testgroup).1.unwrap_or(testgroup).to_string(),
            reference: reference.into_iter().collect::<Vec<_>>().join(", "),
            columns: columns
                .into_iter()
                .map(|(mcu, board_variant, tentacle)| Column {
                    mcu,
                    board_variant,
                    tentacle,
                })
                .collect(),
            rows,
        });
    }
    failures.sort_by(|a, b| {
        (&a.testgroup, &a.test, &a.tentacle).cmp(&(&b.testgroup, &b.test, &b.tentacle))
    });
    (matrices, failures)
}

fn git_json(r: &Option<GitRef>) -> Value {
    match r {
        None => Value::Null,
        Some(r) => json!({
            "spec": r.spec,
            "repo_url": (!r.repo_url.is_empty()).then_some(&r.repo_url),
            "pr": r.pr,
            "branch": r.branch,
            "commit": r.commit,
            "commit_url": r.commit_url(),
        }),
    }
}

/// The documented `summary.json` (schema 1).
pub fn to_json(run: &Run, s: &Summary, cmp: &Comparison) -> Value {
    let time = |t: &Option<crate::ingest::time::Timestamp>| t.as_ref().map(|t| t.raw.clone());
    let iso = |t: &Option<crate::ingest::time::Timestamp>| t.as_ref().and_then(|t| t.iso.clone());
    let testgroups: Vec<Value> = s
        .testgroups
        .iter()
        .map(|g| {
            let mut m = serde_json::Map::new();
            m.insert("testgroup".into(), json!(g.testgroup));
            m.extend(g.counts.to_json());
            Value::Object(m)
        })
        .collect();
    json!({
        "schema": 1,
        "run": {
            "testbed": run.testbed,
            "testbed_name": run.testbed_name,
            "id": run.id,
            "format": run.format,
            "time_start": time(&run.time_start),
            "time_end": time(&run.time_end),
            "time_start_iso": iso(&run.time_start),
            "time_end_iso": iso(&run.time_end),
            "duration_s": run.duration_s(),
            "trigger": run.trigger,
            "error": run.error,
            "pr": run.pr_url(),
            "ref_tests": git_json(&run.ref_tests),
            "ref_firmware": git_json(&run.ref_firmware),
            "xfail": run.xfail,
            "problems": run.problems_for_site(),
        },
        "testgroups": testgroups,
        "total": Value::Object(s.total.to_json()),
        "failures": s.failures,
        "baseline": cmp.baseline,
        "new_failures": cmp.new_failures,
        "fixed": cmp.fixed,
        "flaky": cmp.flaky,
        "still_failing": cmp.still_failing,
        "known": cmp.known,
        "perf_regressions": cmp.perf_regressions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(classes: &[&'static str]) -> &'static str {
        let entries: Vec<CellEntry> = classes
            .iter()
            .map(|&class| CellEntry {
                outcome: class.to_string(),
                short: String::new(),
                class,
                attempt: String::new(),
                group_slug: String::new(),
                href: String::new(),
                text: String::new(),
                xfail: None,
                retried: 0,
                prior: Vec::new(),
                earlier: Vec::new(),
            })
            .collect();
        cell_class(&entries)
    }

    /// mptest's decoration: all pass or xfail is quiet; a real failure beside a pass is flaky.
    #[test]
    fn a_cell_is_flaky_only_for_a_failure_beside_a_pass() {
        assert_eq!(cell(&["xfailed", "passed"]), "ok");
        assert_eq!(cell(&["failed", "passed"]), "flaky");
        assert_eq!(cell(&["errored", "passed"]), "flaky");
        assert_eq!(cell(&["failed", "errored"]), "failed");
        assert_eq!(cell(&["xfailed", "failed"]), "mixed");
        assert_eq!(cell(&["skipped", "ignored"]), "skipped");
    }
}
