//! Incremental builds: a run's folder is made again only when what it is made from changed.
//! Each build leaves in the cache a manifest of its runs: a fingerprint of their inputs and
//! the identity (size, inode, modification time) of every file written for them. A run
//! whose fingerprint matches has its files linked from the site being replaced, once they
//! are checked to be those very files. Without the manifest everything is rendered, to the
//! same bytes. A build whose inputs and options are those of the previous one, into a site
//! whose every file is as that build left it, writes nothing at all (see [`Finished`]).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::index::Index;
use crate::ingest::cache::Stamp;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    /// What every page of the site depends on (program, theme, options).
    seed: String,
    /// The site folder as this build left it: another build into the same place (without
    /// this cache) makes it another folder, and this manifest void.
    site: Option<Stamp>,
    /// By run folder (`<testbed>/<run>`, relative to the site).
    runs: BTreeMap<String, RunEntry>,
    /// History pages by path in the site: a hash of what they show, and the file.
    pages: BTreeMap<String, (u64, FileId)>,
    /// What the build said, to say it again when nothing changed.
    finished: Option<Finished>,
    /// Every entry of the site as the build left it (path relative to the site, sorted),
    /// and when that was (ns since the epoch).
    files: Vec<(String, FileId)>,
    listed_at: i128,
}

/// What a build reported besides its site: kept so that a build of the same inputs with the
/// same options can report it without reading the runs again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Finished {
    /// A hash of everything the site was made from: runs (by content), options, program;
    /// `None` when something was not known by hash (such a build is never repeated).
    pub key: Option<u128>,
    /// The warnings about the runs and options, as printed (not those of the walk, which
    /// every build makes afresh).
    pub warnings: Vec<String>,
    pub runs: usize,
    pub testbeds: usize,
    /// For `--fail-on`, each testbed's newest run: (has new failures, has failures).
    pub newest: Vec<(bool, bool)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RunEntry {
    fingerprint: String,
    /// Path relative to the run folder, and what the file was when written.
    files: Vec<(String, FileId)>,
}

/// A written file as the file system knows it (size, inode, modification and change
/// times), taken once the site is in place: a rewrite, or another build into the same
/// folder, changes it.
type FileId = Stamp;

fn file_id(path: &Path) -> Option<FileId> {
    fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| Stamp::of(&m))
}

/// The manifest of the previous build and the one being made.
pub struct Incremental {
    path: PathBuf,
    seed: String,
    old: Manifest,
    new: Mutex<BTreeMap<String, RunEntry>>,
    new_pages: Mutex<BTreeMap<String, (u64, FileId)>>,
}

impl Incremental {
    /// `path` is where the manifest is kept; `seed` sums up what every page depends on.
    pub fn load(path: &Path, site: &Path, seed: String) -> Incremental {
        let now = fs::metadata(site).ok().map(|m| Stamp::of(&m));
        let old: Manifest = fs::read(path)
            .ok()
            .and_then(|b| postcard::from_bytes(&b).ok())
            .filter(|m: &Manifest| m.seed == seed && m.site.is_some() && m.site == now)
            .unwrap_or_default();
        Incremental {
            path: path.to_path_buf(),
            seed,
            old,
            new: Mutex::new(BTreeMap::new()),
            new_pages: Mutex::new(BTreeMap::new()),
        }
    }

    /// What every page depends on (program, theme, options).
    pub fn seed(&self) -> &str {
        &self.seed
    }

    /// The previous build's report when it had the same `key` and its site is untouched:
    /// the same entries, each with the size, inode and times it was left with (the site
    /// folder's own stamp was checked by [`Incremental::load`]). An entry whose times are
    /// whole seconds and not a second older than the listing could have been edited
    /// unseen (a file system with coarse times): then the site is not taken as it is.
    pub fn unchanged(&self, key: u128, site: &Path) -> Option<&Finished> {
        let f = self.old.finished.as_ref().filter(|f| f.key == Some(key))?;
        const SECOND: i128 = 1_000_000_000;
        let coarse_and_recent = |t: i128| t % SECOND == 0 && t + SECOND > self.old.listed_at;
        let racy = self
            .old
            .files
            .iter()
            .any(|(_, s)| coarse_and_recent(s.mtime_ns) || coarse_and_recent(s.ctime_ns));
        (!racy && site_files(site)? == self.old.files).then_some(f)
    }

