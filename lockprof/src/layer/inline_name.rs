//! A short string that usually lives inline, so that sending an event's names to the writer
//! thread does not allocate.

use std::fmt;

/// Bytes kept inline; lock names, thread names and `file:line` sites are nearly always shorter.
/// (At 46, a site such as `lockprof-bench/examples/wait_instructions.rs:61` went to the heap: an
/// emitted event cost 3 355 instructions on its thread, against 3 016 at 62. A queued event is
/// 64 bytes larger for it, 256 KiB in all for the default 4 096-event buffer.)
const INLINE: usize = 62;
/// Longer values are cut (at a character boundary): a name is for display, and the cap bounds the
/// memory one queued event can hold.
pub(crate) const MAX_NAME: usize = 1024;

/// An owned name: inline up to [`INLINE`] bytes, on the heap beyond.
#[derive(Clone)]
pub(crate) enum Name {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(String),
}

impl Default for Name {
    fn default() -> Self {
        Name::Inline {
            len: 0,
            bytes: [0; INLINE],
        }
    }
}

impl Name {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            // Only whole `&str`s are ever copied in (see `write_str`), so this is valid UTF-8;
            // the fallback is unreachable but cheaper to keep than to justify `unsafe`.
            Name::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or("")
            }
            Name::Heap(s) => s,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn clear(&mut self) {
        match self {
            // Keeps the bytes: only `len` of them are ever read.
            Name::Inline { len, .. } => *len = 0,
            Name::Heap(s) => s.clear(),
        }
    }

    pub(crate) fn set(&mut self, value: &str) {
        self.clear();
        // Writing into a `Name` never fails.
        let _ = fmt::Write::write_str(self, value);
    }

    fn len(&self) -> usize {
        match self {
            Name::Inline { len, .. } => usize::from(*len),
            Name::Heap(s) => s.len(),
        }
    }
}

impl fmt::Write for Name {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = MAX_NAME - self.len();
        let s = if s.len() > room {
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            &s[..cut]
        } else {
            s
        };
        match self {
            Name::Inline { len, bytes } => {
                let start = usize::from(*len);
                let end = start + s.len();
                if end <= INLINE {
                    bytes[start..end].copy_from_slice(s.as_bytes());
                    // `end <= INLINE < 256`.
                    *len = end as u8;
                } else {
                    let mut heap = String::with_capacity(end.max(2 * INLINE));
                    heap.push_str(self.as_str());
                    heap.push_str(s);
                    *self = Name::Heap(heap);
                }
            }
            Name::Heap(heap) => heap.push_str(s),
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    #[test]
    fn inline_then_heap_then_capped() {
        let mut n = Name::default();
        let file = "bank.rs";
        write!(n, "src/{file}:{}", 42).unwrap();
        assert_eq!(n.as_str(), "src/bank.rs:42");
        assert!(matches!(n, Name::Inline { .. }));
        let long = "é".repeat(40);
        n.set(&long);
        assert_eq!(n.as_str(), long);
        n.set(&"x".repeat(5000));
        assert_eq!(n.as_str().len(), MAX_NAME);
        n.set(&"é".repeat(1000));
        assert!(n.as_str().len() <= MAX_NAME);
    }
}
