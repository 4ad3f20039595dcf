//! `gen_history`: writes a deterministic, synthetic Octoprobe test history with planted events.
//!
//! # Usage
//!
//! ```text
//! gen_history OUT_DIR [--runs N] [--seed S]      (defaults: N = 32, S = 1; N must be >= 30)
//! cargo run --bin gen_history -- content-samples/history/ch_hans_1
//! ```
//!
//! Same arguments give byte-identical files. Every random figure comes from a splitmix64 stream
//! seeded by (S, run, purpose), so run `i` does not depend on N: `--runs 40` keeps runs 0..31 of
//! `--runs 32` unchanged (except the PR run, which moves to stay between the last two master runs).
//!
//! # Layout (the newest Octoprobe format, see `octoprobe-formats.md` §3 to §8)
//!
//! * Testbed `ch_hans_1` (`testbed_name` `testbed_micropython`). Master run `i` (i = 0..N-1)
//!   starts on 2026-10-01 + i days at 03:00:00 +0200 (a fixed offset, no DST switch) and is labelled
//!   `ch_hans_1_<YYYYmmdd>-030000`, e.g. run 0 = `ch_hans_1_20261001-030000`. All master runs have
//!   `ref_tests` = `ref_firmware` = `https://github.com/micropython/micropython.git@master`.
//! * One PR run, `ch_hans_1_<date of run N-2>-150000` (15:00 the same day as run N-2, so between
//!   the last two master runs), with `ref_tests` = `ref_firmware` =
//!   `https://github.com/micropython/micropython.git~18000` (`url_link` `.../pull/18000`).
//!   For N = 32 it is `ch_hans_1_20261031-150000`.
//! * Tentacles (`tentacle_variant`, `tentacle_mcu`): `5f2c-RPI_PICO_W` rp2,
//!   `0c30-ESP32_C3_DEVKIT` esp32, `3a21-PYBV11` stm32.
//! * Groups: `RUN-TESTS_STANDARD` and `RUN-PERFBENCH` on all three tentacles, folders
//!   `RUN-<GROUP>@<tentacle_variant>,<attempt>` with `context_testgroup.json`, `_results.json`
//!   and `testresults.txt` (no log files, no `.exp`/`.out` files, to keep the sample small).
//! * `RUN-TESTS_STANDARD` runs 32 tests per attempt: 25 that always pass, plus the 7 planted tests
//!   below, which exist on every tentacle and pass wherever no event is planted.
//! * Attempts follow mptest's count loop (`--count 1`): attempt `a` always; attempt `b` only when
//!   `a` has at least one failed test. In `b`, `extmod/flaky_one.py` passes and every other test
//!   has the same outcome as in `a`. Hence RPI_PICO_W always has `a` and `b` (events 5 and 8),
//!   ESP32_C3_DEVKIT has `b` in runs 0..24 and whenever flaky_one failed, PYBV11 has `b` in odd runs
//!   (and in the PR run).
//! * `RUN-PERFBENCH` (`N=100 M=100 n_average=8`) runs 6 tests, all passed: `perf_bench/bm_chaos.py`,
//!   `bm_fannkuch.py`, `bm_float.py`, `bm_hexiom.py`, `bm_nqueens.py`, `misc_pystone.py`. Lines are
//!   `perf_bench/<name>.py: <runtime_us> <sd%> <score> <sd%>` with score ~= 1e9 / runtime (as in
//!   real data for N = M = 100), sd% in 0.01..0.6, and runtime = base * (1 + noise), noise uniform
//!   in [-0.3 %, +0.3 %] (so two runs never differ by more than ~0.6 % unless planted).
//!
//! # Planted events (run indices are master run indices; "PR" = the PR run)
//!
//! 1. `basics/regress_me.py` on RPI_PICO_W: passes in runs 0..=19, FAILS in runs 20..=N-1 and in PR
//!    (text "AssertionError: regression planted at run 20"). In run N-1 it is still failing,
//!    failing since run 20.
//! 2. `basics/fixed_me.py` on ESP32_C3_DEVKIT: FAILS in runs 0..=24 (text "AssertionError: broken
//!    until run 24"), passes in runs 25..=N-1 and in PR. Run 25 is where it is fixed.
//! 3. `extmod/flaky_one.py` on ESP32_C3_DEVKIT: in each master run it fails in attempt `a` with
//!    probability 0.4 (stream (S, run, "flaky_one"); text "OSError: [Errno 110] ETIMEDOUT") and
//!    then passes in attempt `b`. Mixed attempts = flaky. The PR run copies run N-2's decision.
//!    With seed 1 it fails in attempt a of the runs listed in `content-samples/history/README.md`.
//! 4. `extmod/flip_flop.py` on PYBV11: FAILS in odd runs, passes in even runs (text
//!    "AssertionError: flip_flop fails in odd runs"); the PR run behaves like run N-2. Its failure
//!    makes mptest run attempt `b`, where it fails again: never mixed within a run, flaky only by
//!    its flip rate across runs.
//! 5. `basics/always_broken.py` on RPI_PICO_W: FAILS in every run and attempt (text
//!    "NotImplementedError: never worked"). Broken, not flaky.
//! 6. `perf_bench/bm_chaos.py` on PYBV11: runtime ~36000 us (+-0.3 %) in runs 0..=27, 20 % slower
//!    (~43200 us) in runs 28..=N-1 and in PR. Every other perf test and board is stable (+-0.3 %).
//!    So run 28 has a perf regression against run 27, and no other pair of consecutive master runs
//!    (nor PR vs run N-2) differs by more than ~0.6 %.
//! 7. PR run: everything as master run N-2 (same outcomes, same flaky decision, own +-0.3 % perf
//!    noise), plus `basics/pr_breaks.py` FAILS on all three tentacles (text "TypeError: introduced
//!    by PR 18000"), in attempts `a` and `b`; it passes in every master run. Against its baseline
//!    (run N-2) that is a new failure on all three tentacles, and the only one.
//! 8. `extmod/known_bad.py` on RPI_PICO_W: FAILS in every run and attempt (text "ValueError: known
//!    bad on this board"). `content-samples/history/xfail_known_bad.json` =
//!    `{"RUN-TESTS_STANDARD": {"extmod/known_bad.py": ["RPI_PICO_W"]}}` makes it known (xfailed).
//!
//! Planted-run labels for N = 32: run 20 `ch_hans_1_20261021-030000`, run 25
//! `ch_hans_1_20261026-030000`, run 27 `ch_hans_1_20261028-030000`, run 28
//! `ch_hans_1_20261029-030000`, run 30 (= N-2) `ch_hans_1_20261031-030000`, PR
//! `ch_hans_1_20261031-150000`, last run (31) `ch_hans_1_20261101-030000`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone};
use serde_json::{json, Value};

