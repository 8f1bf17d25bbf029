//! Zero-copy parsing of one `tracing_subscriber::fmt().json()` line into the lockprof fields it
//! carries. Event fields are read from the top level (`flatten_event(true)`) or from `"fields"`;
//! keys are matched against the constants of `lockprof::event`, everything else is skipped
//! without being materialized.

use std::borrow::Cow;
use std::fmt;

use lockprof::event;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A string borrowed from the line when it has no escapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A non-negative integer, written as a JSON number or as a decimal string.
struct Num(u64);

impl<'de> de::Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                u64::try_from(v)
                    .map(Num)
                    .map_err(|_| E::custom("negative number"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                if v.is_finite() && v >= 0.0 {
                    Ok(Num(v as u64))
                } else {
                    Err(E::custom("not a non-negative number"))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                v.trim()
                    .parse()
                    .map(Num)
                    .map_err(|_| E::custom("not a number"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A boolean, written as a JSON bool or as `"true"` / `"false"`.
struct Flag(bool);

impl<'de> de::Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
                match v {
                    "true" => Ok(Flag(true)),
                    "false" => Ok(Flag(false)),
                    _ => Err(E::custom("not a boolean")),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The lockprof fields of one event (see `lockprof::event` for their meaning).
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    pub(crate) event: Option<Str<'a>>,
    pub(crate) lock: Option<Str<'a>>,
    pub(crate) lock_id: Option<u64>,
    pub(crate) lock_kind: Option<Str<'a>>,
    pub(crate) mode: Option<Str<'a>>,
    pub(crate) thread: Option<Str<'a>>,
    pub(crate) thread_id: Option<u64>,
    pub(crate) site: Option<Str<'a>>,
    pub(crate) at_ns: Option<u64>,
    pub(crate) weight: Option<u64>,
    pub(crate) wait_ns: Option<u64>,
    pub(crate) timed_out: Option<bool>,
    pub(crate) hold_ns: Option<u64>,
    pub(crate) blame_ns: Option<u64>,
    pub(crate) blame_estimated_ns: Option<u64>,
    pub(crate) unattributed_ns: Option<u64>,
    pub(crate) wait_stack: Option<u64>,
    pub(crate) blame_stack: Option<u64>,
    pub(crate) acquisitions: Option<u64>,
    pub(crate) contended: Option<u64>,
    pub(crate) timeouts: Option<u64>,
    pub(crate) waits: Option<u64>,
    pub(crate) wait_hist: Option<Str<'a>>,
    pub(crate) holds: Option<u64>,
    pub(crate) hold_hist: Option<Str<'a>>,
    pub(crate) holder: Option<Str<'a>>,
    /// An async lock's task label.
    pub(crate) task: Option<Str<'a>>,
    pub(crate) holder_id: Option<u64>,
    pub(crate) stack: Option<u64>,
    pub(crate) holder_stack: Option<u64>,
    pub(crate) waiters: Option<u64>,
    pub(crate) hold_exact: Option<bool>,
    pub(crate) frames: Option<Str<'a>>,
    pub(crate) truncated: Option<bool>,
}

impl<'de> Fields<'de> {
    /// Reads the value of `key` into its field; returns `false` (value not consumed) when the key
    /// is not a lockprof field.
    fn read<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        fn num<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<u64>, A::Error> {
            Ok(Some(map.next_value::<Num>()?.0))
        }
        fn s<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Str<'de>>, A::Error> {
            map.next_value().map(Some)
        }
        match key {
            event::EVENT => self.event = s(map)?,
            event::LOCK => self.lock = s(map)?,
            event::LOCK_ID => self.lock_id = num(map)?,
            event::LOCK_KIND => self.lock_kind = s(map)?,
            event::MODE => self.mode = s(map)?,
            event::THREAD => self.thread = s(map)?,
            event::THREAD_ID => self.thread_id = num(map)?,
            event::SITE => self.site = s(map)?,
            event::AT_NS => self.at_ns = num(map)?,
            event::WEIGHT => self.weight = num(map)?,
            event::WAIT_NS => self.wait_ns = num(map)?,
            event::TIMED_OUT => self.timed_out = Some(map.next_value::<Flag>()?.0),
            event::HOLD_NS => self.hold_ns = num(map)?,
            event::BLAME_NS => self.blame_ns = num(map)?,
            event::BLAME_ESTIMATED_NS => self.blame_estimated_ns = num(map)?,
            event::UNATTRIBUTED_NS => self.unattributed_ns = num(map)?,
            event::WAIT_STACK => self.wait_stack = num(map)?,
            event::BLAME_STACK => self.blame_stack = num(map)?,
            event::ACQUISITIONS => self.acquisitions = num(map)?,
            event::CONTENDED => self.contended = num(map)?,
            event::TIMEOUTS => self.timeouts = num(map)?,
            event::WAITS => self.waits = num(map)?,
            event::WAIT_HIST => self.wait_hist = s(map)?,
            event::HOLDS => self.holds = num(map)?,
            event::HOLD_HIST => self.hold_hist = s(map)?,
            event::HOLDER => self.holder = s(map)?,
            event::TASK => self.task = s(map)?,
            event::HOLDER_ID => self.holder_id = num(map)?,
            event::STACK => self.stack = num(map)?,
            event::HOLDER_STACK => self.holder_stack = num(map)?,
            event::WAITERS => self.waiters = num(map)?,
            event::HOLD_EXACT => self.hold_exact = Some(map.next_value::<Flag>()?.0),
            event::FRAMES => self.frames = s(map)?,
            event::TRUNCATED => self.truncated = Some(map.next_value::<Flag>()?.0),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// One parsed line: its target, its lockprof fields, and the names of its spans (root first).
#[derive(Debug, Default)]
pub(crate) struct Line<'a> {
    pub(crate) target: Option<Str<'a>>,
    pub(crate) fields: Fields<'a>,
    pub(crate) spans: Vec<Str<'a>>,
    /// The current span's name, used when the line has no `spans` list.
    pub(crate) span: Option<Str<'a>>,
}

impl<'a> Line<'a> {
    /// Parses one line (without its newline); `None` when it is not UTF-8 or not a JSON object.
    pub(crate) fn parse(bytes: &'a [u8]) -> Option<Line<'a>> {
        // Validating the whole line at once is faster than serde_json validating each string.
        let text = std::str::from_utf8(bytes).ok()?;
        Self::parse_str(text).ok()
    }

    fn parse_str(text: &'a str) -> Result<Line<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let line = de::Deserialize::deserialize(&mut de)?;
        de.end()?;
        Ok(line)
    }
}

impl<'de> de::Deserialize<'de> for Line<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Line<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Line<'de>, A::Error> {
                let mut line = Line::default();
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    match &*key.0 {
                        "target" => line.target = Some(map.next_value()?),
                        "fields" => map.next_value_seed(FieldsSeed(&mut line.fields))?,
                        "spans" => line.spans = map.next_value::<SpanNames<'de>>()?.0,
                        "span" => line.span = map.next_value::<SpanName<'de>>()?.0,
                        other => {
                            if !line.fields.read(other, &mut map)? {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                }
                Ok(line)
            }
        }
        d.deserialize_map(V)
    }
}

/// Fills [`Fields`] from the `"fields"` object.
struct FieldsSeed<'f, 'de>(&'f mut Fields<'de>);

impl<'de> DeserializeSeed<'de> for FieldsSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of event fields")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if !self.0.read(&key.0, &mut map)? {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `name` of a span object.
struct SpanName<'a>(Option<Str<'a>>);

impl<'de> de::Deserialize<'de> for SpanName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SpanName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a span object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut name = None;
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    if key.0 == "name" {
                        name = Some(map.next_value()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(SpanName(name))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(SpanName(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// The names in a `spans` list.
struct SpanNames<'a>(Vec<Str<'a>>);

impl<'de> de::Deserialize<'de> for SpanNames<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SpanNames<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of span objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut names = Vec::new();
                while let Some(SpanName(name)) = seq.next_element()? {
                    names.extend(name);
                }
                Ok(SpanNames(names))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(SpanNames(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_flattened_fields_parse_the_same() {
        let nested = br#"{"timestamp":"t","level":"TRACE","fields":{"event":"wait","lock":"a\"b","lock_id":3,"wait_ns":"12","timed_out":false},"target":"lockprof","spans":[{"name":"req","id":1},{"name":"db"}]}"#;
        let flat = br#"{"timestamp":"t","level":"TRACE","event":"wait","lock":"a\"b","lock_id":3,"wait_ns":12,"timed_out":"false","target":"lockprof","span":{"name":"db"}}"#;
        let n = Line::parse(nested).unwrap();
        let f = Line::parse(flat).unwrap();
        for l in [&n, &f] {
            assert_eq!(l.target.as_ref().unwrap().0, "lockprof");
            assert_eq!(l.fields.event.as_ref().unwrap().0, "wait");
            assert_eq!(l.fields.lock.as_ref().unwrap().0, "a\"b");
            assert_eq!(l.fields.lock_id, Some(3));
            assert_eq!(l.fields.wait_ns, Some(12));
            assert_eq!(l.fields.timed_out, Some(false));
        }
        assert!(matches!(n.fields.event.unwrap().0, Cow::Borrowed(_)));
        let names: Vec<&str> = n.spans.iter().map(|s| &*s.0).collect();
        assert_eq!(names, ["req", "db"]);
        assert_eq!(f.span.unwrap().0, "db");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"{",
            b"[1,2]",
            b"{\"wait_ns\":-1}",
            b"{\"fields\":3}",
            b"{} x",
            b"\xff\xfe",
        ] {
            assert!(Line::parse(bad).is_none(), "{bad:?}");
        }
    }
}
