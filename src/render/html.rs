//! The HTML site: minijinja templates of the theme, filled with views built here.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use minijinja::{context, AutoEscape, Environment, Value};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::index::group_pages::{
    anchor, anchored, cut, group_part_file, output_file, shown_attempts, shown_properties,
    GroupLayout, OUTPUT_LIMIT, ROW_ATTEMPTS, ROW_PROPERTIES,
};
use crate::index::layout::{CHART_POINTS, STRIP_STREAKS};
use crate::index::Index;
use crate::ingest::time::format_duration;
use crate::model::{GitRef, GroupAttempt, GroupState, Outcome, Run, TestResult};
use crate::paths::url_path;
use crate::render::strip::{self, Cell, RunLabel};
use crate::render::{links, svg};
use crate::summary::{Counts, Summary};

/// The default theme, compiled in so that the binary works alone.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "macros.html",
        include_str!("../../themes/default/templates/macros.html"),
    ),
    (
        "lists.html",
        include_str!("../../themes/default/templates/lists.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "testbed.html",
        include_str!("../../themes/default/templates/testbed.html"),
    ),
    (
        "run.html",
        include_str!("../../themes/default/templates/run.html"),
    ),
    (
        "older.html",
        include_str!("../../themes/default/templates/older.html"),
    ),
    (
        "list.html",
        include_str!("../../themes/default/templates/list.html"),
    ),
    (
        "group.html",
        include_str!("../../themes/default/templates/group.html"),
    ),
    (
        "history.html",
        include_str!("../../themes/default/templates/history.html"),
    ),
    (
        "matrix.html",
        include_str!("../../themes/default/templates/matrix.html"),
    ),
];

pub const DEFAULT_STATIC: &[(&str, &str)] = &[(
    "testpress.css",
    include_str!("../../themes/default/static/testpress.css"),
)];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("template {name}: {source:#}")]
    Template {
        name: String,
        source: minijinja::Error,
    },
}

/// Escapes the five characters that matter in HTML text and quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// Loads the default templates, then the theme's `templates/*.html` over them.
pub fn environment(theme: Option<&Path>) -> Result<Environment<'static>, ThemeError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_formatter(|out, state, value| {
        // minijinja also escapes `/`; links and paths read better without that.
        match value.as_str() {
            Some(s) if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() => {
                // Most strings need no escaping: no copy for them.
                if s.bytes()
                    .any(|b| matches!(b, b'<' | b'>' | b'&' | b'"' | b'\''))
                {
                    Ok(out.write_str(&escape_html(s))?)
                } else {
                    Ok(out.write_str(s)?)
                }
            }
            _ => minijinja::escape_formatter(out, state, value),
        }
    });
    let mut templates: Vec<(String, String)> = DEFAULT_TEMPLATES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    if let Some(dir) = theme.map(|t| t.join("templates")).filter(|d| d.is_dir()) {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| ThemeError::Read {
                path: p.display().to_string(),
                source,
            })
        };
        let entries = std::fs::read_dir(&dir).map_err(|source| ThemeError::Read {
            path: dir.display().to_string(),
            source,
        })?;
        let mut names: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        names.sort();
        for p in names
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "html"))
        {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = read(&p)?;
            templates.retain(|(n, _)| *n != name);
            templates.push((name, text));
        }
    }
    for (name, src) in templates {
        env.add_template_owned(name.clone(), src)
            .map_err(|source| ThemeError::Template { name, source })?;
    }
    Ok(env)
}

pub fn render(env: &Environment, name: &str, ctx: Value) -> Result<String, ThemeError> {
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|source| ThemeError::Template {
            name: name.to_string(),
            source,
        })
}

#[derive(Serialize)]
struct Crumb {
    label: String,
    href: Option<String>,
}

#[derive(Serialize)]
struct RunRow {
    id: String,
    href: String,
    start: String,
    duration: String,
    trigger: String,
    pr: Option<String>,
    counts: Counts,
    error: String,
    problems: usize,
    status: &'static str,
}

fn status(run: &Run, s: &Summary) -> &'static str {
    if !run.error.is_empty() || s.total.groups_errored > 0 && s.total.tests() == 0 {
        "error"
    } else if s.total.failed + s.total.errored > 0 {
        "failed"
    } else {
        "passed"
    }
}

fn run_row(run: &Run, s: &Summary, href: String) -> RunRow {
    RunRow {
        id: run.id.clone(),
        href,
        start: run
            .time_start
            .as_ref()
            .map(|t| t.display())
            .unwrap_or_else(|| "unknown".into()),
        duration: run.duration_s().map(format_duration).unwrap_or_default(),
        trigger: run.trigger.clone(),
        pr: run.pr_url().as_deref().and_then(web_url),
        counts: s.total,
        // A list row: the run page has all of it.
        error: match run.error.char_indices().nth(500) {
            Some((at, _)) => format!("{} …", &run.error[..at]),
            None => run.error.clone(),
        },
        problems: run.problems.len(),
        status: status(run, s),
    }
}

/// An `http(s)` URL, or nothing: data from the inputs never becomes a `javascript:` link.
fn web_url(u: &str) -> Option<String> {
    (u.starts_with("https://") || u.starts_with("http://")).then(|| u.to_string())
}

pub fn index_page(env: &Environment, idx: &Index) -> Result<String, ThemeError> {
    #[derive(Serialize)]
    struct Bed {
        name: String,
        href: String,
        run_count: usize,
        latest: Vec<RunRow>,
    }
    let beds: Vec<Bed> = idx
        .testbeds
        .iter()
        .map(|t| Bed {
            name: t.name.clone(),
            href: format!("{}/index.html", url_path(&t.slug)),
            run_count: t.runs.len(),
            latest: t
                .runs
                .iter()
                .take(5)
                .map(|&i| {
                    let r = &idx.runs[i];
                    let href = format!("{}/{}/index.html", url_path(&t.slug), url_path(&r.slug));
                    run_row(r, &idx.summaries[i], href)
                })
                .collect(),
        })
        .collect();
    let ctx = context! {
        root => "",
        title => "All testbeds",
        crumbs => Vec::<Crumb>::new(),
        testbeds => beds,
        run_count => idx.runs.len(),
    };
    render(env, "index.html", ctx)
}

