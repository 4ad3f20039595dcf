//! The markdown and JSON summaries: snapshots over every sample run, and counts checked by hand.

use serde_json::Value;

use crate::support::*;

/// Every sample run, by its path below content-samples/octoprobe.
const RUNS: &[&str] = &[
    "real/ch_hans_1_20260226-083648",
    "real/ch_hans_1_20260226-205450",
    "legacy_2025-04/ch_hans_1-2025-04-22_12-33-22",
    "synthetic/ch_hans_1_20260901-101500",
    "synthetic/ch_hans_1_20260831-101500",
    "synthetic/ch_hans_1_2025-06-20_09-00-00",
    "synthetic/au_damien_1_20250701-080000",
    "synthetic/proposal_2025-04-18",
    "synthetic/ch_hans_1_20260902-120000",
];

fn summary(run: &str, format: &str, extra: &[&str]) -> String {
    // Relative to the repository, so that messages naming files are the same on every clone.
    let path = format!("content-samples/octoprobe/{run}");
    let mut args = vec!["summary", path.as_str(), "--format", format];
    args.extend(extra);
    let out = testpress(args);
    assert!(out.status.success(), "{run}: {}", stderr(&out));
    stdout(&out)
}

fn json(run: &str, extra: &[&str]) -> Value {
    serde_json::from_str(&summary(run, "json", extra)).expect("summary.json parses")
}

#[test]
fn snapshots_of_every_sample_run() {
    for run in RUNS {
        let name = run.replace('/', "__");
        insta::assert_snapshot!(format!("{name}.md"), summary(run, "md", &[]));
        insta::assert_snapshot!(format!("{name}.pr.md"), summary(run, "pr", &[]));
        insta::assert_snapshot!(format!("{name}.json"), summary(run, "json", &[]));
    }
}

fn counts(v: &Value) -> [u64; 8] {
    let k = [
        "groups_run",
        "groups_skipped",
        "groups_errored",
        "passed",
        "failed",
        "skipped",
        "xfailed",
        "other",
    ];
    k.map(|k| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}")))
}

/// The real perfbench run: 32 attempts (16 tentacles × a/b), 24 perf_bench tests each = 768.
/// Skips, read off the files: LOLIN_D1_MINI-FLASH_512K 14, LOLIN_D1_MINI 6 and
/// ADA_ITSYBITSY_M0 6 per attempt, twice each = 52; passed 768 − 52 = 716; nothing failed.
#[test]
fn real_perfbench_run_counts_by_hand() {
    let v = json("real/ch_hans_1_20260226-083648", &[]);
    assert_eq!(v["testgroups"].as_array().unwrap().len(), 1);
    assert_eq!(v["testgroups"][0]["testgroup"], "RUN-PERFBENCH");
    assert_eq!(counts(&v["total"]), [32, 0, 0, 716, 0, 52, 0, 0]);
    assert_eq!(v["failures"].as_array().unwrap().len(), 0);
    assert_eq!(v["run"]["duration_s"], 44167);
    assert_eq!(
        v["run"]["pr"],
        "https://github.com/micropython/micropython/pull/17782"
    );
    assert_eq!(v["run"]["time_start_iso"], "2026-02-26T08:36:48+01:00");
}

/// The hand-picked real groups: counts follow mptest's rules (error and skip per attempt).
#[test]
fn real_mixed_run_follows_mptest_rules() {
    let v = json("real/ch_hans_1_20260226-205450", &[]);
    let by: std::collections::BTreeMap<String, [u64; 8]> = v["testgroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["testgroup"].as_str().unwrap().to_string(), counts(g)))
        .collect();
    // RUN-PERFBENCH: one attempt ran (5 CRASH failures), one errored with no outcomes.
    assert_eq!(by["RUN-PERFBENCH"][..3], [1, 0, 1]);
    assert_eq!(by["RUN-PERFBENCH"][4], 5);
    // RUN-TESTS_EXTMOD_HARDWARE: 3 failed, 4 passed on ESP32_C3; skipped "No filesystem" on LOLIN.
    assert_eq!(by["RUN-TESTS_EXTMOD_HARDWARE"], [1, 1, 0, 4, 3, 0, 0, 0]);
    assert_eq!(by["RUN-NATMODTESTS"][..3], [1, 1, 0]);
    // The flaky pair: extmod/time_time_ns.py fails in a, passes in b.
    let flaky: Vec<&Value> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["test"] == "extmod/time_time_ns.py")
        .collect();
    assert_eq!(flaky.len(), 1);
    assert_eq!(
        flaky[0]["attempts"],
        serde_json::json!(["failed", "passed"])
    );
    assert_eq!(flaky[0]["flaky"], true);
    assert_eq!(flaky[0]["tentacle"], "5f2a-ADA_ITSYBITSY_M0");
}

