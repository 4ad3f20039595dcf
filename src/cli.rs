//! The command line: argument parsing and the `build` and `summary` commands.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::deliver::output::{write_file_atomic, Staged};
use crate::index::Index;
use crate::ingest::{self, xfail::XfailList};
use crate::model::Run;
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
}

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
    /// A run folder (with a context.json).
    #[arg(value_name = "RUN_DIR")]
    pub run: PathBuf,
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
    let (dirs, walk_problems) = ingest::discover(&args.roots);
    let mut problems = warn_all(&walk_problems);
    if dirs.is_empty() && !walk_problems.is_empty() {
        bail!("no runs found: {}", walk_problems.join("; "));
    }
    let pb = progress::bar(dirs.len() as u64, "reading", args.quiet);
    let mut runs: Vec<Run> = ingest::load_runs(&dirs, &|| pb.inc(1));
    if let Some(x) = &xfail {
        runs.iter_mut().for_each(|r| x.apply(r));
    }
    let index = Index::build(runs);
    pb.suspend(|| problems += warn_all(index.runs.iter().flat_map(|r| &r.problems)));

    let staged = Staged::new(&args.output, &args.roots)?;
    pb.set_message("writing");
    pb.set_position(0);
    let opts = SiteOptions {
        theme: args.theme.clone(),
        site_url: args.common.site_url.clone(),
    };
    render::write_site(&index, staged.path(), &opts, &|| pb.inc(1))
        .context("the site was not written; the previous one is unchanged")?;
    staged.commit()?;
    pb.finish_and_clear();
    if !args.quiet {
        eprintln!(
            "built {} run(s) of {} testbed(s) into {}{}",
            index.runs.len(),
            index.testbeds.len(),
            args.output.display(),
            if problems > 0 {
                format!(" ({problems} warning(s))")
            } else {
                String::new()
            }
        );
    }
    Ok(exit_status(problems, args.common.strict))
}

fn summary_cmd(args: SummaryArgs) -> Result<ExitCode> {
    if !args.run.join("context.json").is_file() {
        bail!(
            "{}: not a run folder (no context.json in it)",
            args.run.display()
        );
    }
    let xfail = load_xfail(args.common.xfail.as_deref())?;
    let mut run = ingest::load_run(&args.run);
    if let Some(x) = &xfail {
        x.apply(&mut run);
    }
    let problems = warn_all(&run.problems);
    let s = summary::summarize(&run);
    // The same place in the site as `build` gives it.
    let site_path = format!("{}/{}", crate::paths::slug(&run.testbed), run.slug);
    let [md, pr, json] = render::reports(&run, &s, args.common.site_url.as_deref(), &site_path);
    let text = match args.format {
        Format::Md => md.1,
        Format::Pr => pr.1,
        Format::Json => json.1,
    };
    match &args.output {
        Some(path) => write_file_atomic(path, text.as_bytes())?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .context("cannot write to standard output")?;
        }
    }
    Ok(exit_status(problems, args.common.strict))
}
