//! The fuzz corpus (`fuzz/corpus/`: real traces and logs, edge cases, past crashers) through the
//! pprof and timeline renderers, which the fuzz harness predates: no input may panic them, a
//! timeline must follow the format's rules, and a profile must be gzip.

mod common;

use std::io::Read as _;
use std::path::Path;

use lockprof::trace::TraceReader;
use lockprof_cli::pprof::{PprofOptions, PprofView, write_pprof};
use lockprof_cli::timeline::{TimelineOptions, write_timeline};
use lockprof_cli::{Aggregator, Error, JsonInput, Profile, TraceInput};

fn files(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 10,
        "{}: the corpus is missing",
        dir.display()
    );
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn render(mut profile: Profile) {
    profile.group_classes();
    for view in [PprofView::Wait, PprofView::Blame] {
        let mut opts = PprofOptions::default();
        opts.view = view;
        let mut gz = Vec::new();
        match write_pprof(&profile, &opts, &mut gz, "memory") {
            Ok(()) => {
                let mut bytes = Vec::new();
                flate2::read::GzDecoder::new(gz.as_slice())
                    .read_to_end(&mut bytes)
                    .expect("the profile is gzip");
                assert!(!bytes.is_empty());
            }
            Err(Error::NothingToDraw { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let mut json = Vec::new();
    match write_timeline(&profile, &TimelineOptions::default(), &mut json, "memory") {
        Ok(written) => {
            let value: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
            let (slices, flows) = common::trace_events::check_format(&value);
            assert_eq!(slices.values().map(Vec::len).sum::<usize>(), written.slices);
            assert_eq!(flows.len(), written.flows);
        }
        Err(Error::EmptyTimeline { .. }) => {}
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn native_traces() {
    for data in files("native_trace") {
        let mut agg = Aggregator::with_timeline();
        if let Ok(mut reader) = TraceReader::new(data.as_slice()) {
            let mut input = TraceInput::new(&mut agg);
            while let Ok(Some(record)) = reader.next_ref() {
                input.record_ref(record);
            }
        }
        render(agg.finish());
    }
}

#[test]
fn json_lines() {
    for data in files("json_lines") {
        let mut agg = Aggregator::with_timeline();
        JsonInput::new(&mut agg).read(data.as_slice()).unwrap();
        render(agg.finish());
    }
}
