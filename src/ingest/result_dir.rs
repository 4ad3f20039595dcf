//! Runs outside Octoprobe: a folder of result files in any format we read, with an optional
//! `run.json` for the run's metadata.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use super::mp_results::value_text;
use super::time::Timestamp;
use super::{ctrf, junit, read_json, reportlog, IngestError};
use crate::model::{CiInfo, GitRef, GroupAttempt, Run};
use crate::paths;

/// The input formats, as `--input-format` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Octoprobe,
    Junit,
    #[value(name = "pytest-reportlog")]
    ReportLog,
    Ctrf,
    Micropython,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Octoprobe => "octoprobe",
            Format::Junit => "junit",
            Format::ReportLog => "pytest-reportlog",
            Format::Ctrf => "ctrf",
            Format::Micropython => "micropython",
        }
    }
}

/// A file's format, found by its content (or forced).
pub enum Detected {
    Junit,
    ReportLog,
    /// A report-log or `.log` file with nothing in it: the job produced no results.
    EmptyLog,
    Ctrf(Value),
    /// Meant as a result file (by its name or first bytes) but unreadable: the message says why.
    Broken(String),
}

fn head(path: &Path, n: usize) -> String {
    let mut buf = vec![0; n];
    let len = fs::File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    buf.truncate(len);
    String::from_utf8_lossy(&buf).into_owned()
}

/// What a file is, by its name and content. `forced` makes every candidate of that format count.
pub fn detect(path: &Path, forced: Option<Format>) -> Option<Detected> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let ext = name.rsplit('.').next().unwrap_or("");
    if name == "run.json" || name.starts_with("context") || name == "_results.json" {
        return None;
    }
    match (ext, forced) {
        ("xml", None) => {
            let h = head(path, 4096);
            if junit::sniff(&h) {
                Some(Detected::Junit)
            } else if h.trim().is_empty()
                || (h.trim_start().starts_with("<?xml")
                    && !h.contains("?><")
                    && h.trim().ends_with("?>"))
            {
                Some(Detected::Broken(format!(
                    "{}: an XML file with no elements (empty?)",
                    path.display()
                )))
            } else {
                None
            }
        }
        ("xml", Some(Format::Junit)) => Some(Detected::Junit),
        ("jsonl" | "log" | "ndjson" | "json", f @ (None | Some(Format::ReportLog))) => {
            let h = head(path, 8192);
            if h.trim().is_empty() && ext == "log" && f.is_none() {
                // The old Slack script's rule: an empty .log means the job died.
                return fs::metadata(path)
                    .ok()
                    .filter(|m| m.len() == 0)
                    .map(|_| Detected::EmptyLog);
            }
            if h.trim().is_empty() && f.is_some() {
                return Some(Detected::EmptyLog);
            }
            if reportlog::sniff(&h) || (f.is_some() && ext != "json") {
                return Some(Detected::ReportLog);
            }
            if ext == "json" && f.is_none() {
                return match read_json(path) {
                    Ok(v) => ctrf::is_ctrf(&v).then_some(Detected::Ctrf(v)),
                    // A broken file that starts like a CTRF report is one.
                    Err(e) if h.contains("\"results\"") || h.contains("\"reportFormat\"") => {
                        Some(Detected::Broken(e.to_string()))
                    }
                    Err(_) => None,
                };
            }
            None
        }
        ("json", Some(Format::Ctrf)) => Some(match read_json(path) {
            Ok(v) => Detected::Ctrf(v),
            Err(e) => Detected::Broken(e.to_string()),
        }),
        _ => None,
    }
}

/// Does `dir` directly hold a file of a format we read? (`run.json` makes any folder a run.)
pub fn holds_results(dir: &Path, forced: Option<Format>) -> bool {
    if dir.join("run.json").is_file() {
        return true;
    }
    if matches!(forced, None | Some(Format::Micropython)) && dir.join("_results.json").is_file() {
        return true;
    }
    fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .any(|e| {
                    matches!(
                        detect(&e.path(), forced),
                        Some(Detected::Junit | Detected::ReportLog | Detected::Ctrf(_))
                    )
                })
        })
        .unwrap_or(false)
}

