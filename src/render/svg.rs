//! Charts drawn at build time as inline SVG: no JavaScript, readable from `file://`.

use std::fmt::Write;

use crate::render::html::escape_html;

/// A point of a line chart.
pub struct Point {
    pub label: String,
    pub value: f64,
    /// Drawn in red.
    pub marked: bool,
    pub href: Option<String>,
}

/// A line chart of `points` (oldest first) with a y axis from the data's range.
pub fn line_chart(points: &[Point], unit: &str, fixed_range: Option<(f64, f64)>) -> String {
    let (w, h, pad_l, pad_b, pad_t) = (600.0, 160.0, 56.0, 18.0, 8.0);
    if points.is_empty() {
        return String::new();
    }
    let (mut lo, mut hi) = fixed_range.unwrap_or_else(|| {
        points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p.value), hi.max(p.value))
        })
    });
    if (hi - lo).abs() < f64::EPSILON {
        lo -= 1.0;
        hi += 1.0;
    }
    let span = hi - lo;
    let x = |i: usize| {
        if points.len() == 1 {
            pad_l + (w - pad_l) / 2.0
        } else {
            pad_l + i as f64 * (w - pad_l - 8.0) / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| pad_t + (1.0 - (v - lo) / span) * (h - pad_t - pad_b);
    let mut s = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">"
    );
    for (v, anchor) in [(hi, "hi"), (lo, "lo")] {
        let _ = write!(
            s,
            "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} {}</text><line class=\"grid\" x1=\"{pad_l}\" x2=\"{w}\" y1=\"{:.1}\" y2=\"{:.1}\" data-at=\"{anchor}\"/>",
            pad_l - 4.0,
            y(v) + 4.0,
            format_value(v),
            escape_html(unit),
            y(v),
            y(v)
        );
    }
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.value)))
        .collect();
    let _ = write!(
        s,
        "<polyline class=\"line\" fill=\"none\" points=\"{}\"/>",
        path.join(" ")
    );
    for (i, p) in points.iter().enumerate() {
        let dot = format!(
            "<circle class=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\"><title>{}: {} {}</title></circle>",
            if p.marked { "dot marked" } else { "dot" },
            x(i),
            y(p.value),
            if p.marked { 5 } else { 3 },
            escape_html(&p.label),
            format_value(p.value),
            escape_html(unit)
        );
        match &p.href {
            Some(h) => {
                let _ = write!(s, "<a href=\"{}\">{dot}</a>", escape_html(h));
            }
            None => s.push_str(&dot),
        }
    }
    s.push_str("</svg>");
    s
}

fn format_value(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}
