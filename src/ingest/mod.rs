//! Finds runs below the given roots and reads them, in parallel, into the model.

pub mod mp_results;
pub mod octoprobe;
pub mod time;
pub mod xfail;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;
use walkdir::WalkDir;

use crate::model::{GroupAttempt, LinkedPath, Run, TestResult};
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
}

/// Files that are never copied into a site: GitHub's job context holds the job token.
const DENY_FILES: &[&str] = &["github.json"];
/// Folders of a run that are not group attempts and are not copied.
const SKIP_DIRS: &[&str] = &["github_debug", "mpbuild"];
/// Any of these marks a folder as a group attempt.
const GROUP_MARKERS: &[&str] = &[
    "context_testgroup.json",
    "context_test.json",
    "_results.json",
    "testresults.txt",
];

/// Reads and parses one JSON file, with the position of a syntax error.
pub fn read_json(path: &Path) -> Result<Value, IngestError> {
    let bytes = fs::read(path).map_err(|source| IngestError::Io {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| IngestError::Json {
        path: path.display().to_string(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_string(),
    })
}

/// Every run directory below `roots` (a directory with a top-level `context.json`), sorted.
/// Problems met on the way (unreadable folders, missing roots) are returned beside them.
pub fn discover(roots: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
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
            if entry.path().join("context.json").is_file() {
                let key = entry
                    .path()
                    .canonicalize()
                    .unwrap_or_else(|_| entry.path().to_path_buf());
                if seen.insert(key) {
                    runs.push(entry.path().to_path_buf());
                }
                walk.skip_current_dir();
            }
        }
    }
    (runs, problems)
}

/// Reads all runs in parallel; `tick` is called once per run read.
pub fn load_runs(dirs: &[PathBuf], tick: &(dyn Fn() + Sync)) -> Vec<Run> {
    dirs.par_iter()
        .map(|d| {
            let run = load_run(d);
            tick();
            run
        })
        .collect()
}

/// The sorted regular files below `dir` (relative, `/`-separated), leaving out links and denied names.
fn list_files(dir: &Path, max_depth: usize) -> Vec<String> {
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

/// Reads one Octoprobe run directory. Never fails: problems are recorded on the run.
pub fn load_run(dir: &Path) -> Run {
    let id = dir
        .canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let mut problems = Vec::new();
    let ctx_value = match read_json(&dir.join("context.json")) {
        Ok(v) => v,
        Err(e) => {
            problems.push(e.to_string());
            Value::Null
        }
    };
    let ctx = octoprobe::context(&ctx_value);

    let mut group_dirs: Vec<(String, PathBuf)> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
                .filter(|(name, p)| {
                    !SKIP_DIRS.contains(&name.as_str())
                        && GROUP_MARKERS.iter().any(|m| p.join(m).is_file())
                })
                .collect()
        })
        .unwrap_or_else(|e| {
            problems.push(format!("{}: {e}", dir.display()));
            Vec::new()
        });
    group_dirs.sort();

    let loaded: Vec<(GroupAttempt, Vec<String>, Option<String>)> = group_dirs
        .par_iter()
        .map(|(name, path)| load_group(name, path))
        .collect();
    let mut taken = HashSet::from(["static".to_string()]);
    let mut groups = Vec::with_capacity(loaded.len());
    let mut secrets = Vec::new();
    for (mut g, group_problems, secret) in loaded {
        g.slug = paths::unique_slug(&g.dir_name, &mut taken);
        problems.extend(group_problems);
        secrets.extend(secret);
        groups.push(g);
    }
    secrets.sort();
    secrets.dedup();

    let testbed = if ctx.testbed.is_empty() {
        testbed_from_label(&id)
    } else {
        ctx.testbed.clone()
    };
    let mut run = Run {
        path: dir.to_path_buf(),
        slug: paths::slug(&id),
        id,
        format: "octoprobe".into(),
        testbed,
        testbed_name: ctx.testbed_name.clone(),
        time_start: ctx.time_start.clone(),
        time_end: ctx.time_end.clone(),
        trigger: ctx.trigger.clone(),
        error: ctx.error.clone(),
        commandline: ctx.commandline.clone(),
        ref_firmware: ctx.ref_firmware.clone(),
        ref_tests: ctx.ref_tests.clone(),
        paths: linked_paths(&ctx, dir),
        groups,
        files: list_files(dir, 1),
        problems,
        secrets,
        xfail: None,
    };
    redact_run(&mut run);
    run
}

/// `ch_hans_1_20260226-083648` → `ch_hans_1`, as `mptest report` names manual runs.
fn testbed_from_label(label: &str) -> String {
    match label.rsplit_once('_') {
        Some((host, stamp))
            if stamp.len() == 15 && stamp.chars().filter(|c| c.is_ascii_digit()).count() == 14 =>
        {
            host.to_string()
        }
        _ => "unknown".to_string(),
    }
}

