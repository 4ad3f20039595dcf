//! Writes a synthetic Octoprobe run of a given size, for benchmarks:
//! `cargo run --release --example gen_octoprobe -- DIR [GROUP_ATTEMPTS] [OUTCOMES_PER_ATTEMPT]`.
//!
//! Deterministic: the same arguments give the same files.

use std::fs;
use std::path::PathBuf;

use serde_json::json;

const GROUPS: &[&str] = &[
    "RUN-TESTS_STANDARD",
    "RUN-TESTS_STANDARD_NATIVE",
    "RUN-TESTS_STANDARD_VIA_MPY",
    "RUN-PERFBENCH",
    "RUN-NATMODTESTS",
    "RUN-TESTS_EXTMOD_HARDWARE",
    "RUN-TESTS_EXTMOD_HARDWARE_NATIVE",
    "RUN-FLASH_FORMAT",
];
const TENTACLES: &[(&str, &str)] = &[
    ("5f2a-ADA_ITSYBITSY_M0", "samd"),
    ("0c30-ESP32_C3_DEVKIT", "esp32"),
    ("472b-ESP32_S3_DEVKIT", "esp32"),
    ("2d2d-LOLIN_D1_MINI", "esp8266"),
    ("3a21-PYBV11", "stm32"),
    ("3a21-PYBV11-DP", "stm32"),
    ("4434-NUCLEO_WB55", "stm32"),
    ("552b-RPI_PICO2_W", "rp2"),
    ("5f2c-RPI_PICO_W", "rp2"),
    ("1133-TEENSY40", "mimxrt"),
    ("3c2a-ARDUINO_NANO_33", "nrf"),
    ("1830-LOLIN_C3_MINI", "esp32"),
    ("5d21-ESP32_DEVKIT", "esp32"),
    ("3a21-PYBV11-THREAD", "stm32"),
    ("3a21-PYBV11-DP_THREAD", "stm32"),
    ("2d2d-LOLIN_D1_MINI-FLASH_512K", "esp8266"),
];
const DIRS: &[&str] = &[
    "basics",
    "extmod",
    "float",
    "micropython",
    "misc",
    "stress",
    "thread",
    "unicode",
];

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(
        args.next()
            .expect("usage: gen_octoprobe DIR [ATTEMPTS] [OUTCOMES]"),
    );
    let attempts: usize = args
        .next()
        .map(|a| a.parse().expect("a number"))
        .unwrap_or(250);
    let per: usize = args
        .next()
        .map(|a| a.parse().expect("a number"))
        .unwrap_or(280);
    let run = root.join("ch_hans_1_20260901-000000");
    fs::create_dir_all(&run)?;
    let context = json!({
        "testbed_name": "testbed_micropython",
        "testbed_instance": "ch_hans_1",
        "time_start": "2026-09-01_00-00-00+0200",
        "time_end": "2026-09-01_12-00-00+0200",
        "ref_firmware": "https://github.com/micropython/micropython.git@master",
        "ref_firmware_metadata": {"git_spec": "https://github.com/micropython/micropython.git@master",
            "url_link": "https://github.com/micropython/micropython/tree/master",
            "commit_hash": "104deaa6886caf5dd0e79b9d019327b0a07b8b2d", "rebased": false},
        "ref_tests": "https://github.com/micropython/micropython.git@master",
        "ref_tests_metadata": {"git_spec": "https://github.com/micropython/micropython.git@master",
            "url_link": "https://github.com/micropython/micropython/tree/master",
            "commit_hash": "104deaa6886caf5dd0e79b9d019327b0a07b8b2d", "rebased": false},
        "trigger": "github ci pipeline",
        "error": "",
        "directories": {"R": "/home/githubrunner/testresults"},
    });
    fs::write(
        run.join("context.json"),
        serde_json::to_string_pretty(&context)?,
    )?;
    for i in 0..attempts {
        let group = GROUPS[i % GROUPS.len()];
        let (tentacle, mcu) = TENTACLES[(i / GROUPS.len()) % TENTACLES.len()];
        let attempt = (b'a' + (i / (GROUPS.len() * TENTACLES.len())) as u8) as char;
        let dir_name = format!("{group}@{tentacle},{attempt}");
        let dir = run.join(&dir_name);
        fs::create_dir_all(&dir)?;
        let mut log = String::new();
        let outcomes: Vec<_> = (0..per)
            .map(|t| {
                let name = format!("{}/test_{:04}.py", DIRS[t % DIRS.len()], t);
                let (outcome, text) = match (t * 7 + i * 13) % 97 {
                    0 => (
                        "failed",
                        "CRASH: PyboardError('exception', b'', b'MemoryError')",
                    ),
                    1..=9 => ("skipped", "too large"),
                    _ => ("passed", ""),
                };
                log.push_str(&format!("{outcome}  {name}\n"));
                json!({"name": name, "outcome": outcome, "text": text})
            })
            .collect();
        let ctx = json!({
            "directory_relative": dir_name, "testgroup": group, "testid": dir_name,
            "tentacle_variant": tentacle, "tentacle_variant_role": tentacle,
            "commandline": "run-tests.py", "tentacle_mcu": mcu, "tentacle_reference": "",
            "time_start": "2026-09-01_00-00-00+0200", "time_end": "2026-09-01_00-03-00+0200",
            "log_output": format!("/home/githubrunner/testresults/{dir_name}/logger_20_info.log"),
            "outcomes": outcomes, "msg_error": "", "msg_skipped": "",
        });
        fs::write(
            dir.join("context_testgroup.json"),
            serde_json::to_string_pretty(&ctx)?,
        )?;
        fs::write(dir.join("testresults.txt"), &log)?;
        fs::write(
            dir.join("logger_20_info.log"),
            format!("INFO     - [COLOR_INFO]TEST BEGIN {dir_name}\n"),
        )?;
    }
    println!("{}", run.display());
    Ok(())
}
