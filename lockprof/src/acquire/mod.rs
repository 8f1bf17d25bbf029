//! What every profiled lock does around its raw lock, whatever the lock type: the fast path's
//! bookkeeping after a successful attempt, the timed contended path, and the release.
//!
//! One file per stage of a hold: [`token`] (what the guard carries), [`fast`] (an acquisition
//! that did not wait), [`contended`](mod@contended) (one that did), [`requeue`] (one that a
//! condition variable's notify began by moving the waiter onto the mutex) and
//! [`release`](mod@release). The raw locks call these and
//! nothing else of the measurement; the per-thread state ([`crate::thread`]), the lock's
//! bookkeeping ([`crate::meta`]) and the recorder are leaves they return to.

mod contended;
mod fast;
mod release;
mod requeue;
mod token;

pub(crate) use contended::{WaiterStack, contended, upgrade_contended, woke_waiter};
pub(crate) use fast::{acquired, recording_cached};
#[cfg(feature = "tokio")]
pub(crate) use fast::{count_acquisition, recording};
pub(crate) use release::{release, release_for_wait, release_shared};
pub(crate) use requeue::{requeued, requeued_wake};
pub use token::HoldToken;