/// Absolute paths from `context.json`, as links relative to the run where they point inside it.
fn linked_paths(ctx: &octoprobe::Context, run_dir: &Path) -> Vec<LinkedPath> {
    let results_dir = ctx
        .directories
        .iter()
        .find(|(k, _)| k == "R")
        .map(|(_, v)| v.trim_end_matches('/').to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| {
            let d = ctx.log_directory.trim_end_matches('/');
            (!d.is_empty()).then(|| d.to_string())
        });
    let relative = |abs: &str| -> Option<String> {
        let r = results_dir.as_ref()?;
        let rest = abs.strip_prefix(r.as_str())?;
        if rest.is_empty() || rest == "/" {
            return Some("./".into());
        }
        let rest = rest.strip_prefix('/')?;
        paths::is_safe_relative(rest.trim_end_matches('/')).then(|| rest.to_string())
    };
    let mut out = Vec::new();
    let mut push = |label: String, abs: &str| {
        if abs.is_empty() {
            return;
        }
        let (target, inside) = match relative(abs) {
            // Linked only when the file came along; a missing one is named, not linked.
            Some(rel) => {
                let exists = run_dir.join(&rel).exists();
                (rel, exists)
            }
            None => (abs.to_string(), false),
        };
        out.push(LinkedPath {
            label,
            target,
            inside,
        });
    };
    push("Log output".into(), &ctx.log_output);
    push("Log directory".into(), &ctx.log_directory);
    for (k, v) in &ctx.directories {
        let what = match k.as_str() {
            "R" => "results",
            "P" => "python venv",
            "W" => "working directory",
            "F" => "firmware checkout",
            "T" => "tests checkout",
            _ => "directory",
        };
        push(format!("{k} ({what})"), v);
    }
    out
}

/// Reads one group attempt folder: its problems and the secret it revealed come back beside it.
fn load_group(name: &str, dir: &Path) -> (GroupAttempt, Vec<String>, Option<String>) {
    let mut problems = Vec::new();
    let from_name = octoprobe::parse_dir_name(name);
    let mut source = String::new();

    let mut gctx = None;
    for file in ["context_testgroup.json", "context_test.json"] {
        let p = dir.join(file);
        if p.is_file() {
            match read_json(&p) {
                Ok(v) => {
                    gctx = Some(octoprobe::group_context(&v));
                    source = file.to_string();
                }
                Err(e) => problems.push(e.to_string()),
            }
            break;
        }
    }

    let mut mp = None;
    let results_path = dir.join("_results.json");
    if results_path.is_file() {
        match read_json(&results_path) {
            Ok(v) => mp = Some(mp_results::from_json(&v)),
            Err(e) => problems.push(e.to_string()),
        }
    }
    let txt_path = dir.join("testresults.txt");
    let txt_results = || -> Vec<TestResult> {
        fs::read(&txt_path)
            .map(|b| mp_results::parse_testresults_txt(&String::from_utf8_lossy(&b)))
            .unwrap_or_default()
    };

    let mut g = gctx.unwrap_or_default();
    let password = mp.as_ref().and_then(|m| m.password.clone());
    let platform = mp.as_ref().and_then(|m| m.platform.clone());
    if source.is_empty() {
        if let Some(m) = mp {
            source = "_results.json".into();
            g.results = if m.failures_only {
                mp_results::merge_failures_only(m, txt_results())
            } else {
                m.results
            };
        } else if txt_path.is_file() {
            source = "testresults.txt".into();
            g.results = txt_results();
        }
    }
    if source.is_empty() {
        problems.push(format!(
            "{}: no readable results in this folder",
            dir.display()
        ));
    }

    if g.testgroup.is_empty() {
        g.testgroup = from_name.label.clone();
    }
    if g.tentacle_variant_role.is_empty() {
        g.tentacle_variant_role = from_name.tentacle.clone();
        g.tentacle_variant = octoprobe::split_role(&from_name.tentacle).0.to_string();
        g.board_variant = octoprobe::board_variant(&g.tentacle_variant);
    }
    if g.tentacle_mcu.is_empty() {
        g.tentacle_mcu = platform.unwrap_or_default();
    }
    let attempt = if from_name.attempt.is_empty() {
        octoprobe::parse_dir_name(&g.testid).attempt
    } else {
        from_name.attempt
    };
    let group = GroupAttempt {
        dir_name: name.to_string(),
        slug: String::new(),
        testid: if g.testid.is_empty() {
            name.to_string()
        } else {
            g.testid
        },
        testgroup: g.testgroup,
        tentacle_variant: g.tentacle_variant,
        tentacle_variant_role: g.tentacle_variant_role,
        board_variant: g.board_variant,
        tentacle_mcu: g.tentacle_mcu,
        tentacle_reference: g.tentacle_reference,
        attempt,
        commandline: g.commandline,
        time_start: g.time_start,
        time_end: g.time_end,
        state: g.state,
        results: g.results,
        files: list_files(dir, 4),
        source,
    };
    (group, problems, password)
}

/// Applies the run's redaction to every string that came from its inputs.
fn redact_run(run: &mut Run) {
    let r = Redactor::new(&run.secrets);
    for s in [
        &mut run.trigger,
        &mut run.error,
        &mut run.commandline,
        &mut run.id,
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
    for p in &mut run.problems {
        r.in_place(p);
    }
    for g in &mut run.groups {
        for s in [&mut g.commandline, &mut g.testid] {
            r.in_place(s);
        }
        if let crate::model::GroupState::Errored(m) | crate::model::GroupState::Skipped(m) =
            &mut g.state
        {
            r.in_place(m);
        }
        for t in &mut g.results {
            r.in_place(&mut t.name);
            r.in_place(&mut t.text);
        }
    }
}