/// The metadata of `run.json`.
#[derive(Debug, Default)]
struct RunJson {
    testbed: Option<String>,
    id: Option<String>,
    time_start: Option<Timestamp>,
    time_end: Option<Timestamp>,
    trigger: Option<String>,
    ci: CiInfo,
}

fn run_json(v: &Value) -> RunJson {
    let s = |k: &str| v.get(k).map(value_text).filter(|s| !s.is_empty());
    RunJson {
        testbed: s("testbed"),
        id: s("id"),
        time_start: s("time_start").and_then(|t| Timestamp::parse(&t)),
        time_end: s("time_end").and_then(|t| Timestamp::parse(&t)),
        trigger: s("trigger"),
        ci: CiInfo {
            branch: s("branch"),
            commit: s("commit"),
            repository: s("repository"),
            pr: s("pr"),
            ci_url: s("ci_url"),
            job: s("job"),
            checkout: s("checkout"),
        },
    }
}

/// What one result file gave.
#[derive(Default)]
struct FileResults {
    groups: Vec<GroupAttempt>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    problems: Vec<String>,
    /// Infrastructure problems: the run failed to produce results.
    run_errors: Vec<String>,
    format: Option<Format>,
    ctrf: Option<ctrf::Ctrf>,
    hostnames: Vec<String>,
}

fn read_file(dir: &Path, rel: &str, forced: Option<Format>) -> FileResults {
    let path = dir.join(rel);
    let mut out = FileResults::default();
    match detect(&path, forced) {
        Some(Detected::Junit) => {
            out.format = Some(Format::Junit);
            let parsed = match junit::read(&path, rel) {
                Ok(f) => Some(f),
                Err(IngestError::Truncated {
                    path,
                    line,
                    reason,
                    partial,
                }) => {
                    out.problems.push(
                        IngestError::Truncated {
                            path,
                            line,
                            reason,
                            partial: Box::default(),
                        }
                        .to_string(),
                    );
                    Some(*partial)
                }
                Err(e) => {
                    out.problems.push(e.to_string());
                    None
                }
            };
            if let Some(f) = parsed {
                out.groups = f.groups;
                out.start = f.time_start;
                out.end = f.time_end;
                out.hostnames = f.hostnames;
            }
        }
        Some(Detected::ReportLog) => {
            out.format = Some(Format::ReportLog);
            match reportlog::read(&path, rel) {
                Ok(r) => {
                    if r.empty {
                        out.run_errors
                            .push(format!("{rel} is empty: the test job produced no results"));
                    }
                    out.groups = r.groups;
                    out.start = r.time_start;
                    out.end = r.time_end;
                    out.problems = r.problems;
                }
                Err(e) => out.problems.push(e.to_string()),
            }
        }
        Some(Detected::EmptyLog) => {
            out.format = Some(Format::ReportLog);
            out.run_errors
                .push(format!("{rel} is empty: the test job produced no results"));
            out.problems.push(format!(
                "{}: empty result file (infrastructure problem)",
                path.display()
            ));
        }
        Some(Detected::Ctrf(v)) => {
            out.format = Some(Format::Ctrf);
            let c = ctrf::read(&v, rel);
            out.start = c.time_start.clone();
            out.end = c.time_end.clone();
            out.groups = c.groups.clone();
            out.ctrf = Some(c);
        }
        Some(Detected::Broken(message)) => out.problems.push(message),
        None => {}
    }
    out
}

/// One test session often writes several reports (JUnit and CTRF, JUnit and report-log).
/// When most tests of one file are in another file of a richer format, the poorer file
/// is left out, and a note says so.
fn drop_repeats(mut results: Vec<(String, FileResults)>) -> (Vec<FileResults>, Vec<String>) {
    let rank = |f: Option<Format>| match f {
        Some(Format::ReportLog) => 3,
        Some(Format::Ctrf) => 2,
        Some(Format::Junit) => 1,
        _ => 0,
    };
    let names = |r: &FileResults| -> HashSet<String> {
        r.groups
            .iter()
            .flat_map(|g| g.results.iter().map(|t| t.name.clone()))
            .collect()
    };
    let sets: Vec<HashSet<String>> = results.iter().map(|(_, r)| names(r)).collect();
    let mut drop = vec![false; results.len()];
    let mut notes = Vec::new();
    for i in 0..results.len() {
        for j in 0..results.len() {
            let (ri, rj) = (rank(results[i].1.format), rank(results[j].1.format));
            if i == j || drop[j] || ri >= rj || sets[i].is_empty() {
                continue;
            }
            let shared = sets[i].intersection(&sets[j]).count();
            if shared * 2 >= sets[i].len() {
                drop[i] = true;
                notes.push(format!(
                    "{} repeats the tests of {}; only the latter is counted",
                    results[i].0, results[j].0
                ));
                break;
            }
        }
    }
    let kept = results
        .drain(..)
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|((_, r), _)| r)
        .collect();
    (kept, notes)
}

