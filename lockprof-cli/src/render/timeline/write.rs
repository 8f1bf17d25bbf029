//! Writing the timeline: metadata naming each process (input) and track, then each track's
//! slices and flow ends in order of time.

use std::io::{self, Write};

use super::chrome::{Args, Event, Name, TrackName};
use super::tracks::Tracks;
use crate::render::names::LockTitle;
use crate::{Error, Profile, TimedEvent, TimedKind, Timeline};

/// Latest end of an event written: 2^53 ns (104 days after the process's lockprof epoch), the
/// last time the format's microseconds, read as a double, hold to the nanosecond. Events past it
/// (corrupt or hostile input) could lose their nesting to rounding; they are left out and
/// counted in [`Written::slices_left_out`].
pub const MAX_TIME_NS: u64 = 1 << 53;

/// Most flow arrows written (two events, some 150 bytes); the rest are counted in
/// [`Written::flows_left_out`].
pub const MAX_FLOWS: usize = 1 << 20;

/// Options of [`write_timeline`].
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct TimelineOptions {
    /// The `--lock` filter applied, named in the error when there is nothing to draw. Defaults
    /// to `None`.
    pub lock: Option<String>,
}

/// What [`write_timeline`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Wait and hold slices.
    pub slices: usize,
    /// Flow arrows, each from a hold to a wait it caused.
    pub flows: usize,
    /// Arrows past [`MAX_FLOWS`], not written.
    pub flows_left_out: u64,
    /// Events ending past [`MAX_TIME_NS`], not written.
    pub slices_left_out: u64,
}

/// What a track's events are: a slice, or one end of a flow arrow.
#[derive(Clone, Copy, Debug)]
enum Item {
    Slice(usize),
    FlowStart(u64),
    FlowEnd(u64),
}

/// Writes `profile`'s [`timeline`](Profile::timeline) as Chrome trace-event JSON: per input a
/// process, per thread a track (more than one when its events overlap without nesting), a
/// complete event per wait (`cat` `wait`) and per hold that made others wait (`cat` `hold`),
/// and a flow arrow from each such hold to each wait it caused (`cat` `blame`).
///
/// # Errors
/// [`Error::EmptyTimeline`] when there is no event; [`Error::Write`] when `out` fails.
pub fn write_timeline(
    profile: &Profile,
    opts: &TimelineOptions,
    out: impl Write,
    out_name: &str,
) -> Result<Written, Error> {
    let late = |e: &TimedEvent| e.at_ns.saturating_add(e.dur_ns) > MAX_TIME_NS;
    let exact;
    let timeline = if profile.timeline.events.iter().any(late) {
        let mut t = profile.timeline.clone();
        t.events.retain(|e| !late(e));
        exact = t;
        &exact
    } else {
        &profile.timeline
    };
    if timeline.events.is_empty() {
        return Err(Error::EmptyTimeline {
            lock: opts.lock.clone(),
        });
    }
    let mut written = write(profile, timeline, out).map_err(|e| Error::Write {
        what: out_name.to_owned(),
        source: e,
    })?;
    written.slices_left_out = (profile.timeline.events.len() - timeline.events.len()) as u64;
    Ok(written)
}

