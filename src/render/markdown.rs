//! `octoprobe_summary_report.md` and the shorter `octoprobe_pr_report.md`, as mptest writes them,
//! with links that work.

use std::fmt::Write;

use crate::index::history::{Comparison, Finding};
use crate::ingest::time::format_duration;
use crate::model::{GitRef, GroupState, Run};
use crate::render::links;
use crate::summary::{group_info, Counts, Matrix, Summary};

/// GitHub's limit for a comment is 65,536 characters; stay clear of it.
pub const PR_REPORT_LIMIT: usize = 65_000;

/// Where links into the site point: relative to the run folder, or absolute under `--site-url`.
#[derive(Debug, Clone)]
pub struct LinkBase {
    /// "" (relative), or the run folder's URL, ending in '/'.
    base: String,
    /// How much of `base` is the site's own URL: `../` never climbs above it.
    root: usize,
}

impl LinkBase {
    /// `site_url` + the run's path in the site, or "" (relative).
    pub fn new(site_url: Option<&str>, run_path: &str) -> LinkBase {
        match site_url {
            Some(u) => {
                let root = format!("{}/", u.trim_end_matches('/'));
                LinkBase {
                    root: root.len(),
                    base: format!("{root}{run_path}/"),
                }
            }
            None => LinkBase {
                base: String::new(),
                root: 0,
            },
        }
    }

    /// `rel` (a path from the run folder) as a link; under a site URL its `../` are resolved,
    /// since a URL that keeps them reads as broken and some chat clients do not resolve them.
    fn to(&self, rel: &str) -> String {
        if self.base.is_empty() {
            return rel.to_string();
        }
        let mut end = self.base.len();
        let mut rel = rel;
        while let Some(rest) = rel.strip_prefix("../") {
            if end <= self.root {
                break;
            }
            // The last segment of base[..end] (which ends in '/') goes.
            end = self.base[..end - 1].rfind('/').map_or(self.root, |i| i + 1);
            rel = rest;
        }
        format!("{}{rel}", &self.base[..end.max(self.root)])
    }
}

/// Backslash-escapes what markdown would interpret, and HTML-escapes the rest.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '[' | ']' | '*' | '_' | '`' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("&#124;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Text for a `<code>` element inside a table cell.
fn code_cell(s: &str) -> String {
    let escaped = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "&#124;")
        .replace('`', "&#96;")
        .replace('\r', "")
        .replace('\n', "<br>");
    format!("<code>{escaped}</code>")
}

