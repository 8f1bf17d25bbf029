//! The records that define native stacks and span stacks (format version 1, types 0x09–0x0B):
//! what they hold, how they are encoded, and how they are decoded. docs/FORMAT.md, "Stacks".

use super::format::{StrId, kind};
use super::varint::{self, Decoder};

/// Frame flags: the frame was inlined into the next frame toward the root.
const FRAME_INLINED: u8 = 0b01;
/// Frame flags: the address had no symbol; the function name is `module+0xoffset`.
const FRAME_UNRESOLVED: u8 = 0b10;
/// Stack flags: deeper than lockprof captures; the root-most frames are missing.
const STACK_TRUNCATED: u8 = 0b01;
/// Stack flags: some frames have no symbols.
const STACK_UNRESOLVED: u8 = 0b10;
/// Most frames (or span names) one stack may list: more is corruption, and refusing it bounds
/// what a reader allocates.
pub const MAX_STACK_LEN: usize = 4096;

/// One symbolized frame (a [`Record::Frame`](super::Record::Frame)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    /// The frame's id (dense from 1 in a trace; 0 is never a frame).
    pub id: u64,
    /// Demangled function name, or `module+0xoffset` when `resolved` is false.
    pub function: StrId,
    /// Source file (the empty string when unknown).
    pub file: StrId,
    /// Source line, 0 when unknown.
    pub line: u32,
    /// Inlined into the next frame toward the root.
    pub inlined: bool,
    /// `false` when the address had no symbol: `function` is `module+0xoffset`.
    pub resolved: bool,
}

/// A native stack (a [`Record::Stack`](super::Record::Stack)).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stack {
    /// The stack's id: the `stack` / `holder_stack` of waits and holds (never 0).
    pub id: u64,
    /// Frame ids, root-most first (lockprof's, the lock's and the runtime's frames left out).
    pub frames: Vec<u64>,
    /// Deeper than lockprof captures: the root-most frames are missing.
    pub truncated: bool,
    /// Some frames had no symbols.
    pub unresolved: bool,
}

/// A span stack (a [`Record::Spans`](super::Record::Spans)): the names of the `tracing` spans
/// entered where an event happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Spans {
    /// The span stack's id: the `spans` of waits and holds (never 0).
    pub id: u64,
    /// Span names, outermost first.
    pub names: Vec<StrId>,
}

/// A list of ids inside a record, borrowed: from the reader's buffer (varints already checked) or
/// from an owned record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids<'a>(IdsRepr<'a>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IdsRepr<'a> {
    Encoded { bytes: &'a [u8], len: usize },
    Wide(&'a [u64]),
    Narrow(&'a [StrId]),
}

impl<'a> Ids<'a> {
    /// Number of ids.
    pub fn len(&self) -> usize {
        match self.0 {
            IdsRepr::Encoded { len, .. } => len,
            IdsRepr::Wide(ids) => ids.len(),
            IdsRepr::Narrow(ids) => ids.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids, in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + 'a {
        let (bytes, len, wide, narrow) = match self.0 {
            IdsRepr::Encoded { bytes, len } => (bytes, len, &[][..], &[][..]),
            IdsRepr::Wide(ids) => (&[][..], 0, ids, &[][..]),
            IdsRepr::Narrow(ids) => (&[][..], 0, &[][..], ids),
        };
        let mut d = Decoder::new(bytes);
        // Encoded ids were checked when the record was decoded.
        (0..len)
            .map(move |_| d.u64("id").unwrap_or(0))
            .chain(wide.iter().copied())
            .chain(narrow.iter().map(|&id| u64::from(id)))
    }
}

impl<'a> From<&'a Stack> for StackRef<'a> {
    fn from(s: &'a Stack) -> Self {
        StackRef {
            id: s.id,
            frames: Ids(IdsRepr::Wide(&s.frames)),
            truncated: s.truncated,
            unresolved: s.unresolved,
        }
    }
}

impl<'a> From<&'a Spans> for SpansRef<'a> {
    fn from(s: &'a Spans) -> Self {
        SpansRef {
            id: s.id,
            names: Ids(IdsRepr::Narrow(&s.names)),
        }
    }
}

/// A native stack borrowed from the reader (see [`Stack`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackRef<'a> {
    /// See [`Stack::id`].
    pub id: u64,
    /// See [`Stack::frames`].
    pub frames: Ids<'a>,
    /// See [`Stack::truncated`].
    pub truncated: bool,
    /// See [`Stack::unresolved`].
    pub unresolved: bool,
}

