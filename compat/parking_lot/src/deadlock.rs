//! \[Experimental\] Deadlock detection, as parking_lot 0.12's `deadlock` module (feature
//! `deadlock_detection`).
//!
//! It is parking_lot_core's detector, through parking_lot 0.13. A cycle is found only through
//! locks that tell parking_lot_core what they hold: lockprof's `RwLock` does (parking_lot's raw
//! reader-writer lock is underneath), its `Mutex` does not, so a deadlock that involves a mutex
//! is not reported. Reporting is destructive: the threads reported stay blocked.

pub use parking_lot_013::deadlock::check_deadlock;
