//! Finds runs below the given roots and reads them, in parallel, into the model.

pub mod cache;
pub mod ctrf;
pub mod junit;
pub mod mp_results;
pub mod octoprobe;
pub mod reportlog;
pub mod result_dir;
pub mod time;
pub mod xfail;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;
use walkdir::WalkDir;

use crate::model::Run;
use crate::paths;
use crate::redact::Redactor;

/// A problem with one input: the message names the file, and the line when known.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Json {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}:{line}: {reason}; the tests before that line are kept (one cut off before its result is left out)")]
    Truncated {
        path: String,
        line: usize,
        /// "the file ends early", or the parser's complaint.
        reason: String,
        partial: Box<junit::JunitFile>,
    },
}

/// Files that are never copied into a site: GitHub's job context holds the job token.
const DENY_FILES: &[&str] = &["github.json"];
/// Reads and parses one JSON file, with the position of a syntax error.
pub fn read_json(path: &Path) -> Result<Value, IngestError> {
    let bytes = fs::read(path).map_err(|source| IngestError::Io {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| json_error(path, &e))
}

/// A JSON syntax error as a problem naming the file, line and column.
pub fn json_error(path: &Path, e: &serde_json::Error) -> IngestError {
    IngestError::Json {
        path: path.display().to_string(),
        line: e.line(),
        column: e.column(),
        // serde_json appends " at line L column C": the position is said once, up front.
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_string(),
    }
}

/// A run's id when nothing names it: its folder's name (of the real path, so `.` works).
pub fn folder_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into())
}

/// Where a run was found, and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunSource {
    /// A folder with a top-level `context.json`.
    Octoprobe(PathBuf),
    /// A folder with `run.json`, or one holding result files of another format.
    Results(PathBuf),
}

impl RunSource {
    pub fn path(&self) -> &Path {
        match self {
            RunSource::Octoprobe(p) | RunSource::Results(p) => p,
        }
    }
}

/// Every run below `roots`, in walk order (sorted by name), at any depth. An Octoprobe run or a
/// folder with `run.json` owns everything below it; a folder that merely holds result files
/// owns those files, and its subfolders may be runs of their own.
/// Problems met on the way (unreadable folders, missing roots) are returned beside them.
pub fn discover(
    roots: &[PathBuf],
    forced: Option<result_dir::Format>,
) -> (Vec<RunSource>, Vec<String>) {
    let mut runs = Vec::new();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for root in roots {
        if !root.exists() {
            problems.push(format!("{}: no such file or directory", root.display()));
            continue;
        }
        let mut walk = WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walk.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    problems.push(format!("{e}"));
                    continue;
                }
            };
            if !entry.file_type().is_dir() {
                continue;
            }
            let dir = entry.path();
            let octoprobe = matches!(forced, None | Some(result_dir::Format::Octoprobe))
                && dir.join("context.json").is_file();
            let found = if octoprobe {
                walk.skip_current_dir();
                Some(RunSource::Octoprobe(dir.to_path_buf()))
            } else if forced != Some(result_dir::Format::Octoprobe)
                && result_dir::holds_results(dir, forced)
            {
                if dir.join("run.json").is_file() {
                    walk.skip_current_dir();
                }
                Some(RunSource::Results(dir.to_path_buf()))
            } else {
                None
            };
            if let Some(run) = found {
                let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
                if seen.insert(key) {
                    runs.push(run);
                }
            }
        }
    }
    (runs, problems)
}

/// Reads one run of any kind.
pub fn load_run(source: &RunSource, forced: Option<result_dir::Format>) -> Run {
    match source {
        RunSource::Octoprobe(dir) => octoprobe::load_run(dir),
        RunSource::Results(dir) => result_dir::load_run(dir, forced),
    }
}

/// The parse cache's key of each run, in order: `None` without a cache, and for a run with
/// an input that cannot be read (see [`cache::Cache::key`]).
pub fn run_keys(
    sources: &[RunSource],
    forced: Option<result_dir::Format>,
    cache: Option<&cache::Cache>,
) -> Vec<Option<String>> {
    match cache {
        Some(c) => sources.par_iter().map(|s| c.key(s, forced)).collect(),
        None => vec![None; sources.len()],
    }
}

