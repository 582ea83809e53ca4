//! Crash-safe file writes: temp file in the same directory, fsync, rename, fsync the directory.

use std::{fs::File, io::Write, path::Path};

use crate::error::ProverError;

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one, never
/// a torn mix: the bytes go to a temporary file in the same directory (so the rename cannot
/// cross file systems), which is fsynced, renamed over `path`, and the directory fsynced so
/// the rename itself is durable.
///
/// # Errors
///
/// [`ProverError::Io`] if any step fails; the temporary file is then removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProverError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut tmp =
        tempfile::Builder::new().prefix(".ccr-tmp-").tempfile_in(dir).map_err(|e| ProverError::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| ProverError::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| ProverError::io(path, e.error))?;
    sync_dir(dir)
}

/// Makes a rename in `dir` durable (Unix only: other platforms cannot fsync a directory, and
/// there only the file contents are guaranteed on disk).
fn sync_dir(dir: &Path) -> Result<(), ProverError> {
    if cfg!(unix) {
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| ProverError::io(dir, e))?;
    }
    Ok(())
}
