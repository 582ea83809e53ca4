//! Crash-safe private files: a temporary file in the target's directory, fsync, rename, fsync
//! of the directory; created with mode 0600 on Unix so no other user can read it at any point.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (readers see the old or the new file, never a mix),
/// with permissions 0600 on Unix.
///
/// # Errors
///
/// The I/O error and the path it concerns.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> Result<(), (PathBuf, std::io::Error)> {
    write_atomic(path, bytes, 0o600)
}

/// Writes `bytes` to `path` atomically, readable by all (a published file: a bank's policy,
/// registry or key), permissions 0644 on Unix.
///
/// # Errors
///
/// The I/O error and the path it concerns.
pub fn write_public_atomic(path: &Path, bytes: &[u8]) -> Result<(), (PathBuf, std::io::Error)> {
    write_atomic(path, bytes, 0o644)
}

fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), (PathBuf, std::io::Error)> {
    let dir = parent_dir(path);
    let tmp = temp_path(path);
    let result = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        let mut f = opts.open(&tmp).map_err(|e| (tmp.clone(), e))?;
        f.write_all(bytes).map_err(|e| (tmp.clone(), e))?;
        f.sync_all().map_err(|e| (tmp.clone(), e))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|e| (path.to_path_buf(), e))?;
        sync_dir(&dir).map_err(|e| (dir.clone(), e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Moves a file already written and synced (`from`, in the same directory as `to`) into
/// place with permissions 0600, then syncs the directory.
///
/// # Errors
///
/// The I/O error and the path it concerns.
pub fn install_private(from: &Path, to: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(from, fs::Permissions::from_mode(0o600)).map_err(|e| (from.to_path_buf(), e))?;
    }
    File::open(from).and_then(|f| f.sync_all()).map_err(|e| (from.to_path_buf(), e))?;
    fs::rename(from, to).map_err(|e| (to.to_path_buf(), e))?;
    let dir = parent_dir(to);
    sync_dir(&dir).map_err(|e| (dir.clone(), e))
}

/// The directory holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    parent_dir(path).join(format!(".{name}.tmp-{}", std::process::id()))
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