const TESTBED: &str = "ch_hans_1";
const REPO: &str = "https://github.com/micropython/micropython";
const PR: u32 = 18000;
const MIN_RUNS: usize = 30;

const REGRESS_AT: usize = 20;
const FIXED_AT: usize = 25;
const PERF_REGRESS_AT: usize = 28;
const FLAKY_P: f64 = 0.4;

const DIR_W: &str = "/home/githubrunner/testbed_micropython";
const DIR_F: &str =
    "/home/githubrunner/octoprobe_downloads/git-cache/work/firmware_github-com-micropython-micropython";
const DIR_T: &str =
    "/home/githubrunner/octoprobe_downloads/git-cache/work/tests_github-com-micropython-micropython";

const T_REGRESS: &str = "basics/regress_me.py";
const T_FIXED: &str = "basics/fixed_me.py";
const T_FLAKY: &str = "extmod/flaky_one.py";
const T_FLIP: &str = "extmod/flip_flop.py";
const T_BROKEN: &str = "basics/always_broken.py";
const T_PR: &str = "basics/pr_breaks.py";
const T_KNOWN: &str = "extmod/known_bad.py";

const PLANTED: &[&str] = &[T_REGRESS, T_FIXED, T_FLAKY, T_FLIP, T_BROKEN, T_PR, T_KNOWN];

