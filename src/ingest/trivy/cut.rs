//! Cutting a Trivy SchemaVersion 2 report, as its bytes arrive, into
//! pieces that parse apart: each vulnerability's own bytes, and the report
//! and each result without their vulnerabilities (their "frames").
//!
//! The cutter only finds where values begin and end (strings, brackets);
//! serde checks every byte it hands on, and the cutter itself checks the
//! commas and brackets between the vulnerabilities it takes out, so a report
//! the cutter accepts is one the whole-file parser accepts. Anything it does
//! not expect (a key with an escape, a result that is not an object, the
//! vulnerabilities before the result's `Target` and `Class`) ends the cut:
//! the caller then parses the file whole, as before.

/// Where the bytes being read belong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dest {
    /// The report's frame: everything outside `Results[]`.
    Report,
    /// The frame of the result being read.
    Result,
    /// The vulnerability being read.
    Vulnerability,
    /// Commas and white space between results or between vulnerabilities.
    Between,
}

/// Where an array whose elements are taken out stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sep {
    /// Just after `[`.
    Open,
    /// After an element.
    Value,
    /// After a comma.
    Comma,
}

/// A piece ready to be parsed, in the order of the report.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Piece {
    /// A result's `Vulnerabilities` begin: the result's frame so far,
    /// closed with `}` (its `Target`, `Class` and `Type`).
    Context(Vec<u8>),
    /// Whole vulnerabilities of the result last given a context: their
    /// bytes, one after another, and where each ends.
    Vulnerabilities { bytes: Vec<u8>, ends: Vec<usize> },
    /// A result's frame: the result with `"Vulnerabilities":[]`.
    Result(Vec<u8>),
}

/// Vulnerabilities are handed on in pieces of about this many bytes.
pub(super) const PIECE_BYTES: usize = 1 << 20;

/// The longest key the cutter needs to recognise, with room to spare.
const KEY_BYTES: usize = 32;

#[derive(Debug)]
pub(super) struct Cutter {
    /// The open containers, `{` or `[`.
    stack: Vec<u8>,
    in_string: bool,
    /// The last byte of the previous block was a backslash inside a string.
    escape_pending: bool,
    /// Whether the next string in the report object, or in a result
    /// object, is a key.
    key_next_report: bool,
    key_next_result: bool,
    /// The key being read, when it is one the cutter looks at.
    key: Option<Vec<u8>>,
    key_escaped: bool,
    last_report_key: Vec<u8>,
    last_result_key: Vec<u8>,
    /// Where the last key of the result frame began, in `result`.
    result_key_at: usize,
    results_open: bool,
    results_sep: Sep,
    vulnerabilities_open: bool,
    vulnerabilities_sep: Sep,
    dest: Dest,
    report: Vec<u8>,
    result: Vec<u8>,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    ready: Vec<Piece>,
    /// Why the cut ended early.
    failed: Option<&'static str>,
    done: bool,
}

impl Default for Cutter {
    fn default() -> Cutter {
        Cutter {
            stack: Vec::new(),
            in_string: false,
            escape_pending: false,
            key_next_report: false,
            key_next_result: false,
            key: None,
            key_escaped: false,
            last_report_key: Vec::new(),
            last_result_key: Vec::new(),
            result_key_at: 0,
            results_open: false,
            results_sep: Sep::Open,
            vulnerabilities_open: false,
            vulnerabilities_sep: Sep::Open,
            dest: Dest::Report,
            report: Vec::new(),
            result: Vec::new(),
            bytes: Vec::new(),
            ends: Vec::new(),
            ready: Vec::new(),
            failed: None,
            done: false,
        }
    }
}

