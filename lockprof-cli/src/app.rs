//! Running a parsed command line: load, select, render.

use std::io::{self, BufWriter, Write};

use crate::cli::{Cli, Command, HistogramFormat, Inputs, ReportFormat};
use crate::flame::{FlameOptions, write_flamegraph, write_folded_with, write_svg_file};
use crate::histogram::{merged, write_hgrm};
use crate::reading::{LoadOptions, Source, load};
use crate::report::{ReportOptions, write_json, write_markdown, write_text};
use crate::{Error, Profile, demo, histogram};

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
            match a.format {
                ReportFormat::Text => write_text(&profile, &ReportOptions::default(), &mut out),
                ReportFormat::Json => write_json(&profile, &mut out),
                ReportFormat::Markdown => {
                    write_markdown(&profile, &ReportOptions::default(), &mut out)
                }
            }
            .and_then(|()| out.flush())
            .map_err(stdout)
        }
        Command::Histogram(a) => {
            let mut profile = load_selected(&a.inputs, io)?;
            profile.sort(crate::SortKey::Wait);
            let mut out = BufWriter::new(&mut *io.out);
            let metric = a.metric.into();
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
            if a.output.as_os_str() == "-" {
                let mut out = BufWriter::new(&mut *io.out);
                write_flamegraph(&profile, &opts, &mut out, "stdout")?;
                out.flush().map_err(stdout)
            } else {
                write_svg_file(&profile, &opts, &a.output)?;
                Ok(())
            }
        }
        Command::Demo(a) => {
            let paths = demo::run(&a.dir, std::time::Duration::from_millis(a.duration_ms))?;
            paths.print(&mut *io.out).map_err(stdout)
        }
    }
}

/// Loads the inputs, reports what was noticed on `io.err`, and applies `--lock`.
fn load_selected<O: Write, E: Write>(
    inputs: &Inputs,
    io: &mut Io<'_, O, E>,
) -> Result<Profile, Error> {
    let sources: Vec<Source> = inputs.traces.iter().map(|a| Source::from_arg(a)).collect();
    let opts = LoadOptions {
        progress: io.progress,
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
    if let Some(name) = &inputs.lock {
        profile.retain_lock(name)?;
    }
    Ok(profile)
}
