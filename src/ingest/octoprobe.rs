//! Octoprobe layouts: `context.json`, `context_testgroup.json`, the proposal's `context_test.json`,
//! and the four eras of group folder names.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::mp_results::value_text;
use super::time::Timestamp;
use crate::model::{GitRef, GroupState, Outcome, TestResult};

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
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"-(instance\d+|first|second)$").unwrap());
    match re.find(tentacle) {
        Some(m) => (&tentacle[..m.start()], &tentacle[m.start() + 1..]),
        None => (tentacle, ""),
    }
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
                    Some(TestResult {
                        name,
                        outcome: Outcome::parse(&first_field(o, &["outcome", "result"])),
                        text: field(o, "text"),
                        xfail: None,
                    })
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
