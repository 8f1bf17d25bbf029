//! Lock names: what the user gave, or the creation site.

use std::fmt;
use std::panic::Location;

/// A lock's name: the one given to `named`, or where the lock was created.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LockName {
    Given(&'static str),
    CreatedAt(&'static Location<'static>),
}

impl LockName {
    /// The name of a raw lock made by `lock_api`'s `INIT`, which knows no place: a lock built
    /// from it with `from_raw` takes that call's site instead; one built by `lock_api` itself is
    /// shown as `unnamed`. The empty name rather than a variant of its own: a third variant
    /// would make the name, and so the first line of every lock, 8 bytes longer (see `LockMeta`).
    pub(crate) const UNNAMED: LockName = LockName::Given("");

    /// This name, or the creation site `site` if it has none.
    pub(crate) const fn or_created_at(self, site: &'static Location<'static>) -> LockName {
        match self {
            LockName::Given(name) if name.is_empty() => LockName::CreatedAt(site),
            named => named,
        }
    }
}

impl fmt::Display for LockName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockName::Given("") => f.write_str("unnamed"),
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
        // Three plain writes rather than `write!`: every wait and hold event formats its site (and
        // a lock named after its creation site, that too), and the formatting machinery was half
        // of an event's cost (about 1 000 of 3 500 instructions).
        f.write_str(self.0.file())?;
        f.write_str(":")?;
        f.write_str(itoa::Buffer::new().format(self.0.line()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_is_file_colon_line() {
        let here = Location::caller();
        assert_eq!(
            Site(here).to_string(),
            format!("{}:{}", here.file(), here.line())
        );
        assert_eq!(
            LockName::CreatedAt(here).to_string(),
            Site(here).to_string()
        );
        assert_eq!(LockName::Given("orders").to_string(), "orders");
        assert_eq!(LockName::UNNAMED.to_string(), "unnamed");
        assert_eq!(
            LockName::UNNAMED.or_created_at(here).to_string(),
            Site(here).to_string()
        );
        assert_eq!(
            LockName::Given("orders").or_created_at(here).to_string(),
            "orders"
        );
        // Two words, so that `LockMeta`'s first line keeps its layout.
        assert_eq!(size_of::<LockName>(), 16);
    }
}
