//! Escaping untrusted names (locks, threads, sites, spans come from trace files) for each output:
//! terminal, Markdown, folded stacks, pprof's frame names, HTML text and attributes, and JSON
//! inside an HTML `<script>`. SVG and JSON are escaped by their writers (inferno, serde_json). A
//! protobuf string must be valid UTF-8, which every name is: lockprof's readers reject any
//! other.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that would change what a terminal shows: C0/C1 controls, DEL, and the Unicode
/// bidirectional overrides that can reorder the rest of a line.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Writes `c` as a visible escape: `\n`, `\t`, `\r`, or `\u{..}`.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` safe to print on a terminal: control characters and bidi overrides become visible
/// escapes (`\n`, `\u{1b}`), so a name cannot move the cursor, recolor, or hide text.
pub(crate) fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` in double quotes, terminal-safe, for error messages.
pub(crate) fn quoted(s: &str) -> String {
    format!("\"{}\"", terminal(s).replace('"', "\\\""))
}

/// `s` safe inside a Markdown table cell (GitHub flavour): the characters that start emphasis,
/// code, links, HTML, entities or cell breaks are backslash-escaped, and control characters
/// become visible escapes, so a name renders as the literal text it is.
pub(crate) fn markdown(s: &str) -> Cow<'_, str> {
    const SPECIAL: &[char] = &[
        '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '&', '#', '!', '$',
    ];
    if !s.chars().any(|c| SPECIAL.contains(&c) || is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if SPECIAL.contains(&c) {
            out.push('\\');
            out.push(c);
        } else if is_unsafe(c) {
            // The escape's own backslash must render literally too.
            let mut e = String::new();
            push_escaped(&mut e, c);
            out.push('\\');
            out.push_str(&e);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Frame name used for a frame with no name.
pub(crate) const EMPTY_FRAME: &str = "[unknown]";

/// `s` as a frame name where frames are not joined into one line (pprof's functions): terminal
/// safe, as tools print them (`go tool pprof -top`), and [`EMPTY_FRAME`] when empty.
pub(crate) fn frame_name(s: &str) -> Cow<'_, str> {
    if s.trim().is_empty() {
        return Cow::Borrowed(EMPTY_FRAME);
    }
    terminal(s)
}

/// `s` usable as one frame of a folded stack: `;` separates frames there, so it becomes `:`;
/// control characters become visible escapes (a newline would end the stack); an empty name
/// becomes [`EMPTY_FRAME`].
pub(crate) fn folded_frame(s: &str) -> Cow<'_, str> {
    if s.trim().is_empty() {
        return Cow::Borrowed(EMPTY_FRAME);
    }
    if !s.chars().any(|c| c == ';' || is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == ';' {
            out.push(':');
        } else if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` safe as HTML text or as a quoted attribute value: `&`, `<`, `>`, `"` and `'` become
/// character references, and control characters and bidi overrides visible escapes, as on a
/// terminal (a name cannot reorder the text around it).
pub(crate) fn html(s: &str) -> Cow<'_, str> {
    let s = terminal(s);
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return s;
    }
    Cow::Owned(markup_attribute(&s))
}

/// Markup put inside a quoted HTML attribute (an `<iframe srcdoc>`'s document): only `&`, `<`,
/// `>`, `"` and `'` become character references, so the markup comes back whole, newlines and
/// all, when the attribute is read. The names inside it must be escaped already (inferno escapes
/// the flamegraph's, after the folded stacks made their control characters visible).
pub(crate) fn markup_attribute(markup: &str) -> String {
    let mut out = String::with_capacity(markup.len() + markup.len() / 8);
    for c in markup.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON text made safe inside an HTML `<script>` element: `<`, `>` and `&` become `\u` escapes
/// (so no `</script>` or `<!--` can end or change the element), as do U+2028 and U+2029 (line
/// ends to older JavaScript), and the control characters and bidi overrides serde_json leaves
/// raw, as every output keeps them out. Only valid inside JSON strings, where serde_json puts
/// every name; outside them the JSON text has none of these characters.
pub(crate) fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') || is_unsafe(c) && c != '\n' {
            // Every such character is in the Basic Multilingual Plane: one `\uXXXX`.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_neutralizes_controls() {
        assert_eq!(terminal("plain µs"), "plain µs");
        assert_eq!(terminal("a\x1b[31mred\nb"), "a\\u{1b}[31mred\\nb");
        assert_eq!(terminal("x\u{202e}y\u{9b}"), "x\\u{202e}y\\u{9b}");
        assert_eq!(quoted("a\"b\x07"), "\"a\\\"b\\u{7}\"");
    }

    #[test]
    fn markdown_cells_cannot_break_out() {
        assert_eq!(markdown("src/a.rs:42"), "src/a.rs:42");
        assert_eq!(markdown("a|b`c`"), "a\\|b\\`c\\`");
        assert_eq!(markdown("<script>x</script>"), "\\<script\\>x\\</script\\>");
        assert_eq!(markdown("l1\nl2"), "l1\\\\nl2");
        assert_eq!(markdown("*[x](y)*"), "\\*\\[x\\](y)\\*");
    }

    #[test]
    fn folded_frames_stay_one_frame() {
        assert_eq!(folded_frame("a;b"), "a:b");
        assert_eq!(folded_frame("a\nb 3"), "a\\nb 3");
        assert_eq!(folded_frame(""), EMPTY_FRAME);
        assert_eq!(folded_frame("  "), EMPTY_FRAME);
    }

    #[test]
    fn html_text_and_attributes_stay_text() {
        assert_eq!(html("src/a.rs:42"), "src/a.rs:42");
        assert_eq!(
            html("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(html("x\u{202e}y\n"), "x\\u{202e}y\\n");
    }

    #[test]
    fn json_in_a_script_cannot_end_it() {
        let name = "</script><!-- & \u{2028}\u{202e}\u{9b}";
        let json = serde_json::to_string_pretty(&[name]).unwrap();
        let safe = script_json(&json);
        assert!(!safe.contains(['<', '>', '&', '\u{2028}', '\u{202e}', '\u{9b}']));
        let back: Vec<String> = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, [name]);
    }

    #[test]
    fn frame_names_are_terminal_safe_and_never_empty() {
        assert_eq!(frame_name("a;b"), "a;b");
        assert_eq!(frame_name("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(frame_name(""), EMPTY_FRAME);
    }
}
