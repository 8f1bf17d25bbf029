//! Waiting for a future on a plain thread, for the `blocking_*` methods: tokio's own locks use
//! tokio's private `block_on`, which lockprof cannot call, so this is the few lines it takes.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Wakes the blocked thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Panics inside an asynchronous execution context, as tokio's `blocking_lock` does, whether
/// or not it would have to wait: blocking a runtime's worker would stall every task on it.
#[track_caller]
pub(super) fn forbid_in_runtime() {
    if tokio::runtime::Handle::try_current().is_ok() {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks."
        );
    }
}

/// Polls `future` on this thread, parking between polls, until it is ready.
pub(super) fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}
