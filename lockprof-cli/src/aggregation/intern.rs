//! Interning: every distinct name (lock, thread, site, span) and every distinct span stack is
//! stored once and referred to by a small integer, so aggregation hashes integers, not strings.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

/// Id of an interned name.
pub(crate) type Sym = u32;

/// Id of an interned span stack; [`EMPTY_STACK`] is the stack of no spans.
pub(crate) type StackId = u32;

/// The stack of an event emitted outside any span.
pub(crate) const EMPTY_STACK: StackId = 0;

/// Distinct strings, each stored once.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: HashMap<Box<str>, Sym, FxBuildHasher>,
    names: Vec<Box<str>>,
}

impl Interner {
    /// The id of `name`, interning it on first sight.
    pub(crate) fn intern(&mut self, name: &str) -> Sym {
        if let Some(&sym) = self.ids.get(name) {
            return sym;
        }
        let sym = Sym::try_from(self.names.len()).unwrap_or(Sym::MAX);
        self.names.push(name.into());
        self.ids.insert(name.into(), sym);
        sym
    }

    /// The string behind `sym` (empty for an id this interner never gave out).
    pub(crate) fn resolve(&self, sym: Sym) -> &str {
        self.names.get(sym as usize).map_or("", |s| s)
    }
}

/// Distinct span stacks (root first), each stored once.
#[derive(Debug)]
pub(crate) struct StackInterner {
    ids: HashMap<Box<[Sym]>, StackId, FxBuildHasher>,
    stacks: Vec<Box<[Sym]>>,
}

impl Default for StackInterner {
    fn default() -> Self {
        let mut ids = HashMap::default();
        ids.insert(Box::default(), EMPTY_STACK);
        StackInterner {
            ids,
            stacks: vec![Box::default()],
        }
    }
}

impl StackInterner {
    /// The id of `frames`, interning it on first sight.
    pub(crate) fn intern(&mut self, frames: &[Sym]) -> StackId {
        if let Some(&id) = self.ids.get(frames) {
            return id;
        }
        let id = StackId::try_from(self.stacks.len()).unwrap_or(StackId::MAX);
        self.stacks.push(frames.into());
        self.ids.insert(frames.into(), id);
        id
    }

    /// The frames of stack `id`.
    pub(crate) fn resolve(&self, id: StackId) -> &[Sym] {
        self.stacks.get(id as usize).map_or(&[], |s| s)
    }
}
