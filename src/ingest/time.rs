//! Octoprobe time stamps in the three formats found in real data; the raw string is always kept.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

/// A time as written by the producer, with what could be understood of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamp {
    pub raw: String,
    /// ISO 8601; without offset when the input had no zone.
    pub iso: Option<String>,
    /// Seconds since the epoch, reading a zone-less time as UTC (for ordering and durations).
    pub epoch: Option<i64>,
}

impl Timestamp {
    pub fn parse(raw: &str) -> Option<Timestamp> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let (iso, epoch) = match parse_any(raw) {
            Some(Parsed::Zoned(dt)) => (Some(dt.to_rfc3339()), Some(dt.timestamp())),
            Some(Parsed::Naive(dt)) => (
                Some(dt.format("%Y-%m-%dT%H:%M:%S").to_string()),
                Some(dt.and_utc().timestamp()),
            ),
            None => (None, None),
        };
        Some(Timestamp {
            raw: raw.to_string(),
            iso,
            epoch,
        })
    }

    /// `epoch` seconds, in the same zone as `like` (UTC when it had none).
    pub fn from_epoch(epoch: i64, like: &Timestamp) -> Timestamp {
        let offset = like
            .iso
            .as_deref()
            .and_then(|i| DateTime::parse_from_rfc3339(i).ok())
            .map(|d| *d.offset());
        let iso = match (offset, DateTime::from_timestamp(epoch, 0)) {
            (Some(off), Some(utc)) => Some(utc.with_timezone(&off).to_rfc3339()),
            (None, Some(utc)) => Some(utc.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string()),
            _ => None,
        };
        Timestamp {
            raw: iso.clone().unwrap_or_default(),
            iso,
            epoch: Some(epoch),
        }
    }

    /// For display: the ISO form as `YYYY-MM-DD HH:MM:SS ±zz:zz` (to the second), else the
    /// raw string.
    pub fn display(&self) -> String {
        match &self.iso {
            Some(iso) => {
                let iso = iso.replacen('T', " ", 1);
                // `2026-11-23 08:41:14.981805+00:00`: the fraction goes.
                match iso.get(19..).filter(|rest| rest.starts_with('.')) {
                    Some(rest) => {
                        let zone =
                            rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
                        format!("{}{zone}", &iso[..19])
                    }
                    None => iso,
                }
            }
            None => self.raw.clone(),
        }
    }
}

enum Parsed {
    Zoned(DateTime<FixedOffset>),
    Naive(NaiveDateTime),
}

/// Zone abbreviations seen on testbeds (and their neighbours); upstream knew only CET and CEST.
fn zone_offset(abbr: &str) -> Option<i32> {
    let hours = match abbr {
        "UTC" | "GMT" | "Z" | "WET" => 0.0,
        "BST" | "WEST" | "CET" | "MET" => 1.0,
        "CEST" | "MEST" | "EET" | "SAST" => 2.0,
        "EEST" | "MSK" => 3.0,
        "IST" => 5.5,
        "CST" => -6.0,
        "AWST" | "HKT" | "SGT" => 8.0,
        "JST" | "KST" => 9.0,
        "ACST" => 9.5,
        "AEST" | "ACDT" => 10.0,
        "AEDT" => 11.0,
        "NZST" => 12.0,
        "NZDT" => 13.0,
        "EST" => -5.0,
        "EDT" | "AST" => -4.0,
        "CDT" => -5.0,
        "MST" => -7.0,
        "MDT" => -6.0,
        "PST" => -8.0,
        "PDT" => -7.0,
        _ => return None,
    };
    Some((hours * 3600.0) as i32)
}

fn parse_any(raw: &str) -> Option<Parsed> {
    // Since 2026-05: `2026-05-02_09-30-54+0200`.
    if let Ok(dt) = DateTime::parse_from_str(raw, "%Y-%m-%d_%H-%M-%S%z") {
        return Some(Parsed::Zoned(dt));
    }
    // 2025-04 → 2026-05: `2026-02-26_20-54-50-CET`.
    if let Some((stamp, abbr)) = raw.rsplit_once('-') {
        if abbr.chars().all(|c| c.is_ascii_uppercase()) && !abbr.is_empty() {
            if let Ok(naive) = NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d_%H-%M-%S") {
                return Some(match zone_offset(abbr).and_then(FixedOffset::east_opt) {
                    Some(tz) => Parsed::Zoned(tz.from_local_datetime(&naive).single()?),
                    None => Parsed::Naive(naive),
                });
            }
        }
    }
    // First 2025-04 version, and ISO 8601 as written by other tools.
    if let Ok(dt) = DateTime::parse_from_rfc3339(raw) {
        return Some(Parsed::Zoned(dt));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(raw, fmt) {
            return Some(Parsed::Naive(naive));
        }
    }
    None
}

/// Seconds from `start` to `end`, when both were understood.
pub fn duration_s(start: &Timestamp, end: &Timestamp) -> Option<i64> {
    Some(end.epoch? - start.epoch?)
}

/// `12h 8min`, `3min 20s`, `45s`.
pub fn format_duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if secs < 0 {
        format!("{secs}s")
    } else if h > 0 {
        format!("{h}h {m}min")
    } else if m > 0 {
        format!("{m}min {s}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_formats_and_unknown() {
        let a = Timestamp::parse("2025-04-18 23:22:12").unwrap();
        assert_eq!(a.iso.as_deref(), Some("2025-04-18T23:22:12"));
        let b = Timestamp::parse("2026-02-26_20-54-50-CET").unwrap();
        assert_eq!(b.iso.as_deref(), Some("2026-02-26T20:54:50+01:00"));
        let c = Timestamp::parse("2026-05-02_09-30-54+0200").unwrap();
        assert_eq!(c.iso.as_deref(), Some("2026-05-02T09:30:54+02:00"));
        let d = Timestamp::parse("2025-07-01_08-00-00-AEST").unwrap();
        assert_eq!(d.iso.as_deref(), Some("2025-07-01T08:00:00+10:00"));
        let e = Timestamp::parse("yesterday-ish").unwrap();
        assert_eq!(e.iso, None);
        assert_eq!(e.display(), "yesterday-ish");
        let f = Timestamp::parse("2025-07-01_08-00-00-XYZT").unwrap();
        assert_eq!(f.iso.as_deref(), Some("2025-07-01T08:00:00"));
    }

    #[test]
    fn shown_to_the_second() {
        let t = Timestamp::parse("2026-11-23T08:41:14.981805+00:00").unwrap();
        assert_eq!(t.display(), "2026-11-23 08:41:14+00:00");
        let t = Timestamp::parse("2026-11-23T08:41:14.5").unwrap();
        assert_eq!(t.display(), "2026-11-23 08:41:14");
        let t = Timestamp::parse("2026-01-04T10:00:00+00:00").unwrap();
        assert_eq!(t.display(), "2026-01-04 10:00:00+00:00");
    }

    #[test]
    fn durations() {
        let s = Timestamp::parse("2026-02-26_08-36-48-CET").unwrap();
        let e = Timestamp::parse("2026-02-26_20-52-55-CET").unwrap();
        assert_eq!(duration_s(&s, &e), Some(44167));
        assert_eq!(format_duration(44167), "12h 16min");
        assert_eq!(format_duration(200), "3min 20s");
    }
}