/// The 25 tests that always pass.
const STEADY: &[&str] = &[
    "basics/0prelim.py",
    "basics/andor.py",
    "basics/array1.py",
    "basics/bytearray1.py",
    "basics/class_inherit1.py",
    "basics/dict1.py",
    "basics/exceptpoly.py",
    "basics/fun_defargs.py",
    "basics/gen_yield_from.py",
    "basics/int_big_div.py",
    "basics/list_slice.py",
    "basics/string_format.py",
    "basics/try_finally1.py",
    "extmod/binascii_hexlify.py",
    "extmod/deflate_decompress.py",
    "extmod/hashlib_sha256.py",
    "extmod/json_dumps.py",
    "extmod/re1.py",
    "extmod/time_time_ns.py",
    "extmod/vfs_lfs.py",
    "float/float1.py",
    "float/math_fun.py",
    "micropython/const.py",
    "micropython/heapalloc.py",
    "unicode/unicode.py",
];

/// (name, runtime in µs on PYBV11)
const PERF: &[(&str, f64)] = &[
    ("perf_bench/bm_chaos.py", 36000.0),
    ("perf_bench/bm_fannkuch.py", 41520.0),
    ("perf_bench/bm_float.py", 30810.0),
    ("perf_bench/bm_hexiom.py", 52050.0),
    ("perf_bench/bm_nqueens.py", 29330.0),
    ("perf_bench/misc_pystone.py", 48210.0),
];

struct Tentacle {
    variant: &'static str,
    tag: &'static str,
    mcu: &'static str,
    port: &'static str,
    platform_line: &'static str,
    platform: &'static str,
    arch: &'static str,
    inlineasm: Option<&'static str>,
    build: &'static str,
    thread: Option<&'static str>,
    /// Runtime factor against PYBV11.
    perf_scale: f64,
}

const TENTACLES: &[Tentacle] = &[
    Tentacle {
        variant: "5f2c-RPI_PICO_W",
        tag: "RPI_PICO_W",
        mcu: "rp2",
        port: "/dev/ttyACM1",
        platform_line:
            "platform=rp2 arch=armv6m inlineasm=thumb thread=unsafe float=32-bit unicode target_wiring=rp2.py",
        platform: "rp2",
        arch: "armv6m",
        inlineasm: Some("thumb"),
        build: "RPI_PICO_W",
        thread: Some("unsafe"),
        perf_scale: 1.62,
    },
    Tentacle {
        variant: "0c30-ESP32_C3_DEVKIT",
        tag: "ESP32_C3_DEVKIT",
        mcu: "esp32",
        port: "/dev/ttyACM2",
        platform_line:
            "platform=esp32 arch=rv32imc thread=GIL float=32-bit unicode target_wiring=esp32.py",
        platform: "esp32",
        arch: "rv32imc",
        inlineasm: None,
        build: "ESP32_GENERIC_C3",
        thread: Some("GIL"),
        perf_scale: 1.27,
    },
    Tentacle {
        variant: "3a21-PYBV11",
        tag: "PYBV11",
        mcu: "stm32",
        port: "/dev/ttyACM4",
        platform_line:
            "platform=pyboard arch=armv7emsp inlineasm=thumb float=32-bit unicode target_wiring=PYBx.py",
        platform: "pyboard",
        arch: "armv7emsp",
        inlineasm: Some("thumb"),
        build: "PYBV11",
        thread: None,
        perf_scale: 1.0,
    },
];

/// Commit subjects of the synthetic master history (cycled); some runs get a planted subject.
const SUBJECTS: &[&str] = &[
    "py/objstr: Optimise str.join for small sequences.",
    "esp32/machine_uart: Support UART wake-up on ESP32-C3.",
    "tests/run-tests.py: Mark thread/thread_gc1.py as known-flaky.",
    "rp2/machine_timer: Fix one-shot timer period rounding.",
    "stm32/dma: Clear transfer-complete flag before restart.",
    "extmod/modjson: Handle nested separators in dumps.",
    "docs/library: Describe vfs.rom_ioctl return values.",
    "py/gc: Reduce stack usage of gc_collect_root.",
    "shared/runtime/pyexec: Flush stdout before soft reset.",
    "extmod/vfs_lfs: Report ENOSPC instead of EIO when full.",
    "tools/mpremote: Retry raw REPL entry once on timeout.",
    "py/parse: Fix off-by-one in constant folding of shifts.",
    "rp2/CMakeLists.txt: Bump pico-sdk to 2.2.0.",
];