/// A URL inside `(...)`: no spaces, parentheses or angle brackets survive.
fn url(u: &str) -> String {
    u.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

/// Only `http(s)` links from the inputs are written as links.
fn is_web(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

fn hidezero(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        n.to_string()
    }
}

fn git_line(out: &mut String, title: &str, r: &GitRef) {
    let _ = write!(out, "* {title}: ");
    match r.url_link.as_ref().filter(|l| is_web(l)) {
        Some(link) => {
            let _ = write!(out, "[{}]({})", md_escape(&r.spec), url(link));
        }
        None => out.push_str(&md_escape(&r.spec)),
    }
    if let (Some(short), Some(link)) = (r.short_commit(), r.commit_url()) {
        let what = if r.rebased {
            format!("rebased on {short}")
        } else {
            short
        };
        let _ = write!(out, " [{}]({})", md_escape(&what), url(&link));
    }
    out.push('\n');
    if let Some(log) = &r.log {
        out.push_str("  <details><summary>git log</summary>\n\n");
        for line in log.lines() {
            let _ = writeln!(out, "  * {}", md_escape(line));
        }
        out.push_str("\n  </details>\n");
    }
}

fn ms_per_test(run: &Run, total: &Counts) -> Option<u64> {
    let secs = run.duration_s()?;
    let tests = total.tests();
    (secs > 0 && tests > 0).then(|| (secs as u64 * 1000) / tests)
}

fn duration_line(run: &Run, total: &Counts) -> Option<String> {
    let secs = run.duration_s()?;
    let mut s = format_duration(secs);
    if let Some(ms) = ms_per_test(run, total) {
        let _ = write!(s, ", {} tests, {ms}ms/test", total.tests());
    }
    Some(s)
}

/// A CI run's testbed and job as the reports name them: `calc, job test` (or `calc`).
fn testbed_and_job(run: &Run) -> String {
    if run.testbed_name.is_empty() {
        md_escape(&run.testbed)
    } else {
        format!(
            "{}, job {}",
            md_escape(&run.testbed),
            md_escape(&run.testbed_name)
        )
    }
}

fn header(out: &mut String, run: &Run, s: &Summary, base: &LinkBase) {
    if !run.error.is_empty() {
        let _ = writeln!(out, "* **Error: {}**", md_escape(&run.error));
    }
    if !run.problems.is_empty() {
        let _ = writeln!(
            out,
            "* **Input problems: {}** (see [the run page]({}))",
            run.problems.len(),
            url(&base.to("index.html"))
        );
    }
    if !run.trigger.is_empty() {
        let _ = writeln!(out, "* Trigger: {}", md_escape(&run.trigger));
    }
    if run.format == "octoprobe" || run.testbed_name.is_empty() {
        let _ = writeln!(
            out,
            "* Testbed: {} {}",
            md_escape(&run.testbed),
            md_escape(&run.testbed_name)
        );
    } else {
        let _ = writeln!(out, "* Testbed: {}", testbed_and_job(run));
    }
    let raw = |t: &Option<crate::ingest::time::Timestamp>| {
        t.as_ref()
            .map(|t| t.raw.clone())
            .unwrap_or_else(|| "unknown".into())
    };
    let _ = writeln!(
        out,
        "* Start - End: {} - {}",
        md_escape(&raw(&run.time_start)),
        md_escape(&raw(&run.time_end))
    );
    if let Some(d) = duration_line(run, &s.total) {
        let _ = writeln!(out, "* Duration: {d}");
    }
    if let Some(x) = &run.xfail {
        let _ = writeln!(out, "* XFail: {}", md_escape(x));
    }
    if let Some(pr) = run.pr_url().filter(|u| is_web(u)) {
        let _ = writeln!(out, "* PR: {}", url(&pr));
    }
    if let Some(r) = &run.ref_firmware {
        git_line(out, "Repo Firmware", r);
    }
    if let Some(r) = &run.ref_tests {
        let title = if run.format == "octoprobe" {
            "Repo Tests"
        } else {
            "Repository"
        };
        git_line(out, title, r);
    }
    let _ = writeln!(
        out,
        "* Report: [run page]({}), [summary.json]({})",
        url(&base.to("index.html")),
        url(&base.to("summary.json"))
    );
    for p in run.paths.iter().filter(|p| p.inside) {
        let _ = writeln!(
            out,
            "* {}: [{}]({})",
            md_escape(&p.label),
            md_escape(&p.target),
            url(&base.to(&crate::paths::url_path(&p.target)))
        );
    }
}

fn group_link(testgroup: &str, run: &Run) -> String {
    let (_, label, runner) = group_info(testgroup);
    let label = md_escape(label.unwrap_or(testgroup));
    let runner_url = runner.and_then(|r| {
        let g = run.ref_tests.as_ref()?;
        if !g.repo_url.starts_with("https://github.com/") {
            return None;
        }
        let rev = g.commit.as_ref().or(g.branch.as_ref())?;
        Some(format!("{}/blob/{}/{}", g.repo_url, rev, r))
    });
    match runner_url {
        Some(u) => format!("[{label}]({} \"{}\")", url(&u), md_escape(testgroup)),
        None if label == md_escape(testgroup) => label,
        None => format!("{label} ({})", md_escape(testgroup)),
    }
}

fn summary_table(out: &mut String, run: &Run, s: &Summary, full: bool) {
    // mptest's columns, plus errored and xpassed when a run has them (JUnit, pytest).
    let errored = s.total.errored > 0;
    let xpassed = s.total.xpassed > 0;
    // mptest calls the test group column "Test"; other formats read better with its name.
    let mut head = vec![if run.format == "octoprobe" {
        "Test"
    } else {
        "Test group"
    }];
    if full {
        head.extend(["Groups<br>run", "Groups<br>skipped", "Groups<br>errored"]);
    }
    head.extend(["Tests<br>passed", "Tests<br>skipped", "Tests<br>xfailed"]);
    if xpassed {
        head.push("Tests<br>xpassed");
    }
    if errored {
        head.push("Tests<br>errored");
    }
    head.push("Tests<br>failed");
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "| - |{}", " :-: |".repeat(head.len() - 1));
    let bold = |n: u64, anchor: Option<&str>| match (n, anchor) {
        (0, _) => String::new(),
        (n, Some(a)) => format!("**<a href=\"#anchor_{a}\">{n}</a>**"),
        (n, None) => format!("**{n}**"),
    };
    let mut row = |name: String, c: &Counts, anchor: Option<&str>| {
        let mut cells = vec![name];
        if full {
            cells.extend([
                hidezero(c.groups_run),
                hidezero(c.groups_skipped),
                hidezero(c.groups_errored),
            ]);
        }
        cells.extend([
            hidezero(c.passed),
            hidezero(c.skipped + c.other),
            hidezero(c.xfailed),
        ]);
        if xpassed {
            cells.push(hidezero(c.xpassed));
        }
        if errored {
            cells.push(bold(c.errored, anchor));
        }
        cells.push(bold(c.failed, anchor));
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    };
    // The short report keeps its table short: with many groups, the failing ones only.
    let limit = if full { usize::MAX } else { 40 };
    let failing = |g: &&crate::summary::GroupSummary| {
        g.counts.failed + g.counts.errored + g.counts.groups_errored > 0
    };
    let shown: Vec<&crate::summary::GroupSummary> = if s.testgroups.len() > limit {
        s.testgroups.iter().filter(failing).take(limit).collect()
    } else {
        s.testgroups.iter().collect()
    };
    for g in &shown {
        let anchor = crate::paths::slug(&g.testgroup);
        let has_matrix = s.matrices.iter().any(|m| m.testgroup == g.testgroup);
        row(
            group_link(&g.testgroup, run),
            &g.counts,
            has_matrix.then_some(anchor.as_str()),
        );
    }
    if shown.len() < s.testgroups.len() {
        row(
            format!("+{} more test groups", s.testgroups.len() - shown.len()),
            &Counts::default(),
            None,
        );
    }
    row("Total".into(), &s.total, None);
}

