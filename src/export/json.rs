//! `list --format json`: one JSON array of contract records, written one
//! record at a time so that large lists are never held twice in memory.

use super::Record;
use std::io::{self, Write};

pub fn write(out: &mut dyn Write, records: impl Iterator<Item = Record>) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, record) in records.enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        // `From` keeps an I/O error's kind: a closed pipe stays one.
        serde_json::to_writer_pretty(&mut *out, &record).map_err(io::Error::from)?;
    }
    out.write_all(b"\n]\n")
}
