//! The differential flamegraph of two runs: the new run's stacks, each frame colored by how its
//! time changed from the base run (red: grew, blue: shrank), as inferno draws the output of its
//! `differential` step (Brendan Gregg's difffolded). The stacks are the flamegraphs' own, so a
//! frame of one run meets the same frame of the other.

use std::io::Write;

use inferno::{differential, flamegraph};

use crate::flame::{Frames, View, fit, folded_with};
use crate::{Error, Profile};

/// Writes the differential flamegraph of `view` from `base` to `new` as SVG.
///
/// # Errors
/// [`Error::NothingToDraw`] when neither run has time in the view; [`Error::Write`] when `out`
/// fails.
pub fn write_diff_flamegraph(
    base: &Profile,
    new: &Profile,
    view: View,
    out: impl Write,
    out_name: &str,
) -> Result<(), Error> {
    let write_err = |e| Error::Write {
        what: out_name.to_owned(),
        source: e,
    };
    let (before, after) = (
        folded_with(base, view, Frames::Both),
        folded_with(new, view, Frames::Both),
    );
    let total = |s: &[(String, u64)]| s.iter().map(|(_, ns)| u128::from(*ns)).sum::<u128>();
    // One scale for both runs, so that their widths compare.
    let scale = fit(total(&before).max(total(&after)));
    let folded = |stacks: Vec<(String, u64)>| -> Vec<u8> {
        let mut text = Vec::new();
        for (stack, ns) in stacks {
            let ns = scale(ns);
            if ns > 0 {
                text.extend_from_slice(format!("{stack} {ns}\n").as_bytes());
            }
        }
        text
    };
    let (before, after) = (folded(before), folded(after));
    if before.is_empty() && after.is_empty() {
        return Err(Error::NothingToDraw {
            view: view.as_str(),
            lock: None,
        });
    }
    let mut diff = Vec::new();
    differential::from_readers(
        differential::Options::default(),
        before.as_slice(),
        after.as_slice(),
        &mut diff,
    )
    .map_err(write_err)?;
    let diff = String::from_utf8_lossy(&diff);
    let mut o = flamegraph::Options::default();
    o.title = format!("lockprof diff: {}, base → new", view.as_str());
    o.subtitle =
        Some("widths: the new run's ns; red: grew since the base run, blue: shrank".to_owned());
    o.count_name = "ns".to_owned();
    o.name_type = "Frame:".to_owned();
    o.hash = true;
    o.deterministic = true;
    flamegraph::from_lines(&mut o, diff.lines(), out).map_err(write_err)
}
