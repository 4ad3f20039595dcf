//! Every input format: counts equal what the producer itself reported (see each sample's
//! PRODUCER.md), flakiness from retries, bad files, streaming, `record`, mixed testbeds.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

fn summary_json(path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["summary", path.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let out = testpress(args);
    assert!(out.status.success(), "{}: {}", path.display(), stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("summary.json parses")
}

/// (passed, failed, errored, skipped, xfailed, xpassed, other, tests)
fn totals(v: &Value) -> [u64; 8] {
    [
        "passed", "failed", "errored", "skipped", "xfailed", "xpassed", "other", "tests",
    ]
    .map(|k| v["total"][k].as_u64().unwrap())
}

fn flaky(v: &Value) -> Vec<String> {
    v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["flaky"] == true)
        .map(|f| f["test"].as_str().unwrap().to_string())
        .collect()
}

fn sample(rel: &str) -> std::path::PathBuf {
    samples().join(rel)
}

#[test]
fn pytest_report_log_counts_as_pytest_does() {
    // pytest 9.2.0: "5 failed, 11 passed, 2 skipped, 1 xfailed, 1 xpassed, 2 errors, 15 rerun"
    let v = summary_json(&sample("pytest/nightly/run-001"), &[]);
    assert_eq!(totals(&v), [11, 5, 2, 2, 1, 1, 0, 22]);
    assert_eq!(v["run"]["format"], "pytest-reportlog");
    assert_eq!(flaky(&v), ["tests/test_flaky.py::test_remote_rate_lookup"]);
    let flaky_entry = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["flaky"] == true)
        .unwrap();
    assert_eq!(
        flaky_entry["attempts"],
        serde_json::json!(["failed", "passed"])
    );
    // A failing test whose teardown errors too: pytest counts the failure and the error.
    let tests: Vec<&str> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["test"].as_str().unwrap())
        .collect();
    assert!(tests.contains(&"tests/test_advanced.py::test_export_csv"));
    assert!(tests.contains(&"tests/test_advanced.py::test_export_csv [teardown]"));
    // It ran 3 times (--reruns 2): each rerun's teardown error is part of that attempt, not
    // one of its own (pytest's "15 rerun" counts those 2 teardown reports too: 13 attempts).
    let attempts = |test: &str| {
        v["failures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["test"] == test)
            .unwrap()["attempts"]
            .clone()
    };
    assert_eq!(
        attempts("tests/test_advanced.py::test_export_csv"),
        serde_json::json!(["failed", "failed", "failed"])
    );
    let reruns: usize = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["attempts"].as_array().unwrap().len() - 1)
        .sum();
    assert_eq!(reruns, 13);
    let (_t, site, _) = build(&[&sample("pytest/nightly/run-001")], &[]);
    let page = read(&site.join("nightly/run-001/tests_test_advanced.py/index.html"));
    assert!(
        page.contains("<td>failed <small>(attempt 3 of 3)</small>"),
        "{page}"
    );
    // The module that fails to import (run-002) is an error of the run, not "no failures":
    // "5 failed, 11 passed, 2 skipped, 1 xfailed, 1 xpassed, 3 errors".
    let v = summary_json(&sample("pytest/nightly/run-002"), &[]);
    assert_eq!(totals(&v), [11, 5, 3, 2, 1, 1, 0, 23]);
    assert!(v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["test"] == "tests/test_scientific.py [collection]"));
}

