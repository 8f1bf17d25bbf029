//! Record payloads to records: a fast path for waits and holds (nearly every record of a trace)
//! and a careful path for everything else that says exactly what is wrong with a bad record.

use super::format::{self, flags, kind};
use super::varint::{self, Decoder, FastDecoder};
use super::{HistogramForm, Hold, RecordRef, StrId, Summary, Wait, stack_record};

/// What decoding carries from one record to the next.
#[derive(Debug, Default)]
pub(super) struct State {
    /// Strings defined so far (ids are dense, so this is also the next id).
    pub(super) strings: u64,
    /// `at_ns` of the previous event record: the base of the next delta.
    pub(super) last_at_ns: u64,
}

/// A decoded record. A summary comes out owned so that the reader can either hand it over (the
/// owning iterator) or keep it and lend it (`next_ref`) without copying its histograms.
#[derive(Debug)]
pub(super) enum Decoded<'a, H> {
    /// Any record but a summary.
    Ref(RecordRef<'a, H>),
    /// A summary.
    Summary(Box<Summary<H>>),
}

/// Decodes the payload `bytes[..len]` of a record of known type `record_type`. `bytes` may go on
/// past the payload (the fast path loads eight bytes at a time); nothing after `len` is used.
///
/// # Errors
/// Why the payload is corrupt; the reader adds the offset.
#[inline]
pub(super) fn decode<'a, H: HistogramForm>(
    state: &mut State,
    record_type: u8,
    bytes: &'a [u8],
    len: usize,
) -> Result<Decoded<'a, H>, String> {
    match record_type {
        kind::WAIT => {
            if let Some(wait) = fast_wait(state, bytes, len) {
                state.last_at_ns = wait.at_ns;
                return Ok(Decoded::Ref(RecordRef::Wait(wait)));
            }
        }
        kind::HOLD => {
            if let Some(hold) = fast_hold(state, bytes, len) {
                state.last_at_ns = hold.at_ns;
                return Ok(Decoded::Ref(RecordRef::Hold(hold)));
            }
        }
        _ => {}
    }
    // A bad wait or hold is decoded a second time here, which finds the same fault and names it.
    decode_checked(state, record_type, bytes.get(..len).unwrap_or(bytes))
}

/// A wait, or `None` for anything [`decode_checked`] would have to look at more closely.
#[inline(always)]
fn fast_wait(state: &State, bytes: &[u8], len: usize) -> Option<Wait> {
    let mut d = FastDecoder::new(bytes, len);
    let f = d.byte()?;
    if f & !flags::EVENT_KNOWN != 0 {
        return None;
    }
    let mut wait = Wait {
        mode: format::mode_from_code(f & flags::MODE_MASK)?,
        timed_out: f & flags::TIMED_OUT != 0,
        lock: d.u64()?,
        thread: d.u64()?,
        site: fast_str_id(state, &mut d)?,
        holder: d.u64()?,
        wait_ns: d.u64()?,
        at_ns: fast_at_ns(state, &mut d)?,
        weight: 1,
        stack: 0,
        holder_stack: 0,
        spans: 0,
        task: None,
    };
    if f & flags::HAS_WEIGHT != 0 {
        wait.weight = d.u64()?;
    }
    if d.has_more() {
        wait.stack = d.u64()?;
        wait.holder_stack = d.u64()?;
        wait.spans = d.u64()?;
    }
    if d.has_more() {
        wait.task = fast_task(state, &mut d)?;
    }
    d.finish()?;
    Some(wait)
}

/// A hold, or `None` for anything [`decode_checked`] would have to look at more closely.
#[inline(always)]
fn fast_hold(state: &State, bytes: &[u8], len: usize) -> Option<Hold> {
    let mut d = FastDecoder::new(bytes, len);
    let f = d.byte()?;
    if f & !flags::EVENT_KNOWN != 0 {
        return None;
    }
    let mut hold = Hold {
        mode: format::mode_from_code(f & flags::MODE_MASK)?,
        hold_exact: f & flags::HOLD_EXACT != 0,
        lock: d.u64()?,
        thread: d.u64()?,
        site: fast_str_id(state, &mut d)?,
        hold_ns: d.u64()?,
        blame_ns: d.u64()?,
        waiters: u32::try_from(d.u64()?).ok()?,
        at_ns: fast_at_ns(state, &mut d)?,
        weight: 1,
        stack: 0,
        spans: 0,
        task: None,
    };
    if f & flags::HAS_WEIGHT != 0 {
        hold.weight = d.u64()?;
    }
    if d.has_more() {
        hold.stack = d.u64()?;
        hold.spans = d.u64()?;
    }
    if d.has_more() {
        hold.task = fast_task(state, &mut d)?;
    }
    d.finish()?;
    Some(hold)
}

