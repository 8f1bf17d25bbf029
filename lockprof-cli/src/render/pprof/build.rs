//! A profile's stacks as a pprof profile shaped like Go's block and mutex profiles, so that
//! `go tool pprof`, Pyroscope and the rest read it as they read Go's: sample types
//! `contentions/count` and `delay/nanoseconds`, period type `contentions/count` with period 1
//! (every contention recorded, none sampled), and frames already symbolized (a `Function` and a
//! `Location` per frame, in one mapping that says it has functions, file names and line
//! numbers), so no binary is needed to read it.

use std::collections::HashMap;

use super::proto::{self, Mapping, Sample, ValueType};
use super::tables::Tables;
use super::view::PprofView;
use crate::flame::Frames;
use crate::render::stack_path::{FrameKind, PathFrame, for_each_path};
use crate::{Profile, escape};

/// The name of the profile's one mapping, which pprof shows as the profile's `File:` (without
/// a mapping it says "Main binary filename not available").
const MAPPING_NAME: &str = "lockprof";

/// The pprof profile of `view`: one sample per distinct stack, the flamegraph's stacks (every
/// frame: thread, spans, native frames, site, lock), leaf first as the format wants. `None` when
/// the view has no weight.
pub(super) fn build(profile: &Profile, view: PprofView) -> Option<proto::Profile> {
    let mut tables = Tables::default();
    let mut samples: Vec<Sample> = Vec::new();
    let mut sample_of: HashMap<Vec<u64>, usize> = HashMap::new();
    for_each_path(profile, Frames::Both, |path, cell| {
        let (count, ns) = view.values(cell);
        if count == 0 && ns == 0 {
            return;
        }
        let stack: Vec<u64> = path
            .iter()
            .rev()
            .map(|frame| location(&mut tables, frame))
            .collect();
        // Frames escaped alike (a name with `\n`, one with a visible `\n`) can make two cells one
        // stack: one sample, as pprof would merge them anyway.
        let i = *sample_of.entry(stack.clone()).or_insert_with(|| {
            samples.push(Sample {
                location_id: stack,
                value: vec![0, 0],
                label: Vec::new(),
            });
            samples.len() - 1
        });
        for (sum, add) in samples[i].value.iter_mut().zip([count, ns]) {
            *sum = sum.saturating_add(i64::try_from(add).unwrap_or(i64::MAX));
        }
    });
    if samples.is_empty() {
        return None;
    }
    let mut value_type = |r#type: &str, unit: &str| ValueType {
        r#type: tables.string(r#type),
        unit: tables.string(unit),
    };
    let contentions = value_type("contentions", "count");
    let delay = value_type("delay", "nanoseconds");
    let comment = tables.string(view.comment());
    let mapping = Mapping {
        id: 1,
        filename: tables.string(MAPPING_NAME),
        has_functions: true,
        has_filenames: true,
        has_line_numbers: true,
        ..Mapping::default()
    };
    let (string_table, function, mut location) = tables.finish();
    for l in &mut location {
        l.mapping_id = mapping.id;
    }
    Some(proto::Profile {
        sample_type: vec![contentions, delay],
        sample: samples,
        mapping: vec![mapping],
        location,
        function,
        string_table,
        duration_nanos: i64::try_from(profile.duration_ns).unwrap_or(i64::MAX),
        period_type: Some(contentions),
        period: 1,
        comment: vec![comment],
        ..proto::Profile::default()
    })
}

/// The location of one frame. A site (`file:line`) is a function in that file, at that line, so
/// pprof's source views and `-lines` can place it; other frames have only a name.
fn location(tables: &mut Tables, frame: &PathFrame<'_>) -> u64 {
    let name = escape::frame_name(frame.name);
    match frame.kind {
        FrameKind::Site => {
            let (file, line) = split_site(frame.name);
            tables.location(&name, &escape::terminal(file), line)
        }
        FrameKind::Thread | FrameKind::Span | FrameKind::Native | FrameKind::Lock => {
            tables.location(&name, "", 0)
        }
    }
}

/// `src/bank.rs:42` as (`src/bank.rs`, 42); a site without a line number as (`""`, 0).
fn split_site(site: &str) -> (&str, i64) {
    match site.rsplit_once(':') {
        Some((file, line)) if !file.is_empty() => match line.parse::<u32>() {
            Ok(line) => (file, i64::from(line)),
            Err(_) => ("", 0),
        },
        _ => ("", 0),
    }
}

#[cfg(test)]
mod tests {
    use super::split_site;

    #[test]
    fn sites_split_into_file_and_line() {
        assert_eq!(split_site("src/bank.rs:42"), ("src/bank.rs", 42));
        assert_eq!(split_site("C:\\x\\a.rs:7"), ("C:\\x\\a.rs", 7));
        assert_eq!(split_site("[unknown]"), ("", 0));
        assert_eq!(split_site("a.rs:x"), ("", 0));
        assert_eq!(split_site(":3"), ("", 0));
    }
}
