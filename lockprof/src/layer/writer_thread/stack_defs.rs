//! The writer thread's part of stacks: symbolizing the native stacks events refer to (here, off
//! the profiled threads) and writing each frame, stack and span stack into the trace once,
//! before the first record that refers to it.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::Arc;

use super::WriterThread;
use crate::layer::visitor::SpanNames;
use crate::stacks::{self, StackId};
use crate::trace::{Frame, Record, Spans, Stack, StrId};

/// Name of the frame standing for spans left out of a deep span stack.
const ELIDED_SPANS: &str = "…";

/// What has been defined in the trace so far.
#[derive(Debug, Default)]
pub(super) struct StackDefs {
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
    /// Forgets every definition (they are written again on next use; readers accept that).
    pub(super) fn clear(&mut self) {
        self.frames.clear();
        self.stacks.clear();
        self.spans.clear();
    }

    fn is_large(&self) -> bool {
        self.frames.len() + self.stacks.len() + self.spans.len() > super::MAX_TABLE
    }
}

impl WriterThread {
    /// Makes sure native stack `id` (from an event) is defined in the trace; returns the id to
    /// write in the record, 0 when there is none or it is not this process's.
    pub(super) fn define_stack(&mut self, id: u64) -> io::Result<u64> {
        if id == 0 || self.defs.stacks.contains(&id) {
            return Ok(id);
        }
        let Some(symbols) = StackId::try_from(id).ok().and_then(stacks::symbolized) else {
            return Ok(0);
        };
        if self.defs.is_large() {
            self.defs.clear();
        }
        let mut frames = Vec::with_capacity(symbols.frames.len());
        for frame in &symbols.frames {
            let key = Arc::as_ptr(frame) as usize;
            let frame_id = match self.defs.frames.get(&key) {
                Some(&frame_id) => frame_id,
                None => {
                    let frame_id = self.defs.next_frame_id + 1;
                    let function = self.intern(&frame.function)?;
                    let file = self.intern(&frame.file)?;
                    self.write(&Record::Frame(Frame {
                        id: frame_id,
                        function,
                        file,
                        line: frame.line,
                        inlined: frame.inlined,
                        resolved: frame.resolved,
                    }))?;
                    self.defs.next_frame_id = frame_id;
                    self.defs.frames.insert(key, frame_id);
                    frame_id
                }
            };
            frames.push(frame_id);
        }
        self.write(&Record::Stack(Stack {
            id,
            frames,
            truncated: symbols.truncated,
            unresolved: symbols.unresolved,
        }))?;
        self.defs.stacks.insert(id);
        Ok(id)
    }

    /// Makes sure the span stack `names` is defined in the trace; returns its id (0: no spans).
    pub(super) fn define_spans(&mut self, names: &SpanNames) -> io::Result<u64> {
        if names.is_empty() {
            return Ok(0);
        }
        let mut ids = std::mem::take(&mut self.defs.scratch);
        ids.clear();
        if names.truncated {
            ids.push(self.intern(ELIDED_SPANS)?);
        }
        for name in names.root_first() {
            ids.push(self.intern(name)?);
        }
        let result = match self.defs.spans.get(&ids) {
            Some(&id) => Ok(id),
            None => {
                self.defs.next_span_id += 1;
                let id = self.defs.next_span_id;
                let written = self.write(&Record::Spans(Spans {
                    id,
                    names: ids.clone(),
                }));
                written.map(|()| {
                    self.defs.spans.insert(ids.clone(), id);
                    id
                })
            }
        };
        self.defs.scratch = ids;
        result
    }
}
