//! MicroPython's own result files: `_results.json` (all four versions) and `testresults.txt`.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::model::{Metric, Outcome, TestResult};

/// What a `_results.json` says.
#[derive(Debug, Default)]
pub struct MpResults {
    pub results: Vec<TestResult>,
    /// `args.platform`, the MicroPython port (`rp2`, `esp32`, ...).
    pub platform: Option<String>,
    /// `args.password` (the telnet login), to be redacted.
    pub password: Option<String>,
    /// True for the oldest version, which lists only failures.
    pub failures_only: bool,
}

/// Reads any version of `_results.json` from its parsed JSON.
pub fn from_json(v: &Value) -> MpResults {
    let args = v.get("args");
    let arg = |k: &str| {
        args.and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut out = MpResults {
        platform: arg("platform"),
        password: arg("password"),
        ..MpResults::default()
    };
    if let Some(list) = v.get("results").and_then(Value::as_array) {
        // Since 2025-05-28: `[[name, result, reason], ...]` in execution order.
        for item in list {
            let field = |i: usize| item.get(i).map(value_text).unwrap_or_default();
            let name = field(0);
            if name.is_empty() {
                continue;
            }
            out.results
                .push(TestResult::new(name, Outcome::parse(&field(1)), field(2)));
        }
        return out;
    }
    let lists = [
        ("passed_tests", Outcome::Passed),
        ("failed_tests", Outcome::Failed),
        ("xfailed_tests", Outcome::XFailed),
        ("skipped_tests", Outcome::Skipped),
        ("ignored_tests", Outcome::Ignored),
    ];
    let mut seen_other_than_failed = false;
    for (key, outcome) in lists {
        if let Some(list) = v.get(key).and_then(Value::as_array) {
            seen_other_than_failed |= key != "failed_tests";
            for name in list.iter().map(value_text).filter(|n| !n.is_empty()) {
                out.results
                    .push(TestResult::new(name, outcome.clone(), String::new()));
            }
        }
    }
    out.failures_only = !seen_other_than_failed;
    out
}

/// A JSON scalar as text; null and containers give "".
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn run_tests_line() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(pass|skip|lrge|FAIL|SKIP|LRGE|PASS)\s+(\S+\.(?:py|mpy|sh))(?:\s+(.*?))?\s*$")
            .expect("valid regex")
    })
}

/// The per-test lines that `run-tests.py` and `run-natmodtests.py` print into `testresults.txt`.
/// Used for the oldest `_results.json`, which names only the failures.
pub fn parse_testresults_txt(text: &str) -> Vec<TestResult> {
    text.lines()
        .filter_map(|line| {
            let c = run_tests_line().captures(line)?;
            let (outcome, text) = match &c[1] {
                "pass" | "PASS" => (Outcome::Passed, String::new()),
                "FAIL" => (Outcome::Failed, String::new()),
                "lrge" | "LRGE" => (Outcome::Skipped, "too large".to_string()),
                _ => (Outcome::Skipped, String::new()),
            };
            let extra = c
                .get(3)
                .map(|m| m.as_str().trim_start_matches("- ").to_string());
            Some(TestResult::new(
                c[2].to_string(),
                outcome,
                extra.filter(|e| !e.is_empty()).unwrap_or(text),
            ))
        })
        .collect()
}

/// Joins the oldest `_results.json` (failures only) with `testresults.txt`: the JSON decides
/// which tests failed, the text supplies the others.
pub fn merge_failures_only(json: MpResults, txt: Vec<TestResult>) -> Vec<TestResult> {
    if txt.is_empty() {
        return json.results;
    }
    let failed: std::collections::HashSet<&str> =
        json.results.iter().map(|r| r.name.as_str()).collect();
    let mut out: Vec<TestResult> = txt
        .into_iter()
        .map(|mut r| {
            if failed.contains(r.name.as_str()) {
                r.outcome = Outcome::Failed;
            }
            r
        })
        .collect();
    let listed: std::collections::HashSet<String> = out.iter().map(|r| r.name.clone()).collect();
    out.extend(
        json.results
            .into_iter()
            .filter(|r| !listed.contains(&r.name)),
    );
    out
}

fn perf_line() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(perf_bench/\S+\.py): ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)\s*$")
            .expect("valid regex")
    })
}