/// A testbed page lists at most this many runs, its newest. The others are on pages of
/// their own (`older/<k>.html`) of this many runs each, counted from the oldest, so that a
/// full page keeps its bytes as runs are added.
pub const RUNS_PER_PAGE: usize = 500;

#[derive(Serialize)]
struct PageLink {
    href: String,
    label: String,
}

/// The pages of older runs of a testbed of `n` runs: for each, its oldest-first range.
/// None while the testbed page shows all runs; else as many as hold the runs it does not.
pub fn older_pages(n: usize) -> Vec<std::ops::Range<usize>> {
    let hidden = n.saturating_sub(RUNS_PER_PAGE);
    (0..hidden.div_ceil(RUNS_PER_PAGE))
        .map(|k| k * RUNS_PER_PAGE..((k + 1) * RUNS_PER_PAGE).min(n))
        .collect()
}

fn range_label(r: &std::ops::Range<usize>) -> String {
    format!("{}–{}", r.start + 1, r.end)
}

fn run_rows(idx: &Index, runs: impl Iterator<Item = usize>, up: &str) -> Vec<RunRow> {
    runs.map(|i| {
        let r = &idx.runs[i];
        run_row(
            r,
            &idx.summaries[i],
            format!("{up}{}/index.html", url_path(&r.slug)),
        )
    })
    .collect()
}

pub fn testbed_page(
    env: &Environment,
    idx: &Index,
    t: usize,
    window_text: &str,
) -> Result<String, ThemeError> {
    let bed = &idx.testbeds[t];
    let shown = &bed.runs[..bed.runs.len().min(RUNS_PER_PAGE)];
    let rows = run_rows(idx, shown.iter().copied(), "");
    let older: Vec<PageLink> = older_pages(bed.runs.len())
        .iter()
        .enumerate()
        .map(|(k, r)| PageLink {
            href: format!("older/{}.html", k + 1),
            label: range_label(r),
        })
        .collect();
    // Charts, oldest first.
    let oldest: Vec<usize> = shown.iter().rev().copied().collect();
    let pass_points: Vec<svg::Point> = oldest
        .iter()
        .map(|&i| {
            let c = &idx.summaries[i].total;
            let judged = c.passed + c.failed + c.errored;
            svg::Point {
                label: idx.runs[i].id.clone(),
                value: if judged == 0 {
                    0.0
                } else {
                    c.passed as f64 * 100.0 / judged as f64
                },
                marked: !idx.runs[i].error.is_empty(),
                href: Some(format!("{}/index.html", url_path(&idx.runs[i].slug))),
            }
        })
        .collect();
    let duration_points: Vec<svg::Point> = oldest
        .iter()
        .filter_map(|&i| {
            let d = idx.runs[i].duration_s()?;
            Some(svg::Point {
                label: idx.runs[i].id.clone(),
                value: d as f64 / 60.0,
                marked: false,
                href: Some(format!("{}/index.html", url_path(&idx.runs[i].slug))),
            })
        })
        .collect();
    let pass_chart = (oldest.len() > 1)
        .then(|| svg::line_chart(&pass_points, "%", svg::Axis::Fixed(0.0, 100.0)));
    let duration_chart = (duration_points.len() > 1)
        .then(|| svg::line_chart(&duration_points, "min", svg::Axis::FromZero));
    let rankings = &idx.rankings[t];
    let ctx = context! {
        root => "../",
        title => bed.name,
        crumbs => vec![Crumb { label: bed.name.clone(), href: None }],
        testbed => bed.name,
        runs => rows,
        total => bed.runs.len(),
        older => older,
        per_page => RUNS_PER_PAGE,
        pass_chart => pass_chart,
        duration_chart => duration_chart,
        rankings => rankings,
        window => window_text,
    };
    render(env, "testbed.html", ctx)
}

/// Page `k` (from 0) of the older runs of testbed `t` (see [`older_pages`]). Nothing on it
/// depends on how many runs came after: once full, it keeps its bytes.
pub fn older_page(
    env: &Environment,
    idx: &Index,
    t: usize,
    k: usize,
) -> Result<String, ThemeError> {
    let bed = &idx.testbeds[t];
    let pages = older_pages(bed.runs.len());
    let range = pages[k].clone();
    let n = bed.runs.len();
    // `bed.runs` is newest first: oldest-first index `o` is `n - 1 - o`.
    let rows = run_rows(idx, range.clone().rev().map(|o| bed.runs[n - 1 - o]), "../");
    let link = |j: usize| PageLink {
        href: format!("{}.html", j + 1),
        label: range_label(&pages[j]),
    };
    let label = format!("{} runs {}", bed.name, range_label(&range));
    let ctx = context! {
        root => "../../",
        title => label,
        crumbs => vec![
            Crumb { label: bed.name.clone(), href: Some("../index.html".into()) },
            Crumb { label: format!("runs {}", range_label(&range)), href: None },
        ],
        testbed => bed.name,
        first => range.start + 1,
        last => range.end,
        per_page => RUNS_PER_PAGE,
        // No link to the next page: it comes and goes with newer runs.
        prev => k.checked_sub(1).map(link),
        runs => rows,
    };
    render(env, "older.html", ctx)
}

#[derive(Serialize)]
struct GitView {
    spec: String,
    link: Option<String>,
    commit: Option<String>,
    commit_url: Option<String>,
    rebased: bool,
    describe: Option<String>,
    log: Option<String>,
}

fn git_view(r: &Option<GitRef>) -> Option<GitView> {
    let r = r.as_ref()?;
    Some(GitView {
        spec: r.spec.clone(),
        link: r.url_link.as_deref().and_then(web_url),
        commit: r.short_commit(),
        commit_url: r.commit_url().as_deref().and_then(web_url),
        rebased: r.rebased,
        describe: r.describe.clone(),
        log: r.log.clone(),
    })
}

