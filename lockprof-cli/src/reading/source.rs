//! Where inputs come from: files or stdin, opened with a progress bar for large files.

use std::ffi::OsStr;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use crate::Error;

/// Inputs at least this large get a progress bar (when stderr is a terminal).
const PROGRESS_MIN_BYTES: u64 = 32 << 20;

/// One input: a file, or stdin (`-`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Source {
    /// `-` is stdin, anything else a path.
    pub fn from_arg(arg: &OsStr) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(arg))
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Stdin => f.write_str("<stdin>"),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// How to load inputs.
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Show a progress bar on stderr for large inputs. Defaults to `false`; set it when stderr is
    /// a terminal.
    pub progress: bool,
    /// Keep the wait and hold events one by one for the profile's
    /// [`timeline`](crate::Profile::timeline) (`lockprof timeline`). Defaults to `false`:
    /// memory then grows with the number of distinct locks, threads, sites and stacks only.
    pub timeline: bool,
    /// Count the locks of each class into one entry as they are read
    /// ([`Aggregator::by_class`](crate::Aggregator::by_class)): the profile comes out grouped,
    /// in memory that grows with the classes, not the instances. Defaults to `false`: one entry
    /// per lock.
    pub group_classes: bool,
}

/// An opened input: its bytes, and the progress bar showing how far they are read, if any.
pub(super) struct Opened {
    pub(super) reader: Box<dyn Read>,
    pub(super) bar: Option<ProgressBar>,
}

impl Source {
    /// Opens the input (`name` is how errors name it).
    ///
    /// # Errors
    /// [`Error::Open`] when it cannot be opened, [`Error::IsDirectory`] for a directory.
    pub(super) fn open(&self, name: &str, opts: &LoadOptions) -> Result<Opened, Error> {
        let (reader, len): (Box<dyn Read>, Option<u64>) = match self {
            Source::Stdin => (Box::new(io::stdin().lock()), None),
            Source::File(path) => {
                let file = File::open(path).map_err(|e| Error::Open {
                    path: name.to_owned(),
                    source: e,
                })?;
                let meta = file.metadata().map_err(|e| Error::Open {
                    path: name.to_owned(),
                    source: e,
                })?;
                if meta.is_dir() {
                    return Err(Error::IsDirectory {
                        path: name.to_owned(),
                    });
                }
                (Box::new(file), Some(meta.len()))
            }
        };
        let bar = match len {
            Some(len) if opts.progress && len >= PROGRESS_MIN_BYTES => Some(progress_bar(len)),
            _ => None,
        };
        let reader: Box<dyn Read> = match &bar {
            Some(bar) => Box::new(bar.wrap_read(reader)),
            None => reader,
        };
        Ok(Opened { reader, bar })
    }
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} reading {msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
