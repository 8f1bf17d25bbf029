//! The process-wide subscriber the "default recording" contenders write through: lockprof's real
//! Layer writing a real trace file in a scratch directory.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use tracing_subscriber::layer::SubscriberExt;

/// lockprof's Layer installed as the global default subscriber, writing to a trace file in a
/// fresh directory under the system temp dir. Dropping it completes the trace and removes the
/// directory.
#[derive(Debug)]
#[must_use = "dropping it closes the trace"]
pub struct GlobalTrace {
    guard: Option<lockprof::FlushGuard>,
    dir: PathBuf,
    path: PathBuf,
}

impl GlobalTrace {
    /// Installs the subscriber. Fails if the directory or file cannot be created, or if a global
    /// subscriber is already set.
    pub fn install() -> io::Result<GlobalTrace> {
        let dir = scratch_dir("global")?;
        let path = dir.join("bench.lptrace");
        let (layer, guard) = lockprof::layer().with_path(&path).build()?;
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .map_err(|e| io::Error::other(format!("cannot install the subscriber: {e}")))?;
        Ok(GlobalTrace {
            guard: Some(guard),
            dir,
            path,
        })
    }

    /// The trace file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes everything queued so far to the file.
    pub fn flush(&self) {
        if let Some(guard) = &self.guard {
            guard.flush();
        }
    }
}

impl Drop for GlobalTrace {
    fn drop(&mut self) {
        drop(self.guard.take());
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A new empty directory for this process's trace files: `$TMPDIR/lockprof-bench-<pid>-<what>`.
pub(crate) fn scratch_dir(what: &str) -> io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("lockprof-bench-{}-{what}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    Ok(dir)
}