#[derive(Serialize)]
struct AttemptRow {
    testgroup: String,
    tentacle: String,
    mcu: String,
    attempt: String,
    state: &'static str,
    message: String,
    href: String,
    /// A log file of the group's own (Octoprobe), else the group page.
    log: String,
    has_log: bool,
    counts: Counts,
}

fn counts_of(g: &GroupAttempt) -> Counts {
    let mut c = Counts::default();
    c.add_group(g);
    c
}

/// A run's start or end on its page: Octoprobe's as written, the others' to the second.
fn shown_time(run: &Run, t: &crate::ingest::time::Timestamp) -> String {
    if run.format == "octoprobe" {
        t.raw.clone()
    } else {
        t.display()
    }
}

fn attempt_row(g: &GroupAttempt) -> AttemptRow {
    let own_log = links::group_log_file(g);
    let (state, message) = match &g.state {
        GroupState::Ran => ("ran", String::new()),
        GroupState::Skipped(m) => ("skipped", m.clone()),
        GroupState::Errored(m) => ("errored", m.clone()),
    };
    AttemptRow {
        testgroup: g.testgroup.clone(),
        tentacle: g.tentacle_variant_role.clone(),
        mcu: g.tentacle_mcu.clone(),
        attempt: g.attempt.clone(),
        state,
        message,
        href: format!("{}/index.html", url_path(&g.slug)),
        has_log: own_log.is_some(),
        log: own_log.unwrap_or_else(|| format!("{}/index.html", url_path(&g.slug))),
        counts: counts_of(g),
    }
}

#[derive(Serialize)]
struct FindingView<'a> {
    testgroup: &'a str,
    test: &'a str,
    tentacle: &'a str,
    page: &'a str,
    reason: Option<&'a str>,
    failing_since: Option<SinceView<'a>>,
}

#[derive(Serialize)]
struct SinceView<'a> {
    run: &'a str,
    slug: String,
    date: Option<&'a str>,
    commit: Option<&'a str>,
}

fn finding_views(list: &[crate::index::history::Finding]) -> Vec<FindingView<'_>> {
    list.iter()
        .map(|f| FindingView {
            testgroup: &f.testgroup,
            test: &f.test,
            tentacle: &f.tentacle,
            page: &f.page,
            reason: f.reason.as_deref(),
            failing_since: f.failing_since.as_ref().map(|s| SinceView {
                run: &s.run,
                slug: url_path(&s.slug),
                date: s.date.as_deref(),
                commit: s.commit.as_deref(),
            }),
        })
        .collect()
}

/// Rows of a long list that a run page shows; all of them are on pages of their own.
pub const RUN_PAGE_ROWS: usize = 200;
/// Rows on each page of such a list.
pub const LIST_PAGE_ROWS: usize = 1000;

#[derive(Serialize)]
struct Paging {
    on_page: usize,
    per_page: usize,
}

/// The lists of a run page that can grow without bound: (kind, heading, anchor on the run
/// page). A list longer than [`RUN_PAGE_ROWS`] also gets `list-<kind>-<k>.html` pages.
const RUN_LISTS: [(&str, &str, &str); 11] = [
    ("new", "New failures", "new"),
    ("fixed", "Fixed", "fixed"),
    ("flaky", "Flaky", "flaky"),
    ("still", "Still failing", "still"),
    ("known", "Known failures (xfail)", "known"),
    ("testgroups", "Summary by test group", "summary"),
    ("matrices", "Failure matrices", "failures"),
    ("figures", "Performance figures", "figures"),
    ("errored", "Test groups with errors", "errored"),
    ("skipped", "Test groups which were skipped", "skipped"),
    ("attempts", "All group attempts", "attempts"),
];

/// The run page (`index.html`) and the pages of its long lists, by file name.
pub fn run_pages(
    env: &Environment,
    idx: &Index,
    i: usize,
    testbed: &str,
) -> Result<Vec<(String, String)>, ThemeError> {
    let ctx = run_context(idx, i, testbed);
    let mut out = vec![(
        "index.html".to_string(),
        render(env, "run.html", ctx.clone())?,
    )];
    let attr = |v: &Value, k: &str| v.get_attr(k).unwrap_or_default();
    let cmp = attr(&ctx, "cmp");
    let compared = attr(&cmp, "compared").is_true();
    let run = &idx.runs[i];
    for (kind, heading, anchor) in RUN_LISTS {
        // As the run page shows it: new failures only against a baseline, the
        // comparison's lists only when there was one.
        let list = match kind {
            "new" if !(compared && attr(&cmp, "baseline").is_true()) => continue,
            "new" => attr(&cmp, "new_failures"),
            "fixed" | "flaky" | "known" if !compared => continue,
            "fixed" | "flaky" | "known" => attr(&cmp, kind),
            "still" if !compared => continue,
            "still" => attr(&cmp, "still_failing"),
            "testgroups" => attr(&attr(&ctx, "summary"), "testgroups"),
            "matrices" => attr(&ctx, "matrix_pages"),
            _ => attr(&ctx, kind),
        };
        let n = list.len().unwrap_or(0);
        if n <= RUN_PAGE_ROWS {
            continue;
        }
        for part in 1..=n.div_ceil(LIST_PAGE_ROWS) {
            let page = context! {
                title => format!("{heading} · {} · {}", run.id, run.testbed),
                crumbs => vec![
                    Crumb { label: run.testbed.clone(), href: Some("../index.html".into()) },
                    Crumb { label: run.id.clone(), href: Some("index.html".into()) },
                    Crumb { label: heading.to_string(), href: None },
                ],
                kind => kind,
                rows => list.clone(),
                heading => heading,
                anchor => anchor,
                part => part,
                ..ctx.clone()
            };
            out.push((
                format!("list-{kind}-{part}.html"),
                render(env, "list.html", page)?,
            ));
        }
    }
    Ok(out)
}