fn write(profile: &Profile, timeline: &Timeline, mut out: impl Write) -> io::Result<Written> {
    let events = &timeline.events;
    let tracks = Tracks::of(timeline);
    let caused = timeline.caused_waits(MAX_FLOWS);
    // Per track: (time, tie order, item). Slices come in their track's order already; a flow's
    // ends are strictly inside their slices, so sorting by time keeps every end after the start
    // of the slice it binds to.
    let mut items: Vec<Vec<(u64, usize, Item)>> = tracks
        .tracks
        .iter()
        .map(|t| {
            let slices = t.events.iter().enumerate();
            slices
                .map(|(n, &i)| (events[i].at_ns, n, Item::Slice(i)))
                .collect()
        })
        .collect();
    for (id, &(hold, wait)) in caused.pairs.iter().enumerate() {
        let id = id as u64 + 1;
        // Both ends where the hold began to make this wait wait.
        let when = events[hold].at_ns.max(events[wait].at_ns);
        for (i, item) in [(hold, Item::FlowStart(id)), (wait, Item::FlowEnd(id))] {
            let track = tracks.place[i].0;
            items[track].push((tracks.inside(events, i, when), usize::MAX, item));
        }
    }
    out.write_all(b"{\"traceEvents\":[\n")?;
    let mut first = true;
    let mut emit = |out: &mut dyn Write, e: &Event<'_>| -> io::Result<()> {
        if !std::mem::take(&mut first) {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *out, e).map_err(io::Error::from)
    };
    for input in 0..profile.inputs.max(1) {
        let name = if profile.inputs > 1 {
            format!("lockprof (input {})", input + 1)
        } else {
            "lockprof".to_owned()
        };
        let name = TrackName {
            name: &name,
            lane: 0,
        };
        let sort_index = Args::SortIndex { sort_index: input };
        emit(
            &mut out,
            &Event::metadata("process_name", input + 1, 0, Args::Name { name }),
        )?;
        emit(
            &mut out,
            &Event::metadata("process_sort_index", input + 1, 0, sort_index),
        )?;
    }
    for (t, track) in tracks.tracks.iter().enumerate() {
        let (pid, tid) = (track.input + 1, t + 1);
        let name = TrackName {
            name: timeline.name(track.thread),
            lane: track.lane,
        };
        let sort_index = Args::SortIndex { sort_index: t };
        emit(
            &mut out,
            &Event::metadata("thread_name", pid, tid, Args::Name { name }),
        )?;
        emit(
            &mut out,
            &Event::metadata("thread_sort_index", pid, tid, sort_index),
        )?;
    }
    for (t, (track, mut items)) in tracks.tracks.iter().zip(items).enumerate() {
        let (pid, tid) = (track.input + 1, t + 1);
        items.sort_by_key(|&(ts, order, _)| (ts, order));
        for (ts, _, item) in items {
            let event = match item {
                Item::Slice(i) => slice(profile, timeline, &events[i], pid, tid),
                Item::FlowStart(id) => Event::flow(false, id, ts, pid, tid),
                Item::FlowEnd(id) => Event::flow(true, id, ts, pid, tid),
            };
            emit(&mut out, &event)?;
        }
    }
    let written = Written {
        slices: events.len(),
        flows: caused.pairs.len(),
        flows_left_out: caused.left_out,
        slices_left_out: 0,
    };
    write!(
        out,
        "\n],\"otherData\":{{\"generator\":\"lockprof\",\"events_left_out\":{},\"flows_left_out\":{}}}}}\n",
        profile.timeline.left_out + (profile.timeline.events.len() - events.len()) as u64,
        written.flows_left_out
    )?;
    out.flush()?;
    Ok(written)
}

/// The complete event of one wait or hold, on track `pid`/`tid`.
fn slice<'a>(
    profile: &Profile,
    timeline: &'a Timeline,
    e: &'a TimedEvent,
    pid: usize,
    tid: usize,
) -> Event<'a> {
    let lock = LockTitle::new(profile, timeline.name(e.lock), e.lock_id, e.input);
    let site = timeline.name(e.site);
    let thread = timeline.name(e.thread);
    let (verb, args) = match e.kind {
        TimedKind::Wait { holder, timed_out } => (
            "wait",
            Args::Wait {
                lock,
                site,
                thread,
                wait_ns: e.dur_ns,
                holder: holder.map(|h| timeline.name(h)),
                timed_out,
            },
        ),
        TimedKind::Hold {
            blame_ns,
            waiters,
            exact,
            weight,
        } => (
            "hold",
            Args::Hold {
                lock,
                site,
                thread,
                hold_ns: e.dur_ns,
                blame_ns,
                waiters,
                hold_exact: exact,
                weight,
            },
        ),
    };
    Event {
        name: Name::Slice { verb, lock, site },
        cat: Some(verb),
        ph: "X",
        ts: Some(e.at_ns),
        dur: Some(e.dur_ns),
        pid,
        tid,
        id: None,
        bp: None,
        args: Some(args),
    }
}
