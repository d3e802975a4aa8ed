//! Reading a big Trivy report on every core.
//!
//! The thread that reads the file cuts it (`cut`) into each result's frame
//! and pieces of about a megabyte of whole vulnerabilities; the other
//! threads parse the pieces from memory (strings borrowed, not copied one
//! byte at a time from a reader) and turn them into findings. The pieces
//! are put back in the report's order, so the findings are exactly those,
//! in the order, that the whole-file parser gives; where the cutter cannot
//! vouch for that (`cut`'s module note) the caller parses the file whole.

use super::cut::{Cutter, Piece};
use super::{finish_v2, text, Builder, ReportSeed, SharedDetails, TrivyResult, Vuln};
use crate::ingest::{Format, IngestError, ParseContext, ParsedReport};
use crate::model::Finding;
use serde::de::DeserializeSeed;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// How much is read from the file at a time.
const BLOCK_BYTES: usize = 4 << 20;

/// The result the vulnerabilities being read belong to.
#[derive(Debug)]
struct ResultContext {
    target: Arc<str>,
    target_name: String,
    class: String,
    kind: Option<String>,
}

impl ResultContext {
    /// What findings need of a result, when its frame says it; `None` when
    /// the frame read so far lacks its `Target` or `Class` (they may follow).
    fn of(result: &TrivyResult) -> Option<(String, String, Option<String>)> {
        let target = result.target.as_ref()?.as_str().trim().to_string();
        let class = result.class.as_ref()?.as_str().trim().to_string();
        Some((target, class, text(&result.kind)))
    }
}

/// Vulnerabilities to parse, and where their findings go in the report.
struct Work {
    order: u64,
    context: Arc<ResultContext>,
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

type Done = (u64, Result<Vec<Finding>, String>);

/// Parses a SchemaVersion 2 report from `reader` on every core. `Ok(None)`
/// when the report must be parsed whole instead (`reader` is read to its
/// end all the same, for the caller's hash and copy); an error only when
/// `reader` fails.
pub fn parse_v2_on_every_core(
    reader: &mut dyn Read,
    ctx: &ParseContext,
    threads: usize,
) -> Result<Option<ParsedReport>, IngestError> {
    let shared: SharedDetails = Mutex::new(Default::default());
    let source = super::source_info("trivy", None, ctx);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(threads.max(1) * 2);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let (work_rx, done_tx, shared, source) = (&work_rx, done_tx.clone(), &shared, &source);
            scope.spawn(move || {
                let mut builder = Builder::new(ctx);
                builder.source = Arc::clone(source);
                builder.shared_details = Some(shared);
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok(work) = next else { break };
                    let findings = convert(&work, &mut builder);
                    if done_tx.send((work.order, findings)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut reading = Reading::new(ctx, Arc::clone(&source));
        let read = reading.read_all(reader, &work_tx, &done_rx);
        // The workers end once the last piece is taken.
        drop(work_tx);
        for done in done_rx.iter() {
            reading.arrived(done);
        }
        read?;
        Ok(reading.assemble())
    })
}

/// The reading thread's part: cutting, and the frames' findings.
struct Reading<'c> {
    cutter: Cutter,
    builder: Builder<'c>,
    report: ParsedReport,
    context: Option<Arc<ResultContext>>,
    /// Findings of pieces that arrived before the pieces before them.
    early: BTreeMap<u64, Vec<Finding>>,
    /// The order of the last piece handed out, and of the last whose
    /// findings are in `report`: findings join the report in the file's
    /// order as soon as they can, so no second list of them is ever built.
    order: u64,
    settled: u64,
    /// Why the pieces cannot be trusted to give what the whole file gives.
    gave_up: Option<String>,
    frame: Option<Vec<u8>>,
}

impl<'c> Reading<'c> {
    fn new(ctx: &'c ParseContext<'c>, source: Arc<crate::model::SourceInfo>) -> Reading<'c> {
        let mut builder = Builder::new(ctx);
        builder.source = source;
        Reading {
            cutter: Cutter::default(),
            builder,
            report: ParsedReport::new(Format::TrivyJson, "trivy"),
            context: None,
            early: BTreeMap::new(),
            order: 0,
            settled: 0,
            gave_up: None,
            frame: None,
        }
    }

    /// Findings of the piece `order`, from a parsing thread or this one.
    fn arrived(&mut self, (order, findings): Done) {
        match findings {
            Ok(findings) => {
                self.early.insert(order, findings);
            }
            Err(why) => self.give_up(&why),
        }
        while let Some(mut next) = self.early.remove(&(self.settled + 1)) {
            self.report.findings.append(&mut next);
            self.settled += 1;
        }
    }

