//! Versions compared the way each ecosystem compares them (docs/versions.md):
//! semver for npm, cargo and Go modules (the `semver` crate), PEP 440 for
//! Python (the `pep440_rs` crate), dpkg's algorithm for Debian, rpmvercmp
//! for RPM, apk-tools' for Alpine, Maven's `ComparableVersion` for Maven.
//! An ecosystem scandeck does not know is compared by the generic
//! digit-and-text runs and said to be so (`Scheme::Unknown`), so no plan
//! hides the guess.

use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Semver,
    Pep440,
    Debian,
    Rpm,
    Apk,
    Maven,
    /// No scheme known for the ecosystem: generic runs, said so.
    Unknown,
}

impl Scheme {
    /// The scheme of an ecosystem (a purl type or a scanner's package type).
    pub fn of(ecosystem: Option<&str>) -> Scheme {
        match ecosystem.map(str::to_ascii_lowercase).as_deref() {
            Some(
                "npm" | "node-pkg" | "yarn" | "pnpm" | "cargo" | "rust-binary" | "rust-crate"
                | "golang" | "go" | "gomod" | "gobinary" | "go-module",
            ) => Scheme::Semver,
            Some("pypi" | "pip" | "python" | "python-pkg" | "poetry" | "pipenv") => Scheme::Pep440,
            Some("deb" | "debian" | "ubuntu" | "dpkg") => Scheme::Debian,
            Some(
                "rpm" | "redhat" | "centos" | "rocky" | "alma" | "amazon" | "fedora" | "suse"
                | "opensuse" | "oracle",
            ) => Scheme::Rpm,
            Some("apk" | "alpine" | "wolfi" | "chainguard") => Scheme::Apk,
            Some("maven" | "jar" | "pom" | "gradle" | "java-archive") => Scheme::Maven,
            _ => Scheme::Unknown,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Semver => "semver",
            Scheme::Pep440 => "PEP 440",
            Scheme::Debian => "Debian",
            Scheme::Rpm => "RPM",
            Scheme::Apk => "Alpine apk",
            Scheme::Maven => "Maven",
            Scheme::Unknown => "unknown (compared by digit and text runs)",
        }
    }

    pub fn compare(self, a: &str, b: &str) -> Ordering {
        let (a, b) = (a.trim(), b.trim());
        match self {
            Scheme::Semver => semver_cmp(a, b),
            Scheme::Pep440 => match (
                a.parse::<pep440_rs::Version>(),
                b.parse::<pep440_rs::Version>(),
            ) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => generic(a, b),
            },
            Scheme::Debian => debian(a, b),
            Scheme::Rpm => rpm_evr(a, b),
            Scheme::Apk => apk(a, b),
            Scheme::Maven => maven(a, b),
            Scheme::Unknown => generic(a, b),
        }
    }

    /// A pre-release in the scheme's own terms (`1.0.0-rc.1`, `2.0rc1`,
    /// `2.0~beta1`, `1.2_rc1`, `1.0-alpha-1`).
    pub fn is_prerelease(self, v: &str) -> bool {
        let v = v.trim();
        match self {
            Scheme::Semver => lenient_semver(v).is_some_and(|s| !s.pre.is_empty()),
            Scheme::Pep440 => v
                .parse::<pep440_rs::Version>()
                .is_ok_and(|x| x.any_prerelease()),
            Scheme::Debian | Scheme::Rpm => upstream_of(v).contains('~'),
            Scheme::Apk => ["_alpha", "_beta", "_pre", "_rc"]
                .iter()
                .any(|s| v.contains(s)),
            Scheme::Maven => maven_items(v)
                .iter()
                .any(|i| matches!(i, MavenItem::Qualifier(q) if maven_qualifier_rank(q).0 < 5)),
            Scheme::Unknown => {
                let lower = v.to_ascii_lowercase();
                ["alpha", "beta", "rc", "pre", "dev", "snapshot", "~"]
                    .iter()
                    .any(|w| lower.contains(w))
            }
        }
    }
}

/// The upstream part of a Debian or RPM version (no epoch, no revision).
fn upstream_of(v: &str) -> &str {
    let no_epoch = v.split_once(':').map_or(v, |(_, rest)| rest);
    no_epoch.rsplit_once('-').map_or(no_epoch, |(up, _)| up)
}

