//! `lockprof::sync` against `std::sync`: every case in `sync_cases/{mutex,rwlock,condvar}.rs`
//! runs once with std's types (`std_sync::…`) and once with lockprof's (`lockprof_sync::…`),
//! only the `use` line differing, so a case that fails only under `lockprof_sync` is a
//! behaviour std has and lockprof lacks.
//!
//! The cases follow std's own tests of these types (library/std/tests/sync/), written again
//! here rather than copied, minus those of unstable APIs: the mapped guards (`MutexGuard::map`,
//! `MappedMutexGuard`, `RwLockReadGuard::map`, …, and the poisoning through them), the
//! `lock_value_accessors` methods (`get_cloned`, `set`, `replace`), `std::sync::nonpoison`
//! (`with`, `with_mut`, `MutexGuard::unlocked`), and `rand`'s generator in `frob` (a xorshift
//! here).

macro_rules! against {
    ($module:ident = $($path:ident)::+) => {
        mod $module {
            mod mutex {
                use $($path)::+ as locks;
                include!("sync_cases/mutex.rs");
            }
            mod rwlock {
                use $($path)::+ as locks;
                include!("sync_cases/rwlock.rs");
            }
            mod condvar {
                use $($path)::+ as locks;
                include!("sync_cases/condvar.rs");
            }
        }
    };
}

against!(std_sync = std::sync);
against!(lockprof_sync = lockprof::sync);
