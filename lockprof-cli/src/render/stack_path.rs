//! The stacks every stack-shaped output draws (flamegraphs, folded stacks, pprof profiles): per
//! cell of every lock, the frames from the thread or task (root) through its spans and native stack to
//! the acquire site and the lock (leaf). One builder, so that a pprof profile and a flamegraph of
//! the same trace show the same stacks; each output only escapes and weighs them its own way.

use crate::flame::Frames;
use crate::render::names::{NO_STACK_FRAME, lock_title};
use crate::{Cell, Profile};

/// What a frame of a stack path stands for. Outputs that can say more than a name (pprof gives
/// a site its file and line) tell frames apart by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// The thread's name, or an async lock's task (its thread says nothing of the code): the
    /// root.
    Thread,
    /// The name of an entered `tracing` span.
    Span,
    /// A native stack frame (a function name), or [`NO_STACK_FRAME`].
    Native,
    /// The acquire site, `file:line`.
    Site,
    /// The lock's title: the leaf.
    Lock,
}

/// One frame of a stack path: its unescaped name and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PathFrame<'a> {
    pub(crate) kind: FrameKind,
    pub(crate) name: &'a str,
}

/// Calls `visit` with the frames (root first) and the numbers of every cell of every lock, in
/// the profile's lock order and each lock's cell order. `frames` chooses the frames between the
/// thread and the site; when the profile has native stacks, a cell without one gets
/// [`NO_STACK_FRAME`] so that every nanosecond stays in the picture. Cells of any weight are
/// visited: each output leaves out what it does not weigh.
pub(crate) fn for_each_path(
    profile: &Profile,
    frames: Frames,
    mut visit: impl FnMut(&[PathFrame<'_>], &Cell),
) {
    for lock in &profile.locks {
        let title = lock_title(profile, lock);
        let mut path: Vec<PathFrame<'_>> = Vec::new();
        for s in &lock.stacks {
            path.clear();
            path.push(PathFrame {
                kind: FrameKind::Thread,
                name: s.task.as_ref().unwrap_or(&s.thread),
            });
            if frames.spans() {
                path.extend(s.spans.iter().map(|name| PathFrame {
                    kind: FrameKind::Span,
                    name,
                }));
            }
            if frames.native() {
                if !s.frames.is_empty() {
                    path.extend(s.frames.iter().map(|name| PathFrame {
                        kind: FrameKind::Native,
                        name,
                    }));
                } else if profile.native_stacks {
                    path.push(PathFrame {
                        kind: FrameKind::Native,
                        name: NO_STACK_FRAME,
                    });
                }
            }
            path.push(PathFrame {
                kind: FrameKind::Site,
                name: &s.site,
            });
            path.push(PathFrame {
                kind: FrameKind::Lock,
                name: &title,
            });
            visit(&path, &s.cell);
        }
    }
}
