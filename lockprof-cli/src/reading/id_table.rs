//! A map from a trace's own ids to the aggregator's: a vector for the dense ids writers hand out
//! (strings from 0, threads and locks counting up from 1), a hash map for anything else.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

/// How far past the end of the vector an id may be and still extend it: a corrupt or hostile id
/// goes to the map instead of making the table allocate gigabytes.
const MAX_DENSE_GAP: u64 = 1 << 16;

/// Values by id. Lookups of dense ids are one bounds check and one load, which matters because
/// every wait and hold looks up three ids.
#[derive(Debug)]
pub(crate) struct IdTable<V> {
    dense: Vec<Option<V>>,
    sparse: HashMap<u64, V, FxBuildHasher>,
}

impl<V> Default for IdTable<V> {
    fn default() -> Self {
        IdTable {
            dense: Vec::new(),
            sparse: HashMap::default(),
        }
    }
}

impl<V: Copy> IdTable<V> {
    /// The value of `id`, if it has one.
    #[inline]
    pub(crate) fn get(&self, id: u64) -> Option<V> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(Some(value)) => Some(*value),
            // The vector may have grown over an id that went to the map earlier.
            _ => self.get_sparse(id),
        }
    }

    // Kept out of line: dense traces never get here, and inlining it would bloat every lookup.
    #[inline(never)]
    fn get_sparse(&self, id: u64) -> Option<V> {
        if self.sparse.is_empty() {
            return None;
        }
        self.sparse.get(&id).copied()
    }

    /// Sets the value of `id`.
    pub(crate) fn insert(&mut self, id: u64, value: V) {
        let len = self.dense.len() as u64;
        if id < len || id - len <= MAX_DENSE_GAP {
            // Within the gap limit, so far below usize::MAX.
            let i = id as usize;
            if i >= self.dense.len() {
                self.dense.resize(i + 1, None);
            }
            self.dense[i] = Some(value);
        } else {
            self.sparse.insert(id, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_ids_both_resolve() {
        let mut t = IdTable::default();
        t.insert(3, 'a');
        t.insert(u64::MAX, 'b');
        t.insert(MAX_DENSE_GAP * 4, 'c');
        t.insert(3, 'd');
        // The vector grows over an id that is in the map: it still resolves.
        t.insert(MAX_DENSE_GAP * 2, 'e');
        t.insert(MAX_DENSE_GAP, 'f');
        t.insert(MAX_DENSE_GAP * 2 + 2, 'g');
        assert_eq!(t.get(MAX_DENSE_GAP * 2), Some('e'));
        assert_eq!(t.get(3), Some('d'));
        assert_eq!(t.get(u64::MAX), Some('b'));
        assert_eq!(t.get(MAX_DENSE_GAP * 4), Some('c'));
        assert_eq!(t.get(0), None);
        assert_eq!(t.get(4), None);
        assert!(t.dense.len() as u64 <= MAX_DENSE_GAP * 2 + 3);
    }
}
