//! Rendering: the HTML site, the markdown reports and `summary.json`, written into a folder.

pub mod html;
pub mod incremental;
pub mod links;
pub mod markdown;
pub mod strip;
pub mod svg;

use std::fs;
use std::path::{Path, PathBuf};

use minijinja::Value;
use rayon::prelude::*;

use crate::index::group_pages;
use crate::index::history::Comparison;
use crate::index::Index;
use crate::model::Run;
use crate::paths;
use crate::redact::Redactor;
use crate::summary::{self, Summary};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Theme(#[from] html::ThemeError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RenderError + '_ {
    move |source| RenderError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    pub theme: Option<PathBuf>,
    pub site_url: Option<String>,
    /// The rankings' window in words, e.g. "since 2026-10-01".
    pub window_text: String,
    /// The site being replaced: files that come out the same are linked from it.
    pub previous: Option<PathBuf>,
}

/// Whether the site writes a file of this name into `run`'s folder itself: an input file of
/// that name is not copied over it. Only the run's own report names count, so a MicroPython
/// run keeps the `octoprobe_summary_report.md` its tool wrote (its files list links it).
fn generated(run: &Run, name: &str) -> bool {
    let (summary, pr) = report_names(run);
    ["index.html", "summary.json", summary, pr].contains(&name)
}

/// Writes into the staging folder. Where the site being replaced already holds the same
/// bytes at the same place, that file is hard-linked instead: it keeps its modification
/// time, so rsync and git see only real changes, and nothing is read back later.
struct Out<'a> {
    root: &'a Path,
    previous: Option<&'a Path>,
}

impl Out<'_> {
    fn write(&self, path: &Path, data: impl AsRef<[u8]>) -> Result<(), RenderError> {
        let data = data.as_ref();
        if let (Some(prev), Ok(rel)) = (self.previous, path.strip_prefix(self.root)) {
            let old = prev.join(rel);
            let same = fs::symlink_metadata(&old)
                .is_ok_and(|m| m.is_file() && m.len() == data.len() as u64)
                && fs::read(&old).is_ok_and(|b| b == data);
            // (A file already here, such as a default file a theme overrides, goes first.)
            if same
                && (fs::hard_link(&old, path).is_ok() || {
                    let _ = fs::remove_file(path);
                    fs::hard_link(&old, path).is_ok()
                })
            {
                return Ok(());
            }
        }
        write_new(path, data).map_err(io(path))
    }
}

/// Writes a new file. A file already there (an input copied under a generated name) is
/// replaced, never written through: it may be a link into the previous site.
fn write_new(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let open = || {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    };
    let mut f = match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            fs::remove_file(path)?;
            open()?
        }
        r => r?,
    };
    f.write_all(data)
}

/// Copies an input file into the site, redacted.
fn copy_redacted(o: &Out, from: &Path, to: &Path, r: &Redactor) -> Result<(), RenderError> {
    let data = fs::read(from).map_err(io(from))?;
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    o.write(to, r.bytes(&data))
}

/// What the place a test ran on is called: a tentacle on an Octoprobe testbed, else a host
/// (a JUnit `hostname`, a CTRF `osPlatform`). Pages and reports say the same.
pub fn place_word(run: &Run) -> &'static str {
    if run.format == "octoprobe" {
        "tentacle"
    } else {
        "host"
    }
}

/// The markdown reports' file names: Octoprobe's for Octoprobe runs, plain ones otherwise.
pub fn report_names(run: &Run) -> (&'static str, &'static str) {
    if run.format == "octoprobe" {
        ("octoprobe_summary_report.md", "octoprobe_pr_report.md")
    } else {
        ("summary_report.md", "pr_report.md")
    }
}

