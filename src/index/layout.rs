//! Which history page shows each test: one page per test module (the part of a test's name
//! before `::`, else its folder, else the whole test group), cut into parts by a hash of
//! the test's name when the module would make a large page.
//!
//! A test's link (`tests/<page>.html#<anchor>`) follows from its name and the number of
//! parts of its module alone, so a run page rendered in an earlier build still links right
//! while no module changes its number of parts: [`Layout::digest`] says when one did.

use std::collections::{BTreeMap, HashSet};

use xxhash_rust::xxh3::Xxh3;

use super::history::{Sample, State, TestKey};
use crate::paths;

/// What a history page is planned to hold, by estimated bytes: a part holds about this much.
const PART_BYTES: usize = 300_000;

/// Most streaks a test's strip draws; the earlier ones are one block. With these two, what
/// a variant adds to its page is bounded however many runs the testbed has: a test that
/// flipped every run for years would otherwise make a section (never split) of megabytes.
pub const STRIP_STREAKS: usize = 300;

/// Most points a test's runtime chart draws: the newest runs.
pub const CHART_POINTS: usize = 300;

/// One history page: a module of a test group, or one part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    pub testgroup: String,
    /// The tests' common prefix ("" when their names have none).
    pub module: String,
    /// 0-based part, of `parts`.
    pub part: usize,
    pub parts: usize,
    /// (test, anchor) in name order.
    pub tests: Vec<(String, String)>,
}

#[derive(Debug, Default)]
pub struct Layout {
    /// Link of each (testgroup, test), relative to the testbed folder.
    pub links: BTreeMap<(String, String), String>,
    /// The pages by path relative to the testbed folder (`tests/<name>.html`).
    pub pages: BTreeMap<String, HistoryPage>,
    /// Of all that links depend on beyond the tests' names: the modules cut into parts and
    /// the names that had to change because two hashes met.
    pub digest: u64,
}

/// The module of a test: `tests/test_api.py` of `tests/test_api.py::TestA::test_b`,
/// `pkg.FooTest` of the JUnit `pkg.FooTest::testBar`, `basics` of `basics/int_big.py`.
pub fn module_of(test: &str) -> &str {
    // Not inside a parameter id: `test_route[/api/v1]` has no folder.
    let head = &test[..test.find('[').unwrap_or(test.len())];
    if let Some(i) = head.find("::") {
        &test[..i]
    } else if let Some(i) = head.rfind('/').filter(|_| is_path_like(head)) {
        &test[..i]
    } else {
        ""
    }
}

/// `basics/int_big.py` (a file in a folder) and `TestParse/plain` (a Go subtest) name their
/// module before the slash; a display name such as `GET /api returns 200`, or one with a
/// `</script>` in it, does not.
fn is_path_like(name: &str) -> bool {
    !name.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')'))
}

