//! The command line: argument parsing and the `build` and `summary` commands.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::deliver::output::{self, write_file_atomic, Staged};
use crate::index::Index;
use crate::ingest::{self, cache::Cache, xfail::XfailList};
use crate::model::Run;
use crate::render::incremental::{Finished, Incremental};
use crate::render::{self, SiteOptions};
use crate::{progress, summary};

/// Exit status when `--strict` is given and an input had problems.
pub const EXIT_PROBLEMS: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "testpress",
    version,
    about = "A static site generator for test reports"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the static site from every run found below the ROOTs.
    Build(BuildArgs),
    /// Print one run's summary (markdown report, PR report or JSON).
    Summary(SummaryArgs),
    /// Turn a CI job's result files into a run: copy them into DIR and write DIR/run.json
    /// from the CI's environment (GitHub Actions, GitLab CI, Jenkins).
    Record(RecordArgs),
}

#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The run folder to create or add to.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Result files or folders to copy in.
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// The testbed (or pipeline) name; default: the CI workflow or job name.
    #[arg(long)]
    pub testbed: Option<String>,
    /// The run id; default: the CI run or pipeline id.
    #[arg(long)]
    pub id: Option<String>,
    /// When the tests started (ISO 8601); default: taken from the results.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// Octoprobe xfail list: matching failures count as xfailed.
    #[arg(long, value_name = "FILE")]
    pub xfail: Option<PathBuf>,
    /// Public base URL of the site; makes the links in the markdown reports absolute.
    #[arg(long, value_name = "URL")]
    pub site_url: Option<String>,
    /// Exit with status 3 when an input file had problems.
    #[arg(long)]
    pub strict: bool,
    /// Read inputs as this format instead of detecting it from their content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<Format2>,
    /// Keep parsed runs here between builds [default: $XDG_CACHE_HOME/testpress, or
    /// ~/.cache/testpress]. Only saves time: it may be deleted at any moment.
    #[arg(long, value_name = "DIR", env = "TESTPRESS_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Read every run afresh and keep nothing between builds.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub history: HistoryArgs,
}

impl CommonArgs {
    fn cache(&self) -> Option<Cache> {
        if self.no_cache {
            return None;
        }
        self.cache_dir
            .clone()
            .or_else(Cache::default_dir)
            .map(|d| Cache::new(&d))
    }
}

/// How runs are compared with their history.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Compare with this run instead of the newest earlier run on the base branch.
    #[arg(long, value_name = "RUN_ID")]
    pub baseline: Option<String>,
    /// The branch PR runs compare with when their ref does not name one (default: master, then main).
    #[arg(long, value_name = "BRANCH")]
    pub base_branch: Option<String>,
    /// Flip rate: look at the last N runs of a test.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub flaky_window: usize,
    /// Flip rate: only with at least M pass/fail results.
    #[arg(long, default_value_t = 5, value_name = "M")]
    pub flaky_min_samples: usize,
    /// Flip rate above which a failing test counts as flaky (0 to 1).
    #[arg(long, default_value_t = 0.3, value_name = "RATE")]
    pub flaky_threshold: f64,
    /// A perf runtime regresses when it grows by more than this many percent (and more than its noise).
    #[arg(long, default_value_t = 5.0, value_name = "PERCENT")]
    pub perf_threshold: f64,
    /// Rankings: only runs that started on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Rankings: only runs that started on or before this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Exit with status 4 when the run (for build: the newest run of any testbed) has new
    /// failures (`new`) or any failure (`failed`).
    #[arg(long, value_enum, default_value_t = FailOn::Never, value_name = "WHEN")]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    New,
    Failed,
    Never,
}

/// Exit status when `--fail-on` trips.
pub const EXIT_GATE: u8 = 4;

fn parse_date(s: &str, end_of_day: bool) -> Result<i64> {
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(d.timestamp());
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("{s}: not a date (YYYY-MM-DD or RFC 3339)"))?;
    let t = if end_of_day {
        d.and_hms_opt(23, 59, 59)
    } else {
        d.and_hms_opt(0, 0, 0)
    };
    Ok(t.expect("valid time").and_utc().timestamp())
}

