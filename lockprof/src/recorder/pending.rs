//! Events noted while their thread still holds the lock, emitted after its release: from there
//! they carry the thread's span context, and nothing is emitted inside a critical section. A
//! wait is paired at that release with the stack of the hold it waited for.

use super::subject::OwnedSubject;
use crate::emit::{self, HoldFields, WaitFields};
use crate::stacks::{self, StackId};
use crate::thread;

/// An event noted inside a critical section, emitted after the lock's release.
#[derive(Debug)]
pub(super) enum Pending {
    Wait {
        lock_addr: usize,
        subject: OwnedSubject,
        holder_id: u64,
        wait_ns: u64,
        at_ns: u64,
        timed_out: bool,
        /// The waiter's stack (0: none).
        stack: StackId,
        /// The stack of the hold it waited for, once paired (0: not known).
        holder_stack: StackId,
    },
    Hold {
        lock_addr: usize,
        subject: OwnedSubject,
        fields: HoldFields,
    },
}

impl Pending {
    /// The lock whose release it waits for ([`crate::meta::LockMeta::addr`]).
    pub(super) fn lock_addr(&self) -> usize {
        match self {
            Pending::Wait { lock_addr, .. } | Pending::Hold { lock_addr, .. } => *lock_addr,
        }
    }

    /// Attaches the holder's stack to a wait if the lock's published one (`blamed`, see
    /// `LockMeta::blamed`) is that holder's.
    pub(super) fn pair(&mut self, blamed: u64) {
        if let Pending::Wait {
            holder_id,
            wait_ns,
            at_ns,
            holder_stack,
            ..
        } = self
            && *holder_stack == 0
        {
            *holder_stack = stacks::holder_stack_for(
                blamed,
                *holder_id,
                *at_ns,
                at_ns.saturating_add(*wait_ns),
            );
        }
    }

    /// Emits it as an event of `thread_name` (`thread_id`), with the stacks it names defined
    /// first for subscribers that need them.
    #[inline]
    pub(super) fn emit(self, thread_name: &str, thread_id: u64) {
        match self {
            Pending::Wait {
                subject,
                holder_id,
                wait_ns,
                at_ns,
                timed_out,
                stack,
                holder_stack,
                ..
            } => {
                let holder = thread::name_of(holder_id);
                stacks::define_for_subscriber(stack, thread_name, thread_id);
                stacks::define_for_subscriber(holder_stack, thread_name, thread_id);
                emit::wait(
                    &subject.with_thread(thread_name, thread_id),
                    &WaitFields {
                        holder: &holder,
                        holder_id,
                        wait_ns,
                        at_ns,
                        timed_out,
                        stack,
                        holder_stack,
                    },
                );
            }
            Pending::Hold {
                subject, fields, ..
            } => {
                stacks::define_for_subscriber(fields.stack, thread_name, thread_id);
                emit::hold(&subject.with_thread(thread_name, thread_id), &fields);
            }
        }
    }
}
