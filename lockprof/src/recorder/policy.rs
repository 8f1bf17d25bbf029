//! Which waits and holds become individual events and which go into the summary. An event is
//! for what a profile is read for: a wait or a hold at least `config::event_threshold_ns` long,
//! or a hold that made others wait that long, as far as the process-wide rate
//! (`config::set_event_rate_limit`) and the thread's own reserves allow. What is not an event is
//! counted in the summary, so nothing goes unaccounted.

use crate::emit::HoldFields;
use crate::rate_limit::RateLimit;
use crate::{config, stacks};

/// Individual events a thread may emit per second even when the process-wide budget
/// (`config::set_event_rate_limit`) is spent: a storm of events from other threads cannot take
/// every event of a thread that waits or holds long only now and then.
const RESERVE_PER_SECOND: u32 = 100;

/// Waits and holds of this much waiting or more are what a profile is read for: a thread may emit
/// [`LONG_EVENTS_PER_SECOND`] of them when both budgets above are spent (a thread cannot wait a
/// millisecond more than a thousand times a second, so this bounds nothing a thread could do
/// with waits; it bounds holds that make hundreds of threads wait).
const LONG_EVENT_NS: u64 = 1_000_000;
const LONG_EVENTS_PER_SECOND: u32 = 1_000;

/// Whether a measured hold is long enough, or made others wait long enough, to be a hold event
/// (rather than part of a summary), budget permitting. Only a hold's own blame makes it one.
pub(crate) fn is_event_sized(hold: &HoldFields) -> bool {
    let threshold = config::event_threshold_ns();
    hold.exact && hold.hold_ns >= threshold || hold.blame_ns >= threshold
}

/// Where a measured hold goes.
pub(super) enum HoldGoes {
    /// An event of its own, standing for `weight` holds.
    Event { weight: u64 },
    /// The summary: its blame, and with `histogram_weight` its length, standing for so many
    /// holds.
    Summary { histogram_weight: Option<u64> },
}

/// One thread's reserves of events, for when the process-wide budget is spent.
#[derive(Debug)]
pub(super) struct Reserves {
    /// Any events ([`RESERVE_PER_SECOND`]), starting full.
    reserve: RateLimit,
    /// Long events ([`LONG_EVENTS_PER_SECOND`]), starting full.
    long_reserve: RateLimit,
}

impl Reserves {
    pub(super) fn new() -> Reserves {
        Reserves {
            reserve: RateLimit::new(RESERVE_PER_SECOND),
            long_reserve: RateLimit::new(LONG_EVENTS_PER_SECOND),
        }
    }

    /// Whether a wait of `wait_ns` that ended at `end` is an event (taking one from the budget),
    /// rather than part of the summary. One that found the stack budget spent (`stackless`)
    /// goes to the summary unless it is long: the summary's drawn stack then stands for it,
    /// where as an event it would have none.
    #[inline(always)]
    pub(super) fn wait_is_event(&mut self, wait_ns: u64, end: u64, stackless: bool) -> bool {
        wait_ns >= config::event_threshold_ns()
            && !(stackless && wait_ns < LONG_EVENT_NS)
            && self.take_event(end, wait_ns)
    }

    /// Where a measured hold goes (taking an event from the budget if it is one). `defer`: the
    /// hold was released for a condition variable wait, whose event waits for the next release
    /// of the lock; one that made others wait at all is then an event, budget permitting.
    #[inline(always)]
    pub(super) fn place_hold(&mut self, hold: &HoldFields, defer: bool) -> HoldGoes {
        let big = is_event_sized(hold);
        let now = hold.at_ns + hold.hold_ns;
        // A long hold stands for itself (weight 1) even when it was also the sample: every long
        // hold that is measured is reported, so counting it N times would count it twice.
        let weight = if big { 1 } else { hold.weight };
        // A hold that made others wait took a stack if it is event-sized, budget permitting
        // (`acquire::release::release_slow`); past the budget, one of short blame goes to the summary,
        // whose drawn stack then stands for it, as for waits.
        let stackless = hold.blame_ns > 0 && hold.stack == 0 && !defer && stacks::stack_capture();
        if (big || defer && hold.blame_ns > 0)
            && !(stackless && hold.blame_ns < LONG_EVENT_NS)
            && self.take_event(now, hold.blame_ns)
        {
            return HoldGoes::Event { weight };
        }
        // The histogram is of sampled holds (which stand for all holds) and of long ones that
        // found no room in the event budget; other measured holds (measured because others
        // waited) are already represented by the sample.
        HoldGoes::Summary {
            histogram_weight: (big || hold.sampled).then_some(weight),
        }
    }

    /// One individual event's worth at `now`: from the process-wide budget, else this thread's
    /// reserve, else, for `waiting_ns` of at least [`LONG_EVENT_NS`], its reserve of long events.
    #[inline]
    fn take_event(&mut self, now: u64, waiting_ns: u64) -> bool {
        config::take_event(now)
            || self.reserve.take(now)
            || waiting_ns >= LONG_EVENT_NS && self.long_reserve.take(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A measured hold at the default threshold (10 µs).
    fn hold(hold_ns: u64, blame_ns: u64, exact: bool) -> HoldFields {
        HoldFields {
            hold_ns,
            blame_ns,
            blame_extra_ns: 0,
            unattributed_ns: 0,
            waiters: 1,
            at_ns: 1_000_000,
            weight: 1,
            exact,
            sampled: false,
            stack: 0,
        }
    }

    #[test]
    fn a_hold_is_an_event_for_its_length_or_its_blame() {
        assert_eq!(config::event_threshold_ns(), 10_000, "default threshold");
        // A short hold that made others wait 50 µs is an event...
        assert!(is_event_sized(&hold(50, 50_000, true)));
        // ...one that made them wait 5 µs is not, nor is a long untimed one (its length is a
        // bound, not a measurement)...
        assert!(!is_event_sized(&hold(50, 5_000, true)));
        assert!(!is_event_sized(&hold(80_000, 5_000, false)));
        // ...and a hold that was itself long, timed, is.
        assert!(is_event_sized(&hold(20_000, 0, true)));
    }
}
