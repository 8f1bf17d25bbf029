//! Examples and end-to-end tests for the lockprof workspace; this crate has no code of its own.