/// Reads all runs in parallel, through the parse cache when there is one (`keys` from
/// [`run_keys`]); `tick` is called once per run read.
pub fn load_runs(
    sources: &[RunSource],
    keys: Vec<Option<String>>,
    forced: Option<result_dir::Format>,
    cache: Option<&cache::Cache>,
    tick: &(dyn Fn() + Sync),
) -> Vec<Run> {
    sources
        .par_iter()
        .zip(keys)
        .map(|(s, mut key)| {
            let mut run = match (cache, &key) {
                (Some(c), Some(k)) => match c.get(k) {
                    Some(run) => run,
                    None => {
                        let run = load_run(s, forced);
                        // Changed since it was hashed: the run read is not what the key
                        // stands for, so it is neither kept nor known by it.
                        if c.still_as_keyed(s, forced, k) {
                            c.put(k, &run);
                        } else {
                            key = None;
                        }
                        run
                    }
                },
                _ => load_run(s, forced),
            };
            run.content_key = key;
            tick();
            run
        })
        .collect()
}

/// The sorted regular files below `dir` (relative, `/`-separated), leaving out links and denied names.
pub(crate) fn list_files(dir: &Path, max_depth: usize) -> Vec<String> {
    WalkDir::new(dir)
        .min_depth(1)
        .max_depth(max_depth)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| !DENY_FILES.contains(&e.file_name().to_string_lossy().as_ref()))
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_str())
                .collect::<Option<Vec<_>>>()?
                .join("/");
            paths::is_safe_relative(&rel).then_some(rel)
        })
        .collect()
}

/// Applies the run's redaction to every string that came from its inputs.
pub(crate) fn redact_run(run: &mut Run) {
    let r = Redactor::new(&run.secrets);
    for s in [
        &mut run.trigger,
        &mut run.error,
        &mut run.commandline,
        &mut run.id,
        &mut run.testbed,
        &mut run.testbed_name,
    ] {
        r.in_place(s);
    }
    for g in run.ref_tests.iter_mut().chain(run.ref_firmware.iter_mut()) {
        r.in_place(&mut g.spec);
        for s in [&mut g.log, &mut g.describe, &mut g.url_link]
            .into_iter()
            .flatten()
        {
            r.in_place(s);
        }
    }
    for p in &mut run.paths {
        r.in_place(&mut p.target);
    }
    for p in run.problems.iter_mut().chain(run.notes.iter_mut()) {
        r.in_place(p);
    }
    for s in [
        &mut run.ci.ci_url,
        &mut run.ci.job,
        &mut run.ci.pr,
        &mut run.ci.repository,
        &mut run.ci.branch,
        &mut run.ci.commit,
    ]
    .into_iter()
    .flatten()
    {
        r.in_place(s);
    }
    for g in &mut run.groups {
        for s in [
            &mut g.commandline,
            &mut g.testid,
            &mut g.testgroup,
            &mut g.host,
            &mut g.tentacle_variant_role,
        ] {
            r.in_place(s);
        }
        if let crate::model::GroupState::Errored(m) | crate::model::GroupState::Skipped(m) =
            &mut g.state
        {
            r.in_place(m);
        }
        for s in [&mut g.stdout, &mut g.stderr] {
            r.in_place(s);
        }
        for (k, v) in &mut g.properties {
            r.in_place(k);
            r.in_place(v);
        }
        for t in &mut g.results {
            r.in_place(&mut t.name);
            r.in_place(&mut t.text);
            if let Some(x) = t.extra.as_deref_mut() {
                for s in [&mut x.message, &mut x.stdout, &mut x.stderr] {
                    r.in_place(s);
                }
                for (k, v) in &mut x.properties {
                    r.in_place(k);
                    r.in_place(v);
                }
                for a in &mut x.attempts {
                    r.in_place(&mut a.message);
                    r.in_place(&mut a.text);
                }
            }
        }
    }
}