/// The rows of one matrix, each a line, after its header lines.
fn matrix_lines(run: &Run, m: &Matrix, base: &LinkBase) -> (String, Vec<String>) {
    let mut head = String::new();
    let _ = writeln!(
        head,
        "<a name=\"anchor_{}\"></a>\n\n### Group: {}\n",
        crate::paths::slug(&m.testgroup),
        group_link(&m.testgroup, run)
    );
    if !m.reference.is_empty() {
        let _ = writeln!(head, "Reference: {}\n", md_escape(&m.reference));
    }
    head.push_str("| Test |");
    for c in &m.columns {
        // An Octoprobe tentacle (`5f2a-ADA_ITSYBITSY_M0`) breaks at its dash, as mptest's
        // does; a host name stays whole.
        let tentacle = if run.format == "octoprobe" {
            md_escape(&c.tentacle).replace('-', "-<br/>")
        } else {
            md_escape(&c.tentacle)
        };
        if c.mcu.is_empty() && c.tentacle.is_empty() {
            head.push_str(" Result |");
        } else if c.mcu.is_empty() {
            let _ = write!(head, " {tentacle} |");
        } else {
            let _ = write!(head, " {}<br/>{} |", md_escape(&c.mcu), tentacle);
        }
    }
    head.push_str("\n| :- |");
    head.push_str(&" :-: |".repeat(m.columns.len()));
    head.push('\n');
    let rows = m
        .rows
        .iter()
        .map(|r| {
            let test = match &r.source_url {
                Some(u) => format!("[{}]({})", md_escape(&r.test), url(u)),
                None => md_escape(&r.test),
            };
            let mut line = format!("| {test} |");
            for cell in &r.cells {
                line.push(' ');
                if let Some(cell) = cell {
                    let groups = &run.groups;
                    let parts: Vec<String> = cell
                        .entries
                        .iter()
                        .map(|e| {
                            // The group's log (as mptest links it), else the test's row
                            // on its group page.
                            let target = groups
                                .iter()
                                .find(|g| g.slug == e.group_slug)
                                .and_then(links::group_log_file)
                                .unwrap_or_else(|| e.href.clone());
                            // Earlier attempts (reruns) first, as the run page shows them.
                            let earlier: String = e
                                .earlier
                                .iter()
                                .map(|p| format!("{} ", md_escape(&p.short)))
                                .collect();
                            format!(
                                "{earlier}[{}]({})",
                                md_escape(&e.short),
                                url(&base.to(&target))
                            )
                        })
                        .collect();
                    let joined = parts.join(" ");
                    let decorated = match cell.class {
                        "failed" => format!("**{joined}**"),
                        "ok" => format!("<sub>*{joined}*</sub>"),
                        _ => format!("*{joined}*"),
                    };
                    line.push_str(&decorated);
                    let xfails: std::collections::BTreeSet<&str> = cell
                        .entries
                        .iter()
                        .filter_map(|e| e.xfail.as_deref())
                        .collect();
                    for x in xfails {
                        let _ = write!(line, "<br/><sub>{}</sub>", md_escape(x));
                    }
                }
                line.push_str(" |");
            }
            line.push('\n');
            line
        })
        .collect();
    (head, rows)
}

