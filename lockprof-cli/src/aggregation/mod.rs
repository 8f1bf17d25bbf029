//! Aggregation: the readers' stream of waits, holds and summaries in, the [`Profile`] out.
//!
//! A reader hands the [`Aggregator`] one typed event at a time ([`event`]), in the aggregate's
//! ids: names and stacks interned through the aggregator ([`intern`]), locks added to it. The
//! aggregator owns everything an event implies beyond its own numbers: naming threads and locks
//! the input left unnamed, pairing waits with their holders' stacks ([`pairing`]), the native
//! stacks across inputs ([`native_stacks`]), the profile's duration, and, when asked for, the
//! events kept one by one for the timeline ([`timeline`]).
//!
//! [`Profile`]: crate::Profile

mod aggregator;
pub(crate) mod event;
pub(crate) mod intern;
mod lock_accumulator;
mod native_stacks;
mod pairing;
mod part_accumulator;
mod timeline;

pub use aggregator::Aggregator;
