//! Loading: the inputs read and merged (reading, then aggregation into the model), what was
//! noticed reported, and the selection every command makes (classes unless `--by-instance`,
//! `--lock`).

use std::io::Write;

use super::output::Io;
use crate::cli::Inputs;
use crate::reading::{LoadOptions, Notice, Source, read_source};
use crate::{Aggregator, Error, Profile};

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
    if opts.group_classes {
        agg = agg.by_class();
    }
    let mut notices = Vec::new();
    for source in sources {
        read_source(&mut agg, source, opts, &mut notices)?;
    }
    Ok(Loaded {
        profile: agg.finish(),
        notices,
    })
}

/// Loads the inputs, reports what was noticed on `io.err`, groups the locks into classes unless
/// `--by-instance`, and applies `--lock`.
pub(super) fn load_selected<O: Write, E: Write>(
    inputs: &Inputs,
    io: &mut Io<'_, O, E>,
) -> Result<Profile, Error> {
    load_selected_with(inputs, io, false).map(|loaded| loaded.profile)
}

/// [`load_selected`], keeping the timeline if `timeline`, and the notices too.
pub(super) fn load_selected_with<O: Write, E: Write>(
    inputs: &Inputs,
    io: &mut Io<'_, O, E>,
    timeline: bool,
) -> Result<Loaded, Error> {
    let sources: Vec<Source> = inputs.traces.iter().map(|a| Source::from_arg(a)).collect();
    let opts = LoadOptions {
        progress: io.progress,
        timeline,
        group_classes: !inputs.by_instance,
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
    let Loaded {
        mut profile,
        notices,
    } = loaded;
    if let Some(name) = &inputs.lock {
        profile.retain_lock(name)?;
    }
    Ok(Loaded { profile, notices })
}
