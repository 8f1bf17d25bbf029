//! Where a command writes, and how it ended: what `main` turns into output and an exit code.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::Error;

/// Where a command writes.
#[derive(Debug)]
pub struct Io<'a, O: Write, E: Write> {
    /// Results.
    pub out: &'a mut O,
    /// Warnings and notes, one line each, prefixed `lockprof: `.
    pub err: &'a mut E,
    /// Show progress bars for large inputs (stderr is a terminal).
    pub progress: bool,
}

/// How a command ended, when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done: exit code 0.
    Success,
    /// `diff --fail-on`: a lock's figure grew past its threshold, exit code 1 (the locks were
    /// named on stderr).
    Regression,
}

/// Writes a command's output to `path`, or to stdout for `-`, through a buffer that is flushed
/// and checked; `write` is given the writer and the name errors call it by.
pub(super) fn write_output<O: Write, E: Write>(
    path: &Path,
    io: &mut Io<'_, O, E>,
    write: impl FnOnce(&mut dyn Write, &str) -> Result<(), Error>,
) -> Result<(), Error> {
    if path.as_os_str() != "-" {
        return write_file(path, write);
    }
    let mut out = BufWriter::new(&mut *io.out);
    write(&mut out, "stdout")?;
    out.flush().map_err(|e| Error::Write {
        what: "stdout".to_owned(),
        source: e,
    })
}

/// Writes the file `path` through a buffer that is flushed and checked; `write` is given the
/// writer and the name errors call it by.
pub(super) fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write, &str) -> Result<(), Error>,
) -> Result<(), Error> {
    let what = path.display().to_string();
    let file = File::create(path).map_err(|e| Error::Write {
        what: what.clone(),
        source: e,
    })?;
    let mut out = BufWriter::new(file);
    write(&mut out, &what)?;
    out.flush().map_err(|e| Error::Write { what, source: e })
}
