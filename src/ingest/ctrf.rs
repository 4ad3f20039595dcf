//! CTRF JSON, the 2024 schema (`suite` a string) and the current one (`reportFormat`,
//! `specVersion`, `suite` an array): one group per suite.

use std::collections::BTreeMap;

use serde_json::Value;

use super::mp_results::value_text;
use super::time::Timestamp;
use crate::model::{CiInfo, GroupAttempt, Outcome, PriorAttempt, TestResult};

#[derive(Debug, Default)]
pub struct Ctrf {
    pub groups: Vec<GroupAttempt>,
    pub time_start: Option<Timestamp>,
    pub time_end: Option<Timestamp>,
    pub tool: String,
    pub ci: CiInfo,
    pub testbed: Option<String>,
}

/// A CTRF document has `results.tests` (and usually `results.tool`).
pub fn is_ctrf(v: &Value) -> bool {
    v.pointer("/results/tests").is_some_and(Value::is_array)
        && (v.get("reportFormat").is_some() || v.pointer("/results/tool").is_some())
}

/// CTRF times are milliseconds; some producers write seconds. Tell them apart by size.
fn stamp(v: Option<&Value>) -> Option<Timestamp> {
    let n = v?.as_f64()?;
    let secs = if n > 1e11 { n / 1000.0 } else { n };
    let dt = chrono::DateTime::from_timestamp(secs.floor() as i64, 0)?;
    Timestamp::parse(&dt.to_rfc3339())
}

fn status(test: &Value) -> Outcome {
    let s = test.get("status").map(value_text).unwrap_or_default();
    match s.as_str() {
        "passed" => Outcome::Passed,
        "failed" => Outcome::Failed,
        "skipped" | "pending" => Outcome::Skipped,
        "other" => {
            let raw = test.get("rawStatus").map(value_text).unwrap_or_default();
            Outcome::Other(if raw.is_empty() { "other".into() } else { raw })
        }
        other => Outcome::parse(other),
    }
}

fn lines(v: Option<&Value>) -> String {
    match v {
        Some(Value::Array(a)) => a.iter().map(value_text).collect::<Vec<_>>().join("\n"),
        Some(other) => value_text(other),
        None => String::new(),
    }
}

/// The folder all `paths` share, with its trailing `/` (or "").
fn common_dir(paths: &[&str]) -> String {
    let Some(first) = paths.first() else {
        return String::new();
    };
    let mut prefix = match first.rfind('/') {
        Some(i) => &first[..=i],
        None => return String::new(),
    };
    for p in paths {
        while !p.starts_with(prefix) {
            match prefix[..prefix.len() - 1].rfind('/') {
                Some(i) => prefix = &prefix[..=i],
                None => return String::new(),
            }
        }
    }
    prefix.to_string()
}