/// The appended `task` field (string id + 1; 0: none), or `None` for a bad one.
#[inline(always)]
fn fast_task(state: &State, d: &mut FastDecoder<'_>) -> Option<Option<StrId>> {
    match d.u64()? {
        0 => Some(None),
        code if code - 1 < state.strings => StrId::try_from(code - 1).ok().map(Some),
        _ => None,
    }
}

#[inline(always)]
fn fast_str_id(state: &State, d: &mut FastDecoder<'_>) -> Option<StrId> {
    let id = d.u64()?;
    if id < state.strings {
        StrId::try_from(id).ok()
    } else {
        None
    }
}

#[inline(always)]
fn fast_at_ns(state: &State, d: &mut FastDecoder<'_>) -> Option<u64> {
    let delta = varint::unzigzag(d.u64()?);
    Some(state.last_at_ns.wrapping_add(delta as u64))
}

/// Decodes any known record type, checking each field by name.
#[cold]
#[inline(never)]
fn decode_checked<'a, H: HistogramForm>(
    state: &mut State,
    record_type: u8,
    payload: &'a [u8],
) -> Result<Decoded<'a, H>, String> {
    let mut d = Decoder::new(payload);
    // Fields appended by later writers of this version follow the known ones: ignored.
    let record = match record_type {
        kind::STRING => {
            let id = d.u32("id")?;
            if u64::from(id) != state.strings {
                return Err(format!(
                    "string id {id} defined out of order (expected {})",
                    state.strings
                ));
            }
            let bytes = d.bytes("value")?;
            let value =
                std::str::from_utf8(bytes).map_err(|e| format!("string {id} is not UTF-8: {e}"))?;
            state.strings += 1;
            RecordRef::String { id, value }
        }
        kind::THREAD => {
            let id = d.u64("id")?;
            let name = str_id(state, &mut d, "name")?;
            RecordRef::Thread { id, name }
        }
        kind::LOCK => {
            let id = d.u64("id")?;
            let name = str_id(state, &mut d, "name")?;
            let mut code = d.u64("kind")?;
            // Appended in version 1: a kind older readers do not know (they read `kind`).
            if !d.is_empty() {
                code = d.u64("kind_ext")?;
            }
            let kind = format::lock_kind_from_code(code)
                .ok_or_else(|| format!("unknown lock kind {code}"))?;
            RecordRef::Lock { id, name, kind }
        }
        kind::WAIT => {
            let f = event_flags(&mut d, flags::EVENT_KNOWN)?;
            let mut wait = Wait {
                mode: mode(f)?,
                timed_out: f & flags::TIMED_OUT != 0,
                lock: d.u64("lock")?,
                thread: d.u64("thread")?,
                site: str_id(state, &mut d, "site")?,
                holder: d.u64("holder")?,
                wait_ns: d.u64("wait_ns")?,
                at_ns: at_ns(state, &mut d)?,
                weight: 1,
                stack: 0,
                holder_stack: 0,
                spans: 0,
                task: None,
            };
            if f & flags::HAS_WEIGHT != 0 {
                wait.weight = d.u64("weight")?;
            }
            // Appended in version 1 (docs/FORMAT.md): absent in older traces.
            if !d.is_empty() {
                wait.stack = d.u64("stack")?;
                wait.holder_stack = d.u64("holder_stack")?;
                wait.spans = d.u64("spans")?;
            }
            if !d.is_empty() {
                wait.task = task(state, &mut d)?;
            }
            state.last_at_ns = wait.at_ns;
            RecordRef::Wait(wait)
        }
        kind::HOLD => {
            let f = event_flags(&mut d, flags::EVENT_KNOWN)?;
            let mut hold = Hold {
                mode: mode(f)?,
                hold_exact: f & flags::HOLD_EXACT != 0,
                lock: d.u64("lock")?,
                thread: d.u64("thread")?,
                site: str_id(state, &mut d, "site")?,
                hold_ns: d.u64("hold_ns")?,
                blame_ns: d.u64("blame_ns")?,
                waiters: d.u32("waiters")?,
                at_ns: at_ns(state, &mut d)?,
                weight: 1,
                stack: 0,
                spans: 0,
                task: None,
            };
            if f & flags::HAS_WEIGHT != 0 {
                hold.weight = d.u64("weight")?;
            }
            if !d.is_empty() {
                hold.stack = d.u64("stack")?;
                hold.spans = d.u64("spans")?;
            }
            if !d.is_empty() {
                hold.task = task(state, &mut d)?;
            }
            state.last_at_ns = hold.at_ns;
            RecordRef::Hold(hold)
        }
        kind::SUMMARY => {
            let f = event_flags(&mut d, flags::SUMMARY_KNOWN)?;
            let mut summary = Summary {
                mode: mode(f)?,
                lock: d.u64("lock")?,
                thread: d.u64("thread")?,
                site: str_id(state, &mut d, "site")?,
                at_ns: at_ns(state, &mut d)?,
                acquisitions: d.u64("acquisitions")?,
                contended: d.u64("contended")?,
                timeouts: d.u64("timeouts")?,
                waits: d.u64("waits")?,
                wait_ns: d.u64("wait_ns")?,
                holds: d.u64("holds")?,
                hold_ns: d.u64("hold_ns")?,
                blame_ns: d.u64("blame_ns")?,
                wait_hist: H::from_v2(d.bytes("wait_hist")?)
                    .map_err(|e| format!("wait_hist: {e}"))?,
                hold_hist: H::from_v2(d.bytes("hold_hist")?)
                    .map_err(|e| format!("hold_hist: {e}"))?,
                blame_estimated_ns: 0,
                unattributed_ns: 0,
                wait_stack: 0,
                blame_stack: 0,
                task: None,
            };
            // Appended in version 1 (docs/FORMAT.md), each absent in older traces, and left out
            // by writers when it and every field after it are 0.
            if !d.is_empty() {
                summary.blame_estimated_ns = d.u64("blame_estimated_ns")?;
            }
            if !d.is_empty() {
                summary.unattributed_ns = d.u64("unattributed_ns")?;
            }
            if !d.is_empty() {
                summary.wait_stack = d.u64("wait_stack")?;
            }
            if !d.is_empty() {
                summary.blame_stack = d.u64("blame_stack")?;
            }
            if !d.is_empty() {
                summary.task = task(state, &mut d)?;
            }
            state.last_at_ns = summary.at_ns;
            return Ok(Decoded::Summary(Box::new(summary)));
        }
        kind::DROPPED => RecordRef::Dropped {
            count: d.u64("count")?,
        },
        kind::FRAME | kind::STACK | kind::SPANS => {
            match stack_record::decode(record_type, payload, state.strings)? {
                stack_record::Decoded::Frame(frame) => RecordRef::Frame(frame),
                stack_record::Decoded::Stack(stack) => RecordRef::Stack(stack),
                stack_record::Decoded::Spans(spans) => RecordRef::Spans(spans),
            }
        }
        other => return Err(format!("record type {other:#04x} is not decodable")),
    };
    Ok(Decoded::Ref(record))
}