/// How deep below `dir` a run's files are looked for: with `run.json` every result file
/// below belongs to the run; without, those directly in it.
pub fn listing_depth(dir: &Path) -> usize {
    if dir.join("run.json").is_file() {
        16
    } else {
        1
    }
}

/// Reads a run folder of result files. Never fails: problems are recorded on the run.
pub fn load_run(dir: &Path, forced: Option<Format>) -> Run {
    load(dir, None, forced)
}

/// Reads a single result file as a run of its own (for `testpress summary FILE`).
pub fn load_file(file: &Path, forced: Option<Format>) -> Run {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    load(dir, Some(name), forced)
}

fn load(dir: &Path, only: Option<String>, forced: Option<Format>) -> Run {
    let dir_name = super::folder_name(dir);
    let mut problems = Vec::new();
    let meta = if dir.join("run.json").is_file() {
        match read_json(&dir.join("run.json")) {
            Ok(v) => run_json(&v),
            Err(e) => {
                problems.push(e.to_string());
                RunJson::default()
            }
        }
    } else {
        RunJson::default()
    };
    let depth = listing_depth(dir);
    let files = match &only {
        Some(name) => vec![name.clone()],
        None => super::list_files(dir, depth),
    };
    let results: Vec<(String, FileResults)> = files
        .par_iter()
        .map(|rel| (rel.clone(), read_file(dir, rel, forced)))
        .collect();

    let (results, mut notes) = drop_repeats(results);
    let mut groups: Vec<GroupAttempt> = Vec::new();
    let mut formats: Vec<&str> = Vec::new();
    let mut secrets: Vec<String> = Vec::new();
    let mut run_errors = Vec::new();
    let (mut start, mut end): (Option<Timestamp>, Option<Timestamp>) = (None, None);
    let mut ci = meta.ci.clone();
    let mut testbed = meta.testbed.clone();
    let mut hosts: Vec<String> = Vec::new();
    for r in results {
        problems.extend(r.problems);
        run_errors.extend(r.run_errors);
        if let Some(f) = r.format {
            if !formats.contains(&f.name()) {
                formats.push(f.name());
            }
        }
        if let Some(s) = r.start {
            if start.as_ref().is_none_or(|x| x.epoch > s.epoch) {
                start = Some(s);
            }
        }
        if let Some(e) = r.end {
            if end.as_ref().is_none_or(|x| x.epoch < e.epoch) {
                end = Some(e);
            }
        }
        if let Some(c) = r.ctrf {
            ci.branch = ci.branch.or(c.ci.branch);
            ci.commit = ci.commit.or(c.ci.commit);
            ci.repository = ci.repository.or(c.ci.repository);
            ci.ci_url = ci.ci_url.or(c.ci.ci_url);
            ci.job = ci.job.or(c.ci.job);
            ci.checkout = ci.checkout.or(c.ci.checkout);
            testbed = testbed.or(c.testbed);
        }
        for h in r.hostnames {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
        groups.extend(r.groups);
    }
    // pytest run with both --junitxml and --report-log: the same tests twice, named
    // differently (dotted classnames). The report-log says more, so JUnit's "pytest" suite goes.
    if formats.contains(&Format::ReportLog.name()) {
        let before = groups.len();
        groups.retain(|g| !(g.testgroup == "pytest" && g.source.ends_with(".xml")));
        if groups.len() < before {
            notes.push("the pytest JUnit file repeats the report-log's tests; only the report-log is counted".into());
            if !groups.iter().any(|g| g.source.ends_with(".xml")) {
                formats.retain(|f| *f != Format::Junit.name());
            }
        }
    }
    // MicroPython's own files, without Octoprobe: the folder is one group.
    let micropython = match &only {
        Some(name) => name == "_results.json" || name == "testresults.txt",
        None => dir.join("_results.json").is_file() || dir.join("testresults.txt").is_file(),
    };
    if micropython && matches!(forced, None | Some(Format::Micropython)) {
        let (mut g, group_problems, secret) = super::octoprobe::load_group(&dir_name, dir);
        problems.extend(group_problems);
        secrets.extend(secret);
        if !g.testgroup.starts_with("RUN-") {
            // Named after the runner that wrote it, as Octoprobe's labels are.
            let first = g.results.first().map(|r| r.name.as_str()).unwrap_or("");
            g.testgroup = if first.starts_with("perf_bench/") {
                "run-perfbench.py"
            } else if first.starts_with("multi_") {
                "run-multitests.py"
            } else {
                "run-tests.py"
            }
            .to_string();
        }
        formats.push(Format::Micropython.name());
        groups.push(GroupAttempt {
            dir_name: String::new(),
            ..g
        });
    }
    if groups.is_empty() && run_errors.is_empty() {
        problems.push(format!(
            "{}: no test results found in this run folder",
            dir.display()
        ));
    }
    let mut taken: HashSet<String> = HashSet::from(["static".to_string()]);
    for g in &mut groups {
        g.slug = paths::unique_slug(&g.testgroup, &mut taken);
        if g.tentacle_variant_role.is_empty() {
            g.tentacle_variant_role = g.host.clone();
        }
        if g.testid.is_empty() {
            g.testid = g.testgroup.clone();
        }
    }
    let testbed = testbed.unwrap_or_else(|| {
        // A folder name says the most: `<testbed>/<run>/`.
        dir.canonicalize()
            .ok()
            .and_then(|d| {
                d.parent()
                    .and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "unknown".into())
    });
    let ref_tests = ci.repository.as_ref().map(|repo| GitRef {
        spec: match &ci.branch {
            Some(b) => format!("{repo}@{b}"),
            None => repo.clone(),
        },
        repo_url: repo
            .trim_end_matches('/')
            .trim_end_matches(".git")
            .to_string(),
        pr: ci.pr.clone().filter(|p| !p.starts_with("http")),
        branch: ci.branch.clone(),
        commit: ci.commit.clone(),
        url_link: Some(match &ci.branch {
            Some(b) => format!(
                "{}/tree/{b}",
                repo.trim_end_matches('/').trim_end_matches(".git")
            ),
            None => repo
                .trim_end_matches('/')
                .trim_end_matches(".git")
                .to_string(),
        }),
        ..GitRef::default()
    });
    let id = meta.id.clone().unwrap_or_else(|| dir_name.clone());
    let mut run = Run {
        notes,
        path: dir.to_path_buf(),
        slug: paths::slug(&id),
        id,
        format: if formats.is_empty() {
            "unknown".into()
        } else {
            formats.join("+")
        },
        testbed,
        testbed_name: ci.job.clone().unwrap_or_default(),
        time_start: meta.time_start.or(start),
        time_end: meta.time_end.or(end),
        trigger: meta.trigger.unwrap_or_default(),
        error: run_errors.join("; "),
        commandline: String::new(),
        ref_firmware: None,
        ref_tests,
        paths: Vec::new(),
        groups,
        files,
        problems,
        secrets,
        xfail: None,
        ci,
        content_key: None,
    };
    if !hosts.is_empty() && run.trigger.is_empty() {
        run.trigger = format!("on {}", hosts.join(", "));
    }
    super::redact_run(&mut run);
    run
}

/// `DIR/run.json` for `testpress record`, from the CI's environment.
pub fn run_json_from_env(env: &dyn Fn(&str) -> Option<String>) -> Value {
    let get = |k: &str| env(k).filter(|v| !v.is_empty());
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.to_string(), Value::String(v));
        }
    };
    if get("GITHUB_ACTIONS").is_some() {
        let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        let repo = get("GITHUB_REPOSITORY").map(|r| format!("{server}/{r}"));
        let pr = get("GITHUB_REF").and_then(|r| {
            r.strip_prefix("refs/pull/")
                .and_then(|rest| rest.split('/').next())
                .map(str::to_string)
        });
        put("testbed", get("GITHUB_WORKFLOW"));
        put(
            "id",
            get("GITHUB_RUN_ID").map(|id| match get("GITHUB_RUN_ATTEMPT") {
                Some(a) if a != "1" => format!("{id}-{a}"),
                _ => id,
            }),
        );
        put(
            "branch",
            get("GITHUB_HEAD_REF").or_else(|| get("GITHUB_REF_NAME")),
        );
        put("commit", get("GITHUB_SHA"));
        put(
            "ci_url",
            match (&repo, get("GITHUB_RUN_ID")) {
                (Some(r), Some(id)) => Some(format!("{r}/actions/runs/{id}")),
                _ => None,
            },
        );
        put("repository", repo);
        put("pr", pr);
        put("job", get("GITHUB_JOB"));
        put("checkout", get("GITHUB_WORKSPACE"));
        put("trigger", get("GITHUB_EVENT_NAME"));
    } else if get("GITLAB_CI").is_some() {
        put(
            "testbed",
            get("CI_PIPELINE_NAME").or_else(|| get("CI_PROJECT_NAME")),
        );
        put(
            "id",
            get("CI_PIPELINE_ID").map(|p| match get("CI_JOB_ID") {
                Some(j) => format!("{p}-{j}"),
                None => p,
            }),
        );
        put(
            "branch",
            get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME").or_else(|| get("CI_COMMIT_REF_NAME")),
        );
        put("commit", get("CI_COMMIT_SHA"));
        put("repository", get("CI_PROJECT_URL"));
        put(
            "pr",
            match (get("CI_PROJECT_URL"), get("CI_MERGE_REQUEST_IID")) {
                (Some(u), Some(iid)) => Some(format!("{u}/-/merge_requests/{iid}")),
                _ => None,
            },
        );
        put(
            "ci_url",
            get("CI_JOB_URL").or_else(|| get("CI_PIPELINE_URL")),
        );
        put("job", get("CI_JOB_NAME"));
        put("checkout", get("CI_PROJECT_DIR"));
        put("trigger", get("CI_PIPELINE_SOURCE"));
    } else if get("JENKINS_URL").is_some() || get("BUILD_URL").is_some() {
        put("testbed", get("JOB_NAME"));
        put("id", get("BUILD_NUMBER"));
        put(
            "branch",
            get("CHANGE_BRANCH")
                .or_else(|| get("BRANCH_NAME"))
                .or_else(|| get("GIT_BRANCH")),
        );
        put("commit", get("GIT_COMMIT"));
        put(
            "repository",
            get("GIT_URL").map(|u| u.trim_end_matches(".git").to_string()),
        );
        put("pr", get("CHANGE_URL").or_else(|| get("CHANGE_ID")));
        put("ci_url", get("BUILD_URL"));
        put("job", get("JOB_NAME"));
        put("checkout", get("WORKSPACE"));
        put("trigger", get("BUILD_CAUSE"));
    }
    put(
        "time_end",
        Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    );
    Value::Object(m)
}

