//! Symbolization of captured stacks, off the lock path: once per distinct address, with
//! `backtrace::resolve` (demangled names, inlined frames expanded, file and line when the binary
//! has line tables), then lockprof's own frames and those of the lock and runtime machinery
//! trimmed. An address without symbols becomes `module+0xoffset` and the frame says so.

use std::collections::HashMap;
use std::ffi::c_void;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, DefaultHasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};

use super::StackId;
use super::table::{self, Lookup};

/// One frame of a symbolized stack.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Frame {
    /// Demangled function name without its hash (`bank::Bank::transfer`), or `module+0xoffset`
    /// when the address has no symbol.
    pub(crate) function: Box<str>,
    /// Source file, empty when unknown.
    pub(crate) file: Box<str>,
    /// Source line, 0 when unknown.
    pub(crate) line: u32,
    /// Inlined into its caller (the next frame toward the root).
    pub(crate) inlined: bool,
    /// `false` when no symbol was found: `function` is `module+0xoffset`.
    pub(crate) resolved: bool,
}

/// A stack after symbolization and trimming.
#[derive(Debug)]
pub(crate) struct Symbolized {
    /// Root-most first; lockprof, lock_api, parking_lot, std, core, alloc and backtrace frames
    /// (and the C runtime's) are left out.
    pub(crate) frames: Vec<Arc<Frame>>,
    /// The capture hit `MAX_STACK_FRAMES`: root-most frames are missing.
    pub(crate) truncated: bool,
    /// Some addresses had no symbols (a stripped binary or library).
    pub(crate) unresolved: bool,
}

/// Per-address results, shared by every stack: each address is resolved once.
struct Cache {
    /// Frames of one address, leaf (innermost inlined) first.
    by_ip: HashMap<usize, Arc<[Arc<Frame>]>, BuildHasherDefault<DefaultHasher>>,
    maps: Option<Vec<Mapping>>,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache {
    by_ip: HashMap::with_hasher(BuildHasherDefault::new()),
    maps: None,
});

/// Stack `id` symbolized, resolving it now if no one has yet; `None` for an id the table does not
/// have. Slow the first time in a process (symbol tables are loaded: ≈ 65 ms here), then ≈ 20 µs
/// per new stack: call it off the lock path only.
pub(crate) fn symbolized(id: StackId) -> Option<Arc<Symbolized>> {
    let (ips, truncated) = match table::lookup(id)? {
        Lookup::Resolved(s) => return Some(s),
        Lookup::Raw { ips, truncated } => (ips, truncated),
    };
    let mut leaf_first: Vec<Arc<Frame>> = Vec::with_capacity(ips.len() * 2);
    {
        let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        for &ip in ips.iter() {
            let frames = match cache.by_ip.get(&ip) {
                Some(frames) => Arc::clone(frames),
                None => {
                    let frames = resolve(&mut cache, ip);
                    cache.by_ip.insert(ip, Arc::clone(&frames));
                    frames
                }
            };
            leaf_first.extend(frames.iter().cloned());
            // Everything outward of the Rust runtime's entry is the C runtime's, trimmed anyway:
            // resolving it could load the C library's debug info (tens of milliseconds).
            if frames.iter().any(|f| is_runtime_root(f)) {
                break;
            }
        }
    }
    let unresolved = leaf_first.iter().any(|f| !f.resolved);
    let frames: Vec<Arc<Frame>> = leaf_first
        .into_iter()
        .rev()
        .filter(|f| !is_machinery(&f.function, &f.file))
        .collect();
    Some(table::store(
        id,
        Arc::new(Symbolized {
            frames,
            truncated,
            unresolved,
        }),
    ))
}

