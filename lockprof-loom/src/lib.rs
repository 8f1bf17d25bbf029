//! Loom model checks of lockprof's waiting integral: `tests/integral.rs`, built only with
//! `--cfg lockprof_loom` (`.ci/run` runs them). The library itself is empty.
