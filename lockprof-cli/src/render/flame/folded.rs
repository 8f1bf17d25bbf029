//! Folded stacks, the text form of a flamegraph: one line per stack, frames joined by `;`, then
//! the nanoseconds. inferno, flamegraph.pl and speedscope read them.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::view::{Frames, View};
pub use crate::render::names::NO_STACK_FRAME;
use crate::render::stack_path::for_each_path;
use crate::{Profile, escape};

/// The folded stacks of `view` with `frames`: `(frames joined by ';', ns)`, sorted by stack,
/// zero-weight stacks left out. Frames are escaped for the format: `;` becomes `:`, control
/// characters visible escapes, an empty name `[unknown]`.
///
/// Frames run root to leaf: thread (or an async lock's task), span names, native frames (root-most first; lockprof's own
/// and the runtime's are trimmed), acquire site, lock. When the profile has native stacks, time
/// without one goes under [`NO_STACK_FRAME`], so the totals are those of the report.
pub fn folded_with(profile: &Profile, view: View, frames: Frames) -> Vec<(String, u64)> {
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    for_each_path(profile, frames, |path, cell| {
        let ns = view.weight(cell);
        if ns == 0 {
            return;
        }
        let mut key = String::new();
        for frame in path {
            if !key.is_empty() {
                key.push(';');
            }
            key.push_str(&escape::folded_frame(frame.name));
        }
        let slot = stacks.entry(key).or_default();
        *slot = slot.saturating_add(ns);
    });
    stacks.into_iter().collect()
}

/// Writes the folded stacks of `view` with both span and native frames, one `frames count` line
/// each.
///
/// # Errors
/// Only errors of `out`.
pub fn write_folded(profile: &Profile, view: View, out: impl Write) -> io::Result<()> {
    write_folded_with(profile, view, Frames::Both, out)
}

/// Writes the folded stacks of `view` with `frames`, one `frames count` line each.
///
/// # Errors
/// Only errors of `out`.
pub fn write_folded_with(
    profile: &Profile,
    view: View,
    frames: Frames,
    mut out: impl Write,
) -> io::Result<()> {
    for (stack, ns) in folded_with(profile, view, frames) {
        writeln!(out, "{stack} {ns}")?;
    }
    Ok(())
}
