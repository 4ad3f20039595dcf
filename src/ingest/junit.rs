//! JUnit XML of every producer (pytest, Surefire, Gradle, jest-junit, go-junit-report, nextest,
//! bazel), read as a stream: one group per test suite.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use quick_xml::events::{attributes::Attribute, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::time::Timestamp;
use super::IngestError;
use crate::model::{GroupAttempt, Outcome, PriorAttempt, TestExtra, TestResult};

/// What one JUnit file holds.
#[derive(Debug, Default)]
pub struct JunitFile {
    pub groups: Vec<GroupAttempt>,
    /// Earliest suite timestamp, and the latest suite end (timestamp + time).
    pub time_start: Option<Timestamp>,
    pub time_end: Option<Timestamp>,
    pub hostnames: Vec<String>,
}

/// Does this look like JUnit XML? Reads the first kilobytes only.
pub fn sniff(head: &str) -> bool {
    let body = head.trim_start_matches('\u{feff}');
    ["<testsuites", "<testsuite", "<testrun"]
        .iter()
        .any(|tag| body.contains(tag))
}

/// Seconds, accepting thousands separators (`1,234.5`, `12,345`), a decimal comma (`0,25`,
/// as a German locale writes it) and rejecting junk.
pub fn parse_seconds(s: &str) -> Option<f64> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    // With both marks, the later one is the decimal mark (`1,234.5`, `1.234,5`). A lone
    // comma groups thousands only when each group after it has three digits and the first
    // is a number that needs grouping (`12,345`); `0,250`, `,5` and `12,5` are decimal.
    let cleaned = match (s.rfind('.'), s.rfind(',')) {
        (Some(p), Some(c)) if c > p => s.replace('.', "").replacen(',', ".", 1),
        (Some(_), _) => s.replace(',', ""),
        (None, Some(_)) => {
            let mut groups = s.split(',');
            let first = groups.next().unwrap_or("");
            let grouped = (1..=3).contains(&first.len())
                && !first.starts_with('0')
                && groups.all(|g| g.len() == 3);
            if grouped {
                s.replace(',', "")
            } else {
                s.replacen(',', ".", 1)
            }
        }
        (None, None) => s,
    };
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Capture {
    None,
    /// Text of a failure/error/skipped element of the current testcase.
    Result,
    /// Text inside a rerun/flaky element (or its stackTrace child).
    Rerun,
    CaseOut,
    CaseErr,
    SuiteOut,
    SuiteErr,
    Property,
}

struct Suite {
    group: GroupAttempt,
    timestamp: Option<Timestamp>,
    time: Option<f64>,
    /// Where each test name is in `group.results`: a repeat anywhere in the suite is an
    /// attempt (gotestsum writes failed tests first, their passing reruns with the passed).
    names: rustc_hash::FxHashMap<String, usize>,
}

struct Case {
    result: TestResult,
    /// Part of the test's id; not kept beyond it.
    classname: String,
    /// The kind of result element seen: `failure`, `error` or `skipped`.
    kind: Option<String>,
    result_type: String,
    results_seen: usize,
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.as_ref()) == name)
        .map(|a| value(&a))
}

/// An attribute's value, entities resolved (as written when they cannot be).
fn value(a: &Attribute) -> String {
    a.normalized_value(XmlVersion::Implicit1_0)
        .map(Cow::into_owned)
        .unwrap_or_else(|_| a.value.to_string())
}

