//! An r2d2 pool driven by more threads than it has connections: each checkout and return takes
//! the pool's internal mutex (r2d2's `parking_lot::Mutex`), and a thread that finds no idle
//! connection waits on its `parking_lot::Condvar`, then for the mutex again.

use std::convert::Infallible;
use std::thread;
use std::time::{Duration, Instant};

const THREADS: usize = 6;
const CONNECTIONS: u32 = 2;
const CHECKOUTS_PER_THREAD: usize = 400;
/// How long a thread keeps its connection: a query's worth of work, spun so that it is on a CPU.
const USE: Duration = Duration::from_micros(200);

/// Connections that cost nothing to open: the contention studied is the pool's, not a database's.
#[derive(Debug)]
struct Connections;

impl r2d2::ManageConnection for Connections {
    type Connection = u64;
    type Error = Infallible;

    fn connect(&self) -> Result<u64, Infallible> {
        Ok(0)
    }

    fn is_valid(&self, _: &mut u64) -> Result<(), Infallible> {
        Ok(())
    }

    fn has_broken(&self, _: &mut u64) -> bool {
        false
    }
}

/// Runs the threads to the end; returns the number of checkouts, all of which succeeded.
pub(crate) fn contend() -> usize {
    let pool = r2d2::Pool::builder()
        .max_size(CONNECTIONS)
        .connection_timeout(Duration::from_secs(30))
        .build(Connections)
        .expect("connections that cannot fail");
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let pool = pool.clone();
            thread::Builder::new()
                .name(format!("pool-user-{i}"))
                .spawn(move || {
                    for _ in 0..CHECKOUTS_PER_THREAD {
                        let mut connection = pool.get().expect("a connection within 30 s");
                        *connection += 1;
                        spin(USE);
                    }
                })
                .expect("spawn")
        })
        .collect();
    for worker in workers {
        worker.join().expect("a pool user panicked");
    }
    THREADS * CHECKOUTS_PER_THREAD
}

fn spin(d: Duration) {
    let until = Instant::now() + d;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}
