//! The parse cache and incremental builds: they save time and change no byte of the site.

use std::path::Path;

use crate::support::*;

fn build_with(roots: &Path, site: &Path, cache: Option<&Path>) -> std::process::Output {
    let mut args = vec![
        "build".into(),
        roots.as_os_str().to_owned(),
        "-o".into(),
        site.as_os_str().to_owned(),
    ];
    match cache {
        Some(c) => {
            args.push("--cache-dir".into());
            args.push(c.as_os_str().to_owned());
        }
        None => args.push("--no-cache".into()),
    }
    let out = testpress(args);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

fn cache_entries(cache: &Path) -> usize {
    std::fs::read_dir(cache.join("runs")).map_or(0, |d| d.count())
}

#[test]
fn a_warm_cache_gives_the_same_site_as_reading_afresh() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let runs = generate(&data, "junit", 4, 60);
    let cache = tmp.path().join("cache");
    let (cold, warm, fresh) = (
        tmp.path().join("cold"),
        tmp.path().join("warm"),
        tmp.path().join("fresh"),
    );
    build_with(&data, &cold, Some(&cache));
    assert_eq!(cache_entries(&cache), 4, "one entry per run");
    build_with(&data, &warm, Some(&cache));
    assert_eq!(
        cache_entries(&cache),
        4,
        "read from the cache, nothing added"
    );
    build_with(&data, &fresh, None);
    let fresh_tree = tree(&fresh);
    let history = fresh_tree.keys().filter(|k| k.contains("/tests/")).count();
    assert!(history >= 2, "a site with history pages ({history})");
    assert!(tree(&cold) == fresh_tree, "cold cache: same site");
    assert!(tree(&warm) == fresh_tree, "warm cache: same site");

    // An input changes: its run is read again, and the site follows the new bytes.
    let xml = runs[1].join("junit.xml");
    let text = read(&xml);
    let first = text.find("name=\"").unwrap() + "name=\"".len();
    let renamed = format!("{}renamed_by_the_test_{}", &text[..first], &text[first..]);
    std::fs::write(&xml, renamed).unwrap();
    build_with(&data, &warm, Some(&cache));
    assert_eq!(cache_entries(&cache), 5, "a new entry for the changed run");
    build_with(&data, &fresh, None);
    let fresh_tree = tree(&fresh);
    assert!(tree(&warm) == fresh_tree, "after an edit: same site");
    assert!(fresh_tree
        .values()
        .any(|b| String::from_utf8_lossy(b).contains("renamed_by_the_test_")));
}

#[test]
fn adding_a_run_to_a_built_site_gives_the_site_of_a_full_build() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for (format, tests) in [("junit", 50), ("octoprobe", 12)] {
        let data = data.join(format);
        let runs = generate(&data, format, 5, tests);
        let cache = tmp.path().join(format!("cache-{format}"));
        let site = tmp.path().join(format!("site-{format}"));
        let held = tmp.path().join(format!("held-{format}"));
        let last = runs.last().unwrap();
        std::fs::rename(last, &held).unwrap();
        build_with(&data, &site, Some(&cache));
        let before = tree(&site);
        let inode = |rel: &str| {
            std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(site.join(rel)).unwrap())
        };
        let history: Vec<(String, u64)> = before
            .keys()
            .filter(|k| k.contains("/tests/"))
            .map(|k| (k.clone(), inode(k)))
            .collect();
        std::fs::rename(&held, last).unwrap();
        build_with(&data, &site, Some(&cache));
        // A test whose result did not change keeps its history page, the very file.
        let after = tree(&site);
        let kept = history
            .iter()
            .filter(|(k, ino)| after.get(k) == before.get(k) && inode(k) == *ino)
            .count();
        let same = history
            .iter()
            .filter(|(k, _)| after.get(k) == before.get(k))
            .count();
        assert_eq!(kept, same, "{format}: unchanged pages are not rewritten");
        assert!(
            same > 0 && same < history.len(),
            "{format}: some history pages stay as they were ({same} of {})",
            history.len()
        );
        let fresh = tmp.path().join(format!("fresh-{format}"));
        build_with(&data, &fresh, None);
        let (a, b) = (tree(&site), tree(&fresh));
        let differ: Vec<&String> = a
            .keys()
            .chain(b.keys())
            .filter(|k| a.get(*k) != b.get(*k))
            .collect();
        assert!(differ.is_empty(), "{format}: {differ:?}");
    }
}

