//! The rules of Chrome's trace-event format that lockprof's timelines must follow, checked on
//! parsed JSON: what Perfetto UI and chrome://tracing need to draw it as meant.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

/// Microseconds as the viewers read them, in nanoseconds.
fn ns_of(us: &Value) -> u64 {
    (us.as_f64().unwrap() * 1000.0).round() as u64
}

/// A slice as the checks need it.
#[derive(Clone, Debug)]
pub struct Slice {
    pub start: u64,
    pub end: u64,
    pub cat: String,
    pub args: Value,
}

/// A flow: its start's track and slice (an index in that track's slices), its end's.
pub type Flow = (Track, usize, Track, usize);

/// A track: `(pid, tid)`.
pub type Track = (u64, u64);

/// The slices of each track, in the order written.
pub type Slices = BTreeMap<Track, Vec<Slice>>;

/// Checks the format's rules and returns the slices per track `(pid, tid)`, and per flow id its
/// (start track, start slice, end track, end slice), slices as indices in their track.
pub fn check_format(json: &Value) -> (Slices, BTreeMap<u64, Flow>) {
    let events = json["traceEvents"].as_array().expect("a traceEvents array");
    let mut names: HashMap<(u64, u64), String> = HashMap::new();
    let mut slices: Slices = BTreeMap::new();
    let mut last_ts: HashMap<(u64, u64), u64> = HashMap::new();
    // Per flow id: (phase, track, time) of each of its events.
    let mut flow_ends: BTreeMap<u64, Vec<(String, Track, u64)>> = BTreeMap::new();
    for e in events {
        let track = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        let ph = e["ph"].as_str().unwrap();
        assert!(e["name"].is_string(), "{e}");
        if ph == "M" {
            if e["name"] == "thread_name" {
                names.insert(track, e["args"]["name"].as_str().unwrap().to_owned());
            }
            continue;
        }
        let ts = ns_of(&e["ts"]);
        let last = last_ts.entry(track).or_default();
        assert!(ts >= *last, "time runs backwards on {track:?} at {e}");
        *last = ts;
        match ph {
            "X" => {
                let cat = e["cat"].as_str().unwrap().to_owned();
                assert!(cat == "wait" || cat == "hold", "{e}");
                let end = ts.checked_add(ns_of(&e["dur"])).expect("ends within u64");
                slices.entry(track).or_default().push(Slice {
                    start: ts,
                    end,
                    cat,
                    args: e["args"].clone(),
                });
            }
            "s" | "f" => {
                assert_eq!(
                    (e["cat"].as_str(), e["name"].as_str()),
                    (Some("blame"), Some("blame"))
                );
                if ph == "f" {
                    assert_eq!(e["bp"], "e", "an end binds to its enclosing slice: {e}");
                }
                let id = e["id"].as_u64().unwrap();
                flow_ends
                    .entry(id)
                    .or_default()
                    .push((ph.to_owned(), track, ts));
            }
            _ => panic!("unexpected phase: {e}"),
        }
    }
    for (track, list) in &slices {
        assert!(names.contains_key(track), "{track:?} has no thread_name");
        // Nesting: every slice is inside the one it starts in, or after it.
        let mut open: Vec<u64> = Vec::new();
        for s in list {
            while open.last().is_some_and(|&end| end <= s.start) {
                open.pop();
            }
            if let Some(&end) = open.last() {
                assert!(
                    s.end <= end,
                    "{track:?}: {s:?} overlaps a slice ending at {end}"
                );
            }
            open.push(s.end);
        }
    }
    // The innermost slice of `track` holding `ts` strictly inside.
    let innermost = |track: &(u64, u64), ts: u64| -> usize {
        let list = &slices[track];
        let inside: Vec<usize> = (0..list.len())
            .filter(|&i| list[i].start < ts && ts < list[i].end)
            .collect();
        *inside
            .iter()
            .min_by_key(|&&i| list[i].end - list[i].start)
            .unwrap_or_else(|| panic!("no slice on {track:?} around {ts}"))
    };
    let mut flows = BTreeMap::new();
    for (id, ends) in flow_ends {
        let end = |ph: &str| {
            let found: Vec<_> = ends.iter().filter(|(p, _, _)| p == ph).collect();
            assert_eq!(found.len(), 1, "flow {id}: {} `{ph}` events", found.len());
            (found[0].1, found[0].2)
        };
        assert_eq!(ends.len(), 2, "flow {id}: one start and one end");
        let ((from, from_ts), (to, to_ts)) = (end("s"), end("f"));
        let (from, to) = (&from, &to);
        let hold = innermost(from, from_ts);
        let wait = innermost(to, to_ts);
        assert_eq!(slices[from][hold].cat, "hold", "flow {id} starts on a hold");
        assert_eq!(slices[to][wait].cat, "wait", "flow {id} ends on a wait");
        flows.insert(id, (*from, hold, *to, wait));
    }
    (slices, flows)
}