/// The warning when `--baseline` names a run that was not found.
fn check_baseline(history: &HistoryArgs, index: &Index) -> Option<String> {
    match &history.baseline {
        Some(id) if !index.runs.iter().any(|r| &r.id == id) => Some(format!(
            "--baseline {id}: no such run; every run is compared with its usual baseline"
        )),
        _ => None,
    }
}

impl HistoryArgs {
    fn options(&self) -> Result<CompareOptions> {
        if !(0.0..=1.0).contains(&self.flaky_threshold) {
            bail!("--flaky-threshold must be between 0 and 1");
        }
        if self.perf_threshold < 0.0 || self.flaky_window < 2 || self.flaky_min_samples < 2 {
            bail!("--perf-threshold must be positive; --flaky-window and --flaky-min-samples at least 2");
        }
        Ok(CompareOptions {
            flaky: FlakyRule {
                window: self.flaky_window.max(2),
                min_samples: self.flaky_min_samples,
                threshold: self.flaky_threshold,
            },
            perf_threshold: self.perf_threshold / 100.0,
            baseline: self.baseline.clone(),
            base_branch: self.base_branch.clone(),
            window: Window {
                since: self
                    .since
                    .as_deref()
                    .map(|d| parse_date(d, false))
                    .transpose()?,
                until: self
                    .until
                    .as_deref()
                    .map(|d| parse_date(d, true))
                    .transpose()?,
            },
        })
    }

    fn window_text(&self) -> String {
        match (&self.since, &self.until) {
            (Some(s), Some(u)) => format!("from {s} to {u}"),
            (Some(s), None) => format!("since {s}"),
            (None, Some(u)) => format!("until {u}"),
            (None, None) => String::new(),
        }
    }

    /// Does the gate trip for this comparison?
    fn trips(&self, s: &summary::Summary, c: &crate::index::history::Comparison) -> bool {
        self.gate(
            !c.new_failures.is_empty(),
            s.total.failed + s.total.errored > 0,
        )
    }

    /// Does the gate trip for a run with new failures (`new`) or failures at all (`failed`)?
    fn gate(&self, new: bool, failed: bool) -> bool {
        match self.fail_on {
            FailOn::Never => false,
            FailOn::New => new,
            FailOn::Failed => failed,
        }
    }
}

pub use crate::index::history::{CompareOptions, FlakyRule};
pub use crate::index::rankings::Window;

pub use crate::ingest::result_dir::Format as Format2;

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Folders to search for runs, at any depth.
    #[arg(required = true, value_name = "ROOT")]
    pub roots: Vec<PathBuf>,
    /// Output folder; replaced as a whole when the build succeeds.
    #[arg(short, long, default_value = "public", value_name = "DIR")]
    pub output: PathBuf,
    /// A theme folder whose templates/ and static/ override the default theme's files.
    #[arg(long, value_name = "DIR")]
    pub theme: Option<PathBuf>,
    /// No progress bar and no closing line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how long each stage took (walk, parse, index, render and write, swap).
    #[arg(long)]
    pub timings: bool,
    /// Also copy JUnit, report-log and CTRF files into the site (it shows their content
    /// either way; Octoprobe's files and other files of a run folder are always copied).
    #[arg(long)]
    pub copy_results: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// octoprobe_summary_report.md
    Md,
    /// octoprobe_pr_report.md
    Pr,
    /// summary.json
    Json,
}

#[derive(Debug, clap::Args)]
pub struct SummaryArgs {
    /// A run folder or a single result file; with --run, folders to search for runs.
    #[arg(value_name = "RUN", required = true)]
    pub paths: Vec<PathBuf>,
    /// Summarise this run (its id, or `latest`) against the history found under the paths.
    #[arg(long, value_name = "ID")]
    pub run: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Build(args) => build(args),
        Command::Summary(args) => summary_cmd(args),
        Command::Record(args) => record(args),
    }
}

fn load_xfail(path: Option<&Path>) -> Result<Option<XfailList>> {
    path.map(|p| XfailList::load(p).context("cannot read the xfail list"))
        .transpose()
}

/// Prints every problem as a warning; returns how many there were.
fn warn_all<'a>(problems: impl IntoIterator<Item = &'a String>) -> usize {
    let mut stderr = std::io::stderr().lock();
    let mut n = 0;
    for p in problems {
        let _ = writeln!(stderr, "warning: {p}");
        n += 1;
    }
    n
}