fn multi_metric_line() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(multi_\w+/\S+\.py): ([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
            .expect("valid regex")
    })
}

/// Figures in `testresults.txt`: run-perfbench's per-test numbers (after its `N=… M=…` line,
/// whose values become parameters) and run-multitests' metric lines.
#[derive(Debug, Default)]
pub struct Figures {
    pub params: Vec<(String, String)>,
    pub metrics: std::collections::BTreeMap<String, Vec<Metric>>,
}

pub fn parse_figures(text: &str) -> Figures {
    let mut out = Figures::default();
    let mut in_perf = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with("N=") && line.contains(" M=") {
            out.params = line
                .split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            in_perf = true;
            continue;
        }
        if in_perf {
            if let Some(c) = perf_line().captures(line) {
                let num = |i: usize| c[i].parse::<f64>().unwrap_or(f64::NAN);
                out.metrics.insert(
                    c[1].to_string(),
                    vec![
                        Metric {
                            name: "runtime".into(),
                            value: num(2),
                            unit: "µs".into(),
                        },
                        Metric {
                            name: "runtime stddev".into(),
                            value: num(3),
                            unit: "%".into(),
                        },
                        Metric {
                            name: "score".into(),
                            value: num(4),
                            unit: "".into(),
                        },
                        Metric {
                            name: "score stddev".into(),
                            value: num(5),
                            unit: "%".into(),
                        },
                    ],
                );
                continue;
            }
        }
        if let Some(c) = multi_metric_line().captures(line) {
            if let Ok(v) = c[2].parse::<f64>() {
                out.metrics
                    .entry(c[1].to_string())
                    .or_default()
                    .push(Metric {
                        name: "metric".into(),
                        value: v,
                        unit: c[3].to_string(),
                    });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let v1: Value = serde_json::json!({"args": {"password": "python", "platform": "rp2"},
            "failed_tests": ["extmod/re_sub.py"]});
        let r = from_json(&v1);
        assert!(r.failures_only);
        assert_eq!(r.password.as_deref(), Some("python"));
        assert_eq!(r.platform.as_deref(), Some("rp2"));
        let v2: Value = serde_json::json!({"passed_tests": ["a.py"], "failed_tests": ["b.py"], "skipped_tests": ["c.py"]});
        let r = from_json(&v2);
        assert!(!r.failures_only);
        let outcomes: Vec<_> = r.results.iter().map(|t| t.outcome.as_str()).collect();
        assert_eq!(outcomes, ["passed", "failed", "skipped"]);
        let v4: Value = serde_json::json!({"results": [["a.py", "pass", ""], ["t.py", "ignored", "flaky: GC"], ["x.py", "weird", ""]],
            "failed_tests": []});
        let r = from_json(&v4);
        assert_eq!(r.results[1].outcome, Outcome::Ignored);
        assert_eq!(r.results[1].text, "flaky: GC");
        assert_eq!(r.results[2].outcome, Outcome::Other("weird".into()));
    }

    #[test]
    fn perfbench_figures() {
        let txt = "cd /x\nN=100 M=100 n_average=8\nperf_bench/bm_chaos.py: 36270.75 0.6050 27571.43 0.6052\nperf_bench/bm_fft.py: SKIP\nmulti_net/tcp_data.py: 51200 bytes/s\n";
        let f = parse_figures(txt);
        assert_eq!(f.params[1], ("M".to_string(), "100".to_string()));
        let chaos = &f.metrics["perf_bench/bm_chaos.py"];
        assert_eq!(chaos[0].value, 36270.75);
        assert_eq!(chaos[2].value, 27571.43);
        assert!(!f.metrics.contains_key("perf_bench/bm_fft.py"));
        assert_eq!(f.metrics["multi_net/tcp_data.py"][0].unit, "bytes/s");
    }

    #[test]
    fn testresults_lines() {
        let txt = "platform=rp2\npass  basics/andor.py \nskip  extmod/btree1.py\nlrge  extmod/vfs_rom.py\nFAIL  extmod/re_sub.py\n858 tests performed\n";
        let r = parse_testresults_txt(txt);
        assert_eq!(r.len(), 4);
        assert_eq!(r[2].text, "too large");
        assert_eq!(r[3].outcome, Outcome::Failed);
    }
}
