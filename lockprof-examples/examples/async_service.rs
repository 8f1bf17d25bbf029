//! A small tokio service under load, profiled with lockprof's async locks: request handlers
//! (each in a `handle_request` span) update a hot shared `sessions` map under an async mutex,
//! and call a "database" that a semaphore limits to four concurrent queries; a `janitor` task
//! sweeps the sessions every 40 ms, holding the map across a slow await (a write-back of the
//! expired sessions), the classic way one task stalls every other behind an async lock.
//!
//! In the profile, the `sessions` waits are blamed on the `janitor` span; the `db` semaphore's
//! on the handlers holding connections; every wait and hold is named by its task's span.
//!
//! ```text
//! cargo run --release --example async_service            # runs for 1 s
//! cargo run --release --example async_service -- 0.3     # runs for 0.3 s
//! cargo run --release -p lockprof-cli -- report lockprof-<pid>.lptrace
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lockprof::tokio::{Mutex, Semaphore};
use tracing::Instrument as _;

const DEFAULT_RUN_SECS: f64 = 1.0;
const CLIENTS: u64 = 16;
const DB_CONNECTIONS: usize = 4;
const QUERY: Duration = Duration::from_millis(2);
const SWEEP_EVERY: Duration = Duration::from_millis(40);
/// Stands in for writing expired sessions back to storage while the map is locked.
const WRITE_BACK: Duration = Duration::from_millis(4);

/// What the service shares between its tasks.
#[derive(Debug)]
struct Service {
    /// Every request touches it: the hot async lock.
    sessions: Mutex<HashMap<u64, u64>>,
    /// At most `DB_CONNECTIONS` queries at once.
    db: Semaphore,
}

/// One request: update the client's session, then query the database with a connection.
async fn handle_request(service: &Service, client: u64, request: u64) {
    {
        let mut sessions = service.sessions.lock().await;
        *sessions.entry(client).or_default() += 1;
    }
    let connection = service
        .db
        .acquire()
        .await
        .expect("the db semaphore stays open");
    tokio::time::sleep(QUERY).await;
    drop(connection);
    if request.is_multiple_of(8) {
        // Now and then a handler reads the session back after the query.
        let sessions = service.sessions.lock().await;
        std::hint::black_box(sessions.get(&client));
    }
}

/// One client's loop of requests, each handled in its own span.
async fn client(service: Arc<Service>, client: u64, until: Instant) -> u64 {
    let mut requests = 0;
    while Instant::now() < until {
        let span = tracing::info_span!("handle_request", client);
        handle_request(&service, client, requests)
            .instrument(span)
            .await;
        requests += 1;
    }
    requests
}

/// Sweeps the sessions now and then, writing the expired ones back while holding the map.
async fn janitor(service: Arc<Service>, until: Instant) {
    while Instant::now() < until {
        tokio::time::sleep(SWEEP_EVERY).await;
        let mut sessions = service.sessions.lock().await;
        sessions.retain(|_, requests| !requests.is_multiple_of(3));
        tokio::time::sleep(WRITE_BACK).await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let run_secs = std::env::args()
        .nth(1)
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(DEFAULT_RUN_SECS);
    // Writes $LOCKPROF_OUT, or lockprof-<pid>.lptrace; complete when `_guard` drops.
    let _guard = lockprof::init();
    let service = Arc::new(Service {
        sessions: Mutex::named("sessions", HashMap::new()),
        db: Semaphore::named("db", DB_CONNECTIONS),
    });
    let until = Instant::now() + Duration::from_secs_f64(run_secs);
    let janitor = tokio::spawn(
        janitor(Arc::clone(&service), until).instrument(tracing::info_span!("janitor")),
    );
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| tokio::spawn(client(Arc::clone(&service), c, until)))
        .collect();
    let mut requests = 0;
    for c in clients {
        requests += c.await.expect("a client task panicked");
    }
    janitor.await.expect("the janitor panicked");
    eprintln!(
        "async_service: {requests} requests in {run_secs} s, {} sessions left",
        service.sessions.lock().await.len()
    );
}
