//! Process-wide budgets (stack captures, individual events): a token bucket in the form of GCRA
//! (one atomic "theoretical arrival time"), so a take that is allowed costs one compare-exchange
//! and one that is not costs a load — no lock, whatever the number of contending threads.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

/// So many per second, in bursts of up to a tenth of a second's worth.
#[derive(Debug)]
pub(crate) struct RateLimit {
    /// Takes allowed per second; 0 allows none.
    rate: AtomicU32,
    /// When the bucket would be full again if nothing more were taken (lockprof ns).
    tat: AtomicU64,
}

impl RateLimit {
    pub(crate) const fn new(per_second: u32) -> RateLimit {
        RateLimit {
            rate: AtomicU32::new(per_second),
            tat: AtomicU64::new(0),
        }
    }

    pub(crate) fn set_rate(&self, per_second: u32) {
        self.rate.store(per_second, Relaxed);
    }

    /// Takes one at time `now` (lockprof ns), if the budget has it.
    pub(crate) fn take(&self, now: u64) -> bool {
        let rate = u64::from(self.rate.load(Relaxed));
        if rate == 0 {
            return false;
        }
        let interval = (1_000_000_000 / rate).max(1);
        // A burst of a tenth of a second's worth.
        let tolerance = interval.saturating_mul((rate / 10).max(1));
        let mut tat = self.tat.load(Relaxed);
        loop {
            let start = tat.max(now);
            if start - now >= tolerance {
                return false;
            }
            match self
                .tat
                .compare_exchange_weak(tat, start + interval, Relaxed, Relaxed)
            {
                Ok(_) => return true,
                Err(current) => tat = current,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_the_rate() {
        let bucket = RateLimit::new(1_000);
        let t0 = 5_000_000_000;
        let burst = (0..1_000).filter(|_| bucket.take(t0)).count();
        assert_eq!(burst, 100);
        // 10 ms later: 10 more.
        let later = (0..1_000).filter(|_| bucket.take(t0 + 10_000_000)).count();
        assert_eq!(later, 10);
        bucket.set_rate(0);
        assert!(!bucket.take(t0 + 1_000_000_000));
    }
}
