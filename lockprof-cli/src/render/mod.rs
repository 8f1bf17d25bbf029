//! Rendering: every output is a view of the profile.

pub(crate) mod buckets;
pub mod flame;
pub mod histogram;
pub mod humanize;
mod names;
pub mod report;
