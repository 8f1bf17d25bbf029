//! Replays every file of the fuzz corpus (`fuzz/corpus/<target>/`: seeds from real traces and
//! JSON lines, edge cases, and any input that once crashed a target) through the fuzz targets'
//! own harness, so a normal `cargo test` exercises them without a fuzzing toolchain.

use std::path::{Path, PathBuf};

#[allow(dead_code)]
mod harness {
    include!("../../fuzz/harness.rs");
}

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{}: the corpus is missing",
        dir.display()
    );
    files
}

fn replay(target: &str, harness: fn(&[u8])) {
    let mut failed = Vec::new();
    for path in corpus(target) {
        let data = std::fs::read(&path).unwrap();
        if std::panic::catch_unwind(|| harness(&data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: these inputs fail: {failed:#?}"
    );
}

#[test]
fn native_trace_corpus() {
    replay("native_trace", harness::native_trace);
}

#[test]
fn json_lines_corpus() {
    replay("json_lines", harness::json_lines);
}
