//! Writes a synthetic history for benchmarks, in any input format testpress reads:
//!
//! `gen_bench OUT_DIR --format junit|reportlog|octoprobe [--runs R] [--tests T] [--seed S]`
//!
//! R runs (default 100) of T tests (default 1,000) each, one run a day, testbed `bench`.
//! Tests have pytest-like names spread over modules of 50; about 1 % fail with a realistic
//! traceback, two tests are flaky (fail about a third of the time), one breaks at run R/2
//! and stays broken, and (Octoprobe) perfbench figures with one regression at run 3R/4.
//! The same arguments always give byte-identical files.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

struct Rng(u64);

impl Rng {
    /// splitmix64: small, fast, and the same everywhere.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Junit,
    ReportLog,
    Octoprobe,
}

struct Args {
    out: PathBuf,
    format: Format,
    runs: usize,
    tests: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut args = Args {
        out: PathBuf::new(),
        format: Format::Junit,
        runs: 100,
        tests: 1000,
        seed: 1,
    };
    let mut out = None;
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--format" => {
                args.format = match value("--format")?.as_str() {
                    "junit" => Format::Junit,
                    "reportlog" => Format::ReportLog,
                    "octoprobe" => Format::Octoprobe,
                    f => return Err(format!("unknown format {f}")),
                }
            }
            "--runs" => {
                args.runs = value("--runs")?
                    .parse()
                    .map_err(|e| format!("--runs: {e}"))?
            }
            "--tests" => {
                args.tests = value("--tests")?
                    .parse()
                    .map_err(|e| format!("--tests: {e}"))?
            }
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            _ if out.is_none() && !a.starts_with('-') => out = Some(PathBuf::from(a)),
            _ => return Err(format!("unexpected argument {a}")),
        }
    }
    args.out = out.ok_or("usage: gen_bench OUT_DIR --format junit|reportlog|octoprobe [--runs R] [--tests T] [--seed S]")?;
    if args.runs < 2 || args.tests < 10 {
        return Err("need at least 2 runs and 10 tests".into());
    }
    Ok(args)
}

/// What test `t` did in run `r`.
#[derive(Clone, Copy, PartialEq)]
enum Res {
    Pass,
    Fail,
    Skip,
}

fn outcome(a: &Args, rng: &mut Rng, r: usize, t: usize) -> Res {
    let flaky = t == 7 || t == a.tests / 3;
    let broken = t == a.tests / 2 && r >= a.runs / 2;
    let always_failing = t % 100 == 13;
    if broken || always_failing || (flaky && rng.chance(0.35)) {
        Res::Fail
    } else if t % 37 == 5 {
        Res::Skip
    } else {
        Res::Pass
    }
}

fn module(t: usize) -> String {
    format!("tests/area_{:03}/test_feature_{:03}.py", t / 200, t / 50)
}

fn name(t: usize) -> String {
    match t % 4 {
        0 => format!("test_case_{t:05}"),
        1 => format!("test_case_{t:05}[param-{}]", t % 7),
        2 => format!("TestThing{}::test_method_{t:05}", t % 5),
        _ => format!("test_case_{t:05}[{}-{}]", t % 3, t % 11),
    }
}

fn traceback(t: usize, r: usize) -> String {
    format!(
        "    def test_case():\n        result = compute({t})\n>       assert result == {}\nE       assert {} == {}\nE        +  where {} = compute({t})\n\n{}:{}: AssertionError",
        t * 2,
        t * 2 + r % 3 + 1,
        t * 2,
        t * 2 + r % 3 + 1,
        module(t),
        40 + t % 200
    )
}

fn date(r: usize) -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(3, 0, 0)
        .unwrap()
        + chrono::Duration::days(r as i64)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn commit(r: usize) -> String {
    format!("{:040x}", (r as u128 + 1) * 0x9E37_79B9_7F4A_7C15_u128)
        .chars()
        .rev()
        .take(40)
        .collect()
}

fn write_run_json(dir: &Path, r: usize) -> std::io::Result<()> {
    let d = date(r);
    fs::write(
        dir.join("run.json"),
        format!(
            "{{\n  \"testbed\": \"bench\",\n  \"id\": \"run-{r:04}\",\n  \"time_start\": \"{}+00:00\",\n  \"time_end\": \"{}+00:00\",\n  \"branch\": \"main\",\n  \"commit\": \"{}\",\n  \"repository\": \"https://github.com/example/bench\",\n  \"job\": \"tests\",\n  \"trigger\": \"schedule\"\n}}\n",
            d.format("%Y-%m-%dT%H:%M:%S"),
            (d + chrono::Duration::minutes(20)).format("%Y-%m-%dT%H:%M:%S"),
            commit(r)
        ),
    )
}

