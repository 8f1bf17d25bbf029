//! Running a parsed command line: load the inputs (reading, then aggregation into the model),
//! select, and render. The demo goes through the same steps on the trace it records.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use crate::cli::{Cli, Command, HistogramFormat, Inputs, ReportFormat};
use crate::demo::{self, DemoPaths};
use crate::flame::{FlameOptions, View, write_flamegraph, write_folded_with, write_svg_file};
use crate::histogram::{self, merged, write_hgrm};
use crate::pprof::{PprofOptions, write_pprof};
use crate::reading::{LoadOptions, Notice, Source, read_source};
use crate::report::{self, ReportOptions, write_json, write_markdown};
use crate::timeline::{TimelineOptions, Written, write_timeline};
use crate::{Aggregator, Error, Profile, SortKey};

/// Where a command writes.
#[derive(Debug)]
pub struct Io<'a, O: Write, E: Write> {
    /// Results.
    pub out: &'a mut O,
    /// Warnings and notes, one line each, prefixed `lockprof: `.
    pub err: &'a mut E,
    /// Show progress bars for large inputs (stderr is a terminal).
    pub progress: bool,
}

/// A merged profile and what was noticed while reading it.
#[derive(Debug)]
pub struct Loaded {
    /// The aggregate of every input.
    pub profile: Profile,
    /// Warnings and information about the inputs, in input order.
    pub notices: Vec<Notice>,
}

/// Reads and merges `sources`.
///
/// # Errors
/// The first input that is missing, a directory, empty, in neither format, corrupt, or
/// unreadable.
pub fn load(sources: &[Source], opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut agg = if opts.timeline {
        Aggregator::with_timeline()
    } else {
        Aggregator::new()
    };
    let mut notices = Vec::new();
    for source in sources {
        read_source(&mut agg, source, opts, &mut notices)?;
    }
    Ok(Loaded {
        profile: agg.finish(),
        notices,
    })
}

/// Runs `cli`.
///
/// # Errors
/// Any [`Error`]; a closed `out` is [`Error::Write`] with
/// [`is_broken_pipe`](Error::is_broken_pipe).
pub fn run<O: Write, E: Write>(cli: &Cli, io: &mut Io<'_, O, E>) -> Result<(), Error> {
    let stdout = |e: io::Error| Error::Write {
        what: "stdout".to_owned(),
        source: e,
    };
    match &cli.command {
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
            let profile = load_selected_with(&a.inputs, io, true)?;
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
        Command::Demo(a) => {
            let paths = run_demo(&a.dir, Duration::from_millis(a.duration_ms))?;
            paths.print(&mut *io.out).map_err(stdout)
        }
    }
}

/// Loads the inputs, reports what was noticed on `io.err`, groups the locks into classes unless
/// `--by-instance`, and applies `--lock`.
fn load_selected<O: Write, E: Write>(
    inputs: &Inputs,
    io: &mut Io<'_, O, E>,
) -> Result<Profile, Error> {
    load_selected_with(inputs, io, false)
}

/// [`load_selected`], keeping the timeline if `timeline`.
fn load_selected_with<O: Write, E: Write>(
    inputs: &Inputs,
    io: &mut Io<'_, O, E>,
    timeline: bool,
) -> Result<Profile, Error> {
    let sources: Vec<Source> = inputs.traces.iter().map(|a| Source::from_arg(a)).collect();
    let opts = LoadOptions {
        progress: io.progress,
        timeline,
    };
    let loaded = load(&sources, &opts)?;
    for notice in &loaded.notices {
        let kind = if notice.is_warning() {
            "warning"
        } else {
            "note"
        };
        // Diagnostics are best effort: a closed stderr must not fail the command.
        let _ = writeln!(io.err, "lockprof: {kind}: {notice}");
    }
    let mut profile = loaded.profile;
    if !inputs.by_instance {
        profile.group_classes();
    }
    if let Some(name) = &inputs.lock {
        profile.retain_lock(name)?;
    }
    Ok(profile)
}

/// Writes a command's output to `path`, or to stdout for `-`, through a buffer that is flushed
/// and checked; `write` is given the writer and the name errors call it by.
fn write_output<O: Write, E: Write>(
    path: &Path,
    io: &mut Io<'_, O, E>,
    write: impl FnOnce(&mut dyn Write, &str) -> Result<(), Error>,
) -> Result<(), Error> {
    let (mut out, what): (BufWriter<Box<dyn Write + '_>>, String) = if path.as_os_str() == "-" {
        (BufWriter::new(Box::new(&mut *io.out)), "stdout".to_owned())
    } else {
        let what = path.display().to_string();
        let file = File::create(path).map_err(|e| Error::Write {
            what: what.clone(),
            source: e,
        })?;
        (BufWriter::new(Box::new(file)), what)
    };
    write(&mut out, &what)?;
    out.flush().map_err(|e| Error::Write { what, source: e })
}

/// The report of `profile` in `format`.
fn write_report(profile: &Profile, format: ReportFormat, out: impl Write) -> io::Result<()> {
    let opts = ReportOptions::default();
    match format {
        ReportFormat::Text => report::write_text(profile, &opts, out),
        ReportFormat::Json => write_json(profile, out),
        ReportFormat::Markdown => write_markdown(profile, &opts, out),
    }
}

/// `lockprof demo`: runs the workload for about `duration`, then reads its trace back and writes
/// the text report and the wait and blame flamegraphs next to it, as `report` and `flamegraph`
/// would.
fn run_demo(dir: &Path, duration: Duration) -> Result<DemoPaths, Error> {
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
