//! pytest `--report-log` (JSON lines): setup, call and teardown folded into one result per test,
//! one group per test module.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::Value;

use super::mp_results::value_text;
use super::time::Timestamp;
use super::IngestError;
use crate::model::{GroupAttempt, Outcome, PriorAttempt, TestResult};

#[derive(Debug, Default)]
pub struct ReportLog {
    pub groups: Vec<GroupAttempt>,
    pub time_start: Option<Timestamp>,
    pub time_end: Option<Timestamp>,
    /// Corrupt lines, each naming the file and line.
    pub problems: Vec<String>,
    pub pytest_version: Option<String>,
    /// No line at all: the job died before pytest wrote anything.
    pub empty: bool,
}

/// Does this look like a report-log? Checks the first non-empty line.
pub fn sniff(head: &str) -> bool {
    head.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with('{') && l.contains("\"$report_type\""))
}

#[derive(Default)]
struct Phase {
    outcome: String,
    longrepr: Value,
    wasxfail: bool,
}

#[derive(Default)]
struct Acc {
    order: usize,
    file: String,
    line: Option<u32>,
    setup: Option<Phase>,
    call: Option<Phase>,
    teardown: Option<Phase>,
    reruns: Vec<PriorAttempt>,
    /// The last rerun came from this cycle's setup or call: its teardown belongs to it.
    rerun_open: bool,
    duration: f64,
    stdout: String,
    stderr: String,
    properties: Vec<(String, String)>,
}

/// The headline and the full text of a `longrepr` in any of its shapes.
fn longrepr_text(v: &Value) -> (String, String) {
    match v {
        Value::Null => (String::new(), String::new()),
        Value::String(s) => (s.lines().last().unwrap_or("").to_string(), s.clone()),
        // Skips: [path, lineno, "Skipped: reason"].
        Value::Array(a) => {
            let reason = a.get(2).map(value_text).unwrap_or_default();
            let reason = reason
                .strip_prefix("Skipped: ")
                .unwrap_or(&reason)
                .to_string();
            (reason.clone(), reason)
        }
        Value::Object(_) => {
            let message = v
                .pointer("/reprcrash/message")
                .map(value_text)
                .unwrap_or_default();
            let mut text = String::new();
            if let Some(entries) = v
                .pointer("/reprtraceback/reprentries")
                .and_then(Value::as_array)
            {
                for e in entries {
                    if let Some(lines) = e.pointer("/data/lines").and_then(Value::as_array) {
                        for l in lines {
                            text.push_str(&value_text(l));
                            text.push('\n');
                        }
                    }
                    if let Some(loc) = e.pointer("/data/reprfileloc") {
                        let path = loc.get("path").map(value_text).unwrap_or_default();
                        let line = loc.get("lineno").map(value_text).unwrap_or_default();
                        let msg = loc.get("message").map(value_text).unwrap_or_default();
                        text.push_str(&format!("{path}:{line}: {msg}\n\n"));
                    }
                }
            }
            if text.is_empty() {
                text = message.clone();
            }
            (message, text.trim_end().to_string())
        }
        other => (value_text(other), value_text(other)),
    }
}

