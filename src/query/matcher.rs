//! Matching a query against the index: conditions, fuzzy and substring
//! words (nucleo; why: docs/matcher.md), and the narrowing that lets the
//! next keystroke try only what the last one matched.

use super::index::{Facts, SearchIndex};
use super::language::{Condition, Query, Term, Word};
use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Minimum fuzzy score per needle character (nucleo gives 16 per matched
/// character plus boundary bonuses, minus gap penalties).
const FUZZY_FLOOR_PER_CHAR: u16 = 12;

/// What a query's words matched at all, so that a query extending it can
/// try only those haystacks.
#[derive(Clone, Debug, Default)]
pub struct Narrowing {
    words: Vec<Word>,
    candidates: Vec<u32>,
}

/// Whether everything `next` can match, `previous` matched: the same words,
/// the last one possibly longer (and not negated, which would widen), and
/// perhaps more words after it.
pub fn narrows(previous: &[Word], next: &[Word]) -> bool {
    if previous.is_empty() || next.len() < previous.len() {
        return false;
    }
    let last = previous.len() - 1;
    previous.iter().zip(next).enumerate().all(|(i, (p, n))| {
        if p == n {
            return true;
        }
        // A fuzzy word that became id-like still needs its letters in order.
        let flags_ok =
            p.negated == n.negated && !p.negated && (p.substring == n.substring || !p.substring);
        i == last && flags_ok && n.text.starts_with(&p.text)
    })
}

impl SearchIndex {
    pub(super) fn condition_holds(&self, i: usize, c: &Condition, facts: &Facts) -> bool {
        let holds = match &c.term {
            Term::Severity(cmp, level) => cmp.holds(self.severity[i], *level),
            Term::SeverityIn(levels) => levels.contains(&self.severity[i]),
            Term::Image(repo) => {
                super::language::image_matches(&self.images[self.image_of[i] as usize], repo)
            }
            Term::Target(text) => self.targets[self.target_of[i] as usize].contains(text.as_str()),
            Term::Package(text) => {
                self.packages[self.package_of[i] as usize].contains(text.as_str())
            }
            Term::Kind(kinds) => kinds.contains(&self.kind[i]),
            Term::Source(text) => self.sources[self.source_of[i] as usize].contains(text.as_str()),
            Term::Fix(wanted) => self.has_fix[i] == *wanted,
            Term::FromBase(wanted) => self.from_base[i] == Some(*wanted),
            Term::Status(wanted) => facts
                .statuses
                .get(i)
                .is_some_and(|s| wanted.iter().any(|w| s.matches(*w))),
            Term::Change(filter) => filter.holds(facts.changes.get(i).copied().unwrap_or(0)),
        };
        holds != c.negated
    }

    /// Matches `query` within `order`, optionally limited to one target.
    /// Returns `None` when `generation` is no longer the latest (a newer query won).
    /// `facts` hold the computed status and change of each finding.
    #[allow(clippy::too_many_arguments)]
    pub fn search(
        &self,
        query: &Query,
        facts: &Facts,
        order: &[u32],
        target: Option<u32>,
        generation: u64,
        latest: &AtomicU64,
    ) -> Option<Vec<u32>> {
        self.search_within(query, facts, order, target, generation, latest, None)
            .map(|(rows, _)| rows)
    }

    /// `search`, told what the previous query matched: when this query's
    /// words only extend that one's (a longer last word, more words), only
    /// the haystacks it could match are tried. Also returns what this query
    /// matched, for the next one.
    #[allow(clippy::too_many_arguments)]
    pub fn search_within(
        &self,
        query: &Query,
        facts: &Facts,
        order: &[u32],
        target: Option<u32>,
        generation: u64,
        latest: &AtomicU64,
        previous: Option<&Narrowing>,
    ) -> Option<(Vec<u32>, Option<Narrowing>)> {
        let stale = || latest.load(Ordering::Relaxed) != generation;
        let within = previous
            .filter(|p| narrows(&p.words, &query.words))
            .map(|p| p.candidates.as_slice());
        let (hay_ok, narrowing) = if query.words.is_empty() {
            (None, None)
        } else {
            let (ok, candidates) = self.match_haystacks(&query.words, within, &stale)?;
            let narrowing = Narrowing {
                words: query.words.clone(),
                candidates,
            };
            (Some(ok), Some(narrowing))
        };
        let mut out = Vec::with_capacity(order.len().min(1 << 20));
        for (n, &i) in order.iter().enumerate() {
            if n % 65_536 == 0 && n > 0 && stale() {
                return None;
            }
            let i = i as usize;
            if target.is_some_and(|t| self.target_of[i] != t) {
                continue;
            }
            if let Some(scores) = &hay_ok {
                if scores[self.haystack_of[i] as usize] == 0 {
                    continue;
                }
            }
            if query
                .conditions
                .iter()
                .all(|c| self.condition_holds(i, c, facts))
            {
                out.push(i as u32);
            }
        }
        // Fuzzy words rank the best match first (ties keep the sort), so
        // that `flask` puts Flask above a critical whose title happens to
        // hold its letters.
        // A single letter ranks nothing worth the sort.
        let fuzzy = query
            .words
            .iter()
            .any(|w| !w.substring && !w.negated && w.text.chars().count() >= 2);
        if let (true, Some(scores)) = (fuzzy, &hay_ok) {
            // Keys gathered once, then one unstable sort on (score, position).
            let mut keyed: Vec<(std::cmp::Reverse<u32>, u32, u32)> = out
                .iter()
                .enumerate()
                .map(|(pos, i)| {
                    let score = scores[self.haystack_of[*i as usize] as usize];
                    (std::cmp::Reverse(score), pos as u32, *i)
                })
                .collect();
            keyed.sort_unstable();
            out = keyed.into_iter().map(|(_, _, i)| i).collect();
        }
        Some((out, narrowing))
    }

    /// How well each unique haystack matches every word (0: not at all), on up to two threads,
    /// trying only `within` when given; and the haystacks every word
    /// matches at all (below the fuzzy floor too), which are all that a
    /// longer query can match.
    pub(super) fn match_haystacks(
        &self,
        words: &[Word],
        within: Option<&[u32]>,
        stale: &(dyn Fn() -> bool + Sync),
    ) -> Option<(Vec<u32>, Vec<u32>)> {
        let atoms: Vec<Atom> = words
            .iter()
            .map(|w| {
                let kind = if w.substring || w.negated {
                    AtomKind::Substring
                } else {
                    AtomKind::Fuzzy
                };
                let mut atom = Atom::new(
                    &w.text,
                    CaseMatching::Ignore,
                    Normalization::Smart,
                    kind,
                    false,
                );
                atom.negative = w.negated;
                atom
            })
            .collect();
        // Fuzzy hits scattered across a long title are noise for triage: a
        // fuzzy word must score like a mostly contiguous match.
        let floors: Vec<u16> = words
            .iter()
            .map(|w| {
                if w.substring || w.negated {
                    0
                } else {
                    (w.text.chars().count() as u16).saturating_mul(FUZZY_FLOOR_PER_CHAR)
                }
            })
            .collect();
        let floors = &floors;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 2);
        let all: Vec<u32>;
        let tried: &[u32] = match within {
            Some(ids) => ids,
            None => {
                all = (0..self.haystacks.len() as u32).collect();
                &all
            }
        };
        let chunk = tried.len().div_ceil(threads).max(1);
        let aborted = std::sync::atomic::AtomicBool::new(false);
        // Per thread: (haystack, score) of those that pass, and those that match at all.
        type Part = (Vec<(u32, u32)>, Vec<u32>);
        let parts: Vec<Part> = std::thread::scope(|scope| {
            let workers: Vec<_> = tried
                .chunks(chunk)
                .map(|part| {
                    let atoms = &atoms;
                    let aborted = &aborted;
                    scope.spawn(move || {
                        let mut matcher = Matcher::new(Config::DEFAULT);
                        let (mut passed, mut loose) = (Vec::new(), Vec::new());
                        for (n, &h) in part.iter().enumerate() {
                            if n % 16_384 == 0 && (stale() || aborted.load(Ordering::Relaxed)) {
                                aborted.store(true, Ordering::Relaxed);
                                return (passed, loose);
                            }
                            let hay = self.haystacks[h as usize].slice(..);
                            let mut all_match = true;
                            let mut all_pass = true;
                            let mut total: u32 = 1;
                            for (a, floor) in atoms.iter().zip(floors) {
                                // A negative atom scores (0) exactly when its text is absent.
                                match a.score(hay, &mut matcher) {
                                    Some(score) => {
                                        all_pass &= score >= *floor;
                                        total = total.saturating_add(u32::from(score));
                                    }
                                    None => {
                                        all_match = false;
                                        break;
                                    }
                                }
                            }
                            if all_match {
                                loose.push(h);
                                if all_pass {
                                    passed.push((h, total));
                                }
                            }
                        }
                        (passed, loose)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_default())
                .collect()
        });
        if aborted.load(Ordering::Relaxed) {
            return None;
        }
        // 0: no match; otherwise 1 plus the words' scores.
        let mut scores = vec![0u32; self.haystacks.len()];
        let mut candidates = Vec::new();
        for (passed, loose) in parts {
            for (h, total) in passed {
                scores[h as usize] = total;
            }
            candidates.extend(loose);
        }
        Some((scores, candidates))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, negated: bool, substring: bool) -> Word {
        Word {
            text: text.into(),
            negated,
            substring,
        }
    }

    #[test]
    fn only_extensions_narrow() {
        let w = |t: &str| word(t, false, false);
        assert!(narrows(&[w("ssl")], &[w("ssl")]));
        assert!(narrows(&[w("ss")], &[w("ssl")]));
        assert!(narrows(&[w("ssl")], &[w("ssl"), w("lib")]));
        assert!(narrows(&[w("cve")], &[word("cve-2", false, true)]));
        assert!(!narrows(&[w("ssl")], &[w("ss")]), "shorter widens");
        assert!(
            !narrows(&[w("ab"), w("c")], &[w("abx"), w("c")]),
            "only the last word may grow"
        );
        assert!(
            !narrows(&[word("ab", true, false)], &[word("abc", true, false)]),
            "a longer negation widens"
        );
        assert!(
            !narrows(&[word("1.2", false, true)], &[w("1.2x")]),
            "substring to fuzzy widens"
        );
        assert!(!narrows(&[], &[w("a")]));
    }
}
