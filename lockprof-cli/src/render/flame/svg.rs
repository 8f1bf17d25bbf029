//! The SVG flamegraph: the folded stacks of a view, rendered by inferno.

use std::io::Write;

use inferno::flamegraph;

use super::folded::folded_with;
use super::view::{Frames, View};
use crate::{Error, Profile};

/// The count name of every flamegraph.
const COUNT_NAME: &str = "ns";

/// Options of [`write_flamegraph`].
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct FlameOptions {
    /// What to weigh. Defaults to [`View::Wait`].
    pub view: View,
    /// Which frames to show. Defaults to [`Frames::Both`].
    pub frames: Frames,
    /// Title above the graph. Defaults to a title naming the view.
    pub title: Option<String>,
    /// Image width in pixels. Defaults to inferno's (1200).
    pub width: Option<usize>,
    /// The `--lock` filter applied, named in the error when there is nothing to draw. Defaults to
    /// `None`.
    pub lock: Option<String>,
}

/// Largest total weight handed to inferno (see [`fit`]).
const MAX_TOTAL: u128 = 1 << 53;

/// Renders the flamegraph of `opts.view` as SVG (inferno escapes every frame name).
///
/// # Errors
/// [`Error::NothingToDraw`] when the view has no weight; [`Error::Write`] when `out` fails.
pub fn write_flamegraph(
    profile: &Profile,
    opts: &FlameOptions,
    out: impl Write,
    out_name: &str,
) -> Result<(), Error> {
    let stacks = folded_with(profile, opts.view, opts.frames);
    let scale = fit(stacks.iter().map(|(_, ns)| u128::from(*ns)).sum());
    let lines: Vec<String> = stacks
        .into_iter()
        .map(|(stack, ns)| (stack, scale(ns)))
        .filter(|(_, ns)| *ns > 0)
        .map(|(stack, ns)| format!("{stack} {ns}"))
        .collect();
    if lines.is_empty() {
        return Err(Error::NothingToDraw {
            view: opts.view.as_str(),
            lock: opts.lock.clone(),
        });
    }
    let mut o = flamegraph::Options::default();
    o.title = opts
        .title
        .clone()
        .unwrap_or_else(|| opts.view.title().to_owned());
    o.subtitle = Some(opts.view.subtitle().to_owned());
    o.count_name = COUNT_NAME.to_owned();
    o.name_type = "Frame:".to_owned();
    o.image_width = opts.width;
    // Colors from frame names, not a random generator: the same trace gives the same picture.
    o.hash = true;
    o.deterministic = true;
    flamegraph::from_lines(&mut o, lines.iter().map(String::as_str), out).map_err(|e| {
        Error::Write {
            what: out_name.to_owned(),
            source: e,
        }
    })
}

/// A scale for counts that add up to `total`, keeping their sum within what inferno adds up.
///
/// inferno adds the counts up in a `usize` (and panics on overflow in debug builds); counts from
/// a damaged or hostile trace can be anything, so they are scaled down when their total would not
/// fit. Real traces are far below this (2^53 ns is 104 days of waiting).
pub(crate) fn fit(total: u128) -> impl Fn(u64) -> u64 {
    move |ns| {
        if total <= MAX_TOTAL {
            ns
        } else {
            u64::try_from(u128::from(ns) * MAX_TOTAL / total).unwrap_or(u64::MAX)
        }
    }
}
