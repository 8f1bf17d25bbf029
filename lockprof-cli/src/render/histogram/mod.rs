//! `lockprof histogram`: the distribution of waits, holds or blame, as an ASCII histogram per
//! lock ([`write_text`]) or as HdrHistogram's percentile-distribution text ([`write_hgrm`],
//! `.hgrm`, which its plotter reads).

mod hgrm;
mod metric;
mod text;

pub use hgrm::write_hgrm;
pub use metric::{Metric, merged};
pub use text::write_text;
