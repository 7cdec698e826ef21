//! The PDF as poppler sees it: page count and size, embedded fonts, extracted text per page,
//! and page 1 rasterised.

mod common;

use std::path::Path;

use common::{available, path_str, report, run, skip_tools, CJK_QUOTE};
use rapport_reports::{pdf, Audience, Cell, PraiseQuote, Report, Table, Trend, TrendPoint};

const HINT: &str =
    "install poppler-utils (`apt-get install -y poppler-utils`), or set RAPPORT_SKIP_PDF_TOOLS=1 to skip";

/// Whether the poppler tools are to be used; fails when they are missing and not skipped.
fn tools() -> bool {
    if skip_tools() {
        eprintln!("RAPPORT_SKIP_PDF_TOOLS=1: not checking the PDF with poppler");
        return false;
    }
    for tool in ["pdfinfo", "pdffonts", "pdftotext", "pdftoppm"] {
        assert!(available(tool), "`{tool}` is missing: {HINT}");
    }
    true
}

fn page_count(path: &Path) -> usize {
    let info = run("pdfinfo", &[path_str(path)], HINT);
    let line = info.lines().find(|l| l.starts_with("Pages:")).expect("pdfinfo prints the page count");
    line["Pages:".len()..].trim().parse().expect("a page count")
}

fn page_text(path: &Path, page: usize) -> String {
    let page = page.to_string();
    run("pdftotext", &["-f", &page, "-l", &page, path_str(path), "-"], HINT)
}

/// Keeps the rendering for a look when RAPPORT_KEEP_RENDERING names a directory.
fn keep(path: &Path) {
    if let Ok(dir) = std::env::var("RAPPORT_KEEP_RENDERING") {
        let name = path.file_name().expect("a file name");
        std::fs::copy(path, Path::new(&dir).join(name)).expect("copy the rendering");
    }
}

#[test]
fn a_realistic_report_is_an_a4_pdf_with_embedded_fonts_continued_tables_and_footers() {
    let bytes = pdf(&report()).expect("the report renders");
    assert!(bytes.starts_with(b"%PDF-"));
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, &bytes).expect("write the PDF");
    keep(&path);

    let info = run("pdfinfo", &[path_str(&path)], HINT);
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "not A4 portrait:\n{info}");
    let pages = page_count(&path);
    assert!(pages >= 3, "120 table rows, improvements and quotes need several pages, got {pages}");

    let fonts = run("pdffonts", &[path_str(&path)], HINT);
    let mut lines = fonts.lines();
    let header = lines.next().expect("pdffonts header");
    let emb = header.find("emb").expect("an emb column");
    let rows: Vec<&str> = lines.skip(1).filter(|l| !l.trim().is_empty()).collect();
    assert!(rows.len() >= 2, "regular and bold fonts expected:\n{fonts}");
    for row in &rows {
        assert_eq!(row.get(emb..emb + 3), Some("yes"), "font not embedded:\n{fonts}");
    }
    assert!(fonts.contains("DejaVuSans-Bold") && fonts.contains("DejaVuSans"), "{fonts}");

    let texts: Vec<String> = (1..=pages).map(|p| page_text(&path, p)).collect();
    let first = &texts[0];
    for expected in [
        "Northwind Service Desk",
        "Management report",
        "October 2026, compared with September 2026",
        "84.2 %",
        "95 % interval 80.1–87.6 %",
        "312 answers",
        "September 2026: 81.0 %",
        "+3.2 points, not significant",
        "CSAT by month",
        "Target 90 %",
        "Oct 2026",
        &format!("Northwind Service Desk — Management report — page 1 of {pages}"),
    ] {
        assert!(first.contains(expected), "page 1 lacks {expected:?}:\n{first}");
    }
    assert!(
        texts[1].contains(&format!("Northwind Service Desk — Management report — page 2 of {pages}")),
        "{}",
        texts[1]
    );
    assert!(texts[pages - 1].contains(&format!("page {pages} of {pages}")));

    // The team table continues on a later page, with its header repeated.
    let last_team = texts.iter().position(|t| t.contains("Team 120")).expect("the last team row is printed");
    assert!(last_team >= 1, "the 120-row table should spill onto a later page");
    for continued in &texts[1..=last_team] {
        let words = continued.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.starts_with("Satisfaction by team (continued) Team Answers CSAT Team "),
            "a continued page starts with the table's title and header:\n{continued}"
        );
    }
    let continued = &texts[last_team];
    assert!(continued.contains("150") && continued.contains("90.0 %"), "Team 120: 150 answers, 90.0 %:\n{continued}");
    let all = texts.concat();
    for i in 1..=120 {
        assert_eq!(all.matches(&format!("Team {i:03}")).count(), 1, "Team {i:03} printed once");
    }
    for expected in [
        "What we improved",
        "INC0012345 · closed 2026-10-12 · Resolved",
        "Two spare laptops now kept at each site",
        "What customers said",
        "<script>alert('x')</script>",
        "— Ana Silva, about Tom, 2026-10-03",
        "Ana was great",
        "Intervals are 95 % Wilson intervals.",
        "−0.3, easier",
        "Finance",
        "81.2 %",
    ] {
        assert!(all.contains(expected), "the PDF lacks {expected:?}");
    }
    // DejaVu has no CJK or emoji glyphs: they print as boxes but still extract as text (except
    // the document's very first missing glyph, which poppler reads as a space).
    assert!(all.contains(&CJK_QUOTE[3..]), "CJK and emoji text extracts as text");

    // Page 1 as pixels: not blank, with the blue trend line and the vermillion target.
    let prefix = dir.path().join("page1");
    run(
        "pdftoppm",
        &["-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", path_str(&path), path_str(&prefix)],
        HINT,
    );
    let png_path = dir.path().join("page1.png");
    keep(&png_path);
    let (width, height, pixels) = decode_png(&png_path);
    assert!((410..=416).contains(&width) && (582..=588).contains(&height), "{width}×{height} at 50 dpi");
    let total = pixels.len();
    let inked = pixels.iter().filter(|(r, g, b)| u16::from(*r) + u16::from(*g) + u16::from(*b) < 600).count();
    let blue = pixels.iter().filter(|(r, g, b)| *r < 80 && (80..=160).contains(g) && *b > 140).count();
    let vermillion = pixels.iter().filter(|(r, g, b)| *r > 180 && (60..=140).contains(g) && *b < 80).count();
    assert!(inked * 100 > total * 2, "page 1 looks blank: {inked} of {total} pixels inked");
    assert!(blue > 40, "the trend line is missing: {blue} blue pixels");
    assert!(vermillion > 10, "the target line is missing: {vermillion} vermillion pixels");
}