#[test]
fn an_empty_report_log_is_an_infrastructure_problem() {
    // run-003: tests_unit.log is empty (the job was killed); tests_integration.log says
    // "1 failed, 4 passed, 1 skipped, 2 rerun".
    let out = testpress([
        "summary",
        sample("pytest/nightly/run-003").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("tests_unit.log: empty result file"),
        "{}",
        stderr(&out)
    );
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(totals(&v), [4, 1, 0, 1, 0, 0, 0, 6]);
    assert!(v["run"]["error"]
        .as_str()
        .unwrap()
        .contains("tests_unit.log is empty"));
}

#[test]
fn pytest_junit_alone_matches_its_suite_attributes() {
    // <testsuite name="pytest" errors="2" failures="5" skipped="3" tests="22">; the xfail is
    // one of the three skips, the non-strict xpass a pass; reruns are attempts, not tests.
    let v = summary_json(&sample("pytest/nightly/run-001/junit.xml"), &[]);
    assert_eq!(totals(&v), [12, 5, 2, 2, 1, 0, 0, 22]);
    assert_eq!(flaky(&v), ["tests.test_flaky::test_remote_rate_lookup"]);
}

#[test]
fn nextest_retries() {
    // nextest 0.9.143: "9 tests run: 6 passed (1 flaky), 3 failed, 2 skipped". Its JUnit
    // leaves skipped tests out, so they cannot be counted.
    let v = summary_json(&sample("nextest/ci/run-001"), &[]);
    assert_eq!(totals(&v), [6, 3, 0, 0, 0, 0, 0, 9]);
    assert_eq!(flaky(&v), ["flaky_remote_sync"]);
    let failing: Vec<&Value> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["flaky"] == false)
        .collect();
    assert_eq!(failing.len(), 3);
    for f in failing {
        assert_eq!(
            f["attempts"],
            serde_json::json!(["failed", "failed", "failed"]),
            "{f}"
        );
    }
}

#[test]
fn surefire_reruns() {
    // Surefire 2.22.3: "Tests run: 9, Failures: 2, Errors: 1, Skipped: 1, Flakes: 1"
    let v = summary_json(&sample("maven/ci/run-001"), &[]);
    assert_eq!(totals(&v), [5, 2, 1, 1, 0, 0, 0, 9]);
    assert_eq!(flaky(&v).len(), 1);
    // The matrix cell of the flaky test shows its failed run before the pass.
    let (_t, site, _) = build(&[&sample("maven/ci/run-001")], &[]);
    let page = read(&site.join("ledger-ci/run-001/index.html"));
    assert!(
        page.contains("<td class=\"cell flaky\"><span class=\"o failed\" title=\"attempt 1: FAIL\">FAIL</span> <a class=\"o passed\""),
        "{page}"
    );
}

#[test]
fn jest_junit() {
    // Jest 30: "3 failed, 2 skipped, 1 todo, 6 passed, 12 total" and "Test Suites: 3 failed".
    // jest-junit writes the todo as a plain testcase (so 7 pass) and the suite that failed to
    // load as a failing testcase of its own (so 4 fail).
    let v = summary_json(&sample("jest/web/run-001"), &[]);
    assert_eq!(totals(&v), [7, 4, 0, 2, 0, 0, 0, 13]);
    let names: Vec<&str> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["test"].as_str().unwrap())
        .collect();
    // jest-junit's classname repeats the name: it is not prefixed again.
    assert!(
        names.contains(&"Cart add merges quantities of the same sku"),
        "{names:?}"
    );
}

#[test]
fn vitest_ctrf_and_junit_of_one_session_count_once() {
    // Vitest 3.2.7: "Tests  2 failed | 9 passed | 1 skipped | 1 todo (13)"
    let v = summary_json(&sample("vitest/web/run-001"), &[]);
    assert_eq!(totals(&v), [9, 2, 0, 2, 0, 0, 0, 13]);
    assert_eq!(v["run"]["format"], "ctrf");
    assert_eq!(
        flaky(&v),
        ["api > reports status (flaky: first attempt fails)"]
    );
    let page = {
        let (_t, site, out) = build(&[&sample("vitest")], &[]);
        assert!(out.status.success());
        read(&site.join("web-vitest/vitest-001/index.html"))
    };
    assert!(
        page.contains("junit.xml repeats the tests of ctrf-report.json"),
        "the note is shown"
    );
}

#[test]
fn go_junit() {
    // gotestsum (go 1.19): "DONE 13 tests, 1 skipped, 3 failures"
    let v = summary_json(&sample("go/ci/run-001"), &[]);
    assert_eq!(totals(&v), [9, 3, 0, 1, 0, 0, 0, 13]);
    let groups: Vec<&str> = v["testgroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["testgroup"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        [
            "github.com/example/ci/semver",
            "github.com/example/ci/textutil"
        ]
    );
}

