//! End to end for the async locks: tasks on a tokio runtime contend for a
//! `lockprof::tokio::Mutex` and `Semaphore`, the Layer writes a trace file and `fmt().json()`
//! JSON lines, and the CLI's report of either names the tasks: `"task"` in the JSON report's
//! `holders[]` and `waiters[]`, the task as the flamegraph's root frame.
//!
//! A single test: it installs the process-wide default subscriber (tokio's workers are other
//! threads), and each file under tests/ is its own process.

use std::io::Write as _;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use lockprof::tokio::{Mutex, Semaphore};
use lockprof_cli::flame::{Frames, View, folded_with};
use lockprof_cli::{LoadOptions, Source, load, report};
use tracing::Instrument as _;
use tracing_subscriber::layer::SubscriberExt as _;

/// JSON lines written by `fmt().json()`, kept in memory.
#[derive(Clone, Default)]
struct Lines(Arc<StdMutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `slow_holder` holds the cart across a 30 ms await while two `checkout` tasks wait; three
/// `db_call` tasks share one permit.
async fn workload(cart: Arc<Mutex<u64>>, db: Arc<Semaphore>) {
    let guard = Arc::clone(&cart).lock_owned().await;
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let cart = Arc::clone(&cart);
        let task = async move {
            *cart.lock().await += 1;
        };
        tasks.push(tokio::spawn(
            task.instrument(tracing::info_span!("checkout")),
        ));
    }
    for _ in 0..3 {
        let db = Arc::clone(&db);
        let task = async move {
            let _connection = db.acquire().await.unwrap();
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        tasks.push(tokio::spawn(
            task.instrument(tracing::info_span!("db_call")),
        ));
    }
    let holder = async move {
        tokio::time::sleep(Duration::from_millis(30)).await;
        drop(guard);
    };
    tokio::spawn(holder.instrument(tracing::info_span!("slow_holder")))
        .await
        .unwrap();
    for task in tasks {
        task.await.unwrap();
    }
}

#[test]
fn async_locks_reach_the_report_attributed_to_tasks() {
    lockprof::config::set_stack_capture(false);
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("async.lptrace");
    let lines = Lines::default();
    let (layer, guard) = lockprof::layer().with_path(&trace).build().unwrap();
    let writer = lines.clone();
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(move || writer.clone());
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer).with(fmt))
        .unwrap();

    let cart = Arc::new(Mutex::named("cart", 0));
    let db = Arc::new(Semaphore::named("db", 1));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
        .block_on(workload(Arc::clone(&cart), Arc::clone(&db)));
    assert_eq!(*cart.blocking_lock(), 2);
    drop(guard);
    let json_log = dir.path().join("async.jsonl");
    std::fs::File::create(&json_log)
        .unwrap()
        .write_all(&lines.0.lock().unwrap())
        .unwrap();

    for input in [&trace, &json_log] {
        let loaded = load(&[Source::File(input.clone())], &LoadOptions::default()).unwrap();
        let mut profile = loaded.profile;
        profile.group_classes();
        let mut json = Vec::new();
        report::write_json(&profile, &mut json).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let lock = |name: &str| {
            json["locks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["name"] == name)
                .unwrap_or_else(|| panic!("{name} in {input:?}: {json:#}"))
                .clone()
        };
        let cart = lock("cart");
        assert_eq!(cart["kind"], "mutex");
        let holders = cart["holders"].as_array().unwrap();
        assert_eq!(holders[0]["task"], "slow_holder", "{input:?}: {cart:#}");
        assert!(
            holders[0]["blame_ns"].as_u64().unwrap() >= 40_000_000,
            "{cart:#}"
        );
        assert!(holders[0]["thread"].is_string(), "{cart:#}");
        let waiters = cart["waiters"].as_array().unwrap();
        assert_eq!(waiters.len(), 1, "{cart:#}");
        assert_eq!(waiters[0]["task"], "checkout");
        assert_eq!(waiters[0]["waits"], 2);

        let db = lock("db");
        assert_eq!(db["kind"], "semaphore");
        assert_eq!(db["waiters"][0]["task"], "db_call", "{db:#}");
        assert_eq!(db["holders"][0]["task"], "db_call", "{db:#}");

        // The blame flamegraph starts at the holding task, not at its worker thread.
        let blame = folded_with(&profile, View::Blame, Frames::Both);
        assert!(
            blame
                .iter()
                .any(|(stack, _)| stack.starts_with("slow_holder;")),
            "{blame:?}"
        );
    }
}
