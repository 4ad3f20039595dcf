//! Rankings over a time window: the most failing tests, test groups, boards and PRs of a
//! testbed, each with its failure count and run count.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::history::TestbedHistory;
use crate::model::{GroupState, Run};

#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    pub name: String,
    /// Runs in which it failed.
    pub failures: usize,
    /// Runs in which it ran.
    pub runs: usize,
    /// A page of the site, relative to the testbed folder.
    pub href: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Rankings {
    pub tests: Vec<RankRow>,
    pub groups: Vec<RankRow>,
    pub boards: Vec<RankRow>,
    pub prs: Vec<RankRow>,
    /// How many runs the window holds.
    pub runs: usize,
}

/// The time window (`--since`, `--until`), as epoch seconds; open ends are `None`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Window {
    pub fn contains(&self, run: &Run) -> bool {
        let t = run.time_start.as_ref().and_then(|t| t.epoch);
        match t {
            // A run without a known time is only left out by a window that is set.
            None => self.since.is_none() && self.until.is_none(),
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u),
        }
    }
}

const TOP: usize = 20;

/// A set of run indexes as bits: a tally touches it once per sample.
#[derive(Default)]
struct RunSet(Vec<u64>);

impl RunSet {
    fn insert(&mut self, i: usize) {
        let w = i / 64;
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << (i % 64);
    }

    fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

/// Per name: the runs where it failed, and the runs where it ran.
type Tally = BTreeMap<String, (RunSet, RunSet)>;

fn rows(counts: Tally, href: impl Fn(&str) -> Option<String>) -> Vec<RankRow> {
    let mut v: Vec<RankRow> = counts
        .into_iter()
        .map(|(name, (fail, ran))| (name, fail.len(), ran.len()))
        .filter(|&(_, fail, _)| fail > 0)
        .map(|(name, failures, runs)| RankRow {
            href: href(&name),
            name,
            failures,
            runs,
        })
        .collect();
    v.sort_by(|a, b| b.failures.cmp(&a.failures).then(a.name.cmp(&b.name)));
    v.truncate(TOP);
    v
}

pub fn rank(all: &[Run], h: &TestbedHistory, window: Window) -> Rankings {
    let in_window: BTreeSet<usize> = h
        .runs
        .iter()
        .copied()
        .filter(|&i| window.contains(&all[i]))
        .collect();
    let (mut tests, mut groups, mut boards, mut prs): (Tally, Tally, Tally, Tally) =
        Default::default();
    let mut test_pages = BTreeMap::new();
    let all_in = window.since.is_none() && window.until.is_none();
    for (key, samples) in &h.tests {
        // The group before the test, unless the test's name starts with it already (pytest's
        // `tests/test_a.py::test_b` in group `tests/test_a.py`, Jest's `Cart add` in `Cart`).
        let name = if key.test.starts_with(key.testgroup.as_str()) {
            key.test.clone()
        } else {
            format!("{} {}", key.testgroup, key.test)
        };
        test_pages.insert(name.clone(), h.page(&key.testgroup, &key.test));
        // One entry per key and tally (not per sample): runs are added to it below.
        let mut entries = Vec::with_capacity(3);
        for (tally, k) in [
            (&mut tests, name),
            (&mut groups, key.testgroup.clone()),
            (&mut boards, key.variant.clone()),
        ] {
            // Runs outside Octoprobe have no board: no row with an empty name.
            if !k.is_empty() {
                entries.push(tally.entry(k).or_default());
            }
        }
        for s in samples
            .iter()
            .filter(|s| all_in || in_window.contains(&s.run))
        {
            let failing = s.failing();
            for e in entries.iter_mut() {
                e.1.insert(s.run);
                if failing {
                    e.0.insert(s.run);
                }
            }
        }
    }
    // Group attempts that errored count as failures of their group and board.
    for &i in &in_window {
        for g in &all[i].groups {
            if let GroupState::Errored(_) = g.state {
                for (tally, k) in [
                    (&mut groups, g.testgroup.clone()),
                    (&mut boards, g.board_variant.clone()),
                ] {
                    if k.is_empty() {
                        continue;
                    }
                    let e = tally.entry(k).or_default();
                    e.0.insert(i);
                    e.1.insert(i);
                }
            }
        }
        if let Some(pr) = all[i].pr_url() {
            let failing = all[i].groups.iter().any(|g| {
                matches!(g.state, GroupState::Errored(_))
                    || g.results.iter().any(|t| t.outcome.is_failure())
            });
            let e = prs.entry(pr).or_default();
            e.1.insert(i);
            if failing {
                e.0.insert(i);
            }
        }
    }
    Rankings {
        tests: rows(tests, |n| test_pages.get(n).cloned()),
        groups: rows(groups, |_| None),
        boards: rows(boards, |_| None),
        prs: rows(prs, |n| n.starts_with("http").then(|| n.to_string())),
        runs: in_window.len(),
    }
}
