//! Contention flamegraphs: folded stacks (thread → spans → native frames → acquire site → lock)
//! weighted by nanoseconds waited, blamed or held, and their SVG rendering by inferno.

use std::collections::BTreeMap;
use std::io::{self, Write};

use inferno::flamegraph;

pub use crate::render::names::NO_STACK_FRAME;
use crate::render::names::lock_title;
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
            View::Wait => {
                "waiting thread → spans → stack where it waited → acquire site → lock; width = ns waited"
            }
            View::Blame => {
                "holding thread → spans → stack where it held → acquire site → lock; width = ns others waited meanwhile"
            }
            View::Hold => {
                "holding thread → spans → stack where it held → acquire site → lock; width = ns held"
            }
        }
    }
}

/// The count name of every flamegraph.
pub const COUNT_NAME: &str = "ns";

/// Which frames a flamegraph shows between the thread and the acquire site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Frames {
    /// Native stack frames only.
    Native,
    /// Names of the entered `tracing` spans only.
    Spans,
    /// Span names, then native frames.
    #[default]
    Both,
}

impl Frames {
    fn spans(self) -> bool {
        self != Frames::Native
    }

    fn native(self) -> bool {
        self != Frames::Spans
    }
}

/// Options of [`write_flamegraph`].
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct FlameOptions {
    /// What to weigh. Defaults to [`View::Wait`].
    pub view: View,
    /// Which frames to show. Defaults to [`Frames::Both`].
    pub frames: Frames,
    /// Title above the graph. Defaults to a title naming the view.
    pub title: Option<String>,
    /// Image width in pixels. Defaults to inferno's (1200).
    pub width: Option<usize>,
    /// The `--lock` filter applied, named in the error when there is nothing to draw. Defaults to
    /// `None`.
    pub lock: Option<String>,
}

/// The folded stacks of `view` with both span and native frames ([`folded_with`]).
pub fn folded(profile: &Profile, view: View) -> Vec<(String, u64)> {
    folded_with(profile, view, Frames::Both)
}

/// The folded stacks of `view` with `frames`: `(frames joined by ';', ns)`, sorted by stack,
/// zero-weight stacks left out. Frames are escaped with [`escape::folded_frame`].
///
/// Frames run root to leaf: thread, span names, native frames (root-most first; lockprof's own
/// and the runtime's are trimmed), acquire site, lock. When the profile has native stacks, time
/// without one goes under [`NO_STACK_FRAME`], so the totals are those of the report.
pub fn folded_with(profile: &Profile, view: View, frames: Frames) -> Vec<(String, u64)> {
    let no_stack = [NO_STACK_FRAME.to_owned()];
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    for lock in &profile.locks {
        let lock_frame = lock_title(profile, lock, &lock.name);
        for s in &lock.stacks {
            let ns = view.weight(&s.cell);
            if ns == 0 {
                continue;
            }
            let spans: &[String] = if frames.spans() { &s.spans } else { &[] };
            let native: &[String] = match (frames.native(), s.frames.is_empty()) {
                (false, _) => &[],
                (true, false) => &s.frames,
                (true, true) if profile.native_stacks => &no_stack,
                (true, true) => &[],
            };
            let mut key = String::new();
            for frame in std::iter::once(&s.thread)
                .chain(spans)
                .chain(native)
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

/// Writes the folded stacks of `view` with both span and native frames, one `frames count` line
/// each.
///
/// # Errors
/// Only errors of `out`.
pub fn write_folded(profile: &Profile, view: View, out: impl Write) -> io::Result<()> {
    write_folded_with(profile, view, Frames::Both, out)
}

/// Writes the folded stacks of `view` with `frames`, one `frames count` line each.
///
/// # Errors
/// Only errors of `out`.
pub fn write_folded_with(
    profile: &Profile,
    view: View,
    frames: Frames,
    mut out: impl Write,
) -> io::Result<()> {
    for (stack, ns) in folded_with(profile, view, frames) {
        writeln!(out, "{stack} {ns}")?;
    }
    Ok(())
}

/// Largest total weight handed to inferno (see [`write_flamegraph`]).
const MAX_TOTAL: u128 = 1 << 53;

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
    let stacks = folded_with(profile, opts.view, opts.frames);
    // inferno adds the counts up in a `usize` (and panics on overflow in debug builds); counts
    // from a damaged or hostile trace can be anything, so scale them down when their total would
    // not fit. Real traces are far below this (2^53 ns is 104 days of waiting).
    let total: u128 = stacks.iter().map(|(_, ns)| u128::from(*ns)).sum();
    let scale = |ns: u64| -> u64 {
        if total <= MAX_TOTAL {
            ns
        } else {
            u64::try_from(u128::from(ns) * MAX_TOTAL / total).unwrap_or(u64::MAX)
        }
    };
    let lines: Vec<String> = stacks
        .into_iter()
        .map(|(stack, ns)| (stack, scale(ns)))
        .filter(|(_, ns)| *ns > 0)
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
