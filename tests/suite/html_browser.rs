//! The HTML export as a real browser shows it: headless Chromium reads the
//! title as text and the stylesheet as style (`--dump-dom`), paints the page
//! with its styles (a screenshot with the severity colours and the table's
//! header shading), and prints it (`--print-to-pdf`).
//!
//! Skips with its reason when Chromium is absent; `.ci/run` installs Debian's
//! `chromium` and sets `SCANDECK_REQUIRE_BROWSER=1`, which turns the skip
//! into a failure.

use crate::common;

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

/// Chromium, or `None` after saying why the test is skipped (a failure
/// when `SCANDECK_REQUIRE_BROWSER` is set).
fn browser_or_skip() -> Option<PathBuf> {
    let browser = chromium();
    if browser.is_none() {
        if std::env::var_os("SCANDECK_REQUIRE_BROWSER").is_some() {
            panic!("chromium is not installed but SCANDECK_REQUIRE_BROWSER is set");
        }
        eprintln!("skipped: chromium is not installed (Debian's chromium package)");
    }
    browser
}

/// The demo reports imported and exported as HTML: the workspace and the page.
fn demo_page() -> (Ws, PathBuf) {
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
    (ws, page)
}

#[test]
fn the_html_export_renders_styled_and_prints_in_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let (ws, page) = demo_page();
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

/// The page's layout as Chromium computes it in a viewport of `size`: how
/// far it scrolls sideways, its smallest text, and how its rows are shown.
/// Headless Chromium's window is at least 500 px wide, so the page is shown
/// in an iframe of exactly that size, as a phone would show it. The export
/// itself runs no script (its CSP forbids it); the measured copy drops the
/// CSP line and appends a script, and is otherwise the same file. Returns
/// the measure and the wrapper page (for a screenshot).
fn measured(
    browser: &Path,
    profile: &Path,
    page: &Path,
    (w, h): (u32, u32),
) -> (serde_json::Value, PathBuf) {
    let html = std::fs::read_to_string(page).unwrap();
    let csp_end = html.find("<meta name=\"referrer\"").unwrap();
    let csp_start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let script = r#"<script>
const doc = document.documentElement;
let min = 1e9, smallest = '';
for (const el of document.querySelectorAll('body *')) {
  const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const cs = getComputedStyle(el);
  if (!text || cs.display === 'none' || el.closest('details:not([open]) > :not(summary)')) continue;
  const size = parseFloat(cs.fontSize);
  if (size < min) { min = size; smallest = el.tagName + ' ' + el.textContent.slice(0, 30); }
}
const rows = [...document.querySelectorAll('tbody > tr')];
const tops = rows.slice(0, 3).map(r => r.getBoundingClientRect().top);
parent.document.body.setAttribute('data-measured', JSON.stringify({
  width: doc.clientWidth, scroll: doc.scrollWidth, min, smallest,
  row: getComputedStyle(rows[0]).display, tops}));
</script></body>"#;
    let copy = format!("{}{}", &html[..csp_start], &html[csp_end..]).replace("</body>", script);
    let srcdoc = copy.replace('&', "&amp;").replace('"', "&quot;");
    let wrapper = page.with_file_name(format!("phone-{w}x{h}.html"));
    std::fs::write(
        &wrapper,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe style=\"width:{w}px;height:{h}px;border:0;display:block\" srcdoc=\"{srcdoc}\"></iframe></body></html>"
        ),
    )
    .unwrap();
    let window = format!("--window-size={},{h}", w.max(500));
    let out = run(browser, profile, &[&window, "--dump-dom"], &wrapper);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let doc = scraper::Html::parse_document(&dom);
    let body = doc
        .select(&scraper::Selector::parse("body").unwrap())
        .next()
        .unwrap();
    let m =
        serde_json::from_str(body.value().attr("data-measured").expect("the script ran")).unwrap();
    (m, wrapper)
}

/// On a phone (390×844) the table reflows into one card per finding: no
/// sideways scroll, no text under 12 px; on a desktop (1400×2000) it stays a
/// table. Both are also painted, so the page is seen as well as measured.
#[test]
fn the_html_export_reads_on_a_phone_and_on_a_desktop() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let (_ws, page) = demo_page();
    let profile = tempfile::tempdir().unwrap();
    for ((w, h), row) in [((390, 844), "block"), ((1400, 2000), "contents")] {
        let (m, wrapper) = measured(&browser, profile.path(), &page, (w, h));
        eprintln!("{w}x{h}: {m}");
        assert_eq!(m["width"], w, "the viewport is {w} px wide: {m}");
        assert_eq!(m["row"], row, "{w}x{h}: {m}");
        assert!(
            m["scroll"].as_f64() <= m["width"].as_f64(),
            "{w}x{h}: the page scrolls sideways: {m}"
        );
        assert!(
            m["min"].as_f64().unwrap() >= 12.0,
            "{w}x{h}: text under 12 px: {m}"
        );
        if row == "block" {
            let tops: Vec<f64> = m["tops"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_f64().unwrap())
                .collect();
            assert!(tops.windows(2).all(|p| p[0] < p[1]), "cards stack: {m}");
        }
        // Painted as well as measured: the phone-sized frame inside the
        // narrowest window Chromium opens.
        let shot = profile.path().join(format!("shot-{w}.png"));
        let painted = run(
            &browser,
            profile.path(),
            &[
                &format!("--window-size={},{h}", w.max(500)),
                &format!("--screenshot={}", shot.display()),
            ],
            &wrapper,
        );
        assert!(painted.status.success());
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (w.max(500), h));
        let channels = info.color_type.samples();
        let width = info.width as usize;
        // Ink inside the phone's width only: the frame is painted, and
        // nothing of the page shows to its right.
        let (mut inside, mut outside) = (0usize, 0usize);
        for (i, p) in buf[..info.buffer_size()].chunks(channels).enumerate() {
            if p[0] < 200 || p[1] < 200 || p[2] < 200 {
                if i % width < w as usize {
                    inside += 1;
                } else {
                    outside += 1;
                }
            }
        }
        assert!(
            inside > 2000,
            "{w}x{h}: the page is painted: {inside} inked pixels"
        );
        assert_eq!(outside, 0, "{w}x{h}: ink right of the frame");
    }
}
