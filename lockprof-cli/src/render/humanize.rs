//! Numbers for people: durations with 3 significant digits and a unit, counts with thousands
//! separators.

/// `ns` nanoseconds as `850 ns`, `12.3 µs`, `1.20 ms`, `4.56 s`.
pub fn duration(ns: u64) -> String {
    const UNITS: [(f64, &str); 3] = [(1e9, "s"), (1e6, "ms"), (1e3, "µs")];
    for (scale, unit) in UNITS {
        // 999.7 µs rounds to 1000 at 3 digits: show it as 1.00 ms instead.
        if ns as f64 >= scale * 0.9995 {
            return format!("{} {unit}", three_digits(ns as f64 / scale));
        }
    }
    format!("{ns} ns")
}

/// A histogram bucket boundary, exact in the largest unit that divides it: `500 ns`, `20 µs`,
/// `1 s`.
pub fn boundary(ns: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "µs")];
    for (scale, unit) in UNITS {
        if ns >= scale && ns.is_multiple_of(scale) {
            return format!("{} {unit}", ns / scale);
        }
    }
    format!("{ns} ns")
}

/// `v` with 3 significant digits (for `v ≥ 1`): `1.23`, `12.3`, `123`, `1234`.
fn three_digits(v: f64) -> String {
    // Round first so 9.996 prints as 10.0, not 10.00.
    let decimals = |x: f64| {
        if x < 10.0 {
            2
        } else if x < 100.0 {
            1
        } else {
            0
        }
    };
    let d = decimals(v);
    let rounded = format!("{v:.d$}");
    let back: f64 = rounded.parse().unwrap_or(v);
    let d2 = decimals(back);
    format!("{v:.d2$}")
}

/// `n` with `,` between thousands: `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and `noun`, plural unless `n` is 1: `1 wait`, `1,234 waits`.
pub fn count_of(n: u64, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", count(n))
}

/// A percentage with one decimal: `37.4%`.
pub fn percent(p: f64) -> String {
    format!("{p:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(0), "0 ns");
        assert_eq!(duration(999), "999 ns");
        assert_eq!(duration(1_000), "1.00 µs");
        assert_eq!(duration(12_345), "12.3 µs");
        assert_eq!(duration(9_999_999), "10.0 ms");
        assert_eq!(duration(999_499), "999 µs");
        assert_eq!(duration(999_700), "1.00 ms");
        assert_eq!(duration(123_456_789), "123 ms");
        assert_eq!(duration(4_560_000_000), "4.56 s");
        assert_eq!(duration(u64::MAX), "18446744074 s");
    }

    #[test]
    fn boundaries() {
        assert_eq!(boundary(0), "0 ns");
        assert_eq!(boundary(500), "500 ns");
        assert_eq!(boundary(20_000), "20 µs");
        assert_eq!(boundary(1_000_000_000), "1 s");
        assert_eq!(boundary(100_000_000_000), "100 s");
    }

    #[test]
    fn counts() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }
}