fn exit_status(problems: usize, strict: bool) -> ExitCode {
    if strict && problems > 0 {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}

fn build(args: BuildArgs) -> Result<ExitCode> {
    let xfail = load_xfail(args.common.xfail.as_deref())?;
    let forced = args.common.input_format;
    let options = args.common.history.options()?;
    let clock = std::time::Instant::now();
    let mut stages: Vec<(&str, std::time::Duration)> = Vec::new();
    let mut lap = {
        let mut last = clock;
        move |name: &'static str, stages: &mut Vec<(&str, std::time::Duration)>| {
            let now = std::time::Instant::now();
            stages.push((name, now - last));
            last = now;
        }
    };
    let timings = |stages: &[(&str, std::time::Duration)], note: &str| {
        if args.timings {
            let parts: Vec<String> = stages
                .iter()
                .map(|(n, d)| format!("{n} {:.3} s", d.as_secs_f64()))
                .collect();
            eprintln!(
                "timings: {}; total {:.3} s{note}",
                parts.join(", "),
                clock.elapsed().as_secs_f64()
            );
        }
    };
    let (dirs, walk_problems) = ingest::discover(&args.roots, forced);
    lap("walk", &mut stages);
    let walk_warnings = warn_all(&walk_problems);
    if dirs.is_empty() && !walk_problems.is_empty() {
        bail!("no runs found: {}", walk_problems.join("; "));
    }
    output::check(&args.output, &args.roots)?;
    let window_text = args.common.history.window_text();
    let cache = args.common.cache();
    // What every page depends on besides its run: the program, theme and options. A theme
    // or list that cannot be read whole is not known: nothing is reused then.
    let inc = cache.as_ref().and_then(|c| {
        let digest = |p: &Option<PathBuf>| match p {
            Some(p) => ingest::cache::digest_path(p).map(|d| format!("{}:{d}", p.display())),
            None => Some(String::new()),
        };
        // Debug's quoting keeps the parts apart, and `--site-url ""` apart from none.
        let seed = format!(
            "{:?}",
            (
                c.program(),
                digest(&args.theme)?,
                digest(&args.common.xfail)?,
                &args.common.site_url,
                &window_text,
            )
        );
        Some(Incremental::load(
            &c.site_manifest(&args.output),
            &args.output,
            seed,
        ))
    });
    let keys = ingest::run_keys(&dirs, forced, cache.as_ref());
    // Everything the site and the report are made from, when all of it is known by hash.
    let build_key = inc.as_ref().and_then(|inc| {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(inc.seed().as_bytes());
        h.update(format!("{options:?} {forced:?} {}", args.copy_results).as_bytes());
        for (d, k) in dirs.iter().zip(&keys) {
            h.update(d.path().as_os_str().as_encoded_bytes());
            h.update(b"\0");
            h.update(k.as_ref()?.as_bytes());
        }
        Some(h.digest128())
    });
    let unchanged = build_key.and_then(|k| inc.as_ref()?.unchanged(k, &args.output));
    if let (Some(done), Some(c)) = (unchanged, &cache) {
        // The site already is what this build would make: no byte needs writing.
        lap("check", &mut stages);
        keys.iter().flatten().for_each(|k| c.touch(k));
        c.finish();
        let problems = walk_warnings + warn_all(&done.warnings);
        timings(&stages, " (nothing changed)");
        if !args.quiet {
            eprintln!(
                "{} run(s) of {} testbed(s) as built before into {}: nothing changed{}",
                done.runs,
                done.testbeds,
                args.output.display(),
                warning_count(problems)
            );
        }
        let gate = done
            .newest
            .iter()
            .any(|&(new, failed)| args.common.history.gate(new, failed));
        return Ok(gate_status(gate, problems, args.common.strict));
    }
    let pb = progress::bar(dirs.len() as u64, "reading", args.quiet);
    let mut runs: Vec<Run> = ingest::load_runs(&dirs, keys, forced, cache.as_ref(), &|| pb.inc(1));
    if let Some(x) = &xfail {
        runs.iter_mut().for_each(|r| x.apply(r));
    }
    if !args.copy_results {
        runs.iter_mut().for_each(Run::leave_out_result_files);
    }
    // A run that changed while it was read is not known by its key (see `load_runs`).
    let build_key = build_key.filter(|_| runs.iter().all(|r| r.content_key.is_some()));
    lap("parse", &mut stages);
    let index = Index::build_with(runs, &options);
    lap("index", &mut stages);
    let warnings: Vec<String> = check_baseline(&args.common.history, &index)
        .into_iter()
        .chain(index.runs.iter().flat_map(|r| r.problems.iter().cloned()))
        .collect();
    let problems = walk_warnings + pb.suspend(|| warn_all(&warnings));

    let staged = Staged::new(&args.output, &args.roots)?;
    pb.set_message("writing");
    pb.set_position(0);
    let opts = SiteOptions {
        theme: args.theme.clone(),
        site_url: args.common.site_url.clone(),
        window_text,
        previous: Some(args.output.clone()),
    };
    render::write_site(&index, staged.path(), &opts, inc.as_ref(), &|| pb.inc(1))
        .context("the site was not written; the previous one is unchanged")?;
    lap("render and write", &mut stages);
    // The folder keeps its inode when it is moved into place: how `save` knows it.
    let made = std::fs::metadata(staged.path())
        .ok()
        .map(|m| ingest::cache::Stamp::of(&m));
    staged.commit()?;
    // Each testbed's newest run, for `--fail-on`.
    let newest: Vec<(bool, bool)> = index
        .testbeds
        .iter()
        .filter_map(|t| t.runs.first())
        .map(|&i| {
            let s = &index.summaries[i].total;
            (
                !index.comparisons[i].new_failures.is_empty(),
                s.failed + s.errored > 0,
            )
        })
        .collect();
    let gate = newest
        .iter()
        .any(|&(new, failed)| args.common.history.gate(new, failed));
    if let Some(inc) = inc {
        let finished = Finished {
            key: build_key,
            warnings,
            runs: index.runs.len(),
            testbeds: index.testbeds.len(),
            newest,
        };
        inc.save(&args.output, made, finished);
    }
    lap("swap", &mut stages);
    if let Some(c) = &cache {
        c.finish();
    }
    pb.finish_and_clear();
    timings(&stages, "");
    if !args.quiet {
        eprintln!(
            "built {} run(s) of {} testbed(s) into {}{}",
            index.runs.len(),
            index.testbeds.len(),
            args.output.display(),
            warning_count(problems)
        );
    }
    // The process ends next: letting it go is quicker than freeing every result one by one.
    std::mem::forget(index);
    Ok(gate_status(gate, problems, args.common.strict))
}

