//! What a real trace file holds, counted: the source of bytes per event and of the waits lockprof
//! reports in the distortion test.

use std::fs::File;
use std::io;
use std::path::Path;

use lockprof::trace::{Record, TraceReader};

/// Totals over one trace file (every lock in it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceStats {
    /// File size.
    pub bytes: u64,
    /// Records of any kind.
    pub records: u64,
    /// Individual wait records.
    pub wait_records: u64,
    /// Individual hold records.
    pub hold_records: u64,
    /// Summary records.
    pub summary_records: u64,
    /// Exact acquisitions (from the summaries).
    pub acquisitions: u64,
    /// Exact contended acquisitions (from the summaries; includes those that also have a wait
    /// record).
    pub contended: u64,
    /// Total nanoseconds waited: summaries' short waits plus wait records (weighted).
    pub wait_ns: u64,
    /// Events the writer dropped.
    pub dropped: u64,
    /// Whether the trace ends with its end marker.
    pub complete: bool,
}

impl TraceStats {
    /// Reads the trace at `path` to the end.
    pub fn read(path: &Path) -> io::Result<TraceStats> {
        let bytes = std::fs::metadata(path)?.len();
        let mut reader = TraceReader::new(File::open(path)?).map_err(io::Error::other)?;
        let mut stats = TraceStats {
            bytes,
            ..TraceStats::default()
        };
        for record in reader.by_ref() {
            stats.records += 1;
            match record.map_err(io::Error::other)? {
                Record::Wait(wait) if !wait.timed_out => {
                    stats.wait_records += 1;
                    stats.wait_ns += wait.wait_ns * wait.weight.max(1);
                }
                Record::Hold(_) => stats.hold_records += 1,
                Record::Summary(summary) => {
                    stats.summary_records += 1;
                    stats.acquisitions += summary.acquisitions;
                    stats.contended += summary.contended;
                    stats.wait_ns += summary.wait_ns;
                }
                Record::Dropped { count } => stats.dropped += count,
                _ => {}
            }
        }
        stats.complete = reader.complete();
        Ok(stats)
    }

    /// File bytes per contended acquisition.
    pub fn bytes_per_contention(&self) -> f64 {
        self.bytes as f64 / self.contended.max(1) as f64
    }
}