#[test]
fn result_files_are_copied_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    generate(&data, "junit", 2, 10);
    let site = tmp.path().join("site");
    build_with(&data, &site, None);
    let run = site.join("bench/run-0000");
    assert!(run.join("run.json").is_file());
    assert!(!run.join("junit.xml").exists(), "shown in full, not copied");
    let out = testpress([
        "build".as_ref(),
        data.as_os_str(),
        "-o".as_ref(),
        site.as_os_str(),
        "--copy-results".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(run.join("junit.xml").is_file());
    assert!(read(&run.join("pytest/index.html")).contains("<a href=\"../junit.xml\">junit.xml</a>"));
}

/// Builds `roots` with `extra` twice into `site` through `cache` and once afresh, and
/// returns whether the cached site equals the fresh one.
fn same_as_fresh(tmp: &Path, data: &Path, site: &Path, cache: &Path, extra: &[&str]) -> bool {
    let run = |out: &Path, cache: Option<&Path>| {
        let mut args: Vec<std::ffi::OsString> =
            vec!["build".into(), data.into(), "-o".into(), out.into()];
        match cache {
            Some(c) => args.extend(["--cache-dir".into(), c.into()]),
            None => args.push("--no-cache".into()),
        }
        args.extend(extra.iter().map(Into::into));
        let o = testpress(args);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run(site, Some(cache));
    let fresh = tmp.join("fresh");
    let _ = std::fs::remove_dir_all(&fresh);
    run(&fresh, None);
    tree(site) == tree(&fresh)
}

#[test]
fn what_the_cache_cannot_see_is_never_taken_from_it() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let data = t.join("data");
    let runs = generate(&data, "junit", 3, 12);
    let (site, cache) = (t.join("site"), t.join("cache"));
    let xml = runs[0].join("junit.xml");
    assert!(same_as_fresh(t, &data, &site, &cache, &[]));

    // An edit of the same size whose time is set back: the change time still tells.
    let text = read(&xml);
    let old = std::fs::metadata(&xml).unwrap().modified().unwrap();
    std::fs::write(&xml, text.replacen("test_", "TEST_", 1)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&xml)
        .unwrap()
        .set_modified(old)
        .unwrap();
    assert!(
        same_as_fresh(t, &data, &site, &cache, &[]),
        "edit with old mtime"
    );

    // A linked input file: read afresh every time, so an edit of its target is seen.
    let outside = t.join("outside.xml");
    std::fs::rename(&xml, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &xml).unwrap();
    assert!(same_as_fresh(t, &data, &site, &cache, &[]));
    std::fs::write(&outside, read(&outside).replacen("TEST_", "LINKED_", 1)).unwrap();
    assert!(
        same_as_fresh(t, &data, &site, &cache, &[]),
        "edit behind a link"
    );
    std::fs::remove_file(&xml).unwrap();
    std::fs::rename(&outside, &xml).unwrap();

    // Another build into the same folder without this cache: its manifest is void.
    assert!(same_as_fresh(t, &data, &site, &cache, &[]));
    std::fs::write(&xml, read(&xml).replacen("LINKED_", "OTHER_", 1)).unwrap();
    let o = testpress([
        "build".as_ref(),
        data.as_os_str(),
        "-o".as_ref(),
        site.as_os_str(),
        "--no-cache".as_ref(),
    ]);
    assert!(o.status.success());
    std::fs::write(&xml, read(&xml).replacen("OTHER_", "LINKED_", 1)).unwrap();
    assert!(
        same_as_fresh(t, &data, &site, &cache, &[]),
        "after a --no-cache build"
    );
}

#[test]
fn the_xfail_list_and_theme_count_by_name_and_content() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let data = root().join("content-samples/history");
    let (site, cache) = (t.join("site"), t.join("cache"));
    let (a, b) = (t.join("a.json"), t.join("b.json"));
    std::fs::copy(data.join("xfail_known_bad.json"), &a).unwrap();
    std::fs::copy(&a, &b).unwrap();
    let with = |p: &Path| ["--xfail".to_string(), p.display().to_string()];
    let [f, p] = with(&a);
    assert!(same_as_fresh(t, &data, &site, &cache, &[&f, &p]));
    let [f, p] = with(&b);
    assert!(
        same_as_fresh(t, &data, &site, &cache, &[&f, &p]),
        "renamed list"
    );

    // A theme's static file replaces the default one without writing into the old site.
    let theme = t.join("theme/static");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(theme.join("testpress.css"), "body { color: red }\n").unwrap();
    let watch = t.join("watch.css");
    std::fs::hard_link(site.join("static/testpress.css"), &watch).unwrap();
    let before = read(&watch);
    let theme_arg = t.join("theme").display().to_string();
    assert!(same_as_fresh(
        t,
        &data,
        &site,
        &cache,
        &["--theme", &theme_arg]
    ));
    assert_eq!(
        read(&watch),
        before,
        "the previous site's file was not written"
    );
    assert_eq!(
        read(&site.join("static/testpress.css")),
        "body { color: red }\n"
    );
}

