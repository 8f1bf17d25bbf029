//! Running a parsed command line: load the inputs (`load.rs`: reading, then aggregation into the
//! model), select, and render (here, one arm per command). `diff` loads two runs and compares
//! them (`diff.rs`); the demo records its workload and goes through the same steps on its trace
//! (`demo.rs`). `output.rs` is where commands write and how they end.

mod demo;
mod diff;
mod load;
mod output;
mod render;

use std::io::{self, BufWriter, Write};
use std::time::Duration;

use crate::cli::{Cli, Command, HistogramFormat};
use crate::flame::{FlameOptions, write_flamegraph, write_folded_with};
use crate::histogram::{self, merged, write_hgrm};
use crate::html::{HtmlOptions, write_html};
use crate::pprof::{PprofOptions, write_pprof};
use crate::timeline::{TimelineOptions, Written, write_timeline};
use crate::{Error, SortKey};

pub use load::{Loaded, load};
use load::{load_selected, load_selected_with};
use output::write_output;
pub use output::{Io, Outcome};
use render::write_report;

/// Runs `cli`.
///
/// # Errors
/// Any [`Error`]; a closed `out` is [`Error::Write`] with
/// [`is_broken_pipe`](Error::is_broken_pipe).
pub fn run<O: Write, E: Write>(cli: &Cli, io: &mut Io<'_, O, E>) -> Result<Outcome, Error> {
    let stdout = |e: io::Error| Error::Write {
        what: "stdout".to_owned(),
        source: e,
    };
    let done = match &cli.command {
        Command::Report(a) => {
            let mut profile = load_selected(&a.inputs, io)?;
            profile.sort(a.sort.into());
            if let Some(n) = a.top {
                profile.truncate(n);
            }
            let mut out = BufWriter::new(&mut *io.out);
            write_report(&profile, a.format, &mut out)
                .and_then(|()| out.flush())
                .map_err(stdout)
        }
        Command::Histogram(a) => {
            let mut profile = load_selected(&a.inputs, io)?;
            profile.sort(SortKey::Wait);
            let metric = a.metric.into();
            let mut out = BufWriter::new(&mut *io.out);
            match a.format {
                HistogramFormat::Text => histogram::write_text(&profile, metric, &mut out),
                HistogramFormat::Hgrm => write_hgrm(&merged(&profile, metric), &mut out),
            }
            .and_then(|()| out.flush())
            .map_err(stdout)
        }
        Command::Folded(a) => {
            let profile = load_selected(&a.inputs, io)?;
            let mut out = BufWriter::new(&mut *io.out);
            write_folded_with(&profile, a.view.into(), a.frames.into(), &mut out)
                .and_then(|()| out.flush())
                .map_err(stdout)
        }
        Command::Flamegraph(a) => {
            let profile = load_selected(&a.inputs, io)?;
            let opts = FlameOptions {
                view: a.view.into(),
                frames: a.frames.into(),
                title: a.title.clone(),
                width: a.width,
                lock: a.inputs.lock.clone(),
            };
            write_output(&a.output, io, |out, name| {
                write_flamegraph(&profile, &opts, out, name)
            })
        }
        Command::Pprof(a) => {
            let profile = load_selected(&a.inputs, io)?;
            let opts = PprofOptions {
                view: a.view.into(),
                lock: a.inputs.lock.clone(),
            };
            write_output(&a.output, io, |out, name| {
                write_pprof(&profile, &opts, out, name)
            })
        }
        Command::Timeline(a) => {
            let profile = load_selected_with(&a.inputs, io, true)?.profile;
            let opts = TimelineOptions {
                lock: a.inputs.lock.clone(),
            };
            let mut written = Written::default();
            write_output(&a.output, io, |out, name| {
                written = write_timeline(&profile, &opts, out, name)?;
                Ok(())
            })?;
            let left_out = [
                (
                    profile.timeline.left_out,
                    "wait and hold events (past its cap, or without a start time)",
                ),
                (
                    written.slices_left_out,
                    "events ending past 2^53 ns, beyond the format's precision",
                ),
                (written.flows_left_out, "flow arrows (past their cap)"),
            ];
            for (n, what) in left_out.into_iter().filter(|(n, _)| *n > 0) {
                // Best effort, as every note.
                let _ = writeln!(io.err, "lockprof: note: the timeline leaves out {n} {what}");
            }
            Ok(())
        }
        Command::Html(a) => {
            let Loaded { profile, notices } = load_selected_with(&a.inputs, io, false)?;
            let opts = HtmlOptions {
                title: a.title.clone(),
                lock: a.inputs.lock.clone(),
            };
            write_output(&a.output, io, |out, name| {
                write_html(&profile, &notices, &opts, out, name)
            })
        }
        Command::Demo(a) => {
            let paths = demo::run_demo(&a.dir, Duration::from_millis(a.duration_ms))?;
            paths.print(&mut *io.out).map_err(stdout)
        }
        // The one command with an outcome besides success.
        Command::Diff(a) => return diff::run_diff(a, io),
    };
    done.map(|()| Outcome::Success)
}
