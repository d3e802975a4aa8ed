//! The fix plan: open findings grouped by the action that clears them —
//! rebuild an image on a patched base image when its base layers brought the
//! packages (`model::layer`), upgrade a package to the lowest version that
//! fixes all of its findings in that subject, rotate and remove a secret, fix
//! a misconfiguration — ranked by the SLA risk each action clears (overdue
//! criticals first, then criticals, overdue highs, highs, then how many
//! findings it clears).
//! Shared by `scandeck plan`, the exports and the console.

use crate::model::version::Scheme;
use crate::model::{Finding, Fingerprint, Kind, Severity};
use crate::triage::{Assessment, Status};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The image a project's image is built `FROM`, and in which Dockerfile
/// (`rules::base_images`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseImage {
    pub from: String,
    pub dockerfile: String,
    /// The compose file and service that build the image.
    pub compose: String,
    pub service: String,
    /// Manifests the Dockerfile installs language packages from, as
    /// (purl type, project-relative path): `("pypi", "backend/requirements.txt")`.
    pub manifests: Vec<(String, String)>,
    /// The Dockerfile line that installs OS packages in the image's own
    /// layers: (line, the instruction as written, cut).
    pub os_install: Option<(usize, String)>,
}

impl BaseImage {
    /// The command that rebuilds the image on a freshly pulled base.
    pub fn rebuild_command(&self) -> String {
        let default_file = matches!(
            self.compose.as_str(),
            "docker-compose.yml" | "docker-compose.yaml" | "compose.yml" | "compose.yaml"
        );
        if default_file {
            format!("docker compose build --pull {}", self.service)
        } else {
            format!(
                "docker compose -f {} build --pull {}",
                self.compose, self.service
            )
        }
    }
}

/// The project's images as its compose files say: those it builds (with
/// their base image), by subject (`image:<repository>`), and those it uses
/// as they are (a service with `image:` and no `build:`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseImages {
    built: BTreeMap<String, BaseImage>,
    pulled: BTreeMap<String, String>,
}

impl BaseImages {
    pub fn new() -> BaseImages {
        BaseImages::default()
    }

    /// How the project builds the image of `subject`.
    pub fn get(&self, subject: &str) -> Option<&BaseImage> {
        self.built.get(subject)
    }

    pub fn contains_key(&self, subject: &str) -> bool {
        self.built.contains_key(subject)
    }

    pub fn insert(&mut self, subject: String, base: BaseImage) {
        self.pulled.remove(&subject);
        self.built.insert(subject, base);
    }

    /// An image the project uses as it is, by subject, with the reference
    /// its compose file names; one it also builds is not pulled.
    pub fn insert_pulled(&mut self, subject: String, reference: String) {
        if !self.built.contains_key(&subject) {
            self.pulled.insert(subject, reference);
        }
    }

    /// The reference of an image the project uses without building it.
    pub fn pulled(&self, subject: &str) -> Option<&str> {
        self.pulled.get(subject).map(String::as_str)
    }

