//! The process's table of distinct stacks: raw addresses in, a dense id out. Behind a std mutex
//! (never a profiled lock): it is only reached by captures, which the budget keeps to a few
//! thousand a second, and by symbolization.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use super::frames::Symbolized;

/// Id of a captured stack: dense from 1 in a process; 0 means "no stack".
pub(crate) type StackId = u32;

/// Distinct stacks kept per process. Past it, new stacks are not recorded (their events say "no
/// stack") and are counted in [`StackStats::dropped_table_full`](crate::StackStats::dropped_table_full). Each costs at most
/// `8 × MAX_STACK_FRAMES` bytes of addresses plus its symbols, so the table stays under ≈ 10 MiB.
pub const MAX_STACKS: usize = 16_384;

/// One distinct stack.
struct Entry {
    /// Instruction pointers, leaf first.
    ips: Arc<[usize]>,
    /// Deeper than `MAX_STACK_FRAMES`: the root-most frames are missing.
    truncated: bool,
    /// Its symbols, once resolved.
    symbols: Option<Arc<Symbolized>>,
}

/// FxHash-style mixing of addresses: the keys are not attacker-chosen.
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

struct Table {
    ids: HashMap<Arc<[usize]>, StackId, BuildHasherDefault<AddrHasher>>,
    /// Entry of id `i` at index `i - 1`.
    entries: Vec<Entry>,
    dropped: u64,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    ids: HashMap::with_hasher(BuildHasherDefault::new()),
    entries: Vec::new(),
    dropped: 0,
});

fn table() -> std::sync::MutexGuard<'static, Table> {
    TABLE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The id of the stack `ips` (leaf first), adding it if new; 0 when the table is full.
pub(super) fn intern(ips: &[usize], truncated: bool) -> StackId {
    if ips.is_empty() {
        return 0;
    }
    let mut t = table();
    if let Some(&id) = t.ids.get(ips) {
        return id;
    }
    if t.entries.len() >= MAX_STACKS {
        t.dropped += 1;
        return 0;
    }
    let ips: Arc<[usize]> = ips.into();
    t.entries.push(Entry {
        ips: Arc::clone(&ips),
        truncated,
        symbols: None,
    });
    // At most MAX_STACKS entries, so the id fits.
    let id = t.entries.len() as StackId;
    t.ids.insert(ips, id);
    id
}

/// What symbolizing stack `id` needs: its symbols if already resolved, else its addresses.
pub(super) enum Lookup {
    Resolved(Arc<Symbolized>),
    Raw { ips: Arc<[usize]>, truncated: bool },
}

pub(super) fn lookup(id: StackId) -> Option<Lookup> {
    let t = table();
    let entry = t.entries.get((id as usize).checked_sub(1)?)?;
    Some(match &entry.symbols {
        Some(s) => Lookup::Resolved(Arc::clone(s)),
        None => Lookup::Raw {
            ips: Arc::clone(&entry.ips),
            truncated: entry.truncated,
        },
    })
}

/// Keeps the symbols of stack `id`; returns the ones kept (a concurrent resolver may have won).
pub(super) fn store(id: StackId, symbols: Arc<Symbolized>) -> Arc<Symbolized> {
    let mut t = table();
    match (id as usize)
        .checked_sub(1)
        .and_then(|i| t.entries.get_mut(i))
    {
        Some(entry) => Arc::clone(entry.symbols.get_or_insert(symbols)),
        None => symbols,
    }
}

/// Distinct stacks, and captures dropped because the table was full.
pub(super) fn counts() -> (u64, u64) {
    let t = table();
    (t.entries.len() as u64, t.dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_stacks_share_an_id() {
        let a = intern(&[1, 2, 3], false);
        let b = intern(&[1, 2, 4], false);
        assert_ne!(a, 0);
        assert_ne!(a, b);
        assert_eq!(intern(&[1, 2, 3], false), a);
        assert_eq!(intern(&[], false), 0);
        assert!(matches!(lookup(a), Some(Lookup::Raw { ips, .. }) if *ips == [1, 2, 3]));
        assert!(lookup(0).is_none());
    }
}