fn group_table(out: &mut String, run: &Run, idx: &[usize], base: &LinkBase) {
    out.push_str("| Testgroup | Logfile | Message |\n| - | - | - |\n");
    for &i in idx.iter().take(SUMMARY_REPORT_ROWS) {
        let g = &run.groups[i];
        let msg = match &g.state {
            GroupState::Errored(m) | GroupState::Skipped(m) => m.as_str(),
            GroupState::Ran => "",
        };
        let _ = writeln!(
            out,
            "| {}<br>{} | [logfile]({}) | {} |",
            group_link(&g.testgroup, run),
            md_escape(&g.tentacle_variant_role),
            url(&base.to(&links::group_log(g))),
            code_cell(msg)
        );
    }
    if idx.len() > SUMMARY_REPORT_ROWS {
        let _ = writeln!(
            out,
            "\n+{} more: see [the run page]({}).",
            idx.len() - SUMMARY_REPORT_ROWS,
            url(&base.to("index.html"))
        );
    }
}

/// What changed against the baseline: new failures first, then fixed, flaky, still failing,
/// known; then perf regressions. Each list shows at most `limit` entries.
fn comparison(out: &mut String, run: &Run, cmp: &Comparison, base: &LinkBase, limit: usize) {
    if !cmp.compared {
        return;
    }
    match &cmp.baseline {
        Some(b) => {
            let _ = writeln!(out, "\n## Compared with {}\n", md_escape(b));
            let slug = cmp.baseline_slug.clone().unwrap_or_default();
            let _ = writeln!(
                out,
                "Baseline: [{}]({})\n",
                md_escape(b),
                url(&base.to(&format!("../{}/index.html", crate::paths::url_path(&slug))))
            );
        }
        None => {
            let _ = writeln!(out, "\n## Compared with: no baseline\n");
            out.push_str("No earlier run of this testbed on the base branch was found.\n\n");
        }
    }
    let empty = Vec::new();
    if cmp.baseline.is_none() && !cmp.new_failures.is_empty() {
        let n = cmp.new_failures.len();
        let _ = writeln!(
            out,
            "{n} failing test{}, {} for want of a baseline: see the failures below.\n",
            if n == 1 { "" } else { "s" },
            if n == 1 { "new" } else { "all new" }
        );
    }
    let lists: [(&str, &Vec<Finding>); 5] = [
        // Without a baseline every failure is "new": the failure matrices list them already.
        (
            "New failures",
            if cmp.baseline.is_some() {
                &cmp.new_failures
            } else {
                &empty
            },
        ),
        ("Fixed", &cmp.fixed),
        ("Flaky", &cmp.flaky),
        ("Still failing", &cmp.still_failing),
        ("Known failures (xfail)", &cmp.known),
    ];
    for (title, list) in lists {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{title}: {}**\n", list.len());
        // As on the run page: a tentacle (or host) column only where a finding ran on one.
        let places = list.iter().any(|f| !f.tentacle.is_empty());
        if places {
            let _ = writeln!(
                out,
                "| Test group | Test | {} | Detail |\n| - | - | - | - |",
                capitalized(crate::render::place_word(run))
            );
        } else {
            out.push_str("| Test group | Test | Detail |\n| - | - | - |\n");
        }
        for f in list.iter().take(limit) {
            let note = match (&f.failing_since, &f.reason) {
                (Some(since), _) => format!(
                    "since {}{}{}",
                    md_escape(&since.run),
                    since
                        .date
                        .as_ref()
                        .map(|d| format!(", {}", md_escape(d)))
                        .unwrap_or_default(),
                    since
                        .commit
                        .as_ref()
                        .map(|c| format!(", {}", md_escape(c)))
                        .unwrap_or_default()
                ),
                (None, Some(r)) => md_escape(r),
                (None, None) => String::new(),
            };
            let test = if f.page.is_empty() {
                md_escape(&f.test)
            } else {
                format!(
                    "[{}]({})",
                    md_escape(&f.test),
                    url(&base.to(&format!("../{}", f.page)))
                )
            };
            let place = if places {
                format!(" {} |", md_escape(&f.tentacle))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {} | {test} |{place} {note} |",
                md_escape(&f.testgroup)
            );
        }
        if list.len() > limit {
            let _ = writeln!(
                out,
                "\n+{} more: see [the run page]({}).",
                list.len() - limit,
                url(&base.to("index.html"))
            );
        }
        out.push('\n');
    }
    if !cmp.perf_regressions.is_empty() {
        let _ = writeln!(
            out,
            "**Performance regressions: {}**\n",
            cmp.perf_regressions.len()
        );
        out.push_str("| Test | Tentacle | Baseline | Now | Change |\n| - | - | -: | -: | -: |\n");
        let more = cmp.perf_regressions.len().saturating_sub(limit);
        for p in cmp.perf_regressions.iter().take(limit) {
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {:.2} | +{:.1} % (noise {:.1} %) |",
                md_escape(&p.test),
                md_escape(&p.tentacle),
                p.baseline,
                p.value,
                p.change_pct,
                p.stddev_pct
            );
        }
        if more > 0 {
            let _ = writeln!(
                out,
                "\n+{more} more: see [the run page]({}).",
                url(&base.to("index.html"))
            );
        }
        out.push('\n');
    }
    if cmp.new_failures.is_empty()
        && cmp.fixed.is_empty()
        && cmp.flaky.is_empty()
        && cmp.still_failing.is_empty()
        && cmp.known.is_empty()
        && cmp.perf_regressions.is_empty()
    {
        out.push_str("Nothing changed: no failures, no fixes, no perf regressions.\n");
    }
}

fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `octoprobe_summary_report.md`.
pub fn summary_report(run: &Run, s: &Summary, cmp: &Comparison, base: &LinkBase) -> String {
    let mut out = String::from(if run.format == "octoprobe" {
        "# Octoprobe test report\n\n"
    } else {
        "# Test report\n\n"
    });
    header(&mut out, run, s, base);
    comparison(&mut out, run, cmp, base, 200);
    out.push_str("\n## Summary\n\n");
    summary_table(&mut out, run, s, true);
    if !s.matrices.is_empty() {
        out.push_str("\n## Failures\n\n");
        // The first failing tests, as the run page shows them (its pages have them all).
        let mut left = SUMMARY_REPORT_ROWS;
        let mut omitted = 0usize;
        for m in &s.matrices {
            if left == 0 {
                omitted += m.rows.len();
                continue;
            }
            let (head, rows) = matrix_lines(run, m, base);
            out.push_str(&head);
            let shown = rows.len().min(left);
            for r in &rows[..shown] {
                out.push_str(r);
            }
            left -= shown;
            omitted += rows.len() - shown;
            out.push('\n');
        }
        if omitted > 0 {
            let _ = writeln!(
                out,
                "+{omitted} more failing tests: see [the run page]({}).",
                url(&base.to("index.html#failures"))
            );
        }
    }
    if !s.errored.is_empty() {
        out.push_str("\n## Test groups with errors (ignored and retried)\n\n");
        group_table(&mut out, run, &s.errored, base);
    }
    if !s.skipped.is_empty() {
        out.push_str("\n## Test groups which were skipped\n\n");
        group_table(&mut out, run, &s.skipped, base);
    }
    out
}

/// How many failing tests (matrix rows) and group attempts (per table) the summary report
/// lists: a mass failure of 50,000 tests made a 3.7 MB report; this keeps it near 1 MB.
pub const SUMMARY_REPORT_ROWS: usize = 1000;

