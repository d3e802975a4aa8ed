//! A fast non-cryptographic hasher (the rotate-multiply scheme of rustc's
//! FxHash) for in-memory maps over trusted-size keys built per load. Not for
//! anything an attacker could use to force collisions across runs: maps that
//! use it are rebuilt on every load and hold one report's strings.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        // The last 1 to 7 bytes as one word, read in fixed-size pieces (a
        // copy of a length known only here is a call to `memcpy`, which
        // was most of the time spent hashing short names): 4 to 7 bytes as
        // two 4-byte reads that may overlap, 1 to 3 as first, middle, last.
        let rest = chunks.remainder();
        let n = rest.len();
        let word = match n {
            0 => return,
            4..=7 => {
                let mut low = [0u8; 4];
                let mut high = [0u8; 4];
                low.copy_from_slice(&rest[..4]);
                high.copy_from_slice(&rest[n - 4..]);
                u64::from(u32::from_le_bytes(low)) | u64::from(u32::from_le_bytes(high)) << 32
            }
            _ => u64::from(rest[0]) | u64::from(rest[n / 2]) << 8 | u64::from(rest[n - 1]) << 16,
        };
        self.add(word);
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FxBuildHasher = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;
pub type FxHashSet<K> = std::collections::HashSet<K, FxBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(bytes: &[u8]) -> u64 {
        let mut h = FxHasher::default();
        h.write(bytes);
        h.finish()
    }

    /// Every byte of a text counts, whatever its length: two texts of one
    /// length that differ in any one byte hash apart (the last word is read
    /// in pieces that together cover every byte of it).
    #[test]
    fn every_byte_of_the_tail_counts() {
        for len in 1..=24usize {
            let base: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(37)).collect();
            for at in 0..len {
                let mut other = base.clone();
                other[at] ^= 0x5a;
                assert_ne!(hash_of(&base), hash_of(&other), "length {len}, byte {at}");
            }
        }
    }
}
