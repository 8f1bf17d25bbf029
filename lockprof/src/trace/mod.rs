//! lockprof's trace file: records, writer and reader. docs/FORMAT.md documents the bytes.

mod buckets;
mod decode;
mod error;
mod format;
mod header;
pub(crate) mod hist;
mod reader;
mod record;
mod stack_record;
mod varint;
mod writer;

pub use buckets::{HistogramBuckets, HistogramForm};
pub use error::ReadError;
pub use format::{FORMAT_VERSION, MAGIC, MAX_RECORD_LEN, StrId, is_trace};
pub use reader::TraceReader;
pub use record::{Header, Hold, Record, RecordRef, Summary, Wait};
pub use stack_record::{Frame, Ids, MAX_STACK_LEN, Spans, SpansRef, Stack, StackRef};
pub use writer::TraceWriter;
