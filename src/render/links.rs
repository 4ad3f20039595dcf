//! Links out of the site: test sources at the tested commit, and files inside a run.

use crate::model::{GroupAttempt, Run};
use crate::paths;

/// `https://github.com/<owner>/<repo>/blob/<commit>/tests/<name>`, never the broken
/// `.../pull/N//tests/...` form. RUN-MPREMOTE_TESTS live in `tools/mpremote/tests/`;
/// RUN-FLASH_FORMAT is no file. Falls back to the branch when the commit is unknown.
pub fn test_source_url(run: &Run, testgroup: &str, test: &str) -> Option<String> {
    let r = run.ref_tests.as_ref()?;
    if !r.repo_url.starts_with("https://github.com/") {
        return None;
    }
    let rev = r.commit.as_ref().or(r.branch.as_ref())?;
    let dir = match testgroup {
        "RUN-FLASH_FORMAT" => return None,
        "RUN-MPREMOTE_TESTS" => "tools/mpremote/tests",
        _ => "tests",
    };
    // A test name is a relative path; anything else is not linked.
    if !paths::is_safe_relative(test) || test.contains(' ') {
        return None;
    }
    Some(format!(
        "{}/blob/{}/{}/{}",
        r.repo_url,
        paths::url_path(rev),
        dir,
        paths::url_path(test)
    ))
}

/// The best log of a group attempt, relative to the run folder: the info log, else
/// `testresults.txt`, else the attempt's page.
pub fn group_log(g: &GroupAttempt) -> String {
    for f in ["logger_20_info.log", "testresults.txt"] {
        if g.files.iter().any(|x| x == f) {
            return format!("{}/{}", paths::url_path(&g.slug), f);
        }
    }
    format!("{}/index.html", paths::url_path(&g.slug))
}

/// `file` (as the test report names it) at the tested commit, with `#L<line>`.
pub fn file_url(run: &Run, file: &str, line: Option<u32>) -> Option<String> {
    let r = run.ref_tests.as_ref()?;
    if !r.repo_url.starts_with("https://github.com/") && !r.repo_url.starts_with("https://gitlab.")
    {
        return None;
    }
    let rev = r.commit.as_ref().or(r.branch.as_ref())?;
    let file = file.trim_start_matches("./");
    if !paths::is_safe_relative(file) {
        return None;
    }
    let sep = if r.repo_url.starts_with("https://github.com/") {
        "blob"
    } else {
        "-/blob"
    };
    let mut u = format!(
        "{}/{sep}/{}/{}",
        r.repo_url,
        paths::url_path(rev),
        paths::url_path(file)
    );
    if let Some(l) = line {
        u.push_str(&format!("#L{l}"));
    }
    Some(u)
}

/// A test's source: its file and line where the format says them, else (Octoprobe and
/// MicroPython) by test name.
pub fn result_source_url(
    run: &Run,
    testgroup: &str,
    t: &crate::model::TestResult,
) -> Option<String> {
    if let Some(x) = &t.extra {
        if let Some(file) = x.file.as_deref() {
            if let Some(u) = file_url(run, file, x.line) {
                return Some(u);
            }
        }
    }
    if run.format == "octoprobe" || run.format == "micropython" {
        return test_source_url(run, testgroup, &t.name);
    }
    None
}
