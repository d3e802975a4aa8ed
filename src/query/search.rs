//! The search index behind the console: built once per data load, shared
//! read-only with the matcher thread. Free text is matched over deduplicated
//! "id aliases package version title" haystacks (never descriptions), then
//! expanded to findings in the current sort order.

use super::language::{Condition, Query, Term, Word};
use crate::fasthash::FxHashMap;
use crate::model::{Finding, Kind, Severity};
use crate::triage::Status;
use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32String};
use std::sync::atomic::{AtomicU64, Ordering};

/// What the matcher knows per finding besides the index: it changes with
/// decisions and rescans, so it travels with each search.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub statuses: Vec<Status>,
    /// `language::change_code` per finding.
    pub changes: Vec<u8>,
}

/// Minimum fuzzy score per needle character (nucleo gives 16 per matched
/// character plus boundary bonuses, minus gap penalties).
const FUZZY_FLOOR_PER_CHAR: u16 = 12;

/// Per-finding attributes packed for filtering, plus the haystacks.
pub struct SearchIndex {
    haystacks: Vec<Utf32String>,
    haystack_of: Vec<u32>,
    severity: Vec<Severity>,
    kind: Vec<Kind>,
    has_fix: Vec<bool>,
    /// What the image's history says of each finding's layer (`model::layer`).
    from_base: Vec<Option<bool>>,
    target_of: Vec<u32>,
    /// Lower-case display target names.
    targets: Vec<String>,
    /// Lower-case image repository of each finding's subject ("" when it is
    /// not in an image), by id.
    image_of: Vec<u32>,
    images: Vec<String>,
    source_of: Vec<u16>,
    sources: Vec<String>,
    package_of: Vec<u32>,
    packages: Vec<String>,
    /// Sort ranks: id (natural order), package, target, first seen.
    id_rank: Vec<u32>,
    package_rank: Vec<u32>,
    target_rank: Vec<u32>,
    age: Vec<u32>,
    due: Vec<u32>,
}

/// Interns strings, returning dense ids.
#[derive(Default)]
struct Interner {
    ids: FxHashMap<String, u32>,
    values: Vec<String>,
    /// The last text asked for, by address: findings of one run share their
    /// target, subject and scanner texts, so most asks repeat the last one.
    last: Option<(usize, usize, u32)>,
}

/// The fields a finding's haystack is written from; the advisory text by
/// address (findings of one id in one run share it). Two keys may write the
/// same text (one id in two runs): the text is then matched twice, with
/// the same answer.
#[derive(PartialEq, Eq, Hash)]
struct HayParts<'f> {
    id: &'f str,
    aliases: &'f [String],
    package: Option<(&'f str, Option<&'f str>)>,
    /// The address of the shared advisory text.
    details: usize,
}

impl<'f> HayParts<'f> {
    fn of(f: &'f Finding) -> HayParts<'f> {
        HayParts {
            id: &f.id,
            aliases: &f.aliases,
            package: f
                .package
                .as_ref()
                .map(|p| (p.name.as_str(), p.installed.as_deref())),
            details: std::sync::Arc::as_ptr(&f.details) as usize,
        }
    }
}

impl Interner {
    fn id(&mut self, value: &str) -> u32 {
        if let Some((ptr, len, id)) = self.last {
            if ptr == value.as_ptr() as usize && len == value.len() {
                return id;
            }
        }
        let id = match self.ids.get(value) {
            Some(id) => *id,
            None => {
                let id = self.values.len() as u32;
                self.ids.insert(value.to_string(), id);
                self.values.push(value.to_string());
                id
            }
        };
        self.last = Some((value.as_ptr() as usize, value.len(), id));
        id
    }

    /// Interns every value of `other`, returning this interner's id for
    /// each of `other`'s ids.
    fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        other.values.iter().map(|v| self.id(v)).collect()
    }

    /// Rank of each interned value in sorted order.
    fn ranks(&self, cmp: impl Fn(&str, &str) -> std::cmp::Ordering) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
        order.sort_by(|a, b| cmp(&self.values[*a as usize], &self.values[*b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, id) in order.into_iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    }
}

/// How the findings list is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    #[default]
    Severity,
    Id,
    Package,
    Target,
    Age,
    /// SLA due date, soonest (most overdue) first; findings without an SLA last.
    Due,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Severity,
        SortKey::Id,
        SortKey::Package,
        SortKey::Target,
        SortKey::Age,
        SortKey::Due,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Severity => "severity",
            SortKey::Id => "id",
            SortKey::Package => "package",
            SortKey::Target => "target",
            SortKey::Age => "age",
            SortKey::Due => "SLA due",
        }
    }

    /// A key as a person types it (`severity`, `id`, `package`, `target`,
    /// `age`, `due`).
    pub fn parse_user(text: &str) -> Option<SortKey> {
        match text.trim().to_ascii_lowercase().as_str() {
            "severity" | "sev" => Some(SortKey::Severity),
            "id" => Some(SortKey::Id),
            "package" | "pkg" => Some(SortKey::Package),
            "target" => Some(SortKey::Target),
            "age" => Some(SortKey::Age),
            "due" | "sla" | "sla-due" => Some(SortKey::Due),
            _ => None,
        }
    }

    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }
}

