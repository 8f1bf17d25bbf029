//! The `lockprof` command: aggregation, reports, histograms and flamegraphs from lockprof traces.
