//! What the text and Markdown reports share: the rows of a lock's tables, each named for
//! display, and the note on waiting charged to no hold.

use crate::render::humanize;
use crate::render::names::{SHORT_STACK_FRAMES, short_stack};
use crate::{Cell, LockProfile, Pair, Profile, StackUsage, Usage};

/// What a lock's waiting charged to no hold (`unattributed_ns`, docs/EVENTS.md) is, said after
/// the figure in the text and Markdown reports.
pub(super) const UNATTRIBUTED_NOTE: &str = "hand-offs between holds, and waiting in storms that \
     no measured hold took; the ~ figures estimate part of it";

/// The figures of a report's first line: how many locks (and lock instances, when classes
/// merged several), how long the traces cover, how many events were dropped.
pub(super) fn headline(profile: &Profile) -> [String; 3] {
    let entries = profile.locks.len() as u64;
    let instances = profile
        .locks
        .iter()
        .fold(0u64, |n, l| n.saturating_add(l.instances));
    let mut locks = humanize::count_of(entries, "lock");
    if instances != entries {
        locks.push_str(&format!(" ({})", humanize::count_of(instances, "instance")));
    }
    [
        locks,
        humanize::duration(profile.duration_ns),
        humanize::count_of(profile.dropped_events, "event"),
    ]
}

/// Threads (tasks, for an async lock) whose holds made others wait, most blame first; a task
/// is shown with the thread that did most of it.
pub(super) fn blaming_holders(lock: &LockProfile) -> Vec<Usage> {
    let mut rows = lock.holders();
    rows.retain(|u| u.cell.blame_ns > 0);
    for row in &mut rows {
        if let Some(task) = row.task.take() {
            row.name = format!("{task} (on {})", row.name);
        }
    }
    rows
}

/// Acquire sites that waited, most wait first.
pub(super) fn waiting_sites(lock: &LockProfile) -> Vec<Usage> {
    let mut rows = lock.sites();
    rows.retain(|u| u.cell.wait_ns > 0);
    rows
}

/// Native stacks that waited, most wait first, each named by its short form.
pub(super) fn waiter_stacks(lock: &LockProfile) -> Vec<Usage> {
    lock.waiter_stacks().into_iter().map(stack_row).collect()
}

/// Native stacks that held the lock while others waited, most blame first.
pub(super) fn holder_stacks(lock: &LockProfile) -> Vec<Usage> {
    lock.holder_stacks().into_iter().map(stack_row).collect()
}

/// Waits paired with the holds they waited for, most wait first, each named
/// `waiter in f ← holder in g`; pairs with no stack on either side are left out.
pub(super) fn pairs(lock: &LockProfile) -> Vec<Usage> {
    lock.pairs
        .iter()
        .filter(|p| !p.waiter_frames.is_empty() || !p.holder_frames.is_empty())
        .map(|p| Usage {
            name: pair_line(p),
            task: None,
            cell: Cell {
                waits: p.waits,
                wait_ns: p.wait_ns,
                ..Cell::default()
            },
        })
        .collect()
}

/// `waiter in f ← holder in g`, each stack by its leaf-most frame.
fn pair_line(p: &Pair) -> String {
    format!(
        "{} in {} ← {} in {}",
        p.waiter_thread,
        short_stack(&p.waiter_frames, 1),
        p.holder_thread,
        short_stack(&p.holder_frames, 1)
    )
}

/// A stack's row: named by its [`short_stack`].
fn stack_row(stack: StackUsage) -> Usage {
    Usage {
        name: short_stack(&stack.frames, SHORT_STACK_FRAMES),
        task: None,
        cell: stack.cell,
    }
}