/// The three reports of one run, as (file name, content).
pub fn reports(
    run: &Run,
    s: &Summary,
    cmp: &Comparison,
    site_url: Option<&str>,
    site_path: &str,
) -> [(&'static str, String); 3] {
    let base = markdown::LinkBase::new(site_url, site_path);
    let json =
        serde_json::to_string_pretty(&summary::to_json(run, s, cmp)).unwrap_or_default() + "\n";
    let (summary_name, pr_name) = report_names(run);
    [
        (summary_name, markdown::summary_report(run, s, cmp, &base)),
        (pr_name, markdown::pr_report(run, s, cmp, &base)),
        ("summary.json", json),
    ]
}

/// Writes the whole site into `out` (an empty folder). `tick` is called once per run written.
/// With `inc`, a run whose inputs did not change since the previous build is linked from it.
pub fn write_site(
    idx: &Index,
    out: &Path,
    opts: &SiteOptions,
    inc: Option<&incremental::Incremental>,
    tick: &(dyn Fn() + Sync),
) -> Result<(), RenderError> {
    let env = html::environment(opts.theme.as_deref())?;
    let o = &Out {
        root: out,
        previous: opts.previous.as_deref().filter(|p| p.is_dir()),
    };
    let static_dir = out.join("static");
    fs::create_dir_all(&static_dir).map_err(io(&static_dir))?;
    for (name, text) in html::DEFAULT_STATIC {
        o.write(&static_dir.join(name), text)?;
    }
    if let Some(theme_static) = opts.theme.as_ref().map(|t| t.join("static")) {
        if theme_static.is_dir() {
            for entry in walkdir::WalkDir::new(&theme_static)
                .min_depth(1)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
            {
                let rel = entry
                    .path()
                    .strip_prefix(&theme_static)
                    .unwrap_or(entry.path());
                let to = static_dir.join(rel);
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent).map_err(io(parent))?;
                }
                // Through `Out`: the default file just put there may be a link into the
                // previous site, which a plain copy would write through.
                o.write(&to, fs::read(entry.path()).map_err(io(entry.path()))?)?;
            }
        }
    }
    o.write(&out.join("index.html"), html::index_page(&env, idx)?)?;
    o.write(
        &out.join(".testpress-site"),
        "This folder was written by testpress and is replaced by each build.\n",
    )?;
    // Each run's results by name, mapped when a history page first asks.
    let results = html::Results::new(&idx.runs);
    let mut labels = Vec::with_capacity(idx.testbeds.len());
    for (t, bed) in idx.testbeds.iter().enumerate() {
        let dir = out.join(&bed.slug);
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        o.write(
            &dir.join("index.html"),
            html::testbed_page(&env, idx, t, &opts.window_text)?,
        )?;
        let older = html::older_pages(bed.runs.len());
        if !older.is_empty() {
            let dir = dir.join("older");
            fs::create_dir_all(&dir).map_err(io(&dir))?;
            (0..older.len()).into_par_iter().try_for_each(|k| {
                o.write(
                    &dir.join(format!("{}.html", k + 1)),
                    html::older_page(&env, idx, t, k)?,
                )
            })?;
        }
        let tests = dir.join("tests");
        fs::create_dir_all(&tests).map_err(io(&tests))?;
        labels.push(strip::run_labels(idx, t));
    }
    // History pages and run folders side by side: after one new run, that run's pages are
    // most of the work, and would otherwise wait for every history page to be checked.
    let history_pages = || {
        idx.testbeds
            .par_iter()
            .enumerate()
            .try_for_each(|(t, bed)| {
                let dir = out.join(&bed.slug);
                idx.histories[t]
                    .layout
                    .pages
                    .par_iter()
                    .try_for_each(|(file, page)| {
                        let ctx = html::history_context(idx, t, page, &labels[t], &results);
                        // Most pages are as they were: known by their context, not rendered.
                        let page =
                            |ctx| html::render(&env, "history.html", Value::from_serialize(ctx));
                        let Some(inc) = inc else {
                            return o.write(&dir.join(file), page(&ctx)?);
                        };
                        let rel = format!("{}/{file}", bed.slug);
                        let hash = incremental::context_hash(&ctx);
                        if o.previous
                            .is_some_and(|prev| inc.reuse_page(&rel, hash, prev, out))
                        {
                            return Ok(());
                        }
                        o.write(&dir.join(file), page(&ctx)?)?;
                        inc.record_page(&rel, hash, out);
                        Ok(())
                    })
            })
    };
    let jobs: Vec<(usize, usize)> = idx
        .testbeds
        .iter()
        .enumerate()
        .flat_map(|(t, b)| b.runs.iter().map(move |&i| (i, t)))
        .collect();
    let run_folders = || {
        jobs.par_iter().try_for_each(|&(i, t)| {
            let rel = format!("{}/{}", idx.testbeds[t].slug, idx.runs[i].slug);
            let fingerprint = inc.and_then(|inc| inc.fingerprint(idx, i, t));
            if let (Some(inc), Some(fp), Some(prev)) = (inc, &fingerprint, o.previous) {
                if inc.reuse(&rel, fp, prev, out) {
                    tick();
                    return Ok(());
                }
            }
            let r = write_run(o, &env, idx, i, t, out, opts);
            if let (Some(inc), Some(fp), Ok(())) = (inc, fingerprint, &r) {
                inc.record(&rel, fp, out);
            }
            tick();
            r
        })
    };
    let (pages, folders) = rayon::join(history_pages, run_folders);
    pages.and(folders)
}