#[test]
fn ctrf_schemas() {
    // The current schema (jest-ctrf-json-reporter): 12 tests, 6 passed, 3 failed, 2 pending, 1 other.
    let v = summary_json(&sample("ctrf/web/run-001"), &[]);
    assert_eq!(totals(&v), [6, 3, 0, 2, 0, 0, 1, 12]);
    // The run page's outcomes add up to the 12 as well.
    let (_t, site, _) = build(&[&sample("ctrf/web")], &[]);
    let page = read(&site.join("web/jest-ctrf-001/index.html"));
    assert!(
        page.contains(
            "<span class=\"o skipped\">2 skipped</span> · <span class=\"o other\">1 other</span>"
        ),
        "{page}"
    );
    // The 2024 schema, hand-written: 3 passed, 2 failed, 1 skipped, 1 other; flaky by `flaky`.
    let v = summary_json(&sample("ctrf/legacy/run-001"), &[]);
    assert_eq!(totals(&v), [3, 2, 0, 1, 0, 0, 1, 7]);
    // The old vitest reporter: 5 "tests", 3 passed, 2 failed.
    let v = summary_json(&sample("ctrf/web-vitest/run-001"), &[]);
    assert_eq!(totals(&v), [3, 2, 0, 0, 0, 0, 0, 5]);
}

/// Playwright and Jest write absolute paths of the CI machine: the checkout folder, named
/// after the repository, is where the repository's own path starts.
#[test]
fn ctrf_absolute_paths_become_source_links() {
    let runs = tempfile::tempdir().unwrap();
    let run = runs.path().join("web/run-1");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(
        run.join("ctrf-report.json"),
        r#"{"results": {"tool": {"name": "playwright"},
            "summary": {"tests": 1, "passed": 0, "failed": 1, "start": 1767520800000, "stop": 1767520865000},
            "tests": [{"name": "adds to cart", "status": "failed", "duration": 12, "suite": ["cart.spec.ts", "Cart"],
                       "filePath": "/home/runner/work/web/web/tests/cart.spec.ts", "line": 5}],
            "environment": {"repositoryUrl": "https://github.com/acme/web", "commit": "0123456789abcdef0123456789abcdef01234567", "branchName": "main"}}}"#,
    )
    .unwrap();
    let (_t, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = read(&site.join("web/run-1/index.html"));
    assert!(
        page.contains("href=\"https://github.com/acme/web/blob/0123456789abcdef0123456789abcdef01234567/tests/cart.spec.ts#L5\""),
        "{page}"
    );
}

/// Jenkins checks a repository out to a folder named after the job, not the repository:
/// the `checkout` that `record` takes from `$WORKSPACE` maps its absolute paths.
#[test]
fn a_recorded_checkout_folder_maps_absolute_paths() {
    let runs = tempfile::tempdir().unwrap();
    let run = runs.path().join("web-nightly/run-1");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(
        run.join("ctrf-report.json"),
        r#"{"results": {"tool": {"name": "jest"},
            "summary": {"tests": 1, "passed": 0, "failed": 1, "start": 1767520800000, "stop": 1767520865000},
            "tests": [{"name": "adds to cart", "status": "failed", "duration": 12, "suite": ["cart.test.ts"],
                       "filePath": "/var/lib/jenkins/workspace/web-nightly/src/cart.test.ts", "line": 9}]}}"#,
    )
    .unwrap();
    let record = std::process::Command::new(env!("CARGO_BIN_EXE_testpress"))
        .args(["record", run.to_str().unwrap()])
        .env_clear()
        .env("JENKINS_URL", "https://ci.example.org/")
        .env("JOB_NAME", "web-nightly")
        .env("BUILD_NUMBER", "1")
        .env("GIT_URL", "https://github.com/acme/web.git")
        .env("GIT_COMMIT", "0123456789abcdef0123456789abcdef01234567")
        .env("WORKSPACE", "/var/lib/jenkins/workspace/web-nightly")
        .output()
        .unwrap();
    assert!(record.status.success(), "{}", stderr(&record));
    let meta: Value = serde_json::from_str(&read(&run.join("run.json"))).unwrap();
    assert_eq!(meta["checkout"], "/var/lib/jenkins/workspace/web-nightly");
    let (_t, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = read(&site.join("web-nightly/1/index.html"));
    assert!(
        page.contains("href=\"https://github.com/acme/web/blob/0123456789abcdef0123456789abcdef01234567/src/cart.test.ts#L9\""),
        "{page}"
    );
}

