//! A stack as the trace shows it: symbolized frames, root first, lockprof's and the runtime's
//! trimmed.

use std::sync::Arc;

/// One frame of a symbolized stack.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Frame {
    /// Demangled function name without its hash (`bank::Bank::transfer`), or `module+0xoffset`
    /// when the address has no symbol.
    pub(crate) function: Box<str>,
    /// Source file, empty when unknown.
    pub(crate) file: Box<str>,
    /// Source line, 0 when unknown.
    pub(crate) line: u32,
    /// Inlined into its caller (the next frame toward the root).
    pub(crate) inlined: bool,
    /// `false` when no symbol was found: `function` is `module+0xoffset`.
    pub(crate) resolved: bool,
}

/// A stack after symbolization and trimming.
#[derive(Debug)]
pub(crate) struct Symbolized {
    /// Root-most first; lockprof, lock_api, parking_lot, std, core, alloc and backtrace frames
    /// (and the C runtime's) are left out.
    pub(crate) frames: Vec<Arc<Frame>>,
    /// The capture hit `MAX_STACK_FRAMES`: root-most frames are missing.
    pub(crate) truncated: bool,
    /// Some addresses had no symbols (a stripped binary or library).
    pub(crate) unresolved: bool,
}