/// Each file of `site` by path: its modification time and inode (a rewrite changes either).
fn stamps(site: &Path) -> std::collections::BTreeMap<String, (std::time::SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(site)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().unwrap();
            let rel = e.path().strip_prefix(site).unwrap().display().to_string();
            (rel, (m.modified().unwrap(), m.ino()))
        })
        .collect()
}

fn warnings(out: &std::process::Output) -> Vec<String> {
    let err = stderr(out);
    err.lines()
        .filter(|l| l.starts_with("warning: "))
        .map(str::to_string)
        .collect()
}

/// `-o site`, `-o site/` and `-o ./site` name one site: the second build finds it as left.
#[test]
fn the_output_folder_is_known_however_it_is_spelled() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let run = samples().join("maven/ci/run-001");
    let build_to = |out: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_testpress"))
            .args([
                "build".as_ref(),
                run.as_os_str(),
                "-o".as_ref(),
                out.as_ref(),
            ])
            .arg("--cache-dir")
            .arg(&cache)
            .current_dir(tmp.path())
            .env("CI", "true")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    assert!(build_to("site").contains("built "));
    for spelling in ["site/", "./site", "site/."] {
        let err = build_to(spelling);
        assert!(err.contains("nothing changed"), "{spelling}: {err}");
    }
}

