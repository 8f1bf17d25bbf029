//! What is worth telling the user about an input that was still read.

use std::fmt;

use super::JsonStats;

/// Something worth telling the user about an input that was still read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A trace file ends inside a record; everything before `offset` was used.
    Truncated {
        /// The input.
        input: String,
        /// Bytes of whole records.
        offset: u64,
    },
    /// A trace file ends without the writer's end marker: the program may have been killed,
    /// and its last events may be missing.
    Unfinished {
        /// The input.
        input: String,
    },
    /// A JSON-lines input had lines that were not lockprof events.
    SkippedLines {
        /// The input.
        input: String,
        /// What was read.
        stats: JsonStats,
    },
}

impl Notice {
    /// Whether this is a warning (the numbers may be incomplete) rather than information.
    pub fn is_warning(&self) -> bool {
        !matches!(self, Notice::SkippedLines { stats, .. } if stats.malformed == 0)
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Truncated { input, offset } => write!(
                f,
                "{input}: the trace is cut off inside a record after byte {offset} (the program \
                 was killed or the copy is incomplete); reporting the records before it"
            ),
            Notice::Unfinished { input } => write!(
                f,
                "{input}: the trace has no end marker (the program did not shut lockprof down \
                 cleanly); the last events may be missing"
            ),
            Notice::SkippedLines { input, stats } => {
                write!(
                    f,
                    "{input}: skipped {} of {} lines that are not lockprof events",
                    stats.skipped, stats.lines
                )?;
                if stats.malformed > 0 {
                    write!(
                        f,
                        " ({} had the lockprof target but unusable fields)",
                        stats.malformed
                    )?;
                }
                Ok(())
            }
        }
    }
}
