//! A distribution as a picture: an inline SVG of its log-scale buckets, each with two bars, its
//! share of the values and its share of their time, on the same 0–100 % scale, so a storm of
//! short waits that is most of the count and little of the time shows as such. Drawn by hand: a
//! few rectangles and labels need no plotting library.

use std::fmt::Write as _;

use crate::render::buckets::{DECADES, log_buckets, shares};
use crate::{Distribution, escape, humanize};

/// Width of the bucket labels, px.
const LABEL_W: u32 = 104;
/// Width of a bar at 100 %, px.
const BAR_W: u32 = 150;
/// Width of the percentage after a bar, px.
const PCT_W: u32 = 52;
/// Height of a row, and of the header row, px.
const ROW_H: u32 = 17;

/// Writes the SVG of `dist`; `values` and `time` say what the two bars count (`waits`, `time
/// waited`). Nothing when the distribution is empty.
pub(super) fn write_histogram(out: &mut String, dist: &Distribution, values: &str, time: &str) {
    let buckets = log_buckets(&dist.histogram(), DECADES);
    if buckets.is_empty() {
        return;
    }
    let width = LABEL_W + 2 * (BAR_W + PCT_W);
    let height = ROW_H * (buckets.len() as u32 + 1) + 2;
    let (x_count, x_time) = (LABEL_W, LABEL_W + BAR_W + PCT_W);
    let _ = write!(
        out,
        "<svg class=\"hist\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"histogram of the {values}, by number and by {time}\">\
         <text x=\"{x_count}\" y=\"12\">by number of {values}</text>\
         <text x=\"{x_time}\" y=\"12\">by {time}</text>",
        values = escape::html(values),
        time = escape::html(time),
    );
    for (i, (b, (count_pct, time_pct))) in buckets.iter().zip(shares(&buckets)).enumerate() {
        let y = ROW_H * (i as u32 + 1);
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\">{}</text>",
            y + 12,
            escape::html(&b.label())
        );
        let bars = [
            (
                x_count,
                "count",
                count_pct,
                humanize::count_of(b.count, "value"),
            ),
            (x_time, "time", time_pct, humanize::duration(b.time)),
        ];
        for (x, class, pct, what) in bars {
            let w = (pct / 100.0 * f64::from(BAR_W)).round() as u32;
            // A bucket with anything in it shows at least a sliver.
            let w = if pct > 0.0 { w.max(1) } else { 0 };
            let pct = humanize::percent(pct);
            let _ = write!(
                out,
                "<rect class=\"track\" x=\"{x}\" y=\"{top}\" width=\"{BAR_W}\" height=\"12\"/>\
                 <rect class=\"{class}\" x=\"{x}\" y=\"{top}\" width=\"{w}\" height=\"12\">\
                 <title>{label}: {what}, {pct}</title></rect>\
                 <text x=\"{tx}\" y=\"{ty}\">{pct}</text>",
                top = y + 2,
                label = escape::html(&b.label()),
                what = escape::html(&what),
                tx = x + BAR_W + 6,
                ty = y + 12,
            );
        }
    }
    out.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_bars_per_bucket_on_one_scale() {
        let mut d = Distribution::default();
        d.record_n(50, 99);
        d.record_n(5_000_000, 1);
        let mut svg = String::new();
        write_histogram(&mut svg, &d, "waits", "time waited");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        // 99 % of the count in the first bucket, nearly all the time in the last.
        assert!(
            svg.contains("class=\"count\" x=\"104\" y=\"19\" width=\"149\""),
            "{svg}"
        );
        assert!(
            svg.contains("class=\"time\" x=\"306\" y=\"19\" width=\"1\""),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect class=\"count\"").count(), 6);
        let mut empty = String::new();
        write_histogram(&mut empty, &Distribution::default(), "waits", "time waited");
        assert!(empty.is_empty());
    }
}
