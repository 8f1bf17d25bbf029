//! Nothing to use: this package is the tree its test needs (tests/recording_path.rs), one where
//! tracing-subscriber's `parking_lot` feature is on and parking_lot 0.12 is lockprof's compat
//! crate, so that the subscriber lockprof's events go through takes profiled locks.
