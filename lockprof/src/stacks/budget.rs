//! The process-wide budget of stack captures: a token bucket in the form of GCRA (one atomic
//! "theoretical arrival time"), so a capture that is allowed costs one compare-exchange and one
//! that is not costs a load — no lock, whatever the number of contending threads.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use super::DEFAULT_STACK_CAPTURE_RATE;

struct Bucket {
    /// Captures per second; 0 allows none.
    rate: AtomicU32,
    /// When the bucket would be full again if nothing more were taken (lockprof ns).
    tat: AtomicU64,
}

impl Bucket {
    const fn new(rate: u32) -> Bucket {
        Bucket {
            rate: AtomicU32::new(rate),
            tat: AtomicU64::new(0),
        }
    }

    fn take(&self, now: u64) -> bool {
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

static BUCKET: Bucket = Bucket::new(DEFAULT_STACK_CAPTURE_RATE);

pub(super) fn set_rate(per_second: u32) {
    BUCKET.rate.store(per_second, Relaxed);
}

/// Takes one capture's worth at time `now`, if the budget has it.
pub(super) fn take(now: u64) -> bool {
    BUCKET.take(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_the_rate() {
        let bucket = Bucket::new(1_000);
        let t0 = 5_000_000_000;
        let burst = (0..1_000).filter(|_| bucket.take(t0)).count();
        assert_eq!(burst, 100);
        // 10 ms later: 10 more.
        let later = (0..1_000).filter(|_| bucket.take(t0 + 10_000_000)).count();
        assert_eq!(later, 10);
        bucket.rate.store(0, Relaxed);
        assert!(!bucket.take(t0 + 1_000_000_000));
    }
}
