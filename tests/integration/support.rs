//! Running the binary and looking at what it wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn samples() -> PathBuf {
    root().join("content-samples")
}

pub fn octoprobe(rel: &str) -> PathBuf {
    samples().join("octoprobe").join(rel)
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// Runs `testpress` with `args`, from the repository root, with CI set (no progress bar).
pub fn testpress<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_testpress"))
        .args(args)
        .current_dir(root())
        .env("CI", "true")
        // Never the user's own cache; the tests share one (keyed by content, it may be).
        .env(
            "TESTPRESS_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/testpress-cache"),
        )
        .output()
        .expect("testpress runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Builds `roots` into a new temporary folder; returns (the temp parent, the site folder, output).
pub fn build(roots: &[&Path], extra: &[&str]) -> (tempfile::TempDir, PathBuf, Output) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let mut args: Vec<std::ffi::OsString> = vec!["build".into()];
    args.extend(roots.iter().map(|r| r.as_os_str().to_owned()));
    args.push("-o".into());
    args.push(site.clone().into());
    args.extend(extra.iter().map(Into::into));
    let out = testpress(args);
    (tmp, site, out)
}

/// Generated runs (`gen_bench`) in `dir`: their run folders, oldest first.
pub fn generate(dir: &Path, format: &str, runs: usize, tests: usize) -> Vec<PathBuf> {
    let out = Command::new(env!("CARGO_BIN_EXE_gen_bench"))
        .arg(dir)
        .args(["--format", format, "--runs", &runs.to_string()])
        .args(["--tests", &tests.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("bench"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// Writes `<run>/junit.xml`, one suite named `suite` of `(classname, name, failed)` cases.
pub fn write_junit(run: &Path, cases: impl IntoIterator<Item = (String, String, bool)>) {
    std::fs::create_dir_all(run).unwrap();
    let mut xml = String::from("<testsuite name=\"suite\">\n");
    for (classname, name, failed) in cases {
        let body = if failed {
            "<failure message=\"boom\">x</failure>"
        } else {
            ""
        };
        xml.push_str(&format!(
            "<testcase classname=\"{classname}\" name=\"{name}\">{body}</testcase>\n"
        ));
    }
    xml.push_str("</testsuite>\n");
    std::fs::write(run.join("junit.xml"), xml).unwrap();
}

/// Every file below `dir` with its bytes, keyed by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The link to a test's history from its testbed's folder: `tests/<page>.html#<anchor>`,
/// the page of its module (not cut into parts).
pub fn history_link(testgroup: &str, test: &str) -> String {
    use testpress::paths::short_hash;
    let module = testpress::index::layout::module_of(test);
    format!(
        "tests/{}.html#{}",
        short_hash(&[testgroup, module]),
        short_hash(&[testgroup, test])
    )
}

/// A test's section of its module's history page in a testbed's folder of the site.
pub fn history_section(bed: &Path, testgroup: &str, test: &str) -> String {
    let link = history_link(testgroup, test);
    let (file, anchor) = link.split_once('#').unwrap();
    let page = read(&bed.join(file));
    let start = page
        .find(&format!("<section class=\"test\" id=\"{anchor}\">"))
        .unwrap_or_else(|| panic!("{test}: no section {anchor} in {file}"));
    let end = start + page[start..].find("</section>").unwrap();
    page[start..end].to_string()
}