fn subject(i: i64) -> &'static str {
    match i {
        20 => "py/objexcept: Rework traceback allocation.",
        25 => "esp32/machine_timer: Fix timer wrap-around on ESP32-C3.",
        28 => "py/vm: Inline the fast path of LOAD_ATTR.",
        _ => SUBJECTS[i.rem_euclid(SUBJECTS.len() as i64) as usize],
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/// splitmix64: tiny, fast and good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
}

/// FNV-1a, to turn names into seeds.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// An independent stream for (seed, run key, purpose).
fn rng(seed: u64, run_key: &str, purpose: &str) -> Rng {
    let mut r = Rng(seed ^ fnv(run_key).rotate_left(17) ^ fnv(purpose));
    r.next_u64();
    r
}

fn hex40(seed: u64, key: &str) -> String {
    let mut r = rng(seed, key, "commit");
    let s: String = (0..3).map(|_| format!("{:016x}", r.next_u64())).collect();
    s[..40].to_string()
}

fn master_key(i: i64) -> String {
    format!("master-{i}")
}

// ---------------------------------------------------------------------------------------------
// JSON output like Python's json.dumps

fn pretty4(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("serialize");
    String::from_utf8(buf).expect("utf8")
}

/// `json.dumps(x)` without indent: separators ", " and ": ".
struct PyCompact;

impl serde_json::ser::Formatter for PyCompact {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

fn py_compact(v: &Value) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, PyCompact);
    serde::Serialize::serialize(v, &mut ser).expect("serialize");
    String::from_utf8(buf).expect("utf8")
}

// ---------------------------------------------------------------------------------------------
// The runs

struct RunSpec {
    label: String,
    /// Stream key of this run's own noise.
    key: String,
    /// The master run whose planted outcomes apply (the PR run uses N-2).
    idx: usize,
    is_pr: bool,
    start: DateTime<FixedOffset>,
}

fn tz() -> FixedOffset {
    FixedOffset::east_opt(2 * 3600).unwrap()
}

fn ts(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%d_%H-%M-%S%z").to_string()
}

fn day_at(i: usize, hour: u32) -> DateTime<FixedOffset> {
    let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + Duration::days(i as i64);
    tz().from_local_datetime(&d.and_hms_opt(hour, 0, 0).unwrap())
        .single()
        .unwrap()
}

fn label_of(t: &DateTime<FixedOffset>) -> String {
    format!("{TESTBED}_{}", t.format("%Y%m%d-%H%M%S"))
}

fn runs(n: usize) -> Vec<RunSpec> {
    let mut v = Vec::new();
    for i in 0..n {
        let start = day_at(i, 3);
        v.push(RunSpec {
            label: label_of(&start),
            key: master_key(i as i64),
            idx: i,
            is_pr: false,
            start,
        });
        if i == n - 2 {
            let start = day_at(i, 15);
            v.push(RunSpec {
                label: label_of(&start),
                key: format!("pr-{PR}"),
                idx: i,
                is_pr: true,
                start,
            });
        }
    }
    v
}

fn flaky_fails(seed: u64, idx: usize) -> bool {
    rng(seed, &master_key(idx as i64), "flaky_one").f64() < FLAKY_P
}