/// A semver version, leniently: a leading `v`, and missing minor or patch
/// numbers (`1.2`) filled with zeros, as npm and Go tools read them.
fn lenient_semver(v: &str) -> Option<semver::Version> {
    let v = v.trim_start_matches('v').trim_start_matches('=');
    if let Ok(x) = semver::Version::parse(v) {
        return Some(x);
    }
    let (core, rest) = match v.find(['-', '+']) {
        Some(at) => (&v[..at], &v[at..]),
        None => (v, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut padded = parts.join(".");
    for _ in parts.len()..3 {
        padded.push_str(".0");
    }
    semver::Version::parse(&format!("{padded}{rest}")).ok()
}

fn semver_cmp(a: &str, b: &str) -> Ordering {
    match (lenient_semver(a), lenient_semver(b)) {
        // Build metadata does not order versions (semver §10).
        (Some(x), Some(y)) => x.cmp_precedence(&y),
        _ => generic(a, b),
    }
}

/// dpkg's `verrevcmp` over one part: runs of non-digits compared by
/// `order` (`~` before the end, the end before letters, letters before
/// other characters), runs of digits by value.
fn dpkg_part(a: &str, b: &str) -> Ordering {
    fn order(c: Option<u8>) -> i32 {
        match c {
            None => 0,
            Some(b'~') => -1,
            Some(c) if c.is_ascii_digit() => 0,
            Some(c) if c.is_ascii_alphabetic() => i32::from(c),
            Some(c) => i32::from(c) + 256,
        }
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            if i < a.len() && !a[i].is_ascii_digit() {
                i += 1;
            }
            if j < b.len() && !b[j].is_ascii_digit() {
                j += 1;
            }
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while a.get(i).is_some_and(u8::is_ascii_digit) && b.get(j).is_some_and(u8::is_ascii_digit) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if a.get(i).is_some_and(u8::is_ascii_digit) {
            return Ordering::Greater;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// `[epoch:]upstream[-revision]` as dpkg splits it.
fn deb_parts(v: &str) -> (u64, &str, &str) {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
            (e.parse().unwrap_or(u64::MAX), rest)
        }
        _ => (0, v),
    };
    let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
    (epoch, upstream, revision)
}

/// Debian policy §5.6.12: epoch, then upstream, then revision.
fn debian(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = deb_parts(a);
    let (eb, ub, rb) = deb_parts(b);
    ea.cmp(&eb)
        .then_with(|| dpkg_part(ua, ub))
        .then_with(|| dpkg_part(ra, rb))
}

/// rpm's `rpmvercmp` over one part: alphanumeric segments, numeric newer
/// than alphabetic, `~` older and `^` newer than anything, separators
/// only separate.
fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        match (a.get(i), b.get(j)) {
            (Some(b'~'), Some(b'~')) => {
                i += 1;
                j += 1;
                continue;
            }
            (Some(b'~'), _) => return Ordering::Less,
            (_, Some(b'~')) => return Ordering::Greater,
            (Some(b'^'), Some(b'^')) => {
                i += 1;
                j += 1;
                continue;
            }
            (Some(b'^'), None) => return Ordering::Greater,
            (None, Some(b'^')) => return Ordering::Less,
            (Some(b'^'), _) => return Ordering::Less,
            (_, Some(b'^')) => return Ordering::Greater,
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(_)) => {
                let numeric = x.is_ascii_digit();
                let take = |s: &[u8], mut k: usize| {
                    let start = k;
                    while k < s.len()
                        && if numeric {
                            s[k].is_ascii_digit()
                        } else {
                            s[k].is_ascii_alphabetic()
                        }
                    {
                        k += 1;
                    }
                    (start, k)
                };
                let (si, ei) = take(a, i);
                let (sj, ej) = take(b, j);
                if sj == ej {
                    // Segments of different kinds: numeric is newer.
                    return if numeric {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    };
                }
                let (x, y) = (&a[si..ei], &b[sj..ej]);
                let ord = if numeric {
                    let trim = |s: &[u8]| -> Vec<u8> {
                        s.iter().copied().skip_while(|c| *c == b'0').collect()
                    };
                    let (x, y) = (trim(x), trim(y));
                    x.len().cmp(&y.len()).then_with(|| x.cmp(&y))
                } else {
                    x.cmp(y)
                };
                if ord != Ordering::Equal {
                    return ord;
                }
                i = ei;
                j = ej;
            }
        }
    }
}

/// RPM `[epoch:]version[-release]`.
fn rpm_evr(a: &str, b: &str) -> Ordering {
    let (ea, va, ra) = deb_parts(a);
    let (eb, vb, rb) = deb_parts(b);
    ea.cmp(&eb)
        .then_with(|| rpmvercmp(va, vb))
        .then_with(|| rpmvercmp(ra, rb))
}

