//! The parse cache: runs already read, stored in a compact binary form and keyed by a hash of
//! everything their reading depends on (the files' names and bytes, the folder, the options,
//! the testpress binary). It only saves time: deleting it changes no output.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use walkdir::WalkDir;
use xxhash_rust::xxh3::Xxh3;

use super::result_dir::{self, Format};
use super::RunSource;
use crate::model::Run;

/// Bumped when the stored form changes in a way the binary's identity would not show.
const FORMAT: &str = "testpress-run-cache-1";

/// Entries not used for this long are removed at the end of a build.
const KEEP_UNUSED: Duration = Duration::from_secs(14 * 24 * 3600);
/// How often a build looks for such entries.
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// A file as the file system describes it. Equal stamps (and an mtime and ctime older than
/// the moment its bytes were hashed) stand for equal bytes, as in git's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub size: u64,
    pub inode: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl Stamp {
    pub fn of(m: &fs::Metadata) -> Stamp {
        let ns = |t: std::io::Result<SystemTime>| {
            t.ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map_or(-1, |d| d.as_nanos() as i128)
        };
        #[cfg(unix)]
        let (inode, ctime_ns) = {
            use std::os::unix::fs::MetadataExt;
            (
                m.ino(),
                i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
            )
        };
        #[cfg(not(unix))]
        let (inode, ctime_ns) = (0, -1);
        Stamp {
            size: m.len(),
            inode,
            mtime_ns: ns(m.modified()),
            ctime_ns,
        }
    }

    /// Whether the file last changed well before `t_ns` (two seconds: file systems with
    /// coarse times cannot tell an edit in the same second).
    pub fn settled_before(&self, t_ns: i128) -> bool {
        self.mtime_ns.max(self.ctime_ns) + 2_000_000_000 < t_ns
    }
}

/// Now, in nanoseconds since the epoch.
pub fn now_ns() -> i128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// A run folder's entries: (relative path, kind, stamp of files). When none of them
/// changed, neither did the content hash.
type Listing = Vec<(String, u8, Option<Stamp>)>;

/// Where parsed runs are kept between builds.
pub struct Cache {
    dir: PathBuf,
    runs: PathBuf,
    /// Identifies the program that wrote an entry: another build of testpress may read
    /// the same files into a different model.
    program: u128,
    /// The previous build's listings, the moment each was hashed, and the keys, by run
    /// folder (see [`Cache::key`]).
    known: HashMap<u128, (Listing, i128, String)>,
    /// This build's, saved by [`Cache::finish`].
    seen: Mutex<HashMap<u128, (Listing, i128, String)>>,
}

