//! Naming the task that waits or holds: the innermost `tracing` span entered where it runs, else
//! its tokio task id. Asked only on slow paths (a wait, a measured release): it costs a look into
//! the subscriber's span stack and tokio's task context.

use std::fmt::Write as _;

use crate::task::Task;

/// The calling task's label: the innermost entered span's name, else `task-<id>`, else none
/// (code outside any task and span: `block_on`, a plain thread).
pub(super) fn current() -> Task {
    let span = tracing::dispatcher::get_default(|d| d.current_span().metadata().map(|m| m.name()));
    if let Some(name) = span {
        return Task::Span(name);
    }
    tokio::task::try_id().map_or(Task::None, |id| Task::Id(id_number(id)))
}

/// The number a tokio task id stands for. `Id` shows it only through `Display` (its `as_u64` is
/// crate-private), so it is formatted into a small buffer and read back: a few dozen
/// nanoseconds, on slow paths only.
fn id_number(id: tokio::task::Id) -> u64 {
    let mut digits = Digits::default();
    let _ = write!(digits, "{id}");
    digits.value
}

/// A `fmt::Write` that reads decimal digits as they are written.
#[derive(Default)]
struct Digits {
    value: u64,
}

impl std::fmt::Write for Digits {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for digit in s.bytes().filter(u8::is_ascii_digit) {
            self.value = self
                .value
                .wrapping_mul(10)
                .wrapping_add(u64::from(digit - b'0'));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_named_by_its_span_else_by_its_id() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (label, id) = rt.block_on(async {
            tokio::spawn(async { (current(), tokio::task::id().to_string()) })
                .await
                .unwrap()
        });
        assert_eq!(label.to_string(), format!("task-{id}"));
        // Outside any task: no label.
        assert!(!current().is_some());
        let subscriber = tracing_subscriber::registry();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("checkout");
            let _entered = span.enter();
            assert_eq!(current().to_string(), "checkout");
        });
    }
}
