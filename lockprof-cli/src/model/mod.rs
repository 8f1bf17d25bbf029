//! The model: the queryable profile every output is rendered from. Per lock (an instance, or a
//! class: the instances of one name merged), exact counts, wait and hold distributions, blame,
//! the same split by acquire site and mode (parts), and the (thread, spans, native stack, site)
//! cells that the holder, waiter and site tables and the flamegraphs are derived from; and, when
//! asked for, the timeline of the waits and holds
//! recorded one by one. It knows nothing of where the numbers came from (reading,
//! aggregation) or how they are shown (render).

mod bucket_counts;
mod caused_waits;
mod cell;
mod class;
mod distribution;
mod lock;
mod part;
mod profile;
mod summary_hist;
mod timeline;

pub use caused_waits::CausedWaits;
pub(crate) use cell::sort_pairs;
pub use cell::{Cell, Pair, StackCell, StackUsage, Usage};
pub use distribution::{Distribution, Stats};
pub(crate) use distribution::{add_histogram, new_histogram, stats_of};
pub use lock::LockProfile;
pub(crate) use part::percent;
pub use part::{MODES, Part, SitePart, mode_name};
pub use profile::{Grouping, Profile, SortKey};
pub(crate) use summary_hist::SummaryHist;
pub use timeline::{NameIdx, TimedEvent, TimedKind, Timeline};
