//! One-call setup for programs without a subscriber of their own.

use std::io;

use tracing_subscriber::layer::SubscriberExt as _;

use super::builder::layer;
use super::guard::FlushGuard;

/// Why [`try_init`] could not install the lockprof subscriber.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// The program already installed a global `tracing` subscriber.
    #[error(
        "a global tracing subscriber is already set, so lockprof::init() cannot install its own: \
         add lockprof::layer() to your subscriber instead"
    )]
    AlreadySet,
    /// The trace file could not be created, or the writer thread could not start.
    #[error("{0} (set LOCKPROF_OUT to a writable file path)")]
    Io(#[source] io::Error),
}

/// Installs a global subscriber that writes lockprof events to the trace file at
/// [`default_path()`](super::default_path) (`$LOCKPROF_OUT`, or `lockprof-<pid>.lptrace` in the
/// current directory). Keep the returned guard alive until the program ends.
pub fn try_init() -> Result<FlushGuard, InitError> {
    // Checked first so a program that already has a subscriber does not get an empty trace file.
    if tracing::dispatcher::has_been_set() {
        return Err(InitError::AlreadySet);
    }
    let (layer, guard) = layer().build().map_err(InitError::Io)?;
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::set_global_default(subscriber).map_err(|_| InitError::AlreadySet)?;
    Ok(guard)
}

/// Like [`try_init`], but never fails: on error it prints one warning line to stderr and returns
/// a guard that does nothing, so the program runs on unprofiled.
///
/// ```no_run
/// let _guard = lockprof::init();
/// // ... use lockprof::Mutex as you would parking_lot::Mutex; the trace is complete when
/// // `_guard` is dropped at the end of `main` ...
/// ```
pub fn init() -> FlushGuard {
    match try_init() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("lockprof: {e}; no trace will be written");
            FlushGuard::inactive()
        }
    }
}