    fn read_all(
        &mut self,
        reader: &mut dyn Read,
        work: &mpsc::SyncSender<Work>,
        done: &mpsc::Receiver<Done>,
    ) -> io::Result<()> {
        let mut block = vec![0u8; BLOCK_BYTES];
        let mut first = true;
        loop {
            let n = match reader.read(&mut block) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if self.gave_up.is_some() {
                continue;
            }
            let mut bytes = &block[..n];
            if std::mem::take(&mut first) {
                if bytes.len() < 3 {
                    self.give_up("a first read too short to tell a byte order mark");
                    continue;
                }
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            self.cutter.feed(bytes);
            for piece in self.cutter.take_ready() {
                self.take(piece, work);
            }
            if let Some(why) = self.cutter.failed() {
                self.give_up(why);
            }
            while let Ok(piece) = done.try_recv() {
                self.arrived(piece);
            }
        }
        if self.gave_up.is_none() {
            self.frame = self.cutter.finish();
            for piece in self.cutter.take_ready() {
                self.take(piece, work);
            }
            if let Some(why) = self.cutter.failed() {
                self.give_up(why);
            }
        }
        Ok(())
    }

    fn give_up(&mut self, why: &str) {
        if self.gave_up.is_none() {
            self.gave_up = Some(why.to_string());
        }
    }

    fn next_order(&mut self) -> u64 {
        self.order += 1;
        self.order
    }

    fn take(&mut self, piece: Piece, work: &mpsc::SyncSender<Work>) {
        if self.gave_up.is_some() {
            return;
        }
        match piece {
            Piece::Context(frame) => {
                let result = serde_json::from_slice::<TrivyResult>(&frame).ok();
                let Some((target_name, class, kind)) = result.as_ref().and_then(ResultContext::of)
                else {
                    self.give_up("vulnerabilities before their result's Target and Class");
                    return;
                };
                self.context = Some(Arc::new(ResultContext {
                    target: self.builder.target(&target_name),
                    target_name,
                    class,
                    kind,
                }));
            }
            Piece::Vulnerabilities { bytes, ends } => {
                let Some(context) = self.context.clone() else {
                    self.give_up("vulnerabilities outside a result");
                    return;
                };
                let order = self.next_order();
                let sent = work.send(Work {
                    order,
                    context,
                    bytes,
                    ends,
                });
                if sent.is_err() {
                    self.give_up("the parsing threads ended");
                }
            }
            Piece::Result(frame) => {
                let context = self.context.take();
                let result = match serde_json::from_slice::<TrivyResult>(&frame) {
                    Ok(result) => result,
                    Err(_) => {
                        self.give_up("a result that does not parse");
                        return;
                    }
                };
                // The whole result must say what the part read before its
                // vulnerabilities said (a `Type` after them, say, would not).
                if let Some(context) = context {
                    let whole = ResultContext::of(&result);
                    let before = (
                        context.target_name.clone(),
                        context.class.clone(),
                        context.kind.clone(),
                    );
                    if whole != Some(before) {
                        self.give_up("a result that names its target after its vulnerabilities");
                        return;
                    }
                }
                let order = self.next_order();
                let mut part = ParsedReport::new(Format::TrivyJson, "trivy");
                self.builder.result(result, None, &mut part);
                self.arrived((order, Ok(part.findings)));
            }
        }
    }

    /// The report, its findings in the order of the file; `None` when the
    /// pieces cannot stand for the whole file.
    fn assemble(mut self) -> Option<ParsedReport> {
        if self.gave_up.is_some() || self.settled != self.order || !self.early.is_empty() {
            return None;
        }
        let frame = self.frame.take()?;
        let mut report = std::mem::replace(
            &mut self.report,
            ParsedReport::new(Format::TrivyJson, "trivy"),
        );
        let mut de = serde_json::Deserializer::from_slice(&frame);
        let header = ReportSeed {
            builder: &mut self.builder,
            report: &mut report,
        }
        .deserialize(&mut de)
        .and_then(|header| de.end().map(|()| header))
        .ok()?;
        finish_v2(&mut report, &self.builder, header);
        Some(report)
    }
}

/// Turns a piece's vulnerabilities into findings.
fn convert(work: &Work, builder: &mut Builder) -> Result<Vec<Finding>, String> {
    let context = &work.context;
    let is_lang = context.class == "lang-pkgs";
    let manifest = is_lang.then_some(context.target_name.as_str());
    let mut findings = Vec::with_capacity(work.ends.len());
    let mut start = 0;
    for &end in &work.ends {
        let bytes = work.bytes.get(start..end).ok_or("a piece cut wrong")?;
        let vuln: Vuln = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        findings.push(builder.vulnerability(
            vuln,
            &context.target,
            context.kind.as_deref(),
            manifest,
        ));
        start = end;
    }
    Ok(findings)
}
