//! Rendering: every output is a view of the [`Profile`](crate::Profile), which a renderer never
//! changes and never goes around (no re-reading, no re-aggregating). Each family is a module
//! (`report`, `histogram`, `flame`, `pprof`, `timeline`, `html`) and each format one file in it,
//! so a new view is one new file plus its line in the command line (`cli`) and in `app`. The
//! stack-shaped outputs (flamegraphs, folded stacks, pprof) share one builder of their stacks,
//! `stack_path`; the HTML page is made of the other views (the flamegraph, the JSON report) and
//! its own pictures.

mod buckets;
pub mod diff;
pub mod flame;
pub mod histogram;
pub mod html;
pub mod humanize;
mod names;
pub mod pprof;
pub mod report;
mod stack_path;
mod table;
pub mod timeline;
