//! A multi-threaded tokio runtime under load: many tasks sharing a `tokio::sync::Mutex` (whose
//! queue of waiting tasks sits behind a `parking_lot::Mutex` inside tokio), tasks spawned from
//! several threads at once (the scheduler's shared queue) and blocking work handed to the
//! blocking pool (a mutex and a condition variable).

use std::sync::Arc;
use std::time::Duration;

const WORKERS: usize = 4;
const TASKS: usize = 64;
const LOCKS_PER_TASK: usize = 200;
const BLOCKING_JOBS: usize = 64;

/// Runs the tasks to the end; returns the number of times the async mutex was taken.
pub(crate) fn contend() -> usize {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .thread_name("tokio-worker")
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let counter = Arc::new(tokio::sync::Mutex::new(0usize));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    for _ in 0..LOCKS_PER_TASK {
                        let mut n = counter.lock().await;
                        *n += 1;
                        // Let other tasks queue up behind this one while it holds the lock.
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        let blocking: Vec<_> = (0..BLOCKING_JOBS)
            .map(|_| tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_micros(200))))
            .collect();
        for task in tasks {
            task.await.expect("a task panicked");
        }
        for job in blocking {
            job.await.expect("a blocking job panicked");
        }
        let n = *counter.lock().await;
        assert_eq!(n, TASKS * LOCKS_PER_TASK);
        n
    })
}
