//! Every way parking_lot 0.12's users create a lock names it after their own line, not after a
//! line of this crate: the constructors are `#[track_caller]` all the way down, in `const`
//! contexts too. A dependency's locks are then reported by where the dependency creates them.

use parking_lot::{
    Condvar, FairMutex, Mutex, ReentrantMutex, RwLock, const_fair_mutex, const_mutex,
    const_reentrant_mutex, const_rwlock,
};

/// `file:line` of this file at `line`, as lock names read.
fn here(line: u32) -> String {
    format!("{}:{line}", file!())
}

static STATIC_MUTEX: Mutex<u32> = const_mutex(0);
const STATIC_MUTEX_LINE: u32 = line!() - 1;
static STATIC_RWLOCK: RwLock<u32> = const_rwlock(0);
const STATIC_RWLOCK_LINE: u32 = line!() - 1;
static STATIC_NEW: Mutex<Vec<u8>> = Mutex::new(Vec::new());
const STATIC_NEW_LINE: u32 = line!() - 1;

#[test]
fn statics_are_named_after_their_definition() {
    assert_eq!(STATIC_MUTEX.name(), here(STATIC_MUTEX_LINE));
    assert_eq!(STATIC_RWLOCK.name(), here(STATIC_RWLOCK_LINE));
    assert_eq!(STATIC_NEW.name(), here(STATIC_NEW_LINE));
}

#[test]
fn every_constructor_names_the_lock_after_its_caller() {
    let cases: Vec<(String, u32)> = vec![
        (Mutex::new(0).name(), line!()),
        (const_mutex(0).name(), line!()),
        (Mutex::<u32>::default().name(), line!()),
        (Mutex::from(0).name(), line!()),
        (RwLock::new(0).name(), line!()),
        (const_rwlock(0).name(), line!()),
        (RwLock::<u32>::default().name(), line!()),
        (RwLock::from(0).name(), line!()),
        (FairMutex::new(0).name(), line!()),
        (const_fair_mutex(0).name(), line!()),
        (FairMutex::<u32>::default().name(), line!()),
        (ReentrantMutex::new(0).name(), line!()),
        (const_reentrant_mutex(0).name(), line!()),
        (ReentrantMutex::<u32>::default().name(), line!()),
    ];
    for (name, line) in cases {
        assert_eq!(name, here(line));
    }
}

#[test]
fn locks_made_by_a_generic_helper_are_named_after_the_helper() {
    // As in tokio, whose `Mutex::new` wraps `parking_lot::Mutex::new` without `#[track_caller]`:
    // all its mutexes are named after that one line, and told apart by id (`--by-instance`).
    fn make() -> Mutex<u32> {
        Mutex::new(0)
    }
    const MAKE_LINE: u32 = line!() - 2;
    let (a, b) = (make(), make());
    assert_eq!(a.name(), here(MAKE_LINE));
    assert_eq!(b.name(), a.name());
    assert_ne!(a.id(), b.id());
}

#[test]
fn the_types_are_lockprofs() {
    // Not copies: lockprof's own types, so everything lockprof documents for them holds here.
    let _: &lockprof::Mutex<u32> = &Mutex::new(0);
    let _: &lockprof::RwLock<u32> = &RwLock::new(0);
    let _: &lockprof::Condvar = &Condvar::new();
    let _: &lockprof::FairMutex<u32> = &FairMutex::new(0);
    let _: &lockprof::ReentrantMutex<u32> = &ReentrantMutex::new(0);
}