/// `CVE-2021-999` before `CVE-2021-1000`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let xn = x.iter().take_while(|b| b.is_ascii_digit()).count();
                let yn = y.iter().take_while(|b| b.is_ascii_digit()).count();
                let (xd, yd) = (trim_zeros(&x[..xn]), trim_zeros(&y[..yn]));
                let ord = xd.len().cmp(&yd.len()).then_with(|| xd.cmp(yd));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                x = &x[xn..];
                y = &y[yn..];
            }
            (Some(c), Some(d)) => {
                let ord = c.to_ascii_lowercase().cmp(&d.to_ascii_lowercase());
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|b| *b != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

#[derive(Clone, Copy)]
struct HayIds {
    hay: u32,
    id: u32,
    package: u32,
}

/// The texts of some findings, interned: what `SearchIndex::build` makes
/// of each half of the findings before joining them.
#[derive(Default)]
struct Part<'f> {
    /// What a haystack is made of, borrowed: hashing these few short fields
    /// (the title by its shared advisory text) is cheaper than writing and
    /// hashing the whole text for every finding.
    /// Each haystack's id, with the ids of its finding id and package (a
    /// haystack holds both): one lookup per finding instead of three.
    hay: FxHashMap<HayParts<'f>, HayIds>,
    hay_texts: Vec<String>,
    targets: Interner,
    images: Interner,
    sources: Interner,
    packages: Interner,
    ids: Interner,
    haystack_of: Vec<u32>,
    target_of: Vec<u32>,
    image_of: Vec<u32>,
    source_of: Vec<u32>,
    package_of: Vec<u32>,
    id_of: Vec<u32>,
}

impl<'f> Part<'f> {
    fn of(findings: &'f [Finding]) -> Part<'f> {
        let mut part = Part::default();
        let mut text = String::new();
        for f in findings {
            let next = part.hay_texts.len() as u32;
            let Part {
                hay,
                hay_texts,
                ids,
                packages,
                ..
            } = &mut part;
            let found = *hay.entry(HayParts::of(f)).or_insert_with(|| {
                haystack_text(f, &mut text);
                hay_texts.push(text.clone());
                HayIds {
                    hay: next,
                    id: ids.id(&f.id),
                    package: packages.id(f.package_name().unwrap_or("")),
                }
            });
            part.haystack_of.push(found.hay);
            part.target_of.push(part.targets.id(f.display_target()));
            let repository = f.subject.strip_prefix("image:").unwrap_or("");
            part.image_of.push(part.images.id(repository));
            part.source_of.push(match &f.also {
                // `src:` matches any of a finding's sources.
                Some(_) => part.sources.id(&f.scanner_names()),
                None => part.sources.id(&f.source.scanner),
            });
            part.package_of.push(found.package);
            part.id_of.push(found.id);
        }
        part
    }

    /// Appends the findings of `later` (those after this part's), moving
    /// its ids into this part's.
    fn append(&mut self, later: Part<'f>) {
        let mut hay_texts: Vec<Option<String>> = later.hay_texts.into_iter().map(Some).collect();
        let mut hay_ids = vec![0u32; hay_texts.len()];
        let packages = self.packages.absorb(&later.packages);
        let ids = self.ids.absorb(&later.ids);
        for (parts, local) in later.hay {
            let next = self.hay_texts.len() as u32;
            let texts = &mut self.hay_texts;
            let text = hay_texts
                .get_mut(local.hay as usize)
                .and_then(Option::take)
                .unwrap_or_default();
            hay_ids[local.hay as usize] = self
                .hay
                .entry(parts)
                .or_insert_with(|| {
                    texts.push(text);
                    HayIds {
                        hay: next,
                        id: ids[local.id as usize],
                        package: packages[local.package as usize],
                    }
                })
                .hay;
        }
        let remap = |ids: Vec<u32>, map: &[u32]| -> Vec<u32> {
            ids.into_iter().map(|i| map[i as usize]).collect()
        };
        let targets = self.targets.absorb(&later.targets);
        let images = self.images.absorb(&later.images);
        let sources = self.sources.absorb(&later.sources);
        self.haystack_of.extend(remap(later.haystack_of, &hay_ids));
        self.target_of.extend(remap(later.target_of, &targets));
        self.image_of.extend(remap(later.image_of, &images));
        self.source_of.extend(remap(later.source_of, &sources));
        self.package_of.extend(remap(later.package_of, &packages));
        self.id_of.extend(remap(later.id_of, &ids));
    }
}

/// The text fuzzy and substring words are matched against: id, aliases,
/// package and version, title.
fn haystack_text(f: &Finding, text: &mut String) {
    text.clear();
    text.push_str(&f.id);
    for a in &f.aliases {
        text.push(' ');
        text.push_str(a);
    }
    if let Some(p) = &f.package {
        text.push(' ');
        text.push_str(&p.name);
        if let Some(v) = &p.installed {
            text.push(' ');
            text.push_str(v);
        }
    }
    text.push(' ');
    text.push_str(f.title());
}

impl SearchIndex {
    /// `first_seen_secs[i]` and `due_secs[i]` (SLA due; `u32::MAX` for none) belong to `findings[i]`.
    /// The findings are read in two halves on two threads (touching every
    /// finding's texts is most of the work) and the halves merged.
    pub fn build(findings: &[Finding], first_seen_secs: &[u32], due_secs: &[u32]) -> SearchIndex {
        let halves = findings.len() >= 1 << 16;
        Self::build_in(findings, first_seen_secs, due_secs, halves)
    }