/// A span stack borrowed from the reader (see [`Spans`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpansRef<'a> {
    /// See [`Spans::id`].
    pub id: u64,
    /// See [`Spans::names`] (string ids).
    pub names: Ids<'a>,
}

impl StackRef<'_> {
    /// The owned form.
    pub fn to_stack(&self) -> Stack {
        Stack {
            id: self.id,
            frames: self.frames.iter().collect(),
            truncated: self.truncated,
            unresolved: self.unresolved,
        }
    }
}

impl SpansRef<'_> {
    /// The owned form.
    pub fn to_spans(&self) -> Spans {
        Spans {
            id: self.id,
            // Checked to fit when decoded.
            names: self.names.iter().map(|id| id as StrId).collect(),
        }
    }
}

/// Appends a Frame record (type, length, payload) to `out`.
pub(super) fn encode_frame(out: &mut Vec<u8>, f: &Frame) {
    let mut p = Vec::with_capacity(24);
    let mut flags = 0;
    if f.inlined {
        flags |= FRAME_INLINED;
    }
    if !f.resolved {
        flags |= FRAME_UNRESOLVED;
    }
    p.push(flags);
    for v in [
        f.id,
        u64::from(f.function),
        u64::from(f.file),
        u64::from(f.line),
    ] {
        varint::put(&mut p, v);
    }
    frame(out, kind::FRAME, &p);
}

/// Appends a Stack record to `out`.
pub(super) fn encode_stack(out: &mut Vec<u8>, s: &Stack) {
    let mut p = Vec::with_capacity(8 + 2 * s.frames.len());
    let mut flags = 0;
    if s.truncated {
        flags |= STACK_TRUNCATED;
    }
    if s.unresolved {
        flags |= STACK_UNRESOLVED;
    }
    p.push(flags);
    varint::put(&mut p, s.id);
    varint::put(&mut p, s.frames.len() as u64);
    for &f in &s.frames {
        varint::put(&mut p, f);
    }
    frame(out, kind::STACK, &p);
}

/// Appends a Spans record to `out`.
pub(super) fn encode_spans(out: &mut Vec<u8>, s: &Spans) {
    let mut p = Vec::with_capacity(8 + 2 * s.names.len());
    varint::put(&mut p, s.id);
    varint::put(&mut p, s.names.len() as u64);
    for &n in &s.names {
        varint::put(&mut p, u64::from(n));
    }
    frame(out, kind::SPANS, &p);
}

