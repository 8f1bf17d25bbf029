//! Aggregation: the stream of waits, holds and summaries in, the profile out.

pub(crate) mod aggregator;
pub(crate) mod distribution_builder;
pub(crate) mod intern;
pub(crate) mod pairing;
