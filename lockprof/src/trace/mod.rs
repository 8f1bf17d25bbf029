//! The native trace file: records, writer and reader. docs/FORMAT.md documents the bytes.

mod record;

pub use record::{Header, Hold, Record, StrId, Summary, Wait};
