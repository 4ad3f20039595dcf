//! Octoprobe layouts: `context.json`, `context_testgroup.json`, the proposal's `context_test.json`,
//! and the four eras of group folder names.

use std::sync::OnceLock;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use regex::Regex;
use serde_json::Value;

use super::mp_results::value_text;
use super::time::Timestamp;
use crate::model::{GitRef, GroupAttempt, GroupState, LinkedPath, Outcome, Run, TestResult};
use crate::paths;

/// Folders of a run that are not group attempts and are not copied.
const SKIP_DIRS: &[&str] = &["github_debug", "mpbuild"];
/// Any of these marks a folder as a group attempt.
const GROUP_MARKERS: &[&str] = &[
    "context_testgroup.json",
    "context_test.json",
    "_results.json",
    "testresults.txt",
];

/// A string field, whatever JSON type the producer used; missing or null give "".
pub fn field(v: &Value, key: &str) -> String {
    v.get(key).map(value_text).unwrap_or_default()
}

fn first_field(v: &Value, keys: &[&str]) -> String {
    keys.iter()
        .map(|k| field(v, k))
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

/// What a group folder's name says, in any era.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DirName {
    pub label: String,
    pub tentacle: String,
    pub attempt: String,
}

fn dir_name_patterns() -> &'static [Regex; 4] {
    static RE: OnceLock<[Regex; 4]> = OnceLock::new();
    RE.get_or_init(|| {
        [
            // since 2026-08-12: LABEL@tentacle,a
            Regex::new(r"^([^,@\[\]]+)@(.+),([a-z]{1,2})$").unwrap(),
            // 2025-07 → 2026-08: LABEL,a@tentacle
            Regex::new(r"^([^,@\[\]]+),([a-z]{1,2})@(.+)$").unwrap(),
            // 2025-04 → 2025-07: LABEL@tentacle[,tentacle2]
            Regex::new(r"^([^,@\[\]]+)@(.+)$").unwrap(),
            // until 2025-04-15: LABEL[tentacle]
            Regex::new(r"^([^\[\]]+)\[(.+)\]$").unwrap(),
        ]
    })
}

pub fn parse_dir_name(name: &str) -> DirName {
    let [new, mid, old, oldest] = dir_name_patterns();
    if let Some(c) = new.captures(name) {
        return DirName {
            label: c[1].into(),
            tentacle: c[2].into(),
            attempt: c[3].into(),
        };
    }
    if let Some(c) = mid.captures(name) {
        return DirName {
            label: c[1].into(),
            tentacle: c[3].into(),
            attempt: c[2].into(),
        };
    }
    for re in [old, oldest] {
        if let Some(c) = re.captures(name) {
            return DirName {
                label: c[1].into(),
                tentacle: c[2].into(),
                attempt: String::new(),
            };
        }
    }
    DirName {
        label: name.to_string(),
        ..DirName::default()
    }
}

/// Splits a role suffix (`-instance0`, or `-first`/`-second` before 2025-07-29) off a tentacle name.
pub fn split_role(tentacle: &str) -> (&str, &str) {
    // `-instance<digits>`, `-first` or `-second` at the end. (By hand: this runs for every
    // group of every run, and a regex would be compiled by every build for it.)
    if let Some((head, role)) = tentacle.rsplit_once('-') {
        let numbered = role
            .strip_prefix("instance")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if numbered || role == "first" || role == "second" {
            return (head, role);
        }
    }
    (tentacle, "")
}

/// `3a21-PYBV11-DP` → `PYBV11-DP`: the part after the serial.
pub fn board_variant(tentacle_variant: &str) -> String {
    match tentacle_variant.split_once('-') {
        Some((_, rest)) => rest.to_string(),
        None => tentacle_variant.to_string(),
    }
}

