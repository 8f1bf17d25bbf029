//! Native stacks in the aggregate: each distinct stack (function names, root first) interned once
//! across inputs, and the stacks used before their definition (placeholders) and what they turned
//! out to be.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::intern::{Interner, NO_STACK, SeqInterner, StackId, Sym};

/// Frame shown for the root-most frames a too-deep stack lost.
pub(crate) const TRUNCATED_FRAME: &str = "[truncated]";

/// Every native stack of everything read.
#[derive(Debug, Default)]
pub(crate) struct NativeStacks {
    interner: SeqInterner,
    /// Whether any event had a native stack.
    seen: bool,
    frame_scratch: Vec<Sym>,
    /// Placeholders (stacks used before their definition) and what they turned out to be.
    defined_later: HashMap<StackId, StackId, FxBuildHasher>,
}

impl NativeStacks {
    /// Interns a stack given as frame names, root first (`truncated`: the frame that stands for
    /// the missing root frames).
    pub(crate) fn intern(
        &mut self,
        frames: impl IntoIterator<Item = Sym>,
        truncated: Option<Sym>,
    ) -> StackId {
        let mut scratch = std::mem::take(&mut self.frame_scratch);
        scratch.clear();
        scratch.extend(truncated);
        scratch.extend(frames);
        let id = if scratch.is_empty() {
            NO_STACK
        } else {
            self.interner.intern(&scratch)
        };
        self.frame_scratch = scratch;
        id
    }

    /// Notes that `placeholder` stood for `stack`.
    pub(crate) fn define_placeholder(&mut self, placeholder: StackId, stack: StackId) {
        self.defined_later.insert(placeholder, stack);
    }

    /// What a placeholder stood for (`id` itself for any other stack).
    pub(crate) fn actual(&self, id: StackId) -> StackId {
        self.defined_later.get(&id).copied().unwrap_or(id)
    }

    /// The frames of stack `id`, root first.
    pub(crate) fn frames(&self, id: StackId, names: &Interner) -> Vec<String> {
        names.resolve_all(self.interner.resolve(self.actual(id)))
    }

    /// Notes that an event had stack `id` (a profile with no stack at all shows no stack frames).
    #[inline]
    pub(crate) fn saw(&mut self, id: StackId) {
        self.seen |= id != NO_STACK;
    }

    /// Whether any event had a native stack.
    pub(crate) fn any(&self) -> bool {
        self.seen
    }
}
