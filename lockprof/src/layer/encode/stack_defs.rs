//! The encoder's part of stacks: symbolizing the native stacks events refer to (on the writer
//! thread, off the profiled threads) and writing each frame, stack and span stack into the trace
//! once, before the first record that refers to it.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::Arc;

use super::strings::Strings;
use crate::layer::visitor::SpanNames;
use crate::stacks::{self, StackId};
use crate::trace::{Frame, Record, Spans, Stack, StrId, TraceWriter};

/// Name of the frame standing for spans left out of a deep span stack.
const ELIDED_SPANS: &str = "…";

/// What has been defined in the trace so far.
#[derive(Debug)]
pub(super) struct StackDefs {
    /// Past this many definitions in all, they are forgotten and written again on next use.
    limit: usize,
    /// Frame ids by the address of the process's (never freed) symbolized frame.
    frames: HashMap<usize, u64>,
    /// Native stack ids written (the process's ids are used as the trace's).
    stacks: HashSet<u64>,
    /// Span stacks written, by their names' string ids.
    spans: HashMap<Vec<StrId>, u64>,
    next_span_id: u64,
    /// Ids are never reused, even after `clear`, so a definition never changes meaning.
    next_frame_id: u64,
    scratch: Vec<StrId>,
}

impl StackDefs {
    pub(super) fn new(limit: usize) -> Self {
        StackDefs {
            limit,
            frames: HashMap::new(),
            stacks: HashSet::new(),
            spans: HashMap::new(),
            next_span_id: 0,
            next_frame_id: 0,
            scratch: Vec::new(),
        }
    }

    /// Forgets every definition (they are written again on next use; readers accept that).
    pub(super) fn clear(&mut self) {
        self.frames.clear();
        self.stacks.clear();
        self.spans.clear();
    }

    fn is_large(&self) -> bool {
        self.frames.len() + self.stacks.len() + self.spans.len() > self.limit
    }

    /// Makes sure native stack `id` (from an event) is defined in the trace; returns the id to
    /// write in the record, 0 when there is none or it is not this process's.
    pub(super) fn define_stack<W: Write>(
        &mut self,
        strings: &mut Strings,
        out: &mut TraceWriter<W>,
        id: u64,
    ) -> io::Result<u64> {
        if id == 0 || self.stacks.contains(&id) {
            return Ok(id);
        }
        let Some(symbols) = StackId::try_from(id).ok().and_then(stacks::symbolized) else {
            return Ok(0);
        };
        if self.is_large() {
            self.clear();
        }
        let mut frames = Vec::with_capacity(symbols.frames.len());
        for frame in &symbols.frames {
            let key = Arc::as_ptr(frame) as usize;
            let frame_id = match self.frames.get(&key) {
                Some(&frame_id) => frame_id,
                None => {
                    let frame_id = self.next_frame_id + 1;
                    let function = strings.intern(out, &frame.function)?;
                    let file = strings.intern(out, &frame.file)?;
                    out.write(&Record::Frame(Frame {
                        id: frame_id,
                        function,
                        file,
                        line: frame.line,
                        inlined: frame.inlined,
                        resolved: frame.resolved,
                    }))?;
                    self.next_frame_id = frame_id;
                    self.frames.insert(key, frame_id);
                    frame_id
                }
            };
            frames.push(frame_id);
        }
        out.write(&Record::Stack(Stack {
            id,
            frames,
            truncated: symbols.truncated,
            unresolved: symbols.unresolved,
        }))?;
        self.stacks.insert(id);
        Ok(id)
    }

    /// Makes sure the span stack `names` is defined in the trace; returns its id (0: no spans).
    pub(super) fn define_spans<W: Write>(
        &mut self,
        strings: &mut Strings,
        out: &mut TraceWriter<W>,
        names: &SpanNames,
    ) -> io::Result<u64> {
        if names.is_empty() {
            return Ok(0);
        }
        let mut ids = std::mem::take(&mut self.scratch);
        ids.clear();
        let result = self.define_span_ids(strings, out, names, &mut ids);
        self.scratch = ids;
        result
    }

    fn define_span_ids<W: Write>(
        &mut self,
        strings: &mut Strings,
        out: &mut TraceWriter<W>,
        names: &SpanNames,
        ids: &mut Vec<StrId>,
    ) -> io::Result<u64> {
        if names.truncated {
            ids.push(strings.intern(out, ELIDED_SPANS)?);
        }
        for name in names.root_first() {
            ids.push(strings.intern(out, name)?);
        }
        if let Some(&id) = self.spans.get(ids.as_slice()) {
            return Ok(id);
        }
        self.next_span_id += 1;
        let id = self.next_span_id;
        out.write(&Record::Spans(Spans {
            id,
            names: ids.clone(),
        }))?;
        self.spans.insert(ids.clone(), id);
        Ok(id)
    }
}