fn write_run(
    o: &Out,
    env: &minijinja::Environment,
    idx: &Index,
    i: usize,
    t: usize,
    out: &Path,
    opts: &SiteOptions,
) -> Result<(), RenderError> {
    let run = &idx.runs[i];
    let bed_slug = idx.testbeds[t].slug.as_str();
    let dir = out.join(bed_slug).join(&run.slug);
    fs::create_dir_all(&dir).map_err(io(&dir))?;
    let redactor = Redactor::new(&run.secrets);
    for f in run.files.iter().filter(|f| !generated(run, f)) {
        debug_assert!(paths::is_safe_relative(f));
        copy_redacted(o, &run.path.join(f), &dir.join(f), &redactor)?;
    }
    let group_pages = || {
        run.groups.par_iter().try_for_each(|g| {
            let gdir = dir.join(&g.slug);
            fs::create_dir_all(&gdir).map_err(io(&gdir))?;
            let src = run.path.join(&g.dir_name);
            for f in g.files.iter().filter(|f| f.as_str() != "index.html") {
                copy_redacted(o, &src.join(f), &gdir.join(f), &redactor)?;
            }
            for (name, text) in html::long_outputs(g) {
                o.write(&gdir.join(name), text)?;
            }
            let layout = group_pages::group_layout(g);
            (0..layout.parts.len()).into_par_iter().try_for_each(|k| {
                o.write(
                    &gdir.join(group_pages::group_part_file(k)),
                    html::group_page(env, run, g, &idx.histories[t], &layout, k)?,
                )
            })
        })
    };
    // The run's own pages beside its group pages: one large group would leave a core idle.
    let run_pages = || {
        for (file, html) in html::run_pages(env, idx, i, &run.testbed)? {
            o.write(&dir.join(file), html)?;
        }
        let parts = html::matrix_parts(&idx.summaries[i]);
        for (k, p) in parts.iter().enumerate() {
            o.write(
                &dir.join(&p.file),
                html::matrix_page(env, run, &idx.summaries[i], &parts, k)?,
            )?;
        }
        let site_path = format!(
            "{}/{}",
            paths::url_path(bed_slug),
            paths::url_path(&run.slug)
        );
        let cmp = &idx.comparisons[i];
        for (name, text) in reports(
            run,
            &idx.summaries[i],
            cmp,
            opts.site_url.as_deref(),
            &site_path,
        ) {
            o.write(&dir.join(name), text)?;
        }
        Ok(())
    };
    let (groups, pages) = rayon::join(group_pages, run_pages);
    groups.and(pages)
}
