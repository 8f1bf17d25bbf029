//! HTML tables whose cells escape what they hold: the report's untrusted names (locks, threads,
//! sites, stacks) can only reach the page as text. Markup is written only by [`Cell::Link`],
//! from an anchor this module makes and text it escapes.

use std::fmt::Write as _;

use crate::escape;

/// One cell of a table.
#[derive(Clone, Debug)]
pub(super) enum Cell {
    /// Text, escaped, aligned left (names wrap).
    Text(String),
    /// A figure: the text shown, and the number the column sorts by.
    Num { text: String, sort: f64 },
    /// Text, escaped, linking to the anchor `#id` of this page.
    Link { text: String, id: String },
}

impl Cell {
    /// A count or a duration: `text`, sorted by `value`.
    pub(super) fn num(text: impl Into<String>, value: u64) -> Cell {
        Cell::Num {
            text: text.into(),
            sort: value as f64,
        }
    }

    /// A share or a percentage: `text`, sorted by `value`.
    pub(super) fn float(text: impl Into<String>, value: f64) -> Cell {
        Cell::Num {
            text: text.into(),
            sort: value,
        }
    }
}

/// A table: its header, its rows, and whether a click on a header sorts it.
#[derive(Debug)]
pub(super) struct Table<'a> {
    pub(super) header: &'a [&'a str],
    pub(super) rows: Vec<Vec<Cell>>,
    pub(super) sortable: bool,
}

impl Table<'_> {
    /// Writes the table; nothing when it has no rows.
    pub(super) fn write(&self, out: &mut String) {
        if self.rows.is_empty() {
            return;
        }
        let class = if self.sortable {
            " class=\"sortable\""
        } else {
            ""
        };
        let _ = write!(out, "<table{class}><thead><tr>");
        for (i, h) in self.header.iter().enumerate() {
            // A header is aligned as its column: names left, figures right.
            let text = !matches!(self.rows[0].get(i), Some(Cell::Num { .. }));
            let align = if text { " class=\"text\"" } else { "" };
            let _ = write!(out, "<th{align}>{}</th>", escape::html(h));
        }
        out.push_str("</tr></thead><tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                write_cell(out, cell);
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
    }
}

fn write_cell(out: &mut String, cell: &Cell) {
    let _ = match cell {
        Cell::Text(text) => write!(out, "<td class=\"name\">{}</td>", escape::html(text)),
        Cell::Num { text, sort } => write!(
            out,
            "<td data-v=\"{}\">{}</td>",
            // A finite number for the script's sort; an infinite share sorts as the largest.
            if sort.is_finite() { *sort } else { f64::MAX },
            escape::html(text)
        ),
        Cell::Link { text, id } => write!(
            out,
            "<td class=\"name\"><a href=\"#{}\">{}</a></td>",
            escape::html(id),
            escape::html(text)
        ),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_hold_text_only() {
        let mut out = String::new();
        Table {
            header: &["lock", "wait"],
            rows: vec![vec![
                Cell::Link {
                    text: "<b>x</b>".into(),
                    id: "lock-1\"><script>".into(),
                },
                Cell::num("1 <ms>", 7),
            ]],
            sortable: true,
        }
        .write(&mut out);
        assert!(
            out.contains("<a href=\"#lock-1&quot;&gt;&lt;script&gt;\">&lt;b&gt;x&lt;/b&gt;</a>")
        );
        assert!(out.contains("<td data-v=\"7\">1 &lt;ms&gt;</td>"));
        assert!(!out.contains("<b>") && !out.contains("<script>"));
        let mut empty = String::new();
        Table {
            header: &["lock"],
            rows: Vec::new(),
            sortable: false,
        }
        .write(&mut empty);
        assert!(empty.is_empty());
    }
}
