//! `testpress build`: the site's pages, determinism, atomic replacement and bad input.

use std::path::Path;

use crate::support::*;

#[test]
fn demo_site_has_every_page() {
    let (_tmp, site, out) = build(&[&samples()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let index = read(&site.join("index.html"));
    for testbed in ["ch_hans_1", "au_damien_1"] {
        assert!(
            index.contains(&format!("href=\"{testbed}/index.html\"")),
            "{testbed} on the index"
        );
        assert!(site.join(testbed).join("index.html").is_file());
    }
    // The testbed page lists runs newest first.
    let bed = read(&site.join("ch_hans_1/index.html"));
    let order: Vec<usize> = [
        "ch_hans_1_20260902-120000",
        "ch_hans_1_20260901-101500",
        "ch_hans_1_20260831-101500",
        "ch_hans_1_20260226-205450",
        "ch_hans_1-2025-04-22_12-33-22",
    ]
    .iter()
    .map(|id| {
        bed.find(&format!(">{id}<"))
            .unwrap_or_else(|| panic!("{id} listed"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "newest first: {order:?}"
    );
    // Its one outcome that is none of the usual ones (a timeout) shows in the runs list.
    assert!(
        bed.contains(r#">ch_hans_1_20260901-101500</a> <span class="badge other""#),
        "{bed}"
    );

    let run = site.join("ch_hans_1/ch_hans_1_20260901-101500");
    let page = read(&run.join("index.html"));
    for needle in [
        "github ci pipeline",
        "2026-09-01_10-15-00+0200",
        "Duration",
        "flaky",
        "Test groups with errors",
        "Test groups which were skipped",
        "https://github.com/micropython/micropython/pull/18000",
        "logger_20_info.log",
    ] {
        assert!(page.contains(needle), "run page shows {needle}");
    }
    for f in [
        "octoprobe_summary_report.md",
        "octoprobe_pr_report.md",
        "summary.json",
        "journalctl.txt",
    ] {
        assert!(run.join(f).is_file(), "{f}");
    }
    // A group attempt page with its copied files.
    let group = run.join("RUN-TESTS_STANDARD@3a21-PYBV11,a");
    let gpage = read(&group.join("index.html"));
    assert!(gpage.contains("id=\"f-failed\""), "outcome filter");
    for f in ["testresults.txt", "logger_20_info.log"] {
        assert!(group.join(f).is_file(), "{f} copied");
        assert!(gpage.contains(&format!("href=\"{f}\"")), "{f} linked");
    }
    let exp = walkdir::WalkDir::new(&run)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with(".exp"));
    assert!(exp.is_some(), ".exp files are copied");
}

#[test]
fn junit_run_pages_have_no_octoprobe_columns() {
    let (_tmp, site, out) = build(
        &[&samples().join("jest"), &samples().join("octoprobe")],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // JUnit groups ran on no port or tentacle, had one attempt and have no log of their own.
    let page = read(&site.join("web/jest-junit-001/index.html"));
    assert!(
        page.contains("<table class=\"groups attempts\"><thead><tr><th>group</th><th>state</th><th>passed</th>"),
        "{page}"
    );
    assert!(page.contains("<th>xpassed</th></tr></thead>"));
    assert!(!page.contains(">log</a>"));
    // Its start as the testbed page shows it (run.json says 2026-11-22T21:23:06+00:00).
    assert!(page.contains(">2026-11-22 21:23:06+00:00</time>"), "{page}");
    // A matrix cell's tooltip is its outcome, without an empty attempt before it.
    assert!(page.contains("title=\"failed\""));
    assert!(!page.contains("title=\": "));
    // An Octoprobe run keeps them: its groups ran on tentacles and have logs.
    let run = read(&site.join("ch_hans_1/ch_hans_1_20260901-101500/index.html"));
    assert!(
        run.contains("<th>group</th><th>port</th><th>tentacle</th><th>attempt</th><th>state</th>")
    );
    assert!(
        run.contains("<th>group</th><th>tentacle</th><th>attempt</th><th>log</th><th>error</th>")
    );
    assert!(run.contains("/logger_20_info.log\">log</a>"));
    assert!(run.contains("title=\"a: passed\""));
}

/// A first run with one failure says so in the singular.
#[test]
fn one_failure_without_a_baseline_is_one_test() {
    let runs = tempfile::tempdir().unwrap();
    write_junit(
        &runs.path().join("bed/run-1"),
        [
            ("pkg.M".to_string(), "test_a".to_string(), true),
            ("pkg.M".to_string(), "test_b".to_string(), false),
        ],
    );
    let (_tmp, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = read(&site.join("bed/run-1/summary_report.md"));
    assert!(
        report.contains("1 failing test, new for want of a baseline: see the failures below."),
        "{report}"
    );
}

/// Where a JUnit test ran is its host, not a tentacle: the run page and the reports say so.
#[test]
fn a_junit_hosts_findings_name_the_host() {
    let runs = tempfile::tempdir().unwrap();
    for (r, failed) in [(1, false), (2, true)] {
        let dir = runs.path().join(format!("calc/run-{r}"));
        std::fs::create_dir_all(&dir).unwrap();
        let body = if failed {
            "<failure message=\"boom\">x</failure>"
        } else {
            ""
        };
        std::fs::write(
            dir.join("junit.xml"),
            format!("<testsuite name=\"CalcTest\" hostname=\"ci-runner-1\"><testcase classname=\"CalcTest\" name=\"testAdd\">{body}</testcase></testsuite>"),
        )
        .unwrap();
    }
    let (_tmp, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run = site.join("calc/run-2");
    let page = read(&run.join("index.html"));
    assert!(
        page.contains("<th>test</th><th>host</th><th>detail</th>"),
        "{page}"
    );
    assert!(!page.contains("<th>tentacle</th>"));
    let report = read(&run.join("summary_report.md"));
    assert!(
        report.contains("| Test group | Test | Host | Detail |"),
        "{report}"
    );
    assert!(report.contains("| Test group | Groups<br>run"), "{report}");
    assert!(!report.contains("Tentacle"), "{report}");
}

#[test]
fn same_inputs_give_a_byte_identical_site() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let run = |dir: &Path, threads: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_testpress"))
            .args(["build", "content-samples", "-o"])
            .arg(dir.join("site"))
            .current_dir(root())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(out.status.success());
        tree(&dir.join("site"))
    };
    let a = run(one.path(), "1");
    let b = run(two.path(), "4");
    assert!(a.len() > 100, "{} files", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs");
    }
}

#[test]
fn a_failed_build_leaves_the_previous_site() {
    let (tmp, site, out) = build(&[&octoprobe("real")], &[]);
    assert!(out.status.success());
    let before = tree(&site);
    let theme = tmp.path().join("theme/templates");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(theme.join("run.html"), "{% if %}broken").unwrap();
    let out = testpress([
        "build",
        octoprobe("synthetic").to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
        "--theme",
        tmp.path().join("theme").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("run.html"),
        "names the template: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("previous one is unchanged"));
    assert_eq!(tree(&site), before, "the old site is intact");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary folders left: {leftovers:?}"
    );

    // A good rebuild replaces it whole.
    let out = testpress([
        "build",
        octoprobe("synthetic").to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(
        !site.join("ch_hans_1/ch_hans_1_20260226-083648").exists(),
        "old runs are gone"
    );
    assert!(site
        .join("ch_hans_1/ch_hans_1_20260901-101500/index.html")
        .is_file());
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let precious = tmp.path().join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("thesis.tex"), "years of work").unwrap();
    let out = testpress([
        "build",
        octoprobe("real").to_str().unwrap(),
        "-o",
        precious.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not written by testpress"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&precious.join("thesis.tex")), "years of work");
    // Nor the inputs themselves.
    let out = testpress([
        "build",
        "content-samples",
        "-o",
        "content-samples/octoprobe",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn malformed_json_warns_names_the_file_and_builds_the_rest() {
    let (_tmp, site, out) = build(&[&octoprobe("synthetic")], &[]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning: "))
        .expect("a warning");
    assert!(
        warning.contains("ch_hans_1_20260902-120000/RUN-TESTS_STANDARD@5f2c-RPI_PICO_W,a/context_testgroup.json:35:37: EOF while parsing"),
        "{warning}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("warning: ")).count(),
        1
    );
    let page = read(&site.join("ch_hans_1/ch_hans_1_20260902-120000/index.html"));
    assert!(
        page.contains("badge problem"),
        "the run shows a problem badge"
    );
    assert!(read(&site.join("ch_hans_1/index.html")).contains("1 problem"));
    // Its other file still counts: the group fell back to _results.json.
    assert!(page.contains("RUN-TESTS_STANDARD"));
    assert!(
        site.join("au_damien_1/au_damien_1_20250701-080000/index.html")
            .is_file(),
        "other runs are built"
    );

    let (_tmp, _site, out) = build(&[&octoprobe("synthetic")], &["--strict"]);
    assert_eq!(out.status.code(), Some(3), "--strict fails on problems");
    let (_tmp, _site, out) = build(&[&octoprobe("real")], &["--strict"]);
    assert_eq!(out.status.code(), Some(0), "--strict passes clean inputs");
}

#[test]
fn a_truncated_context_json_still_gives_the_run() {
    let (_tmp, site, out) = build(&[&fixture("broken")], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out)
            .contains("broken/ch_hans_1_20260301-100000/context.json:6:0: EOF while parsing"),
        "{}",
        stderr(&out)
    );
    // The testbed comes from the run's label; its groups are read as usual.
    let page = read(&site.join("ch_hans_1/ch_hans_1_20260301-100000/index.html"));
    assert!(page.contains("badge problem"));
    assert!(page.contains("basics/b.py"));
}

#[test]
fn no_progress_bar_when_piped() {
    let (_tmp, _site, out) = build(&[&octoprobe("real")], &[]);
    let err = stderr(&out);
    assert!(
        !err.contains('\r') && !err.contains("\x1b["),
        "no terminal control in {err:?}"
    );
    assert_eq!(
        err.trim(),
        format!("built 2 run(s) of 1 testbed(s) into {}", _site.display())
    );
    let (_tmp, _site, out) = build(&[&octoprobe("real")], &["--quiet"]);
    assert_eq!(stderr(&out), "");
}

/// On a terminal (a pseudo-terminal made by util-linux `script`), with CI unset, a bar is drawn.
#[test]
fn a_progress_bar_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} build content-samples -o {}",
        env!("CARGO_BIN_EXE_testpress"),
        tmp.path().join("site").display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(root())
        .env_remove("CI")
        .output()
        .expect("script(1) from util-linux runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("reading [") && text.contains("writing ["),
        "{text}"
    );
    let done = regex::Regex::new(r"(\d+)/(\d+) runs").unwrap();
    assert!(
        done.captures_iter(&text)
            .any(|c| c[1] == c[2] && &c[1] != "0"),
        "{text}"
    );
}

#[test]
fn absolute_paths_become_relative_links() {
    let (_tmp, site, out) = build(
        &[
            &octoprobe("synthetic/ch_hans_1_20260901-101500"),
            &octoprobe("real/ch_hans_1_20260226-205450"),
        ],
        &[],
    );
    assert!(out.status.success());
    let page = read(&site.join("ch_hans_1/ch_hans_1_20260901-101500/index.html"));
    assert!(
        page.contains("<a href=\"logger_20_info.log\">logger_20_info.log</a>"),
        "log_output made relative"
    );
    assert!(!page.contains("href=\"/home"), "no absolute links");
    let md = read(&site.join("ch_hans_1/ch_hans_1_20260901-101500/octoprobe_summary_report.md"));
    assert!(md.contains("(logger_20_info.log)"));
    // The real run's log was not published with it: named, not linked.
    let page = read(&site.join("ch_hans_1/ch_hans_1_20260226-205450/index.html"));
    assert!(page.contains("<code>logger_20_info.log</code>"));
    assert!(!page.contains("href=\"logger_20_info.log\""));
}

#[test]
fn a_missing_root_is_an_error() {
    let out = testpress(["build", "no/such/folder", "-o", "/tmp/testpress-never"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no/such/folder: no such file or directory"));
    assert!(!Path::new("/tmp/testpress-never").exists());
}

/// A rebuild keeps the files whose bytes did not change (and their modification times), so
/// rsync and git see only real changes; changed files are new.
#[test]
fn unchanged_files_keep_their_modification_time() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let copy = |from: &str| {
        let src = octoprobe(from);
        let dst = runs.join(src.file_name().unwrap());
        for e in walkdir::WalkDir::new(&src)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let to = dst.join(e.path().strip_prefix(&src).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(e.path(), to).unwrap();
        }
    };
    copy("synthetic/ch_hans_1_20260831-101500");
    let site = tmp.path().join("site");
    let build = || {
        let out = testpress([
            "build",
            runs.to_str().unwrap(),
            "-o",
            site.to_str().unwrap(),
            "--timings",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    let out = build();
    assert!(stderr(&out).contains("timings: walk "), "{}", stderr(&out));
    // A copied raw file of the older run: the same bytes in both builds.
    let old_run_page = site.join(
        "ch_hans_1/ch_hans_1_20260831-101500/RUN-PERFBENCH@0c30-ESP32_C3_DEVKIT,a/testresults.txt",
    );
    let testbed_page = site.join("ch_hans_1/index.html");
    let past = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    for p in [&old_run_page, &testbed_page] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(past)
            .unwrap();
    }
    // A second run arrives: the testbed page changes, the old group page does not.
    copy("synthetic/ch_hans_1_20260901-101500");
    build();
    let mtime = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    assert_eq!(mtime(&old_run_page), past, "unchanged file kept");
    assert_ne!(mtime(&testbed_page), past, "changed file rewritten");
    assert!(read(&testbed_page).contains("ch_hans_1_20260901-101500"));
}

/// A run with thousands of failures: its failure matrix moves to pages of its own, split
/// so that no page is large, and every failing test is on one of them.
#[test]
fn a_large_failure_matrix_gets_pages_of_its_own() {
    let runs = tempfile::tempdir().unwrap();
    write_junit(
        &runs.path().join("big/run-1"),
        (0..6500).map(|i| (format!("t.mod{}", i % 7), format!("test_{i}"), true)),
    );
    let (_tmp, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = site.join("big/run-1");
    let page = read(&dir.join("index.html"));
    assert!(!page.contains("<table class=\"matrix\">"), "not inline");
    assert!(page.contains("href=\"failures-suite.html\">suite</a>: 6500 tests on 2 pages"));
    let mut listed = 0;
    for name in ["failures-suite.html", "failures-suite-2.html"] {
        let part = read(&dir.join(name));
        assert!(part.len() < 2_000_000, "{name}: {} bytes", part.len());
        listed += part.matches("<tr><th class=\"test\">").count();
    }
    assert_eq!(listed, 6500);
    assert!(!dir.join("failures-suite-3.html").exists());
}

#[test]
fn a_run_page_shows_the_head_of_a_long_list_and_pages_all_of_it() {
    // 300 suites of 5 tests, all passing and then all failing: 1,500 new failures.
    let runs = tempfile::tempdir().unwrap();
    for (r, failed) in [(1, false), (2, true)] {
        let dir = runs.path().join(format!("big/run-{r}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut xml = String::from("<testsuites>\n");
        // A suite named like a page of the run folder gets a folder of its own.
        for s in (0..300)
            .map(|s| format!("pkg.Suite{s:03}"))
            .chain(["list-new-1.html".to_string()])
        {
            xml += &format!("<testsuite name=\"{s}\">\n");
            for t in 0..5 {
                let body = if failed {
                    "<failure message=\"boom\">x</failure>"
                } else {
                    ""
                };
                xml +=
                    &format!("<testcase classname=\"{s}\" name=\"test_{t}\">{body}</testcase>\n");
            }
            xml += "</testsuite>\n";
        }
        std::fs::write(dir.join("junit.xml"), xml + "</testsuites>\n").unwrap();
    }
    let (_tmp, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = site.join("big/run-2");
    assert!(dir.join("_list-new-1.html/index.html").is_file());
    let page = read(&dir.join("index.html"));
    assert!(page.len() < 2_000_000);
    let new = &page[page.find("id=\"new\"").unwrap()..];
    let new = &new[..new.find("</table>").unwrap()];
    assert!(new.contains("New failures <small>1505</small>"), "{new}");
    // The damage is told before the lists, in the header.
    let head = &page[..page.find("id=\"new\"").unwrap()];
    assert!(head.contains("<tr><th>Outcomes</th><td><span class=\"o failed\">1505 failed</span> ("));
    // The summary report lists the first 1,000 failing tests and says how many more there are.
    let report = read(&dir.join("summary_report.md"));
    let failures = &report[report.find("## Failures").unwrap()..];
    assert_eq!(failures.matches("| **[FAIL](").count(), 1000, "{failures}");
    assert!(
        failures.contains("+505 more failing tests: see [the run page](index.html#failures)."),
        "{failures}"
    );
    assert_eq!(
        new.matches("<tr><td>").count(),
        200,
        "the first 200 on the run page"
    );
    // JUnit tests ran on no tentacle: no column for one.
    assert!(new.contains("<thead><tr><th>test group</th><th>test</th><th>detail</th></tr></thead>"));
    assert!(page.contains(
        "The first 200 of 1505. All of them, 1000 a page: <a href=\"list-new-1.html\">1</a> <a href=\"list-new-2.html\">2</a></p>"
    ));
    let mut listed = std::collections::BTreeSet::new();
    for k in 1..=2 {
        let list = read(&dir.join(format!("list-new-{k}.html")));
        assert!(list.contains("1505 in all, 1000 a page:"));
        assert!(list.contains("<a href=\"index.html#new\">the run</a>"));
        for row in list.split("<tr><td>").skip(1) {
            let group = &row[..row.find("</td>").unwrap()];
            let test = &row[row.find("\">").unwrap() + 2..row.find("</a>").unwrap()];
            assert!(
                listed.insert(format!("{group} {test}")),
                "{group} {test} twice"
            );
        }
    }
    assert_eq!(listed.len(), 1505, "every new failure on a list page");
    assert!(!dir.join("list-new-3.html").exists());
    // The test groups and their attempts, 301 each: one page each.
    for (kind, anchor) in [("testgroups", "summary"), ("attempts", "attempts")] {
        assert!(page.contains(&format!(
            "The first 200 of 301: <a href=\"list-{kind}-1.html\">all 301</a>.</p>"
        )));
        let list = read(&dir.join(format!("list-{kind}-1.html")));
        assert!(list.contains(&format!("<a href=\"index.html#{anchor}\">the run</a>")));
        assert_eq!(
            list.matches("<tr").count() - 1,
            301,
            "{kind}: header and rows"
        );
        assert!(!dir.join(format!("list-{kind}-2.html")).exists());
    }
    // Short lists and the run without a baseline are not paged.
    assert!(!dir.join("list-fixed-1.html").exists());
    assert!(!site.join("big/run-1/list-new-1.html").exists());
}

#[test]
fn a_group_of_long_failures_is_split_by_size() {
    // 60 failing tests with 40 KB tracebacks (2.4 MB of text) and one of 100 KB.
    let runs = tempfile::tempdir().unwrap();
    let dir = runs.path().join("big/run-1");
    std::fs::create_dir_all(&dir).unwrap();
    let trace = "  File \"x.py\", line 1, in <module>\n".repeat(1100);
    let huge = format!("{}THE END", "y".repeat(100_000));
    let mut xml = String::from("<testsuite name=\"suite\">\n");
    for t in 0..60 {
        xml += &format!(
            "<testcase classname=\"m\" name=\"test_{t}\"><failure message=\"boom\">{}</failure></testcase>\n",
            trace.replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
        );
    }
    xml += &format!(
        "<testcase classname=\"m\" name=\"test_huge\"><failure message=\"boom\">{huge}</failure></testcase>\n"
    );
    // A test rerun 40 times, each rerun with a 60 KB trace.
    let rerun = format!(
        "<rerunFailure message=\"again\"><stackTrace>{}</stackTrace></rerunFailure>",
        "z".repeat(60_000)
    );
    xml += &format!(
        "<testcase classname=\"m\" name=\"test_rerun\"><failure message=\"boom\">x</failure>{}</testcase>\n",
        rerun.repeat(40)
    );
    xml += "<testcase classname=\"m\" name=\"test_ok\"/>\n</testsuite>\n";
    std::fs::write(dir.join("junit.xml"), xml).unwrap();
    let (_tmp, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let group = site.join("big/run-1/suite");
    // Part k (0-based) of the group page, if there is one.
    let part = |k: usize| {
        let file = group.join(match k {
            0 => "index.html".to_string(),
            _ => format!("part-{}.html", k + 1),
        });
        file.exists().then(|| read(&file))
    };
    let pages: Vec<String> = (0..).map_while(part).collect();
    let parts = pages.len();
    let mut seen = std::collections::BTreeMap::new();
    for (k, page) in pages.iter().enumerate() {
        assert!(
            page.len() < 1_200_000,
            "part {}: {} bytes",
            k + 1,
            page.len()
        );
        for row in page.split("<tr class=\"o-").skip(1) {
            let cell = &row[row.find("<td>").unwrap() + 4..];
            let cell = match cell.strip_prefix("<a href=\"") {
                Some(rest) => &rest[rest.find("\">").unwrap() + 2..],
                None => cell,
            };
            let name = &cell[..cell.find('<').unwrap()];
            *seen.entry(name.to_string()).or_insert(0) += 1;
        }
    }
    assert!(parts >= 3, "{parts} parts");
    for (k, page) in pages.iter().enumerate() {
        let title = format!("(part {} of {parts})", k + 1);
        assert!(page.contains(&title), "{title} in the title");
        // The pager below the outcomes as well as above.
        let below = &page[page.rfind("</table>").unwrap()..];
        assert!(
            below.contains("<nav class=\"pager\">Pages: "),
            "part {}",
            k + 1
        );
    }
    assert_eq!(seen.len(), 63, "{seen:?}");
    assert!(
        seen.values().all(|&n| n == 1),
        "each test on one part: {seen:?}"
    );
    // Each failure matrix link on the run page lands on the part and row of its test.
    let run = read(&site.join("big/run-1/index.html"));
    let mut linked = 0;
    for cell in run.split("<a class=\"o ").skip(1) {
        let href = &cell[cell.find("href=\"").unwrap() + 6..];
        let href = &href[..href.find('"').unwrap()];
        let (file, id) = href.split_once('#').expect("a row anchor");
        let row_of = |page: &str| {
            let at = page.find(&format!(" id=\"{id}\">")).expect("the row");
            page[at..at + page[at..].find("<tr").unwrap_or(page.len() - at)].to_string()
        };
        let row = row_of(&read(&site.join("big/run-1").join(file)));
        let test = &run[..run.find(href).unwrap()];
        let test = &test[test.rfind("<span class=\"name\">").unwrap() + 19..];
        let test = &test[..test.find('<').unwrap()];
        assert!(row.contains(&format!(">{test}<")), "{href}: {test}");
        linked += 1;
    }
    assert_eq!(linked, 62, "every failing test's cell");
    let holding = |test: &str| pages.iter().find(|p| p.contains(test)).unwrap();
    // The passing test comes after every failure: on the last part.
    assert!(pages[parts - 1].contains(">m::test_ok<"));
    // The 100 KB failure: 64 KiB on the page, all of it in a file of its own.
    let full = std::fs::read_to_string(group.join("output-61-failure.txt")).unwrap();
    assert!(full.ends_with("THE END"), "{}", &full[full.len() - 20..]);
    let page = holding(">m::test_huge<");
    assert!(page.contains("<a href=\"output-61-failure.txt\">The full failure text</a> (97.7 KiB; shown above up to 64 KiB)"));
    assert!(!page.contains("THE END"));
    // The reruns share 64 KiB on the page: two of them show text, the second is cut.
    let page = holding(">m::test_rerun<");
    let row = &page[page.find(">m::test_rerun<").unwrap()..];
    let row = &row[..row.find("<tr").unwrap_or(row.len())];
    assert_eq!(row.matches("<details class=\"attempt\">").count(), 40);
    assert_eq!(row.matches("Cut here").count(), 1, "said where it runs out");
    let texts: Vec<usize> = row
        .split("<details class=\"attempt\">")
        .skip(1)
        .map(|a| {
            a.find("<pre")
                .map_or(0, |at| a[at..].find("</pre>").unwrap())
        })
        .collect();
    assert!(texts[0] > 60_000 && texts[1] > 5_000, "{:?}", &texts[..3]);
    assert!(
        texts[2..].iter().all(|&n| n == 0),
        "no text after the budget"
    );
    assert!(row.len() < 80_000, "{} bytes", row.len());
}

#[test]
fn a_long_run_error_is_cut_in_lists_and_whole_on_the_run_page() {
    let runs = tempfile::tempdir().unwrap();
    let src = octoprobe("real/ch_hans_1_20260226-205450");
    let dst = runs.path().join("ch_hans_1_20260226-205450");
    std::fs::create_dir_all(&dst).unwrap();
    let ctx = read(&src.join("context.json"));
    let error = format!("{}THE END", "Traceback step\\n".repeat(400));
    std::fs::write(
        dst.join("context.json"),
        ctx.replacen("\"error\": \"\"", &format!("\"error\": \"{error}\""), 1),
    )
    .unwrap();
    let (_tmp, site, out) = build(&[runs.path()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bed = read(&site.join("ch_hans_1/index.html"));
    let row = &bed[bed
        .find("<div class=\"error\">")
        .expect("the error in the runs list")..];
    let row = &row[..row.find("</div>").unwrap()];
    assert!(row.len() < 600 && row.ends_with(" …"), "{row}");
    let run = read(&site.join("ch_hans_1/ch_hans_1_20260226-205450/index.html"));
    assert!(
        run.contains("THE END</p>"),
        "the whole error on the run page"
    );
}

#[test]
fn a_theme_overriding_macros_from_before_paged_lists_still_builds() {
    // `macros.html` as it was on 2026-11-22, before the run page's paged lists moved their
    // macros into `lists.html`: a theme carrying its own copy must keep working.
    let theme = fixture("themes/macros-2026-11-22");
    let (_tmp, site, out) = build(
        &[&samples().join("history")],
        &["--theme", theme.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let run = read(&site.join("ch_hans_1/ch_hans_1_20261021-030000/index.html"));
    assert!(run.contains("<th>test</th><th>tentacle</th><th>detail</th>"));
    assert!(
        run.contains("<h3 class=\"cmp new\" id=\"new\">New failures"),
        "{}",
        &run[..3000]
    );
}
