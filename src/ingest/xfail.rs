//! Octoprobe xfail lists: `{testgroup: {test: [board_variant, ...]}}`, with `*` wildcards and `//` comments.

use std::collections::BTreeMap;
use std::path::Path;

use super::IngestError;
use crate::model::{Outcome, Run};

#[derive(Debug, Clone, Default)]
pub struct XfailList {
    /// The file name, shown beside every failure it matched.
    pub name: String,
    entries: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// Blanks out `//` comments outside strings, keeping line and column numbers intact.
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '/' && chars.peek() == Some(&'/') {
            out.push(' ');
            for c in chars.by_ref() {
                if c == '\n' {
                    out.push('\n');
                    break;
                }
                out.push(' ');
            }
        } else {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

impl XfailList {
    pub fn load(path: &Path) -> Result<XfailList, IngestError> {
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::parse(&name, &text).map_err(|e| super::json_error(path, &e))
    }

    pub fn parse(name: &str, text: &str) -> Result<XfailList, serde_json::Error> {
        let entries = serde_json::from_str(&strip_comments(text))?;
        Ok(XfailList {
            name: name.to_string(),
            entries,
        })
    }

    /// Exact or `*` at each of the three levels.
    pub fn matches(&self, testgroup: &str, test: &str, board_variant: &str) -> bool {
        [testgroup, "*"]
            .iter()
            .filter_map(|g| self.entries.get(*g))
            .flat_map(|tests| [test, "*"].into_iter().filter_map(|t| tests.get(t)))
            .any(|boards| boards.iter().any(|b| b == board_variant || b == "*"))
    }

    /// Turns matching failures of `run` into xfailed ones, marked with this list's name.
    pub fn apply(&self, run: &mut Run) {
        for g in &mut run.groups {
            for t in &mut g.results {
                if t.outcome == Outcome::Failed
                    && self.matches(&g.testgroup, &t.name, &g.board_variant)
                {
                    t.outcome = Outcome::XFailed;
                    t.xfail = Some(self.name.clone());
                }
            }
        }
        run.xfail = Some(self.name.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_comments() {
        let src = r#"{
            // a comment with "quotes"
            "*": {"testgroup.py": ["TESTGROUP"]},
            "RUN-TESTS_STANDARD": {
                "*": ["PYBV11"], // trailing
                "extmod/a.py": ["ESP32_C3_DEVKIT"],
                "url//not-a-comment.py": ["*"]
            }
        }"#;
        let x = XfailList::parse("x.json", src).unwrap();
        assert!(x.matches("RUN-TESTS_STANDARD", "anything.py", "PYBV11"));
        assert!(x.matches("RUN-TESTS_STANDARD", "extmod/a.py", "ESP32_C3_DEVKIT"));
        assert!(!x.matches("RUN-TESTS_STANDARD", "extmod/a.py", "RPI_PICO"));
        assert!(x.matches("RUN-OTHER", "testgroup.py", "TESTGROUP"));
        assert!(x.matches("RUN-TESTS_STANDARD", "url//not-a-comment.py", "X"));
        assert!(XfailList::parse("bad", "{\n\"a\": [}").is_err());
    }
}
