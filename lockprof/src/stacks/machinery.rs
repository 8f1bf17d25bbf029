//! Which frames are the profiler's, the lock's or the runtime's rather than the program's: they
//! are trimmed from every stack.

/// Crates whose frames are the profiler, the lock or the runtime, not the program's code.
const MACHINERY_CRATES: &[&str] = &[
    "lockprof",
    "lock_api",
    "parking_lot",
    "parking_lot_core",
    "std",
    "core",
    "alloc",
    "backtrace",
    "test",
    "panic_unwind",
    "__rustc",
    // Instrumentation plumbing between the user's code and a subscriber.
    "tracing",
    "tracing_core",
    "tracing_subscriber",
];

/// C runtime and unwinder frames around every Rust program or thread.
const MACHINERY_SYMBOLS: &[&str] = &[
    "main",
    "_start",
    "start_thread",
    "clone",
    "clone3",
    "__clone",
    "__clone3",
    "thread_start",
];

/// Whether a frame is where Rust code starts on a thread: std's thread entry, or
/// `lang_start_internal` on the main thread.
pub(super) fn is_runtime_root(function: &str, file: &str) -> bool {
    let name = function.rsplit("::").next().unwrap_or_default();
    let in_std = file.is_empty() || file.contains("/library/std/");
    in_std && matches!(name, "thread_start" | "lang_start_internal")
}

/// Whether a frame is lockprof's own or the lock's, runtime's or unwinder's machinery (trimmed):
/// by its source file when it has one (which works with line-tables-only debug info, whose names
/// have no path), else by its name.
pub(crate) fn is_machinery(function: &str, file: &str) -> bool {
    if !file.is_empty() && is_machinery_file(file) {
        return true;
    }
    if !function.contains("::") {
        // A bare `main` in a Rust source file is the program's own (line-tables-only names).
        if function == "main" && file.ends_with(".rs") {
            return false;
        }
        return MACHINERY_SYMBOLS.contains(&function)
            || function.starts_with("__libc_")
            || function.starts_with("_Unwind_")
            || function.starts_with("__rust_");
    }
    MACHINERY_CRATES.contains(&owner_crate(function))
}

/// Source directories of lockprof itself (as compiled) and of the crates whose frames are trimmed.
fn is_machinery_file(file: &str) -> bool {
    const OWN_SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    if file.starts_with(OWN_SRC) {
        return true;
    }
    // The standard library, from the toolchain (`/rustc/<hash>/library/std/src/..`) or rust-src.
    if ["std", "core", "alloc", "panic_unwind", "test"]
        .iter()
        .any(|lib| file.contains(&format!("/library/{lib}/")))
    {
        return true;
    }
    // Registry (`lock_api-0.5.0`), git and vendored (`lock_api`) checkouts.
    file.split(['/', '\\']).any(|component| {
        MACHINERY_CRATE_DIRS.iter().any(|name| {
            component == *name
                || component
                    .strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
        })
    })
}

/// Package directory names of the trimmed crates (their frames are trimmed by file).
const MACHINERY_CRATE_DIRS: &[&str] = &[
    "lock_api",
    "parking_lot",
    "parking_lot_core",
    "backtrace",
    "tracing",
    "tracing-core",
    "tracing-subscriber",
];

/// The crate a demangled Rust path belongs to: its first segment, or for `<T as Trait>::f`, `T`'s
/// crate when `T` is a path, else the trait's.
fn owner_crate(function: &str) -> &str {
    let Some(inner) = function.strip_prefix('<') else {
        return first_segment(function).0;
    };
    let (ty, ty_is_path) = first_segment(inner);
    if ty_is_path {
        return ty;
    }
    match inner.find(" as ") {
        Some(at) => first_segment(&inner[at + 4..]).0,
        None => ty,
    }
}

/// The first path segment of `s` (after any `&`, `*`, `mut `, `dyn `…), and whether a `::`
/// follows it (it is a path, not a lone generic parameter).
fn first_segment(s: &str) -> (&str, bool) {
    let s = s.trim_start_matches(['&', '*']);
    let s = ["mut ", "const ", "dyn ", "impl "]
        .iter()
        .fold(s, |s, p| s.strip_prefix(p).unwrap_or(s));
    let end = s.find([':', '<', ' ']).unwrap_or(s.len());
    (&s[..end], s[end..].starts_with("::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machinery_is_recognised() {
        for f in [
            "lockprof::acquire::contended",
            "<lockprof::raw_mutex::RawProfiledMutex as lock_api::mutex::RawMutex>::lock",
            "lock_api::mutex::Mutex<R,T>::lock",
            "std::thread::Builder::spawn_unchecked_::{{closure}}",
            "<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once",
            "<F as core::ops::function::FnOnce<()>>::call_once",
            "core::ops::function::FnOnce::call_once",
            "backtrace::backtrace::trace_unsynchronized",
            "_Unwind_Backtrace",
            "__libc_start_main",
            "main",
            "start_thread",
        ] {
            assert!(is_machinery(f, ""), "{f}");
        }
        for file in [
            "/rustc/abc/library/std/src/thread/mod.rs",
            "/home/u/.cargo/registry/src/index.crates.io-1/lock_api-0.5.0/src/mutex.rs",
            "/home/u/.cargo/registry/src/index.crates.io-1/tracing-core-0.1.33/src/dispatcher.rs",
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/acquire.rs"),
        ] {
            assert!(is_machinery("lock", file), "{file}");
        }
        // Short names (line-tables-only debug info) of the program's own functions stay.
        assert!(!is_machinery("main", "/app/src/main.rs"));
        assert!(is_machinery("start_thread", "./nptl/pthread_create.c"));
        assert!(!is_machinery("transfer", "/app/src/bank.rs"));
        assert!(!is_machinery("f", "/app/vendor/tracing-utils/src/lib.rs"));
        for f in [
            "bank::Bank::transfer",
            "<bank::Ledger as core::ops::drop::Drop>::drop",
            "lockprof_cli::demo::worker",
            "stacks::holder_path",
            "app::main::{{closure}}",
            "libfoo.so+0x1234",
        ] {
            assert!(!is_machinery(f, ""), "{f}");
        }
    }

    #[test]
    fn the_runtime_starts_at_std_thread_entry_or_lang_start() {
        assert!(is_runtime_root(
            "std::sys::thread::unix::Thread::new::thread_start",
            "/rustc/abc/library/std/src/sys/thread/unix.rs"
        ));
        assert!(is_runtime_root("lang_start_internal", ""));
        assert!(!is_runtime_root("thread_start", "/app/src/pool.rs"));
        assert!(!is_runtime_root("bank::teller", ""));
    }
}
