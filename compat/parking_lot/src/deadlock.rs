//! \[Experimental\] Deadlock detection, as parking_lot 0.12's `deadlock` module (feature
//! `deadlock_detection`).
//!
//! It is parking_lot_core's detector, through parking_lot 0.13. lockprof's locks tell it what each
//! thread holds, where parking_lot's own locks do (lockprof's `deadlock_detection` feature, which
//! this crate's turns on), so a cycle through any of them is reported: `Mutex`, `FairMutex`,
//! `ReentrantMutex`, `RwLock`, and the mutex a `Condvar` waits with. Reporting is destructive: the
//! threads reported stay blocked.

pub use parking_lot_013::deadlock::check_deadlock;
