//! A run's rows, sealed in the same transaction that stores them: per
//! severity and kind, how many rows and an order-independent sum over each row's
//! place and fingerprint. Every read path that answers from the store
//! (`load_run`, `each_in_run`, the severity ranges `gate` and `list
//! --severity` read) compares what it read with the seal, so rows removed or
//! moved consistently — which SQLite's own checks cannot see — are caught,
//! and the run is rebuilt from its report copy (docs/reliability.md).
//!
//! The seal guards against damage and careless edits, not against someone
//! who rewrites the store on purpose: it is not a cryptographic digest.

use crate::model::{Fingerprint, Kind};

/// Severity codes the store writes (`store::row::severity_code`): 0..=5.
const SEVERITIES: usize = 6;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowSeal {
    /// [severity code][kind, in `Kind::ALL` order] → (rows, wrapping sum of
    /// `mix(place, fingerprint)`): a fixed table, as every row read adds to
    /// it.
    parts: [[(u64, u64); Kind::ALL.len()]; SEVERITIES],
    /// Rows whose severity code is none the store writes.
    stray: u64,
}

fn kind_index(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// What a read path asked for: a severity, of one kind or of all.
pub type Range = (i64, Option<Kind>);

/// Spreads one row over 64 bits: a fingerprint is already uniform; the place
/// is folded in so that swapping two rows' places is seen.
fn mix(place: i64, fp: &Fingerprint) -> u64 {
    let mut half = [0u8; 8];
    half.copy_from_slice(&fp.0[..8]);
    let a = u64::from_le_bytes(half);
    half.copy_from_slice(&fp.0[8..]);
    let b = u64::from_le_bytes(half);
    let mut x = a ^ b.rotate_left(29) ^ (place as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // The finaliser of MurmurHash3: every input bit reaches every output bit.
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

impl RowSeal {
    pub fn add(&mut self, severity: i64, kind: Kind, place: i64, fp: &Fingerprint) {
        let Some(row) = usize::try_from(severity)
            .ok()
            .and_then(|s| self.parts.get_mut(s))
        else {
            self.stray = self.stray.saturating_add(1);
            return;
        };
        let (rows, sum) = &mut row[kind_index(kind)];
        *rows = rows.saturating_add(1);
        *sum = sum.wrapping_add(mix(place, fp));
    }

    /// The parts that hold rows, as (severity code, kind, rows, sum).
    fn filled(&self) -> impl Iterator<Item = (i64, Kind, u64, u64)> + '_ {
        self.parts.iter().enumerate().flat_map(|(sev, row)| {
            Kind::ALL
                .iter()
                .zip(row.iter())
                .filter(|(_, (rows, _))| *rows > 0)
                .map(move |(kind, (rows, sum))| (sev as i64, *kind, *rows, *sum))
        })
    }

    /// `5/vulnerability:12:00ab…;4/secret:3:…` — what the store keeps beside the run.
    pub fn encode(&self) -> String {
        self.filled()
            .map(|(sev, kind, rows, sum)| format!("{sev}/{}:{rows}:{sum:016x}", kind.as_str()))
            .collect::<Vec<_>>()
            .join(";")
    }

    pub fn decode(text: &str) -> Option<RowSeal> {
        let mut seal = RowSeal::default();
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let mut fields = part.split(':');
            let (sev, kind) = fields.next()?.split_once('/')?;
            let sev: usize = sev.parse().ok()?;
            let kind = super::row::kind_of_name(kind)?;
            let rows: u64 = fields.next()?.parse().ok()?;
            let sum = u64::from_str_radix(fields.next()?, 16).ok()?;
            if fields.next().is_some() {
                return None;
            }
            *seal.parts.get_mut(sev)?.get_mut(kind_index(kind))? = (rows, sum);
        }
        Some(seal)
    }

    /// Rows and sum over the parts `range` covers.
    fn over(&self, (sev, kind): Range) -> (u64, u64) {
        let Some(row) = usize::try_from(sev).ok().and_then(|s| self.parts.get(s)) else {
            return (0, 0);
        };
        Kind::ALL
            .iter()
            .zip(row.iter())
            .filter(|(k, _)| kind.is_none_or(|kind| kind == **k))
            .fold((0u64, 0u64), |(n, sum), (_, (rows, part))| {
                (n.saturating_add(*rows), sum.wrapping_add(*part))
            })
    }

    /// How `read` (the rows a read path saw) differs from this seal over
    /// `ranges` (everything when `None`), in words; `None` when they agree.
    pub fn differs(&self, read: &RowSeal, ranges: Option<&[Range]>) -> Option<String> {
        if read.stray > 0 {
            return Some(format!(
                "{} row(s) have a severity the store never writes",
                read.stray
            ));
        }
        let all: Vec<Range> = match ranges {
            Some(r) => r.to_vec(),
            None => self
                .filled()
                .chain(read.filled())
                .map(|(sev, kind, _, _)| (sev, Some(kind)))
                .collect(),
        };
        for range in all {
            let sealed = self.over(range);
            let seen = read.over(range);
            let severity =
                super::row::severity_of_code(range.0).map_or("unknown-code", |s| s.as_str());
            let what = match range.1 {
                Some(kind) => format!("{severity} {}", kind.as_str()),
                None => severity.to_string(),
            };
            if sealed.0 != seen.0 {
                return Some(format!(
                    "it holds {} {what} finding(s) where {} were stored",
                    seen.0, sealed.0
                ));
            }
            if sealed.1 != seen.1 {
                return Some(format!("its {what} findings differ from the ones stored"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(n: u8) -> Fingerprint {
        Fingerprint([n; 16])
    }

    #[test]
    fn a_missing_moved_or_changed_row_breaks_the_seal() {
        let mut stored = RowSeal::default();
        for (place, sev) in [(0, 5), (1, 4), (2, 4), (3, 1)] {
            stored.add(sev, Kind::Vulnerability, place, &fp(place as u8));
        }
        stored.add(1, Kind::Secret, 4, &fp(4));
        assert_eq!(RowSeal::decode(&stored.encode()), Some(stored.clone()));
        let order: Vec<String> = stored
            .encode()
            .split(';')
            .map(|p| p.split(':').next().unwrap().to_string())
            .collect();
        assert_eq!(
            order,
            [
                "1/vulnerability",
                "1/secret",
                "4/vulnerability",
                "5/vulnerability"
            ],
            "ordered by severity code, then kind"
        );
        let mut stray = RowSeal::default();
        stray.add(9, Kind::Secret, 0, &fp(0));
        assert!(stored
            .differs(&stray, None)
            .unwrap()
            .contains("never writes"));
        // Read in another order: the same seal.
        let mut read = RowSeal::default();
        read.add(1, Kind::Secret, 4, &fp(4));
        for (place, sev) in [(3, 1), (2, 4), (0, 5), (1, 4)] {
            read.add(sev, Kind::Vulnerability, place, &fp(place as u8));
        }
        assert_eq!(stored.differs(&read, None), None);
        // One row gone.
        let mut missing = RowSeal::default();
        missing.add(1, Kind::Secret, 4, &fp(4));
        for (place, sev) in [(0, 5), (1, 4), (3, 1)] {
            missing.add(sev, Kind::Vulnerability, place, &fp(place as u8));
        }
        let why = stored.differs(&missing, None).unwrap();
        assert!(
            why.contains("1 high vulnerability finding(s) where 2"),
            "{why}"
        );
        let why = stored.differs(&missing, Some(&[(4, None)])).unwrap();
        assert!(why.contains("1 high finding(s) where 2"), "{why}");
        // Only the ranges asked about are judged.
        assert_eq!(
            stored.differs(&missing, Some(&[(5, None), (1, Some(Kind::Vulnerability))])),
            None
        );
        assert!(stored
            .differs(&missing, Some(&[(4, Some(Kind::Vulnerability))]))
            .is_some());
        let mut no_secret = RowSeal::default();
        for (place, sev) in [(0, 5), (1, 4), (2, 4), (3, 1)] {
            no_secret.add(sev, Kind::Vulnerability, place, &fp(place as u8));
        }
        assert_eq!(
            stored.differs(&no_secret, Some(&[(1, Some(Kind::Vulnerability))])),
            None
        );
        assert!(stored.differs(&no_secret, Some(&[(1, None)])).is_some());
        // Two rows swap places: same counts, another sum.
        let mut swapped = RowSeal::default();
        swapped.add(1, Kind::Secret, 4, &fp(4));
        for (place, sev, f) in [(0, 5, 0), (1, 4, 2), (2, 4, 1), (3, 1, 3)] {
            swapped.add(sev, Kind::Vulnerability, place, &fp(f));
        }
        assert!(stored.differs(&swapped, None).unwrap().contains("differ"));
        assert_eq!(RowSeal::decode("5/vulnerability:1"), None);
        assert_eq!(RowSeal::decode("5/nonsense:1:00"), None);
        assert_eq!(RowSeal::decode(""), Some(RowSeal::default()));
    }
}