    /// What run `i`'s folder is made from; `None` when its inputs are not known by hash.
    pub fn fingerprint(&self, idx: &Index, i: usize, t: usize) -> Option<String> {
        let run = &idx.runs[i];
        let key = run.content_key.as_ref()?;
        let mut h = Xxh3::new();
        for part in [
            self.seed.as_str(),
            key,
            &run.slug,
            &idx.testbeds[t].slug,
            &format!("{:?}", run.files),
            // Baseline, findings and their links: all that other runs add to this one.
            &format!("{:?}", idx.comparisons[i]),
        ] {
            h.update(part.as_bytes());
            h.update(&[0]);
        }
        // The links to history pages follow from each test's name (which the content key
        // covers) but for what the layout's digest sums up.
        h.update(&idx.histories[t].layout.digest.to_le_bytes());
        Some(format!("{:032x}", h.digest128()))
    }

    /// Links the run folder `rel` into `out` from `previous` when the previous build made it
    /// from the same fingerprint and its files still hold the bytes it wrote.
    pub fn reuse(&self, rel: &str, fingerprint: &str, previous: &Path, out: &Path) -> bool {
        let Some(entry) = self
            .old
            .runs
            .get(rel)
            .filter(|e| e.fingerprint == fingerprint)
        else {
            return false;
        };
        let (from, to) = (previous.join(rel), out.join(rel));
        let intact = entry
            .files
            .iter()
            .all(|(f, id)| file_id(&from.join(f)) == Some(*id));
        if !intact {
            return false;
        }
        // Each folder once: most of a run's files share two or three.
        let mut made: std::collections::HashSet<&Path> = std::collections::HashSet::new();
        for (f, _) in &entry.files {
            let dst = to.join(f);
            let folder = Path::new(f).parent().unwrap_or(Path::new(""));
            let folder_ok = !made.insert(folder) || fs::create_dir_all(to.join(folder)).is_ok();
            let linked = folder_ok && fs::hard_link(from.join(f), &dst).is_ok();
            if !linked {
                // Rendered after all: nothing half-linked may stay (a later write would
                // go through a link into the previous site).
                let _ = fs::remove_dir_all(&to);
                return false;
            }
        }
        self.new
            .lock()
            .expect("not poisoned")
            .insert(rel.to_string(), entry.clone());
        true
    }

    /// Records the files just written for run folder `rel`.
    pub fn record(&self, rel: &str, fingerprint: String, out: &Path) {
        let dir = out.join(rel);
        let mut files = Vec::new();
        for name in crate::ingest::list_files(&dir, usize::MAX) {
            let Some(id) = file_id(&dir.join(&name)) else {
                return;
            };
            files.push((name, id));
        }
        self.new
            .lock()
            .expect("not poisoned")
            .insert(rel.to_string(), RunEntry { fingerprint, files });
    }

    /// Links page `rel` into `out` from `previous` when the previous build wrote it from
    /// a context of the same `hash` and it is still that file.
    pub fn reuse_page(&self, rel: &str, hash: u64, previous: &Path, out: &Path) -> bool {
        let Some(&(h, id)) = self.old.pages.get(rel) else {
            return false;
        };
        if h != hash
            || file_id(&previous.join(rel)) != Some(id)
            || fs::hard_link(previous.join(rel), out.join(rel)).is_err()
        {
            return false;
        }
        self.new_pages
            .lock()
            .expect("not poisoned")
            .insert(rel.to_string(), (hash, id));
        true
    }

    /// Records page `rel`, just written from a context of `hash`.
    pub fn record_page(&self, rel: &str, hash: u64, out: &Path) {
        if let Some(id) = file_id(&out.join(rel)) {
            self.new_pages
                .lock()
                .expect("not poisoned")
                .insert(rel.to_string(), (hash, id));
        }
    }

