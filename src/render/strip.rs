//! History strips: a test's runs as streaks of one result, oldest first, each a link to
//! its first run. The streak still going is drawn open-ended, without its length, so that a
//! new run with the same result leaves the page as it was: a rebuild rewrites only the
//! history pages of tests whose result changed, and a published site's diff stays small.

use std::fmt::Write;

use crate::index::layout::STRIP_STREAKS;
use crate::index::Index;
use crate::model::Outcome;
use crate::paths::url_path;
use crate::render::html::escape_html;

/// A run as a strip shows it: its link from a history page and its name in tooltips,
/// both escaped already.
pub struct RunLabel {
    pub href: String,
    pub title: String,
    /// The run of a pull request: listed apart from the strip, which shows the testbed's
    /// own history (unless it has only PR runs).
    pub pr: bool,
}

/// The labels of a testbed's runs, oldest first, made once for all its history pages.
pub fn run_labels(idx: &Index, t: usize) -> Vec<RunLabel> {
    let h = &idx.histories[t];
    let only_prs = h.lineages.iter().all(|l| l.pr);
    h.runs
        .iter()
        .zip(&h.lineages)
        .map(|(&i, lineage)| {
            let r = &idx.runs[i];
            // The date is enough in a tooltip; the run page has the rest.
            let when: String = r
                .time_start
                .as_ref()
                .map(|t| t.display().chars().take(16).collect())
                .unwrap_or_default();
            let title = match when.as_str() {
                "" => r.id.clone(),
                _ => format!("{} {when}", r.id),
            };
            RunLabel {
                href: escape_html(&format!("../{}/index.html", url_path(&r.slug))),
                title: escape_html(&title),
                pr: lineage.pr && !only_prs,
            }
        })
        .collect()
}

/// One run of a test.
pub struct Cell<'a> {
    /// `pass`, `fail`, `flaky`, `known`, `skip` or `none` (the test did not run).
    pub class: &'static str,
    /// The outcomes of its attempts; none when it did not run.
    pub outcomes: &'a [Outcome],
    pub run: &'a RunLabel,
}

/// What a streak's class says in words.
pub fn word(class: &str) -> &'static str {
    match class {
        "pass" => "pass",
        "fail" => "FAIL",
        "flaky" => "failed and passed",
        "known" => "known (xfail)",
        "skip" => "skipped",
        _ => "did not run",
    }
}

