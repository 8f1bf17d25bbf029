//! `lockprof demo`: the workload recorded, then read back and rendered as the commands would.

use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

use super::load::load;
use super::output::write_file;
use super::render::write_report;
use crate::cli::ReportFormat;
use crate::demo::{self, DemoPaths};
use crate::flame::{FlameOptions, View, write_flamegraph};
use crate::html::{HtmlOptions, write_html};
use crate::pprof::{PprofOptions, PprofView, write_pprof};
use crate::reading::{LoadOptions, Source};
use crate::{Error, SortKey};

/// `lockprof demo`: runs the workload for about `duration`, then reads its trace back and writes
/// the text report, the wait and blame flamegraphs, the HTML page and the wait and blame pprof
/// profiles next to it, as `report`, `flamegraph`, `html` and `pprof` would.
pub(super) fn run_demo(dir: &Path, duration: Duration) -> Result<DemoPaths, Error> {
    let write_err = |what: &Path| {
        let what = what.display().to_string();
        move |e: io::Error| Error::Write { what, source: e }
    };
    fs::create_dir_all(dir).map_err(write_err(dir))?;
    let paths = DemoPaths::in_dir(dir);
    demo::record(&paths.trace, duration).map_err(write_err(&paths.trace))?;

    let opts = LoadOptions {
        group_classes: true,
        ..LoadOptions::default()
    };
    let loaded = load(&[Source::File(paths.trace.clone())], &opts)?;
    let (mut profile, notices) = (loaded.profile, loaded.notices);
    profile.sort(SortKey::Wait);
    let mut report = Vec::new();
    write_report(&profile, ReportFormat::Text, &mut report)
        .and_then(|()| fs::write(&paths.report, &report))
        .map_err(write_err(&paths.report))?;
    for (view, path) in [
        (View::Wait, &paths.wait_svg),
        (View::Blame, &paths.blame_svg),
    ] {
        let opts = FlameOptions {
            view,
            ..FlameOptions::default()
        };
        write_file(path, |out, name| {
            write_flamegraph(&profile, &opts, out, name)
        })?;
    }
    write_file(&paths.html, |out, name| {
        write_html(&profile, &notices, &HtmlOptions::default(), out, name)
    })?;
    for (view, path) in [
        (PprofView::Wait, &paths.wait_pprof),
        (PprofView::Blame, &paths.blame_pprof),
    ] {
        let opts = PprofOptions {
            view,
            ..PprofOptions::default()
        };
        write_file(path, |out, name| write_pprof(&profile, &opts, out, name))?;
    }
    Ok(paths)
}