    fn build_in(
        findings: &[Finding],
        first_seen_secs: &[u32],
        due_secs: &[u32],
        halves: bool,
    ) -> SearchIndex {
        let n = findings.len();
        let (first, second) = findings.split_at(n / 2);
        let (mut part, second) = if halves {
            std::thread::scope(|scope| {
                let later = scope.spawn(|| Part::of(second));
                let part = Part::of(first);
                let later = later
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (part, Some(later))
            })
        } else {
            (Part::of(findings), None)
        };
        if let Some(second) = second {
            part.append(second);
        }
        let Part {
            hay_texts,
            targets,
            images,
            sources,
            packages,
            ids,
            haystack_of,
            target_of,
            image_of,
            source_of,
            package_of,
            id_of,
            ..
        } = part;
        let mut index = SearchIndex {
            haystacks: Vec::new(),
            haystack_of,
            severity: findings.iter().map(|f| f.severity).collect(),
            kind: findings.iter().map(|f| f.kind).collect(),
            has_fix: findings.iter().map(Finding::has_fix).collect(),
            from_base: findings
                .iter()
                .map(|f| f.layer.as_ref().and_then(|l| l.from_base))
                .collect(),
            target_of,
            targets: Vec::new(),
            image_of,
            images: Vec::new(),
            source_of: source_of
                .into_iter()
                .map(|s| s.min(u16::MAX as u32) as u16)
                .collect(),
            sources: Vec::new(),
            package_of,
            packages: Vec::new(),
            id_rank: Vec::new(),
            package_rank: Vec::new(),
            target_rank: Vec::new(),
            age: first_seen_secs.to_vec(),
            due: due_secs.to_vec(),
        };
        let id_ranks = ids.ranks(natural_cmp);
        let package_ranks = packages.ranks(natural_cmp);
        let target_ranks = targets.ranks(natural_cmp);
        index.id_rank = id_of.iter().map(|i| id_ranks[*i as usize]).collect();
        index.package_rank = index
            .package_of
            .iter()
            .map(|i| package_ranks[*i as usize])
            .collect();
        index.target_rank = index
            .target_of
            .iter()
            .map(|i| target_ranks[*i as usize])
            .collect();
        index.haystacks = hay_texts
            .iter()
            .map(|s| Utf32String::from(s.as_str()))
            .collect();
        index.targets = targets.values.iter().map(|t| t.to_lowercase()).collect();
        index.images = images.values.iter().map(|t| t.to_lowercase()).collect();
        index.sources = sources.values.iter().map(|s| s.to_lowercase()).collect();
        index.packages = packages.values.iter().map(|p| p.to_lowercase()).collect();
        if index.due.len() != n {
            index.due = vec![u32::MAX; n];
        }
        if index.age.len() != n {
            index.age = vec![0; n];
        }
        index
    }

    /// Sets first sightings and SLA due times (seconds; `u32::MAX` for none)
    /// once they are known, so that the text part can be built in parallel.
    pub fn set_times(&mut self, ages: Vec<u32>, dues: Vec<u32>) {
        if ages.len() == self.len() {
            self.age = ages;
        }
        if dues.len() == self.len() {
            self.due = dues;
        }
    }

    pub fn len(&self) -> usize {
        self.severity.len()
    }

    pub fn is_empty(&self) -> bool {
        self.severity.is_empty()
    }

    pub fn unique_haystacks(&self) -> usize {
        self.haystacks.len()
    }

    /// Display-target id of a finding (the same ids the targets pane uses).
    pub fn target_of(&self, finding: usize) -> u32 {
        self.target_of[finding]
    }