fn junit(a: &Args, rng: &mut Rng, r: usize, dir: &Path) -> std::io::Result<()> {
    let mut s = String::with_capacity(a.tests * 200);
    let ts = date(r).format("%Y-%m-%dT%H:%M:%S");
    let _ = writeln!(s, "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"pytest\" timestamp=\"{ts}.000000\" hostname=\"runner-{}\">", r % 4);
    for t in 0..a.tests {
        let m = module(t);
        let classname = m.trim_end_matches(".py").replace('/', ".");
        let (cls, n) = match name(t).split_once("::") {
            Some((c, n)) => (format!("{classname}.{c}"), n.to_string()),
            None => (classname, name(t)),
        };
        let time = 0.001 + (t % 50) as f64 / 1000.0;
        let _ = write!(
            s,
            "<testcase classname=\"{}\" name=\"{}\" file=\"{m}\" line=\"{}\" time=\"{time:.3}\"",
            esc(&cls),
            esc(&n),
            10 + t % 200
        );
        match outcome(a, rng, r, t) {
            Res::Pass => s.push_str(" />\n"),
            Res::Skip => s.push_str("><skipped type=\"pytest.skip\" message=\"needs hardware\">needs hardware</skipped></testcase>\n"),
            Res::Fail => {
                let tb = traceback(t, r);
                let _ = writeln!(s, "><failure message=\"AssertionError: assert {} == {}\">{}</failure></testcase>", t * 2 + r % 3 + 1, t * 2, esc(&tb));
            }
        }
    }
    s.push_str("</testsuite></testsuites>\n");
    fs::write(dir.join("junit.xml"), s)
}

fn reportlog(a: &Args, rng: &mut Rng, r: usize, dir: &Path) -> std::io::Result<()> {
    let mut s = String::with_capacity(a.tests * 900);
    s.push_str("{\"pytest_version\": \"9.2.0\", \"$report_type\": \"SessionStart\"}\n");
    let start = date(r).and_utc().timestamp() as f64;
    for t in 0..a.tests {
        let m = module(t);
        let nodeid = format!("{m}::{}", name(t));
        let loc = format!(
            "[\"{m}\", {}, \"{}\"]",
            9 + t % 200,
            name(t).replace("::", ".")
        );
        let at = start + t as f64 * 0.01;
        let phase = |when: &str, outcome: &str, longrepr: &str| {
            format!(
                "{{\"nodeid\": {}, \"location\": {loc}, \"keywords\": {{}}, \"outcome\": \"{outcome}\", \"longrepr\": {longrepr}, \"when\": \"{when}\", \"user_properties\": [], \"sections\": [], \"duration\": 0.001, \"start\": {at:.3}, \"stop\": {:.3}, \"$report_type\": \"TestReport\"}}\n",
                serde_json::to_string(&nodeid).unwrap(),
                at + 0.001
            )
        };
        s.push_str(&phase("setup", "passed", "null"));
        match outcome(a, rng, r, t) {
            Res::Pass => s.push_str(&phase("call", "passed", "null")),
            Res::Skip => s.push_str(&phase(
                "call",
                "skipped",
                &format!("[\"{m}\", 10, \"Skipped: needs hardware\"]"),
            )),
            Res::Fail => {
                let lr = serde_json::json!({
                    "reprcrash": {"path": m, "lineno": 40 + t % 200, "message": format!("AssertionError: assert {} == {}", t * 2 + r % 3 + 1, t * 2)},
                    "reprtraceback": {"reprentries": [{"type": "ReprEntry", "data": {"lines": traceback(t, r).lines().collect::<Vec<_>>()}}]},
                });
                s.push_str(&phase("call", "failed", &lr.to_string()));
            }
        }
        s.push_str(&phase("teardown", "passed", "null"));
    }
    s.push_str("{\"exitstatus\": 1, \"$report_type\": \"SessionFinish\"}\n");
    fs::write(dir.join("report.jsonl"), s)
}