#[test]
fn micropython_files_alone_with_perf_figures() {
    let run = sample("micropython/rpi_pico/run-perfbench-001");
    let v = summary_json(&run, &[]);
    assert_eq!(totals(&v), [7, 1, 0, 1, 0, 0, 0, 9]);
    assert_eq!(v["testgroups"][0]["testgroup"], "run-perfbench.py");
    let (_t, site, out) = build(&[&run], &[]);
    assert!(out.status.success());
    let page = read(&site.join("rpi_pico/run-perfbench-001/run-perfbench.py/index.html"));
    assert!(page.contains("<code>N=100</code>"), "run parameters shown");
    assert!(page.contains("36270.75"), "bm_chaos runtime shown");
    let run_page = read(&site.join("rpi_pico/run-perfbench-001/index.html"));
    assert!(
        run_page.contains("Performance figures") && run_page.contains("36270.75"),
        "and on the run page"
    );
    // The Octoprobe run's perfbench group carries the same figures, from its testresults.txt.
    let (_t, site, _) = build(&[&octoprobe("synthetic/ch_hans_1_20260901-101500")], &[]);
    let g = read(&site.join("ch_hans_1/ch_hans_1_20260901-101500/RUN-MULTITESTS_MULTINET@0c30-ESP32_C3_DEVKIT-instance0,a/index.html"));
    assert!(
        g.contains("51200.5") && g.contains("bytes/s"),
        "multitest metric shown"
    );
}