/// apk-tools' `apk_version_compare`: a version is numbers separated by
/// dots, an optional letter, `_suffix[N]` parts (`alpha` < `beta` < `pre` <
/// `rc` < none < `cvs` < `svn` < `git` < `hg` < `p`) and `-rN`. Where the
/// two differ in kind, a pre-release suffix is older; otherwise the side
/// whose kind comes later (number, letter, suffix, revision, end) is older:
/// `1.2` < `1.2.1`, `1.2` < `1.2a`, `1.2_rc1` < `1.2` < `1.2_p1`.
fn apk(a: &str, b: &str) -> Ordering {
    #[derive(Clone, Copy, Debug)]
    enum Tok {
        Num(u64),
        Letter(u8),
        /// (rank, number): negative ranks are pre-release suffixes.
        Suffix(i32, u64),
        Revision(u64),
        End,
    }
    impl Tok {
        fn kind(self) -> u8 {
            match self {
                Tok::Num(_) => 1,
                Tok::Letter(_) => 2,
                Tok::Suffix(..) => 3,
                Tok::Revision(_) => 5,
                Tok::End => 6,
            }
        }
        fn pre_release(self) -> bool {
            matches!(self, Tok::Suffix(rank, _) if rank < 0)
        }
    }
    fn suffix_rank(s: &str) -> i32 {
        match s {
            "alpha" => -4,
            "beta" => -3,
            "pre" => -2,
            "rc" => -1,
            "cvs" => 1,
            "svn" => 2,
            "git" => 3,
            "hg" => 4,
            "p" => 5,
            _ => 0,
        }
    }
    fn tokens(v: &str) -> Vec<Tok> {
        let (main, rev) = match v.rsplit_once("-r") {
            Some((m, r)) if !r.is_empty() && r.bytes().all(|c| c.is_ascii_digit()) => (m, Some(r)),
            _ => (v, None),
        };
        let mut out = Vec::new();
        let (head, suffixes) = match main.find('_') {
            Some(at) => (&main[..at], &main[at + 1..]),
            None => (main, ""),
        };
        for part in head.split('.') {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            out.push(Tok::Num(digits.parse().unwrap_or(0)));
            if let Some(c) = part[digits.len()..].bytes().next() {
                out.push(Tok::Letter(c));
            }
        }
        for s in suffixes.split('_').filter(|s| !s.is_empty()) {
            let name: String = s.chars().take_while(char::is_ascii_alphabetic).collect();
            let n = s[name.len()..].parse().unwrap_or(0);
            out.push(Tok::Suffix(suffix_rank(&name), n));
        }
        if let Some(r) = rev {
            out.push(Tok::Revision(r.parse().unwrap_or(0)));
        }
        out.push(Tok::End);
        out
    }
    let (ta, tb) = (tokens(a), tokens(b));
    for (x, y) in ta.iter().zip(tb.iter()) {
        let ord = match (*x, *y) {
            (Tok::End, Tok::End) => return Ordering::Equal,
            (Tok::Num(p), Tok::Num(q)) => p.cmp(&q),
            (Tok::Letter(p), Tok::Letter(q)) => p.cmp(&q),
            (Tok::Suffix(p, m), Tok::Suffix(q, n)) => p.cmp(&q).then(m.cmp(&n)),
            (Tok::Revision(p), Tok::Revision(q)) => p.cmp(&q),
            (x, _) if x.pre_release() => Ordering::Less,
            (_, y) if y.pre_release() => Ordering::Greater,
            (x, y) => y.kind().cmp(&x.kind()),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum MavenItem {
    Int(u64),
    Qualifier(String),
}

/// Maven's well-known qualifiers in order: alpha < beta < milestone < rc =
/// cr < snapshot < "" = ga = final = release < sp; others after, by text.
fn maven_qualifier_rank(q: &str) -> (u8, String) {
    match q {
        "alpha" | "a" => (0, String::new()),
        "beta" | "b" => (1, String::new()),
        "milestone" | "m" => (2, String::new()),
        "rc" | "cr" => (3, String::new()),
        "snapshot" => (4, String::new()),
        "" | "ga" | "final" | "release" => (5, String::new()),
        "sp" => (6, String::new()),
        other => (7, other.to_string()),
    }
}

/// `ComparableVersion`'s items: each `-` group split at `.` and where
/// digits meet letters, qualifiers lower-cased, each group's trailing zeros
/// and release qualifiers dropped (`2.0.0-rc1` is `2, rc, 1`).
fn maven_items(v: &str) -> Vec<MavenItem> {
    let lower = v.to_ascii_lowercase();
    let mut items = Vec::new();
    for group in lower.split('-') {
        let mut parts: Vec<MavenItem> = Vec::new();
        let mut current = String::new();
        let flush = |current: &mut String, parts: &mut Vec<MavenItem>| {
            if current.is_empty() {
                return;
            }
            parts.push(if current.bytes().all(|b| b.is_ascii_digit()) {
                MavenItem::Int(current.parse().unwrap_or(u64::MAX))
            } else {
                MavenItem::Qualifier(current.clone())
            });
            current.clear();
        };
        for c in group.chars() {
            if c == '.' {
                flush(&mut current, &mut parts);
                continue;
            }
            let switch = current
                .chars()
                .last()
                .is_some_and(|last| last.is_ascii_digit() != c.is_ascii_digit());
            if switch {
                flush(&mut current, &mut parts);
            }
            current.push(c);
        }
        flush(&mut current, &mut parts);
        while matches!(parts.last(), Some(MavenItem::Int(0)))
            || matches!(parts.last(), Some(MavenItem::Qualifier(q)) if maven_qualifier_rank(q).0 == 5)
        {
            parts.pop();
        }
        items.extend(parts);
    }
    items
}

fn maven(a: &str, b: &str) -> Ordering {
    let (x, y) = (maven_items(a), maven_items(b));
    for k in 0..x.len().max(y.len()) {
        let ord = match (x.get(k), y.get(k)) {
            (Some(MavenItem::Int(p)), Some(MavenItem::Int(q))) => p.cmp(q),
            (Some(MavenItem::Qualifier(p)), Some(MavenItem::Qualifier(q))) => {
                maven_qualifier_rank(p).cmp(&maven_qualifier_rank(q))
            }
            (Some(MavenItem::Int(_)), Some(MavenItem::Qualifier(_))) => Ordering::Greater,
            (Some(MavenItem::Qualifier(_)), Some(MavenItem::Int(_))) => Ordering::Less,
            // Against nothing: a number is newer; a qualifier against the
            // release ("") by its rank.
            (Some(MavenItem::Int(_)), None) => Ordering::Greater,
            (None, Some(MavenItem::Int(_))) => Ordering::Less,
            (Some(MavenItem::Qualifier(p)), None) => maven_qualifier_rank(p).0.cmp(&5),
            (None, Some(MavenItem::Qualifier(q))) => 5.cmp(&maven_qualifier_rank(q).0),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Runs of digits by value, other runs by text, `~` first, an epoch (`1:`)
/// before all: what scandeck does for an ecosystem it has no scheme for.
pub fn generic(a: &str, b: &str) -> Ordering {
    let split = |v: &str| -> (u64, String) {
        let v = v.trim().trim_start_matches('v');
        match v.split_once(':') {
            Some((e, rest)) if !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()) => {
                (e.parse().unwrap_or(u64::MAX), rest.to_string())
            }
            _ => (0, v.to_string()),
        }
    };
    let ((ea, ra), (eb, rb)) = (split(a), split(b));
    ea.cmp(&eb).then_with(|| dpkg_part(&ra, &rb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    fn check(scheme: Scheme, table: &[(&str, &str, Ordering)]) {
        for (a, b, want) in table {
            assert_eq!(scheme.compare(a, b), *want, "{}: {a} vs {b}", scheme.name());
            assert_eq!(
                scheme.compare(b, a),
                want.reverse(),
                "{}: {b} vs {a}",
                scheme.name()
            );
        }
    }

    /// semver.org §11's precedence example and npm's usual spellings.
    #[test]
    fn semver_orders_as_semver_org_says() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for w in chain.windows(2) {
            check(Scheme::Semver, &[(w[0], w[1], Less)]);
        }
        check(
            Scheme::Semver,
            &[
                ("1.0.0", "2.0.0", Less),
                ("2.0.0", "2.1.0", Less),
                ("2.1.0", "2.1.1", Less),
                ("1.0.0+build.1", "1.0.0+build.2", Equal),
                ("v1.2.3", "1.2.3", Equal),
                ("1.2", "1.2.0", Equal),
                ("1.10.0", "1.9.0", Greater),
            ],
        );
        assert!(Scheme::Semver.is_prerelease("1.0.0-rc.1"));
        assert!(!Scheme::Semver.is_prerelease("1.0.0+build.5"));
    }

    /// PEP 440's "Summary of permitted suffixes and relative ordering".
    #[test]
    fn pep440_orders_as_the_pep_says() {
        let chain = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for w in chain.windows(2) {
            check(Scheme::Pep440, &[(w[0], w[1], Less)]);
        }
        check(
            Scheme::Pep440,
            &[
                ("2.0rc1", "2.0", Less),
                ("1!1.0", "2.0", Greater),
                ("1.0", "1.0.0", Equal),
            ],
        );
        assert!(Scheme::Pep440.is_prerelease("2.0rc1"));
        assert!(!Scheme::Pep440.is_prerelease("2.0.post1"));
    }

    /// deb-version(7) and Debian policy §5.6.12, with cases from dpkg's
    /// own test suite (`lib/dpkg/t/t-version.c`).
    #[test]
    fn debian_orders_as_dpkg_does() {
        check(
            Scheme::Debian,
            &[
                ("0", "0", Equal),
                ("0:0", "0", Equal),
                ("1.0~rc1", "1.0", Less),
                ("1.0~~", "1.0~", Less),
                ("1.0~", "1.0", Less),
                ("1.0", "1.0a", Less),
                ("1.0a", "1.0+", Less),
                ("1.0", "1.0.1", Less),
                ("1:0.4", "10.3", Greater),
                ("1.002-1", "1.2-1", Equal),
                ("2.36-9+deb12u1", "2.36-9+deb12u7", Less),
                ("3.0.11-1~deb12u2", "3.0.11-1", Less),
                ("1.2.3-1", "1.2.3-10", Less),
                ("1:1.2.13.dfsg-1", "1.3", Greater),
            ],
        );
        assert!(Scheme::Debian.is_prerelease("1.0~rc1-1"));
    }

    /// rpmvercmp's cases from rpm's test suite (`tests/rpmvercmp.at`).
    #[test]
    fn rpm_orders_as_rpmvercmp_does() {
        check(
            Scheme::Rpm,
            &[
                ("1.0", "1.0", Equal),
                ("1.0", "2.0", Less),
                ("2.0.1", "2.0", Greater),
                ("2.0.1a", "2.0.1", Greater),
                ("5.5p1", "5.5p2", Less),
                ("5.5p10", "5.5p1", Greater),
                ("10xyz", "10.1xyz", Less),
                ("xyz10", "xyz10.1", Less),
                ("xyz.4", "8", Less),
                ("1.0aa", "1.0a", Greater),
                ("1.0~rc1", "1.0", Less),
                ("1.0~rc1", "1.0~rc2", Less),
                ("1.0~rc1~git123", "1.0~rc1", Less),
                ("1.0^", "1.0", Greater),
                ("1.0^git1", "1.01", Less),
                ("1.0^20160101", "1.0.1", Less),
                ("1.0^git1~pre", "1.0^git1", Less),
            ],
        );
    }

    /// apk-tools' ordering (its `test/version.data`).
    #[test]
    fn apk_orders_as_apk_tools_does() {
        check(
            Scheme::Apk,
            &[
                ("1.2.3", "1.2.3", Equal),
                ("1.2", "1.2.1", Less),
                ("1.2", "1.2a", Less),
                ("1.2_rc1", "1.2", Less),
                ("1.2_alpha", "1.2_beta", Less),
                ("1.2_beta3", "1.2_rc1", Less),
                ("1.2", "1.2_p1", Less),
                ("1.2-r0", "1.2-r1", Less),
                ("1.2-r9", "1.2.1-r0", Less),
                ("8.2.1-r0", "8.4.0-r0", Less),
                ("2.11.4-r0", "2.11.7-r0", Less),
                ("1.36.1-r5", "1.36.1-r15", Less),
            ],
        );
        assert!(Scheme::Apk.is_prerelease("1.2_rc1-r0"));
    }

    /// Maven's `ComparableVersion` (its `ComparableVersionTest`).
    #[test]
    fn maven_orders_as_comparable_version_does() {
        let chain = [
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ];
        for w in chain.windows(2) {
            check(Scheme::Maven, &[(w[0], w[1], Less)]);
        }
        check(
            Scheme::Maven,
            &[
                ("1", "1.0", Equal),
                ("1.0.0", "1", Equal),
                ("1-ga", "1", Equal),
                ("1-final", "1", Equal),
                ("2.17.0", "2.17.1", Less),
                ("2.0.0-rc1", "2.0.0", Less),
            ],
        );
        assert!(Scheme::Maven.is_prerelease("2.0.0-rc1"));
        assert!(!Scheme::Maven.is_prerelease("2.0.0"));
    }

    #[test]
    fn an_unknown_ecosystem_is_compared_by_runs_and_says_so() {
        assert_eq!(Scheme::of(Some("conan")), Scheme::Unknown);
        assert!(Scheme::Unknown.name().starts_with("unknown"));
        assert_eq!(generic("1.10", "1.9"), Greater);
        assert_eq!(Scheme::of(Some("PyPI")), Scheme::Pep440);
        assert_eq!(Scheme::of(Some("golang")), Scheme::Semver);
    }
}
