//! Lock names: what the user gave, or the creation site.

use std::fmt;
use std::panic::Location;

/// A lock's name: the one given to `named`, or where the lock was created.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LockName {
    Given(&'static str),
    CreatedAt(&'static Location<'static>),
}

impl fmt::Display for LockName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockName::Given(name) => f.write_str(name),
            LockName::CreatedAt(location) => Site(location).fmt(f),
        }
    }
}

/// Formats a source location as `file:line`, the form the events and reports use.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Site(pub(crate) &'static Location<'static>);

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0.file(), self.0.line())
    }
}
