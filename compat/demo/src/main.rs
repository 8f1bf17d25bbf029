//! Dependencies' locks, profiled without changing their code: this program uses r2d2 and tokio
//! (with its `parking_lot` feature) as any program would, and its Cargo.toml patches parking_lot
//! 0.12 to lockprof's compat crate. The only lockprof code is `lockprof::init()`; every lock in
//! the trace it writes is r2d2's, scheduled-thread-pool's or tokio's, named after the line of
//! their source that created it.
//!
//! ```sh
//! LOCKPROF_OUT=deps.lptrace cargo run --release   # in compat/demo
//! lockprof report deps.lptrace
//! ```

mod pool;
mod runtime;

fn main() {
    // Writes $LOCKPROF_OUT, or lockprof-<pid>.lptrace; complete when the guard is dropped.
    let _guard = lockprof::init();
    let checkouts = pool::contend();
    let acquisitions = runtime::contend();
    eprintln!("{checkouts} pool checkouts, {acquisitions} tokio mutex acquisitions");
}
