//! Which task a wait or a hold belongs to, for locks whose users are tasks rather than threads
//! (`lockprof::tokio`): a task moves between worker threads, and its thread's name says nothing
//! of the code that waited or held. The recorder keys its statistics by it and the events carry
//! it; the sync locks have none.

use std::fmt;
use std::hash::{Hash, Hasher};

/// A task's label: the innermost `tracing` span entered where it waited or held, else its tokio
/// task id. `Copy` and allocation-free: span names are `'static`, so the label is a pointer or a
/// number until an event formats it.
#[derive(Clone, Copy, Debug, Default)]
#[cfg_attr(
    not(feature = "tokio"),
    allow(dead_code, reason = "only the async locks name tasks")
)]
pub(crate) enum Task {
    /// No task: a sync lock's wait or hold, or an async lock used outside any task and span.
    #[default]
    None,
    /// The name of the innermost entered span.
    Span(&'static str),
    /// A tokio task id, shown `task-<id>`.
    Id(u64),
}

impl Task {
    pub(crate) fn is_some(self) -> bool {
        !matches!(self, Task::None)
    }

    /// The label as an event field: absent when there is no task.
    pub(crate) fn field(self) -> Option<tracing::field::DisplayValue<Task>> {
        self.is_some().then(|| tracing::field::display(self))
    }
}

// Span names are compared and hashed by address, not text: the recorder keys a summary by the
// label on every recorded wait and hold, and two call sites' spans of one name merely make two
// summaries, which every reader adds up by name.
impl PartialEq for Task {
    fn eq(&self, other: &Task) -> bool {
        match (self, other) {
            (Task::None, Task::None) => true,
            (Task::Span(a), Task::Span(b)) => std::ptr::eq(*a, *b),
            (Task::Id(a), Task::Id(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Task {}

impl Hash for Task {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Task::None => state.write_u64(0),
            Task::Span(name) => state.write_usize(name.as_ptr() as usize),
            Task::Id(id) => state.write_u64(id.wrapping_add(1) | 1 << 63),
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Task::None => Ok(()),
            Task::Span(name) => f.write_str(name),
            Task::Id(id) => {
                f.write_str("task-")?;
                f.write_str(itoa::Buffer::new().format(*id))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_the_span_or_the_task_id() {
        assert_eq!(Task::Span("checkout").to_string(), "checkout");
        assert_eq!(Task::Id(42).to_string(), "task-42");
        assert_eq!(Task::None.to_string(), "");
        assert!(Task::None.field().is_none());
        assert_eq!(Task::Id(7), Task::Id(7));
        assert_ne!(Task::Id(7), Task::Span("task-7"));
    }
}
