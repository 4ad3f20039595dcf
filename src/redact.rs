//! Redaction of secrets before anything is copied or rendered.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::bytes::Regex as BytesRegex;
use regex::Regex;

pub const REDACTED: &str = "[redacted]";

/// Shapes of tokens that must never be published: GitHub, Slack and AWS credentials.
/// (No upper bounds on lengths: a bounded repetition makes the pattern twice as slow to
/// compile, once per build, and a longer run of token characters is better hidden too.)
const TOKEN_PATTERN: &str = concat!(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}",
    r"|github_pat_[A-Za-z0-9_]{22,}",
    r"|xox[abposr]-[A-Za-z0-9-]{10,}",
    r"|xapp-[0-9]-[A-Za-z0-9-]{10,}",
    r"|(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b",
    r"|https://hooks\.slack\.com/[A-Za-z0-9/_-]+",
    r#"|(?i:aws_secret_access_key)["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}"#,
);

fn token_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(TOKEN_PATTERN).expect("valid regex"))
}

/// Redacts the token shapes plus literal secrets of one run (such as a test runner's password).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    literals: Option<Regex>,
    /// The same pattern for bytes, compiled when a file that is not UTF-8 first needs it.
    literals_bytes: OnceLock<Option<BytesRegex>>,
}

impl Redactor {
    /// `literals` are matched as whole words, so a password `python` hides `password=python`
    /// but leaves `python3` alone.
    pub fn new(literals: &[String]) -> Redactor {
        let words: Vec<String> = literals
            .iter()
            .filter(|l| l.chars().count() >= 3)
            .map(|l| {
                let esc = regex::escape(l);
                let start = if l.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                    r"\b"
                } else {
                    ""
                };
                let end = if l.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                    r"\b"
                } else {
                    ""
                };
                format!("{start}{esc}{end}")
            })
            .collect();
        if words.is_empty() {
            return Redactor::default();
        }
        let pattern = words.join("|");
        Redactor {
            literals: Regex::new(&pattern).ok(),
            literals_bytes: OnceLock::new(),
        }
    }

    pub fn text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let mut out = token_re().replace_all(s, REDACTED);
        if let Some(re) = &self.literals {
            if re.is_match(&out) {
                out = Cow::Owned(re.replace_all(&out, REDACTED).into_owned());
            }
        }
        out
    }

    pub fn in_place(&self, s: &mut String) {
        if let Cow::Owned(new) = self.text(s) {
            *s = new;
        }
    }

    /// For copied files, which need not be UTF-8.
    pub fn bytes<'a>(&self, b: &'a [u8]) -> Cow<'a, [u8]> {
        // Most files are text: the one compiled pattern serves both (compiling the token
        // pattern costs a build more than redacting a small run does).
        if let Ok(s) = std::str::from_utf8(b) {
            return match self.text(s) {
                Cow::Borrowed(_) => Cow::Borrowed(b),
                Cow::Owned(t) => Cow::Owned(t.into_bytes()),
            };
        }
        static RE: OnceLock<BytesRegex> = OnceLock::new();
        let re = RE.get_or_init(|| BytesRegex::new(TOKEN_PATTERN).expect("valid regex"));
        let mut out = re.replace_all(b, REDACTED.as_bytes());
        let literals = self.literals_bytes.get_or_init(|| {
            let pattern = self.literals.as_ref()?.as_str();
            BytesRegex::new(pattern).ok()
        });
        if let Some(lit) = literals {
            if lit.is_match(&out) {
                out = Cow::Owned(lit.replace_all(&out, REDACTED.as_bytes()).into_owned());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_literals() {
        let r = Redactor::new(&["python".to_string()]);
        let s = "token ghs_0123456789abcdefghijABCDEFGHIJ012345 and xoxb-1234-5678-abcdefghij \
                 key AKIAIOSFODNN7EXAMPLE login micro/python via python3";
        let out = r.text(s);
        assert!(!out.contains("ghs_"));
        assert!(!out.contains("xoxb-"));
        assert!(!out.contains("AKIA"));
        assert!(out.contains("micro/[redacted] via python3"), "{out}");
        assert_eq!(r.text("nothing here"), "nothing here");
        let b = r.bytes(b"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
        assert_eq!(&*b, b"[redacted]\n");
        // Not UTF-8: the bytes pattern.
        let b = r.bytes(b"\xff python xoxb-1234-5678-abcdefghij\n");
        assert_eq!(&*b, b"\xff [redacted] [redacted]\n");
    }
}