    /// Every image subject the compose files name, built or pulled.
    pub fn subjects(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .built
            .keys()
            .chain(self.pulled.keys())
            .map(String::as_str)
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// What clears a group of findings.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Fix {
    /// Upgrade `package` to `to` (the lowest version that fixes every finding).
    Upgrade {
        package: String,
        ecosystem: Option<String>,
        from: Option<String>,
        to: String,
    },
    /// Rebuild on a patched base image: the base image's layers brought the
    /// packages. `base` is what the Dockerfile builds `FROM`, when known.
    BaseImage {
        base: Option<String>,
        dockerfile: Option<String>,
        /// `docker compose … build` arguments that rebuild it, when known.
        #[serde(skip)]
        rebuild: Option<String>,
    },
    /// No fixed version is known for some findings of `package`.
    NoFixYet { package: String },
    /// Rotate the secret(s) found in `file` and remove them from it and its history.
    RotateSecret { file: String },
    /// Change what rule `rule` flags in `file`.
    Reconfigure { rule: String, file: String },
    /// Anything else: decide about it.
    Decide { id: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct Action {
    /// What was scanned: `image:…` or `project:…`.
    pub subject: String,
    /// Every subject the action applies to, when more than one: a language
    /// package installed in an image from the manifest a project scan also
    /// read is one upgrade (edit the manifest, rebuild), not two.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    /// Each place with how many of the findings are there (`plan --expand`).
    #[serde(skip)]
    pub per_place: Vec<(String, usize)>,
    pub fix: Fix,
    /// One line a person reads.
    pub summary: String,
    /// The command or change that does it, where the ecosystem has one.
    pub hint: Option<String>,
    /// Fingerprints of the findings it clears.
    pub findings: Vec<Fingerprint>,
    pub critical: usize,
    pub high: usize,
    pub overdue_critical: usize,
    pub overdue_high: usize,
    pub worst: Severity,
}

impl Action {
    /// What it clears, in words: `2 critical (1 overdue), 1 high`.
    pub fn urgency(&self) -> String {
        let mut parts = Vec::new();
        if self.critical > 0 {
            parts.push(match self.overdue_critical {
                0 => format!("{} critical", self.critical),
                n => format!("{} critical ({n} overdue)", self.critical),
            });
        }
        if self.high > 0 {
            parts.push(match self.overdue_high {
                0 => format!("{} high", self.high),
                n => format!("{} high ({n} overdue)", self.high),
            });
        }
        if parts.is_empty() {
            parts.push(format!("worst {}", self.worst.as_str()));
        }
        parts.join(", ")
    }

    /// One line: urgency, what to do, and how.
    pub fn line(&self) -> String {
        let hint = self
            .hint
            .as_deref()
            .map(|h| format!(" — {h}"))
            .unwrap_or_default();
        format!("[{}] {}{hint}", self.urgency(), self.summary)
    }

    /// Larger is more urgent: overdue criticals, criticals, overdue highs,
    /// highs, then the worst severity left, then how many it clears — so
    /// the urgency column never rises down the list.
    fn rank(&self) -> (usize, usize, usize, usize, Severity, usize) {
        (
            self.overdue_critical,
            self.critical,
            self.overdue_high,
            self.high,
            self.worst,
            self.findings.len(),
        )
    }
}

/// A finding one action clears, with the version that fixes it (worked
/// out once: a fleet plan groups, partitions and names each finding's fix)
/// and what every action reads of it, copied while the finding is at hand:
/// an action's members lie all over the findings, and reading them there
/// again was most of a fleet plan's time.
#[derive(Clone, Copy)]
struct Member<'f> {
    finding: &'f Finding,
    /// Its place among the rows: members are kept in row order.
    row: u32,
    fix: Option<&'f str>,
    subject: &'f str,
    id: &'f str,
    package: Option<&'f str>,
    installed: Option<&'f str>,
    fingerprint: Fingerprint,
    severity: Severity,
    overdue: bool,
}

impl<'f> Member<'f> {
    fn of(finding: &'f Finding, assessment: &Assessment, row: u32) -> Member<'f> {
        Member {
            finding,
            row,
            fix: lowest_fix(finding),
            subject: &finding.subject,
            id: &finding.id,
            package: finding.package_name(),
            installed: finding.installed_version(),
            fingerprint: finding.fingerprint,
            severity: finding.severity,
            overdue: assessment.status == Status::Overdue,
        }
    }
}

/// Builds the plan from the findings shown, most urgent action first.
/// `bases` names the base image of the project's own images.
pub fn build(rows: &[(&Finding, &Assessment)], bases: &BaseImages) -> Vec<Action> {
    // Subjects are the findings' shared `Arc<str>`s: keys cost a reference
    // count, not a copy per finding (a fleet plan takes 500k findings).
    let mut groups: BTreeMap<(Arc<str>, Fix), Vec<Member>> = BTreeMap::new();
    // Packages are planned per (subject, package): the target version is the
    // highest of each finding's lowest fix. A language package is planned per
    // package across subjects (its ecosystem and its name as that ecosystem
    // spells it): the image that installs it and the project whose manifest
    // pins it need one change.
    // Each key is worked out once per package record (the fields it is
    // made of, borrowed), not once per finding: a fleet's 500k findings name
    // a few thousand packages. Members keep the order of the rows.
    let mut keys: BTreeMap<PackageKey, usize> = BTreeMap::new();
    let mut records: crate::fasthash::FxHashMap<PackageRecord, Option<usize>> = Default::default();
    let mut members_of: Vec<Vec<Member>> = Vec::new();
    // The rows are visited where their findings lie in memory, not in the
    // view's order: a fleet plan reads half a million findings and their
    // texts, and reading them in place is much faster than jumping about.
    // Each action's members are put back in row order below.
    let mut visit: Vec<(usize, u32)> = rows
        .iter()
        .enumerate()
        .map(|(row, (f, _))| (std::ptr::from_ref(*f) as usize, row as u32))
        .collect();
    visit.sort_unstable();
    for (f, a, row) in visit.into_iter().filter_map(|(_, row)| {
        let (f, a) = rows.get(row as usize)?;
        a.status.needs_work().then_some((*f, *a, row))
    }) {
        let m = Member::of(f, a, row);
        // Shared by many findings: cloned only where a group keeps it.
        let subject = || Arc::clone(&f.subject);
        match f.kind {
            // A patched base image fixes what its layers brought; what has
            // no fix yet stays with its package.
            Kind::Vulnerability
                if f.package.is_some() && f.from_base_image() && m.fix.is_some() =>
            {
                let base = bases.get(&f.subject);
                let fix = Fix::BaseImage {
                    base: base.map(|b| b.from.clone()),
                    dockerfile: base.map(|b| b.dockerfile.clone()),
                    rebuild: base.map(BaseImage::rebuild_command),
                };
                groups.entry((subject(), fix)).or_default().push(m);
            }
            Kind::Vulnerability if f.package.is_some() => {
                let record = PackageRecord::of(f);
                let known = records.get(&record).copied().flatten();
                let at = known.unwrap_or_else(|| {
                    let key = package_key(f);
                    let in_subject = matches!(key, PackageKey::InSubject { .. });
                    let next = members_of.len();
                    let at = *keys.entry(key).or_insert(next);
                    if at == next {
                        members_of.push(Vec::new());
                    }
                    // A key of one subject is found by subject and name.
                    records.insert(record, (!in_subject).then_some(at));
                    at
                });
                members_of[at].push(m);
            }
            Kind::Secret => {
                let file = f
                    .location
                    .path
                    .clone()
                    .unwrap_or_else(|| f.target.to_string());
                groups
                    .entry((subject(), Fix::RotateSecret { file }))
                    .or_default()
                    .push(m);
            }
            Kind::Misconfiguration | Kind::ImageConfig | Kind::Posture => {
                let file = f
                    .location
                    .path
                    .as_deref()
                    .map(|p| p.split('#').next().unwrap_or(p).to_string())
                    .unwrap_or_else(|| f.target.to_string());
                groups
                    .entry((
                        subject(),
                        Fix::Reconfigure {
                            rule: f.id.clone(),
                            file,
                        },
                    ))
                    .or_default()
                    .push(m);
            }
            _ => groups
                .entry((subject(), Fix::Decide { id: f.id.clone() }))
                .or_default()
                .push(m),
        }
    }
    // Back in row order: the groups so far are each filled here alone; a
    // package's key fills a group with its own members (in row order) only.
    for members in groups.values_mut().chain(members_of.iter_mut()) {
        members.sort_unstable_by_key(|m| m.row);
    }
    for (key, at) in keys {
        let members = std::mem::take(&mut members_of[at]);
        let (subject, name) = match key {
            PackageKey::InSubject { subject, name } => (subject, name),
            PackageKey::Distro { name, .. } => (
                members
                    .iter()
                    .min_by_key(|m| m.subject)
                    .map(|m| Arc::clone(&m.finding.subject))
                    .unwrap_or_else(|| Arc::from("")),
                name,
            ),
            // Filed under, and named as, its first place (`Werkzeug`, not `werkzeug`).
            PackageKey::Everywhere { name, .. } => members
                .iter()
                .min_by_key(|m| m.subject)
                .map(|m| {
                    let named = m.package.map_or(name, str::to_string);
                    (Arc::clone(&m.finding.subject), named)
                })
                .unwrap_or_else(|| (Arc::from(""), String::new())),
        };
        let (fixable, unfixable): (Vec<_>, Vec<_>) =
            members.into_iter().partition(|m| m.fix.is_some());
        if let Some(first) = fixable.first().map(|m| m.finding) {
            let scheme = scheme_of(first);
            let to = fixable
                .iter()
                .filter_map(|m| m.fix)
                .max_by(|a, b| scheme.compare(a, b))
                .unwrap_or_default()
                .to_string();
            // The installed version, when every place has the same one.
            let from = first
                .installed_version()
                .filter(|v| fixable.iter().all(|m| m.installed == Some(*v)))
                .map(str::to_string);
            let fix = Fix::Upgrade {
                package: name.clone(),
                ecosystem: first
                    .package
                    .as_ref()
                    .and_then(|p| p.ecosystem.as_deref().map(str::to_string)),
                from,
                to,
            };
            groups
                .entry((subject.clone(), fix))
                .or_default()
                .extend(fixable);
        }
        if !unfixable.is_empty() {
            groups
                .entry((subject, Fix::NoFixYet { package: name }))
                .or_default()
                .extend(unfixable);
        }
    }
    let mut actions: Vec<Action> = groups
        .into_iter()
        .map(|((subject, fix), members)| action(subject, fix, &members, bases))
        .collect();
    actions.sort_by(|a, b| {
        b.rank()
            .cmp(&a.rank())
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.fix.cmp(&b.fix))
    });
    actions
}

/// What a package finding's `PackageKey` is made of, borrowed from it
/// (and its subject, when the key is planned within one subject).
#[derive(PartialEq, Eq, Hash)]
struct PackageRecord<'f> {
    name: &'f str,
    ecosystem: Option<&'f str>,
    path: Option<&'f str>,
    location: Option<&'f str>,
    purl: Option<&'f str>,
}

impl<'f> PackageRecord<'f> {
    fn of(f: &'f Finding) -> PackageRecord<'f> {
        let package = f.package.as_ref();
        PackageRecord {
            name: package.map_or("", |p| p.name.as_str()),
            ecosystem: package.and_then(|p| p.ecosystem.as_deref()),
            path: package.and_then(|p| p.path.as_deref()),
            location: f.location.path.as_deref(),
            purl: package.and_then(|p| p.purl.as_deref()),
        }
    }
}

/// Where the upgrade of `f`'s package is planned.
fn package_key(f: &Finding) -> PackageKey {
    let name = f.package_name().unwrap_or_default().to_string();
    let class = crate::model::fingerprint::ecosystem_class(f);
    if class.is_empty() {
        PackageKey::InSubject {
            subject: Arc::clone(&f.subject),
            name,
        }
    } else if class == "os" {
        // One upgrade across every image of one distribution
        // release: "upgrade openssl to 3.0.14 in 312 images".
        PackageKey::Distro {
            ecosystem: f
                .package
                .as_ref()
                .and_then(|p| p.ecosystem.as_deref())
                .unwrap_or("")
                .to_ascii_lowercase(),
            release: distro_release(f),
            name,
        }
    } else {
        let name = crate::model::purl::purl_name(&class, &name).to_ascii_lowercase();
        PackageKey::Everywhere { class, name }
    }
}

/// Where a package's upgrade is planned: within one subject (a
/// distribution package belongs to its image), or everywhere a language
/// package of that ecosystem and name is installed.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum PackageKey {
    InSubject {
        subject: Arc<str>,
        name: String,
    },
    /// A distribution package, across every image of one release.
    Distro {
        ecosystem: String,
        release: Option<String>,
        name: String,
    },
    Everywhere {
        class: String,
        name: String,
    },
}

/// The distribution release a package comes from, as its purl names it
/// (`distro=debian-12.4` → `debian-12`, `alpine-3.18.4` → `alpine-3.18`):
/// one release's packages share versions, two releases' do not.
fn distro_release(f: &Finding) -> Option<String> {
    let purl = f.package.as_ref()?.purl.as_deref()?;
    let (_, query) = purl.split_once('?')?;
    let distro = query
        .split('&')
        .find_map(|q| q.strip_prefix("distro="))?
        .to_ascii_lowercase();
    let (name, version) = distro.split_once('-').unwrap_or((distro.as_str(), ""));
    let parts: Vec<&str> = version.split('.').collect();
    let keep = match name {
        // Debian's point releases share one security tracker.
        "debian" => 1,
        _ => 2,
    };
    Some(format!(
        "{name}-{}",
        parts[..parts.len().min(keep)].join(".")
    ))
}

fn action(subject: Arc<str>, fix: Fix, members: &[Member], bases: &BaseImages) -> Action {
    let mut per_place: BTreeMap<&str, usize> = BTreeMap::new();
    for m in members {
        *per_place.entry(m.subject).or_default() += 1;
    }
    let mut places: Vec<String> = per_place.keys().map(|p| p.to_string()).collect();
    if places.len() < 2 {
        places.clear();
    }
    let count = |sev: Severity, overdue: bool| {
        members
            .iter()
            .filter(|m| m.severity == sev && (!overdue || m.overdue))
            .count()
    };
    let worst = members
        .iter()
        .map(|m| m.severity)
        .max()
        .unwrap_or(Severity::Unknown);
    let mut findings: Vec<Fingerprint> = members.iter().map(|m| m.fingerprint).collect();
    findings.sort_unstable();
    findings.dedup();
    let n = findings.len();
    let ids = {
        let mut ids: Vec<&str> = members.iter().map(|m| m.id).collect();
        ids.sort();
        ids.dedup();
        let shown: Vec<&str> = ids.iter().take(3).copied().collect();
        let more = ids.len().saturating_sub(3);
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    let where_ = if places.is_empty() {
        crate::model::subject::name_of(&subject).to_string()
    } else {
        let names: Vec<&str> = places
            .iter()
            .map(|p| match crate::model::subject::name_of(p) {
                "." => "the workspace",
                name => name,
            })
            .collect();
        let images = places.iter().all(|p| p.starts_with("image:"));
        match names.as_slice() {
            // Many places: the count, and the first two by name (the plan's
            // size grows with its actions, not with the images; `plan
            // --expand` and the JSON list every place).
            [first, second, rest @ ..] if rest.len() > 1 => format!(
                "{} {} ({first}, {second} and {} more)",
                names.len(),
                if images { "images" } else { "places" },
                rest.len()
            ),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
            [] => String::new(),
        }
    };
    let (summary, hint) = match &fix {
        Fix::Upgrade {
            package,
            ecosystem,
            from,
            to,
        } => (
            format!(
                "upgrade {package}{} to {to} in {where_}: clears {n} finding(s) ({ids}){}",
                from.as_deref().map(|v| format!(" {v}")).unwrap_or_default(),
                match Scheme::of(ecosystem.as_deref()) {
                    Scheme::Unknown if members.len() > 1 || members.iter().any(|m| fix_versions(m.finding).len() > 1) =>
                        format!(
                            "; version order of {}: {}, check {to}",
                            ecosystem.as_deref().unwrap_or("this package"),
                            Scheme::Unknown.name()
                        ),
                    _ => String::new(),
                }
            ),
            owner_hint(package, ecosystem.as_deref(), to, members, bases)
                .or_else(|| upgrade_hint(ecosystem.as_deref(), package, to)),
        ),
        Fix::BaseImage {
            base,
            dockerfile,
            rebuild,
        } => {
            let packages = base_packages(members);
            let named = match base {
                Some(b) => format!("a patched {b}"),
                None => "a patched base image".to_string(),
            };
            (
                format!(
                    "rebuild {where_} on {named}: the base image brought {} package(s) with {n} finding(s) ({packages})",
                    distinct_packages(members)
                ),
                Some(match (base, dockerfile, rebuild) {
                    (Some(b), Some(file), Some(rebuild)) => {
                        format!("{rebuild}  # FROM {b} in {file}, or a newer tag of it")
                    }
                    _ => "rebuild with docker build --pull, or move its FROM to a newer tag"
                        .to_string(),
                }),
            )
        }
        Fix::NoFixYet { package } => {
            let words = members.iter().find_map(|m| fix_in_words(m.finding));
            match words {
                // A fix exists but the scanner names no version for it.
                Some(words) => (
                    format!(
                        "{package} in {where_}: the scanner names no fixed version for {n} finding(s) ({ids}), it says \"{words}\""
                    ),
                    words
                        .contains("npm audit fix")
                        .then(|| "npm audit fix".to_string()),
                ),
                None => (
                    format!(
                        "{package} in {where_} has no fixed version yet for {n} finding(s) ({ids}){}: mitigate, or decide (snooze until a fix, accept, not affected)",
                        if members.iter().all(|m| m.finding.from_base_image()) {
                            ", and came with the base image"
                        } else {
                            ""
                        }
                    ),
                    None,
                ),
            }
        }
        Fix::RotateSecret { file } => (
            format!("rotate the {n} secret(s) in {file} ({where_}) and remove them from the file and its history"),
            Some(format!("git rm --cached {file}  # after rotating; rewrite history with git filter-repo")),
        ),
        Fix::Reconfigure { rule, file } => (
            format!("fix {rule} in {file} ({where_}): {n} finding(s)"),
            None,
        ),
        Fix::Decide { id } => (format!("decide about {id} in {where_}: {n} finding(s)"), None),
    };
    Action {
        subject: subject.to_string(),
        places,
        per_place: per_place
            .into_iter()
            .map(|(p, n)| (p.to_string(), n))
            .collect(),
        fix,
        summary,
        hint,
        findings,
        critical: count(Severity::Critical, false),
        high: count(Severity::High, false),
        overdue_critical: count(Severity::Critical, true),
        overdue_high: count(Severity::High, true),
        worst,
    }
}

fn distinct_packages(members: &[Member]) -> usize {
    let mut names: Vec<&str> = members.iter().filter_map(|m| m.package).collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

/// `openssl ≥ 3.0.14-1~deb12u1, libc6 ≥ 2.36-9+deb12u7 and 2 more`: the
/// version each package needs, as the findings' fixes say.
fn base_packages(members: &[Member]) -> String {
    let mut need: BTreeMap<&str, &str> = BTreeMap::new();
    for m in members {
        let (Some(name), Some(fix)) = (m.package, m.fix) else {
            continue;
        };
        let slot = need.entry(name).or_default();
        if slot.is_empty() || scheme_of(m.finding).compare(fix, slot) == Ordering::Greater {
            *slot = fix;
        }
    }
    let all: Vec<String> = need
        .iter()
        .map(|(name, version)| format!("{name} ≥ {version}"))
        .collect();
    let more = all.len().saturating_sub(3);
    let shown = all.into_iter().take(3).collect::<Vec<_>>().join(", ");
    if more > 0 {
        format!("{shown} and {more} more")
    } else {
        shown
    }
}

/// The command that upgrades `f`'s package to its lowest fixed version,
/// where the ecosystem has one.
pub fn upgrade_command_for(f: &Finding) -> Option<String> {
    let p = f.package.as_ref()?;
    upgrade_hint(p.ecosystem.as_deref(), &p.name, lowest_fix(f)?)
}

/// The change at the layer that owns the package, when scandeck knows it:
/// an image the project builds installs a language package from a manifest
/// (edit the manifest, rebuild), or an OS package in its own layers
/// (rebuild without the cache); an image no compose file here builds is
/// moved to a newer tag. `None`: the package is the project's own, and the
/// ecosystem's command does it.
fn owner_hint(
    package: &str,
    ecosystem: Option<&str>,
    to: &str,
    members: &[Member],
    bases: &BaseImages,
) -> Option<String> {
    let purl_type = ecosystem.and_then(crate::model::purl::type_for);
    let os = matches!(purl_type, Some("deb" | "apk" | "rpm"));
    let requirement = |manifest: &str| match purl_type {
        Some("pypi") => format!("edit {manifest}: {package}>={to}"),
        Some("npm") => format!("edit {manifest}: \"{package}\": \"^{to}\" (then npm install)"),
        _ => format!("edit {manifest}: {package} {to} or later"),
    };
    // A project manifest that pins it: the one change every place needs.
    let project_manifest = members.iter().find_map(|m| {
        if !m.subject.starts_with(crate::model::subject::PROJECT) {
            return None;
        }
        let f = m.finding;
        [
            f.location.path.as_deref(),
            f.package.as_ref().and_then(|p| p.path.as_deref()),
        ]
        .into_iter()
        .flatten()
        .find(|p| crate::model::purl::ecosystem_of_manifest(p).is_some())
        .map(crate::model::fingerprint::manifest_of)
    });
    let first_image = members
        .iter()
        .find(|m| crate::model::subject::is_image(m.subject))
        .map(|m| m.finding);
    let Some(first_image) = first_image else {
        return project_manifest.map(|m| requirement(&m));
    };
    match bases.get(first_image.subject.as_ref()) {
        Some(built) => {
            let rebuild = built.rebuild_command();
            if os {
                return Some(match &built.os_install {
                    Some((line, text)) => format!(
                        "{} --no-cache  # {} line {line} (`{text}`) installs it; an uncached rebuild takes {package} {to}",
                        rebuild,
                        built.dockerfile
                    ),
                    None => format!("{rebuild} --no-cache  # the rebuild takes {package} {to}"),
                });
            }
            let manifest = built
                .manifests
                .iter()
                .find(|(t, _)| Some(t.as_str()) == purl_type)
                .map(|(_, m)| m.clone())
                .or(project_manifest)?;
            Some(format!("{}, then {rebuild}", requirement(&manifest)))
        }
        None => match bases.pulled(first_image.subject.as_ref()) {
            // The compose file uses the image as it is: its packages are
            // the image maker's to upgrade.
            Some(reference) => Some(format!(
                "move {reference} to a newer tag of it that has {package} {to} (the compose file uses it as it is)"
            )),
            None => project_manifest.map(|m| requirement(&m)),
        },
    }
}

/// The command that performs an upgrade, where the ecosystem has one.
fn upgrade_hint(ecosystem: Option<&str>, package: &str, to: &str) -> Option<String> {
    let eco = ecosystem?.to_ascii_lowercase();
    let hint = match eco.as_str() {
        "pypi" | "pip" | "python" | "python-pkg" => format!("pip install '{package}>={to}'"),
        "npm" | "node-pkg" | "yarn" | "pnpm" => format!("npm install {package}@{to}"),
        "deb" | "debian" | "ubuntu" => format!("apt-get install --only-upgrade {package}"),
        "apk" | "alpine" | "wolfi" => format!("apk add --upgrade {package}"),
        "rpm" | "redhat" | "centos" | "rocky" | "alma" | "amazon" => {
            format!("dnf upgrade {package}")
        }
        // Go's standard library comes with the toolchain the binary was built with.
        "golang" | "go" | "gobinary" | "gomod" if package == "stdlib" => {
            format!("rebuild with Go {} or later", to.trim_start_matches('v'))
        }
        "golang" | "go" | "gobinary" | "gomod" => {
            format!("go get {package}@v{}", to.trim_start_matches('v'))
        }
        "cargo" | "rust-binary" => format!("cargo update -p {package} --precise {to}"),
        "gem" | "bundler" | "gemspec" => format!("bundle update {package}"),
        "maven" | "jar" | "pom" | "gradle" => format!("set {package} to {to} in the build file"),
        _ => return None,
    };
    Some(hint)
}

/// The scheme `f`'s versions are compared by (`model::version`).
fn scheme_of(f: &Finding) -> Scheme {
    Scheme::of(f.package.as_ref().and_then(|p| p.ecosystem.as_deref()))
}

/// Whether a scanner's "fixed version" is a version at all (npm audit may
/// write `available via npm audit fix`).
fn looks_like_version(v: &str) -> bool {
    !v.is_empty()
        && !v.contains(char::is_whitespace)
        && v.trim_start_matches(['v', '='])
            .starts_with(|c: char| c.is_ascii_digit())
}

/// The fixed versions a scanner named for `f` that are versions (npm audit
/// writes `name@version`).
fn fix_versions(f: &Finding) -> Vec<&str> {
    let Some(p) = f.package.as_ref() else {
        return Vec::new();
    };
    p.fixed
        .iter()
        .map(|v| {
            let v = v.trim();
            v.strip_prefix(p.name.as_str())
                .and_then(|rest| rest.strip_prefix('@'))
                .unwrap_or(v)
        })
        .filter(|v| looks_like_version(v))
        .collect()
}

/// The version to move `f`'s package to: the lowest fixed version at or
/// above the installed one (a fix on an older release line does not apply),
/// and a release whenever a release fixes it, never a pre-release then.
fn lowest_fix(f: &Finding) -> Option<&str> {
    let scheme = scheme_of(f);
    let installed = f.installed_version();
    let candidates: Vec<&str> = fix_versions(f)
        .into_iter()
        .filter(|v| installed.is_none_or(|i| scheme.compare(v, i) != Ordering::Less))
        .collect();
    let lowest = |releases_only: bool| {
        candidates
            .iter()
            .copied()
            .filter(|v| !releases_only || !scheme.is_prerelease(v))
            .min_by(|a, b| scheme.compare(a, b))
    };
    lowest(true).or_else(|| lowest(false))
}

/// A fix the scanner describes in words instead of a version, if any.
fn fix_in_words(f: &Finding) -> Option<String> {
    f.package
        .as_ref()?
        .fixed
        .iter()
        .map(|v| v.trim().to_string())
        .find(|v| !looks_like_version(v) && !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_image_is_rebuilt_by_the_compose_file_that_builds_it() {
        let mut base = BaseImage {
            from: "python:3.11-slim".into(),
            dockerfile: "backend/Dockerfile".into(),
            compose: "docker-compose.yml".into(),
            service: "backend".into(),
            manifests: Vec::new(),
            os_install: None,
        };
        assert_eq!(
            base.rebuild_command(),
            "docker compose build --pull backend"
        );
        base.compose = "deploy/compose.prod.yml".into();
        assert_eq!(
            base.rebuild_command(),
            "docker compose -f deploy/compose.prod.yml build --pull backend"
        );
    }

    fn finding(eco: &str, installed: &str, fixed: &[&str]) -> Finding {
        let source = std::sync::Arc::new(crate::model::SourceInfo {
            scanner: "test".into(),
            version: None,
            report: "test".into(),
        });
        let target: std::sync::Arc<str> = std::sync::Arc::from("acme/api:1");
        let mut f = crate::ingest::blank_finding(
            Kind::Vulnerability,
            "CVE-2026-1".into(),
            &source,
            &target,
        );
        f.severity = Severity::High;
        f.package = Some(crate::model::Package {
            name: "pkg".into(),
            ecosystem: Some(eco.into()),
            installed: Some(installed.into()),
            fixed: fixed.iter().map(|v| (*v).into()).collect(),
            purl: None,
            path: None,
        });
        f
    }

    /// The plan moves to the lowest release that fixes, in the ecosystem's
    /// order: never a pre-release when a release fixes it, never a fix on
    /// an older release line, never words.
    #[test]
    fn the_fix_is_the_lowest_release_in_the_ecosystems_order() {
        let fix = |eco, installed, fixed: &[&str]| {
            lowest_fix(&finding(eco, installed, fixed)).map(str::to_string)
        };
        assert_eq!(
            fix("npm", "0.9.0", &["1.0.0-rc.1", "1.0.0"]).as_deref(),
            Some("1.0.0")
        );
        assert_eq!(
            fix("pypi", "1.9", &["2.0rc1", "2.0"]).as_deref(),
            Some("2.0")
        );
        assert_eq!(
            fix("pypi", "2.2.2", &["2.3.2", "2.2.5"]).as_deref(),
            Some("2.2.5")
        );
        assert_eq!(
            fix("pypi", "2.2.6", &["2.3.2", "2.2.5"]).as_deref(),
            Some("2.3.2")
        );
        assert_eq!(
            fix("npm", "0.9.0", &["1.0.0-rc.1"]).as_deref(),
            Some("1.0.0-rc.1")
        );
        assert_eq!(
            fix("deb", "3.0.9-1", &["3.0.14-1~deb12u1"]).as_deref(),
            Some("3.0.14-1~deb12u1")
        );
        assert_eq!(
            fix("maven", "2.17.0", &["2.17.1", "2.18.0-rc1"]).as_deref(),
            Some("2.17.1")
        );
        assert_eq!(fix("npm", "1.15.0", &["available via npm audit fix"]), None);
        assert_eq!(
            fix_in_words(&finding("npm", "1.15.0", &["available via npm audit fix"])).as_deref(),
            Some("available via npm audit fix")
        );
    }

    /// One distribution package in two images, spelt `Debian` by one
    /// scanner and `debian` by another, from two point releases of one
    /// release: one upgrade across both images. A package whose ecosystem
    /// nobody names is planned within each subject.
    #[test]
    fn records_of_one_package_are_one_upgrade_however_they_are_spelt() {
        let open = Assessment {
            status: Status::Open,
            first_seen: None,
            sla_due: None,
            decision: None,
        };
        let in_image = |image: &str, eco: &str, distro: &str, fixed: &str| {
            let mut f = finding(eco, "3.0.9-1", &[fixed]);
            f.subject = Arc::from(format!("image:{image}").as_str());
            f.fingerprint = crate::model::Fingerprint([image.len() as u8; 16]);
            if let Some(p) = f.package.as_mut() {
                p.purl = Some(format!("pkg:deb/debian/pkg@3.0.9-1?distro={distro}"));
            }
            f
        };
        let unnamed = |image: &str| {
            let mut f = in_image(image, "", "", "4.0");
            if let Some(p) = f.package.as_mut() {
                p.ecosystem = None;
                p.purl = None;
            }
            f
        };
        let findings = [
            in_image("acme/api", "Debian", "debian-12.4", "3.0.14-1~deb12u1"),
            in_image("acme/worker", "debian", "debian-12.5", "3.0.13-1~deb12u1"),
            unnamed("acme/api"),
            unnamed("acme/worker"),
        ];
        let rows: Vec<(&Finding, &Assessment)> = findings.iter().map(|f| (f, &open)).collect();
        let actions = build(&rows, &BaseImages::new());
        let upgrades: Vec<String> = actions
            .iter()
            .filter(|a| a.summary.contains("3.0.1"))
            .map(|a| a.summary.clone())
            .collect();
        assert_eq!(upgrades.len(), 1, "{upgrades:?}");
        assert!(
            upgrades[0]
                .starts_with("upgrade pkg 3.0.9-1 to 3.0.14-1~deb12u1 in acme/api and acme/worker"),
            "{}",
            upgrades[0]
        );
        let per_subject: Vec<&str> = actions
            .iter()
            .filter(|a| a.summary.contains("to 4.0"))
            .map(|a| a.subject.as_str())
            .collect();
        assert_eq!(per_subject, ["image:acme/api", "image:acme/worker"]);
    }
}
