//! The peers: Rust crates that profile locks, each behind a newtype implementing the harness's
//! traits, and the contender table both the criterion bench and the summary run.
//!
//! What each peer records, and so where it is comparable, is in BENCHMARKS.md.

use lockprof_bench::{BenchMutex, BenchRwLock, Contender};
use lockprof_bench::{
    LockprofDefault, LockprofEveryHold, LockprofNoStacks, LockprofOff, LockprofSync,
};

/// `locktick` 0.6 (parking_lot wrappers): times every acquisition's wait and every guard's
/// duration, kept per lock and guard site in global maps.
#[derive(Debug)]
pub(crate) struct Locktick<L>(L);

impl BenchMutex for Locktick<locktick::parking_lot::Mutex<u64>> {
    fn create() -> Self {
        Locktick(locktick::parking_lot::Mutex::new(0))
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock())
    }
}

impl BenchRwLock for Locktick<locktick::parking_lot::RwLock<u64>> {
    fn create() -> Self {
        Locktick(locktick::parking_lot::RwLock::new(0))
    }
    #[inline]
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
        f(&self.0.read())
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.write())
    }
}

/// `hotpath` 0.30 lock wrappers (features `hotpath`, `parking_lot`): times every acquisition's
/// wait and hold (two clock pairs) and sends one event per release to a background collector
/// that keeps per-lock histograms. Needs [`HotpathSession`] alive to record.
#[derive(Debug)]
pub(crate) struct Hotpath<L>(L);

impl BenchMutex for Hotpath<hotpath::wrap::parking_lot::Mutex<u64>> {
    fn create() -> Self {
        Hotpath(hotpath::mutex!(parking_lot_012::Mutex::new(0u64)))
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock())
    }
}

impl BenchRwLock for Hotpath<hotpath::wrap::parking_lot::RwLock<u64>> {
    fn create() -> Self {
        Hotpath(hotpath::rw_lock!(parking_lot_012::RwLock::new(0u64)))
    }
    #[inline]
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
        f(&self.0.read())
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.write())
    }
}

/// `tracing-mutex` 0.3 (parking_lot wrappers, the always-tracking `tracing` variants): records
/// the order locks are taken in, to report potential deadlocks. No timing at all.
#[derive(Debug)]
pub(crate) struct TracingMutex<L>(L);

impl BenchMutex for TracingMutex<tracing_mutex::parkinglot::tracing::Mutex<u64>> {
    fn create() -> Self {
        TracingMutex(tracing_mutex::parkinglot::tracing::Mutex::new(0))
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock())
    }
}

impl BenchRwLock for TracingMutex<tracing_mutex::parkinglot::tracing::RwLock<u64>> {
    fn create() -> Self {
        TracingMutex(tracing_mutex::parkinglot::tracing::RwLock::new(0))
    }
    #[inline]
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
        f(&self.0.read())
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.write())
    }
}

/// `rust-debugging-locks` 0.8 (`RwLockWrapped`, a std RwLock; it has no mutex): captures and
/// symbolizes the caller's stack on every acquisition, and polls with sleeps when blocked,
/// logging waits past ~2 ms. Measured in the uncontended read case only: under contention its
/// 100 µs polling sleeps make a throughput comparison meaningless.
#[derive(Debug)]
pub(crate) struct DebuggingLocks(rust_debugging_locks::debugging_locks::RwLockWrapped<u64>);

impl BenchRwLock for DebuggingLocks {
    fn create() -> Self {
        DebuggingLocks(rust_debugging_locks::debugging_locks::RwLockWrapped::new(0))
    }
    #[inline]
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
        f(&self.0.read().unwrap_or_else(|e| e.into_inner()))
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.write().unwrap_or_else(|e| e.into_inner()))
    }
}