fn frame(out: &mut Vec<u8>, record_type: u8, payload: &[u8]) {
    out.push(record_type);
    varint::put(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

/// A decoded stack-definition record.
#[derive(Debug)]
pub(super) enum Decoded<'a> {
    Frame(Frame),
    Stack(StackRef<'a>),
    Spans(SpansRef<'a>),
}

/// Decodes the payload of a Frame, Stack or Spans record. `strings` is the number of strings
/// defined so far (string ids must refer to one of them).
pub(super) fn decode(record_type: u8, payload: &[u8], strings: u64) -> Result<Decoded<'_>, String> {
    let mut d = Decoder::new(payload);
    let str_id = |d: &mut Decoder<'_>, field: &'static str| -> Result<StrId, String> {
        let id = d.u32(field)?;
        if u64::from(id) < strings {
            Ok(id)
        } else {
            Err(format!(
                "`{field}` refers to string {id}, which is not defined ({strings} strings so far)"
            ))
        }
    };
    match record_type {
        kind::FRAME => {
            let flags = d.byte("flags")?;
            check_flags(flags, FRAME_INLINED | FRAME_UNRESOLVED)?;
            let id = nonzero(d.u64("id")?, "frame")?;
            Ok(Decoded::Frame(Frame {
                id,
                function: str_id(&mut d, "function")?,
                file: str_id(&mut d, "file")?,
                line: d.u32("line")?,
                inlined: flags & FRAME_INLINED != 0,
                resolved: flags & FRAME_UNRESOLVED == 0,
            }))
        }
        kind::STACK => {
            let flags = d.byte("flags")?;
            check_flags(flags, STACK_TRUNCATED | STACK_UNRESOLVED)?;
            let id = nonzero(d.u64("id")?, "stack")?;
            let frames = ids(&mut d, "frames", |id| nonzero(id, "frame").map(drop))?;
            Ok(Decoded::Stack(StackRef {
                id,
                frames,
                truncated: flags & STACK_TRUNCATED != 0,
                unresolved: flags & STACK_UNRESOLVED != 0,
            }))
        }
        kind::SPANS => {
            let id = nonzero(d.u64("id")?, "span stack")?;
            let names = ids(&mut d, "names", |id| {
                if id < strings {
                    Ok(())
                } else {
                    Err(format!(
                        "span name refers to string {id}, which is not defined"
                    ))
                }
            })?;
            Ok(Decoded::Spans(SpansRef { id, names }))
        }
        other => Err(format!("record type {other:#04x} is not a stack record")),
    }
}

fn check_flags(flags: u8, known: u8) -> Result<(), String> {
    if flags & !known != 0 {
        return Err(format!(
            "flags {flags:#010b} set bits this version does not define"
        ));
    }
    Ok(())
}

fn nonzero(id: u64, what: &str) -> Result<u64, String> {
    if id == 0 {
        Err(format!("{what} id 0 is reserved"))
    } else {
        Ok(id)
    }
}

/// A count followed by that many varint ids, each checked by `check`.
fn ids<'a>(
    d: &mut Decoder<'a>,
    field: &'static str,
    check: impl Fn(u64) -> Result<(), String>,
) -> Result<Ids<'a>, String> {
    let count = d.u64(field)?;
    if count > MAX_STACK_LEN as u64 {
        return Err(format!(
            "`{field}` lists {count} entries, more than the {MAX_STACK_LEN} allowed"
        ));
    }
    let rest = d.rest();
    let mut check_d = Decoder::new(rest);
    for _ in 0..count {
        check(check_d.u64(field)?)?;
    }
    let used = check_d.position();
    d.skip(used);
    Ok(Ids(IdsRepr::Encoded {
        bytes: &rest[..used],
        len: count as usize,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(record: &[u8]) -> &[u8] {
        // Type byte and a one-byte length.
        &record[2..]
    }

    #[test]
    fn round_trip() {
        let mut out = Vec::new();
        let stack = Stack {
            id: 9,
            frames: vec![1, 300, 2],
            truncated: true,
            unresolved: false,
        };
        encode_stack(&mut out, &stack);
        let Decoded::Stack(s) = decode(kind::STACK, payload(&out), 0).unwrap() else {
            panic!()
        };
        assert_eq!(s.to_stack(), stack);
        out.clear();
        let frame = Frame {
            id: 3,
            function: 1,
            file: 0,
            line: 42,
            inlined: true,
            resolved: false,
        };
        encode_frame(&mut out, &frame);
        let Decoded::Frame(f) = decode(kind::FRAME, payload(&out), 2).unwrap() else {
            panic!()
        };
        assert_eq!(f, frame);
        assert!(decode(kind::FRAME, payload(&out), 1).is_err());
        out.clear();
        let spans = Spans {
            id: 1,
            names: vec![0, 1],
        };
        encode_spans(&mut out, &spans);
        let Decoded::Spans(s) = decode(kind::SPANS, payload(&out), 2).unwrap() else {
            panic!()
        };
        assert_eq!(s.to_spans(), spans);
        assert!(decode(kind::SPANS, payload(&out), 1).is_err());
    }

    #[test]
    fn hostile_counts_are_refused() {
        let mut p = vec![0u8];
        varint::put(&mut p, 1);
        varint::put(&mut p, u64::MAX);
        assert!(decode(kind::STACK, &p, 0).is_err());
        let mut p = vec![0u8];
        varint::put(&mut p, 1);
        varint::put(&mut p, 3);
        varint::put(&mut p, 1);
        assert!(
            decode(kind::STACK, &p, 0).is_err(),
            "fewer ids than counted"
        );
    }
}
