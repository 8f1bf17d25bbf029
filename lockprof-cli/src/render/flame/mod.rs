//! Contention flamegraphs: folded stacks (thread → spans → native frames → acquire site → lock)
//! weighted by nanoseconds waited, blamed or held, as text ([`write_folded`]) or as SVG
//! ([`write_flamegraph`]).

mod folded;
mod svg;
mod view;

pub use folded::{NO_STACK_FRAME, folded_with, write_folded, write_folded_with};
pub(crate) use svg::fit;
pub use svg::{FlameOptions, write_flamegraph};
pub use view::{Frames, View};
