//! A JSON document written one part at a time, byte for byte as
//! `serde_json::to_writer_pretty` writes it whole: an export of a million
//! findings is never one value in memory. Every part is sanitised before it
//! is written (report text reaches these documents through many fields).

use serde_json::Value;
use std::io::{self, Write};

/// Writes into `out`, keeping track of the objects and arrays it is in.
pub struct JsonWriter<'w> {
    out: &'w mut dyn Write,
    /// Per open object or array, whether nothing was written in it yet.
    empty: Vec<bool>,
}

impl<'w> JsonWriter<'w> {
    pub fn new(out: &'w mut dyn Write) -> JsonWriter<'w> {
        JsonWriter {
            out,
            empty: Vec::new(),
        }
    }

    /// `value` where a value is due: an object member by member, in its
    /// order (alphabetical, as serde_json writes a `Value`), `member`
    /// writing each one's value after its key — `w.value(value)` for a
    /// whole one, in parts for a long one. Anything else is written whole.
    pub fn object(
        &mut self,
        value: Value,
        member: &mut dyn FnMut(&mut Self, &str, Value) -> io::Result<()>,
    ) -> io::Result<()> {
        let Value::Object(members) = value else {
            return self.value(value);
        };
        self.begin(b'{')?;
        for (key, value) in members {
            self.next()?;
            serde_json::to_writer(&mut *self.out, &key)?;
            self.out.write_all(b": ")?;
            member(self, &key, value)?;
        }
        self.end(b'}')
    }

    /// An array of `items`, where a value is due, `each` writing one.
    pub fn array<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Self, T) -> io::Result<()>,
    ) -> io::Result<()> {
        self.begin(b'[')?;
        for item in items {
            self.next()?;
            each(self, item)?;
        }
        self.end(b']')
    }

    /// A whole value, sanitised, where a value is due.
    pub fn value(&mut self, mut value: Value) -> io::Result<()> {
        crate::sanitize::sanitize_json(&mut value);
        let text = serde_json::to_vec_pretty(&value)?;
        // A pretty value's lines after the first take the indentation of
        // where it stands (JSON strings never hold a raw line break).
        let pad = self.indent();
        for (i, line) in text.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                self.out.write_all(b"\n")?;
                self.out.write_all(pad.as_bytes())?;
            }
            self.out.write_all(line)?;
        }
        Ok(())
    }

    /// Ends the document with the line break the exports end with.
    pub fn finish(self) -> io::Result<()> {
        self.out.write_all(b"\n")
    }

    fn indent(&self) -> String {
        "  ".repeat(self.empty.len())
    }

    fn next(&mut self) -> io::Result<()> {
        let first = match self.empty.last_mut() {
            Some(empty) => std::mem::replace(empty, false),
            None => return Ok(()),
        };
        self.out.write_all(if first { b"\n" } else { b",\n" })?;
        let pad = self.indent();
        self.out.write_all(pad.as_bytes())
    }

    fn begin(&mut self, open: u8) -> io::Result<()> {
        self.empty.push(true);
        self.out.write_all(&[open])
    }

    fn end(&mut self, close: u8) -> io::Result<()> {
        let empty = self.empty.pop().unwrap_or(true);
        if !empty {
            self.out.write_all(b"\n")?;
            let pad = self.indent();
            self.out.write_all(pad.as_bytes())?;
        }
        self.out.write_all(&[close])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Written in parts, a document is the bytes serde_json writes whole,
    /// empty objects and arrays, nesting and escapes included.
    #[test]
    fn parts_make_the_same_bytes_as_the_whole() {
        let whole = json!({
            "a": [],
            "b": {},
            "list": [{"x": 1, "y": [1, 2, {"z": "line\nbreak \"q\""}]}, 2, "three"],
            "nested": {"deep": {"deeper": [[], {}]}},
            "z": "end"
        });
        let mut expected = serde_json::to_vec_pretty(&whole).unwrap();
        expected.push(b'\n');
        let mut out = Vec::new();
        let mut w = JsonWriter::new(&mut out);
        w.object(whole.clone(), &mut |w, key, value| match key {
            // Written in parts, element by element and member by member.
            "list" => w.array(value.as_array().cloned().unwrap_or_default(), |w, item| {
                w.value(item)
            }),
            "nested" => w.object(value, &mut |w, _, deep| {
                w.object(deep, &mut |w, _, deeper| {
                    w.array(deeper.as_array().cloned().unwrap_or_default(), |w, item| {
                        w.object(item, &mut |w, _, v| w.value(v))
                    })
                })
            }),
            "b" => w.object(value, &mut |w, _, v| w.value(v)),
            _ => w.value(value),
        })
        .unwrap();
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }

    #[test]
    fn every_part_is_sanitised() {
        let mut out = Vec::new();
        let mut w = JsonWriter::new(&mut out);
        w.array([json!({"t": "a\u{1b}[31mred"})], |w, item| w.value(item))
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains('\u{1b}') && !text.contains("\\u001b"),
            "{text}"
        );
    }
}
