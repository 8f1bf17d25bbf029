//! `lockprof html`: one self-contained page to attach to a ticket. The report's locks as a
//! sortable table, each lock's wait and hold histograms as pictures (by count and by time), an
//! `RwLock`'s modes, the acquire sites with their distributions, the wait and blame flamegraphs
//! (inferno's interactive SVG), the waiter ← holder pairs, and the trace's facts; the JSON report
//! is embedded for download. Style, scripts and pictures are inline: it opens with no network.
//!
//! `page.rs` writes the page in order, `tables.rs` the overviews, `lock.rs` a lock's section,
//! `bars.rs` the histogram pictures, `flames.rs` the flamegraph frames; `markup.rs` is the table
//! writer whose cells escape what they hold. `page.css` and `page.js` are the style and script.

mod bars;
mod flames;
mod lock;
mod markup;
mod page;
mod tables;

pub use page::{HtmlOptions, write_html};