#[derive(Serialize, Deserialize)]
struct Listings {
    program: u128,
    runs: Vec<(u128, Listing, i128, String)>,
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
            let exe = Stamp::of(&m);
            h.update(&exe.size.to_le_bytes());
            h.update(&exe.mtime_ns.to_le_bytes());
        }
        let program = h.digest128();
        let known = fs::read(dir.join("listings.bin"))
            .ok()
            .and_then(|b| postcard::from_bytes::<Listings>(&b).ok())
            .filter(|l| l.program == program)
            .map(|l| {
                l.runs
                    .into_iter()
                    .map(|(k, l, at, key)| (k, (l, at, key)))
                    .collect()
            })
            .unwrap_or_default();
        Cache {
            dir: dir.to_path_buf(),
            runs: dir.join("runs"),
            program,
            known,
            seen: Mutex::new(HashMap::new()),
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
    /// The bytes are hashed again only when a file's [`Stamp`] changed since the previous
    /// build or was not settled when they were hashed (as git tells changes). `None` when a
    /// file cannot be read or is a link (the reader reports it; nothing is cached).
    pub fn key(&self, source: &RunSource, forced: Option<Format>) -> Option<String> {
        let (mut h, folder, listing) = self.listing(source, forced)?;
        let dir = source.path();
        let (key, hashed_at) = match self.known.get(&folder) {
            Some((l, at, key))
                if *l == listing
                    && l.iter()
                        .all(|(_, _, s)| s.is_none_or(|s| s.settled_before(*at))) =>
            {
                (key.clone(), *at)
            }
            _ => {
                let at = now_ns();
                hash_tree(&mut h, dir, &listing)?;
                (format!("{:032x}", h.digest128()), at)
            }
        };
        self.seen
            .lock()
            .expect("not poisoned")
            .insert(folder, (listing, hashed_at, key.clone()));
        Some(key)
    }

    /// Whether the run folder is still as it was listed when `key` was made for it: a run
    /// read after a change would not be what the key stands for.
    pub fn still_as_keyed(&self, source: &RunSource, forced: Option<Format>, key: &str) -> bool {
        let Some((_, folder, now)) = self.listing(source, forced) else {
            return false;
        };
        self.seen
            .lock()
            .expect("not poisoned")
            .get(&folder)
            .is_some_and(|(l, _, k)| k == key && *l == now)
    }

    /// The hasher primed with what names the run folder, that folder's id, and its listing.
    fn listing(&self, source: &RunSource, forced: Option<Format>) -> Option<(Xxh3, u128, Listing)> {
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
        let folder = h.clone().digest128();
        // A folder with links is read afresh each time: its reader may follow them.
        let listing = list_tree(dir, depth)?;
        Some((h, folder, listing))
    }

    /// Identifies this testpress build, for keys made elsewhere.
    pub fn program(&self) -> String {
        format!("{:032x}", self.program)
    }

    /// Where the manifest of the site in `out` is kept (see `render::incremental`).
    pub fn site_manifest(&self, out: &Path) -> PathBuf {
        // Components, not the string: `site`, `site/` and `./site` are one site.
        let abs: PathBuf = std::path::absolute(out)
            .unwrap_or_else(|_| out.to_path_buf())
            .components()
            .collect();
        let h = xxhash_rust::xxh3::xxh3_128(abs.as_os_str().as_encoded_bytes());
        self.dir.join("sites").join(format!("{h:032x}.bin"))
    }

    fn entry(&self, key: &str) -> PathBuf {
        self.runs.join(format!("{key}.bin"))
    }

    /// The run stored under `key`, if any and readable.
    pub fn get(&self, key: &str) -> Option<Run> {
        let path = self.entry(key);
        let bytes = fs::read(&path).ok()?;
        let run = postcard::from_bytes(&bytes).ok()?;
        self.touch(key);
        Some(run)
    }

    /// Marks the entry under `key` as used, so that pruning keeps it (once a day is enough).
    pub fn touch(&self, key: &str) {
        let path = self.entry(key);
        let stale = fs::metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(24 * 3600));
        if stale {
            let _ = fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(SystemTime::now()));
        }
    }

    /// Stores `run` under `key`. Failing to is not an error: the next build reads again.
    pub fn put(&self, key: &str, run: &Run) {
        store(&self.entry(key), run);
    }

    /// Ends a build: keeps its listings for the next one and removes entries that no
    /// build has used for two weeks. The earlier listings of folders this build did not
    /// look at are kept while their entries are (a summary over some of the runs does not
    /// make the next build of all of them hash everything again).
    pub fn finish(&self) {
        let seen = std::mem::take(&mut *self.seen.lock().expect("not poisoned"));
        self.prune();
        let mut runs: Vec<(u128, Listing, i128, String)> = self
            .known
            .iter()
            .filter(|(f, (_, _, key))| !seen.contains_key(f) && self.entry(key).is_file())
            .map(|(f, (l, at, key))| (*f, l.clone(), *at, key.clone()))
            .collect();
        runs.extend(seen.into_iter().map(|(f, (l, at, key))| (f, l, at, key)));
        runs.sort_by_key(|r| r.0);
        let listings = Listings {
            program: self.program,
            runs,
        };
        store(&self.dir.join("listings.bin"), &listings);
    }

    /// Removes entries unused for [`KEEP_UNUSED`], at most once a day: looking at every
    /// entry costs a `stat` each, and a cache shared by many builds holds tens of
    /// thousands (68,699 made each build spend 0.13 s here).
    fn prune(&self) {
        let stamp = self.dir.join("pruned");
        let due = fs::metadata(&stamp)
            .and_then(|m| m.modified())
            .map_or(true, |t| t.elapsed().unwrap_or_default() > PRUNE_EVERY);
        if !due || fs::write(&stamp, b"").is_err() {
            return;
        }
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

/// Writes `value` in the cache's binary form to `path`, aside and renamed (a concurrent
/// build never reads half a file). Failing to is not an error: the cache only saves time.
pub fn store<T: Serialize>(path: &Path, value: &T) {
    if let (Ok(bytes), Some(dir)) = (postcard::to_stdvec(value), path.parent()) {
        if fs::create_dir_all(dir).is_ok() {
            let _ = crate::deliver::output::write_file_atomic(path, &bytes);
        }
    }
}

/// Everything below `dir` (down to `depth`), in name order, as the file system describes it;
/// `None` when something cannot be read or is a symbolic link.
fn list_tree(dir: &Path, depth: usize) -> Option<Listing> {
    let mut out = Vec::new();
    for e in WalkDir::new(dir)
        .min_depth(1)
        .max_depth(depth)
        .follow_links(false)
        .sort_by_file_name()
    {
        let e = e.ok()?;
        let rel = e
            .path()
            .strip_prefix(dir)
            .ok()?
            .to_string_lossy()
            .into_owned();
        let ft = e.file_type();
        if ft.is_file() {
            out.push((rel, b'f', Some(Stamp::of(&e.metadata().ok()?))));
        } else if ft.is_dir() {
            out.push((rel, b'd', None));
        } else {
            return None;
        }
    }
    Some(out)
}

/// Hashes the names and bytes of the `listing` of `dir`. `None` when a file cannot be read.
fn hash_tree(h: &mut Xxh3, dir: &Path, listing: &Listing) -> Option<()> {
    let mut buf = vec![0u8; 1 << 16];
    for (rel, kind, _) in listing {
        h.update(rel.as_bytes());
        h.update(&[0, *kind, 0]);
        if *kind == b'f' {
            let mut f = fs::File::open(dir.join(rel)).ok()?;
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

/// A hash of a file's bytes, or of a folder's names and bytes (links followed, as the
/// theme loader follows them); `None` when anything cannot be read.
pub fn digest_path(path: &Path) -> Option<String> {
    let mut h = Xxh3::new();
    for e in WalkDir::new(path).follow_links(true).sort_by_file_name() {
        let e = e.ok()?;
        let rel = e.path().strip_prefix(path).ok()?;
        h.update(rel.as_os_str().as_encoded_bytes());
        h.update(&[0]);
        if e.file_type().is_file() {
            h.update(&fs::read(e.path()).ok()?);
            h.update(&[0]);
        }
    }
    Some(format!("{:032x}", h.digest128()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;

    #[test]
    fn a_run_changed_after_it_was_keyed_is_not_as_keyed() {
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path().join("run");
        fs::create_dir(&run).unwrap();
        let xml = run.join("junit.xml");
        fs::write(&xml, "<testsuite/>").unwrap();
        let cache = Cache::new(&tmp.path().join("cache"));
        let source = RunSource::Results(run.clone());
        let key = cache.key(&source, None).unwrap();
        assert!(cache.still_as_keyed(&source, None, &key));
        // The same size, as a reader could meet it between hashing and reading.
        fs::write(&xml, "<testsuitX/>").unwrap();
        // Its time moved on as an edit's does (even where times are whole seconds).
        let later = SystemTime::now() + Duration::from_secs(3);
        fs::File::options()
            .write(true)
            .open(&xml)
            .and_then(|f| f.set_modified(later))
            .unwrap();
        assert!(!cache.still_as_keyed(&source, None, &key));
        let again = cache.key(&source, None).unwrap();
        assert_ne!(again, key, "the new bytes, a new key");
        assert!(cache.still_as_keyed(&source, None, &again));
    }

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
