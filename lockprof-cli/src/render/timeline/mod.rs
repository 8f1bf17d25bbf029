//! The timeline: the waits and holds recorded one by one, as Chrome trace-event JSON for Perfetto
//! UI and chrome://tracing. `tracks.rs` lays each thread's events out on tracks where they nest
//! (the format's rule), `chrome.rs` is the format's events, and `write.rs` writes them, with the
//! flow arrows from each hold to the waits it caused (the model's
//! [`Timeline::caused_waits`](crate::Timeline::caused_waits)).

mod chrome;
#[cfg(test)]
mod tests;
mod tracks;
mod write;

pub use write::{MAX_FLOWS, MAX_TIME_NS, TimelineOptions, Written, write_timeline};