/// `Some(text)` when `test` fails on `tag` in attempt `attempt` of run `r`.
fn planted_failure(
    seed: u64,
    r: &RunSpec,
    tag: &str,
    test: &str,
    attempt: char,
) -> Option<&'static str> {
    let i = r.idx;
    match (test, tag) {
        (T_REGRESS, "RPI_PICO_W") if i >= REGRESS_AT => {
            Some("AssertionError: regression planted at run 20")
        }
        (T_FIXED, "ESP32_C3_DEVKIT") if i < FIXED_AT => Some("AssertionError: broken until run 24"),
        (T_FLAKY, "ESP32_C3_DEVKIT") if attempt == 'a' && flaky_fails(seed, i) => {
            Some("OSError: [Errno 110] ETIMEDOUT")
        }
        (T_FLIP, "PYBV11") if i % 2 == 1 => Some("AssertionError: flip_flop fails in odd runs"),
        (T_BROKEN, "RPI_PICO_W") => Some("NotImplementedError: never worked"),
        (T_KNOWN, "RPI_PICO_W") => Some("ValueError: known bad on this board"),
        (T_PR, _) if r.is_pr => Some("TypeError: introduced by PR 18000"),
        _ => None,
    }
}

fn git_spec(r: &RunSpec) -> String {
    if r.is_pr {
        format!("{REPO}.git~{PR}")
    } else {
        format!("{REPO}.git@master")
    }
}

fn git_metadata(seed: u64, r: &RunSpec) -> Value {
    let spec = git_spec(r);
    let (url_link, hash, describe, log) = if r.is_pr {
        let head = hex40(seed, &r.key);
        let second = hex40(seed, &format!("{}-1", r.key));
        let mut lines = vec![
            format!(
                "{} (HEAD -> pr-{PR}) py/objtype: Tighten type checks in attribute assignment.",
                &head[..9]
            ),
            format!(
                "{} tests/basics: Cover attribute assignment on builtin types.",
                &second[..9]
            ),
        ];
        for k in 0..3i64 {
            let j = r.idx as i64 - k;
            let deco = if k == 0 { " (origin/master)" } else { "" };
            lines.push(format!(
                "{}{deco} {}",
                &hex40(seed, &master_key(j))[..9],
                subject(j)
            ));
        }
        (
            format!("{REPO}/pull/{PR}"),
            head.clone(),
            format!("heads/pr-{PR}-0-g{}", &head[..9]),
            lines.join("\n"),
        )
    } else {
        let i = r.idx as i64;
        let head = hex40(seed, &r.key);
        let lines: Vec<String> = (0..5i64)
            .map(|k| {
                let j = i - k;
                let deco = if k == 0 {
                    " (HEAD -> master, origin/master)"
                } else {
                    ""
                };
                format!("{}{deco} {}", &hex40(seed, &master_key(j))[..9], subject(j))
            })
            .collect();
        (
            format!("{REPO}/tree/master"),
            head.clone(),
            format!("heads/master-0-g{}", &head[..9]),
            lines.join("\n"),
        )
    };
    json!({
        "git_spec": spec,
        "url_link": url_link,
        "commit_hash": hash,
        "rebased": false,
        "command_describe": {
            "command": "git describe --all --long --dirty --always",
            "stdout": describe,
        },
        "command_log": {
            "command": "git log --oneline --decorate -n 20",
            "stdout": log,
        },
    })
}

fn dir_r() -> String {
    format!("{DIR_W}/testresults")
}

fn python() -> String {
    format!("{DIR_W}/.venv/bin/python3")
}

struct Outcome {
    name: String,
    failed: bool,
    text: String,
}

/// One group attempt folder.
struct Attempt {
    dir: String,
    files: Vec<(&'static str, String)>,
    end: DateTime<FixedOffset>,
}

fn testcases(name: &str) -> u64 {
    3 + fnv(name) % 18
}

#[allow(clippy::too_many_arguments)]
fn group_context(
    group: &str,
    dir: &str,
    t: &Tentacle,
    commandline: &str,
    start: &DateTime<FixedOffset>,
    end: &DateTime<FixedOffset>,
    outcomes: &[Outcome],
) -> String {
    let outs: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            json!({
                "name": o.name,
                "outcome": if o.failed { "failed" } else { "passed" },
                "text": o.text,
            })
        })
        .collect();
    pretty4(&json!({
        "directory_relative": dir,
        "testgroup": group,
        "testid": dir,
        "tentacle_variant": t.variant,
        "tentacle_variant_role": t.variant,
        "commandline": commandline,
        "tentacle_mcu": t.mcu,
        "tentacle_reference": "",
        "time_start": ts(start),
        "time_end": ts(end),
        "log_output": format!("{}/{dir}/logger_20_info.log", dir_r()),
        "outcomes": outs,
        "msg_error": "",
        "msg_skipped": "",
    }))
}