#[test]
fn a_build_with_nothing_changed_writes_nothing_and_says_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, cache) = (tmp.path().join("site"), tmp.path().join("cache"));
    // The synthetic Octoprobe runs: one has a malformed file (a warning), some fail.
    let run = |extra: &[&str]| {
        let mut args: Vec<std::ffi::OsString> = vec![
            "build".into(),
            octoprobe("synthetic").into(),
            "-o".into(),
            site.clone().into(),
            "--cache-dir".into(),
            cache.clone().into(),
        ];
        args.extend(extra.iter().map(Into::into));
        testpress(args)
    };
    let first = run(&["--fail-on", "failed"]);
    assert_eq!(first.status.code(), Some(4), "{}", stderr(&first));
    assert_eq!(warnings(&first).len(), 1, "{}", stderr(&first));
    let before = stamps(&site);
    let again = run(&["--fail-on", "failed"]);
    assert!(
        stderr(&again).contains("nothing changed"),
        "{}",
        stderr(&again)
    );
    assert_eq!(warnings(&again), warnings(&first), "the same warnings");
    assert_eq!(again.status.code(), Some(4), "the gate reads the same runs");
    assert!(stamps(&site) == before, "no file written, none replaced");
    // Exit flags are not part of the site: applied to the report kept.
    assert_eq!(run(&["--strict"]).status.code(), Some(3));
    assert_eq!(run(&[]).status.code(), Some(0));
    assert!(stamps(&site) == before);

    // An option that may change pages: built again.
    let other = run(&["--flaky-threshold", "0.9"]);
    assert!(stderr(&other).contains("built "), "{}", stderr(&other));
    // A file of the site removed, another changed: each build makes the site whole again.
    let fresh = tmp.path().join("fresh");
    let o = testpress([
        "build".as_ref(),
        octoprobe("synthetic").as_os_str(),
        "-o".as_ref(),
        fresh.as_os_str(),
        "--no-cache".as_ref(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let whole = tree(&fresh);
    let page = site.join("ch_hans_1/index.html");
    std::fs::remove_file(&page).unwrap();
    assert!(stderr(&run(&[])).contains("built "));
    assert!(tree(&site) == whole, "the removed page is back");
    let stylesheet = site.join("static/testpress.css");
    std::fs::write(&stylesheet, "body { display: none }").unwrap();
    assert!(stderr(&run(&[])).contains("built "));
    assert!(tree(&site) == whole, "the changed file is made again");
    assert!(stderr(&run(&[])).contains("nothing changed"));
    // A folder added inside the site is seen too, and gone after the rebuild.
    std::fs::create_dir(site.join("ch_hans_1/junk")).unwrap();
    assert!(stderr(&run(&[])).contains("built "));
    assert!(!site.join("ch_hans_1/junk").exists());
    // An empty site URL makes links absolute from the site's root: not the build without.
    let absolute = run(&["--site-url", ""]);
    assert!(
        stderr(&absolute).contains("built "),
        "{}",
        stderr(&absolute)
    );
}

#[test]
fn summary_reads_through_the_cache_and_keeps_its_listings() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    generate(&data, "junit", 3, 10);
    let cache = tmp.path().join("cache");
    let summary = || {
        let o = testpress([
            "summary".as_ref(),
            data.as_os_str(),
            "--run".as_ref(),
            "latest".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            "--cache-dir".as_ref(),
            cache.as_os_str(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let first = summary();
    assert_eq!(cache_entries(&cache), 3, "each run kept");
    // The listings let the next reader know unchanged files without hashing them again.
    assert!(cache.join("listings.bin").is_file());
    assert_eq!(summary(), first, "the same summary from the cache");
}

/// The run links of a page: `href`s ending in `/index.html` of rows of the runs table.
fn run_links(html: &str) -> Vec<String> {
    html.split("<tr class=\"run ")
        .skip(1)
        .map(|row| {
            let start = row.find("<a href=\"").unwrap() + "<a href=\"".len();
            row[start..start + row[start..].find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn a_testbed_of_many_runs_lists_the_newest_and_pages_the_older() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let runs = generate(&data, "junit", 1100, 10);
    let (site, cache) = (tmp.path().join("site"), tmp.path().join("cache"));
    // Without the newest 100 runs first: 1,000 runs, one page of older runs.
    let held = tmp.path().join("held");
    std::fs::create_dir(&held).unwrap();
    for r in &runs[1000..] {
        std::fs::rename(r, held.join(r.file_name().unwrap())).unwrap();
    }
    build_with(&data, &site, Some(&cache));
    let bed = site.join("bench");
    let first_page = bed.join("older/1.html");
    assert!(!bed.join("older/2.html").exists());
    let before = std::fs::metadata(&first_page).unwrap().modified().unwrap();
    for r in &runs[1000..] {
        std::fs::rename(held.join(r.file_name().unwrap()), r).unwrap();
    }
    build_with(&data, &site, Some(&cache));

    let index = read(&bed.join("index.html"));
    assert_eq!(run_links(&index).len(), 500, "the newest 500 runs");
    assert!(index.contains("<a href=\"older/1.html\">1–500</a>"));
    assert!(index.contains("<a href=\"older/2.html\">501–1000</a>"));
    assert!(
        !bed.join("older/3.html").exists(),
        "runs 1001-1100 are on the testbed page"
    );
    let mut seen = std::collections::BTreeSet::new();
    for link in run_links(&index) {
        assert!(bed.join(&link).is_file(), "{link}");
        seen.insert(link);
    }
    for k in 1..=2 {
        let page = read(&bed.join(format!("older/{k}.html")));
        let links = run_links(&page);
        assert_eq!(links.len(), 500);
        for link in links {
            let target = bed.join("older").join(&link);
            assert!(target.is_file(), "{link}");
            seen.insert(link.trim_start_matches("../").to_string());
        }
        assert!(page.len() < 2_000_000 && index.len() < 2_000_000);
    }
    // Runs 601-1000 are on page 2 and on the testbed page: pages of older runs stay full.
    assert_eq!(seen.len(), 1100, "every run on a page");
    // Page 1 was full before the new runs (and page 2 came after it): the very same file.
    let after = std::fs::metadata(&first_page).unwrap().modified().unwrap();
    assert_eq!(before, after, "a full page of older runs is not rewritten");
    assert!(read(&bed.join("older/2.html")).contains("runs 501–1000"));
}

#[test]
fn unused_entries_are_removed_with_one_look_a_day() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    generate(&data, "junit", 2, 10);
    let (site, cache) = (tmp.path().join("site"), tmp.path().join("cache"));
    let age = |path: &Path, days: u64| {
        let when = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    };
    let stale = |name: &str| {
        let path = cache.join("runs").join(name);
        std::fs::write(&path, b"from an old build").unwrap();
        age(&path, 15);
        path
    };
    build_with(&data, &site, Some(&cache));
    assert_eq!(cache_entries(&cache), 2, "this build's runs");
    // The first build looked already: a day has not passed, nothing is looked at.
    let old = stale("old-1");
    build_with(&data, &site, Some(&cache));
    assert!(old.exists(), "no second look the same day");
    // A day later: entries unused for 15 days go, the ones in use stay.
    age(&cache.join("pruned"), 2);
    build_with(&data, &site, Some(&cache));
    assert!(!old.exists(), "unused for 15 days");
    assert_eq!(cache_entries(&cache), 2);
}
