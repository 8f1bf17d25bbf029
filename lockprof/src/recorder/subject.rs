//! What a recorded event or summary is about, without the thread: a recorder keeps these for its
//! own thread only, and adds the thread when it emits.

use crate::LockKind;
use crate::emit::Subject;
use crate::meta::LockMeta;
use crate::name::LockName;
use crate::task::Task;
use crate::thread::SiteKey;

/// A [`Subject`] minus the thread (always the recording thread).
#[derive(Clone, Copy, Debug)]
pub(super) struct OwnedSubject {
    pub(super) lock: LockName,
    pub(super) lock_id: u64,
    pub(super) kind: LockKind,
    pub(super) site: SiteKey,
    pub(super) task: Task,
}

impl OwnedSubject {
    pub(super) fn of(meta: &LockMeta, site: SiteKey, task: Task) -> OwnedSubject {
        OwnedSubject {
            lock: meta.name,
            lock_id: meta.id(),
            kind: meta.kind,
            site,
            task,
        }
    }

    pub(super) fn with_thread<'a>(&self, thread: &'a str, thread_id: u64) -> Subject<'a> {
        let (site, mode) = self.site.parts();
        Subject {
            lock: self.lock,
            lock_id: self.lock_id,
            kind: self.kind,
            mode,
            thread,
            thread_id,
            site,
            task: self.task,
        }
    }
}