fn results_json(args: Value, outcomes: &[Outcome]) -> String {
    let results: Vec<Value> = outcomes
        .iter()
        .map(|o| json!([o.name, if o.failed { "fail" } else { "pass" }, o.text]))
        .collect();
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.failed)
        .map(|o| o.name.as_str())
        .collect();
    py_compact(&json!({
        "args": args,
        "results": results,
        "failed_tests": failed,
        "ignored_tests": [],
    }))
}

fn wrapper(timeout_s: &str, command: &str, body: &str, returncode: i32, duration: f64) -> String {
    format!(
        "cd {DIR_T}/tests\ntimeout_s={timeout_s}\nexport MICROPY_TEST_TIMEOUT=60\nexport PYTHONUNBUFFERED=1\n\n\
         {command}\n>>>>>>>>>>>>>>>>>>>> TAG_LOG_START >>>>>>>>>>>>>>>>>>>>\n\n{body}\n\n\n\
         <<<<<<<<<<<<<<<<<<<< TAG_LOG_END <<<<<<<<<<<<<<<<<<<<\nreturncode={returncode}\nduration={duration:.3}s\n"
    )
}

fn tests_standard(
    seed: u64,
    r: &RunSpec,
    t: &Tentacle,
    attempt: char,
    start: DateTime<FixedOffset>,
) -> (Attempt, bool) {
    let group = "RUN-TESTS_STANDARD";
    let dir = format!("{group}@{},{attempt}", t.variant);
    let mut names: Vec<&str> = STEADY.iter().chain(PLANTED.iter()).copied().collect();
    names.sort_unstable();
    let outcomes: Vec<Outcome> = names
        .iter()
        .map(|&n| {
            let f = planted_failure(seed, r, t.tag, n, attempt);
            Outcome {
                name: n.to_string(),
                failed: f.is_some(),
                text: f.unwrap_or("").to_string(),
            }
        })
        .collect();
    let any_failed = outcomes.iter().any(|o| o.failed);

    let mut tr = rng(seed, &r.key, &format!("{dir}/time"));
    let duration = tr.int(17000, 22000) as f64 / 100.0;
    let end = start + Duration::seconds(duration as i64 + 10);

    let result_dir = format!("{}/{dir}", dir_r());
    let args = json!({
        "test_instance": format!("port:{}", t.port),
        "baudrate": 115200,
        "user": "micro",
        "password": "python",
        "test_dirs": null,
        "result_dir": result_dir,
        "filters": [],
        "dry_run": false,
        "emit": "bytecode",
        "heapsize": null,
        "via_mpy": false,
        "mpy_cross_flags": format!("-march={}", t.arch),
        "keep_path": false,
        "jobs": 1,
        "files": [],
        "print_failures": false,
        "clean_failures": false,
        "run_failures": false,
        "begin": null,
        "target_wiring": null,
        "platform": t.platform,
        "arch": t.arch,
        "arch_flags": null,
        "inlineasm_arch": t.inlineasm,
        "build": t.build,
        "thread": t.thread,
        "float_prec": 32,
        "unicode": true,
        "error_reporting": "normal",
    });

    let mut body = String::new();
    body.push_str(t.platform_line);
    body.push('\n');
    for o in &outcomes {
        body.push_str(&format!(
            "{}  {} \n",
            if o.failed { "FAIL" } else { "pass" },
            o.name
        ));
    }
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.failed)
        .map(|o| o.name.as_str())
        .collect();
    let cases: u64 = outcomes.iter().map(|o| testcases(&o.name)).sum();
    body.push_str(&format!(
        "{} tests performed ({cases} individual testcases)\n{} tests passed",
        outcomes.len(),
        outcomes.len() - failed.len()
    ));
    if !failed.is_empty() {
        body.push_str(&format!(
            "\n{} tests failed: {}",
            failed.len(),
            failed.join(" ")
        ));
    }
    let command = format!(
        "{} run-tests.py --result-dir={result_dir} --test-instance=port:{} --jobs=1",
        python(),
        t.port
    );
    let txt = wrapper("3660.0", &command, &body, i32::from(any_failed), duration);

    let ctx = group_context(group, &dir, t, "run-tests.py", &start, &end, &outcomes);
    let results = results_json(args, &outcomes);
    (
        Attempt {
            dir,
            files: vec![
                ("context_testgroup.json", ctx),
                ("_results.json", results),
                ("testresults.txt", txt),
            ],
            end,
        },
        any_failed,
    )
}