/// The appended `task` field: a string id + 1, 0 when there is no task.
fn task(state: &State, d: &mut Decoder<'_>) -> Result<Option<StrId>, String> {
    let code = d.u64("task")?;
    if code == 0 {
        return Ok(None);
    }
    match StrId::try_from(code - 1) {
        Ok(id) if u64::from(id) < state.strings => Ok(Some(id)),
        _ => Err(format!(
            "`task` refers to string {}, which is not defined ({} strings so far)",
            code - 1,
            state.strings
        )),
    }
}

fn str_id(state: &State, d: &mut Decoder<'_>, field: &'static str) -> Result<StrId, String> {
    let id = d.u32(field)?;
    if u64::from(id) < state.strings {
        Ok(id)
    } else {
        Err(format!(
            "`{field}` refers to string {id}, which is not defined ({} strings so far)",
            state.strings
        ))
    }
}

fn at_ns(state: &State, d: &mut Decoder<'_>) -> Result<u64, String> {
    let delta = varint::unzigzag(d.u64("at_ns delta")?);
    Ok(state.last_at_ns.wrapping_add(delta as u64))
}

fn event_flags(d: &mut Decoder<'_>, known: u8) -> Result<u8, String> {
    let f = d.byte("flags")?;
    if f & !known != 0 {
        return Err(format!(
            "flags {f:#010b} set bits this version does not define"
        ));
    }
    Ok(f)
}

fn mode(f: u8) -> Result<crate::Mode, String> {
    let code = f & flags::MODE_MASK;
    format::mode_from_code(code).ok_or_else(|| format!("unknown mode value {code}"))
}