fn run_context(idx: &Index, i: usize, testbed: &str) -> Value {
    let run = &idx.runs[i];
    let s = &idx.summaries[i];
    let attempts: Vec<AttemptRow> = run.groups.iter().map(attempt_row).collect();
    let pick = |v: &[usize]| {
        v.iter()
            .map(|&g| attempt_row(&run.groups[g]))
            .collect::<Vec<_>>()
    };
    #[derive(Serialize)]
    struct PathView {
        label: String,
        target: String,
        href: Option<String>,
    }
    let paths: Vec<PathView> = run
        .paths
        .iter()
        .map(|p| PathView {
            label: p.label.clone(),
            target: p.target.clone(),
            href: p.inside.then(|| {
                if p.target == "./" {
                    "index.html".to_string()
                } else {
                    url_path(&p.target)
                }
            }),
        })
        .collect();
    let files: Vec<(String, String)> = run.files.iter().map(|f| (f.clone(), url_path(f))).collect();
    context! {
        root => "../../",
        title => format!("{} · {}", run.id, run.testbed),
        crumbs => vec![
            Crumb { label: run.testbed.clone(), href: Some("../index.html".into()) },
            Crumb { label: run.id.clone(), href: None },
        ],
        testbed_href => "../index.html",
        paging => Paging { on_page: RUN_PAGE_ROWS, per_page: LIST_PAGE_ROWS },
        run => context! {
            id => run.id,
            testbed => run.testbed,
            testbed_name => run.testbed_name,
            trigger => run.trigger,
            place => super::place_word(run),
            // Octoprobe's as written (as its own reports show it), the others' to the second.
            start => run.time_start.as_ref().map(|t| shown_time(run, t)),
            start_iso => run.time_start.as_ref().and_then(|t| t.iso.clone()),
            end => run.time_end.as_ref().map(|t| shown_time(run, t)),
            end_iso => run.time_end.as_ref().and_then(|t| t.iso.clone()),
            duration => run.duration_s().map(format_duration),
            error => run.error,
            pr => run.pr_url().as_deref().and_then(web_url),
            commandline => run.commandline,
            ref_firmware => git_view(&run.ref_firmware),
            ref_tests => git_view(&run.ref_tests),
            xfail => run.xfail,
            problems => run.problems_for_site(),
            notes => run.notes,
            ci_url => run.ci.ci_url.as_deref().and_then(web_url),
            job => run.ci.job,
            status => status(run, s),
            format => run.format,
        },
        testbed => testbed,
        summary => s,
        matrix_pages => {
            #[derive(Serialize)]
            struct MatrixLink<'a> {
                label: &'a str,
                testgroup: &'a str,
                rows: usize,
                parts: Vec<(usize, String)>,
            }
            let parts = matrix_parts(s);
            s.matrices.iter().enumerate().filter_map(|(k, mx)| {
                let mine: Vec<(usize, String)> = parts.iter().filter(|p| p.matrix == k).map(|p| (p.part + 1, p.file.clone())).collect();
                (!mine.is_empty()).then_some(MatrixLink { label: &mx.label, testgroup: &mx.testgroup, rows: mx.rows.len(), parts: mine })
            }).collect::<Vec<_>>()
        },
        attempts => attempts,
        errored => pick(&s.errored),
        skipped => pick(&s.skipped),
        paths => paths,
        files => files,
        figures => {
            // Per-test figures (perfbench, multitest metrics), as the producers printed them.
            #[derive(Serialize)]
            struct Figure<'a> {
                testgroup: &'a str,
                tentacle: &'a str,
                test: &'a str,
                href: String,
                params: String,
                metrics: &'a [crate::model::Metric],
            }
            let mut v: Vec<Figure> = Vec::new();
            for g in &run.groups {
                let params = g.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
                for t in &g.results {
                    if let Some(x) = t.extra.as_ref().filter(|x| !x.metrics.is_empty()) {
                        v.push(Figure {
                            testgroup: &g.testgroup,
                            tentacle: &g.tentacle_variant_role,
                            test: &t.name,
                            href: format!("{}/index.html", url_path(&g.slug)),
                            params: params.clone(),
                            metrics: &x.metrics,
                        });
                    }
                }
            }
            v
        },
        reports => context! {
            summary => super::report_names(run).0,
            pr => super::report_names(run).1,
        },
        cmp => {
            let c = &idx.comparisons[i];
            #[derive(Serialize)]
            struct PerfView<'a> {
                test: &'a str,
                tentacle: &'a str,
                page: &'a str,
                baseline: f64,
                value: f64,
                change_pct: f64,
                stddev_pct: f64,
            }
            context! {
                compared => c.compared,
                baseline => c.baseline,
                baseline_slug => c.baseline_slug.as_deref().map(url_path),
                new_failures => finding_views(&c.new_failures),
                fixed => finding_views(&c.fixed),
                flaky => finding_views(&c.flaky),
                still_failing => finding_views(&c.still_failing),
                known => finding_views(&c.known),
                perf_regressions => c.perf_regressions.iter().map(|p| PerfView {
                    test: &p.test,
                    tentacle: &p.tentacle,
                    page: &p.page,
                    baseline: p.baseline,
                    value: p.value,
                    change_pct: p.change_pct,
                    stddev_pct: p.stddev_pct,
                }).collect::<Vec<_>>(),
            }
        },
    }
}

/// Failure matrix cells a page holds (each up to a few hundred bytes): up to this many,
/// the matrices are on the run page; beyond, each test group's matrix gets pages of its own.
pub const MATRIX_CELLS_PER_PAGE: usize = 6000;

/// One page of one failure matrix, when the run page cannot hold them all.
pub struct MatrixPart {
    /// Index into `Summary::matrices`.
    pub matrix: usize,
    pub part: usize,
    pub parts: usize,
    /// Rows `rows.start..rows.end` of the matrix.
    pub rows: std::ops::Range<usize>,
    /// File name in the run folder.
    pub file: String,
}

