//! Atomic output: a site is built in a sibling temporary folder and swapped in only when complete.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Marks a folder as written by testpress, so that a rebuild may replace it.
pub const MARKER: &str = ".testpress-site";

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}: exists and was not written by testpress (no {MARKER}); remove it or choose another output folder")]
    NotOurs(String),
    #[error("{out}: the output folder would replace or sit inside the input {input}")]
    OverlapsInput { out: String, input: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Checks that `target` may be replaced by a site made from `inputs`: it is empty, or was
/// written by testpress, and neither holds the other.
pub fn check(target: &Path, inputs: &[PathBuf]) -> Result<(), OutputError> {
    let target_abs = absolute(target);
    let target_real = target_abs
        .canonicalize()
        .unwrap_or_else(|_| target_abs.clone());
    for input in inputs {
        let input_real = absolute(input)
            .canonicalize()
            .unwrap_or_else(|_| absolute(input));
        if input_real.starts_with(&target_real) || target_real.starts_with(&input_real) {
            return Err(OutputError::OverlapsInput {
                out: target.display().to_string(),
                input: input.display().to_string(),
            });
        }
    }
    if target.exists() {
        let empty = fs::read_dir(target).map_err(io(target))?.next().is_none();
        if !empty && !target.join(MARKER).is_file() {
            return Err(OutputError::NotOurs(target.display().to_string()));
        }
    }
    Ok(())
}

/// A site under construction next to its final place.
pub struct Staged {
    tmp: tempfile::TempDir,
    target: PathBuf,
}

impl Staged {
    /// Checks that `target` may be replaced, then makes the sibling temporary folder.
    pub fn new(target: &Path, inputs: &[PathBuf]) -> Result<Staged, OutputError> {
        check(target, inputs)?;
        let target_abs = absolute(target);
        let parent = target_abs
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        fs::create_dir_all(&parent).map_err(io(&parent))?;
        let name = target_abs
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".into());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-"))
            .tempdir_in(&parent)
            .map_err(io(&parent))?;
        Ok(Staged {
            tmp,
            target: target_abs,
        })
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Swaps the finished folder into place. The old site is moved aside first and
    /// restored if the swap fails. (Files whose bytes did not change were hard-linked from
    /// the old site while writing, so they keep their modification times.)
    pub fn commit(self) -> Result<(), OutputError> {
        let tmp = self.tmp.keep();
        let target = &self.target;
        let parent = target.parent().unwrap_or(Path::new("."));
        let old = if target.exists() {
            let aside = tempfile::Builder::new()
                .prefix(".testpress-old-")
                .tempdir_in(parent)
                .map_err(io(parent))?
                .keep();
            let old = aside.join("site");
            fs::rename(target, &old).map_err(io(target))?;
            Some((aside, old))
        } else {
            None
        };
        if let Err(e) = fs::rename(&tmp, target) {
            if let Some((_, old)) = &old {
                let _ = fs::rename(old, target);
            }
            let _ = fs::remove_dir_all(&tmp);
            return Err(io(target)(e));
        }
        if let Some((aside, _)) = old {
            remove_tree(&aside);
        }
        Ok(())
    }
}

/// Removes a replaced site (`dir/site/<testbed>/<run>`) with both cores: the run folders
/// side by side, then what is left. Errors are ignored: it is the replaced site.
fn remove_tree(dir: &Path) {
    use rayon::prelude::*;
    let subfolders: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .min_depth(3)
        .max_depth(3)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    subfolders.par_iter().for_each(|d| {
        let _ = fs::remove_dir_all(d);
    });
    let _ = fs::remove_dir_all(dir);
}

/// Writes one file atomically: a temporary file beside it, then a rename.
///
/// The rename is only for regular files. A path that names something else (`/dev/null`, a
/// FIFO, a terminal) is written in place: renaming over it would replace a device node with a
/// file, for every program on the machine when run as root. A symlink is followed, so the link
/// stays a link. A replaced file keeps its permissions; a new one gets 0644, not the
/// temporary file's 0600, since reports are made to be read by others.
pub fn write_file_atomic(path: &Path, data: &[u8]) -> Result<(), OutputError> {
    // /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open file, maybe one the shell opened
    // for appending (`-o /dev/stdout >> log`): append to it as the shell would, never
    // replace what it leads to.
    let special = path.starts_with("/dev") || path.starts_with("/proc");
    let abs = match fs::metadata(path) {
        Ok(meta) if special || !meta.is_file() => {
            let mut f = fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(io(path))?;
            return f.write_all(data).map_err(io(path));
        }
        Ok(_) => absolute(path).canonicalize().map_err(io(path))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => follow_links(&absolute(path))?,
        Err(e) => return Err(io(path)(e)),
    };
    let parent = abs.parent().unwrap_or(Path::new("."));
    let mut f = tempfile::NamedTempFile::new_in(parent).map_err(io(parent))?;
    f.write_all(data).map_err(io(path))?;
    if let Some(perms) = fs::metadata(&abs)
        .map(|m| m.permissions())
        .ok()
        .or_else(new_file_permissions)
    {
        f.as_file().set_permissions(perms).map_err(io(path))?;
    }
    f.persist(&abs).map_err(|e| io(path)(e.error))?;
    Ok(())
}

/// Where a chain of symlinks ends, for a path whose file does not exist yet (a dangling link
/// is written through too). A chain still going after 40 links is a loop, as for the kernel.
fn follow_links(path: &Path) -> Result<PathBuf, OutputError> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&p) {
            Ok(to) => p = p.parent().unwrap_or(Path::new("/")).join(to),
            Err(_) => return Ok(p),
        }
    }
    Err(io(path)(std::io::Error::other(
        "too many levels of symbolic links",
    )))
}

#[cfg(unix)]
fn new_file_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<fs::Permissions> {
    None
}
