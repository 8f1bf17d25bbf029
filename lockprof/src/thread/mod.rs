//! Per-thread state of the fast path: the thread's lockprof id, the hold-sampling countdown and a
//! small direct-mapped table of exact acquisition counters keyed by (lock, site).
//!
//! Everything here is in a `const`-initialised thread-local without a destructor, so an access is
//! a plain load from the thread's TLS block: no lazy-init branch, no registration. The counters
//! are atomics only so that a flush on another thread can read them ([`Counters`]); the owner
//! alone writes them, with a plain load and store, which cost what a `Cell` does.
//! The rest of the per-thread state (histograms, pending events) is in [`crate::recorder`].

mod busy;
mod counting;
mod names;
mod notes;
mod random;
mod site_key;
mod state;

pub(crate) use busy::{is_busy, is_quiet, set_quiet_until, while_busy};
pub(crate) use counting::{
    Counters, NewThread, Sampled, assign_slot, count_fast, ensure_registered, id_if_registered,
    on_acquire,
};
pub(crate) use names::{name_of, unregister};
pub(crate) use notes::{
    add_passed_over, defer_wait, note_hold_start, note_wait, registered_late, take_deferred_start,
    take_hold_start, take_late_registration, take_passed_over, take_waits,
};
pub(crate) use random::{random, storm_sample_due};
pub(crate) use site_key::SiteKey;
pub(crate) use state::{HoldStart, SLOTS, Wait};