fn perfbench(seed: u64, r: &RunSpec, t: &Tentacle, start: DateTime<FixedOffset>) -> Attempt {
    let group = "RUN-PERFBENCH";
    let dir = format!("{group}@{},a", t.variant);
    let outcomes: Vec<Outcome> = PERF
        .iter()
        .map(|(n, _)| Outcome {
            name: n.to_string(),
            failed: false,
            text: String::new(),
        })
        .collect();

    let mut body = String::from("N=100 M=100 n_average=8\n");
    for (name, base) in PERF {
        let mut pr = rng(seed, &r.key, &format!("{}/{name}", t.variant));
        let mut runtime = base * t.perf_scale;
        if *name == "perf_bench/bm_chaos.py" && t.tag == "PYBV11" && r.idx >= PERF_REGRESS_AT {
            runtime *= 1.2;
        }
        runtime *= 1.0 + pr.range(-0.003, 0.003);
        let sd = pr.range(0.01, 0.6);
        let score = 1e9 / runtime * (1.0 + pr.range(-0.0003, 0.0003));
        let sd_score = sd + pr.range(0.0002, 0.001);
        body.push_str(&format!(
            "{name}: {runtime:.2} {sd:.4} {score:.2} {sd_score:.4}\n"
        ));
    }
    body.push_str(&format!(
        "{n} tests performed\n{n} tests passed",
        n = outcomes.len()
    ));

    let mut tr = rng(seed, &r.key, &format!("{dir}/time"));
    let duration = tr.int(13000, 16000) as f64 / 100.0;
    let end = start + Duration::seconds(duration as i64 + 10);

    let result_dir = format!("{}/{dir}", dir_r());
    let command = format!(
        "{} run-perfbench.py --result-dir={result_dir} --test-instance=port:{} 100 100",
        python(),
        t.port
    );
    let txt = wrapper("300.0", &command, &body, 0, duration);
    let args = json!({
        "diff_time": false,
        "diff_score": false,
        "test_instance": format!("port:{}", t.port),
        "baudrate": 115200,
        "user": "micro",
        "password": "python",
        "average": "8",
        "emit": "bytecode",
        "heapsize": null,
        "via_mpy": false,
        "mpy_cross_flags": format!("-march={}", t.arch),
        "result_dir": result_dir,
        "N": ["100"],
        "M": ["100"],
        "files": [],
    });
    let ctx = group_context(group, &dir, t, "run-perfbench.py", &start, &end, &outcomes);
    let results = results_json(args, &outcomes);
    Attempt {
        dir,
        files: vec![
            ("context_testgroup.json", ctx),
            ("_results.json", results),
            ("testresults.txt", txt),
        ],
        end,
    }
}

