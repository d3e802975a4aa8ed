//! `list --format json`: one JSON array of contract records.

use super::Record;
use std::io::{self, Write};

pub fn write(out: &mut dyn Write, records: &[Record]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, records).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