fn octoprobe(a: &Args, rng: &mut Rng, r: usize, dir: &Path) -> std::io::Result<()> {
    let tentacles = [
        ("5f2c-RPI_PICO_W", "rp2"),
        ("0c30-ESP32_C3_DEVKIT", "esp32"),
        ("3a21-PYBV11", "stm32"),
        ("2d2d-LOLIN_D1_MINI", "esp8266"),
    ];
    let stamp = |d: chrono::NaiveDateTime| d.format("%Y-%m-%d_%H-%M-%S+0000").to_string();
    let d = date(r);
    let context = serde_json::json!({
        "testbed_name": "testbed_micropython",
        "testbed_instance": "bench",
        "time_start": stamp(d),
        "time_end": stamp(d + chrono::Duration::minutes(50)),
        "ref_firmware": "https://github.com/micropython/micropython.git@master",
        "ref_firmware_metadata": {"git_spec": "https://github.com/micropython/micropython.git@master", "url_link": "https://github.com/micropython/micropython/tree/master", "commit_hash": commit(r), "rebased": false},
        "ref_tests": "https://github.com/micropython/micropython.git@master",
        "ref_tests_metadata": {"git_spec": "https://github.com/micropython/micropython.git@master", "url_link": "https://github.com/micropython/micropython/tree/master", "commit_hash": commit(r), "rebased": false},
        "trigger": "github ci pipeline",
        "error": "",
        "directories": {"R": "/home/githubrunner/testresults"},
    });
    fs::write(
        dir.join("context.json"),
        serde_json::to_string_pretty(&context).unwrap(),
    )?;
    let per = a.tests.div_ceil(tentacles.len());
    for (k, (tentacle, mcu)) in tentacles.iter().enumerate() {
        let id = format!("RUN-TESTS_STANDARD@{tentacle},a");
        let g = dir.join(&id);
        fs::create_dir_all(&g)?;
        let outcomes: Vec<serde_json::Value> = (k * per..((k + 1) * per).min(a.tests))
            .map(|t| {
                let n = format!(
                    "{}/{}.py",
                    ["basics", "extmod", "float", "micropython"][t % 4],
                    name(t).replace("::", "_").replace(['[', ']'], "_")
                );
                let (o, text) = match outcome(a, rng, r, t) {
                    Res::Pass => ("passed", String::new()),
                    Res::Skip => ("skipped", "too large".to_string()),
                    Res::Fail => ("failed", String::new()),
                };
                serde_json::json!({"name": n, "outcome": o, "text": text})
            })
            .collect();
        let ctx = serde_json::json!({
            "directory_relative": id, "testgroup": "RUN-TESTS_STANDARD", "testid": id,
            "tentacle_variant": tentacle, "tentacle_variant_role": tentacle, "commandline": "run-tests.py",
            "tentacle_mcu": mcu, "tentacle_reference": "", "time_start": stamp(d), "time_end": stamp(d + chrono::Duration::minutes(40)),
            "log_output": format!("/home/githubrunner/testresults/{id}/logger_20_info.log"),
            "outcomes": outcomes, "msg_error": "", "msg_skipped": "",
        });
        fs::write(
            g.join("context_testgroup.json"),
            serde_json::to_string_pretty(&ctx).unwrap(),
        )?;
        // Perfbench figures: bm_chaos on PYBV11 is 20 % slower from run 3R/4 on.
        let pid = format!("RUN-PERFBENCH@{tentacle},a");
        let p = dir.join(&pid);
        fs::create_dir_all(&p)?;
        let mut txt = String::from("N=100 M=100 n_average=8\n");
        let mut perf_outcomes = Vec::new();
        for (b, base) in [
            ("bm_chaos", 36000.0),
            ("bm_fft", 21000.0),
            ("bm_float", 20900.0),
            ("misc_mandel", 59100.0),
        ] {
            let noise = 1.0 + ((rng.next() % 600) as f64 - 300.0) / 100_000.0;
            let slow = if b == "bm_chaos" && tentacle.ends_with("PYBV11") && r >= a.runs * 3 / 4 {
                1.2
            } else {
                1.0
            };
            let us = base * (1.0 + k as f64 * 0.3) * noise * slow;
            let _ = writeln!(
                txt,
                "perf_bench/{b}.py: {us:.2} 0.{:04} {:.2} 0.{:04}",
                100 + r % 50,
                1e9 / us,
                100 + r % 50
            );
            perf_outcomes.push(serde_json::json!({"name": format!("perf_bench/{b}.py"), "outcome": "passed", "text": ""}));
        }
        fs::write(p.join("testresults.txt"), txt)?;
        let pctx = serde_json::json!({
            "directory_relative": pid, "testgroup": "RUN-PERFBENCH", "testid": pid,
            "tentacle_variant": tentacle, "tentacle_variant_role": tentacle, "commandline": "run-perfbench.py",
            "tentacle_mcu": mcu, "tentacle_reference": "", "time_start": stamp(d), "time_end": stamp(d + chrono::Duration::minutes(5)),
            "outcomes": perf_outcomes, "msg_error": "", "msg_skipped": "",
        });
        fs::write(
            p.join("context_testgroup.json"),
            serde_json::to_string_pretty(&pctx).unwrap(),
        )?;
    }
    Ok(())
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen_bench: {e}");
            std::process::exit(2);
        }
    };
    let mut rng = Rng(args.seed);
    for r in 0..args.runs {
        let label = match args.format {
            Format::Octoprobe => format!("bench_{}", date(r).format("%Y%m%d-%H%M%S")),
            _ => format!("run-{r:04}"),
        };
        let dir = args.out.join("bench").join(label);
        if let Err(e) = fs::create_dir_all(&dir).and_then(|_| match args.format {
            Format::Junit => write_run_json(&dir, r).and_then(|_| junit(&args, &mut rng, r, &dir)),
            Format::ReportLog => {
                write_run_json(&dir, r).and_then(|_| reportlog(&args, &mut rng, r, &dir))
            }
            Format::Octoprobe => octoprobe(&args, &mut rng, r, &dir),
        }) {
            eprintln!("gen_bench: {}: {e}", dir.display());
            std::process::exit(1);
        }
    }
}