/// The matrix pages of a run; none when its matrices fit on the run page.
pub fn matrix_parts(s: &Summary) -> Vec<MatrixPart> {
    let cells: usize = s
        .matrices
        .iter()
        .map(|m| m.rows.len() * m.columns.len().max(1))
        .sum();
    if cells <= MATRIX_CELLS_PER_PAGE {
        return Vec::new();
    }
    let mut taken = HashSet::new();
    let mut out = Vec::new();
    for (k, m) in s.matrices.iter().enumerate() {
        let per_page = (MATRIX_CELLS_PER_PAGE / m.columns.len().max(1)).max(1);
        let parts = m.rows.len().div_ceil(per_page);
        let base = crate::paths::unique_slug(&format!("failures-{}", m.testgroup), &mut taken);
        for part in 0..parts {
            out.push(MatrixPart {
                matrix: k,
                part,
                parts,
                rows: part * per_page..((part + 1) * per_page).min(m.rows.len()),
                file: if part == 0 {
                    format!("{base}.html")
                } else {
                    format!("{base}-{}.html", part + 1)
                },
            });
        }
    }
    out
}

/// One page of a failure matrix (see [`matrix_parts`]).
pub fn matrix_page(
    env: &Environment,
    run: &Run,
    s: &Summary,
    parts: &[MatrixPart],
    at: usize,
) -> Result<String, ThemeError> {
    let p = &parts[at];
    let mx = &s.matrices[p.matrix];
    let ctx = context! {
        root => "../../",
        title => format!("{} · {}", mx.label, run.id),
        crumbs => vec![
            Crumb { label: run.testbed.clone(), href: Some("../index.html".into()) },
            Crumb { label: run.id.clone(), href: Some("index.html".into()) },
            Crumb { label: mx.label.clone(), href: None },
        ],
        run => run.id,
        mx => mx,
        rows => &mx.rows[p.rows.clone()],
        pager => context! {
            part => p.part + 1,
            parts => p.parts,
            first => p.rows.start + 1,
            last => p.rows.end,
            total => mx.rows.len(),
            links => parts.iter().filter(|q| q.matrix == p.matrix).map(|q| (q.part + 1, q.file.clone())).collect::<Vec<_>>(),
        },
    };
    render(env, "matrix.html", ctx)
}

/// The outputs of a group's tests that are too long for its page, as (file name, text).
pub fn long_outputs(g: &GroupAttempt) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for (label, text) in [("stdout", &g.stdout), ("stderr", &g.stderr)] {
        if text.len() > OUTPUT_LIMIT {
            out.push((format!("output-suite-{label}.txt"), text.as_str()));
        }
    }
    for (i, t) in g.results.iter().enumerate() {
        if t.text.len() > OUTPUT_LIMIT {
            out.push((output_file(i, "failure"), t.text.as_str()));
        }
        if let Some(x) = &t.extra {
            for (label, text) in [("stdout", &x.stdout), ("stderr", &x.stderr)] {
                if text.len() > OUTPUT_LIMIT {
                    out.push((output_file(i, label), text.as_str()));
                }
            }
        }
    }
    out
}

fn size(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

#[derive(Serialize)]
struct AttemptView<'a> {
    outcome: &'a str,
    class: &'static str,
    message: &'a str,
    text: &'a str,
    /// The text is cut here, the first attempt to run out of the [`OUTPUT_LIMIT`] bytes
    /// the texts of a row's attempts share (each message has 1,000 bytes).
    cut: bool,
}

/// A row's earlier attempts as shown ([`shown_attempts`]), so that one test cannot make a
/// page of megabytes.
fn attempt_views(attempts: &[crate::model::PriorAttempt]) -> Vec<AttemptView<'_>> {
    let mut said = false;
    shown_attempts(attempts)
        .into_iter()
        .map(|(a, message, text)| {
            // Said once, where the text runs out; the attempts after it show no text.
            let cut = text.len() < a.text.len() && !std::mem::replace(&mut said, true);
            AttemptView {
                outcome: a.outcome.as_str(),
                class: a.outcome.class(),
                message,
                text,
                cut,
            }
        })
        .collect()
}

