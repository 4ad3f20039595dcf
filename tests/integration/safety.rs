//! Untrusted input: escaping, paths, secrets, and pages that work from `file://`.

use std::path::Path;

use crate::support::*;

fn html_files(site: &Path) -> Vec<(String, String)> {
    tree(site)
        .into_iter()
        .filter(|(k, _)| k.ends_with(".html"))
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect()
}

#[test]
fn every_input_string_is_escaped() {
    let (_tmp, site, out) = build(&[&fixture("hostile")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pages = html_files(&site);
    let group_page = pages
        .iter()
        .find(|(k, _)| k.ends_with("EVIL,a/index.html"))
        .expect("group page");
    assert!(
        group_page.1.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "shown as text"
    );
    for (name, html) in &pages {
        // Our own charts are SVG; the input's `<svg onload=...>` must never be.
        // As text it is harmless; as a link it is not.
        for bad in ["<img", "<script", "<svg onload", "=\"javascript:", "<b>"] {
            assert!(!html.contains(bad), "{name} contains {bad}");
        }
    }
    let md = read(
        &walkdir::WalkDir::new(&site)
            .into_iter()
            .filter_map(Result::ok)
            .find(|e| e.file_name() == "octoprobe_summary_report.md")
            .unwrap()
            .into_path(),
    );
    assert!(
        !md.contains("<img") && !md.contains("<script") && !md.contains("javascript:"),
        "{md}"
    );
    assert!(
        md.contains("&lt;img src=x onerror=alert\\(1\\)&gt;")
            || md.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{md}"
    );
}

#[test]
fn no_name_makes_a_path_outside_the_site() {
    let (tmp, site, out) = build(&[&fixture("hostile")], &[]);
    assert!(out.status.success());
    let entries: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        entries,
        vec![std::ffi::OsString::from("site")],
        "nothing beside the site"
    );
    assert!(!Path::new("/tmp/escape").exists() && !Path::new("/tmp/testpress-escape.py").exists());
    for (rel, _) in tree(&site) {
        assert!(rel.split('/').all(|p| p != ".." && !p.is_empty()), "{rel}");
        assert!(!rel.contains('<') && !rel.contains('>'), "{rel}");
    }
    // The testbed named "../../<script>..." became one folder inside the site.
    let dirs: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    assert!(dirs.contains(&"static".to_string()));
}

#[test]
fn secrets_never_reach_the_site() {
    let (_tmp, site, out) = build(&[&fixture("hostile"), &octoprobe("synthetic")], &[]);
    assert!(out.status.success());
    let files = tree(&site);
    assert!(!files
        .keys()
        .any(|k| k.contains("github.json") || k.contains("github_debug")));
    let secrets = [
        "hunter2-Secret",
        "Tr0ub4dor-Secret",
        "ghp_0123456789",
        "ghs_0123456789",
        "ghs_",
        "xoxb-1234567890",
        "AKIAIOSFODNN7EXAMPLE",
    ];
    for (k, v) in &files {
        let text = String::from_utf8_lossy(v);
        for s in secrets {
            assert!(!text.contains(s), "{k} contains {s}");
        }
    }
    // Redacted, not dropped: the copied files still say where the secret was.
    let copied = files
        .iter()
        .find(|(k, _)| k.ends_with("EVIL,a/testresults.txt"))
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(copied.1),
        "telnet login micro / [redacted]\n[redacted]\n"
    );
    let results = files
        .iter()
        .find(|(k, _)| k.ends_with("EVIL,a/_results.json"))
        .unwrap();
    assert!(String::from_utf8_lossy(results.1).contains("\"password\": \"[redacted]\""));
    // The runner's own words around a secret stay readable.
    let pico = files
        .iter()
        .find(|(k, _)| k.ends_with("RPI_PICO_W,a/testresults.txt") && k.contains("20260901"))
        .unwrap();
    assert!(String::from_utf8_lossy(pico.1).contains("[redacted]"));
}

/// Every link in every page is relative and resolves to a file of the site, or goes to the web.
#[test]
fn pages_work_from_disk() {
    let (_tmp, site, out) = build(&[&samples()], &[]);
    assert!(out.status.success());
    let attr = regex::Regex::new(r#"(?:href|src)="([^"]*)""#).unwrap();
    let mut checked = 0;
    for (name, html) in html_files(&site) {
        assert!(!html.contains("fetch("), "{name} fetches");
        assert!(!html.contains("<script"), "{name} needs no script");
        let dir = site.join(&name).parent().unwrap().to_path_buf();
        for c in attr.captures_iter(&html) {
            let target = c[1].replace("&amp;", "&").replace("&#x27;", "'");
            if target.starts_with("https://") || target.starts_with("http://") {
                assert!(!target.contains("cdn"), "{name}: {target}");
                continue;
            }
            assert!(
                !target.starts_with('/') && !target.contains("://"),
                "{name}: {target} is not relative"
            );
            let path = target.split('#').next().unwrap();
            if path.is_empty() {
                continue;
            }
            let decoded = percent_decode(path);
            assert!(
                dir.join(&decoded).exists(),
                "{name}: {target} does not resolve"
            );
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked} links checked");
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Links from run.json (repository, PR, CI job) become links only when they are http(s), on
/// every page; a run named `tests` does not land among the history pages.
#[test]
fn run_json_links_and_names_are_safe() {
    let (_tmp, site, out) = build(&[&fixture("hostile")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (name, html) in html_files(&site) {
        assert!(!html.contains("href=\"javascript:"), "{name}");
        assert!(!html.contains("<svg onload"), "{name}");
    }
    let bed = std::fs::read_dir(&site)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.is_dir() && !p.ends_with("static"))
        .unwrap();
    assert!(
        bed.join("tests-2/index.html").is_file(),
        "the run called 'tests' gets another folder"
    );
    assert!(
        bed.join("tests").read_dir().unwrap().all(|e| e
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "html")),
        "tests/ holds history pages only"
    );
}

/// The site does not depend on how the roots were spelled on the command line.
#[test]
fn the_site_does_not_depend_on_the_spelling_of_the_root() {
    let (_t1, a, o1) = build(&[Path::new("content-samples/octoprobe/synthetic")], &[]);
    let abs = root().join("content-samples/octoprobe/synthetic");
    let (_t2, b, o2) = build(&[&abs], &[]);
    assert!(o1.status.success() && o2.status.success());
    assert!(
        tree(&a) == tree(&b),
        "relative and absolute roots give the same site"
    );
}
