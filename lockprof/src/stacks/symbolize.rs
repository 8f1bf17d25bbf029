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

use super::frames::{Frame, Symbolized};
use super::machinery::{is_machinery, is_runtime_root};
use super::table::{self, Lookup, StackId};

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
            if frames.iter().any(|f| is_runtime_root(&f.function, &f.file)) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