fn epoch(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

/// Reads one report-log file; corrupt lines become problems, the other lines still count.
pub fn read(path: &Path, label: &str) -> Result<ReportLog, IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut out = ReportLog {
        empty: true,
        ..ReportLog::default()
    };
    let mut tests: BTreeMap<String, Acc> = BTreeMap::new();
    let mut collect_errors: Vec<(String, String, String)> = Vec::new();
    let (mut first, mut last) = (None::<f64>, None::<f64>);
    for (i, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line.map_err(|source| IngestError::Io {
            path: path.display().to_string(),
            source,
        })?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.empty = false;
        let rec: Value = match serde_json::from_slice(&line) {
            Ok(v) => v,
            Err(e) => {
                // Each line is its own document: its line in the file is the line number.
                let mut problem = super::json_error(path, &e);
                if let IngestError::Json { line, .. } = &mut problem {
                    *line = i + 1;
                }
                out.problems.push(problem.to_string());
                continue;
            }
        };
        let kind = rec
            .get("$report_type")
            .or_else(|| rec.get("_report_type"))
            .map(value_text)
            .unwrap_or_default();
        match kind.as_str() {
            "SessionStart" | "Header" => {
                out.pytest_version = rec.get("pytest_version").map(value_text);
            }
            "CollectReport" if rec.get("outcome").map(value_text).as_deref() == Some("failed") => {
                let nodeid = rec.get("nodeid").map(value_text).unwrap_or_default();
                let (msg, text) = longrepr_text(rec.get("longrepr").unwrap_or(&Value::Null));
                collect_errors.push((nodeid, msg, text));
            }
            "TestReport" => {
                let nodeid = rec.get("nodeid").map(value_text).unwrap_or_default();
                let n = tests.len();
                let acc = tests.entry(nodeid.clone()).or_insert_with(|| Acc {
                    order: n,
                    ..Acc::default()
                });
                if let Some(loc) = rec.get("location").and_then(Value::as_array) {
                    acc.file = loc.first().map(value_text).unwrap_or_default();
                    acc.line = loc.get(1).and_then(Value::as_u64).map(|l| l as u32 + 1);
                }
                if acc.file.is_empty() {
                    acc.file = nodeid.split("::").next().unwrap_or("").to_string();
                }
                acc.duration += rec.get("duration").and_then(Value::as_f64).unwrap_or(0.0);
                for (t, k) in [(epoch(rec.get("start")), 0), (epoch(rec.get("stop")), 1)] {
                    if let Some(t) = t {
                        if k == 0 && first.is_none_or(|f| t < f) {
                            first = Some(t);
                        }
                        if k == 1 && last.is_none_or(|l| t > l) {
                            last = Some(t);
                        }
                    }
                }
                let outcome = rec.get("outcome").map(value_text).unwrap_or_default();
                let when = rec.get("when").map(value_text).unwrap_or_default();
                if let Some(sections) = rec.get("sections").and_then(Value::as_array) {
                    for s in sections {
                        let title = s.get(0).map(value_text).unwrap_or_default();
                        let body = s.get(1).map(value_text).unwrap_or_default();
                        let target = if title.contains("stderr") {
                            &mut acc.stderr
                        } else {
                            &mut acc.stdout
                        };
                        if !target.contains(&body) {
                            target.push_str(&format!("--- {title} ---\n{body}\n"));
                        }
                    }
                }
                if let Some(props) = rec.get("user_properties").and_then(Value::as_array) {
                    for p in props {
                        let kv = (
                            p.get(0).map(value_text).unwrap_or_default(),
                            p.get(1).map(value_text).unwrap_or_default(),
                        );
                        if !acc.properties.contains(&kv) {
                            acc.properties.push(kv);
                        }
                    }
                }
                let phase = Phase {
                    outcome: outcome.clone(),
                    longrepr: rec.get("longrepr").cloned().unwrap_or(Value::Null),
                    wasxfail: rec.get("wasxfail").is_some(),
                };
                if outcome == "rerun" {
                    // pytest-rerunfailures: an earlier attempt; the phases start again.
                    let (message, text) = longrepr_text(&phase.longrepr);
                    if when == "teardown" && acc.rerun_open {
                        // The teardown of the attempt just counted (a call that failed and a
                        // fixture that failed after it): one attempt, not two.
                        acc.rerun_open = false;
                        if let Some(last) = acc.reruns.last_mut() {
                            if !text.is_empty() && !last.text.contains(&text) {
                                last.text = format!("{}\n--- teardown ---\n{text}", last.text);
                            }
                        }
                        continue;
                    }
                    acc.rerun_open = when != "teardown";
                    acc.reruns.push(PriorAttempt {
                        outcome: if when == "call" {
                            Outcome::Failed
                        } else {
                            Outcome::Errored
                        },
                        message,
                        text,
                    });
                    acc.setup = None;
                    acc.call = None;
                    acc.teardown = None;
                    continue;
                }
                acc.rerun_open = false;
                match when.as_str() {
                    "setup" => acc.setup = Some(phase),
                    "call" => acc.call = Some(phase),
                    "teardown" => acc.teardown = Some(phase),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if let Some(f) = first {
        out.time_start = Timestamp::parse(&format_epoch(f));
    }
    if let Some(l) = last {
        out.time_end = Timestamp::parse(&format_epoch(l));
    }

    let mut by_file: BTreeMap<String, Vec<(usize, TestResult)>> = BTreeMap::new();
    for (nodeid, acc) in tests {
        let file = acc.file.clone();
        let order = acc.order;
        for r in fold(nodeid, acc) {
            by_file.entry(file.clone()).or_default().push((order, r));
        }
    }
    for (nodeid, message, text) in collect_errors {
        let file = nodeid.split("::").next().unwrap_or(&nodeid).to_string();
        let mut r = TestResult::new(
            format!("{nodeid} [collection]"),
            Outcome::Errored,
            if text.is_empty() {
                message.clone()
            } else {
                text
            },
        );
        r.extra_mut().message = if message.is_empty() {
            "collection failure".into()
        } else {
            message
        };
        by_file.entry(file).or_default().push((0, r));
    }
    out.groups = by_file
        .into_iter()
        .map(|(file, mut results)| {
            results.sort_by_key(|(o, _)| *o);
            GroupAttempt {
                testgroup: file,
                source: label.to_string(),
                results: results.into_iter().map(|(_, r)| r).collect(),
                ..GroupAttempt::default()
            }
        })
        .collect();
    Ok(out)
}

fn format_epoch(secs: f64) -> String {
    chrono::DateTime::from_timestamp(secs.floor() as i64, 0)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

/// One test's phases to its results: the test itself, plus a `[teardown]` error when the
/// teardown failed too (pytest counts that error beside the test's own outcome).
fn fold(nodeid: String, acc: Acc) -> Vec<TestResult> {
    let failed = |p: &Option<Phase>| p.as_ref().is_some_and(|p| p.outcome == "failed");
    let (outcome, phase) = if failed(&acc.setup) {
        (Outcome::Errored, acc.setup.as_ref())
    } else if let Some(call) = &acc.call {
        let o = match (call.outcome.as_str(), call.wasxfail) {
            ("failed", _) => Outcome::Failed,
            ("skipped", true) => Outcome::XFailed,
            ("skipped", false) => Outcome::Skipped,
            ("passed", true) => Outcome::XPassed,
            ("passed", false) => Outcome::Passed,
            (other, _) => Outcome::Other(other.to_string()),
        };
        (o, Some(call))
    } else if let Some(setup) = &acc.setup {
        let o = match (setup.outcome.as_str(), setup.wasxfail) {
            ("skipped", true) => Outcome::XFailed,
            ("skipped", false) => Outcome::Skipped,
            // Set up, but never called: the session was interrupted.
            ("passed", _) => Outcome::Other("incomplete".into()),
            (other, _) => Outcome::Other(other.to_string()),
        };
        (o, Some(setup))
    } else {
        (Outcome::Other("no result".into()), None)
    };
    let (message, text) = phase
        .map(|p| longrepr_text(&p.longrepr))
        .unwrap_or_default();
    let mut r = TestResult::new(nodeid.clone(), outcome, text);
    r.duration = Some(acc.duration);
    {
        let x = r.extra_mut();
        x.message = if failed(&acc.setup) && !message.is_empty() {
            format!("failed on setup: {message}")
        } else {
            message
        };
        x.file = (!acc.file.is_empty()).then(|| acc.file.clone());
        x.line = acc.line;
        x.attempts = acc.reruns;
        x.stdout = acc.stdout;
        x.stderr = acc.stderr;
        x.properties = acc.properties;
    }
    let mut out = vec![r];
    if failed(&acc.teardown) {
        let (message, text) = longrepr_text(&acc.teardown.as_ref().expect("failed").longrepr);
        let mut t = TestResult::new(format!("{nodeid} [teardown]"), Outcome::Errored, text);
        let file = out[0].extra.as_ref().and_then(|x| x.file.clone());
        let line = out[0].extra.as_ref().and_then(|x| x.line);
        let x = t.extra_mut();
        x.message = format!("failed on teardown: {message}");
        x.file = file;
        x.line = line;
        out.push(t);
    }
    out
}