/// Parses a GitSpec `url[~PR][@branch]` and the `*_metadata` object Octoprobe stored beside it.
pub fn git_ref(spec: &str, metadata: Option<&Value>) -> Option<GitRef> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(?P<url>(?:[a-z+]+://)?[^~@]+?)(?:~(?P<pr>[^@]+?))?(?:@(?P<branch>.+))?$")
            .unwrap()
    });
    let spec = spec.trim();
    let meta = metadata.filter(|m| m.is_object());
    if spec.is_empty() && meta.is_none() {
        return None;
    }
    let mut r = GitRef {
        spec: spec.to_string(),
        ..GitRef::default()
    };
    if let Some(c) = re.captures(spec) {
        let url = c["url"].trim_end_matches('/').trim_end_matches(".git");
        if url.starts_with("https://") || url.starts_with("http://") {
            r.repo_url = url.to_string();
        }
        r.pr = c.name("pr").map(|m| m.as_str().to_string());
        r.branch = c.name("branch").map(|m| m.as_str().to_string());
    }
    if let Some(m) = meta {
        let commit = field(m, "commit_hash");
        r.commit = (!commit.is_empty()).then_some(commit);
        r.rebased = m.get("rebased").and_then(Value::as_bool).unwrap_or(false);
        let link = field(m, "url_link");
        r.url_link = (!link.is_empty()).then_some(link);
        let cmd = |k: &str| {
            let s = m.get(k).map(|c| field(c, "stdout")).unwrap_or_default();
            (!s.is_empty()).then_some(s)
        };
        r.describe = cmd("command_describe");
        r.log = cmd("command_log");
    }
    Some(r)
}

/// Run-level facts of a `context.json` (any version, including the 2025-04 proposal).
#[derive(Debug, Default)]
pub struct Context {
    pub testbed: String,
    pub testbed_name: String,
    pub time_start: Option<Timestamp>,
    pub time_end: Option<Timestamp>,
    pub trigger: String,
    pub error: String,
    pub commandline: String,
    pub ref_firmware: Option<GitRef>,
    pub ref_tests: Option<GitRef>,
    pub log_output: String,
    pub log_directory: String,
    pub directories: Vec<(String, String)>,
}

pub fn context(v: &Value) -> Context {
    Context {
        testbed: first_field(v, &["testbed_instance", "testbed"]),
        testbed_name: field(v, "testbed_name"),
        time_start: Timestamp::parse(&field(v, "time_start")),
        time_end: Timestamp::parse(&field(v, "time_end")),
        trigger: field(v, "trigger"),
        error: field(v, "error"),
        commandline: field(v, "commandline"),
        ref_firmware: git_ref(
            &first_field(v, &["ref_firmware"]),
            v.get("ref_firmware_metadata"),
        ),
        ref_tests: git_ref(&field(v, "ref_tests"), v.get("ref_tests_metadata")),
        log_output: field(v, "log_output"),
        log_directory: field(v, "log_directory"),
        directories: v
            .get("directories")
            .and_then(Value::as_object)
            .map(|o| o.iter().map(|(k, v)| (k.clone(), value_text(v))).collect())
            .unwrap_or_default(),
    }
}

/// Group-level facts of a `context_testgroup.json` (any version) or a proposal `context_test.json`.
#[derive(Debug, Default)]
pub struct GroupContext {
    pub testgroup: String,
    pub testid: String,
    pub tentacle_variant: String,
    pub tentacle_variant_role: String,
    pub board_variant: String,
    pub tentacle_mcu: String,
    pub tentacle_reference: String,
    pub commandline: String,
    pub time_start: Option<Timestamp>,
    pub time_end: Option<Timestamp>,
    pub state: GroupState,
    pub results: Vec<TestResult>,
}

