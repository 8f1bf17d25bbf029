//! How locks and stacks are named in every output.

use std::fmt;

use crate::render::humanize;
use crate::{Grouping, LockProfile, Profile};

/// The frame standing for native stacks that were not captured (stack capture off, or a summary
/// or a long event that found no capture left), so that every nanosecond stays in the graph.
pub const NO_STACK_FRAME: &str = "[no stack]";

/// Frames a short stack shows.
pub(crate) const SHORT_STACK_FRAMES: usize = 3;

/// A stack in short form: its leaf-most `n` frames, leaf first, joined by ` <- `
/// (`bank::transfer <- bank::worker`); [`NO_STACK_FRAME`] when empty.
pub(crate) fn short_stack(frames: &[String], n: usize) -> String {
    if frames.is_empty() {
        return NO_STACK_FRAME.to_owned();
    }
    let mut out = String::new();
    for (i, f) in frames.iter().rev().take(n.max(1)).enumerate() {
        if i > 0 {
            out.push_str(" <- ");
        }
        out.push_str(f);
    }
    out
}

/// How a lock is titled, before it is escaped for the output: its name, then its id when the
/// profile lists instances (`ledger #7`: instances may share a name), then the input it came
/// from when several were merged (`ledger (input 2)`). A class is titled by its name: the lock
/// frame of the flamegraphs.
pub(crate) fn lock_title(profile: &Profile, lock: &LockProfile) -> String {
    LockTitle::new(profile, &lock.name, lock.id, lock.input).to_string()
}

/// [`lock_title`] of the lock `name` with id `id` of input `input`, as `Display`, for outputs
/// that title many events and need not allocate a string for each.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LockTitle<'a> {
    name: &'a str,
    id: Option<u64>,
    input: Option<usize>,
}

impl<'a> LockTitle<'a> {
    pub(crate) fn new(profile: &Profile, name: &'a str, id: u64, input: usize) -> Self {
        LockTitle {
            name,
            id: (profile.grouping == Grouping::Instance).then_some(id),
            input: (profile.inputs > 1).then_some(input),
        }
    }
}

impl fmt::Display for LockTitle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)?;
        if let Some(id) = self.id {
            write!(f, " #{id}")?;
        }
        if let Some(input) = self.input {
            write!(f, " (input {})", input + 1)?;
        }
        Ok(())
    }
}

/// What follows the title of a class of several locks in the reports and histograms:
/// ` × 16 instances`; nothing for a single lock.
pub(crate) fn instances_note(lock: &LockProfile) -> String {
    if lock.instances > 1 {
        format!(" × {} instances", humanize::count(lock.instances))
    } else {
        String::new()
    }
}
