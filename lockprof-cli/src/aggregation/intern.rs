//! Interning: every distinct name (lock, thread, site, span, frame) and every distinct sequence of
//! names (a span stack, a native stack) is stored once and referred to by a small integer, so
//! aggregation hashes integers, not strings.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

/// Id of an interned name.
pub(crate) type Sym = u32;

/// Id of an interned sequence of names; [`EMPTY_SEQ`] is the empty sequence.
pub(crate) type SeqId = u32;

/// The empty sequence, interned first.
pub(crate) const EMPTY_SEQ: SeqId = 0;

/// Id of a span stack: the names of the `tracing` spans a thread was in, outermost first.
pub(crate) type SpansId = SeqId;

/// The span stack of an event emitted outside any span.
pub(crate) const NO_SPANS: SpansId = EMPTY_SEQ;

/// Id of a native stack: function names, root first.
pub(crate) type StackId = SeqId;

/// The native stack of an event without one.
pub(crate) const NO_STACK: StackId = EMPTY_SEQ;

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

    /// The strings behind `syms`.
    pub(crate) fn resolve_all(&self, syms: &[Sym]) -> Vec<String> {
        syms.iter().map(|&s| self.resolve(s).to_owned()).collect()
    }
}

/// Distinct sequences of names, each stored once.
#[derive(Debug)]
pub(crate) struct SeqInterner {
    ids: HashMap<Box<[Sym]>, SeqId, FxBuildHasher>,
    seqs: Vec<Box<[Sym]>>,
}

impl Default for SeqInterner {
    fn default() -> Self {
        let mut ids = HashMap::default();
        ids.insert(Box::default(), EMPTY_SEQ);
        SeqInterner {
            ids,
            seqs: vec![Box::default()],
        }
    }
}

impl SeqInterner {
    /// The id of `seq`, interning it on first sight.
    pub(crate) fn intern(&mut self, seq: &[Sym]) -> SeqId {
        if let Some(&id) = self.ids.get(seq) {
            return id;
        }
        let id = SeqId::try_from(self.seqs.len()).unwrap_or(SeqId::MAX);
        self.seqs.push(seq.into());
        self.ids.insert(seq.into(), id);
        id
    }

    /// The names of sequence `id`.
    pub(crate) fn resolve(&self, id: SeqId) -> &[Sym] {
        self.seqs.get(id as usize).map_or(&[], |s| s)
    }
}
