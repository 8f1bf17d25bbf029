//! Expected-output fixtures under `tests/data/`: compared byte for byte, rewritten when
//! `LOCKPROF_BLESS=1`.

use std::path::PathBuf;

/// Compares `actual` with `tests/data/<path>` (or rewrites it when blessing).
pub fn check(path: &str, actual: &str) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    if std::env::var_os("LOCKPROF_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with LOCKPROF_BLESS=1 to create it",
            file.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output, first at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             (LOCKPROF_BLESS=1 rewrites it if the change is intended)\n--- actual ---\n{actual}",
            file.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line),
        );
    }
}
