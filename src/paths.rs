//! Safe path segments and URLs for names that come from untrusted test results.

use std::collections::HashSet;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Turns any name into one path segment that cannot leave its folder: only
/// `[A-Za-z0-9._,@+-]` survive, everything else becomes `_`, and no segment starts with a dot.
pub fn slug(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ',' | '@' | '+' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with('.') {
        s.replace_range(0..1, "_");
    }
    if s.is_empty() {
        s.push('_');
    }
    s.truncate(150);
    // Names that mean something to the site itself or to file systems, and names of the
    // files written beside run and group folders (pages, reports, summary.json).
    let lower = s.to_ascii_lowercase();
    if s == "static" || [".html", ".json", ".md"].iter().any(|e| lower.ends_with(e)) {
        s.insert(0, '_');
    }
    s
}

/// Makes `slug(name)` unique within `taken`, adding `-2`, `-3`, ...
pub fn unique_slug(name: &str, taken: &mut HashSet<String>) -> String {
    let base = slug(name);
    let mut candidate = base.clone();
    let mut n = 2;
    while !taken.insert(candidate.to_ascii_lowercase()) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

/// A stable hash of `parts` (a separator between them): the same parts give the same
/// number in every build and on every machine.
pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(&[0]);
    }
    h.digest()
}

/// Twelve hex digits of [`stable_hash`]: a name that stays the same from build to build.
pub fn short_hash(parts: &[&str]) -> String {
    short_hex(stable_hash(parts))
}

/// The twelve hex digits [`short_hash`] makes of a [`stable_hash`].
pub fn short_hex(hash: u64) -> String {
    format!("{:012x}", hash >> 16)
}

/// A relative path (with `/` separators) is safe when no part is empty, `.` or `..` and it is not absolute.
pub fn is_safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains('\\')
        && rel
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != ".." && !p.contains(':'))
}

const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'\'');

/// Percent-encodes a relative path for use in an `href`, keeping `/`.
pub fn url_path(rel: &str) -> String {
    utf8_percent_encode(rel, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_stay_inside() {
        assert_eq!(slug("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(slug(".."), "_.");
        assert_eq!(
            slug("RUN-TESTS_STANDARD,a@5f2a-ADA"),
            "RUN-TESTS_STANDARD,a@5f2a-ADA"
        );
        assert_eq!(slug("RUN-X[1722-RPI_PICO]"), "RUN-X_1722-RPI_PICO_");
        assert_eq!(slug(""), "_");
        // Not a page, report or summary of the folder it is in.
        assert_eq!(slug("index.html"), "_index.html");
        assert_eq!(slug("list-new-1.HTML"), "_list-new-1.HTML");
        assert_eq!(slug("summary.json"), "_summary.json");
        assert_eq!(slug("pr_report.md"), "_pr_report.md");
        assert_eq!(slug("tests.mdx"), "tests.mdx");
        let mut taken = HashSet::new();
        assert_eq!(unique_slug("a/b", &mut taken), "a_b");
        assert_eq!(unique_slug("a b", &mut taken), "a_b-2");
    }

    #[test]
    fn relative_paths() {
        assert!(is_safe_relative("RUN-A/testresults.txt"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a//b"));
        assert_eq!(url_path("RUN-A[1]/x y.txt"), "RUN-A%5B1%5D/x%20y.txt");
    }
}