fn warning_count(problems: usize) -> String {
    if problems > 0 {
        format!(" ({problems} warning(s))")
    } else {
        String::new()
    }
}

/// The gate's status when it tripped (unless `--strict` has warnings to report first).
fn gate_status(gate: bool, problems: usize, strict: bool) -> ExitCode {
    if gate && !(strict && problems > 0) {
        return ExitCode::from(EXIT_GATE);
    }
    exit_status(problems, strict)
}

/// `summary ROOT... --run ID`: the run against the history under the roots.
fn summary_with_history(args: &SummaryArgs, id: &str) -> Result<ExitCode> {
    let forced = args.common.input_format;
    let (sources, walk_problems) = ingest::discover(&args.paths, forced);
    let mut problems = warn_all(&walk_problems);
    let xfail = load_xfail(args.common.xfail.as_deref())?;
    let cache = args.common.cache();
    let keys = ingest::run_keys(&sources, forced, cache.as_ref());
    let mut runs = ingest::load_runs(&sources, keys, forced, cache.as_ref(), &|| {});
    if let Some(c) = &cache {
        // Its listings spare the next build or summary hashing the same bytes again.
        c.finish();
    }
    if let Some(x) = &xfail {
        runs.iter_mut().for_each(|r| x.apply(r));
    }
    let index = Index::build_with(runs, &args.common.history.options()?);
    problems += warn_all(&check_baseline(&args.common.history, &index));
    let pick = if id == "latest" {
        (0..index.runs.len()).max_by_key(|&i| {
            (
                index.runs[i].time_start.as_ref().and_then(|t| t.epoch),
                index.runs[i].id.clone(),
            )
        })
    } else {
        (0..index.runs.len()).find(|&i| index.runs[i].id == id)
    };
    let Some(i) = pick else {
        bail!(
            "no run {id} below {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let run = &index.runs[i];
    problems += warn_all(&run.problems);
    let bed = &index.testbeds[index.testbed_of(i)];
    let site_path = format!("{}/{}", bed.slug, run.slug);
    let [md, pr, json] = render::reports(
        run,
        &index.summaries[i],
        &index.comparisons[i],
        args.common.site_url.as_deref(),
        &site_path,
    );
    emit(
        args,
        match args.format {
            Format::Md => md.1,
            Format::Pr => pr.1,
            Format::Json => json.1,
        },
    )?;
    if args
        .common
        .history
        .trips(&index.summaries[i], &index.comparisons[i])
        && !(args.common.strict && problems > 0)
    {
        return Ok(ExitCode::from(EXIT_GATE));
    }
    Ok(exit_status(problems, args.common.strict))
}

fn emit(args: &SummaryArgs, text: String) -> Result<()> {
    match &args.output {
        Some(path) => write_file_atomic(path, text.as_bytes())?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .context("cannot write to standard output")?;
        }
    }
    Ok(())
}

fn summary_cmd(args: SummaryArgs) -> Result<ExitCode> {
    if let Some(id) = args.run.clone() {
        return summary_with_history(&args, &id);
    }
    if args.paths.len() != 1 {
        bail!("summary takes one run (or several folders with --run ID)");
    }
    let path = args.paths[0].clone();
    if !path.exists() {
        bail!("{}: no such file or directory", path.display());
    }
    let forced = args.common.input_format;
    let xfail = load_xfail(args.common.xfail.as_deref())?;
    let mut run = if path.is_file() {
        ingest::result_dir::load_file(&path, forced)
    } else if path.join("context.json").is_file()
        && matches!(forced, None | Some(Format2::Octoprobe))
    {
        ingest::load_run(&ingest::RunSource::Octoprobe(path.clone()), forced)
    } else if path.is_dir() && ingest::result_dir::holds_results(&path, forced) {
        ingest::load_run(&ingest::RunSource::Results(path.clone()), forced)
    } else {
        bail!(
            "{}: not a run (no context.json, run.json or result file in it)",
            path.display()
        );
    };
    if let Some(x) = &xfail {
        x.apply(&mut run);
    }
    let problems = warn_all(&run.problems);
    let s = summary::summarize(&run);
    // The same place in the site as `build` gives it.
    let site_path = format!("{}/{}", crate::paths::slug(&run.testbed), run.slug);
    let cmp = crate::index::history::Comparison::default();
    let [md, pr, json] =
        render::reports(&run, &s, &cmp, args.common.site_url.as_deref(), &site_path);
    let text = match args.format {
        Format::Md => md.1,
        Format::Pr => pr.1,
        Format::Json => json.1,
    };
    emit(&args, text)?;
    if args.common.history.trips(&s, &cmp) && !(args.common.strict && problems > 0) {
        return Ok(ExitCode::from(EXIT_GATE));
    }
    Ok(exit_status(problems, args.common.strict))
}

fn record(args: RecordArgs) -> Result<ExitCode> {
    // Nothing is created unless every file to record is there.
    if let Some(missing) = args.files.iter().find(|f| !f.exists()) {
        bail!(
            "{}: no such file or directory; nothing was recorded",
            missing.display()
        );
    }
    let copied = crate::ingest::result_dir::copy_into(&args.dir, &args.files)
        .with_context(|| format!("cannot copy the results into {}", args.dir.display()))?;
    let mut meta = crate::ingest::result_dir::run_json_from_env(&|k| std::env::var(k).ok());
    // Recording more files into a run keeps what its run.json said before.
    if let Ok(serde_json::Value::Object(old)) = crate::ingest::read_json(&args.dir.join("run.json"))
    {
        if let Some(m) = meta.as_object_mut() {
            for (k, v) in old {
                m.entry(k).or_insert(v);
            }
        }
    }
    if let Some(m) = meta.as_object_mut() {
        for (k, v) in [
            ("testbed", &args.testbed),
            ("id", &args.id),
            ("time_start", &args.start),
        ] {
            if let Some(v) = v {
                m.insert(k.to_string(), serde_json::Value::String(v.clone()));
            }
        }
    }
    let path = args.dir.join("run.json");
    let text = serde_json::to_string_pretty(&meta)? + "\n";
    write_file_atomic(&path, text.as_bytes())?;
    eprintln!(
        "recorded {} file(s) into {} with {}",
        copied.len(),
        args.dir.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