/// A MicroPython run folder as mptest leaves it: its own `octoprobe_summary_report.md` is not
/// a name the site writes for it (it writes `summary_report.md`), so it is copied and the
/// run page's files list links it.
#[test]
fn micropython_run_keeps_its_own_report() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("rpi_pico/run-perfbench-001");
    std::fs::create_dir_all(&run).unwrap();
    let src = sample("micropython/rpi_pico/run-perfbench-001");
    for f in ["testresults.txt", "run.json", "_results.json"] {
        std::fs::copy(src.join(f), run.join(f)).unwrap();
    }
    std::fs::write(
        run.join("octoprobe_summary_report.md"),
        "# mptest's own report\n",
    )
    .unwrap();
    let (_t, site, out) = build(&[&run], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = site.join("rpi_pico/run-perfbench-001");
    let page = read(&dir.join("index.html"));
    assert!(
        page.contains(r#"href="octoprobe_summary_report.md""#),
        "{page}"
    );
    assert_eq!(
        read(&dir.join("octoprobe_summary_report.md")),
        "# mptest's own report\n"
    );
    assert!(read(&dir.join("summary_report.md")).starts_with('#'));
}

#[test]
fn bazel_and_odd_junit() {
    // Bazel's test.xml: status/duration attributes, a skipped test, a second suite of the
    // same name holding only output, a time with a thousands separator.
    let v = summary_json(&fixture("formats/bazel"), &[]);
    assert_eq!(totals(&v), [1, 1, 0, 1, 0, 0, 0, 3]);
    assert_eq!(v["testgroups"][0]["testgroup"], "//server:handler_test");
}

#[test]
fn corrupt_and_empty_files_warn_and_the_rest_counts() {
    let out = testpress([
        "summary",
        fixture("formats/corrupt").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let err = stderr(&out);
    for w in [
        "corrupt/report.jsonl:4:86: EOF while parsing",
        "corrupt/ctrf.json:1:162: EOF while parsing",
        "corrupt/empty.xml: an XML file with no elements",
        "corrupt/declaration-only.xml: an XML file with no elements",
    ] {
        assert!(err.contains(w), "{w} in {err}");
    }
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        totals(&v),
        [2, 1, 0, 0, 0, 0, 0, 3],
        "the report-log's good lines count"
    );
    let out = testpress([
        "summary",
        fixture("formats/corrupt").to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn forced_input_format() {
    // A CTRF file without reportFormat or tool is not recognised, unless forced.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("results.json"),
        r#"{"results": {"tests": [{"name": "a", "status": "passed", "duration": 5}, {"name": "b", "status": "failed", "duration": 5}]}}"#,
    )
    .unwrap();
    let out = testpress(["summary", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "nothing recognised");
    let v = summary_json(tmp.path(), &["--input-format", "ctrf"]);
    assert_eq!(totals(&v), [1, 1, 0, 0, 0, 0, 0, 2]);
}

#[test]
fn one_testbed_of_mixed_formats() {
    let (_t, site, out) = build(&[&sample("mixed")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bed = read(&site.join("mixed-nightly/index.html"));
    let pos: Vec<usize> = ["run-012", "run-011", "run-010"]
        .iter()
        .map(|r| bed.find(&format!(">{r}<")).unwrap())
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "newest first");
    for (run, format) in [
        ("run-010", "junit"),
        ("run-011", "ctrf"),
        ("run-012", "pytest-reportlog"),
    ] {
        let page = read(&site.join(format!("mixed-nightly/{run}/index.html")));
        assert!(
            page.contains(&format!("<td>{format}</td>")),
            "{run} is {format}"
        );
        assert!(site
            .join(format!("mixed-nightly/{run}/summary_report.md"))
            .is_file());
        assert!(site
            .join(format!("mixed-nightly/{run}/pr_report.md"))
            .is_file());
    }
}

#[test]
fn record_turns_a_ci_job_into_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_testpress"))
        .args(["record", dir.to_str().unwrap()])
        .arg(sample("pytest/nightly/run-001/report.jsonl"))
        .arg(sample("go/ci/run-001/junit.xml"))
        .env_clear()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "example/calc")
        .env("GITHUB_RUN_ID", "4242")
        .env("GITHUB_RUN_ATTEMPT", "2")
        .env("GITHUB_SHA", "8c1f5bd6f9c2a6a1c310d5df70adb6e16564518d")
        .env("GITHUB_REF", "refs/pull/77/merge")
        .env("GITHUB_HEAD_REF", "fix-rounding")
        .env("GITHUB_WORKFLOW", "ci")
        .env("GITHUB_JOB", "tests")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let meta: Value = serde_json::from_str(&read(&dir.join("run.json"))).unwrap();
    // A missing file records nothing.
    let nothing = tmp.path().join("nothing");
    let out = testpress(["record", nothing.to_str().unwrap(), "no-such.xml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no-such.xml: no such file"),
        "{}",
        stderr(&out)
    );
    assert!(!nothing.exists());
    assert_eq!(meta["testbed"], "ci");
    assert_eq!(meta["id"], "4242-2");
    assert_eq!(meta["pr"], "77");
    assert_eq!(meta["branch"], "fix-rounding");
    assert_eq!(
        meta["ci_url"],
        "https://github.com/example/calc/actions/runs/4242"
    );
    assert!(dir.join("report.jsonl").is_file() && dir.join("junit.xml").is_file());
    let v = summary_json(&dir, &[]);
    assert_eq!(v["run"]["pr"], "https://github.com/example/calc/pull/77");
    assert_eq!(v["run"]["testbed"], "ci");
    assert_eq!(v["run"]["format"], "junit+pytest-reportlog");
    assert_eq!(v["total"]["tests"], 22 + 13);
}

/// A 50 MB JUnit file is read as a stream: peak memory stays a small multiple of its size.
#[test]
fn a_large_junit_file_is_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("big.xml");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(f, "<testsuites>").unwrap();
        let mut n = 0u64;
        let mut written = 0usize;
        'outer: for s in 0.. {
            writeln!(
                f,
                "<testsuite name=\"suite{s}\" timestamp=\"2026-01-01T00:00:00Z\">"
            )
            .unwrap();
            for _ in 0..1000 {
                let line = if n % 50 == 0 {
                    format!("<testcase classname=\"pkg.Suite{s}\" name=\"test_{n}\" time=\"0.01\"><failure message=\"boom\">{}</failure></testcase>\n", "trace line\n".repeat(40))
                } else {
                    format!("<testcase classname=\"pkg.Suite{s}\" name=\"test_{n}\" time=\"0.01\"><system-out>{}</system-out></testcase>\n", "x".repeat(200))
                };
                written += line.len();
                f.write_all(line.as_bytes()).unwrap();
                n += 1;
                if written > 50 * 1024 * 1024 {
                    writeln!(f, "</testsuite>").unwrap();
                    break 'outer;
                }
            }
            writeln!(f, "</testsuite>").unwrap();
        }
        writeln!(f, "</testsuites>").unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 50 * 1024 * 1024);
    // Python's resource module reads the child's peak RSS (ru_maxrss, KiB on Linux).
    let script = "import resource, subprocess, sys\nr = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\nprint(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
    let out = std::process::Command::new("python3")
        .args(["-c", script, env!("CARGO_BIN_EXE_testpress"), "summary"])
        .arg(&path)
        .args(["--format", "json"])
        .output()
        .expect("python3 runs");
    let text = stdout(&out);
    let mut parts = text.split_whitespace();
    assert_eq!(parts.next(), Some("0"), "{text} {}", stderr(&out));
    let peak_kib: u64 = parts.next().unwrap().parse().unwrap();
    let ratio = (peak_kib * 1024) as f64 / size as f64;
    eprintln!(
        "50 MB JUnit: peak RSS {} MiB = {ratio:.2} x the file",
        peak_kib / 1024
    );
    assert!(ratio < 4.0, "peak memory {ratio:.2} x the file size");
}

#[test]
fn snapshots_of_every_format_sample() {
    for run in [
        "pytest/nightly/run-002",
        "pytest/nightly/run-003",
        "nextest/ci/run-001",
        "maven/ci/run-001",
        "jest/web/run-001",
        "vitest/web/run-001",
        "go/ci/run-001",
        "ctrf/legacy/run-001",
        "micropython/rpi_pico/run-perfbench-001",
    ] {
        let name = run.replace('/', "__");
        for (format, ext) in [("md", "md"), ("json", "json")] {
            let rel = format!("content-samples/{run}");
            let out = testpress(["summary", rel.as_str(), "--format", format]);
            assert!(out.status.success(), "{run}");
            insta::assert_snapshot!(format!("{name}.{ext}"), stdout(&out));
        }
    }
}

/// Output over 64 KiB is cut on the page, with a link to the whole text in its own file.
#[test]
fn long_output_is_cut_with_a_link_to_all_of_it() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("ci").join("run-1");
    std::fs::create_dir_all(&run).unwrap();
    let long: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    assert!(long.len() > 100 * 1024);
    std::fs::write(
        run.join("junit.xml"),
        format!(
            "<testsuite name=\"s\"><properties><property name=\"env\" value=\"ci &amp; more\"/></properties>\
             <testcase name=\"chatty\"><system-out>{long}</system-out><system-err>short err</system-err>\
             <properties><property name=\"owner\">team-a</property></properties></testcase></testsuite>"
        ),
    )
    .unwrap();
    let (_t, site, out) = build(&[tmp.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let group = site.join("ci/run-1/s");
    let page = read(&group.join("index.html"));
    assert!(
        page.contains("href=\"output-1-stdout.txt\""),
        "a link to the full text"
    );
    assert!(
        page.contains("line 100\n") && !page.contains("line 19999"),
        "cut at 64 KiB"
    );
    assert_eq!(read(&group.join("output-1-stdout.txt")), long);
    assert!(page.contains("short err"));
    assert!(
        page.contains("owner=team-a") && page.contains("env=ci &amp; more"),
        "properties shown"
    );
}
