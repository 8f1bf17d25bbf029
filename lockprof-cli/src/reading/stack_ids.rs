//! One input's stack ids mapped to the aggregate's: frames, native stacks and span stacks. A
//! lockprof trace defines each before the events that use it; a JSON-lines log may define a stack
//! after its first use, which then gets a placeholder that the definition fills in.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::aggregation::Aggregator;
use crate::aggregation::event::InputIdx;
use crate::aggregation::intern::{NO_SPANS, NO_STACK, SpansId, StackId, Sym};

/// One input's frame, stack and span-stack ids, and their ids in the aggregate.
#[derive(Debug, Default)]
pub(crate) struct StackIds {
    frames: HashMap<u64, Sym, FxBuildHasher>,
    stacks: HashMap<u64, StackId, FxBuildHasher>,
    spans: HashMap<u64, SpansId, FxBuildHasher>,
    /// Stacks used before their definition, by id: their placeholders.
    placeholders: HashMap<u64, StackId, FxBuildHasher>,
}

impl StackIds {
    /// Defines frame `id` as the function `function`.
    pub(crate) fn define_frame(&mut self, id: u64, function: Sym) {
        self.frames.insert(id, function);
    }

    /// Defines stack `id` from frame ids (root first); undefined frames read `undefined`.
    pub(crate) fn define_stack_of_frames(
        &mut self,
        agg: &mut Aggregator,
        id: u64,
        frames: impl Iterator<Item = u64>,
        truncated: bool,
        undefined: Sym,
    ) {
        let syms: Vec<Sym> = frames
            .map(|f| self.frames.get(&f).copied().unwrap_or(undefined))
            .collect();
        let stack = agg.stack(syms, truncated);
        self.stacks.insert(id, stack);
    }

    /// Defines stack `id` as `stack`, also for the events that used it before.
    pub(crate) fn define_stack(&mut self, agg: &mut Aggregator, id: u64, stack: StackId) {
        self.stacks.insert(id, stack);
        if let Some(placeholder) = self.placeholders.remove(&id) {
            agg.define_placeholder(placeholder, stack);
        }
    }

    /// Like [`stack`](Self::stack), but a stack not defined yet gets a placeholder that its
    /// definition, if it comes later, fills in (JSON lines: a thread defines a stack once its
    /// symbols are ready, which may be after its first events that use it).
    pub(crate) fn stack_or_placeholder(
        &mut self,
        agg: &mut Aggregator,
        input: InputIdx,
        id: u64,
    ) -> StackId {
        match self.stack(id) {
            NO_STACK if id != 0 => *self
                .placeholders
                .entry(id)
                .or_insert_with(|| agg.placeholder_stack(input, id)),
            stack => stack,
        }
    }

    /// Defines span stack `id`.
    pub(crate) fn define_spans(&mut self, id: u64, spans: SpansId) {
        self.spans.insert(id, spans);
    }

    /// The aggregate's native stack for a record's stack id ([`NO_STACK`] for 0 or undefined).
    #[inline]
    pub(crate) fn stack(&self, id: u64) -> StackId {
        if id == 0 {
            return NO_STACK;
        }
        self.stacks.get(&id).copied().unwrap_or(NO_STACK)
    }

    /// The aggregate's span stack for a record's span-stack id (no spans for 0 or undefined).
    #[inline]
    pub(crate) fn spans(&self, id: u64) -> SpansId {
        if id == 0 {
            return NO_SPANS;
        }
        self.spans.get(&id).copied().unwrap_or(NO_SPANS)
    }
}