    /// Keeps this build's manifest for the next one; called once the site is in place at
    /// `site`, whose files are stamped now (linking and the swap change their times).
    /// `staged` is the site folder this build made: when `site` is another folder (a build
    /// into the same place that finished in between), its files are none of this build's
    /// and the manifest is left empty.
    pub fn save(self, site: &Path, staged: Option<Stamp>, finished: Finished) {
        let mut runs = self.new.into_inner().expect("not poisoned");
        for (rel, entry) in &mut runs {
            let dir = site.join(rel);
            for (f, id) in &mut entry.files {
                match file_id(&dir.join(&*f)) {
                    Some(now) => *id = now,
                    None => entry.fingerprint.clear(),
                }
            }
        }
        runs.retain(|_, e| !e.fingerprint.is_empty());
        let mut pages = self.new_pages.into_inner().expect("not poisoned");
        pages.retain(|rel, (_, id)| match file_id(&site.join(rel)) {
            Some(now) => {
                *id = now;
                true
            }
            None => false,
        });
        // A site that cannot be listed is never taken as unchanged.
        let listed_at = crate::ingest::cache::now_ns();
        let files = site_files(site);
        let m = Manifest {
            seed: self.seed,
            site: fs::metadata(site).ok().map(|m| Stamp::of(&m)),
            runs,
            pages,
            finished: files.is_some().then_some(finished),
            files: files.unwrap_or_default(),
            listed_at,
        };
        // Checked once all is listed: a build that swapped its site in meanwhile wins.
        let now = fs::metadata(site).ok().map(|m| Stamp::of(&m).inode);
        let ours = now.is_some() && now == staged.map(|s| s.inode);
        crate::ingest::cache::store(&self.path, &if ours { m } else { Manifest::default() });
    }
}

/// Every entry of the site (folders too: one added, or its mode changed, changes its
/// stamp), sorted, with its stamp; `None` when the site cannot be listed.
fn site_files(site: &Path) -> Option<Vec<(String, FileId)>> {
    let mut files = Vec::new();
    for e in walkdir::WalkDir::new(site)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
    {
        let e = e.ok()?;
        let rel = e.path().strip_prefix(site).ok()?.to_str()?.to_string();
        files.push((rel, Stamp::of(&e.metadata().ok()?)));
    }
    Some(files)
}

/// A page's context as a number: equal contexts render to equal pages. Hashed in postcard's
/// form of the context's own (typed) struct, straight into the hasher: the type fixes what
/// each byte means, so `None` and `false`, `1` and `1.0` stay apart as a template tells them.
pub fn context_hash(ctx: &impl Serialize) -> u64 {
    struct Sink(Xxh3);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    match postcard::to_io(ctx, Sink(Xxh3::new())) {
        Ok(sink) => sink.0.digest(),
        // Never equal to a recorded hash: the page is rendered.
        Err(_) => u64::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(p: &Path) -> Option<Stamp> {
        fs::metadata(p).ok().map(|m| Stamp::of(&m))
    }

    #[test]
    fn a_site_another_build_put_in_place_is_never_taken_for_this_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let (site, other) = (tmp.path().join("site"), tmp.path().join("other"));
        for d in [&site, &other] {
            fs::create_dir(d).unwrap();
            fs::write(d.join("index.html"), "x").unwrap();
        }
        let manifest = tmp.path().join("manifest.bin");
        let done = || Finished {
            key: Some(7),
            ..Finished::default()
        };
        let load = || Incremental::load(&manifest, &site, "seed".into());
        load().save(&site, stamp(&site), done());
        assert!(
            load().unchanged(7, &site).is_some(),
            "this build's own site"
        );
        assert!(load().unchanged(8, &site).is_none(), "another key");
        // The folder in place is not the one this build made (its inode differs).
        load().save(&site, stamp(&other), done());
        assert!(load().unchanged(7, &site).is_none());
        // A file of the site edited after the save.
        load().save(&site, stamp(&site), done());
        fs::write(site.join("index.html"), "y").unwrap();
        assert!(load().unchanged(7, &site).is_none());
    }
}
