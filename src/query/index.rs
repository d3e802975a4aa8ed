//! The search index: every finding's texts interned once (targets,
//! images, sources, packages, ids, fuzzy haystacks), built on two threads,
//! with the facts a query reads (status and change per finding).

use super::order::natural_cmp;
use crate::fasthash::FxHashMap;
use crate::intern::Interner;
use crate::model::{Finding, Kind, Severity};
use crate::triage::Status;
use nucleo_matcher::Utf32String;
use std::hash::{Hash, Hasher};

#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub statuses: Vec<Status>,
    /// `language::change_code` per finding.
    pub changes: Vec<u8>,
}

impl Facts {
    /// Whether finding `i` needs work (`Status::needs_work`); a finding
    /// without a status yet is counted as work.
    pub fn needs_work(&self, i: usize) -> bool {
        self.statuses.get(i).is_none_or(|s| s.needs_work())
    }
}

/// Per-finding attributes packed for filtering, plus the haystacks.
pub struct SearchIndex {
    pub(super) haystacks: Vec<Utf32String>,
    pub(super) haystack_of: Vec<u32>,
    pub(super) severity: Vec<Severity>,
    pub(super) kind: Vec<Kind>,
    pub(super) has_fix: Vec<bool>,
    /// What the image's history says of each finding's layer (`model::layer`).
    pub(super) from_base: Vec<Option<bool>>,
    pub(super) target_of: Vec<u32>,
    /// Lower-case display target names.
    pub(super) targets: Vec<String>,
    /// Lower-case image repository of each finding's subject ("" when it is
    /// not in an image), by id.
    pub(super) image_of: Vec<u32>,
    pub(super) images: Vec<String>,
    pub(super) source_of: Vec<u16>,
    pub(super) sources: Vec<String>,
    pub(super) package_of: Vec<u32>,
    pub(super) packages: Vec<String>,
    /// Sort ranks: id (natural order), package, target, first seen.
    pub(super) id_rank: Vec<u32>,
    pub(super) package_rank: Vec<u32>,
    pub(super) target_rank: Vec<u32>,
    pub(super) age: Vec<u32>,
    pub(super) due: Vec<u32>,
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

/// The haystacks of some findings, each written once: a haystack is
/// found by the hash of its `HayParts` and told apart from others of that
/// hash by the parts of the first finding that wrote it. A map keyed by the
/// parts themselves (88 bytes an entry, two tables while it grew) was 70 MB
/// at its peak at 1M findings; this keeps about 40 bytes a haystack.
#[derive(Default)]
struct Haystacks<'f> {
    /// Hash of the parts → the last haystack with that hash; `next` links the earlier ones.
    by_hash: FxHashMap<u64, u32>,
    next: Vec<u32>,
    /// The first finding that wrote each haystack.
    writer: Vec<&'f Finding>,
    /// Each haystack's finding id and package, interned.
    ids: Vec<(u32, u32)>,
    texts: Vec<String>,
}

const NO_HAY: u32 = u32::MAX;

impl<'f> Haystacks<'f> {
    fn hash(parts: &HayParts) -> u64 {
        let mut hasher = crate::fasthash::FxHasher::default();
        parts.hash(&mut hasher);
        hasher.finish()
    }

    fn find(&self, hash: u64, parts: &HayParts) -> Option<u32> {
        let mut at = self.by_hash.get(&hash).copied();
        while let Some(hay) = at.filter(|h| *h != NO_HAY) {
            if HayParts::of(self.writer[hay as usize]) == *parts {
                return Some(hay);
            }
            at = Some(self.next[hay as usize]);
        }
        None
    }

    fn add(&mut self, hash: u64, writer: &'f Finding, ids: (u32, u32), text: String) -> u32 {
        let hay = self.texts.len() as u32;
        self.next
            .push(self.by_hash.insert(hash, hay).unwrap_or(NO_HAY));
        self.writer.push(writer);
        self.ids.push(ids);
        self.texts.push(text);
        hay
    }
}

