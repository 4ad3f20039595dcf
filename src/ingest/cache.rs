//! The parse cache: runs already read, stored in a compact binary form and keyed by a hash of
//! everything their reading depends on (the files' names and bytes, the folder, the options,
//! the testpress binary). It only saves time: deleting it changes no output.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use walkdir::WalkDir;
use xxhash_rust::xxh3::Xxh3;

use super::result_dir::{self, Format};
use super::RunSource;
use crate::model::Run;

/// Bumped when the stored form changes in a way the binary's identity would not show.
const FORMAT: &str = "testpress-run-cache-1";

/// Entries not used for this long are removed at the end of a build.
const KEEP_UNUSED: Duration = Duration::from_secs(14 * 24 * 3600);

/// Where parsed runs are kept between builds.
pub struct Cache {
    dir: PathBuf,
    runs: PathBuf,
    /// Identifies the program that wrote an entry: another build of testpress may read
    /// the same files into a different model.
    program: u128,
}

impl Cache {
    /// The cache in `dir` (created when first written to).
    pub fn new(dir: &Path) -> Cache {
        let mut h = Xxh3::new();
        h.update(FORMAT.as_bytes());
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        // The executable's size and time stand for its build: a rebuilt binary starts afresh.
        if let Some(m) = std::env::current_exe()
            .ok()
            .and_then(|p| fs::metadata(p).ok())
        {
            h.update(&m.len().to_le_bytes());
            if let Ok(t) = m
                .modified()
                .map(|t| t.duration_since(SystemTime::UNIX_EPOCH))
            {
                h.update(&t.unwrap_or_default().as_nanos().to_le_bytes());
            }
        }
        Cache {
            dir: dir.to_path_buf(),
            runs: dir.join("runs"),
            program: h.digest128(),
        }
    }

    /// The default folder: `$XDG_CACHE_HOME/testpress`, else `~/.cache/testpress`.
    pub fn default_dir() -> Option<PathBuf> {
        std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|d| d.join("testpress"))
    }

    /// The key of a run: every name and byte below its folder that its reader may look at.
    /// `None` when a file cannot be read (the reader reports it; nothing is cached).
    pub fn key(&self, source: &RunSource, forced: Option<Format>) -> Option<String> {
        let dir = source.path();
        let mut h = Xxh3::new();
        h.update(&self.program.to_le_bytes());
        h.update(format!("{forced:?}").as_bytes());
        let kind: &[u8] = match source {
            RunSource::Octoprobe(_) => b"octoprobe\0",
            RunSource::Results(_) => b"results\0",
        };
        h.update(kind);
        // The path as given (runs remember it) and as resolved (a testbed may be named
        // after the parent folder).
        h.update(dir.as_os_str().as_encoded_bytes());
        h.update(b"\0");
        if let Ok(real) = dir.canonicalize() {
            h.update(real.as_os_str().as_encoded_bytes());
        }
        h.update(b"\0");
        let depth = match source {
            RunSource::Octoprobe(_) => 8,
            RunSource::Results(_) => result_dir::listing_depth(dir),
        };
        hash_tree(&mut h, dir, depth)?;
        Some(format!("{:032x}", h.digest128()))
    }

    /// Identifies this testpress build, for keys made elsewhere.
    pub fn program(&self) -> String {
        format!("{:032x}", self.program)
    }

    /// Where the manifest of the site in `out` is kept (see `render::incremental`).
    pub fn site_manifest(&self, out: &Path) -> PathBuf {
        let abs = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
        let h = xxhash_rust::xxh3::xxh3_128(abs.as_os_str().as_encoded_bytes());
        self.dir.join("sites").join(format!("{h:032x}.json"))
    }

    fn entry(&self, key: &str) -> PathBuf {
        self.runs.join(format!("{key}.bin"))
    }

    /// The run stored under `key`, if any and readable.
    pub fn get(&self, key: &str) -> Option<Run> {
        let path = self.entry(key);
        let bytes = fs::read(&path).ok()?;
        let run = postcard::from_bytes(&bytes).ok()?;
        // Marks the entry as used, so that pruning keeps it.
        let _ = fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(SystemTime::now()));
        Some(run)
    }

    /// Stores `run` under `key`. Failing to is not an error: the next build reads again.
    pub fn put(&self, key: &str, run: &Run) {
        let Ok(bytes) = postcard::to_stdvec(run) else {
            return;
        };
        if fs::create_dir_all(&self.runs).is_err() {
            return;
        }
        // Written aside and renamed: a concurrent build never reads half an entry.
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(&self.runs) {
            use std::io::Write;
            if tmp.write_all(&bytes).is_ok() {
                let _ = tmp.persist(self.entry(key));
            }
        }
    }

    /// Removes entries that no build has used for two weeks.
    pub fn prune(&self) {
        let Ok(entries) = fs::read_dir(&self.runs) else {
            return;
        };
        let now = SystemTime::now();
        for e in entries.filter_map(Result::ok) {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > KEEP_UNUSED);
            if old {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// Hashes the names and bytes of everything below `dir` (down to `depth`), in name order.
/// `None` when something cannot be read.
fn hash_tree(h: &mut Xxh3, dir: &Path, depth: usize) -> Option<()> {
    let mut buf = vec![0u8; 1 << 16];
    for e in WalkDir::new(dir)
        .min_depth(1)
        .max_depth(depth)
        .follow_links(false)
        .sort_by_file_name()
    {
        let e = e.ok()?;
        let rel = e.path().strip_prefix(dir).ok()?;
        h.update(rel.as_os_str().as_encoded_bytes());
        let ft = e.file_type();
        let tag: &[u8] = if ft.is_file() {
            b"\0f\0"
        } else if ft.is_dir() {
            b"\0d\0"
        } else {
            b"\0l\0"
        };
        h.update(tag);
        if ft.is_file() {
            let mut f = fs::File::open(e.path()).ok()?;
            let mut len: u64 = 0;
            loop {
                let n = f.read(&mut buf).ok()?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
                len += n as u64;
            }
            h.update(&len.to_le_bytes());
        }
    }
    Some(())
}

/// A hash of a file's bytes, or of a folder's names and bytes; empty when unreadable.
pub fn digest_path(path: &Path) -> String {
    let mut h = Xxh3::new();
    let ok = if path.is_dir() {
        hash_tree(&mut h, path, usize::MAX).is_some()
    } else {
        fs::read(path).map(|b| h.update(&b)).is_ok()
    };
    if ok {
        format!("{:032x}", h.digest128())
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Outcome;

    #[test]
    fn the_stored_form_keeps_an_unknown_outcome_that_reads_like_a_known_one() {
        // CTRF's rawStatus can say anything, "passed" included.
        let odd = Outcome::Other("passed".into());
        let back: Outcome = postcard::from_bytes(&postcard::to_stdvec(&odd).unwrap()).unwrap();
        assert_eq!(back, odd);
        // Pages and JSON still see the word.
        assert_eq!(serde_json::to_string(&odd).unwrap(), "\"passed\"");
        assert_eq!(
            serde_json::to_string(&Outcome::XFailed).unwrap(),
            "\"xfailed\""
        );
    }
}
