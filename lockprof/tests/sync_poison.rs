//! Poisoning, `lockprof::sync` against `std::sync`: every case in `sync_cases/poison.rs` runs
//! once with std's types (`std_sync::…`) and once with lockprof's (`lockprof_sync::…`), as
//! `sync_parity.rs` does. The panics the cases provoke print their messages; that is expected.

macro_rules! against {
    ($module:ident = $($path:ident)::+) => {
        mod $module {
            use $($path)::+ as locks;
            include!("sync_cases/poison.rs");
        }
    };
}

against!(std_sync = std::sync);
against!(lockprof_sync = lockprof::sync);