/// Each synthetic layout gives the counts its files say (worked out when they were written).
#[test]
fn every_layout_counts() {
    let cases: &[(&str, [u64; 8])] = &[
        (
            "legacy_2025-04/ch_hans_1-2025-04-22_12-33-22",
            [1, 0, 0, 856, 2, 93, 0, 0],
        ),
        (
            "synthetic/ch_hans_1_20260901-101500",
            [13, 1, 1, 76, 4, 12, 1, 1],
        ),
        (
            "synthetic/ch_hans_1_20260831-101500",
            [7, 0, 0, 45, 2, 6, 0, 0],
        ),
        (
            "synthetic/ch_hans_1_2025-06-20_09-00-00",
            [2, 0, 1, 13, 2, 3, 0, 0],
        ),
        (
            "synthetic/au_damien_1_20250701-080000",
            [4, 0, 0, 22, 1, 4, 0, 0],
        ),
        ("synthetic/proposal_2025-04-18", [2, 0, 0, 7, 1, 2, 0, 0]),
        (
            "synthetic/ch_hans_1_20260902-120000",
            [2, 0, 0, 6, 1, 2, 0, 0],
        ),
    ];
    for (run, expected) in cases {
        assert_eq!(&counts(&json(run, &[])["total"]), expected, "{run}");
    }
}

#[test]
fn times_of_every_format() {
    let iso = |run: &str| json(run, &[])["run"]["time_start_iso"].clone();
    assert_eq!(
        iso("legacy_2025-04/ch_hans_1-2025-04-22_12-33-22"),
        "2025-04-22T12:33:22"
    );
    assert_eq!(
        iso("synthetic/ch_hans_1_2025-06-20_09-00-00"),
        "2025-06-20T09:00:00+02:00"
    );
    assert_eq!(
        iso("synthetic/au_damien_1_20250701-080000"),
        "2025-07-01T08:00:00+10:00"
    );
    assert_eq!(
        iso("synthetic/ch_hans_1_20260901-101500"),
        "2026-09-01T10:15:00+02:00"
    );
}

#[test]
fn test_links_point_at_the_tested_commit() {
    let md = summary("synthetic/ch_hans_1_20260901-101500", "md", &[]);
    let v = json("synthetic/ch_hans_1_20260901-101500", &[]);
    let commit = v["run"]["ref_tests"]["commit"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!md.contains("//tests/"), "no double slash links");
    assert!(!md.contains("/pull/18000/"), "never a link below a PR page");
    for f in v["failures"].as_array().unwrap() {
        let url = f["source_url"].as_str();
        match f["testgroup"].as_str().unwrap() {
            "RUN-FLASH_FORMAT" => assert_eq!(url, None),
            "RUN-MPREMOTE_TESTS" => assert_eq!(
                url.unwrap(),
                format!(
                    "https://github.com/micropython/micropython/blob/{commit}/tools/mpremote/tests/{}",
                    f["test"].as_str().unwrap()
                )
            ),
            _ => assert_eq!(
                url.unwrap(),
                format!(
                    "https://github.com/micropython/micropython/blob/{commit}/tests/{}",
                    f["test"].as_str().unwrap()
                )
            ),
        }
    }
    assert!(v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["testgroup"] == "RUN-MPREMOTE_TESTS"));
}

