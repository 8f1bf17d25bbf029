//! Contention flamegraphs: folded stacks (thread → spans → acquire site → lock) weighted by
//! nanoseconds waited, blamed or held, and their SVG rendering by inferno.

use std::collections::BTreeMap;
use std::io::{self, Write};

use inferno::flamegraph;

use crate::{Cell, Error, Profile, escape};

/// What a flamegraph weighs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum View {
    /// Where threads waited: the waiters' stacks, weighted by nanoseconds waited.
    #[default]
    Wait,
    /// Who made them wait: the holders' stacks, weighted by nanoseconds others waited.
    Blame,
    /// Where locks were held: the holders' stacks, weighted by nanoseconds held.
    Hold,
}

impl View {
    /// The view's name.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Wait => "wait",
            View::Blame => "blame",
            View::Hold => "hold",
        }
    }

    fn weight(self, cell: &Cell) -> u64 {
        match self {
            View::Wait => cell.wait_ns,
            View::Blame => cell.blame_ns,
            View::Hold => cell.hold_ns,
        }
    }

    fn title(self) -> &'static str {
        match self {
            View::Wait => "lockprof: where threads waited for locks",
            View::Blame => "lockprof: who made others wait (blame)",
            View::Hold => "lockprof: where locks were held",
        }
    }

    fn subtitle(self) -> &'static str {
        match self {
            View::Wait => "waiting thread → spans → acquire site → lock; width = ns waited",
            View::Blame => {
                "holding thread → spans → acquire site → lock; width = ns others waited meanwhile"
            }
            View::Hold => "holding thread → spans → acquire site → lock; width = ns held",
        }
    }
}

/// The count name of every flamegraph.
pub const COUNT_NAME: &str = "ns";

/// Options of [`write_flamegraph`].
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct FlameOptions {
    /// What to weigh. Defaults to [`View::Wait`].
    pub view: View,
    /// Title above the graph. Defaults to a title naming the view.
    pub title: Option<String>,
    /// Image width in pixels. Defaults to inferno's (1200).
    pub width: Option<usize>,
    /// The `--lock` filter applied, named in the error when there is nothing to draw. Defaults to
    /// `None`.
    pub lock: Option<String>,
}

/// The folded stacks of `view`: `(frames joined by ';', ns)`, sorted by stack, zero-weight stacks
/// left out. Frames are escaped with [`escape::folded_frame`].
pub fn folded(profile: &Profile, view: View) -> Vec<(String, u64)> {
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    for lock in &profile.locks {
        let lock_frame = if profile.inputs > 1 {
            format!("{} (input {})", lock.name, lock.input + 1)
        } else {
            lock.name.clone()
        };
        for s in &lock.stacks {
            let ns = view.weight(&s.cell);
            if ns == 0 {
                continue;
            }
            let mut key = String::new();
            for frame in std::iter::once(&s.thread)
                .chain(&s.spans)
                .chain([&s.site, &lock_frame])
            {
                if !key.is_empty() {
                    key.push(';');
                }
                key.push_str(&escape::folded_frame(frame));
            }
            let slot = stacks.entry(key).or_default();
            *slot = slot.saturating_add(ns);
        }
    }
    stacks.into_iter().collect()
}

/// Writes the folded stacks of `view`, one `frames count` line each.
///
/// # Errors
/// Only errors of `out`.
pub fn write_folded(profile: &Profile, view: View, mut out: impl Write) -> io::Result<()> {
    for (stack, ns) in folded(profile, view) {
        writeln!(out, "{stack} {ns}")?;
    }
    Ok(())
}

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
    let lines: Vec<String> = folded(profile, opts.view)
        .into_iter()
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