/// The outcomes of a run's attempts in words (escaped: an unknown one is the input's own).
fn said(outcomes: &[Outcome]) -> String {
    if outcomes.is_empty() {
        return "did not run".to_string();
    }
    outcomes
        .iter()
        .map(|o| escape_html(o.short()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Widest a finished streak is drawn, in pixels; its tooltip gives the count.
const MAX_WIDTH: usize = 600;

/// The streaks of `cells` as `[first, last]` index pairs, oldest first.
pub fn streaks(cells: &[Cell]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        match out.last_mut() {
            Some((first, last)) if cells[*first].class == c.class => *last = i,
            _ => out.push((i, i)),
        }
    }
    out
}

/// The strip of `cells` (one per run of the testbed, oldest first), whose [`streaks`] are
/// `all`: the newest [`STRIP_STREAKS`] streaks, after one block for all earlier runs when
/// there are more.
pub fn strip(cells: &[Cell], all: &[(usize, usize)]) -> String {
    let hidden = all.len().saturating_sub(STRIP_STREAKS);
    let mut s = String::with_capacity(all.len().min(STRIP_STREAKS + 1) * 120 + 40);
    s.push_str("<div class=\"strip\" role=\"group\" aria-label=\"runs, oldest first\">");
    if hidden > 0 {
        let (first, last) = (all[0].0, all[hidden - 1].1);
        let _ = write!(
            s,
            "<a class=\"s-earlier\" href=\"{}\" title=\"{} to {}: {} earlier runs in {hidden} streaks, not drawn\"></a>",
            cells[first].run.href,
            cells[first].run.title,
            cells[last].run.title,
            last - first + 1,
        );
    }
    for (k, &(first, last)) in all.iter().enumerate().skip(hidden) {
        let c = &cells[first];
        let n = last - first + 1;
        let open = k + 1 == all.len();
        let (title, style) = if open {
            (
                format!("since {}: {}", c.run.title, word(c.class)),
                String::new(),
            )
        } else if n == 1 {
            (
                format!("{}: {}", c.run.title, said(c.outcomes)),
                String::new(),
            )
        } else {
            (
                format!(
                    "{} to {}: {}, {n} runs",
                    c.run.title,
                    cells[last].run.title,
                    word(c.class)
                ),
                // A cell is 8 pixels with 2 between cells.
                format!(" style=\"width:{}px\"", (n * 10 - 2).min(MAX_WIDTH)),
            )
        };
        let _ = write!(
            s,
            "<a class=\"s-{}{}\"{style} href=\"{}\" title=\"{title}\"></a>",
            c.class,
            if open { " open" } else { "" },
            c.run.href,
        );
    }
    s.push_str("</div>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(n: usize) -> RunLabel {
        RunLabel {
            href: format!("../run-{n}/index.html"),
            title: format!("run-{n}"),
            pr: false,
        }
    }

    /// The strip of these cells.
    fn drawn(cells: &[Cell]) -> String {
        strip(cells, &streaks(cells))
    }

    fn cells<'a>(labels: &'a [RunLabel], classes: &[&'static str]) -> Vec<Cell<'a>> {
        classes
            .iter()
            .zip(labels)
            .map(|(&class, run)| Cell {
                class,
                outcomes: match class {
                    "none" => &[],
                    "fail" => &[Outcome::Failed],
                    "flaky" => &[Outcome::Failed, Outcome::Passed],
                    _ => &[Outcome::Passed],
                },
                run,
            })
            .collect()
    }

    #[test]
    fn a_run_with_the_same_result_leaves_the_strip_as_it_was() {
        let labels: Vec<RunLabel> = (0..6).map(label).collect();
        let before = drawn(&cells(&labels, &["none", "pass", "fail", "fail", "pass"]));
        let after = drawn(&cells(
            &labels,
            &["none", "pass", "fail", "fail", "pass", "pass"],
        ));
        assert_eq!(before, after);
        assert!(after.contains("title=\"run-2 to run-3: FAIL, 2 runs\""));
        assert!(after.contains("class=\"s-pass open\" href=\"../run-4/index.html\""));
        // A new result ends the open streak: it gets its length, and a new one opens.
        let changed = drawn(&cells(
            &labels,
            &["none", "pass", "fail", "fail", "pass", "flaky"],
        ));
        assert_ne!(before, changed);
        assert!(changed.contains("title=\"run-4: pass\""));
        assert!(changed.contains("title=\"run-0: did not run\""));
        assert!(changed.contains("title=\"since run-5: failed and passed\""));
    }

    #[test]
    fn a_long_strip_draws_its_newest_streaks_after_one_block() {
        let n = 2 * STRIP_STREAKS + 11;
        let labels: Vec<RunLabel> = (0..n).map(label).collect();
        // Every run flips: one streak per run.
        let classes: Vec<&'static str> = (0..n)
            .map(|i| if i % 2 == 0 { "pass" } else { "fail" })
            .collect();
        let s = drawn(&cells(&labels, &classes));
        assert_eq!(s.matches("<a ").count(), STRIP_STREAKS + 1);
        let hidden = n - STRIP_STREAKS;
        assert!(s.contains(&format!(
            "<a class=\"s-earlier\" href=\"../run-0/index.html\" title=\"run-0 to run-{}: {hidden} earlier runs in {hidden} streaks, not drawn\"></a>",
            hidden - 1
        )));
        assert!(s.contains(&format!("title=\"run-{hidden}: ")));
        assert!(!s.contains(&format!("title=\"run-{}: ", hidden - 1)));
        assert!(s.contains(&format!("title=\"since run-{}: ", n - 1)));
        // At the limit, no block.
        let s = drawn(&cells(&labels[..STRIP_STREAKS], &classes[..STRIP_STREAKS]));
        assert!(!s.contains("s-earlier"));
        assert_eq!(s.matches("<a ").count(), STRIP_STREAKS);
    }

    #[test]
    fn streaks_split_where_the_result_changes() {
        let labels: Vec<RunLabel> = (0..5).map(label).collect();
        let c = cells(&labels, &["pass", "pass", "fail", "pass", "pass"]);
        assert_eq!(streaks(&c), [(0, 1), (2, 2), (3, 4)]);
        assert!(streaks(&[]).is_empty());
    }
}