/// The frames of one return address, innermost first.
fn resolve(cache: &mut Cache, ip: usize) -> Arc<[Arc<Frame>]> {
    let mut frames: Vec<Frame> = Vec::new();
    // A symbolizer that panics on odd debug info must not take the caller (the trace writer, or
    // a profiled thread) down with it.
    let ok = catch_unwind(AssertUnwindSafe(|| {
        backtrace::resolve(ip as *mut c_void, |symbol| {
            let Some(name) = symbol.name() else {
                return;
            };
            let mut function = String::new();
            // `{:#}` leaves out the hash suffix of legacy-mangled names.
            let _ = write!(function, "{name:#}");
            // With `debug = "line-tables-only"` the debug info names functions without their
            // path but with their generic arguments (`lock<u64>`): keep the name only.
            if !function.contains("::")
                && let Some(at) = function.find('<')
                && at > 0
            {
                function.truncate(at);
            }
            frames.push(Frame {
                function: function.into(),
                file: symbol
                    .filename()
                    .map(|p| p.display().to_string().into())
                    .unwrap_or_default(),
                line: symbol.lineno().unwrap_or(0),
                inlined: true,
                resolved: true,
            });
        });
    }))
    .is_ok();
    if !ok || frames.is_empty() {
        return Arc::new([Arc::new(unresolved_frame(cache, ip))]);
    }
    // The last symbol of an address is the function the address is in; those before it were
    // inlined into it.
    if let Some(outer) = frames.last_mut() {
        outer.inlined = false;
    }
    frames.into_iter().map(Arc::new).collect()
}

/// A loaded object's address range, from `/proc/self/maps`.
struct Mapping {
    start: usize,
    end: usize,
    file_offset: usize,
    module: Box<str>,
}

fn unresolved_frame(cache: &mut Cache, ip: usize) -> Frame {
    let found = |maps: &Option<Vec<Mapping>>| {
        maps.as_ref()?
            .iter()
            .find(|m| (m.start..m.end).contains(&ip))
            .map(|m| format!("{}+{:#x}", m.module, ip - m.start + m.file_offset))
    };
    let mut function = found(&cache.maps);
    if function.is_none() {
        // A library loaded since the last read, or the first unresolved address.
        cache.maps = read_maps();
        function = found(&cache.maps);
    }
    Frame {
        function: function.unwrap_or_else(|| format!("{ip:#x}")).into(),
        file: Box::default(),
        line: 0,
        inlined: false,
        resolved: false,
    }
}

#[cfg(target_os = "linux")]
fn read_maps() -> Option<Vec<Mapping>> {
    let text = std::fs::read_to_string("/proc/self/maps").ok()?;
    let mut maps = Vec::new();
    for line in text.lines() {
        // start-end perms offset dev inode path
        let mut parts = line.split_whitespace();
        let (Some(range), Some(_perms), Some(offset), Some(_dev), Some(_inode), Some(path)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            continue;
        };
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let hex = |s: &str| usize::from_str_radix(s, 16).ok();
        let (Some(start), Some(end), Some(file_offset)) = (hex(start), hex(end), hex(offset))
        else {
            continue;
        };
        let module = path.rsplit('/').next().unwrap_or(path);
        maps.push(Mapping {
            start,
            end,
            file_offset,
            module: module.into(),
        });
    }
    Some(maps)
}

#[cfg(not(target_os = "linux"))]
fn read_maps() -> Option<Vec<Mapping>> {
    None
}

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
fn is_runtime_root(frame: &Frame) -> bool {
    let name = frame.function.rsplit("::").next().unwrap_or_default();
    let in_std = frame.file.is_empty() || frame.file.contains("/library/std/");
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
    #[cfg_attr(miri, ignore = "Miri cannot run the unwinder or the symbolizer")]
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

    #[inline(never)]
    fn capture_here() -> StackId {
        let ips: Vec<usize> = {
            let mut v = Vec::new();
            backtrace::trace(|f| {
                v.push(f.ip() as usize);
                v.len() < 64
            });
            v
        };
        table::intern(&ips, false)
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri cannot run the unwinder or the symbolizer")]
    fn a_captured_stack_names_its_caller() {
        let id = capture_here();
        let s = symbolized(id).expect("interned");
        let names: Vec<&str> = s.frames.iter().map(|f| &*f.function).collect();
        // Unit tests live in the lockprof crate, whose frames are trimmed: the test's own frame
        // is gone, but nothing of std or backtrace is left either.
        assert!(names.iter().all(|n| !n.starts_with("std::")), "{names:?}");
        assert!(Arc::ptr_eq(&s, &symbolized(id).unwrap()));
    }
}
