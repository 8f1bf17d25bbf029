//! `lockprof diff`: two runs loaded apart, compared, and rendered; the outcome says whether a
//! lock grew past a `--fail-on` threshold.

use std::io::{BufWriter, Write};

use super::load::load_selected;
use super::output::{Io, Outcome, write_output};
use crate::cli::{DiffArgs, Inputs, ReportFormat};
use crate::compare::Comparison;
use crate::diff::{self, DiffOptions, regression_line, write_diff_flamegraph};
use crate::reading::Source;
use crate::{Error, Profile};

/// `lockprof diff`: loads the two runs, compares them, writes the comparison (and the
/// differential flamegraph), and names the locks past a `--fail-on` threshold on stderr.
pub(super) fn run_diff<O: Write, E: Write>(
    a: &DiffArgs,
    io: &mut Io<'_, O, E>,
) -> Result<Outcome, Error> {
    if a.base == "-" && a.new == "-" {
        return Err(Error::StdinTwice);
    }
    let run = |arg: &std::ffi::OsStr, io: &mut Io<'_, O, E>| -> Result<Profile, Error> {
        let inputs = Inputs {
            traces: vec![arg.to_owned()],
            lock: None,
            by_instance: false,
        };
        load_selected(&inputs, io)
    };
    let (mut base, mut new) = (run(&a.base, io)?, run(&a.new, io)?);
    if let Some(name) = &a.lock {
        // Either run may lack the lock (it is new, or gone); not both.
        let (in_base, in_new) = (base.retain_lock(name), new.retain_lock(name));
        if in_base.is_err() && in_new.is_err() {
            let mut known: Vec<String> = base
                .locks
                .iter()
                .chain(&new.locks)
                .map(|l| l.name.clone())
                .collect();
            known.sort_unstable();
            known.dedup();
            return Err(Error::UnknownLock {
                name: name.clone(),
                known,
            });
        }
        if in_base.is_err() {
            base.locks.clear();
        }
        if in_new.is_err() {
            new.locks.clear();
        }
    }
    let cmp = Comparison::new(&base, &new);
    let opts = DiffOptions {
        base: Source::from_arg(&a.base).to_string(),
        new: Source::from_arg(&a.new).to_string(),
        thresholds: a.fail_on.clone(),
    };
    let mut out = BufWriter::new(&mut *io.out);
    match a.format {
        ReportFormat::Text => diff::write_text(&cmp, &opts, &mut out),
        ReportFormat::Json => diff::write_json(&cmp, &opts, &mut out),
        ReportFormat::Markdown => diff::write_markdown(&cmp, &opts, &mut out),
    }
    .and_then(|()| out.flush())
    .map_err(|e| Error::Write {
        what: "stdout".to_owned(),
        source: e,
    })?;
    drop(out);
    if let Some(path) = &a.flamegraph {
        let mut svg = Vec::new();
        match write_diff_flamegraph(&base, &new, a.view.into(), &mut svg, "memory") {
            Ok(()) => write_output(path, io, |out, name| {
                out.write_all(&svg).map_err(|e| Error::Write {
                    what: name.to_owned(),
                    source: e,
                })
            })?,
            // Runs that never waited are no failure of the diff: no file, a note.
            Err(Error::NothingToDraw { view, .. }) => {
                let _ = writeln!(
                    io.err,
                    "lockprof: note: no differential flamegraph: no {view} time in either run"
                );
            }
            Err(e) => return Err(e),
        }
    }
    let regressions = cmp.regressions(&a.fail_on);
    for r in &regressions {
        // Best effort, as every note; the exit code says it too.
        let _ = writeln!(io.err, "lockprof: regression: {}", regression_line(r));
    }
    Ok(if regressions.is_empty() {
        Outcome::Success
    } else {
        Outcome::Regression
    })
}