/// hotpath's session: its wrappers record only while one is alive. Reports nothing on drop.
pub(crate) struct HotpathSession(#[allow(dead_code)] hotpath::HotpathGuard);

impl HotpathSession {
    /// Starts hotpath with its report switched off.
    ///
    /// Call before any thread is spawned: hotpath's metrics HTTP server is switched off through
    /// its environment variable here.
    pub(crate) fn start() -> HotpathSession {
        // SAFETY: called at the start of `main`, before this process has other threads, so
        // nothing reads the environment concurrently.
        unsafe { std::env::set_var("HOTPATH_METRICS_SERVER_OFF", "1") };
        HotpathSession(
            hotpath::HotpathGuardBuilder::new("lockprof-bench")
                .format(hotpath::Format::None)
                .build(),
        )
    }
}

/// A contender's name and how to make it.
type Maker = (&'static str, fn() -> Contender);

/// Every contender, in table order. A [`lockprof_bench::GlobalTrace`] and a [`HotpathSession`]
/// must be alive.
pub(crate) fn contenders(only: Option<&str>) -> Vec<Contender> {
    let all: [Maker; 12] = [
        ("parking_lot", || {
            Contender::new("parking_lot")
                .mutex::<parking_lot::Mutex<u64>>()
                .rwlock::<parking_lot::RwLock<u64>>()
        }),
        ("parking_lot_0.12", || {
            Contender::new("parking_lot_0.12")
                .mutex::<Pl012<parking_lot_012::Mutex<u64>>>()
                .rwlock::<Pl012<parking_lot_012::RwLock<u64>>>()
        }),
        ("std", || {
            Contender::new("std")
                .mutex::<std::sync::Mutex<u64>>()
                .rwlock::<std::sync::RwLock<u64>>()
        }),
        ("lockprof_off", || {
            Contender::new("lockprof_off")
                .mutex::<LockprofOff<lockprof::Mutex<u64>>>()
                .rwlock::<LockprofOff<lockprof::RwLock<u64>>>()
        }),
        ("lockprof_default", || {
            Contender::new("lockprof_default")
                .mutex::<LockprofDefault<lockprof::Mutex<u64>>>()
                .rwlock::<LockprofDefault<lockprof::RwLock<u64>>>()
        }),
        ("lockprof_no_stacks", || {
            Contender::new("lockprof_no_stacks")
                .mutex::<LockprofNoStacks<lockprof::Mutex<u64>>>()
                .rwlock::<LockprofNoStacks<lockprof::RwLock<u64>>>()
        }),
        ("lockprof_every_hold", || {
            Contender::new("lockprof_every_hold")
                .mutex::<LockprofEveryHold<lockprof::Mutex<u64>>>()
                .rwlock::<LockprofEveryHold<lockprof::RwLock<u64>>>()
        }),
        ("lockprof_sync", || {
            Contender::new("lockprof_sync")
                .mutex::<LockprofSync<lockprof::sync::Mutex<u64>>>()
                .rwlock::<LockprofSync<lockprof::sync::RwLock<u64>>>()
        }),
        ("locktick", || {
            Contender::new("locktick")
                .mutex::<Locktick<locktick::parking_lot::Mutex<u64>>>()
                .rwlock::<Locktick<locktick::parking_lot::RwLock<u64>>>()
        }),
        ("hotpath", || {
            Contender::new("hotpath")
                .mutex::<Hotpath<hotpath::wrap::parking_lot::Mutex<u64>>>()
                .rwlock::<Hotpath<hotpath::wrap::parking_lot::RwLock<u64>>>()
        }),
        ("tracing-mutex", || {
            Contender::new("tracing-mutex")
                .mutex::<TracingMutex<tracing_mutex::parkinglot::tracing::Mutex<u64>>>()
                .rwlock::<TracingMutex<tracing_mutex::parkinglot::tracing::RwLock<u64>>>()
        }),
        ("rust-debugging-locks", || {
            Contender::new("rust-debugging-locks").rwlock::<DebuggingLocks>()
        }),
    ];
    all.into_iter()
        .filter(|(name, _)| only.is_none_or(|only| only.split(',').any(|o| o == *name)))
        .map(|(_, make)| make())
        .collect()
}

/// Whether `contender` is measured in `case` (rust-debugging-locks only uncontended).
pub(crate) fn measured(contender: &Contender, case: lockprof_bench::Case) -> bool {
    contender.supports(case)
        && (contender.name() != "rust-debugging-locks" || case.is_uncontended())
}

/// `parking_lot` 0.12, the version the peers wrap.
#[derive(Debug)]
pub(crate) struct Pl012<L>(L);

impl BenchMutex for Pl012<parking_lot_012::Mutex<u64>> {
    fn create() -> Self {
        Pl012(parking_lot_012::Mutex::new(0))
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock())
    }
}

impl BenchRwLock for Pl012<parking_lot_012::RwLock<u64>> {
    fn create() -> Self {
        Pl012(parking_lot_012::RwLock::new(0))
    }
    #[inline]
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
        f(&self.0.read())
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.write())
    }
}
