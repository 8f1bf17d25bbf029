//! The contract between the locks that emit `tracing` events and everything that reads them: the
//! event target, the event kinds and the field names. docs/EVENTS.md documents each field; the
//! emitter, the trace Layer and the CLI's JSON-lines reader all use these constants, so the three
//! cannot drift apart.

/// The `tracing` target of every lockprof event.
pub const TARGET: &str = "lockprof";

/// Field holding the event kind: one of [`WAIT`], [`HOLD`], [`SUMMARY`].
pub const EVENT: &str = "event";
/// `event` value of a contended acquisition (one wait).
pub const WAIT: &str = "wait";
/// `event` value of a hold (the time between acquire and release).
pub const HOLD: &str = "hold";
/// `event` value of a per-thread, per-lock, per-site summary of counts and short waits/holds.
pub const SUMMARY: &str = "summary";
/// `event` value of a stack definition: the frames of a native stack id, for subscribers other
/// than the lockprof Layer (which writes stacks into the trace itself). See docs/EVENTS.md.
pub const STACK_DEF: &str = "stack";

/// Lock name: the name given to `named`, or the creation site `file:line`.
pub const LOCK: &str = "lock";
/// Process-unique lock id (u64, never 0).
pub const LOCK_ID: &str = "lock_id";
/// `"mutex"`, `"rwlock"` or `"semaphore"`.
pub const LOCK_KIND: &str = "lock_kind";
/// `"exclusive"`, `"shared"` or `"upgradable"`.
pub const MODE: &str = "mode";
/// Name of the thread that waited or held (`thread-<id>` when unnamed).
pub const THREAD: &str = "thread";
/// Process-unique lockprof thread id (u64, never 0).
pub const THREAD_ID: &str = "thread_id";
/// `file:line` of the acquire call.
pub const SITE: &str = "site";
/// Monotonic nanoseconds since the process's lockprof epoch: start of the wait or hold, or the
/// flush time of a summary.
pub const AT_NS: &str = "at_ns";
/// How many acquisitions this event stands for (sampling weight; 1 when not sampled).
pub const WEIGHT: &str = "weight";

/// Wait, hold, summary of an async lock (`lockprof::tokio`): the task that waited or held, as
/// its innermost entered `tracing` span's name, else `task-<tokio task id>`. Absent for the sync
/// locks, and for an async lock used outside any task and span.
pub const TASK: &str = "task";

/// Wait: name of the thread that held the lock when the wait began (empty when unknown).
pub const HOLDER: &str = "holder";
/// Wait: lockprof thread id of that holder (0 when unknown).
pub const HOLDER_ID: &str = "holder_id";
/// Wait: nanoseconds waited.
pub const WAIT_NS: &str = "wait_ns";
/// Wait: `true` when the wait gave up (`try_lock_for` / `try_lock_until` timed out).
pub const TIMED_OUT: &str = "timed_out";

/// Wait, hold: id of the native stack of the event's thread — where it waited (a mutex's waiter
/// captures it after the hold that follows, an `RwLock`'s before it blocks), or where it held the
/// lock (captured after the release of a hold that made others wait). 0 when none was captured. Ids are process-wide; a `stack` event (or the trace's Stack
/// record) gives the frames. Stack definitions also carry it.
pub const STACK: &str = "stack";
/// Wait: id of the holder's native stack at the hold this wait was for, when the holder had
/// published it by the time the wait was emitted (0: not known; readers may pair the wait with
/// the holder's hold event by time instead).
pub const HOLDER_STACK: &str = "holder_stack";
/// Stack definition: the frames, one per line, root first; each line is the demangled function,
/// then a tab and `file:line` when known. Frames without symbols read `module+0xoffset`.
pub const FRAMES: &str = "frames";
/// Stack definition: `true` when the stack was deeper than lockprof captures (root frames missing).
pub const TRUNCATED: &str = "truncated";
/// Stack definition: `true` when some frames had no symbols (shown as `module+0xoffset`).
pub const UNRESOLVED: &str = "unresolved";

/// Hold: nanoseconds held.
pub const HOLD_NS: &str = "hold_ns";
/// Hold: total nanoseconds other threads waited for the lock during this hold.
pub const BLAME_NS: &str = "blame_ns";
/// Hold: number of threads waiting when the hold ended.
pub const WAITERS: &str = "waiters";
/// Hold: `false` when the hold began untimed (a cold lock) and `hold_ns` is a lower bound
/// measured from the first waiter's arrival.
pub const HOLD_EXACT: &str = "hold_exact";

/// Summary: exact number of acquisitions (contended or not).
pub const ACQUISITIONS: &str = "acquisitions";
/// Summary: exact number of contended acquisitions (including those reported as wait events).
pub const CONTENDED: &str = "contended";
/// Summary: exact number of timed acquisitions that gave up.
pub const TIMEOUTS: &str = "timeouts";
/// Summary: number of short waits in `wait_hist` (waits not reported as wait events).
pub const WAITS: &str = "waits";
/// Summary: base64 (standard alphabet, padded) HdrHistogram V2 serialization of the short waits, ns.
pub const WAIT_HIST: &str = "wait_hist";
/// Summary: weighted number of holds in `hold_hist` (holds not reported as hold events).
pub const HOLDS: &str = "holds";
/// Summary: base64 HdrHistogram V2 serialization of those holds, ns, counts weighted.
pub const HOLD_HIST: &str = "hold_hist";
/// Summary: how many of the summary's `blame_ns` nanoseconds are a statistical estimate (sampled
/// holds' own blame times their sampling weight) rather than exact; 0 when all are exact.
pub const BLAME_ESTIMATED_NS: &str = "blame_estimated_ns";
/// Summary: nanoseconds threads waited on the lock that the recording thread passed over without
/// charging them to a hold exactly: hand-offs (a hold's release to the next acquisition, no hold's
/// doing) and, in a storm of short holds, the waiting during the holds not measured (which
/// BLAME_ESTIMATED_NS estimates). Σ (blame − blame estimated) + Σ this = Σ wait of the lock.
pub const UNATTRIBUTED_NS: &str = "unattributed_ns";
/// Summary: the native stack of one of the summary's waits, drawn with a chance in proportion to
/// its length, so that the summary's `wait_ns` can be shown under a stack (0: none).
pub const WAIT_STACK: &str = "wait_stack";
/// Summary: the native stack of one of the summary's measured holds, drawn with a chance in
/// proportion to its blame (0: none).
pub const BLAME_STACK: &str = "blame_stack";
// Summary events also carry WAIT_NS (exact sum of the short waits), HOLD_NS (weighted sum of the
// short holds) and BLAME_NS (sum of blame of holds not reported as hold events, of which
// BLAME_ESTIMATED_NS is estimated).

/// `mode` values.
pub const EXCLUSIVE: &str = "exclusive";
/// `mode` value of a read lock.
pub const SHARED: &str = "shared";
/// `mode` value of an upgradable read lock.
pub const UPGRADABLE: &str = "upgradable";
/// `lock_kind` value of a `Mutex`.
pub const MUTEX: &str = "mutex";
/// `lock_kind` value of an `RwLock`.
pub const RWLOCK: &str = "rwlock";
/// `lock_kind` value of a `lockprof::tokio::Semaphore`.
pub const SEMAPHORE: &str = "semaphore";

/// The name events and traces give a thread that has none: `thread-<id>`, with its lockprof id.
pub fn unnamed_thread(id: u64) -> String {
    format!("thread-{id}")
}
