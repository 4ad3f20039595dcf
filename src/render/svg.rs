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

/// What a chart's y axis spans.
#[derive(Clone, Copy)]
pub enum Axis {
    /// A fixed range, such as 0 to 100 %.
    Fixed(f64, f64),
    /// 0 to the largest value: for amounts such as durations, whose size matters.
    FromZero,
    /// The smallest to the largest value: for runtimes, whose changes matter.
    Data,
}

/// A line chart of `points` (oldest first) with a y axis as `axis` says.
pub fn line_chart(points: &[Point], unit: &str, axis: Axis) -> String {
    let (w, h, pad_l, pad_b, pad_t) = (600.0, 160.0, 56.0, 18.0, 8.0);
    if points.is_empty() {
        return String::new();
    }
    let (data_lo, data_hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.value), hi.max(p.value))
    });
    let (mut lo, mut hi) = match axis {
        Axis::Fixed(lo, hi) => (lo, hi),
        Axis::FromZero => (data_lo.min(0.0), data_hi),
        Axis::Data => (data_lo, data_hi),
    };
    if (hi - lo).abs() < f64::EPSILON {
        // All alike: the value mid-height, without a negative label under positive values.
        let v = hi;
        (lo, hi) = if v > 0.0 {
            (0.0, 2.0 * v)
        } else if v < 0.0 {
            (2.0 * v, 0.0)
        } else {
            (0.0, 1.0)
        };
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
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[f64]) -> Vec<Point> {
        values
            .iter()
            .map(|&value| Point {
                label: String::new(),
                value,
                marked: false,
                href: None,
            })
            .collect()
    }

    fn labels(svg: &str) -> Vec<&str> {
        svg.split("<text class=\"axis\"")
            .skip(1)
            .filter_map(|t| t.split('>').nth(1)?.split('<').next())
            .collect()
    }

    #[test]
    fn axes_start_where_the_reader_expects() {
        // Durations from 0: a 3-minute run is not drawn as if it took nothing.
        let d = line_chart(&points(&[3.0, 5.0, 5.0]), "min", Axis::FromZero);
        assert_eq!(labels(&d), ["5 min", "0 min"]);
        // Equal values: no negative label under them (the helper's 1 s runs read -0.98 min).
        let d = line_chart(&points(&[0.02, 0.02, 0.02]), "min", Axis::FromZero);
        assert_eq!(labels(&d), ["0.02 min", "0 min"]);
        let r = line_chart(&points(&[120.0, 120.0]), "µs", Axis::Data);
        assert_eq!(labels(&r), ["240 µs", "0 µs"]);
        // Runtimes span their data: a 5 % change stays visible.
        let r = line_chart(&points(&[100.0, 105.0]), "µs", Axis::Data);
        assert_eq!(labels(&r), ["105 µs", "100 µs"]);
        let p = line_chart(&points(&[50.0, 100.0]), "%", Axis::Fixed(0.0, 100.0));
        assert_eq!(labels(&p), ["100 %", "0 %"]);
    }
}