    /// All finding indices in `key` order (reversed when asked): the one
    /// order of the console and every command. Each key is followed by
    /// severity (most severe first), then id, target and package in
    /// natural order (`CVE-2021-999` before `CVE-2021-1000`), then the
    /// order the findings were read in.
    pub fn order(&self, key: SortKey, reverse: bool) -> Vec<u32> {
        let keyed = |i: usize| -> [u32; 5] {
            let sev = 5 - (self.severity[i] as u32).min(5);
            let (id, pkg, tgt) = (self.id_rank[i], self.package_rank[i], self.target_rank[i]);
            match key {
                SortKey::Severity => [sev, id, tgt, pkg, 0],
                SortKey::Id => [id, sev, tgt, pkg, 0],
                SortKey::Package => [pkg, sev, id, tgt, 0],
                SortKey::Target => [tgt, sev, id, pkg, 0],
                // Oldest first: the longest-open findings lead.
                SortKey::Age => [self.age[i], sev, id, tgt, pkg],
                SortKey::Due => [self.due[i], sev, id, tgt, pkg],
            }
        };
        let mut keys: Vec<([u32; 5], u32)> =
            (0..self.len()).map(|i| (keyed(i), i as u32)).collect();
        keys.sort_unstable();
        let mut order: Vec<u32> = keys.into_iter().map(|(_, i)| i).collect();
        if reverse {
            order.reverse();
        }
        order
    }

    fn condition_holds(&self, i: usize, c: &Condition, facts: &Facts) -> bool {
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
    fn match_haystacks(
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

/// What the latest scan of each target changed, per finding.
pub fn change_codes(findings: &[Finding], runs: &[crate::store::RunRecord]) -> Vec<u8> {
    use crate::query::language::change_code::*;
    let mut by_fp: std::collections::HashMap<&str, u8> = std::collections::HashMap::new();
    for run in runs {
        let Some(c) = &run.changes else { continue };
        for (list, code) in [
            (&c.new_image_changed, NEW_IMAGE_CHANGED),
            (&c.new_reported, NEW_REPORTED),
            (&c.gone, GONE),
            (&c.regressed, REGRESSED),
        ] {
            for fp in list {
                by_fp.insert(fp.as_str(), code);
            }
        }
    }
    findings
        .iter()
        .map(|f| {
            by_fp
                .get(f.fingerprint.to_string().as_str())
                .copied()
                .unwrap_or(NONE)
        })
        .collect()
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

    /// An index built from two halves answers exactly as one built whole:
    /// the same haystack text, targets, packages and ids for every finding,
    /// the same orders and the same matches.
    #[test]
    fn halves_build_the_index_one_pass_builds() {
        let redactor = crate::model::Redactor::with_key([2; 32]);
        let mut findings = crate::demo::parsed_findings(&redactor);
        // The second half repeats texts of the first and brings its own.
        let repeated: Vec<Finding> = findings.iter().rev().take(10).cloned().collect();
        findings.extend(repeated);
        let whole = SearchIndex::build_in(&findings, &[], &[], false);
        let halves = SearchIndex::build_in(&findings, &[], &[], true);
        let names = |ix: &SearchIndex, i: usize| {
            [
                ix.haystacks[ix.haystack_of[i] as usize].to_string(),
                ix.targets[ix.target_of[i] as usize].clone(),
                ix.images[ix.image_of[i] as usize].clone(),
                ix.packages[ix.package_of[i] as usize].clone(),
                ix.sources[ix.source_of[i] as usize].clone(),
            ]
        };
        for i in 0..findings.len() {
            assert_eq!(names(&whole, i), names(&halves, i), "finding {i}");
        }
        for key in [
            SortKey::Severity,
            SortKey::Id,
            SortKey::Package,
            SortKey::Target,
        ] {
            assert_eq!(whole.order(key, false), halves.order(key, false));
        }
        let order = whole.order(SortKey::Severity, false);
        let facts = Facts {
            statuses: vec![Status::Open; findings.len()],
            changes: vec![0; findings.len()],
        };
        let latest = AtomicU64::new(1);
        for text in ["curl", "ssl", "cve-2023", "sev:high flask", "!curl"] {
            let query = crate::query::language::parse(text).unwrap();
            let a = whole.search(&query, &facts, &order, None, 1, &latest);
            let b = halves.search(&query, &facts, &order, None, 1, &latest);
            assert_eq!(a, b, "{text}");
            assert!(
                a.is_some_and(|rows| !rows.is_empty()),
                "{text} matches something"
            );
        }
    }

    #[test]
    fn natural_order() {
        assert_eq!(
            natural_cmp("CVE-2021-999", "CVE-2021-1000"),
            std::cmp::Ordering::Less
        );
        assert_eq!(natural_cmp("a", "B"), std::cmp::Ordering::Less);
        assert_eq!(natural_cmp("lib2", "lib02"), std::cmp::Ordering::Equal);
    }
}
