//! The HTML export as a real browser shows it: headless Chromium reads the
//! title as text and the stylesheet as style (`--dump-dom`), paints the page
//! with its styles (a screenshot with the severity colours and the table's
//! header shading), and prints it (`--print-to-pdf`).
//!
//! Skips with its reason when Chromium is absent; `.ci/run` installs Debian's
//! `chromium` and sets `SCANDECK_REQUIRE_BROWSER=1`, which turns the skip
//! into a failure.

mod common;

use common::Ws;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("CHROMIUM").unwrap_or_default(),
        "chromium".into(),
        "chromium-browser".into(),
    ];
    for c in candidates.iter().filter(|c| !c.is_empty()) {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(PathBuf::from(c));
        }
    }
    None
}

/// Headless Chromium as this machine allows it: no sandbox (root), no GPU,
/// no network chatter, a profile of its own.
/// It never judges dates, and under libfaketime it crawls: it runs without.
fn run(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> std::process::Output {
    let mut cmd = Command::new(browser);
    common::without_faketime(&mut cmd);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(format!("file://{}", page.display()))
    .output()
    .unwrap()
}

#[test]
fn the_html_export_renders_styled_and_prints_in_chromium() {
    let Some(browser) = chromium() else {
        if std::env::var_os("SCANDECK_REQUIRE_BROWSER").is_some() {
            panic!("chromium is not installed but SCANDECK_REQUIRE_BROWSER is set");
        }
        eprintln!("skipped: chromium is not installed (Debian's chromium package)");
        return;
    };
    let ws = Ws::new();
    let files: Vec<String> = common::demo_reports_into(&ws.dir)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut args = vec!["import".to_string()];
    args.extend(files);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ws.ok(0, &args);
    let page = ws.dir.join("findings.html");
    ws.ok(
        1,
        &["export", "--format", "html", "-o", page.to_str().unwrap()],
    );
    let rows = ws.list(1, &[]).len();
    let profile = tempfile::tempdir().unwrap();

    // The DOM as Chromium parsed it.
    let dom = run(&browser, profile.path(), &["--dump-dom"], &page);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let doc = scraper::Html::parse_document(&String::from_utf8_lossy(&dom.stdout));
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    let title: String = doc
        .select(&select("head > title"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(
        title, "Security findings — ws",
        "the title is text, named by the folder"
    );
    let style: String = doc
        .select(&select("head > style"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(
        style.contains("table{display:grid") && style.contains("@media print"),
        "the stylesheet is in <style>"
    );
    assert_eq!(
        doc.select(&select("tbody > tr")).count(),
        rows,
        "one row per finding"
    );
    let glance: String = doc
        .select(&select("p.glance"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(
        glance.contains("need work") && glance.contains("release gate"),
        "{glance}"
    );

    // The page as painted: styled, with its colours.
    let shot = profile.path().join("page.png");
    let painted = run(
        &browser,
        profile.path(),
        &[
            "--window-size=1400,1800",
            &format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    assert!(
        painted.status.success(),
        "{}",
        String::from_utf8_lossy(&painted.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1400, 1800));
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let count =
        |f: &dyn Fn(u8, u8, u8) -> bool| pixels.iter().filter(|p| f(p[0], p[1], p[2])).count();
    let inked = count(&|r, g, b| r < 200 || g < 200 || b < 200);
    let critical_red = count(&|r, g, b| r > 140 && g < 50 && b < 50);
    let header_grey = count(&|r, g, b| r == 0xee && g == 0xee && b == 0xee);
    eprintln!(
        "screenshot {}x{}: {inked} inked pixels, {critical_red} critical red, {header_grey} header grey",
        info.width, info.height
    );
    assert!(
        inked * 50 > pixels.len(),
        "the page is not blank: {inked} of {}",
        pixels.len()
    );
    assert!(
        critical_red > 100,
        "`.critical` is painted red: {critical_red} pixels"
    );
    assert!(
        header_grey > 2000,
        "the table header is shaded: {header_grey} pixels"
    );

    // The page as printed.
    let pdf = profile.path().join("page.pdf");
    let printed = run(
        &browser,
        profile.path(),
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
        &page,
    );
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(
        bytes.starts_with(b"%PDF-") && bytes.len() > 20_000,
        "a printed PDF of {} bytes",
        bytes.len()
    );
}