fn decode_png(path: &Path) -> (u32, u32, Vec<(u8, u8, u8)>) {
    let file = std::fs::File::open(path).expect("the PNG exists");
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let frame = reader.next_frame(&mut buffer).expect("one frame");
    let channels = frame.color_type.samples();
    let pixels = buffer[..frame.buffer_size()]
        .chunks(channels)
        .map(|p| if channels >= 3 { (p[0], p[1], p[2]) } else { (p[0], p[0], p[0]) })
        .collect();
    (frame.width, frame.height, pixels)
}

#[test]
fn long_and_odd_input_renders_without_panicking() {
    let mut report = report();
    report.title = "Client report — ".to_owned() + &"Very long organization name ".repeat(20);
    report.audience = Audience::Client { organization: "東京 Finance 🎉".into() };
    report.desk_name = "服务台".repeat(80);
    let words = "The technician came back the next morning and stayed until it worked. ".repeat(150);
    report.praise.push(PraiseQuote {
        text: words[..10_000].to_owned(),
        who: "Long".into(),
        agent: None,
        date: String::new(),
    });
    report
        .praise
        .push(PraiseQuote { text: "字".repeat(10_000), who: String::new(), agent: None, date: String::new() });
    report.praise.push(PraiseQuote {
        text: "\u{0}\u{7}\r\n\t".into(),
        who: "\u{1b}[31m".into(),
        agent: None,
        date: String::new(),
    });
    report.tables.push(Table {
        sheet: "Rows".into(),
        title: "Two thousand rows".into(),
        columns: vec!["Row".into(), "Comment".into(), "Share".into()],
        rows: (1..=2000)
            .map(|i| vec![Cell::Text(format!("Row {i}")), Cell::Text("word ".repeat(i % 40)), Cell::Percent(0.5)])
            .collect(),
    });
    report.tables.push(Table {
        sheet: String::new(),
        title: String::new(),
        columns: (0..40).map(|i| format!("Column number {i}")).collect(),
        rows: vec![(0..45).map(|i| Cell::Number(f64::from(i) * 1e6)).collect()],
    });
    report.tables.push(Table { sheet: "Empty".into(), title: "Empty".into(), columns: vec![], rows: vec![] });
    report.trend = Some(Trend {
        title: String::new(),
        points: vec![TrendPoint { label: "x".repeat(300), value: Some(f64::INFINITY), low: None, high: None, n: 0 }],
        target: Some(f64::NAN),
    });
    let bytes = pdf(&report).expect("odd input still renders");
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(rapport_reports::xlsx(&report).is_ok());
    assert!(rapport_reports::html(&report).contains("Two thousand rows"));
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("odd.pdf");
    std::fs::write(&path, &bytes).expect("write the PDF");
    keep(&path);
    let pages = page_count(&path);
    assert!(pages > 40, "2,000 rows need many pages, got {pages}");
    let all = run("pdftotext", &[path_str(&path), "-"], HINT);
    assert!(all.contains("Row 2000"), "the last row is printed");
    assert!(all.contains(&format!("page {pages} of {pages}")));
}

#[test]
fn an_empty_report_is_one_page() {
    let empty = Report {
        title: String::new(),
        desk_name: String::new(),
        audience: Audience::Management,
        period_label: String::new(),
        previous_label: String::new(),
        generated_at: String::new(),
        headlines: vec![],
        trend: None,
        tables: vec![],
        improvements: vec![],
        praise: vec![],
        notes: vec![],
    };
    let bytes = pdf(&empty).expect("an empty report renders");
    assert!(rapport_reports::xlsx(&empty).is_ok());
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("empty.pdf");
    std::fs::write(&path, &bytes).expect("write the PDF");
    assert_eq!(page_count(&path), 1);
    assert!(page_text(&path, 1).contains("page 1 of 1"));
}
