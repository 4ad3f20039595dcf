//! Which page of a group's outcomes shows each test: a group page holds at most 1,000
//! outcomes and about 1 MB of them, failing tests first when it takes several. Planned here,
//! from the results alone, so that the run's summary links each failure to its part and row.

use std::ops::Range;

use crate::model::{GroupAttempt, Outcome, PriorAttempt, TestResult};

/// Output kept inline on a page; longer output gets a file of its own.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// Outcomes per group page: longer groups are split.
pub const PAGE_ROWS: usize = 1000;

/// What the outcomes of one group page may weigh, in bytes of HTML (estimated): a group
/// with long failure texts is split sooner, so that no page passes 2 MB.
pub const PAGE_BYTES: usize = 1_000_000;

/// Earlier attempts a row shows (a runner that retried a test thousands of times).
pub const ROW_ATTEMPTS: usize = 50;
/// Properties a row shows, keys cut at 200 bytes and values at 1,000.
pub const ROW_PROPERTIES: usize = 100;

/// What a row shows of a test's earlier attempts: the first [`ROW_ATTEMPTS`] as (attempt,
/// message, text), each message cut at 1,000 bytes and their texts sharing [`OUTPUT_LIMIT`].
pub fn shown_attempts(attempts: &[PriorAttempt]) -> Vec<(&PriorAttempt, &str, &str)> {
    let mut left = OUTPUT_LIMIT;
    attempts
        .iter()
        .take(ROW_ATTEMPTS)
        .map(|a| {
            let text = cut(&a.text, left);
            left -= text.len();
            (a, cut(&a.message, 1000), text)
        })
        .collect()
}

/// What a row shows of a test's properties: the first [`ROW_PROPERTIES`], names cut at 200
/// bytes and values at 1,000.
pub fn shown_properties(properties: &[(String, String)]) -> Vec<(&str, &str)> {
    properties
        .iter()
        .take(ROW_PROPERTIES)
        .map(|(k, v)| (cut(k, 200), cut(v, 1000)))
        .collect()
}

/// Bytes `text` takes once HTML-escaped.
fn escaped_len(text: &str) -> usize {
    text.len()
        + text
            .bytes()
            .map(|b| match b {
                b'<' | b'>' => 3,
                b'&' => 4,
                b'"' | b'\'' => 5,
                _ => 0,
            })
            .sum::<usize>()
}

/// Roughly what a test's row adds to its group page: what the page shows of it (see the
/// limits above), escaped.
fn row_weight(t: &TestResult) -> usize {
    let inline = |s: &str| escaped_len(cut(s, OUTPUT_LIMIT));
    let mut w = 160 + 2 * t.name.len() + inline(&t.text);
    if let Some(x) = t.extra.as_deref() {
        w += inline(&x.message) + inline(&x.stdout) + inline(&x.stderr);
        w += shown_attempts(&x.attempts)
            .into_iter()
            .map(|(_, message, text)| 160 + escaped_len(message) + escaped_len(text))
            .sum::<usize>();
        w += shown_properties(&x.properties)
            .into_iter()
            .map(|(k, v)| 30 + escaped_len(k) + escaped_len(v))
            .sum::<usize>();
    }
    w
}

/// Whether a test's row has an anchor (and comes first when a group is split): it failed,
/// errored, xfailed or was flaky, the tests failure matrices link to.
pub fn anchored(t: &TestResult) -> bool {
    t.outcome.is_failure() || t.outcome == Outcome::XFailed || t.is_flaky()
}

/// The id of a test's row on its group page.
pub fn anchor(test: &str) -> String {
    format!("t{}", crate::paths::short_hash(&[test]))
}

/// The order a group's outcomes are shown in and the range of that order on each of its
/// pages. One page keeps the runner's order; several put the failing tests first (in
/// runner order), so that page 1 shows what broke.
pub fn group_layout(g: &GroupAttempt) -> GroupLayout {
    let weights: Vec<usize> = g.results.iter().map(row_weight).collect();
    let mut order: Vec<usize> = (0..g.results.len()).collect();
    if g.results.len() <= PAGE_ROWS && weights.iter().sum::<usize>() <= PAGE_BYTES {
        return GroupLayout {
            order,
            parts: std::iter::once(0..g.results.len()).collect(),
        };
    }
    order.sort_by_key(|&i| !anchored(&g.results[i]));
    let mut parts = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (k, &i) in order.iter().enumerate() {
        if k > start && (k - start == PAGE_ROWS || bytes + weights[i] > PAGE_BYTES) {
            parts.push(start..k);
            (start, bytes) = (k, 0);
        }
        bytes += weights[i];
    }
    parts.push(start..order.len());
    GroupLayout { order, parts }
}

/// See [`group_layout`].
pub struct GroupLayout {
    /// Indexes into the group's results, in the order shown.
    pub order: Vec<usize>,
    /// The range of `order` on each page.
    pub parts: Vec<Range<usize>>,
}

impl GroupLayout {
    /// The page (0-based) of each of the group's results, by index.
    pub fn page_of(&self) -> Vec<usize> {
        let mut out = vec![0; self.order.len()];
        for (k, range) in self.parts.iter().enumerate() {
            for &i in &self.order[range.clone()] {
                out[i] = k;
            }
        }
        out
    }
}

/// The file beside a group's pages holding the whole `label` (`stdout`, `stderr`,
/// `failure`) of its result `i` (0-based) when the page shows only [`OUTPUT_LIMIT`].
pub fn output_file(i: usize, label: &str) -> String {
    format!("output-{}-{label}.txt", i + 1)
}

/// The file of part `k` (0-based) of a group's pages.
pub fn group_part_file(k: usize) -> String {
    if k == 0 {
        "index.html".to_string()
    } else {
        format!("part-{}.html", k + 1)
    }
}

/// `text` cut to at most `limit` bytes, at a character boundary.
pub fn cut(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
