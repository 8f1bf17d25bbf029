//! The small enums shared by the locks, the events and the trace file.

use crate::event;

/// How a lock was acquired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// A mutex lock or an `RwLock` write lock.
    Exclusive,
    /// An `RwLock` read lock.
    Shared,
    /// An `RwLock` upgradable read lock.
    Upgradable,
}

impl Mode {
    /// The `mode` field value of this mode.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Exclusive => event::EXCLUSIVE,
            Mode::Shared => event::SHARED,
            Mode::Upgradable => event::UPGRADABLE,
        }
    }

    /// Parses a `mode` field value.
    pub fn from_name(name: &str) -> Option<Mode> {
        match name {
            event::EXCLUSIVE => Some(Mode::Exclusive),
            event::SHARED => Some(Mode::Shared),
            event::UPGRADABLE => Some(Mode::Upgradable),
            _ => None,
        }
    }
}

/// Which kind of lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LockKind {
    /// `lockprof::Mutex`, `FairMutex` or `ReentrantMutex`.
    Mutex,
    /// `lockprof::RwLock`.
    RwLock,
    /// `lockprof::tokio::Semaphore`.
    Semaphore,
}

impl LockKind {
    /// The `lock_kind` field value of this kind.
    pub const fn as_str(self) -> &'static str {
        match self {
            LockKind::Mutex => event::MUTEX,
            LockKind::RwLock => event::RWLOCK,
            LockKind::Semaphore => event::SEMAPHORE,
        }
    }

    /// Parses a `lock_kind` field value.
    pub fn from_name(name: &str) -> Option<LockKind> {
        match name {
            event::MUTEX => Some(LockKind::Mutex),
            event::RWLOCK => Some(LockKind::RwLock),
            event::SEMAPHORE => Some(LockKind::Semaphore),
            _ => None,
        }
    }
}
