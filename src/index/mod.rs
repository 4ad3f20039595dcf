//! The cross-run index: runs grouped by testbed, newest first, each with its summary, the
//! testbed's test histories, and each run's comparison with its baseline.

pub mod group_pages;
pub mod history;
pub mod layout;
pub mod rankings;

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;

use crate::model::Run;
use crate::paths;
use crate::summary::{summarize, Summary};

pub struct Testbed {
    pub name: String,
    pub slug: String,
    /// Indexes into `Index::runs`, newest first.
    pub runs: Vec<usize>,
}

pub struct Index {
    pub runs: Vec<Run>,
    pub summaries: Vec<Summary>,
    pub testbeds: Vec<Testbed>,
    /// One per testbed, in the same order.
    pub histories: Vec<history::TestbedHistory>,
    /// One per run.
    pub comparisons: Vec<history::Comparison>,
    /// One per testbed.
    pub rankings: Vec<rankings::Rankings>,
}

impl Index {
    /// Sorts runs into testbeds. Run slugs are made unique within their testbed.
    pub fn build(runs: Vec<Run>) -> Index {
        Self::build_with(runs, &history::CompareOptions::default())
    }

    pub fn build_with(mut runs: Vec<Run>, opts: &history::CompareOptions) -> Index {
        // A stable order whatever order the parallel reader delivered.
        runs.sort_by(|a, b| a.path.cmp(&b.path));
        let mut by_testbed: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in runs.iter().enumerate() {
            by_testbed.entry(r.testbed.clone()).or_default().push(i);
        }
        let mut testbed_slugs = HashSet::from(["static".to_string()]);
        let mut testbeds = Vec::new();
        for (name, mut idx) in by_testbed {
            idx.sort_by_key(|&i| {
                let r = &runs[i];
                (
                    Reverse(r.time_start.as_ref().and_then(|t| t.epoch)),
                    Reverse(r.id.clone()),
                    r.path.clone(),
                )
            });
            // `tests/` holds the testbed's history pages, `older/` its older runs.
            let mut run_slugs = HashSet::from(["tests".to_string(), "older".to_string()]);
            // Oldest first: a run keeps its folder when a newer run of a like id comes.
            for &i in idx.iter().rev() {
                let s = paths::unique_slug(&runs[i].id, &mut run_slugs);
                runs[i].slug = s;
            }
            testbeds.push(Testbed {
                slug: paths::unique_slug(&name, &mut testbed_slugs),
                name,
                runs: idx,
            });
        }
        // Independent parts side by side: one testbed alone still keeps both cores busy.
        let (mut summaries, histories): (Vec<Summary>, Vec<history::TestbedHistory>) = rayon::join(
            || runs.par_iter().map(summarize).collect(),
            || {
                testbeds
                    .par_iter()
                    .map(|t| {
                        history::TestbedHistory::build(
                            &runs,
                            t.runs.iter().rev().copied().collect(),
                        )
                    })
                    .collect()
            },
        );
        for (t, h) in testbeds.iter().zip(&histories) {
            for &i in &t.runs {
                for m in &mut summaries[i].matrices {
                    for r in &mut m.rows {
                        let page = h.page(&m.testgroup, &r.test);
                        r.history = (!page.is_empty()).then_some(page);
                    }
                }
            }
        }
        let mut comparisons = vec![history::Comparison::default(); runs.len()];
        let pos = history::positions(&runs, &histories);
        let (computed, rankings): (Vec<(usize, history::Comparison)>, Vec<rankings::Rankings>) =
            rayon::join(
                || {
                    histories
                        .par_iter()
                        .flat_map(|h| {
                            let bases = history::baselines(&runs, h, opts);
                            let streaks = history::Streaks::new(h, &bases, &pos);
                            h.runs
                                .par_iter()
                                .zip(bases)
                                .map(|(&i, base)| {
                                    (i, history::compare(&runs, h, i, base, &streaks, opts))
                                })
                                .collect::<Vec<_>>()
                        })
                        .collect()
                },
                || {
                    histories
                        .par_iter()
                        .map(|h| rankings::rank(&runs, h, opts.window))
                        .collect()
                },
            );
        for (i, c) in computed {
            comparisons[i] = c;
        }
        Index {
            runs,
            summaries,
            testbeds,
            histories,
            comparisons,
            rankings,
        }
    }

    /// The testbed a run belongs to, by position.
    pub fn testbed_of(&self, run: usize) -> usize {
        self.testbeds
            .iter()
            .position(|t| t.runs.contains(&run))
            .expect("every run is in a testbed")
    }
}
