//! CSV: one row per finding, every column of the JSON contract, with cells
//! that a spreadsheet would evaluate neutralised (OWASP CSV injection).

use super::record::{Record, COLUMNS};
use std::io::{self, Write};

/// Prefixes a quote to text cells starting with `= + - @`, tab, CR or NUL.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// The writer's error as an I/O error of the same kind (a closed pipe stays one).
fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

pub fn write(out: &mut dyn Write, records: impl Iterator<Item = Record>) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS).map_err(io_error)?;
    for r in records {
        let cells: Vec<String> = r.cells().iter().map(|c| neutralise(c)).collect();
        w.write_record(&cells).map_err(io_error)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for payload in ["=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(payload).starts_with('\''), "{payload:?}");
        }
        assert_eq!(neutralise("CVE-2021-1"), "CVE-2021-1");
    }
}