/// Copies result files (or whole folders) into `dir`, keeping their names.
pub fn copy_into(dir: &Path, sources: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    let mut copied = Vec::new();
    for src in sources {
        let base = src
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("results"));
        if src.is_dir() {
            for e in walkdir::WalkDir::new(src)
                .follow_links(false)
                .sort_by_file_name()
            {
                let e = e.map_err(std::io::Error::other)?;
                if e.file_type().is_file() {
                    let rel = e.path().strip_prefix(src).unwrap_or(e.path());
                    let to = dir.join(&base).join(rel);
                    fs::create_dir_all(to.parent().unwrap_or(dir))?;
                    fs::copy(e.path(), &to)?;
                    copied.push(to);
                }
            }
        } else {
            // Two jobs' `junit.xml` must not overwrite each other: the second becomes `junit-2.xml`.
            let mut to = dir.join(&base);
            let mut n = 2;
            while to.exists() || copied.contains(&to) {
                let stem = base
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let ext = base
                    .extension()
                    .map(|e| format!(".{}", e.to_string_lossy()))
                    .unwrap_or_default();
                to = dir.join(format!("{stem}-{n}{ext}"));
                n += 1;
            }
            fs::copy(src, &to)?;
            copied.push(to);
        }
    }
    Ok(copied)
}
