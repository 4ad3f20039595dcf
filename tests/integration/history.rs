//! The cross-run index on the generated history (src/bin/gen_history.rs, whose header lists
//! the planted events) and on the real Octoprobe samples.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

const HISTORY: &str = "content-samples/history";
const XFAIL: &str = "content-samples/history/xfail_known_bad.json";

/// Run `n` of the generated master history (one a day from 2026-10-01 03:00).
fn label(n: u32) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + chrono::Days::new(n as u64);
    format!("ch_hans_1_{}-030000", day.format("%Y%m%d"))
}

const PR_RUN: &str = "ch_hans_1_20261031-150000";

fn against_history(run: &str, extra: &[&str]) -> Value {
    let mut args = vec!["summary", HISTORY, "--run", run, "--format", "json"];
    args.extend(extra);
    let out = testpress(args);
    assert!(out.status.success(), "{run}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// (test, variant) of every finding in a list.
fn list(v: &Value, key: &str) -> Vec<(String, String)> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["test"].as_str().unwrap().to_string(),
                f["variant"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(t: &str, v: &str) -> (String, String) {
    (t.to_string(), v.to_string())
}

#[test]
fn the_committed_history_is_what_the_generator_makes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gen_history"))
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated = tree(tmp.path());
    let committed = tree(&root().join(HISTORY).join("ch_hans_1"));
    assert_eq!(generated.len(), committed.len());
    assert!(
        generated == committed,
        "regenerate with: cargo run --bin gen_history -- {HISTORY}/ch_hans_1"
    );
}

#[test]
fn the_last_run_against_its_baseline() {
    let v = against_history(&label(31), &["--xfail", XFAIL]);
    assert_eq!(v["baseline"], label(30));
    assert_eq!(list(&v, "new_failures"), []);
    assert_eq!(list(&v, "fixed"), []);
    assert_eq!(
        list(&v, "still_failing"),
        [
            pair("basics/always_broken.py", "RPI_PICO_W"),
            pair("basics/regress_me.py", "RPI_PICO_W")
        ]
    );
    let since: Vec<&Value> = v["still_failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["failing_since"])
        .collect();
    assert_eq!(
        since[0]["run"],
        label(0),
        "always broken: since the first run"
    );
    assert_eq!(since[1]["run"], label(20), "regress_me broke at run 20");
    assert_eq!(since[1]["date"], "2026-10-21 03:00:00+02:00");
    assert_eq!(since[1]["commit"].as_str().unwrap().len(), 7);
    // flip_flop fails in odd runs: flaky by its flip rate, with the reason given.
    assert_eq!(list(&v, "flaky"), [pair("extmod/flip_flop.py", "PYBV11")]);
    assert!(v["flaky"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("flipped 19 times in the last 20 runs"));
    assert_eq!(
        list(&v, "known"),
        [pair("extmod/known_bad.py", "RPI_PICO_W")]
    );
    assert_eq!(v["perf_regressions"].as_array().unwrap().len(), 0);
    // Without the xfail list the known failure is simply still failing, since run 0.
    let v = against_history(&label(31), &[]);
    assert!(list(&v, "still_failing").contains(&pair("extmod/known_bad.py", "RPI_PICO_W")));
    assert_eq!(list(&v, "known"), []);
}

#[test]
fn every_planted_event_is_found_where_it_was_planted() {
    // Run 20: regress_me breaks.
    let v = against_history(&label(20), &[]);
    assert_eq!(v["baseline"], label(19));
    assert_eq!(
        list(&v, "new_failures"),
        [pair("basics/regress_me.py", "RPI_PICO_W")]
    );
    // Run 25: fixed_me passes again.
    let v = against_history(&label(25), &[]);
    assert_eq!(
        list(&v, "fixed"),
        [pair("basics/fixed_me.py", "ESP32_C3_DEVKIT")]
    );
    assert!(list(&v, "flaky").contains(&pair("extmod/flaky_one.py", "ESP32_C3_DEVKIT")));
    // Run 5: flaky_one fails in attempt a and passes in b.
    let v = against_history(&label(5), &[]);
    let flaky: Vec<&Value> = v["flaky"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["test"] == "extmod/flaky_one.py")
        .collect();
    assert_eq!(flaky.len(), 1);
    assert_eq!(
        flaky[0]["reason"],
        "failed and passed in this run (FAIL pass)"
    );
    // The PR run compares with master run 30: only pr_breaks is new, on every board.
    let v = against_history(PR_RUN, &[]);
    assert_eq!(v["baseline"], label(30));
    assert_eq!(
        list(&v, "new_failures"),
        [
            pair("basics/pr_breaks.py", "ESP32_C3_DEVKIT"),
            pair("basics/pr_breaks.py", "PYBV11"),
            pair("basics/pr_breaks.py", "RPI_PICO_W")
        ]
    );
    // The run after the PR run still compares with master, not with the PR.
    assert_eq!(against_history(&label(31), &[])["baseline"], label(30));
}

#[test]
fn perf_regressions_are_found_and_none_are_invented() {
    for n in 1..32 {
        let v = against_history(&label(n), &[]);
        let regs = v["perf_regressions"].as_array().unwrap();
        if n == 28 {
            assert_eq!(regs.len(), 1, "run 28");
            assert_eq!(regs[0]["test"], "perf_bench/bm_chaos.py");
            assert_eq!(regs[0]["variant"], "PYBV11");
            let change = regs[0]["change_pct"].as_f64().unwrap();
            assert!((18.0..22.0).contains(&change), "{change}");
        } else {
            assert!(regs.is_empty(), "run {n}: {regs:?}");
        }
        // A test that always fails is broken, not flaky.
        assert!(
            !list(&v, "flaky").contains(&pair("basics/always_broken.py", "RPI_PICO_W")),
            "run {n}"
        );
    }
    // A stricter threshold than the planted 20 % finds nothing.
    let v = against_history(&label(28), &["--perf-threshold", "25"]);
    assert_eq!(v["perf_regressions"].as_array().unwrap().len(), 0);
}

#[test]
fn a_chosen_baseline_and_the_gate() {
    let v = against_history(&label(31), &["--baseline", &label(19)]);
    assert_eq!(v["baseline"], label(19));
    assert!(list(&v, "new_failures").contains(&pair("basics/regress_me.py", "RPI_PICO_W")));
    let gate = |run: &str, when: &str| {
        testpress([
            "summary",
            HISTORY,
            "--run",
            run,
            "--fail-on",
            when,
            "--format",
            "json",
        ])
        .status
        .code()
    };
    assert_eq!(gate(PR_RUN, "new"), Some(4), "the PR run has new failures");
    assert_eq!(gate(&label(31), "new"), Some(0));
    assert_eq!(gate(&label(31), "failed"), Some(4));
    assert_eq!(gate(&label(31), "never"), Some(0));
    let latest = against_history("latest", &[]);
    assert_eq!(latest["run"]["id"], label(31));
}

#[test]
fn history_pages_and_testbed_rankings() {
    let (_t, site, out) = build(&[Path::new(HISTORY)], &["--xfail", XFAIL]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bed = site.join("ch_hans_1");
    let page = history_section(&bed, "RUN-TESTS_STANDARD", "basics/regress_me.py");
    // One strip per board, in streaks: two boards pass throughout, one breaks at run 20.
    assert_eq!(page.matches("<div class=\"strip\"").count(), 3);
    assert_eq!(page.matches("<a class=\"s-pass open\"").count(), 2);
    assert!(page.contains(&format!(
        "<a class=\"s-pass\" style=\"width:198px\" href=\"../{}/index.html\"",
        label(0)
    )));
    assert!(page.contains(": pass, 20 runs\""));
    assert!(page.contains(&format!(
        "<a class=\"s-fail open\" href=\"../{}/index.html\"",
        label(20)
    )));
    assert_eq!(page.matches("<a class=\"s-").count(), 4);
    assert!(
        page.contains(&format!(
            "<a href=\"../{}/index.html\">{}</a>",
            label(20),
            label(20)
        )),
        "failing since run 20"
    );
    assert!(page.contains("AssertionError: regression planted at run 20"));
    let chaos = history_section(&bed, "RUN-PERFBENCH", "perf_bench/bm_chaos.py");
    assert_eq!(
        chaos.matches("class=\"dot marked\"").count(),
        1,
        "the regression is marked once"
    );
    // The run page opens with the comparison and links the history.
    let run = read(&bed.join(label(31)).join("index.html"));
    let changed = run
        .find("What changed since")
        .expect("comparison on the run page");
    assert!(
        changed < run.find("id=\"summary\"").unwrap(),
        "before the summary"
    );
    let regress = history_link("RUN-TESTS_STANDARD", "basics/regress_me.py");
    assert!(run.contains(&format!("href=\"../{regress}\"")));
    // Rankings: always_broken fails in all 33 runs, at the top.
    let t = read(&bed.join("index.html"));
    let tests_ranking = &t[t.find("<h3>Tests</h3>").unwrap()..];
    let first_row = &tests_ranking[tests_ranking.find("<tr><td>").unwrap()..];
    assert!(
        first_row.contains("basics/always_broken.py") || first_row.contains("extmod/known_bad.py"),
        "{}",
        &first_row[..300]
    );
    assert!(first_row.contains("<td class=\"num failed\">33</td><td class=\"num\">33</td>"));
    assert!(
        t.contains("https://github.com/micropython/micropython/pull/18000"),
        "PR ranked"
    );
    assert!(t.contains("<svg class=\"chart\""), "pass-rate chart");
    // The window narrows the rankings.
    let (_t, site, _) = build(&[Path::new(HISTORY)], &["--since", "2026-10-30"]);
    let t = read(&site.join("ch_hans_1/index.html"));
    assert!(
        t.contains("over 4 runs, since 2026-10-30"),
        "runs 29, 30, PR, 31"
    );
}

/// A test that a pull request broke still passes on its branch: its strip and facts are the
/// branch's runs, and the PR run is listed apart below them.
#[test]
fn a_pr_runs_failure_is_listed_apart_from_the_strip() {
    let (_tmp, site, out) = build(&[Path::new(HISTORY)], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let section = history_section(
        &site.join("ch_hans_1"),
        "RUN-TESTS_STANDARD",
        "basics/pr_breaks.py",
    );
    let pr = "ch_hans_1_20261031-150000";
    let (strip_and_facts, pr_line) = section
        .split_once("<p class=\"facts pr-runs\">")
        .unwrap_or_else(|| panic!("no PR line: {section}"));
    assert!(
        strip_and_facts.contains("<span class=\"o passed\">pass</span> since")
            && strip_and_facts.contains("never failed"),
        "{section}"
    );
    assert!(
        !strip_and_facts.contains(pr),
        "the PR run is not in the strip: {section}"
    );
    assert!(
        pr_line.starts_with(&format!("In pull requests: <a href=\"../{pr}/index.html\">{pr}</a> <span class=\"o failed\">FAIL</span></p>")),
        "{pr_line}"
    );
    // A streak that began after the PR run begins where the strip says, not at the PR run
    // (flip_flop fails in odd runs; the PR came between runs 30 and 31).
    let bed = site.join("ch_hans_1");
    let flip = history_section(&bed, "RUN-TESTS_STANDARD", "extmod/flip_flop.py");
    assert!(
        flip.contains("FAIL</span> since <a href=\"../ch_hans_1_20261101-030000/index.html\">"),
        "{flip}"
    );
    // Nor is the PR run a point of a runtime chart.
    let chaos = history_section(&bed, "RUN-PERFBENCH", "perf_bench/bm_chaos.py");
    assert!(
        chaos.contains("<title>ch_hans_1_20261001-030000: "),
        "{chaos}"
    );
    assert!(!chaos.contains(&format!("<title>{pr}: ")), "{chaos}");
}

/// A ranked test is named once: pytest's test ids and Jest's titles start with their group.
#[test]
fn rankings_name_a_test_once() {
    let (_tmp, site, out) = build(&[&samples().join("pytest")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let t = read(&site.join("nightly/index.html"));
    let tests = &t[t.find("<h3>Tests</h3>").unwrap()..];
    let tests = &tests[..tests.find("</table>").unwrap()];
    assert!(
        tests.contains("\">tests/test_advanced.py::test_export_csv</a>"),
        "{tests}"
    );
    assert!(!tests.contains("tests/test_advanced.py tests/"), "{tests}");
}

/// The real samples, classified by hand. 205450 (master, 2026-02-26 20:54) has no earlier
/// master run: every failure is new ("no baseline"), except extmod/time_time_ns.py on
/// ADA_ITSYBITSY_M0, which failed in attempt a and passed in b (flaky). Read off its
/// context_testgroup.json files: 20 (test, board) pairs have a failed outcome, so 19 new
/// and 1 flaky. 083648 is the PR
/// 17782 run of the same morning: no master run before it, no failures, and its perfbench
/// figures are not in the JSON files that survive of it, so no perf comparison.
#[test]
fn real_samples_classified_by_hand() {
    let v = {
        let out = testpress([
            "summary",
            "content-samples/octoprobe/real",
            "--run",
            "ch_hans_1_20260226-205450",
            "--format",
            "json",
        ]);
        assert!(out.status.success());
        serde_json::from_str::<Value>(&stdout(&out)).unwrap()
    };
    assert_eq!(v["baseline"], Value::Null);
    assert_eq!(
        list(&v, "flaky"),
        [pair("extmod/time_time_ns.py", "ADA_ITSYBITSY_M0")]
    );
    let new = list(&v, "new_failures");
    assert_eq!(new.len(), 19, "{new:?}");
    assert!(v["new_failures"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["reason"] == "no baseline"));
    assert!(new.contains(&pair(
        "extmod_hardware/machine_i2c_target.py",
        "ESP32_C3_DEVKIT"
    )));
    assert_eq!(list(&v, "still_failing"), []);
    let out = testpress([
        "summary",
        "content-samples/octoprobe/real",
        "--run",
        "ch_hans_1_20260226-083648",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["baseline"], Value::Null);
    for k in [
        "new_failures",
        "fixed",
        "flaky",
        "still_failing",
        "known",
        "perf_regressions",
    ] {
        assert_eq!(v[k].as_array().unwrap().len(), 0, "{k}");
    }
}

/// A module with more tests than one history page should hold is dealt into parts: every
/// test's link goes to the part that has its section, and each part links the others.
#[test]
fn a_large_module_gets_history_pages_in_parts() {
    let runs = tempfile::tempdir().unwrap();
    let tests = 1500;
    for (r, fail) in [(1, None), (2, Some(7))] {
        write_junit(
            &runs.path().join(format!("big/run-{r}")),
            (0..tests).map(|i| ("pkg.Big".into(), format!("test_{i:04}"), Some(i) == fail)),
        );
    }
    let (_tmp, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bed = site.join("big");
    let base = testpress::paths::short_hash(&["suite", "pkg.Big"]);
    let mut parts: Vec<String> = std::fs::read_dir(bed.join("tests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    parts.sort();
    assert!(parts.len() >= 2, "{parts:?}");
    assert!(parts.len().is_power_of_two(), "{parts:?}");
    // The group page, in its parts (1,000 outcomes each).
    let group: String = ["index.html", "part-2.html"]
        .iter()
        .map(|f| read(&bed.join("run-2/suite").join(f)))
        .collect();
    let mut sections = 0;
    for (k, file) in parts.iter().enumerate() {
        assert_eq!(file, &format!("{base}-{}.html", k + 1));
        let page = read(&bed.join("tests").join(file));
        assert!(page.len() < 2_000_000, "{file}: {} bytes", page.len());
        assert!(
            page.contains(&format!("Part {} of {}", k + 1, parts.len())),
            "{file}"
        );
        for (j, other) in parts.iter().enumerate() {
            if j != k {
                assert!(page.contains(&format!("<a href=\"{other}\">{}</a>", j + 1)));
            }
        }
        // Each test's link (from the group page) names the part holding its section.
        for id in page
            .match_indices("<section class=\"test\" id=\"")
            .map(|(at, m)| &page[at + m.len()..at + m.len() + 12])
        {
            sections += 1;
            assert!(
                group.contains(&format!("href=\"../../tests/{file}#{id}\"")),
                "{file}#{id} is not linked"
            );
        }
    }
    assert_eq!(sections, tests, "every test on exactly one part");
    let failing = history_section_in(&bed, &parts, "suite", "pkg.Big::test_0007");
    assert!(
        failing.contains(
            "<span class=\"o failed\">FAIL</span> since <a href=\"../run-2/index.html\">run-2</a>"
        ),
        "{failing}"
    );
    assert!(
        failing.contains("<pre class=\"msg\">boom"),
        "the message: {failing}"
    );
}

#[test]
fn years_of_history_keep_a_test_section_small() {
    // 900 runs: the generator's two flaky tests change result in about 400 of them, and
    // each perfbench test has 900 runtime points.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    generate(&data, "octoprobe", 900, 10);
    let (_site_tmp, site, out) = build(&[&data], &["--no-cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (mut blocks, mut charts) = (0, 0);
    for page in std::fs::read_dir(site.join("bench/tests")).unwrap() {
        let page = read(&page.unwrap().path());
        assert!(page.len() < 2_000_000, "{} bytes", page.len());
        for section in page.split("<section").skip(1) {
            // Four boards' strips and charts at most.
            assert!(section.len() < 250_000, "{} bytes", section.len());
        }
        for strip in page.split("<div class=\"strip\"").skip(1) {
            let strip = &strip[..strip.find("</div>").unwrap()];
            let drawn = strip.matches("<a ").count();
            if strip.contains("class=\"s-earlier\"") {
                blocks += 1;
                assert_eq!(drawn, 301, "the block and the newest 300 streaks: {strip}");
                assert!(strip.contains("earlier runs in"), "{strip}");
                assert!(strip.ends_with("</a>") && strip.contains("open\""));
            } else {
                assert!(drawn <= 300);
            }
        }
        if page.contains("class=\"s-earlier\" href") {
            assert!(page.contains("<span class=\"s-earlier\">earlier runs, not drawn</span>"));
        }
        for chart in page.split("<svg class=\"chart\"").skip(1) {
            let chart = &chart[..chart.find("</svg>").unwrap()];
            assert_eq!(
                chart.matches("<circle").count(),
                300,
                "the newest runs' points"
            );
            charts += 1;
        }
        if page.contains("<svg class=\"chart\"") {
            assert!(page.contains("Runtime in µs, the newest 300 of 900 runs."));
        }
    }
    assert!(blocks >= 2, "the flaky tests' strips are cut: {blocks}");
    assert!(charts >= 8, "{charts} charts");
}

/// A test's section on whichever of `parts` holds it.
fn history_section_in(bed: &Path, parts: &[String], testgroup: &str, test: &str) -> String {
    let id = testpress::paths::short_hash(&[testgroup, test]);
    let open = format!("<section class=\"test\" id=\"{id}\">");
    for file in parts {
        let page = read(&bed.join("tests").join(file));
        if let Some(start) = page.find(&open) {
            let end = start + page[start..].find("</section>").unwrap();
            return page[start..end].to_string();
        }
    }
    panic!("{test}: no section in {parts:?}")
}

/// A variant that did not run in the testbed's last five runs (a test dropped from the suite,
/// a board taken off) is folded away below the others.
#[test]
fn tests_that_no_longer_run_are_folded_away() {
    let runs = tempfile::tempdir().unwrap();
    for r in 1..=7 {
        let mut cases = vec![("pkg.M".to_string(), "test_kept".to_string(), false)];
        if r <= 2 {
            cases.push(("pkg.M".to_string(), "test_dropped".to_string(), r == 2));
        }
        write_junit(&runs.path().join(format!("bed/run-{r}")), cases);
    }
    let (_tmp, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bed = site.join("bed");
    let kept = history_section(&bed, "suite", "pkg.M::test_kept");
    assert!(!kept.contains("class=\"retired\""), "{kept}");
    assert!(kept.contains("<div class=\"strip\""));
    let dropped = history_section(&bed, "suite", "pkg.M::test_dropped");
    let fold = dropped
        .find("<details class=\"retired\"><summary>Did not run in the last 5 runs</summary>")
        .unwrap_or_else(|| panic!("not folded: {dropped}"));
    let strip = dropped.find("<div class=\"strip\"").unwrap();
    assert!(fold < strip, "the strip is inside the fold");
    assert!(
        dropped.contains(
            "did not run</span> since <a href=\"../run-3/index.html\">run-3</a> · failing when it last ran, since <a href=\"../run-2/index.html\">run-2</a>"
        ),
        "{dropped}"
    );
}

/// A test that failed and then passed in its rerun: its history shows the failed attempt's
/// message, and the run's flaky finding carries it.
#[test]
fn a_flaky_tests_latest_failure_is_its_failed_attempt() {
    let runs = tempfile::tempdir().unwrap();
    write_junit(
        &runs.path().join("bed/run-1"),
        [("pkg.M".to_string(), "test_net".to_string(), false)],
    );
    let run2 = runs.path().join("bed/run-2");
    std::fs::create_dir_all(&run2).unwrap();
    std::fs::write(
        run2.join("junit.xml"),
        "<testsuite name=\"suite\"><testcase classname=\"pkg.M\" name=\"test_net\">\
         <flakyFailure message=\"timeout after 5s\" type=\"TimeoutException\">\
         <stackTrace>TimeoutException at Net.java:9</stackTrace></flakyFailure></testcase></testsuite>",
    )
    .unwrap();
    let (_tmp, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let section = history_section(&site.join("bed"), "suite", "pkg.M::test_net");
    assert!(
        section.contains("Latest failure: <a href=\"../run-2/index.html\">run-2</a>"),
        "{section}"
    );
    assert!(section.contains("timeout after 5s"), "{section}");
    assert!(!section.contains("(no message)"), "{section}");
    let summary: Value = serde_json::from_str(&read(&site.join("bed/run-2/summary.json"))).unwrap();
    assert!(
        summary["flaky"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("timeout after 5s")),
        "{}",
        summary["flaky"]
    );
}

/// A failing streak begins where the lineage last passed: runs without a verdict (skipped)
/// are passed over, and a PR run's pass in between is not on the branch.
#[test]
fn failing_since_walks_the_branch_over_skips_and_pr_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let bed = tmp.path().join("bed");
    // (run, day, PR?, the test's result: pass, fail or skip)
    let runs = [
        ("r1", 1, false, "pass"),
        ("r2", 2, false, "fail"),
        ("r3", 3, false, "skip"),
        ("r4", 4, true, "pass"),
        ("r5", 5, false, "fail"),
        ("r6", 6, false, "fail"),
    ];
    for (id, day, pr, result) in runs {
        let dir = bed.join(id);
        std::fs::create_dir_all(&dir).unwrap();
        let body = match result {
            "fail" => "<failure message=\"boom\">x</failure>",
            "skip" => "<skipped/>",
            _ => "",
        };
        std::fs::write(
            dir.join("junit.xml"),
            format!(
                "<testsuite name=\"s\"><testcase classname=\"m\" name=\"t\">{body}</testcase>\
                 <testcase classname=\"m\" name=\"ok\"/></testsuite>"
            ),
        )
        .unwrap();
        let meta = if pr {
            r#"{"branch": "feature", "pr": "7", "repository": "https://github.com/o/r""#
        } else {
            r#"{"branch": "main", "repository": "https://github.com/o/r""#
        };
        std::fs::write(
            dir.join("run.json"),
            format!("{meta}, \"time_start\": \"2026-01-0{day}T03:00:00Z\"}}"),
        )
        .unwrap();
    }
    let since = |run: &str| {
        let out = testpress([
            "summary".as_ref(),
            tmp.path().as_os_str(),
            "--run".as_ref(),
            run.as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            "--no-cache".as_ref(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let still = v["still_failing"].as_array().unwrap().clone();
        let new = v["new_failures"].as_array().unwrap().len();
        (
            still.first().map(|f| f["failing_since"]["run"].to_string()),
            new,
        )
    };
    // r5 against r3, where it was skipped: new.
    assert_eq!(since("r5"), (None, 1));
    // r6 against r5: still failing, since r2 (the skip passed over, the PR run's pass not
    // on main).
    assert_eq!(since("r6"), (Some("\"r2\"".into()), 0));
}