#[test]
fn xfail_lists_turn_failures_into_xfailed() {
    // Master run #478's list knows four of this real run's failures.
    let run = "real/ch_hans_1_20260226-205450";
    let plain = json(run, &[]);
    let list = octoprobe("xfail/xfail_master_478.json");
    let x = json(run, &["--xfail", list.to_str().unwrap()]);
    let (pf, px) = (
        plain["total"]["failed"].as_u64().unwrap(),
        plain["total"]["xfailed"].as_u64().unwrap(),
    );
    let (xf, xx) = (
        x["total"]["failed"].as_u64().unwrap(),
        x["total"]["xfailed"].as_u64().unwrap(),
    );
    assert_eq!(
        (px, xx),
        (0, 6),
        "time_res and emg_exc twice, i2c_target, random_extra_float"
    );
    assert_eq!(
        pf + px,
        xf + xx,
        "xfail moves failures, it does not drop them"
    );
    assert_eq!(x["run"]["xfail"], "xfail_master_478.json");
    let marked: Vec<&Value> = x["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["xfail"] == true)
        .collect();
    assert!(!marked.is_empty(), "xfailed failures stay listed");
    let md = summary(run, "md", &["--xfail", list.to_str().unwrap()]);
    assert!(md.contains("XFAIL"), "the matrix marks them");
    assert!(md.contains("<sub>xfail\\_master\\_478.json</sub>"));

    // The wildcard format: "RUN-TESTS_STANDARD": {"*": ["PYBV11"]} and comments.
    let wild = octoprobe("xfail/test_xfail_input.json");
    let w = json(
        "synthetic/ch_hans_1_20260901-101500",
        &["--xfail", wild.to_str().unwrap()],
    );
    assert!(w["failures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["board_variant"] == "PYBV11"));
    for f in w["failures"].as_array().unwrap() {
        if f["testgroup"] == "RUN-TESTS_STANDARD" && f["board_variant"] == "PYBV11" {
            assert_eq!(f["xfail"], true, "{f}");
        }
    }
}

#[test]
fn pr_report_is_trimmed_below_the_comment_limit() {
    // A run with 6,000 failing tests with long names.
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("ch_hans_1_20260101-000000");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("context.json"), r#"{"testbed_instance": "ch_hans_1", "ref_tests": "https://github.com/micropython/micropython.git@master", "ref_tests_metadata": {"commit_hash": "104deaa6886caf5dd0e79b9d019327b0a07b8b2d"}}"#).unwrap();
    for t in ["0c30-ESP32_C3_DEVKIT", "5f2c-RPI_PICO_W", "3a21-PYBV11"] {
        let dir = run.join(format!("RUN-TESTS_STANDARD@{t},a"));
        std::fs::create_dir_all(&dir).unwrap();
        let outcomes: Vec<Value> = (0..2000)
            .map(|i| serde_json::json!({"name": format!("extmod/a_rather_long_test_name_number_{i:05}.py"), "outcome": "failed", "text": ""}))
            .collect();
        let ctx = serde_json::json!({"testgroup": "RUN-TESTS_STANDARD", "tentacle_variant": t, "tentacle_variant_role": t, "tentacle_mcu": "esp32", "outcomes": outcomes});
        std::fs::write(dir.join("context_testgroup.json"), ctx.to_string()).unwrap();
    }
    let out = testpress([
        "summary",
        run.to_str().unwrap(),
        "--format",
        "pr",
        "--site-url",
        "https://reports.example.org/",
    ]);
    assert!(out.status.success());
    let pr = stdout(&out);
    assert!(pr.len() < 65_000, "{} bytes", pr.len());
    assert!(
        pr.len() > 50_000,
        "uses the room it has: {} bytes",
        pr.len()
    );
    let more = regex::Regex::new(r"\+(\d+) more failing tests: see \[the full report\]\(https://reports\.example\.org/ch_hans_1/ch_hans_1_20260101-000000/index\.html\)").unwrap();
    let shown = pr.lines().filter(|l| l.starts_with("| [extmod/")).count();
    let n: usize = more.captures(&pr).expect("a +N more line")[1]
        .parse()
        .unwrap();
    assert_eq!(shown + n, 2000, "every failing test is shown or counted");
    assert!(pr.starts_with(
        "<!-- octoprobe-pr-report: {\"sha\":\"104deaa6886caf5dd0e79b9d019327b0a07b8b2d\""
    ));
    assert!(pr.trim_end().ends_with("</details>"));
}

#[test]
fn summary_writes_a_file_and_rejects_non_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.json");
    let run = octoprobe("synthetic/proposal_2025-04-18");
    let out = testpress([
        "summary",
        run.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), 0);
    let v: Value = serde_json::from_str(&read(&file)).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(
        v["run"]["pr"],
        "https://github.com/micropython/micropython/pull/17091"
    );

    let out = testpress(["summary", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a run (no context.json"),
        "{}",
        stderr(&out)
    );
    let out = testpress(["summary", run.to_str().unwrap(), "--format", "html"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

/// Several CI jobs comment on one pull request: each PR report names its testbed and job,
/// in the heading and in the marker a bot finds its own comment by.
#[test]
fn a_pr_report_names_its_job() {
    let out = testpress([
        "summary",
        samples().join("maven/ci/run-001").to_str().unwrap(),
        "--format",
        "pr",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pr = stdout(&out);
    let first = pr.lines().next().unwrap();
    assert!(first.starts_with("<!-- testpress-pr-report: {"), "{first}");
    assert!(
        first.contains(r#""testbed":"ledger-ci","job":"mvn-test"}"#),
        "{first}"
    );
    assert_eq!(
        pr.lines().nth(1),
        Some("### Test report: ledger-ci, job mvn-test")
    );
}

/// `-o` names what the user has: a symlink stays a link, a FIFO (or `/dev/null`, which a
/// test must not risk) is written in place, not renamed over; a new file is readable by all.
#[cfg(unix)]
#[test]
fn summary_output_keeps_links_and_special_files() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let tmp = tempfile::tempdir().unwrap();
    let run = octoprobe("synthetic/proposal_2025-04-18");
    let summary_to = |path: &std::path::Path| {
        let out = testpress([
            "summary",
            run.to_str().unwrap(),
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    };

    let real = tmp.path().join("real.md");
    let link = tmp.path().join("link.md");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    summary_to(&link);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(
        read(&real).contains("# Octoprobe test report"),
        "{}",
        read(&real)
    );
    let mode = std::fs::metadata(&real).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o644, "{mode:o}");

    let fifo = tmp.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    summary_to(&fifo);
    // Checked before joining: a reader left on a replaced FIFO would wait forever.
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(reader.join().unwrap().contains("# Octoprobe test report"));

    // `-o /dev/stdout >> log`: appended to what the shell opened, not renamed over it.
    let log = tmp.path().join("log.txt");
    std::fs::write(&log, "line1\n").unwrap();
    let appending = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_testpress"))
        .args(["summary", run.to_str().unwrap(), "-o", "/dev/stdout"])
        .stdout(appending)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = read(&log);
    assert!(text.starts_with("line1\n# Octoprobe test report"), "{text}");

    // A symlink loop is an error, not a file put in its place.
    let (a, b) = (tmp.path().join("loop-a"), tmp.path().join("loop-b"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let out = testpress(["summary", run.to_str().unwrap(), "-o", a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&a)
        .unwrap()
        .file_type()
        .is_symlink());
}

/// A JUnit run of thousands of suites: the PR report's table lists the failing groups only
/// and the report stays under the comment limit.
#[test]
fn pr_report_of_many_suites_stays_under_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut xml = String::from("<testsuites>");
    for s in 0..3000 {
        xml.push_str(&format!(
            "<testsuite name=\"suite_with_a_long_name_{s:05}\">"
        ));
        for t in 0..5 {
            if (s + t) % 97 == 0 {
                xml.push_str(&format!(
                    "<testcase name=\"t{t}\"><failure message=\"boom\">trace</failure></testcase>"
                ));
            } else {
                xml.push_str(&format!("<testcase name=\"t{t}\"/>"));
            }
        }
        xml.push_str("</testsuite>");
    }
    xml.push_str("</testsuites>");
    std::fs::write(tmp.path().join("junit.xml"), xml).unwrap();
    let out = testpress(["summary", tmp.path().to_str().unwrap(), "--format", "pr"]);
    assert!(out.status.success());
    let pr = stdout(&out);
    assert!(pr.len() < 65_000, "{} bytes", pr.len());
    assert!(
        pr.contains("more test groups"),
        "the table says how many groups it left out"
    );
}