fn local(name: &str) -> &str {
    match name.rfind(':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Line number of a byte offset, counted by reading the file again (errors only).
fn line_of(path: &Path, offset: u64) -> usize {
    let Ok(f) = File::open(path) else { return 0 };
    let mut line = 1;
    let mut seen = 0u64;
    for chunk in BufReader::new(f).split(b'\n') {
        let Ok(chunk) = chunk else { break };
        seen += chunk.len() as u64 + 1;
        if seen > offset {
            break;
        }
        line += 1;
    }
    line
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

/// Reads one JUnit file. `label` is how the file is named in messages and in `source`.
pub fn read(path: &Path, label: &str) -> Result<JunitFile, IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut reader = Reader::from_reader(BufReader::with_capacity(256 * 1024, file));
    reader.config_mut().trim_text(false);
    let mut out = JunitFile::default();
    let mut suites: Vec<Suite> = Vec::new();
    let mut case: Option<Case> = None;
    let mut capture = Capture::None;
    let mut text = String::new();
    let mut property: Option<String> = None;
    let mut rerun: Option<(Outcome, String)> = None;
    let mut buf = Vec::new();
    let err = |reader: &Reader<BufReader<File>>, e: quick_xml::Error| IngestError::Json {
        path: path.display().to_string(),
        line: line_of(path, reader.error_position()),
        column: 0,
        message: format!("invalid XML: {e}"),
    };
    let mut starts = 0usize;
    // Why a file that had tests stopped being read: "" for its end, else the parser's error.
    let mut broken: Option<String> = None;
    loop {
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            // Broken XML after some tests (a killed writer cuts mid-tag): keep those tests.
            Err(e) if !suites.is_empty() || case.is_some() || !out.groups.is_empty() => {
                let at_end =
                    std::fs::metadata(path).is_ok_and(|m| reader.buffer_position() >= m.len());
                broken = Some(if at_end { String::new() } else { e.to_string() });
                break;
            }
            Err(e) => return Err(err(&reader, e)),
        };
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                starts += 1;
                let name = e.name();
                match local(name.as_ref()) {
                    "testsuite" | "testrun" => {
                        let mut group = GroupAttempt {
                            testgroup: attr(e, "name").unwrap_or_default(),
                            host: attr(e, "hostname").unwrap_or_default(),
                            source: label.to_string(),
                            ..GroupAttempt::default()
                        };
                        if group.testgroup.is_empty() {
                            group.testgroup =
                                attr(e, "package").unwrap_or_else(|| "(unnamed suite)".into());
                        }
                        let s = Suite {
                            group,
                            timestamp: attr(e, "timestamp").and_then(|t| Timestamp::parse(&t)),
                            time: attr(e, "time").and_then(|t| parse_seconds(&t)),
                            names: Default::default(),
                        };
                        if empty {
                            finish_suite(&mut out, s);
                        } else {
                            suites.push(s);
                        }
                    }
                    "testsuites" => {}
                    "testcase" => {
                        // One pass over the attributes: there is a testcase per test.
                        // The first of a name counts (`x:name` after `name` is ignored).
                        let [mut name, mut classname, mut file, mut line, mut time] =
                            [None, None, None, None, None];
                        for a in e.attributes().flatten() {
                            let slot = match local(a.key.as_ref()) {
                                "name" => &mut name,
                                "classname" => &mut classname,
                                "file" => &mut file,
                                "line" => &mut line,
                                "time" => &mut time,
                                _ => continue,
                            };
                            if slot.is_none() {
                                *slot = Some(value(&a));
                            }
                        }
                        let mut r = TestResult::new(
                            name.unwrap_or_default(),
                            Outcome::Passed,
                            String::new(),
                        );
                        r.duration = time.and_then(|t| parse_seconds(&t));
                        let mut x = Box::<TestExtra>::default();
                        x.file = file;
                        x.line = line.and_then(|l| l.trim().parse().ok());
                        let classname = classname.unwrap_or_default();
                        r.extra = Some(x);
                        let c = Case {
                            result: r,
                            classname,
                            kind: None,
                            result_type: String::new(),
                            results_seen: 0,
                        };
                        if empty {
                            push_case(&mut suites, &mut out, c, label);
                        } else {
                            case = Some(c);
                        }
                    }
                    kind @ ("failure" | "error" | "skipped") if case.is_some() => {
                        let c = case.as_mut().expect("checked");
                        c.results_seen += 1;
                        let kind = kind.to_string();
                        // A failure outranks an error, which outranks a skip.
                        let rank = |k: &str| match k {
                            "failure" => 3,
                            "error" => 2,
                            _ => 1,
                        };
                        if c.kind.as_deref().map(rank).unwrap_or(0) < rank(&kind) {
                            c.result_type = attr(e, "type").unwrap_or_default();
                            let message = attr(e, "message").unwrap_or_default();
                            if !message.is_empty() {
                                c.result.extra_mut().message = message;
                            }
                            c.kind = Some(kind);
                        }
                        if !empty {
                            capture = Capture::Result;
                            text.clear();
                        }
                    }
                    kind @ ("flakyFailure" | "flakyError" | "rerunFailure" | "rerunError") => {
                        let outcome = if kind.ends_with("Error") {
                            Outcome::Errored
                        } else {
                            Outcome::Failed
                        };
                        let message = attr(e, "message").unwrap_or_default();
                        if let Some(c) = case.as_mut() {
                            if empty {
                                c.result.extra_mut().attempts.push(PriorAttempt {
                                    outcome,
                                    message,
                                    text: String::new(),
                                });
                            } else {
                                rerun = Some((outcome, message));
                                capture = Capture::Rerun;
                                text.clear();
                            }
                        }
                    }
                    "stackTrace" if rerun.is_some() => {}
                    // A rerun's output follows its stack trace in the attempt's text, under a
                    // label of its own rather than run on after the trace's last line.
                    stream @ ("system-out" | "system-err") if !empty && rerun.is_some() => {
                        let trimmed = text.trim_end().len();
                        text.truncate(trimmed);
                        if !text.is_empty() {
                            text.push('\n');
                        }
                        text.push_str(&format!("--- {stream} ---\n"));
                    }
                    // Inside a rerun element the output belongs to that attempt's text.
                    stream @ ("system-out" | "system-err") if !empty && rerun.is_none() => {
                        capture = match (stream, case.is_some()) {
                            ("system-out", true) => Capture::CaseOut,
                            ("system-out", false) => Capture::SuiteOut,
                            (_, true) => Capture::CaseErr,
                            (_, false) => Capture::SuiteErr,
                        };
                        text.clear();
                    }
                    "property" => {
                        let name = attr(e, "name").unwrap_or_default();
                        match attr(e, "value") {
                            Some(v) => add_property(&mut suites, &mut case, name, v),
                            None if !empty => {
                                property = Some(name);
                                capture = Capture::Property;
                                text.clear();
                            }
                            None => add_property(&mut suites, &mut case, name, String::new()),
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if capture != Capture::None => {
                text.push_str(&t.xml10_content());
            }
            Event::CData(t) if capture != Capture::None => {
                text.push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) if capture != Capture::None => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = r.xml10_content();
                    match predefined(&name) {
                        Some(s) => text.push_str(s),
                        // Unknown entities are kept as written, never expanded.
                        None => {
                            text.push('&');
                            text.push_str(&name);
                            text.push(';');
                        }
                    }
                }
            }
            Event::End(e) => {
                let name = e.name();
                match local(name.as_ref()) {
                    "testsuite" | "testrun" => {
                        if let Some(s) = suites.pop() {
                            finish_suite(&mut out, s);
                        }
                    }
                    "testcase" => {
                        if let Some(c) = case.take() {
                            push_case(&mut suites, &mut out, c, label);
                        }
                        capture = Capture::None;
                    }
                    "failure" | "error" | "skipped" if capture == Capture::Result => {
                        if let Some(c) = case.as_mut() {
                            let t = std::mem::take(&mut text);
                            if !t.trim().is_empty() {
                                if !c.result.text.is_empty() {
                                    c.result.text.push_str("\n\n");
                                }
                                c.result.text.push_str(&t);
                            }
                        }
                        capture = Capture::None;
                    }
                    "flakyFailure" | "flakyError" | "rerunFailure" | "rerunError" => {
                        if let (Some(c), Some((outcome, message))) = (case.as_mut(), rerun.take()) {
                            c.result.extra_mut().attempts.push(PriorAttempt {
                                outcome,
                                message,
                                text: std::mem::take(&mut text).trim().to_string(),
                            });
                        }
                        capture = Capture::None;
                    }
                    "system-out" | "system-err" => {
                        let t = std::mem::take(&mut text);
                        match capture {
                            Capture::CaseOut => case
                                .as_mut()
                                .map(|c| c.result.extra_mut().stdout.push_str(&t)),
                            Capture::CaseErr => case
                                .as_mut()
                                .map(|c| c.result.extra_mut().stderr.push_str(&t)),
                            Capture::SuiteOut => {
                                suites.last_mut().map(|s| s.group.stdout.push_str(&t))
                            }
                            Capture::SuiteErr => {
                                suites.last_mut().map(|s| s.group.stderr.push_str(&t))
                            }
                            _ => {
                                // Output inside a rerun element belongs to that attempt's text.
                                text = t;
                                None
                            }
                        };
                        if matches!(
                            capture,
                            Capture::CaseOut
                                | Capture::CaseErr
                                | Capture::SuiteOut
                                | Capture::SuiteErr
                        ) {
                            capture = Capture::None;
                        }
                    }
                    "property" if capture == Capture::Property => {
                        let name = property.take().unwrap_or_default();
                        let t = std::mem::take(&mut text);
                        add_property(&mut suites, &mut case, name, t.trim().to_string());
                        capture = Capture::None;
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if starts == 0 {
        return Err(IngestError::Json {
            path: path.display().to_string(),
            line: 1,
            column: 0,
            message: "no XML elements (empty file?)".into(),
        });
    }
    if broken.is_some() || !suites.is_empty() || case.is_some() {
        // A truncated or broken file: keep what was read, and say so.
        let line = line_of(path, reader.buffer_position());
        // A test cut off before any result element has no known outcome: counting it as
        // passed would call a test that failed last time fixed. Left out; the warning says why.
        if let Some(c) = case.take().filter(|c| c.kind.is_some()) {
            push_case(&mut suites, &mut out, c, label);
        }
        while let Some(s) = suites.pop() {
            finish_suite(&mut out, s);
        }
        out.groups.retain(|g| !g.results.is_empty());
        return Err(IngestError::Truncated {
            path: path.display().to_string(),
            line,
            reason: match broken {
                Some(e) if !e.is_empty() => format!("invalid XML ({e})"),
                _ => "the file ends early".into(),
            },
            partial: Box::new(out),
        });
    }
    Ok(out)
}

fn add_property(suites: &mut [Suite], case: &mut Option<Case>, name: String, value: String) {
    match case {
        Some(c) => c.result.extra_mut().properties.push((name, value)),
        None => {
            if let Some(s) = suites.last_mut() {
                s.group.properties.push((name, value));
            }
        }
    }
}

/// Ends a testcase: its outcome from the result elements it had.
fn push_case(suites: &mut Vec<Suite>, out: &mut JunitFile, mut c: Case, label: &str) {
    let ty = c.result_type.to_ascii_lowercase();
    c.result.outcome = match c.kind.as_deref() {
        Some("failure") => Outcome::Failed,
        Some("error") => Outcome::Errored,
        Some(_) if ty == "pytest.xfail" => Outcome::XFailed,
        Some(_)
            if c.result
                .extra
                .as_ref()
                .is_some_and(|x| x.message.contains("xfail-marked test passes unexpectedly")) =>
        {
            Outcome::XPassed
        }
        Some(_) => Outcome::Skipped,
        None => Outcome::Passed,
    };
    if c.result.text.is_empty() {
        if let Some(x) = &c.result.extra {
            c.result.text = x.message.clone();
        }
    }
    // Test ids are `classname::name`, unless the classname only repeats the suite (Surefire,
    // go, nextest) or the name already holds it (jest).
    let cls = &c.classname;
    let suite = suites
        .last()
        .map(|s| s.group.testgroup.as_str())
        .unwrap_or("");
    if !cls.is_empty() && cls != suite && !c.result.name.starts_with(cls.as_str()) {
        c.result.name = format!("{cls}::{}", c.result.name);
    }
    if suites.is_empty() {
        // A testcase outside any suite: its own implicit suite, named after the file.
        suites.push(Suite {
            group: GroupAttempt {
                testgroup: label.to_string(),
                source: label.to_string(),
                ..GroupAttempt::default()
            },
            timestamp: None,
            time: None,
            names: Default::default(),
        });
        suites.last_mut().unwrap().group.results.push(c.result);
        let s = suites.pop().unwrap();
        finish_suite(out, s);
        return;
    }
    let suite = suites.last_mut().expect("non-empty");
    let group = &mut suite.group;
    let teardown = c.result.outcome == Outcome::Errored
        && c.result
            .extra
            .as_ref()
            .is_some_and(|x| x.message.contains("teardown"));
    if teardown && suite.names.contains_key(&c.result.name) {
        // pytest writes a second testcase when the teardown of a test errors too; a rerun's
        // teardown error then meets the first one's below.
        c.result.name = format!("{} [teardown]", c.result.name);
    }
    if let Some(&i) = suite.names.get(&c.result.name) {
        let adjacent = i + 1 == group.results.len();
        // A rerun follows a failure; a test that passed, met again further on, is another
        // test of the same name (JUnit 5 dynamic tests), not a rerun.
        let ended_well = matches!(group.results[i].outcome, Outcome::Passed | Outcome::Skipped);
        if adjacent || !ended_well {
            // The same test again: an earlier attempt (reruns, `go test -count`).
            let prev = &mut group.results[i];
            let earlier = std::mem::replace(prev, c.result);
            let rerun_without_detail =
                group.testgroup == "pytest" && earlier.outcome == Outcome::Passed;
            let mut attempts = earlier
                .extra
                .map(|mut x| std::mem::take(&mut x.attempts))
                .unwrap_or_default();
            attempts.push(PriorAttempt {
                // pytest-rerunfailures writes a rerun as a testcase without its failure.
                outcome: if rerun_without_detail {
                    Outcome::Failed
                } else {
                    earlier.outcome
                },
                message: if rerun_without_detail {
                    "rerun (pytest-rerunfailures keeps no detail in JUnit)".into()
                } else {
                    String::new()
                },
                text: earlier.text,
            });
            let x = prev.extra_mut();
            attempts.append(&mut x.attempts);
            x.attempts = attempts;
            return;
        }
    }
    suite
        .names
        .insert(c.result.name.clone(), group.results.len());
    group.results.push(c.result);
}

fn finish_suite(out: &mut JunitFile, s: Suite) {
    if let Some(ts) = &s.timestamp {
        if out.time_start.as_ref().is_none_or(|t| t.epoch > ts.epoch) {
            out.time_start = Some(ts.clone());
        }
        if let (Some(epoch), Some(secs)) = (ts.epoch, s.time) {
            let end = epoch + secs.ceil() as i64;
            if out.time_end.as_ref().is_none_or(|t| t.epoch < Some(end)) {
                out.time_end = Some(Timestamp::from_epoch(end, ts));
            }
        }
    }
    if !s.group.host.is_empty() && !out.hostnames.contains(&s.group.host) {
        out.hostnames.push(s.group.host.clone());
    }
    // Suites that only hold other suites carry no tests of their own.
    if !s.group.results.is_empty() {
        out.groups.push(s.group);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// gotestsum --rerun-fails writes failed tests first and the passing rerun later,
    /// with the passed ones: one test, two attempts, not a failure and a pass.
    #[test]
    fn a_rerun_anywhere_in_its_suite_is_an_attempt() {
        let f = parse(
            r#"<testsuites><testsuite name="example.com/api/store">
            <testcase classname="example.com/api/store" name="TestRetry_Flaky"><failure message="Failed">flaky once</failure></testcase>
            <testcase classname="example.com/api/store" name="TestBroken"><failure message="Failed">boom</failure></testcase>
            <testcase classname="example.com/api/store" name="TestOk"/>
            <testcase classname="example.com/api/store" name="TestRetry_Flaky"/>
            </testsuite></testsuites>"#,
        );
        let r = &f.groups[0].results;
        let names: Vec<&str> = r.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["TestRetry_Flaky", "TestBroken", "TestOk"]);
        assert_eq!(r[0].outcome, Outcome::Passed);
        let attempts = &r[0].extra.as_ref().unwrap().attempts;
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].outcome, Outcome::Failed);
        assert_eq!(attempts[0].text, "flaky once");
    }

    /// A passed test met again further on in its suite is another test of that name (JUnit 5
    /// dynamic tests), not a rerun; a rerun's teardown error joins the first one's.
    #[test]
    fn a_passed_test_met_again_is_another_test() {
        let f = parse(
            r#"<testsuite name="Validation">
            <testcase classname="Validation" name="valid input"/>
            <testcase classname="Validation" name="other"/>
            <testcase classname="Validation" name="valid input"><failure message="no">x</failure></testcase>
            </testsuite>"#,
        );
        let r = &f.groups[0].results;
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].outcome, Outcome::Failed);
        let f = parse(
            r#"<testsuite name="pytest">
            <testcase classname="t.m" name="test_a"><failure message="f">x</failure></testcase>
            <testcase classname="t.m" name="test_a"><error message="failed on teardown with x">t</error></testcase>
            <testcase classname="t.m" name="test_b"/>
            <testcase classname="t.m" name="test_a"/>
            <testcase classname="t.m" name="test_a"><error message="failed on teardown with y">t</error></testcase>
            </testsuite>"#,
        );
        let names: Vec<&str> = f.groups[0]
            .results
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["t.m::test_a", "t.m::test_a [teardown]", "t.m::test_b"]
        );
    }

    #[test]
    fn seconds_with_commas() {
        assert_eq!(parse_seconds("1,234.5"), Some(1234.5));
        assert_eq!(parse_seconds("12,345"), Some(12345.0));
        assert_eq!(parse_seconds("0,25"), Some(0.25));
        assert_eq!(parse_seconds("0,250"), Some(0.25));
        assert_eq!(parse_seconds("12,5"), Some(12.5));
        assert_eq!(parse_seconds(" 3.5 "), Some(3.5));
        assert_eq!(parse_seconds("1,2,3"), None);
        assert_eq!(parse_seconds("1.234,5"), Some(1234.5));
        assert_eq!(parse_seconds(",500"), Some(0.5));
        assert_eq!(parse_seconds("00,250"), Some(0.25));
        assert_eq!(parse_seconds("-1"), None);
    }

    fn parse(xml: &str) -> JunitFile {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.xml");
        std::fs::write(&p, xml).unwrap();
        read(&p, "t.xml").unwrap()
    }

    #[test]
    fn surefire_reruns_are_attempts() {
        let f = parse(
            r#"<?xml version="1.0"?><testsuite name="S" tests="2">
            <testcase name="flaky" classname="S" time="0.1">
              <flakyFailure message="boom" type="AssertionError"><stackTrace>trace 1</stackTrace>
                <system-out> flaky out </system-out></flakyFailure>
              <system-out> success </system-out>
            </testcase>
            <testcase name="broken" classname="S" time="1,234.5">
              <failure message="first" type="X">first trace</failure>
              <rerunFailure message="again" type="X"><stackTrace>rerun trace</stackTrace></rerunFailure>
            </testcase></testsuite>"#,
        );
        let g = &f.groups[0];
        assert_eq!(g.testgroup, "S");
        let flaky = &g.results[0];
        assert_eq!(flaky.outcome, Outcome::Passed);
        assert!(flaky.is_flaky(), "{flaky:?}");
        let x = flaky.extra.as_ref().unwrap();
        assert_eq!(x.attempts[0].message, "boom");
        // The attempt's output under a label of its own, not glued to the trace's last line.
        assert_eq!(
            x.attempts[0].text,
            "trace 1\n--- system-out ---\n flaky out"
        );
        assert_eq!(x.stdout.trim(), "success");
        let broken = &g.results[1];
        assert_eq!(broken.outcome, Outcome::Failed);
        assert_eq!(broken.duration, Some(1234.5));
        assert_eq!(broken.extra.as_ref().unwrap().attempts.len(), 1);
        assert!(!broken.is_flaky());
    }

    #[test]
    fn pytest_shapes() {
        let f = parse(
            r#"<testsuites><testsuite name="pytest" errors="1" failures="1" skipped="2" tests="5" timestamp="2026-03-01T10:15:02.123456" time="0.4" hostname="runner-7">
 <testcase classname="tests.test_api.TestLogin" name="test_ok[admin]" time="0.004" />
 <testcase classname="tests.test_api" name="test_bad" time="0.010"><failure message="AssertionError: assert 401 == 200">tb &amp; &lt;more&gt; &#65;</failure></testcase>
 <testcase classname="tests.test_api" name="test_bad" time="0.001"><error message="failed on teardown with &quot;X&quot;">td</error></testcase>
 <testcase classname="tests.test_api" name="test_win"><skipped type="pytest.skip" message="windows only">tests/test_api.py:40: windows only</skipped></testcase>
 <testcase classname="tests.test_api" name="test_known_bug" time="0.002"><skipped type="pytest.xfail" message="bug 123" /></testcase>
</testsuite></testsuites>"#,
        );
        let r = &f.groups[0].results;
        let got: Vec<(&str, &str)> = r
            .iter()
            .map(|t| (t.name.as_str(), t.outcome.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("tests.test_api.TestLogin::test_ok[admin]", "passed"),
                ("tests.test_api::test_bad", "failed"),
                ("tests.test_api::test_bad [teardown]", "errored"),
                ("tests.test_api::test_win", "skipped"),
                ("tests.test_api::test_known_bug", "xfailed"),
            ]
        );
        assert_eq!(r[1].text, "tb & <more> A");
        assert_eq!(f.hostnames, ["runner-7"]);
        assert_eq!(
            f.time_start.as_ref().unwrap().iso.as_deref(),
            Some("2026-03-01T10:15:02")
        );
    }

    #[test]
    fn bare_suite_nested_and_truncated() {
        let f = parse(
            r#"<testsuite name="outer"><testsuite name="inner"><testcase name="a"/></testsuite><testcase name="b"><error message="m"/></testcase></testsuite>"#,
        );
        let names: Vec<&str> = f.groups.iter().map(|g| g.testgroup.as_str()).collect();
        assert_eq!(names, ["inner", "outer"]);
        assert_eq!(f.groups[1].results[0].outcome, Outcome::Errored);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cut.xml");
        std::fs::write(&p, "<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"ok\"/>\n<testcase name=\"x\"><failure>boo").unwrap();
        match read(&p, "cut.xml") {
            Err(IngestError::Truncated { line, partial, .. }) => {
                assert_eq!(line, 4);
                assert_eq!(partial.groups[0].results.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        // Cut inside a tag, as a killed writer leaves it: the tests before still count.
        std::fs::write(&p, "<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"a\"><failure>x</failure></testcase>\n<testcase name=\"c\" cl").unwrap();
        match read(&p, "cut.xml") {
            Err(IngestError::Truncated { partial, .. }) => {
                assert_eq!(partial.groups[0].results.len(), 1);
                assert_eq!(partial.groups[0].results[0].outcome, Outcome::Failed);
            }
            other => panic!("{other:?}"),
        }
        // Cut after a testcase's start tag: its outcome is unknown, so it is not a pass.
        std::fs::write(&p, "<testsuite name=\"s\">\n<testcase name=\"ok\"/>\n<testcase name=\"broke\">\n<system-out>x").unwrap();
        match read(&p, "cut.xml") {
            Err(IngestError::Truncated {
                partial, reason, ..
            }) => {
                let names: Vec<&str> = partial.groups[0]
                    .results
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect();
                assert_eq!(names, ["ok"]);
                assert_eq!(reason, "the file ends early");
            }
            other => panic!("{other:?}"),
        }
        // Broken, not cut: the parser's reason, not "ends early".
        std::fs::write(&p, "<testsuite name=\"s\">\n<testcase name=\"ok\"/>\n<testcase name=\"a\">\n</testcas>\n</testsuite>\n").unwrap();
        match read(&p, "cut.xml") {
            Err(IngestError::Truncated {
                partial, reason, ..
            }) => {
                assert_eq!(partial.groups[0].results.len(), 1);
                assert!(
                    reason.starts_with("invalid XML") && reason.contains("</testcas>"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
        std::fs::write(&p, "").unwrap();
        assert!(read(&p, "cut.xml").is_err());
    }
}
