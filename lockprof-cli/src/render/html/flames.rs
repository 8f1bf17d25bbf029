//! The flamegraphs in the page: inferno's interactive SVG, as `lockprof flamegraph` draws it,
//! each in an `<iframe srcdoc>` of its own. inferno's script keeps its state in globals and
//! element ids and listens on the whole window, so two graphs inline in one document would drive
//! each other; a frame each keeps them apart and keeps the page one file.

use std::fmt::Write as _;

use crate::flame::{FlameOptions, View, write_flamegraph};
use crate::{Error, Profile, escape};

/// Height of a frame when the SVG does not say its own, px.
const DEFAULT_HEIGHT: u32 = 400;

/// What the frame's document puts before the SVG: the SVG as wide as the frame (inferno's fluid
/// drawing leaves the width to its container), script errors passed to the page's list (the
/// page shows them), and `history.replaceState` made harmless: inferno keeps the zoom in the
/// page's address, which a frame without an address of its own may not set.
const FRAME_HEAD: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
<style>html,body{margin:0}svg{width:100%;display:block}</style>\
<script>(function(){var report=null;try{report=parent.__lockprofError||null}catch(e){}\
window.addEventListener('error',function(e){if(report)report('flamegraph: '+e.message)});\
var replace=history.replaceState;history.replaceState=function(){try{return replace.apply(history,arguments)}catch(e){}}})();\
</script></head><body>";

/// Writes the flamegraph of `view` as a frame, or a note when the view has no time.
///
/// # Errors
/// Only a failure of the flamegraph renderer other than having nothing to draw.
pub(super) fn write_flamegraph_frame(
    out: &mut String,
    profile: &Profile,
    view: View,
    lock: Option<&str>,
) -> Result<(), Error> {
    let opts = FlameOptions {
        view,
        lock: lock.map(str::to_owned),
        ..FlameOptions::default()
    };
    let mut svg = Vec::new();
    match write_flamegraph(profile, &opts, &mut svg, "the HTML page") {
        Ok(()) => {}
        Err(Error::NothingToDraw { .. }) => {
            let _ = write!(
                out,
                "<p class=\"muted\">No {} time was recorded.</p>",
                view.as_str()
            );
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    // inferno writes UTF-8 (names are UTF-8, and it escapes them); a lossy read cannot hurt.
    let svg = String::from_utf8_lossy(&svg);
    // The XML prolog and doctype mean nothing in an HTML document.
    let svg = svg.find("<svg").map_or(&*svg, |at| &svg[at..]);
    let height = svg_height(svg).unwrap_or(DEFAULT_HEIGHT);
    let _ = write!(
        out,
        "<iframe class=\"flame\" title=\"{} flamegraph\" height=\"{}\" srcdoc=\"{}{}</body></html>\"></iframe>",
        view.as_str(),
        height + 2,
        escape::markup_attribute(FRAME_HEAD),
        escape::markup_attribute(svg),
    );
    Ok(())
}

/// The `height` of the SVG's root element.
fn svg_height(svg: &str) -> Option<u32> {
    let tag = &svg[..svg.find('>')?];
    let at = tag.find(" height=\"")? + " height=\"".len();
    let digits = &tag[at..];
    digits[..digits.find('"')?].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn height_of_the_root() {
        assert_eq!(
            svg_height("<svg version=\"1.1\" width=\"1200\" height=\"158\" x=\"1\">"),
            Some(158)
        );
        assert_eq!(svg_height("<svg width=\"1\">"), None);
        assert_eq!(svg_height("<svg height=\"x\">"), None);
        assert_eq!(svg_height("<svg"), None);
    }
}
