//! `list --format table`: aligned plain text, every cell sanitised to one line.

use super::Record;
use crate::sanitize::truncate_chars;
use std::io::{self, Write};

const HEADERS: [&str; 7] = [
    "SEVERITY",
    "STATUS",
    "ID",
    "PACKAGE",
    "INSTALLED -> FIXED",
    "TARGET",
    "TITLE",
];
const MAX: [usize; 7] = [8, 32, 24, 28, 32, 36, 60];

fn cells(r: &Record) -> [String; 7] {
    let version = match (&r.installed_version, &r.fixed_version) {
        (Some(i), Some(f)) => format!("{i} -> {f}"),
        (Some(i), None) => format!("{i} -> (no fix)"),
        (None, Some(f)) => format!("-> {f}"),
        (None, None) => String::new(),
    };
    let package = r.package.clone().or_else(|| {
        r.path.clone().map(|p| match r.line {
            Some(l) => format!("{p}:{l}"),
            None => p,
        })
    });
    [
        r.severity.to_uppercase(),
        match &r.change {
            Some(change) => format!("{} · {change}", r.status),
            None => r.status.to_string(),
        },
        r.id.clone(),
        package.unwrap_or_default(),
        version,
        r.target.clone(),
        r.title
            .clone()
            .or_else(|| r.secret.clone())
            .unwrap_or_default(),
    ]
}

pub fn write(out: &mut dyn Write, records: impl Iterator<Item = Record>) -> io::Result<()> {
    let rows: Vec<[String; 7]> = records
        .map(|r| {
            let mut c = cells(&r);
            for (cell, max) in c.iter_mut().zip(MAX) {
                *cell = truncate_chars(cell, max).into_owned();
            }
            c
        })
        .collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: &[String]| -> io::Result<()> {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(&HEADERS.map(str::to_string))?;
    for row in &rows {
        line(row)?;
    }
    Ok(())
}
