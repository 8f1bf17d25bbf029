//! The Layer itself: what a profiled thread does with a `lockprof` event (copy its fields,
//! offer them to the writer's queue, count it if the queue is full).

use std::fmt;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;

use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::shared::{Msg, Shared};
use super::visitor::{self, Visitor};
use crate::event;

/// A [`Layer`] that records `lockprof` events into a trace file and ignores every other
/// event. Made by [`layer()`](crate::layer()); compose it with any other layers and filters.
pub struct LockprofLayer {
    tx: SyncSender<Msg>,
    shared: Arc<Shared>,
}

impl LockprofLayer {
    /// A Layer offering events to `tx`, counting lost ones in `shared`.
    pub(super) fn new(tx: SyncSender<Msg>, shared: Arc<Shared>) -> LockprofLayer {
        LockprofLayer { tx, shared }
    }
}

impl fmt::Debug for LockprofLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockprofLayer")
            .field("dropped_events", &self.dropped_events())
            .finish_non_exhaustive()
    }
}

impl LockprofLayer {
    /// Events lost so far (queue full, output failing, or malformed). Once the [`FlushGuard`](crate::FlushGuard) is
    /// dropped, this includes what a failing output lost when the trace was closed.
    pub fn dropped_events(&self) -> u64 {
        self.shared
            .dropped
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl<S> Layer<S> for LockprofLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    // `register_callsite` and `enabled` keep their defaults (always interested): answering
    // "never" for other targets would switch those callsites off for the other layers too.

    fn on_register_dispatch(&self, dispatch: &tracing::Dispatch) {
        let _ = self.shared.dispatch.set(dispatch.downgrade());
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != event::TARGET {
            return;
        }
        let mut visitor = Visitor::new();
        event.record(&mut visitor);
        let lost = match visitor.finish() {
            // Full (the writer is behind) or disconnected (it has shut down).
            Some(Ok(mut msg)) => {
                if msg.kind != visitor::Kind::Summary
                    && let Some(scope) = ctx.event_scope(event)
                {
                    // Waits and holds are emitted on the thread that waited or held, after the
                    // release: the scope is that thread's spans at the time.
                    for span in scope {
                        if !msg.spans.push_outer(span.name()) {
                            break;
                        }
                    }
                }
                self.tx.try_send(Msg::Event(msg)).is_err()
            }
            Some(Err(visitor::Malformed)) => true,
            None => false,
        };
        if lost {
            self.shared.count_dropped(1);
        }
    }
}
