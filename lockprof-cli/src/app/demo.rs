//! `lockprof demo`: the workload recorded, then read back and rendered as the commands would.

use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

use super::load::load;
use super::render::write_report;
use crate::cli::ReportFormat;
use crate::demo::{self, DemoPaths};
use crate::flame::{FlameOptions, View, write_svg_file};
use crate::reading::{LoadOptions, Source};
use crate::{Error, SortKey};

/// `lockprof demo`: runs the workload for about `duration`, then reads its trace back and writes
/// the text report and the wait and blame flamegraphs next to it, as `report` and `flamegraph`
/// would.
pub(super) fn run_demo(dir: &Path, duration: Duration) -> Result<DemoPaths, Error> {
    let write_err = |what: &Path| {
        let what = what.display().to_string();
        move |e: io::Error| Error::Write { what, source: e }
    };
    fs::create_dir_all(dir).map_err(write_err(dir))?;
    let paths = DemoPaths::in_dir(dir);
    demo::record(&paths.trace, duration).map_err(write_err(&paths.trace))?;

    let loaded = load(
        &[Source::File(paths.trace.clone())],
        &LoadOptions::default(),
    )?;
    let mut profile = loaded.profile;
    profile.group_classes();
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
        write_svg_file(&profile, &opts, path)?;
    }
    Ok(paths)
}