fn run_context(seed: u64, r: &RunSpec, end: &DateTime<FixedOffset>) -> String {
    let spec = git_spec(r);
    let meta = git_metadata(seed, r);
    let boards: String = TENTACLES
        .iter()
        .map(|t| format!(" --only-board={}", t.tag))
        .collect();
    pretty4(&json!({
        "testbed_name": "testbed_micropython",
        "testbed_instance": TESTBED,
        "time_start": ts(&r.start),
        "time_end": ts(end),
        "ref_firmware": spec,
        "ref_firmware_metadata": meta,
        "ref_tests": spec,
        "ref_tests_metadata": meta,
        "trigger": "manually started from octoprobe4",
        "commandline": format!(
            "{DIR_W}/.venv/bin/mptest test --micropython-tests={spec} --firmware-build={spec} \
             --only-test=RUN-TESTS_STANDARD --only-test=RUN-PERFBENCH{boards}"
        ),
        "log_output": format!("{}/logger_20_info.log", dir_r()),
        "log_directory": format!("{}/", dir_r()),
        "error": "",
        "directories": {
            "R": dir_r(),
            "P": format!("{DIR_W}/.venv/bin"),
            "W": DIR_W,
            "F": DIR_F,
            "T": DIR_T,
        },
        "git_ref": {"T": spec, "F": spec},
    }))
}

fn write_run(seed: u64, out: &Path, r: &RunSpec) -> io::Result<()> {
    let mut attempts = Vec::new();
    let mut run_end = r.start;
    for (k, t) in TENTACLES.iter().enumerate() {
        // Firmware builds first; the tentacles then run in parallel.
        let mut at = r.start + Duration::seconds(240 + 7 * k as i64);
        let (a, failed) = tests_standard(seed, r, t, 'a', at);
        at = a.end + Duration::seconds(2);
        attempts.push(a);
        if failed {
            let (b, _) = tests_standard(seed, r, t, 'b', at);
            at = b.end + Duration::seconds(2);
            attempts.push(b);
        }
        let p = perfbench(seed, r, t, at);
        run_end = run_end.max(p.end);
        attempts.push(p);
    }
    let run_end = run_end + Duration::seconds(15);

    let run_dir = out.join(&r.label);
    if run_dir.exists() {
        fs::remove_dir_all(&run_dir)?;
    }
    fs::create_dir_all(&run_dir)?;
    fs::write(run_dir.join("context.json"), run_context(seed, r, &run_end))?;
    for a in attempts {
        let d = run_dir.join(&a.dir);
        fs::create_dir_all(&d)?;
        for (name, text) in a.files {
            fs::write(d.join(name), text)?;
        }
    }
    Ok(())
}

struct Args {
    out: PathBuf,
    runs: usize,
    seed: u64,
}

const USAGE: &str =
    "usage: gen_history OUT_DIR [--runs N] [--seed S]   (N >= 30, default 32; S default 1)";

fn parse_args() -> Result<Args, String> {
    let mut out = None;
    let mut runs = 32usize;
    let mut seed = 1u64;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" | "--seed" => {
                let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
                if a == "--runs" {
                    runs = v
                        .parse()
                        .map_err(|_| format!("--runs: not a number: {v}"))?;
                } else {
                    seed = v
                        .parse()
                        .map_err(|_| format!("--seed: not a number: {v}"))?;
                }
            }
            "-h" | "--help" => return Err(String::new()),
            _ if a.starts_with('-') => return Err(format!("unknown option {a}")),
            _ if out.is_none() => out = Some(PathBuf::from(a)),
            _ => return Err(format!("unexpected argument {a}")),
        }
    }
    let out = out.ok_or("OUT_DIR is missing")?;
    if runs < MIN_RUNS {
        return Err(format!(
            "--runs must be at least {MIN_RUNS} (the planted events use run indices up to 28), got {runs}"
        ));
    }
    Ok(Args { out, runs, seed })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("gen_history: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let specs = runs(args.runs);
    if let Err(e) = fs::create_dir_all(&args.out) {
        eprintln!("gen_history: {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    for r in &specs {
        if let Err(e) = write_run(args.seed, &args.out, r) {
            eprintln!("gen_history: {}: {e}", r.label);
            return ExitCode::FAILURE;
        }
    }
    let flaky: Vec<String> = (0..args.runs)
        .filter(|&i| flaky_fails(args.seed, i))
        .map(|i| i.to_string())
        .collect();
    println!(
        "gen_history: wrote {} runs ({} master + 1 PR) to {}; flaky_one fails in attempt a of runs [{}]",
        specs.len(),
        args.runs,
        args.out.display(),
        flaky.join(", ")
    );
    ExitCode::SUCCESS
}