/// Part `part` of a group's page (see [`group_layout`]).
pub fn group_page(
    env: &Environment,
    run: &Run,
    g: &GroupAttempt,
    history: &crate::index::history::TestbedHistory,
    layout: &GroupLayout,
    part: usize,
) -> Result<String, ThemeError> {
    let parts = layout.parts.len();
    let range = layout.parts[part].clone();
    let shown = &layout.order[range.clone()];
    #[derive(Serialize)]
    struct OutputView<'a> {
        label: &'static str,
        size: String,
        text: &'a str,
        full_href: Option<String>,
    }
    #[derive(Serialize)]
    struct OutcomeRow<'a> {
        name: &'a str,
        outcome: &'a str,
        class: &'static str,
        text: &'a str,
        /// The file holding the whole failure text and its size, when `text` is cut.
        text_full: Option<(String, String)>,
        message: &'a str,
        duration: Option<String>,
        source_url: Option<String>,
        xfail: Option<&'a str>,
        flaky: bool,
        files: Vec<(String, String)>,
        attempts: Vec<AttemptView<'a>>,
        attempts_more: usize,
        outputs: Vec<OutputView<'a>>,
        properties: Vec<(&'a str, &'a str)>,
        properties_more: usize,
        metrics: &'a [crate::model::Metric],
        history: String,
        /// The row's id, for the failing tests that failure matrices link to.
        anchor: Option<String>,
        /// Anything for the details cell; rows without it end early.
        details: bool,
    }
    let files: HashSet<&str> = g.files.iter().map(String::as_str).collect();
    let rows: Vec<OutcomeRow> = shown
        .iter()
        .map(|&i| (i, &g.results[i]))
        .map(|(i, t)| {
            let base = t.name.replace('/', "_");
            let related = [format!("{base}.exp"), format!("{base}.out")]
                .into_iter()
                .filter(|f| files.contains(f.as_str()))
                .map(|f| {
                    let href = url_path(&f);
                    (f, href)
                })
                .collect();
            let x = t.extra.as_deref();
            let outputs = x
                .map(|x| {
                    [("stdout", &x.stdout), ("stderr", &x.stderr)]
                        .into_iter()
                        .filter(|(_, text)| !text.trim().is_empty())
                        .map(|(label, text)| OutputView {
                            label,
                            size: size(text.len()),
                            text: cut(text, OUTPUT_LIMIT),
                            full_href: (text.len() > OUTPUT_LIMIT).then(|| output_file(i, label)),
                        })
                        .collect()
                })
                .unwrap_or_default();
            OutcomeRow {
                name: &t.name,
                outcome: t.outcome.as_str(),
                class: t.outcome.class(),
                text: cut(&t.text, OUTPUT_LIMIT),
                text_full: (t.text.len() > OUTPUT_LIMIT)
                    .then(|| (output_file(i, "failure"), size(t.text.len()))),
                message: cut(x.map(|x| x.message.as_str()).unwrap_or(""), OUTPUT_LIMIT),
                duration: t.duration.map(|d| format!("{d:.3}")),
                // Passing rows link to the history page, which links to the source.
                source_url: (!matches!(t.outcome, Outcome::Passed | Outcome::Skipped)
                    || t.is_flaky())
                .then(|| links::result_source_url(run, &g.testgroup, t))
                .flatten(),
                xfail: t.xfail.as_deref(),
                flaky: t.is_flaky(),
                files: related,
                attempts: x.map(|x| attempt_views(&x.attempts)).unwrap_or_default(),
                attempts_more: x.map_or(0, |x| x.attempts.len().saturating_sub(ROW_ATTEMPTS)),
                outputs,
                properties: x
                    .map(|x| shown_properties(&x.properties))
                    .unwrap_or_default(),
                properties_more: x.map_or(0, |x| x.properties.len().saturating_sub(ROW_PROPERTIES)),
                metrics: x.map(|x| x.metrics.as_slice()).unwrap_or(&[]),
                history: history.page(&g.testgroup, &t.name),
                anchor: anchored(t).then(|| anchor(&t.name)),
                details: false,
            }
        })
        .map(|mut r| {
            r.details = (!r.message.is_empty() && r.message != r.text)
                || !r.text.is_empty()
                || !r.metrics.is_empty()
                || !r.attempts.is_empty()
                || !r.outputs.is_empty()
                || !r.properties.is_empty();
            r
        })
        .collect();
    let counts = counts_of(g);
    let mut classes: Vec<(&str, usize)> = Vec::new();
    for c in [
        "failed", "errored", "xfailed", "xpassed", "passed", "skipped", "ignored", "other",
    ] {
        let n = rows.iter().filter(|r| r.class == c).count();
        if n > 0 {
            classes.push((c, n));
        }
    }
    let has_durations = rows.iter().any(|r| r.duration.is_some());
    let group_files: Vec<(String, String)> =
        g.files.iter().map(|f| (f.clone(), url_path(f))).collect();
    let row = attempt_row(g);
    let heading = if g.tentacle_variant_role.is_empty() {
        String::new()
    } else {
        g.tentacle_variant_role.clone()
    };
    let ctx = context! {
        root => "../../../",
        title => format!(
            "{}{} · {}",
            if g.dir_name.is_empty() { &g.testgroup } else { &g.dir_name },
            if parts > 1 { format!(" (part {} of {parts})", part + 1) } else { String::new() },
            run.id
        ),
        crumbs => vec![
            Crumb { label: run.testbed.clone(), href: Some("../../index.html".into()) },
            Crumb { label: run.id.clone(), href: Some("../index.html".into()) },
            Crumb { label: if g.dir_name.is_empty() { g.testgroup.clone() } else { g.dir_name.clone() }, href: None },
        ],
        group => context! {
            dir_name => g.dir_name,
            testgroup => g.testgroup,
            testid => g.testid,
            tentacle => heading,
            board_variant => g.board_variant,
            mcu => g.tentacle_mcu,
            reference => g.tentacle_reference,
            attempt => g.attempt,
            commandline => g.commandline,
            start => g.time_start.as_ref().map(|t| t.raw.clone()),
            end => g.time_end.as_ref().map(|t| t.raw.clone()),
            state => row.state,
            message => row.message,
            source => g.source,
            source_href => (g.dir_name.is_empty() && run.files.contains(&g.source))
                .then(|| format!("../{}", url_path(&g.source))),
            host => g.host,
            params => g.params,
            properties => g.properties,
            stdout => cut(&g.stdout, OUTPUT_LIMIT),
            stderr => cut(&g.stderr, OUTPUT_LIMIT),
            stdout_href => (g.stdout.len() > OUTPUT_LIMIT).then_some("output-suite-stdout.txt"),
            stderr_href => (g.stderr.len() > OUTPUT_LIMIT).then_some("output-suite-stderr.txt"),
        },
        counts => counts,
        classes => classes,
        has_durations => has_durations,
        pager => (parts > 1).then(|| context! {
            part => part + 1,
            parts => parts,
            first => range.start + 1,
            last => range.end,
            total => g.results.len(),
            // The failing tests come first: the group's count tells which pages hold them.
            failing => g.results.iter().filter(|t| anchored(t)).count(),
            links => (0..parts).map(|k| (k + 1, group_part_file(k))).collect::<Vec<_>>(),
        }),
        outcomes => rows,
        files => group_files,
    };
    render(env, "group.html", ctx)
}

/// One test on a history page: a strip per board or platform, and what it says.
#[derive(Serialize)]
struct TestView {
    anchor: String,
    /// The name within the page's module.
    name: String,
    source_url: Option<String>,
    variants: Vec<VariantView>,
    /// How many variants are retired, and their names (each once).
    retired: usize,
    retired_names: String,
}

#[derive(Serialize)]
struct VariantView {
    variant: String,
    role: String,
    tentacles: String,
    strip: String,
    /// The newest PR runs of the test (not in the strip), and how many there are.
    pr_runs: Vec<PrRunView>,
    pr_count: usize,
    now: &'static str,
    now_class: &'static str,
    now_run: String,
    now_slug: String,
    since: Option<String>,
    since_slug: String,
    since_date: Option<String>,
    since_commit: Option<String>,
    failed_runs: usize,
    flips: usize,
    failure: Option<FailureView>,
    perf: Option<String>,
    /// The strip starts with the block of runs before the streaks it draws.
    earlier: bool,
    /// How many runtime points there are when the chart draws only the newest, else 0.
    perf_of: usize,
    /// Did not run in the testbed's last `RECENT` runs (a board taken off the testbed, a
    /// test removed): folded away below the others.
    retired: bool,
}