/// The texts of some findings, interned: what `SearchIndex::build` makes
/// of each half of the findings before joining them.
#[derive(Default)]
struct Part<'f> {
    /// Hashing what a haystack is made of (the title by its shared advisory
    /// text) is cheaper than writing and hashing the whole text for every
    /// finding.
    hay: Haystacks<'f>,
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
            let parts = HayParts::of(f);
            let hash = Haystacks::hash(&parts);
            let hay = match part.hay.find(hash, &parts) {
                Some(hay) => hay,
                None => {
                    haystack_text(f, &mut text);
                    let ids = (
                        part.ids.id(&f.id),
                        part.packages.id(f.package_name().unwrap_or("")),
                    );
                    part.hay.add(hash, f, ids, text.clone())
                }
            };
            let (id, package) = part.hay.ids[hay as usize];
            part.haystack_of.push(hay);
            part.target_of.push(part.targets.id(f.display_target()));
            let repository = f.subject.strip_prefix("image:").unwrap_or("");
            part.image_of.push(part.images.id(repository));
            part.source_of.push(match &f.also {
                // `src:` matches any of a finding's sources.
                Some(_) => part.sources.id(&f.scanner_names()),
                None => part.sources.id(&f.source.scanner),
            });
            part.package_of.push(package);
            part.id_of.push(id);
        }
        part
    }

    /// Appends the findings of `later` (those after this part's), moving
    /// its ids into this part's.
    fn append(&mut self, later: Part<'f>) {
        let packages = self.packages.absorb(&later.packages);
        let ids = self.ids.absorb(&later.ids);
        let Haystacks {
            writer,
            ids: hay_ids,
            texts,
            ..
        } = later.hay;
        let hays: Vec<u32> = writer
            .into_iter()
            .zip(hay_ids)
            .zip(texts)
            .map(|((writer, (id, package)), text)| {
                let parts = HayParts::of(writer);
                let hash = Haystacks::hash(&parts);
                self.hay.find(hash, &parts).unwrap_or_else(|| {
                    let ids = (ids[id as usize], packages[package as usize]);
                    self.hay.add(hash, writer, ids, text)
                })
            })
            .collect();
        let remap = |ids: Vec<u32>, map: &[u32]| -> Vec<u32> {
            ids.into_iter().map(|i| map[i as usize]).collect()
        };
        let targets = self.targets.absorb(&later.targets);
        let images = self.images.absorb(&later.images);
        let sources = self.sources.absorb(&later.sources);
        self.haystack_of.extend(remap(later.haystack_of, &hays));
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

/// What the latest scan of each target changed, per finding.
pub fn change_codes(findings: &[Finding], runs: &[crate::store::RunRecord]) -> Vec<u8> {
    use crate::query::language::change_code::*;
    let mut by_fp: FxHashMap<crate::model::Fingerprint, u8> = FxHashMap::default();
    for run in runs {
        let Some(c) = &run.changes else { continue };
        for (list, code) in [
            (&c.new_image_changed, NEW_IMAGE_CHANGED),
            (&c.new_reported, NEW_REPORTED),
            (&c.gone, GONE),
            (&c.regressed, REGRESSED),
        ] {
            for fp in list
                .iter()
                .filter_map(|fp| crate::model::Fingerprint::parse(fp))
            {
                by_fp.insert(fp, code);
            }
        }
    }
    if by_fp.is_empty() {
        return vec![NONE; findings.len()];
    }
    findings
        .iter()
        .map(|f| by_fp.get(&f.fingerprint).copied().unwrap_or(NONE))
        .collect()
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
            hay: Haystacks {
                texts: hay_texts, ..
            },
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
        // The texts become the haystacks where they lie (an ASCII text is
        // kept as it is), not copied beside them.
        index.haystacks = hay_texts.into_iter().map(Utf32String::from).collect();
        index.targets = targets.values().iter().map(|t| t.to_lowercase()).collect();
        index.images = images.values().iter().map(|t| t.to_lowercase()).collect();
        index.sources = sources.values().iter().map(|s| s.to_lowercase()).collect();
        index.packages = packages.values().iter().map(|p| p.to_lowercase()).collect();
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::SortKey;
    use crate::triage::Status;
    use std::sync::atomic::AtomicU64;

    /// Haystacks whose parts hash alike are still told apart by their
    /// parts, each found again by its own.
    #[test]
    fn haystacks_of_one_hash_are_told_apart_by_their_parts() {
        let redactor = crate::model::Redactor::with_key([2; 32]);
        let findings = crate::demo::parsed_findings(&redactor);
        let (a, b) = (&findings[0], &findings[1]);
        assert!(HayParts::of(a) != HayParts::of(b));
        let mut hays = Haystacks::default();
        // One hash for both, as a collision would give.
        let first = hays.add(7, a, (0, 0), "a".into());
        assert_eq!(hays.find(7, &HayParts::of(b)), None);
        let second = hays.add(7, b, (1, 1), "b".into());
        assert_eq!(hays.find(7, &HayParts::of(a)), Some(first));
        assert_eq!(hays.find(7, &HayParts::of(b)), Some(second));
        assert_eq!(hays.find(8, &HayParts::of(a)), None);
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
}
