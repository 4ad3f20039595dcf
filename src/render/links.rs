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
    group_log_file(g).unwrap_or_else(|| format!("{}/index.html", paths::url_path(&g.slug)))
}

/// The group attempt's own log (Octoprobe), if it has one.
pub fn group_log_file(g: &GroupAttempt) -> Option<String> {
    ["logger_20_info.log", "testresults.txt"]
        .into_iter()
        .find(|f| g.files.iter().any(|x| x == f))
        .map(|f| format!("{}/{f}", paths::url_path(&g.slug)))
}

/// `file` (as the test report names it) at the tested commit, with `#L<line>`.
pub fn file_url(run: &Run, file: &str, line: Option<u32>) -> Option<String> {
    let r = run.ref_tests.as_ref()?;
    if !r.repo_url.starts_with("https://github.com/") && !r.repo_url.starts_with("https://gitlab.")
    {
        return None;
    }
    let rev = r.commit.as_ref().or(r.branch.as_ref())?;
    let file = match file.strip_prefix('/') {
        Some(_) => {
            under(file, run.ci.checkout.as_deref()).or_else(|| in_checkout(file, &r.repo_url))?
        }
        None => file.trim_start_matches("./"),
    };
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

/// The path of `file` below the folder `checkout` (as `run.json` recorded it), if it is there.
fn under<'a>(file: &'a str, checkout: Option<&str>) -> Option<&'a str> {
    let rest = file.strip_prefix(checkout?.trim_end_matches('/'))?;
    rest.strip_prefix('/').filter(|r| !r.is_empty())
}

/// The path inside the repository of an absolute `file` on the producer's machine, found by
/// the repository's name as the checkout folder: GitHub Actions checks `owner/name` out to
/// `/home/runner/work/name/name/`, GitLab to `/builds/owner/name/`, most others to a folder
/// named after it. `None` when the name is not a folder of the path.
fn in_checkout<'a>(file: &'a str, repo_url: &str) -> Option<&'a str> {
    let name = repo_url
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .rsplit('/')
        .next()?;
    if name.is_empty() {
        return None;
    }
    let twice = format!("/{name}/{name}/");
    let once = format!("/{name}/");
    // The doubled folder first: a folder of the repository may have its name too.
    let at = match file.find(&twice) {
        Some(i) => i + twice.len(),
        None => file.find(&once)? + once.len(),
    };
    Some(&file[at..]).filter(|rest| !rest.is_empty())
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

#[cfg(test)]
mod tests {
    use super::in_checkout;

    #[test]
    fn absolute_paths_inside_the_checkout() {
        let repo = "https://github.com/acme/checkout";
        for (file, rel) in [
            (
                "/home/runner/work/checkout/checkout/tests/cart.spec.ts",
                Some("tests/cart.spec.ts"),
            ),
            // A folder of the repository named like it stays in the path.
            (
                "/home/runner/work/checkout/checkout/checkout/cart.ts",
                Some("checkout/cart.ts"),
            ),
            (
                "/builds/acme/checkout/tests/cart.spec.ts",
                Some("tests/cart.spec.ts"),
            ),
            (
                "/var/lib/jenkins/workspace/web-e2e/tests/cart.spec.ts",
                None,
            ),
            ("/home/runner/work/checkout/checkout/", None),
        ] {
            assert_eq!(in_checkout(file, repo), rel, "{file}");
        }
        assert_eq!(
            in_checkout(
                "/builds/acme/checkout/a.py",
                "https://gitlab.com/acme/checkout.git"
            ),
            Some("a.py")
        );
    }
}