/// The test's name within its module, for display.
pub fn name_in_module<'a>(test: &'a str, module: &str) -> &'a str {
    if module.is_empty() {
        return test;
    }
    test.strip_prefix(module)
        .map(|rest| rest.trim_start_matches("::").trim_start_matches('/'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(test)
}

/// What one key (variant) of a test adds to its page, roughly, in bytes: its row of facts,
/// a block per streak, the latest failure and a runtime chart (calibrated on the demo site,
/// whose larger pages come out within 20 % of it).
fn weight(samples: &[Sample], perf_points: usize) -> usize {
    let mut streaks = 0;
    let mut last = None;
    let mut failure = 0;
    for s in samples {
        let state = s.state();
        if last != Some(state) {
            streaks += 1;
            last = Some(state);
        }
        if matches!(state, State::Fail | State::Flaky) {
            failure = 300 + s.text.len().min(2000) * 11 / 10;
        }
    }
    650 + 140 * streaks.min(STRIP_STREAKS + 1) + failure + 170 * perf_points.min(CHART_POINTS)
}

impl Layout {
    /// Plans the history pages of a testbed's tests; `perf` counts each key's runtime points.
    pub fn plan(
        tests: &BTreeMap<TestKey, Vec<Sample>>,
        perf: impl Fn(&TestKey) -> usize,
    ) -> Layout {
        // (testgroup, module) -> (weight, tests in name order)
        let mut modules: BTreeMap<(&str, &str), (usize, Vec<&str>)> = BTreeMap::new();
        for (k, samples) in tests {
            let m = modules
                .entry((&k.testgroup, module_of(&k.test)))
                .or_default();
            m.0 += weight(samples, perf(k));
            if m.1.last() != Some(&k.test.as_str()) {
                // The test's heading and source link.
                m.0 += 250 + k.test.len();
                m.1.push(&k.test);
            }
        }
        let mut layout = Layout::default();
        let mut digest = Xxh3::new();
        let mut taken = HashSet::new();
        for ((testgroup, module), (bytes, names)) in modules {
            // Never more parts than tests: a few heavy tests (runtime charts on many
            // boards) would leave most parts empty.
            let most = 1usize << names.len().max(1).ilog2();
            let parts = bytes
                .div_ceil(PART_BYTES)
                .max(1)
                .next_power_of_two()
                .min(most);
            let base = paths::short_hash(&[testgroup, module]);
            if parts > 1 {
                digest.update(format!("{testgroup}\0{module}\0{parts}\0").as_bytes());
            }
            // One hash per test: its low bits pick the part, its high ones name the anchor.
            let mut part_tests: Vec<Vec<(&str, u64)>> = vec![Vec::new(); parts];
            for name in names {
                let hash = paths::stable_hash(&[testgroup, name]);
                part_tests[(hash % parts as u64) as usize].push((name, hash));
            }
            for (part, names) in part_tests.into_iter().enumerate() {
                if names.is_empty() {
                    continue;
                }
                let name = if parts > 1 {
                    format!("{base}-{}", part + 1)
                } else {
                    base.clone()
                };
                let slug = paths::unique_slug(&name, &mut taken);
                if slug != name {
                    digest.update(format!("{testgroup}\0{module}\0{part}\0{slug}\0").as_bytes());
                }
                let file = format!("tests/{slug}.html");
                let mut anchors = HashSet::new();
                let mut list = Vec::with_capacity(names.len());
                for (test, hash) in names {
                    let want = paths::short_hex(hash);
                    let anchor = paths::unique_slug(&want, &mut anchors);
                    if anchor != want {
                        digest.update(format!("{testgroup}\0{test}\0{anchor}\0").as_bytes());
                    }
                    layout.links.insert(
                        (testgroup.to_string(), test.to_string()),
                        format!("{file}#{anchor}"),
                    );
                    list.push((test.to_string(), anchor));
                }
                layout.pages.insert(
                    file,
                    HistoryPage {
                        testgroup: testgroup.to_string(),
                        module: module.to_string(),
                        part,
                        parts,
                        tests: list,
                    },
                );
            }
        }
        digest.update(&[u8::from(!layout.pages.is_empty())]);
        layout.digest = digest.digest();
        layout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_come_from_the_name() {
        assert_eq!(
            module_of("tests/test_api.py::TestA::test_b[x/y]"),
            "tests/test_api.py"
        );
        assert_eq!(module_of("pkg.FooTest::testBar"), "pkg.FooTest");
        assert_eq!(module_of("basics/int_big.py"), "basics");
        assert_eq!(module_of("Cart add rejects a negative price"), "");
        assert_eq!(module_of("test_route[/api/v1]"), "");
        assert_eq!(module_of("api/test_route[/v1::x]"), "api");
        assert_eq!(module_of("TestParse/plain"), "TestParse");
        // Display names with slashes are not paths.
        assert_eq!(module_of("GET /api/v1 returns 200"), "");
        assert_eq!(module_of("test<script>alert(1)</script> \"q\""), "");
        assert_eq!(
            name_in_module("pkg.FooTest::testBar", "pkg.FooTest"),
            "testBar"
        );
        assert_eq!(name_in_module("basics/int_big.py", "basics"), "int_big.py");
        assert_eq!(name_in_module("plain", ""), "plain");
    }

    fn key(group: &str, test: &str, variant: &str) -> TestKey {
        TestKey {
            testgroup: group.into(),
            test: test.into(),
            variant: variant.into(),
            role: String::new(),
        }
    }

    fn pass(run: usize) -> Sample {
        Sample {
            run,
            outcomes: [crate::model::Outcome::Passed].into_iter().collect(),
            text: String::new(),
            tentacle: "t".into(),
        }
    }

    #[test]
    fn a_module_is_one_page_with_an_anchor_per_test() {
        let mut tests = BTreeMap::new();
        for t in ["m::a", "m::b", "n::c"] {
            for v in ["x", "y"] {
                tests.insert(key("g", t, v), vec![pass(0), pass(1)]);
            }
        }
        let l = Layout::plan(&tests, |_| 0);
        assert_eq!(l.pages.len(), 2);
        assert_eq!(l.links.len(), 3);
        let (a, b) = (
            &l.links[&("g".into(), "m::a".into())],
            &l.links[&("g".into(), "m::b".into())],
        );
        assert_eq!(
            a.split('#').next(),
            b.split('#').next(),
            "same module, same page"
        );
        assert_eq!(
            a.split('#').nth(1).unwrap(),
            paths::short_hash(&["g", "m::a"])
        );
        let page = &l.pages[a.split('#').next().unwrap()];
        assert_eq!(page.module, "m");
        assert_eq!(page.tests.len(), 2);
    }

    #[test]
    fn a_large_module_is_cut_by_hash_and_the_digest_says_so() {
        let mut small = BTreeMap::new();
        let mut large = BTreeMap::new();
        for i in 0..2000 {
            let t = format!("m::t{i:04}");
            if i < 200 {
                small.insert(key("g", &t, ""), vec![pass(0)]);
            }
            large.insert(key("g", &t, ""), vec![pass(0)]);
            for v in 0..16 {
                large.insert(key("g", &t, &format!("v{v}")), vec![pass(0)]);
            }
        }
        let (s, l) = (Layout::plan(&small, |_| 0), Layout::plan(&large, |_| 0));
        assert_eq!(s.pages.len(), 1);
        assert!(l.pages.len() > 1, "{}", l.pages.len());
        assert!(l.pages.len().is_power_of_two());
        assert_ne!(s.digest, l.digest);
        // A test's part follows from its name: adding tests moves none.
        let mut more = large.clone();
        more.insert(key("g", "m::zzz", ""), vec![pass(0)]);
        let m = Layout::plan(&more, |_| 0);
        assert_eq!(m.digest, l.digest);
        for (k, link) in &l.links {
            assert_eq!(&m.links[k], link);
        }
    }
}