/// A run of a pull request beside a test's strip.
#[derive(Serialize)]
struct PrRunView {
    run: String,
    slug: String,
    class: &'static str,
    word: &'static str,
}

/// How many of a test's newest PR runs its history shows beside the strip.
const PR_RUNS_SHOWN: usize = 5;

/// The outcome class (as `.o` colours it) of a strip's class.
fn outcome_class(strip_class: &str) -> &'static str {
    match strip_class {
        "pass" => "passed",
        "fail" => "failed",
        "flaky" => "flaky",
        "known" => "xfailed",
        _ => "skipped",
    }
}

/// A test's state in a run as strips and their legends name it.
fn state_class(state: crate::index::history::State) -> &'static str {
    use crate::index::history::State;
    match state {
        State::Pass => "pass",
        State::Fail => "fail",
        State::Flaky => "flaky",
        State::Known => "known",
        State::Skip => "skip",
    }
}

/// How many of a testbed's newest runs a variant must have run in to be shown unfolded.
const RECENT: usize = 5;

#[derive(Serialize)]
struct FailureView {
    run: String,
    slug: String,
    date: String,
    text: String,
}

/// What a history page shows (`history.html`: the tests of one module, or of one part of
/// it); equal contexts make equal pages, so a rebuild can tell an unchanged page by its
/// hash without rendering it.
#[derive(Serialize)]
pub struct HistoryContext<'a> {
    root: &'static str,
    title: String,
    crumbs: Vec<Crumb>,
    testbed: &'a str,
    testgroup: &'a str,
    module: &'a str,
    part: usize,
    /// (part, file name) of every part when the module is cut into parts.
    parts: Vec<(usize, String)>,
    recent: usize,
    /// The most runtime points a chart draws, and whether a strip here starts with the
    /// block of earlier runs (for the legend).
    chart_points: usize,
    earlier: bool,
    tests: Vec<TestView>,
}

pub fn history_context<'a>(
    idx: &'a Index,
    t: usize,
    page: &'a crate::index::layout::HistoryPage,
    labels: &[RunLabel],
    results: &Results,
) -> HistoryContext<'a> {
    let bed = &idx.testbeds[t];
    let layout = &idx.histories[t].layout;
    let tests: Vec<TestView> = page
        .tests
        .iter()
        .map(|(test, anchor)| test_view(idx, t, page, test, anchor, labels, results))
        .collect();
    // The parts of a module cut into parts, in order, numbered as they are shown (a part
    // that no test fell into has no page).
    let mut parts: Vec<(usize, String)> = if page.parts > 1 {
        layout
            .pages
            .iter()
            .filter(|(_, p)| p.testgroup == page.testgroup && p.module == page.module)
            .map(|(f, p)| (p.part, f.trim_start_matches("tests/").to_string()))
            .collect()
    } else {
        Vec::new()
    };
    parts.sort();
    let shown = parts.iter().position(|p| p.0 == page.part).unwrap_or(0) + 1;
    let parts: Vec<(usize, String)> = parts
        .into_iter()
        .enumerate()
        .map(|(k, (_, file))| (k + 1, file))
        .collect();
    let heading = if page.module.is_empty() {
        &page.testgroup
    } else {
        &page.module
    };
    HistoryContext {
        root: "../../",
        title: format!("{heading} · {}", bed.name),
        crumbs: vec![
            Crumb {
                label: bed.name.clone(),
                href: Some("../index.html".into()),
            },
            Crumb {
                label: heading.clone(),
                href: None,
            },
        ],
        testbed: &bed.name,
        testgroup: &page.testgroup,
        module: &page.module,
        part: shown,
        parts,
        recent: RECENT,
        chart_points: CHART_POINTS,
        earlier: tests.iter().flat_map(|t| &t.variants).any(|v| v.earlier),
        tests,
    }
}

/// A run's results by (test group, test name), each run's made when first asked: history
/// pages look up one result of a run per test, mostly in the same few runs.
pub struct Results<'a> {
    runs: &'a [Run],
    maps: Vec<OnceLock<ResultMap<'a>>>,
}

type ResultMap<'a> = FxHashMap<(&'a str, &'a str), &'a TestResult>;