/// `octoprobe_pr_report.md`: under [`PR_REPORT_LIMIT`] bytes, trimmed with "+N more".
pub fn pr_report(run: &Run, s: &Summary, cmp: &Comparison, base: &LinkBase) -> String {
    let sha = run
        .ref_tests
        .as_ref()
        .and_then(|r| r.commit.clone())
        .unwrap_or_default();
    let mut marker = serde_json::json!({
        "sha": sha,
        "status": if run.error.is_empty() { "ok" } else { "error" },
        "datetime": run.time_start.as_ref().map(|t| t.raw.clone()).unwrap_or_default(),
    });
    let octoprobe = run.format == "octoprobe";
    if !octoprobe {
        // Several jobs comment on one pull request: a bot finds its own comment by these.
        marker["testbed"] = run.testbed.clone().into();
        marker["job"] = run.testbed_name.clone().into();
    }
    let marker = marker.to_string().replace("--", "-\\u002d");
    let mut out = if octoprobe {
        format!("<!-- octoprobe-pr-report: {marker} -->\n### Octoprobe PR report\n\n")
    } else {
        format!(
            "<!-- testpress-pr-report: {marker} -->\n### Test report: {}\n\n",
            testbed_and_job(run)
        )
    };
    if let Some(d) = duration_line(run, &s.total) {
        let _ = writeln!(out, "Duration: {d}\n");
    }
    if !s.mcus.is_empty() {
        let ports: Vec<String> = s
            .mcus
            .iter()
            .map(|m| format!("`{}`", m.replace('`', "")))
            .collect();
        let _ = writeln!(out, "Tested ports: {}\n", ports.join(" "));
    }
    let _ = writeln!(
        out,
        "[Summary report]({}), [run page]({})\n",
        url(&base.to(crate::render::report_names(run).0)),
        url(&base.to("index.html"))
    );
    if !run.error.is_empty() {
        let _ = writeln!(out, "**Error: {}**\n", md_escape(&run.error));
    }
    if !run.problems.is_empty() {
        // The counts below leave out what could not be read: a reviewer must know.
        let _ = writeln!(
            out,
            "**Input problems: {}**: some result files could not be read, and the counts below leave them out (see [the run page]({})).\n",
            run.problems.len(),
            url(&base.to("index.html"))
        );
    }
    if cmp.compared {
        comparison(&mut out, run, cmp, base, 25);
        out.push('\n');
    }
    summary_table(&mut out, run, s, false);
    if s.matrices.is_empty() {
        return fit(out, base);
    }
    out.push_str("\n<details open><summary>Failures</summary>\n\n");
    let closing = "\n</details>\n";
    // Room for the closing tag and a "+N more" line.
    let budget = PR_REPORT_LIMIT - closing.len() - 400;
    let mut omitted = 0usize;
    for m in &s.matrices {
        let (head, rows) = matrix_lines(run, m, base);
        if omitted > 0 || out.len() + head.len() > budget {
            omitted += rows.len();
            continue;
        }
        out.push_str(&head);
        for (i, r) in rows.iter().enumerate() {
            if out.len() + r.len() > budget {
                omitted += rows.len() - i;
                break;
            }
            out.push_str(r);
        }
        out.push('\n');
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n+{omitted} more failing tests: see [the full report]({}).",
            url(&base.to("index.html"))
        );
    }
    out.push_str(closing);
    fit(out, base)
}

/// The last guard of the comment limit: whatever made the report long, cut it at a line
/// boundary and say where the rest is.
fn fit(out: String, base: &LinkBase) -> String {
    if out.len() <= PR_REPORT_LIMIT {
        return out;
    }
    let note = format!(
        "\n\n(cut at {PR_REPORT_LIMIT} bytes: see [the run page]({}))\n",
        url(&base.to("index.html"))
    );
    let mut end = PR_REPORT_LIMIT - note.len();
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    let end = out[..end].rfind('\n').unwrap_or(end);
    format!("{}{note}", &out[..end])
}

#[cfg(test)]
mod link_tests {
    use super::LinkBase;

    #[test]
    fn site_url_links_have_no_dot_dot() {
        let b = LinkBase::new(Some("https://r.example.org/ci/"), "nightly/run-003");
        assert_eq!(
            b.to("../run-002/index.html"),
            "https://r.example.org/ci/nightly/run-002/index.html"
        );
        assert_eq!(
            b.to("../../index.html"),
            "https://r.example.org/ci/index.html"
        );
        assert_eq!(
            b.to("../../../x"),
            "https://r.example.org/ci/../x",
            "never above the site; a path that climbs out stays visible"
        );
        assert_eq!(
            b.to("g/index.html"),
            "https://r.example.org/ci/nightly/run-003/g/index.html"
        );
        let rel = LinkBase::new(None, "nightly/run-003");
        assert_eq!(rel.to("../run-002/index.html"), "../run-002/index.html");
    }
}