pub fn group_context(v: &Value) -> GroupContext {
    let list = v
        .get("outcomes")
        .or_else(|| v.get("results"))
        .and_then(Value::as_array);
    let results = list
        .map(|items| {
            items
                .iter()
                .filter_map(|o| {
                    let name = field(o, "name");
                    if name.is_empty() {
                        return None;
                    }
                    Some(TestResult::new(
                        name,
                        Outcome::parse(&first_field(o, &["outcome", "result"])),
                        field(o, "text"),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let msg_error = first_field(v, &["msg_error", "error"]);
    let msg_skipped = field(v, "msg_skipped");
    let state = if !msg_error.is_empty() {
        GroupState::Errored(msg_error)
    } else if !msg_skipped.is_empty() {
        GroupState::Skipped(msg_skipped)
    } else {
        GroupState::Ran
    };
    // Tentacle identity: current fields, then the 2025 `tentacles[]`, then the proposal's
    // `tentacle` + `port-variant`.
    let old_tentacles: Vec<String> = v
        .get("tentacles")
        .or_else(|| v.get("testid_tentacles"))
        .and_then(Value::as_array)
        .map(|a| a.iter().map(value_text).collect())
        .unwrap_or_default();
    let port_variant = field(v, "port-variant");
    let proposal_tentacle = field(v, "tentacle");
    let mut tentacle_variant_role = first_field(v, &["tentacle_variant_role", "tentacle_variant"]);
    if tentacle_variant_role.is_empty() {
        tentacle_variant_role = old_tentacles.join(",");
    }
    if tentacle_variant_role.is_empty() && !proposal_tentacle.is_empty() {
        tentacle_variant_role = if port_variant.is_empty() {
            proposal_tentacle.clone()
        } else {
            format!("{proposal_tentacle}-{port_variant}")
        };
    }
    let mut tentacle_variant = field(v, "tentacle_variant");
    if tentacle_variant.is_empty() {
        tentacle_variant = split_role(&tentacle_variant_role).0.to_string();
    }
    let board = if !port_variant.is_empty() {
        port_variant
    } else {
        board_variant(&tentacle_variant)
    };
    GroupContext {
        testgroup: first_field(v, &["testgroup", "testid_group"]),
        testid: field(v, "testid"),
        tentacle_variant,
        tentacle_variant_role,
        board_variant: board,
        tentacle_mcu: field(v, "tentacle_mcu"),
        tentacle_reference: field(v, "tentacle_reference"),
        commandline: field(v, "commandline"),
        time_start: Timestamp::parse(&field(v, "time_start")),
        time_end: Timestamp::parse(&field(v, "time_end")),
        state,
        results,
    }
}

/// Reads one Octoprobe run directory. Never fails: problems are recorded on the run.
pub fn load_run(dir: &Path) -> Run {
    let id = super::folder_name(dir);
    let mut problems = Vec::new();
    let ctx_value = match super::read_json(&dir.join("context.json")) {
        Ok(v) => v,
        Err(e) => {
            problems.push(e.to_string());
            Value::Null
        }
    };
    let ctx = context(&ctx_value);

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
        files: super::list_files(dir, 1),
        problems,
        secrets,
        xfail: None,
        ci: Default::default(),
        notes: Vec::new(),
        content_key: None,
    };
    super::redact_run(&mut run);
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
fn linked_paths(ctx: &Context, run_dir: &Path) -> Vec<LinkedPath> {
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
pub(crate) fn load_group(name: &str, dir: &Path) -> (GroupAttempt, Vec<String>, Option<String>) {
    let mut problems = Vec::new();
    let from_name = parse_dir_name(name);
    let mut source = String::new();

    let mut gctx = None;
    for file in ["context_testgroup.json", "context_test.json"] {
        let p = dir.join(file);
        if p.is_file() {
            match super::read_json(&p) {
                Ok(v) => {
                    gctx = Some(group_context(&v));
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
        match super::read_json(&results_path) {
            Ok(v) => mp = Some(super::mp_results::from_json(&v)),
            Err(e) => problems.push(e.to_string()),
        }
    }
    let txt_path = dir.join("testresults.txt");
    let txt_results = || -> Vec<TestResult> {
        fs::read(&txt_path)
            .map(|b| super::mp_results::parse_testresults_txt(&String::from_utf8_lossy(&b)))
            .unwrap_or_default()
    };

    let mut g = gctx.unwrap_or_default();
    let figures = fs::read(&txt_path)
        .map(|b| super::mp_results::parse_figures(&String::from_utf8_lossy(&b)))
        .unwrap_or_default();
    let password = mp.as_ref().and_then(|m| m.password.clone());
    let platform = mp.as_ref().and_then(|m| m.platform.clone());
    if source.is_empty() {
        if let Some(m) = mp {
            source = "_results.json".into();
            g.results = if m.failures_only {
                super::mp_results::merge_failures_only(m, txt_results())
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
        g.tentacle_variant = split_role(&from_name.tentacle).0.to_string();
        g.board_variant = board_variant(&g.tentacle_variant);
    }
    if g.tentacle_mcu.is_empty() {
        g.tentacle_mcu = platform.map(|p| port_of_platform(&p)).unwrap_or_default();
    }
    let attempt = if from_name.attempt.is_empty() {
        parse_dir_name(&g.testid).attempt
    } else {
        from_name.attempt
    };
    let mut results = g.results;
    for r in &mut results {
        if let Some(m) = figures.metrics.get(&r.name) {
            r.extra_mut().metrics = m.clone();
        }
    }
    let group = GroupAttempt {
        params: figures.params,
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
        results,
        files: super::list_files(dir, 4),
        source,
        ..GroupAttempt::default()
    };
    (group, problems, password)
}

/// The MicroPython port for run-tests.py's `platform` (its board's `sys.platform`), as
/// `tentacle_mcu` names ports: a pyboard is the stm32 port, a Linux or macOS host the unix one.
fn port_of_platform(platform: &str) -> String {
    match platform {
        "pyboard" => "stm32",
        "linux" | "darwin" | "freebsd" => "unix",
        "win32" => "windows",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_of_every_era() {
        let d = parse_dir_name("RUN-MPREMOTE_TESTS@552b-RPI_PICO2,a");
        assert_eq!(
            (d.label.as_str(), d.tentacle.as_str(), d.attempt.as_str()),
            ("RUN-MPREMOTE_TESTS", "552b-RPI_PICO2", "a")
        );
        let d = parse_dir_name("RUN-PERFBENCH,b@0c30-ESP32_C3_DEVKIT");
        assert_eq!(
            (d.label.as_str(), d.tentacle.as_str(), d.attempt.as_str()),
            ("RUN-PERFBENCH", "0c30-ESP32_C3_DEVKIT", "b")
        );
        let d = parse_dir_name("RUN-TESTS_STANDARD@1722-RPI_PICO");
        assert_eq!(
            (d.label.as_str(), d.tentacle.as_str(), d.attempt.as_str()),
            ("RUN-TESTS_STANDARD", "1722-RPI_PICO", "")
        );
        let d = parse_dir_name("RUN-MULTITESTS_MULTINET@1830-LOLIN_C3_MINI,5f2c-RPI_PICO_W");
        assert_eq!(d.tentacle, "1830-LOLIN_C3_MINI,5f2c-RPI_PICO_W");
        let d = parse_dir_name("RUN-TESTS_STANDARD[1722-RPI_PICO]");
        assert_eq!(
            (d.label.as_str(), d.tentacle.as_str()),
            ("RUN-TESTS_STANDARD", "1722-RPI_PICO")
        );
        assert_eq!(
            split_role("1830-LOLIN_C3_MINI-instance0"),
            ("1830-LOLIN_C3_MINI", "instance0")
        );
        assert_eq!(
            board_variant("2d2d-LOLIN_D1_MINI-FLASH_512K"),
            "LOLIN_D1_MINI-FLASH_512K"
        );
    }

    #[test]
    fn git_specs() {
        let r = git_ref("https://github.com/micropython/micropython.git~17782", None).unwrap();
        assert_eq!(r.repo_url, "https://github.com/micropython/micropython");
        assert_eq!(r.pr.as_deref(), Some("17782"));
        assert_eq!(
            r.pr_url().as_deref(),
            Some("https://github.com/micropython/micropython/pull/17782")
        );
        let r = git_ref("https://github.com/dpgeorge/micropython@master", None).unwrap();
        assert_eq!(r.branch.as_deref(), Some("master"));
        assert_eq!(r.pr, None);
        let r = git_ref("https://github.com/a/b.git~12@main", None).unwrap();
        assert_eq!(
            (r.pr.as_deref(), r.branch.as_deref()),
            (Some("12"), Some("main"))
        );
        let r = git_ref("Not specified (no tests to run)", None).unwrap();
        assert_eq!(r.repo_url, "");
    }
}