impl<'a> Results<'a> {
    pub fn new(runs: &'a [Run]) -> Results<'a> {
        Results {
            runs,
            maps: runs.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    fn find(&self, i: usize, testgroup: &str, test: &str) -> Option<&'a TestResult> {
        let map = self.maps[i].get_or_init(|| {
            let mut m = ResultMap::default();
            for g in &self.runs[i].groups {
                for x in &g.results {
                    // The first of a name, as a walk of the groups in order finds it.
                    m.entry((&g.testgroup, &x.name)).or_insert(x);
                }
            }
            m
        });
        map.get(&(testgroup, test)).copied()
    }
}

fn test_view(
    idx: &Index,
    t: usize,
    page: &crate::index::layout::HistoryPage,
    test: &str,
    anchor: &str,
    labels: &[RunLabel],
    results: &Results,
) -> TestView {
    use crate::index::history::{flips, Sample, State};
    let testgroup = page.testgroup.as_str();
    let h = &idx.histories[t];
    let run_href = |i: usize| format!("../{}/index.html", url_path(&idx.runs[i].slug));
    let mut variants = Vec::new();
    let mut source_url = None;
    let lo = crate::index::history::TestKey {
        testgroup: testgroup.to_string(),
        test: test.to_string(),
        variant: String::new(),
        role: String::new(),
    };
    for (key, samples) in h.tests.range(lo..) {
        if key.testgroup != testgroup || key.test != test {
            break;
        }
        // Samples are in the testbed's run order: one walk pairs them with the runs. PR runs
        // go apart: what a pull request did is not what the test does now.
        let walk = |skip_prs: bool| {
            let mut next = samples.iter().peekable();
            let mut cells: Vec<Cell> = Vec::with_capacity(h.runs.len());
            let mut own: Vec<&Sample> = Vec::with_capacity(samples.len());
            let mut prs: Vec<(&Sample, usize)> = Vec::new();
            // The run of each cell: the strip leaves PR runs out.
            let mut of_cell: Vec<usize> = Vec::with_capacity(h.runs.len());
            for (&i, run) in h.runs.iter().zip(labels) {
                let sample = next.next_if(|s| s.run == i);
                if skip_prs && run.pr {
                    prs.extend(sample.map(|s| (s, i)));
                    continue;
                }
                own.extend(sample);
                of_cell.push(i);
                cells.push(Cell {
                    class: sample.map_or("none", |s| state_class(s.state())),
                    outcomes: sample.map_or(&[][..], |s| &s.outcomes[..]),
                    run,
                });
            }
            (cells, own, prs, of_cell)
        };
        let (mut cells, mut own, mut prs, mut of_cell) = walk(true);
        if own.is_empty() {
            // It ran in PR runs only: those are its history.
            (cells, own, prs, of_cell) = walk(false);
        }
        let pr_runs: Vec<PrRunView> = prs
            .iter()
            .rev()
            .take(PR_RUNS_SHOWN)
            .map(|&(s, i)| PrRunView {
                run: idx.runs[i].id.clone(),
                slug: url_path(&idx.runs[i].slug),
                class: outcome_class(state_class(s.state())),
                word: strip::word(state_class(s.state())),
            })
            .collect();
        let pr_count = prs.len();
        let samples = &own[..];
        let retired = cells.len() > RECENT
            && cells
                .iter()
                .rposition(|c| c.class != "none")
                .is_none_or(|last| last < cells.len() - RECENT);
        // The streak still going: what the test does now, and since when.
        let streaks = strip::streaks(&cells);
        let open = streaks.last().map_or(0, |&(first, _)| first);
        let (now_class, now_run) = (cells.get(open).map_or("none", |c| c.class), of_cell[open]);
        let last = samples.last().expect("a key has samples");
        let mut since = None;
        if last.failing() {
            let mut first = last;
            for s in samples.iter().rev().skip(1) {
                if s.failing() {
                    first = s;
                } else if !matches!(s.state(), State::Skip | State::Known) {
                    break;
                }
            }
            since = Some(first.run);
        }
        if source_url.is_none() {
            // From the run where the current streak began: the link stays the same while
            // the test's result does.
            let i = if now_class == "none" {
                last.run
            } else {
                now_run
            };
            source_url = results
                .find(i, testgroup, test)
                .and_then(|x| links::result_source_url(&idx.runs[i], testgroup, x));
        }
        let mut tentacles: Vec<&str> = samples.iter().map(|s| &*s.tentacle).collect();
        tentacles.sort();
        tentacles.dedup();
        // The latest failure's text; the strip links every other failing run.
        let failure = samples
            .iter()
            .rev()
            .find(|s| s.failing())
            .map(|s| FailureView {
                run: idx.runs[s.run].id.clone(),
                slug: url_path(&idx.runs[s.run].slug),
                date: idx.runs[s.run]
                    .time_start
                    .as_ref()
                    .map(|t| t.display())
                    .unwrap_or_default(),
                text: cut(&s.text, 2000).to_string(),
            });
        // The runtimes of the strip's runs: a slow PR is no spike in the branch's trend.
        let points: Option<Vec<&crate::index::history::PerfPoint>> = h.perf.get(key).map(|all| {
            let apart: HashSet<usize> = prs.iter().map(|&(_, i)| i).collect();
            all.iter().filter(|p| !apart.contains(&p.run)).collect()
        });
        let points = points.as_ref().filter(|p| !p.is_empty());
        let perf = points.map(|points| {
            let drawn = &points[points.len().saturating_sub(CHART_POINTS)..];
            let pts: Vec<svg::Point> = drawn
                .iter()
                .map(|p| svg::Point {
                    label: idx.runs[p.run].id.clone(),
                    value: p.value,
                    marked: idx.comparisons[p.run].perf_regressions.iter().any(|r| {
                        r.testgroup == key.testgroup
                            && r.test == key.test
                            && r.variant == key.variant
                    }),
                    href: Some(run_href(p.run)),
                })
                .collect();
            svg::line_chart(&pts, "µs", svg::Axis::Data)
        });
        variants.push(VariantView {
            variant: key.variant.clone(),
            role: key.role.clone(),
            tentacles: tentacles.join(", "),
            strip: strip::strip(&cells, &streaks),
            earlier: streaks.len() > STRIP_STREAKS,
            now: strip::word(now_class),
            now_class: outcome_class(now_class),
            now_run: idx.runs[now_run].id.clone(),
            now_slug: url_path(&idx.runs[now_run].slug),
            since: since.map(|i| idx.runs[i].id.clone()),
            since_slug: since
                .map(|i| url_path(&idx.runs[i].slug))
                .unwrap_or_default(),
            since_date: since.and_then(|i| idx.runs[i].time_start.as_ref().map(|t| t.display())),
            since_commit: since.and_then(|i| {
                let r = &idx.runs[i];
                r.ref_tests
                    .as_ref()
                    .and_then(|g| g.short_commit())
                    .or_else(|| r.ci.commit.as_ref().map(|c| c.chars().take(7).collect()))
            }),
            failed_runs: samples.iter().filter(|s| s.failing()).count(),
            flips: flips(samples.iter().copied()),
            pr_runs,
            pr_count,
            failure,
            perf_of: points.map_or(0, |p| if p.len() > CHART_POINTS { p.len() } else { 0 }),
            perf,
            retired,
        });
    }
    let mut names: Vec<&str> = variants
        .iter()
        .filter(|v| v.retired && !v.variant.is_empty())
        .map(|v| v.variant.as_str())
        .collect();
    names.dedup();
    TestView {
        anchor: anchor.to_string(),
        name: crate::index::layout::name_in_module(test, &page.module).to_string(),
        source_url,
        retired: variants.iter().filter(|v| v.retired).count(),
        retired_names: names.join(", "),
        variants,
    }
}