pub fn read(v: &Value, label: &str) -> Ctrf {
    let results = &v["results"];
    let tool = results
        .pointer("/tool/name")
        .map(value_text)
        .unwrap_or_default();
    let mut groups: BTreeMap<String, Vec<TestResult>> = BTreeMap::new();
    let tests: Vec<&Value> = results["tests"].as_array().into_iter().flatten().collect();
    // Absolute file paths of the producer's machine: shown relative to their common folder.
    let abs: Vec<&str> = tests
        .iter()
        .filter_map(|t| t.get("filePath").and_then(Value::as_str))
        .filter(|p| p.starts_with('/'))
        .collect();
    let common = common_dir(&abs);
    for t in tests {
        let name = t.get("name").map(value_text).unwrap_or_default();
        let suite = match t.get("suite") {
            Some(Value::Array(parts)) => {
                parts.iter().map(value_text).collect::<Vec<_>>().join(" > ")
            }
            Some(s) => value_text(s),
            None => String::new(),
        };
        let file = t
            .get("filePath")
            .map(value_text)
            .filter(|s| !s.is_empty())
            .map(|f| f.strip_prefix(common.as_str()).unwrap_or(&f).to_string());
        // Some reporters repeat the test's name as its suite: that is no suite.
        let suite = if suite == name
            || suite.ends_with(&format!(" > {name}")) && suite.len() > name.len() + 3
        {
            suite[..suite.len().saturating_sub(name.len())]
                .trim_end_matches(" > ")
                .to_string()
        } else {
            suite
        };
        let group = if !suite.is_empty() {
            suite.clone()
        } else {
            file.clone().unwrap_or_else(|| tool.clone())
        };
        let message = t.get("message").map(value_text).unwrap_or_default();
        let trace = t.get("trace").map(value_text).unwrap_or_default();
        let mut r = TestResult::new(
            name,
            status(t),
            if trace.is_empty() {
                message.clone()
            } else {
                trace
            },
        );
        r.duration = t
            .get("duration")
            .and_then(Value::as_f64)
            .map(|ms| ms / 1000.0);
        let final_outcome = r.outcome.clone();
        let x = r.extra_mut();
        // Kept as the producer wrote it: an absolute path of its machine becomes a source
        // link by the repository's checkout folder in it (see `links::file_url`).
        x.file = t.get("filePath").map(value_text).filter(|s| !s.is_empty());
        x.line = t.get("line").and_then(Value::as_u64).map(|l| l as u32);
        x.message = message;
        x.stdout = lines(t.get("stdout"));
        x.stderr = lines(t.get("stderr"));
        if let Some(extra) = t.get("extra").and_then(Value::as_object) {
            for (k, v) in extra {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                x.properties.push((k.clone(), v));
            }
        }
        if let Some(attempts) = t.get("retryAttempts").and_then(Value::as_array) {
            // Most producers list the final attempt too (CTRF's with-retries example); some
            // list only the earlier ones (merged-attempts). The last entry is the final one
            // when its status is the test's and the count says so.
            let n = attempts.len();
            let retries = t.get("retries").and_then(Value::as_u64).map(|r| r as usize);
            let final_listed = attempts.last().is_some_and(|a| status(a) == final_outcome)
                && retries.is_none_or(|r| r + 1 == n);
            let earlier = if final_listed { n - 1 } else { n };
            for a in attempts.iter().take(earlier) {
                x.attempts.push(PriorAttempt {
                    outcome: status(a),
                    message: a.get("message").map(value_text).unwrap_or_default(),
                    text: a.get("trace").map(value_text).unwrap_or_default(),
                });
            }
        } else if t.get("flaky").and_then(Value::as_bool) == Some(true) {
            // The 2024 schema: only a count of retries.
            let n = t.get("retries").and_then(Value::as_u64).unwrap_or(1).max(1);
            for _ in 0..n {
                x.attempts.push(PriorAttempt {
                    outcome: Outcome::Failed,
                    message: "failed attempt (retried)".into(),
                    text: String::new(),
                });
            }
        }
        groups.entry(group).or_default().push(r);
    }
    let env = &results["environment"];
    let opt = |k: &str| env.get(k).map(value_text).filter(|s| !s.is_empty());
    Ctrf {
        groups: groups
            .into_iter()
            .map(|(testgroup, results)| GroupAttempt {
                testgroup,
                source: label.to_string(),
                results,
                host: opt("osPlatform").unwrap_or_default(),
                ..GroupAttempt::default()
            })
            .collect(),
        time_start: stamp(results.pointer("/summary/start")),
        time_end: stamp(results.pointer("/summary/stop")),
        tool,
        ci: CiInfo {
            branch: opt("branchName"),
            commit: opt("commit"),
            repository: opt("repositoryUrl"),
            pr: None,
            ci_url: opt("buildUrl"),
            job: opt("buildName"),
            checkout: None,
        },
        testbed: opt("testEnvironment").or_else(|| opt("appName")),
    }
}
