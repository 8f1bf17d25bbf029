//! Folded stacks, the text form of a flamegraph: one line per stack, frames joined by `;`, then
//! the nanoseconds. inferno, flamegraph.pl and speedscope read them.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::view::{Frames, View};
pub use crate::render::names::NO_STACK_FRAME;
use crate::render::names::lock_title;
use crate::{Profile, escape};

/// The folded stacks of `view` with `frames`: `(frames joined by ';', ns)`, sorted by stack,
/// zero-weight stacks left out. Frames are escaped for the format: `;` becomes `:`, control
/// characters visible escapes, an empty name `[unknown]`.
///
/// Frames run root to leaf: thread (or an async lock's task), span names, native frames (root-most first; lockprof's own
/// and the runtime's are trimmed), acquire site, lock. When the profile has native stacks, time
/// without one goes under [`NO_STACK_FRAME`], so the totals are those of the report.
pub fn folded_with(profile: &Profile, view: View, frames: Frames) -> Vec<(String, u64)> {
    let no_stack = [NO_STACK_FRAME.to_owned()];
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    for lock in &profile.locks {
        let lock_frame = lock_title(profile, lock);
        for s in &lock.stacks {
            let ns = view.weight(&s.cell);
            if ns == 0 {
                continue;
            }
            let spans: &[String] = if frames.spans() { &s.spans } else { &[] };
            let native: &[String] = match (frames.native(), s.frames.is_empty()) {
                (false, _) => &[],
                (true, false) => &s.frames,
                (true, true) if profile.native_stacks => &no_stack,
                (true, true) => &[],
            };
            let mut key = String::new();
            // An async lock's task is its root: its thread says nothing of the code.
            for frame in std::iter::once(s.task.as_ref().unwrap_or(&s.thread))
                .chain(spans)
                .chain(native)
                .chain([&s.site, &lock_frame])
            {
                if !key.is_empty() {
                    key.push(';');
                }
                key.push_str(&escape::folded_frame(frame));
            }
            let slot = stacks.entry(key).or_default();
            *slot = slot.saturating_add(ns);
        }
    }
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