impl Cutter {
    /// Why the cut ended early, if it did.
    pub(super) fn failed(&self) -> Option<&'static str> {
        self.failed
    }

    /// The pieces completed so far, in order.
    pub(super) fn take_ready(&mut self) -> Vec<Piece> {
        std::mem::take(&mut self.ready)
    }

    /// Reads the next bytes of the report.
    pub(super) fn feed(&mut self, block: &[u8]) {
        let mut run = 0;
        let mut i = 0;
        while i < block.len() && self.failed.is_none() {
            if self.escape_pending {
                self.escape_pending = false;
                i += 1;
                continue;
            }
            if self.in_string {
                let rest = &block[i..];
                let Some(off) = memchr::memchr2(b'"', b'\\', rest) else {
                    self.keep_key_bytes(rest);
                    i = block.len();
                    continue;
                };
                self.keep_key_bytes(&rest[..off]);
                let at = i + off;
                if block[at] == b'\\' {
                    self.key_escaped = true;
                    if at + 1 < block.len() {
                        i = at + 2;
                    } else {
                        self.escape_pending = true;
                        i = block.len();
                    }
                    continue;
                }
                self.in_string = false;
                self.string_ends();
                i = at + 1;
                continue;
            }
            let byte = block[i];
            match byte {
                b' ' | b'\n' | b'\r' | b'\t' => {}
                b'"' => {
                    self.value_begins(byte);
                    self.in_string = true;
                    let depth = self.stack.len();
                    if depth == 1 && self.key_next_report {
                        self.key = Some(Vec::new());
                    } else if depth == 3 && self.results_open && self.key_next_result {
                        self.switch(block, &mut run, i, Dest::Result);
                        self.result_key_at = self.result.len();
                        self.key = Some(Vec::new());
                    }
                    self.key_escaped = false;
                }
                b'{' | b'[' => self.open(block, &mut run, i, byte),
                b'}' | b']' => self.close(block, &mut run, i, byte),
                b',' => self.comma(),
                b':' => match self.stack.len() {
                    1 => self.key_next_report = false,
                    3 if self.results_open => self.key_next_result = false,
                    2 | 4 if self.in_taken_array() => self.fail("a colon in an array"),
                    _ => {}
                },
                _ => self.value_begins(byte),
            }
            i += 1;
        }
        if self.failed.is_none() {
            let end = block.len();
            self.flush(block, run, end);
        }
    }

    /// The report has been read whole: whether every byte was cut.
    pub(super) fn finish(&mut self) -> Option<Vec<u8>> {
        if self.failed.is_none() && !self.done {
            self.fail("the report ends early");
        }
        self.failed
            .is_none()
            .then(|| std::mem::take(&mut self.report))
    }

    fn fail(&mut self, why: &'static str) {
        if self.failed.is_none() {
            self.failed = Some(why);
        }
    }

    fn keep_key_bytes(&mut self, bytes: &[u8]) {
        if let Some(key) = self.key.as_mut() {
            if key.len() + bytes.len() <= KEY_BYTES {
                key.extend_from_slice(bytes);
            } else {
                // Longer than any key looked at: nothing to remember.
                self.key = None;
            }
        }
    }

    /// Whether the cursor is directly inside `Results[]` or a `Vulnerabilities[]`.
    fn in_taken_array(&self) -> bool {
        match self.stack.len() {
            2 => self.results_open,
            4 => self.vulnerabilities_open,
            _ => false,
        }
    }

    fn string_ends(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        if self.key_escaped {
            // serde would read the escape; the cutter does not.
            self.fail("a key with an escape");
            return;
        }
        match self.stack.len() {
            1 => self.last_report_key = key,
            _ => self.last_result_key = key,
        }
    }

    /// A string, number or literal begins where `byte` is.
    fn value_begins(&mut self, byte: u8) {
        if !self.in_taken_array() {
            return;
        }
        if byte != b'{' {
            self.fail("an element that is not an object");
            return;
        }
        let sep = self.taken_sep();
        if sep == Sep::Value {
            self.fail("two elements without a comma");
        }
    }

    fn taken_sep(&mut self) -> Sep {
        if self.stack.len() == 2 {
            self.results_sep
        } else {
            self.vulnerabilities_sep
        }
    }

    fn set_taken_sep(&mut self, sep: Sep) {
        if self.stack.len() == 2 {
            self.results_sep = sep;
        } else {
            self.vulnerabilities_sep = sep;
        }
    }

    fn comma(&mut self) {
        match self.stack.len() {
            0 => self.fail("a comma after the report"),
            1 => self.key_next_report = true,
            3 if self.results_open => self.key_next_result = true,
            2 | 4 if self.in_taken_array() => {
                if self.taken_sep() != Sep::Value {
                    self.fail("a comma without an element before it");
                }
                self.set_taken_sep(Sep::Comma);
            }
            _ => {}
        }
    }

    fn open(&mut self, block: &[u8], run: &mut usize, at: usize, byte: u8) {
        if self.done {
            self.fail("bytes after the report");
            return;
        }
        self.value_begins(byte);
        let depth = self.stack.len();
        match depth {
            0 if byte == b'{' => self.key_next_report = true,
            0 => self.fail("a report that is not an object"),
            1 if byte == b'[' && self.last_report_key == b"Results" && !self.key_next_report => {
                self.results_open = true;
                self.results_sep = Sep::Open;
                self.switch(block, run, at + 1, Dest::Between);
            }
            2 if self.results_open => {
                self.switch(block, run, at, Dest::Result);
                self.result.clear();
                self.key_next_result = true;
                self.last_result_key.clear();
            }
            3 if self.results_open
                && byte == b'['
                && self.last_result_key == b"Vulnerabilities"
                && !self.key_next_result =>
            {
                self.switch(block, run, at + 1, Dest::Between);
                let mut context = self.result[..self.result_key_at].to_vec();
                while context
                    .last()
                    .is_some_and(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b','))
                {
                    context.pop();
                }
                context.push(b'}');
                self.ready.push(Piece::Context(context));
                self.vulnerabilities_open = true;
                self.vulnerabilities_sep = Sep::Open;
            }
            4 if self.vulnerabilities_open => {
                self.switch(block, run, at, Dest::Vulnerability);
            }
            _ => {}
        }
        self.stack.push(byte);
    }

    fn close(&mut self, block: &[u8], run: &mut usize, at: usize, byte: u8) {
        let Some(open) = self.stack.pop() else {
            self.fail("a closing bracket after the report");
            return;
        };
        if (open, byte) != (b'{', b'}') && (open, byte) != (b'[', b']') {
            self.fail("brackets that do not match");
            return;
        }
        match self.stack.len() {
            0 => {
                self.done = true;
                // Trailing white space is all that may follow; it is not kept.
                self.switch(block, run, at + 1, Dest::Between);
            }
            1 if self.results_open => {
                if self.results_sep == Sep::Comma {
                    self.fail("a comma after the last result");
                }
                self.results_open = false;
                self.switch(block, run, at, Dest::Report);
            }
            2 if self.results_open => {
                self.switch(block, run, at + 1, Dest::Between);
                self.results_sep = Sep::Value;
                self.ready
                    .push(Piece::Result(std::mem::take(&mut self.result)));
            }
            3 if self.vulnerabilities_open => {
                if self.vulnerabilities_sep == Sep::Comma {
                    self.fail("a comma after the last vulnerability");
                }
                self.vulnerabilities_open = false;
                self.switch(block, run, at, Dest::Result);
                self.hand_on();
            }
            4 if self.vulnerabilities_open => {
                self.switch(block, run, at + 1, Dest::Between);
                self.vulnerabilities_sep = Sep::Value;
                self.ends.push(self.bytes.len());
                if self.bytes.len() >= PIECE_BYTES {
                    self.hand_on();
                }
            }
            _ => {}
        }
    }

    /// Hands on the vulnerabilities read whole so far.
    fn hand_on(&mut self) {
        if self.ends.is_empty() {
            return;
        }
        self.ready.push(Piece::Vulnerabilities {
            bytes: std::mem::take(&mut self.bytes),
            ends: std::mem::take(&mut self.ends),
        });
        self.bytes.reserve(PIECE_BYTES + PIECE_BYTES / 4);
    }

    /// The bytes from `run` to `at` go where the cursor was; from `at` on, to `dest`.
    fn switch(&mut self, block: &[u8], run: &mut usize, at: usize, dest: Dest) {
        self.flush(block, *run, at);
        *run = at;
        self.dest = dest;
    }

    fn flush(&mut self, block: &[u8], from: usize, to: usize) {
        let bytes = &block[from..to];
        match self.dest {
            Dest::Report => self.report.extend_from_slice(bytes),
            Dest::Result => self.result.extend_from_slice(bytes),
            Dest::Vulnerability => self.bytes.extend_from_slice(bytes),
            Dest::Between => {
                if self.done && bytes.iter().any(|b| !b.is_ascii_whitespace()) {
                    self.fail("bytes after the report");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut_in_blocks(bytes: &[u8], block: usize) -> (Vec<Piece>, Option<Vec<u8>>) {
        let mut cutter = Cutter::default();
        let mut pieces = Vec::new();
        for chunk in bytes.chunks(block.max(1)) {
            cutter.feed(chunk);
            pieces.extend(cutter.take_ready());
        }
        let report = cutter.finish();
        pieces.extend(cutter.take_ready());
        (pieces, report)
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    #[test]
    fn a_report_is_cut_into_frames_and_vulnerabilities_whatever_the_blocks() {
        let report = br#" {"SchemaVersion": 2, "Results": [
            {"Target": "a \"quoted\" [x]", "Class": "os-pkgs", "Type": "debian",
             "Vulnerabilities": [ {"VulnerabilityID": "CVE-1", "Title": "a } ] \\"},
                                  {"VulnerabilityID": "CVE-2", "References": ["{", "]"]} ],
             "Secrets": [{"RuleID": "x"}]},
            {"Target": "b", "Class": "lang-pkgs", "Vulnerabilities": null}
        ], "Metadata": {"RepoTags": ["x:1"]}} "#;
        for block in [1, 2, 3, 7, 64, report.len()] {
            let (pieces, frame) = cut_in_blocks(report, block);
            let frame = frame.unwrap_or_else(|| panic!("block {block}: cut failed"));
            assert_eq!(
                text(&frame),
                r#" {"SchemaVersion": 2, "Results": [], "Metadata": {"RepoTags": ["x:1"]}}"#
            );
            let shown: Vec<String> = pieces
                .iter()
                .map(|p| match p {
                    Piece::Context(c) => format!("context {}", text(c)),
                    Piece::Result(r) => format!("result {}", text(r)),
                    Piece::Vulnerabilities { bytes, ends } => {
                        let mut start = 0;
                        let each: Vec<String> = ends
                            .iter()
                            .map(|&end| {
                                let one = text(&bytes[start..end]);
                                start = end;
                                one
                            })
                            .collect();
                        format!("vulnerabilities {}", each.join(" | "))
                    }
                })
                .collect();
            assert_eq!(
                shown,
                [
                    r#"context {"Target": "a \"quoted\" [x]", "Class": "os-pkgs", "Type": "debian"}"#,
                    r#"vulnerabilities {"VulnerabilityID": "CVE-1", "Title": "a } ] \\"} | {"VulnerabilityID": "CVE-2", "References": ["{", "]"]}"#,
                    "result {\"Target\": \"a \\\"quoted\\\" [x]\", \"Class\": \"os-pkgs\", \"Type\": \"debian\",\n             \"Vulnerabilities\": [],\n             \"Secrets\": [{\"RuleID\": \"x\"}]}",
                    r#"result {"Target": "b", "Class": "lang-pkgs", "Vulnerabilities": null}"#,
                ],
                "block {block}"
            );
        }
    }

    #[test]
    fn what_the_cutter_cannot_vouch_for_ends_the_cut() {
        for (report, why) in [
            (
                &br#"{"Results": [{"Vulnerabilities": [{} {}]}]}"#[..],
                "two elements without a comma",
            ),
            (
                br#"{"Results": [{"Vulnerabilities": [{},]}]}"#,
                "a comma after the last vulnerability",
            ),
            (
                br#"{"Results": [{"Vulnerabilities": [,{}]}]}"#,
                "a comma without an element before it",
            ),
            (br#"{"Results": [{}, ]}"#, "a comma after the last result"),
            (
                br#"{"Results": [{"Vulnerabilities": [1]}]}"#,
                "an element that is not an object",
            ),
            (br#"{"Results": ["x"]}"#, "an element that is not an object"),
            (
                br#"{"Results": [{"Vulnerabilities": [{"a": 1}}]}"#,
                "brackets that do not match",
            ),
            (br#"{"Re\u0073ults": []}"#, "a key with an escape"),
            (br#"{"Results": []} x"#, "bytes after the report"),
            (br#"{"Results": []} {}"#, "bytes after the report"),
            (
                br#"{"Results": [{"Vulnerabilities": [{}]}"#,
                "the report ends early",
            ),
            (br#"[]"#, "a report that is not an object"),
        ] {
            let mut cutter = Cutter::default();
            cutter.feed(report);
            let frame = cutter.finish();
            assert!(frame.is_none(), "{}", text(report));
            assert_eq!(cutter.failed(), Some(why), "{}", text(report));
        }
    }

    #[test]
    fn vulnerabilities_are_handed_on_in_pieces_of_about_a_megabyte() {
        let one = format!(
            r#"{{"VulnerabilityID": "CVE-1", "Description": "{}"}}"#,
            "x".repeat(100_000)
        );
        let list = vec![one.as_str(); 25].join(",");
        let report = format!(
            r#"{{"Results": [{{"Target": "t", "Class": "c", "Vulnerabilities": [{list}]}}]}}"#
        );
        let (pieces, frame) = cut_in_blocks(report.as_bytes(), 1 << 16);
        assert!(frame.is_some());
        let sizes: Vec<usize> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Vulnerabilities { ends, .. } => Some(ends.len()),
                _ => None,
            })
            .collect();
        assert_eq!(sizes.iter().sum::<usize>(), 25);
        assert!(sizes.len() >= 2, "{sizes:?}");
        assert!(
            sizes.iter().all(|&n| n <= PIECE_BYTES / 100_000 + 1),
            "{sizes:?}"
        );
    }
}
