//! Renders real PDFs and checks them from the outside with poppler-utils (Debian package
//! `poppler-utils`): page count and size (`pdfinfo`), embedded fonts (`pdffonts`), vector text
//! (`pdftotext`), images (`pdfimages`), and QR codes decoded with `rqrr` from pages rasterised
//! by `pdftoppm`. The rendered pages are also written as PNGs to `target/postcards/` for a
//! human look.
//!
//! Without the tools these tests fail, unless `RAPPORT_SKIP_PDF_TOOLS=1` is set: then the PDFs
//! are still rendered but the external checks are skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use rapport_postcards::{render_pdf, CardLabels, CardSize, Logo, VisitCards};

const TOOLS: [&str; 5] = ["pdfinfo", "pdffonts", "pdftotext", "pdftoppm", "pdfimages"];

/// Whether the poppler tools are there; panics with the install hint if not (unless skipping
/// is asked for).
fn tools_available() -> bool {
    let missing: Vec<&str> = TOOLS.into_iter().filter(|tool| Command::new(tool).arg("-v").output().is_err()).collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("RAPPORT_SKIP_PDF_TOOLS").as_deref() == Ok("1") {
        eprintln!("RAPPORT_SKIP_PDF_TOOLS=1: skipping the PDF checks ({} not installed)", missing.join(", "));
        return false;
    }
    panic!(
        "{} not found: these tests check the PDFs with poppler-utils; run `apt-get install poppler-utils` \
         (or set RAPPORT_SKIP_PDF_TOOLS=1 to skip the checks)",
        missing.join(", ")
    );
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("running {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `target/postcards/` of this workspace (or of `CARGO_TARGET_DIR`).
fn look_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("postcards");
    std::fs::create_dir_all(&dir).expect("create target/postcards");
    dir
}

/// Writes the PDF and one PNG per page (80 dpi) to `target/postcards/` for a human look;
/// returns the PDF's path.
fn save_for_look(pdf: &[u8], name: &str) -> PathBuf {
    let dir = look_dir();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write pdf");
    let prefix = dir.join(name);
    run("pdftoppm", &["-png", "-r", "80", path.to_str().unwrap(), prefix.to_str().unwrap()]);
    path
}

struct Info {
    pages: usize,
    width: f32,
    height: f32,
    title: String,
}

fn pdf_info(pdf: &Path) -> Info {
    let out = run("pdfinfo", &[pdf.to_str().unwrap()]);
    let field = |name: &str| {
        out.lines()
            .find_map(|line| line.strip_prefix(name).map(|rest| rest.trim().to_owned()))
            .unwrap_or_else(|| panic!("pdfinfo has no {name} line:\n{out}"))
    };
    let pages = field("Pages:").parse().expect("page count");
    let size = field("Page size:");
    let numbers: Vec<f32> = size.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!(numbers.len() >= 2, "page size {size:?}");
    Info { pages, width: numbers[0], height: numbers[1], title: field("Title:") }
}

/// (font name, embedded) for every font pdffonts lists.
fn pdf_fonts(pdf: &Path) -> Vec<(String, bool)> {
    let out = run("pdffonts", &[pdf.to_str().unwrap()]);
    out.lines()
        .skip(2)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // name type… encoding emb sub uni object ID: "emb" is the fifth field from the end.
            assert!(fields.len() >= 7, "unexpected pdffonts line {line:?}");
            (fields[0].to_owned(), fields[fields.len() - 5] == "yes")
        })
        .collect()
}

fn pdf_text(pdf: &Path) -> String {
    run("pdftotext", &[pdf.to_str().unwrap(), "-"])
}

fn pdf_image_count(pdf: &Path) -> usize {
    run("pdfimages", &["-list", pdf.to_str().unwrap()]).lines().skip(2).filter(|l| !l.trim().is_empty()).count()
}

/// A greyscale raster of one page.
struct Gray {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
    dpi: f32,
}

impl Gray {
    fn at(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }
}

/// Parses a binary PGM (P5, 8 bit).
fn parse_pgm(data: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if data[pos] == b'#' {
            while data[pos] != b'\n' {
                pos += 1;
            }
            continue;
        }
        let start = pos;
        while !data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(std::str::from_utf8(&data[start..pos]).unwrap().to_owned());
    }
    pos += 1; // the single whitespace after maxval
    assert_eq!(fields[0], "P5", "not a binary PGM");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    assert_eq!(fields[3], "255", "only 8-bit PGM");
    let pixels = data[pos..pos + w * h].to_vec();
    (w, h, pixels)
}

/// Page `page` (1-based) rendered at 150 dpi in grey.
fn rasterise(pdf: &Path, page: usize, dir: &Path) -> Gray {
    let prefix = dir.join(format!("page-{page}"));
    let page_arg = page.to_string();
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-gray",
            "-f",
            &page_arg,
            "-l",
            &page_arg,
            "-singlefile",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let data = std::fs::read(prefix.with_extension("pgm")).expect("pdftoppm wrote a pgm");
    let (width, height, pixels) = parse_pgm(&data);
    Gray { width, height, pixels, dpi: 150.0 }
}

/// A QR code found on a page.
struct Found {
    content: String,
    /// Corners of the symbol (without quiet zone) in page pixels: left, top, right, bottom.
    bounds: (f32, f32, f32, f32),
    /// Modules per side.
    modules: usize,
}

/// Every QR code in the given region of the page (in mm), decoded.
fn decode_qr_codes(page: &Gray, (x, y, w, h): (f32, f32, f32, f32)) -> Vec<Found> {
    let px_per_mm = page.dpi / 25.4;
    let (x0, y0) = ((x * px_per_mm) as usize, (y * px_per_mm) as usize);
    let width = ((w * px_per_mm) as usize).min(page.width - x0);
    let height = ((h * px_per_mm) as usize).min(page.height - y0);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |px, py| page.at(x0 + px, y0 + py));
    let mut found = Vec::new();
    for grid in image.detect_grids() {
        match grid.decode() {
            Ok((_, content)) => {
                let xs = grid.bounds.map(|p| p.x as f32 + x0 as f32);
                let ys = grid.bounds.map(|p| p.y as f32 + y0 as f32);
                let min = |v: [f32; 4]| v.into_iter().fold(f32::MAX, f32::min);
                let max = |v: [f32; 4]| v.into_iter().fold(f32::MIN, f32::max);
                found.push(Found {
                    content,
                    bounds: (min(xs), min(ys), max(xs), max(ys)),
                    modules: rqrr::BitGrid::size(&grid.grid),
                });
            }
            Err(e) => eprintln!("QR grid at {:?} did not decode: {e}", grid.bounds),
        }
    }
    found
}

/// Checks one card's QR codes: exactly `url`, at least 35 mm wide (the symbol itself), with a
/// blank quiet zone of four modules around it.
fn assert_qr_code(page: &Gray, card: (f32, f32, f32, f32), url: &str, what: &str) {
    let found = decode_qr_codes(page, card);
    let contents: Vec<&str> = found.iter().map(|f| f.content.as_str()).collect();
    assert_eq!(contents, vec![url], "{what}");
    let code = &found[0];
    let px_per_mm = page.dpi / 25.4;
    // rqrr's corners are estimates (about a module off); the symbol's exact extent is the
    // bounding box of the dark pixels around them (its corners are finder patterns).
    let (l, t, r, b) = code.bounds;
    let margin = 1.5 * (r - l) / code.modules as f32;
    let (mut left, mut top, mut right, mut bottom) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for py in (t - margin).max(0.0) as usize..((b + margin) as usize).min(page.height) {
        for px in (l - margin).max(0.0) as usize..((r + margin) as usize).min(page.width) {
            if page.at(px, py) < 128 {
                let (fx, fy) = (px as f32, py as f32);
                (left, top, right, bottom) = (left.min(fx), top.min(fy), right.max(fx + 1.0), bottom.max(fy + 1.0));
            }
        }
    }
    let side_mm = (right - left).min(bottom - top) / px_per_mm;
    assert!(side_mm >= 34.5, "{what}: QR symbol is only {side_mm:.1} mm wide");
    let module = (right - left) / code.modules as f32;
    let slack = 2.0; // pixels: rounding of the detected corners and anti-aliasing
    let (outer_l, outer_t) = (left - 4.0 * module + slack, top - 4.0 * module + slack);
    let (outer_r, outer_b) = (right + 4.0 * module - slack, bottom + 4.0 * module - slack);
    for py in outer_t as usize..=outer_b as usize {
        for px in outer_l as usize..=outer_r as usize {
            let (fx, fy) = (px as f32, py as f32);
            let inside = fx >= left - slack && fx <= right + slack && fy >= top - slack && fy <= bottom + slack;
            assert!(
                inside || page.at(px, py) >= 235,
                "{what}: ink in the QR quiet zone at pixel {px},{py}; symbol {:?}, module {module}",
                (left, top, right, bottom)
            );
        }
    }
}

/// Checks that each visit card holds exactly its status URL's QR code and each survey card
/// exactly its survey URL's; `cards` alternate visit card, survey card, row by row (in mm).
fn assert_qr_codes(page: &Gray, cards: &[(f32, f32, f32, f32)], visits: &[VisitCards], what: &str) {
    assert_eq!(cards.len(), 2 * visits.len());
    for (pair, v) in cards.chunks(2).zip(visits) {
        assert_qr_code(page, pair[0], &v.status_url, &format!("{what}: visit card of {}", v.ticket_number));
        assert_qr_code(
            page,
            pair[1],
            v.survey_url.as_deref().unwrap(),
            &format!("{what}: survey card of {}", v.ticket_number),
        );
    }
}

/// Checks that the two bands of each card that must stay blank are blank: between the cut edge
/// and the frame (1–5.2 mm in) and between the frame and the content box (7–9.3 mm in). Any
/// text or drawing escaping the 10 mm content box would leave ink there.
fn assert_margins_blank(page: &Gray, cards: &[(f32, f32, f32, f32)], what: &str) {
    let px_per_mm = page.dpi / 25.4;
    for (index, &(x, y, w, h)) in cards.iter().enumerate() {
        let (x0, y0) = ((x * px_per_mm) as usize, (y * px_per_mm) as usize);
        let (x1, y1) = (((x + w) * px_per_mm) as usize, ((y + h) * px_per_mm) as usize);
        let mut inked = 0;
        let mut first = None;
        for py in y0..y1.min(page.height) {
            for px in x0..x1.min(page.width) {
                let (mx, my) = (px as f32 / px_per_mm, py as f32 / px_per_mm);
                let d = (mx - x).min(x + w - mx).min(my - y).min(y + h - my);
                let in_band = (1.0..=5.2).contains(&d) || (7.0..=9.3).contains(&d);
                if in_band && page.at(px, py) < 235 {
                    inked += 1;
                    first.get_or_insert((mx, my));
                }
            }
        }
        assert_eq!(inked, 0, "{what}: card {index} has {inked} inked pixels in its margins, first at {first:?} mm");
    }
}

/// A6 cards on A4: card `row` of the sheet, left (visit) or right (survey); in mm.
fn a6_cards(rows: usize) -> Vec<(f32, f32, f32, f32)> {
    (0..rows).flat_map(|r| [0.0, 105.0].map(|x| (x, 0.5 + r as f32 * 148.0, 105.0, 148.0))).collect()
}

/// The two 4×6 in cards on US Letter, in mm.
fn us_cards() -> Vec<(f32, f32, f32, f32)> {
    [0.25, 4.25].map(|x| (x * 25.4, 2.5 * 25.4, 4.0 * 25.4, 6.0 * 25.4)).to_vec()
}

fn hex32(seed: u64) -> String {
    // A simple deterministic mix; the tests only need realistic-looking tokens.
    let a = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xdead_beef_cafe_f00d;
    let b = a.rotate_left(29).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    format!("{a:016x}{b:016x}")
}

fn labels(signature: &str) -> CardLabels {
    CardLabels {
        visit_heading: "We visited your desk".into(),
        visited_at: "Tuesday 24 November at 10:42".into(),
        status_label: "Status".into(),
        next_step_label: "Next step".into(),
        note_label: "Note".into(),
        status_qr_caption: "Scan to follow your ticket".into(),
        survey_heading: "How was our visit?".into(),
        survey_prompt: "Scan the code and tap a face — it takes ten seconds.".into(),
        survey_qr_caption: "Scan to answer".into(),
        signature: signature.into(),
    }
}

fn visit(index: u64, customer: &str, status: &str) -> VisitCards {
    VisitCards {
        desk_name: "Example IT Service Desk".into(),
        logo: None,
        customer_name: customer.into(),
        ticket_number: format!("INC00123{:02}", 40 + index),
        ticket_title: "Printer on the 3rd floor jams on tray 2 when printing duplex".into(),
        status: status.into(),
        note: Some("The printer is switched off; please do not use it until we are back.".into()),
        next_step: Some("We will bring the new fuser unit tomorrow morning and test it with you.".into()),
        status_url: format!("https://desk.example.com/t/{}", hex32(index)),
        survey_url: Some(format!("https://desk.example.com/s/{}?src=card", hex32(index + 1000))),
        labels: labels("— Tom"),
    }
}

#[test]
fn three_visits_on_a6_make_two_a4_sheets_with_embedded_fonts_vector_text_and_qr_codes() {
    let visits = vec![
        visit(1, "Ana Silva", "Waiting for parts"),
        visit(2, "Jürgen Groß", "Fixed"),
        visit(3, "Françoise Lefèvre", "Escalated to network team"),
    ];
    let pdf = render_pdf(&visits, CardSize::A6).expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
    if !tools_available() {
        return;
    }
    let path = save_for_look(&pdf, "a6-three-visits");

    let info = pdf_info(&path);
    assert_eq!(info.pages, 2, "two visits per A4 sheet");
    assert_eq!((info.width.round(), info.height.round()), (595.0, 842.0), "A4 in points");
    assert_eq!(info.title, "Visit cards — Example IT Service Desk");

    let fonts = pdf_fonts(&path);
    assert!(!fonts.is_empty(), "no fonts in the PDF");
    assert!(fonts.iter().all(|(_, embedded)| *embedded), "every font is embedded: {fonts:?}");
    assert!(fonts.iter().any(|(name, _)| name.contains("DejaVuSans-Bold")), "{fonts:?}");
    assert!(fonts.iter().any(|(name, _)| name.contains("DejaVuSans") && !name.contains("Bold")), "{fonts:?}");

    let text = pdf_text(&path);
    for v in &visits {
        for needle in [&v.customer_name, &v.status, &v.ticket_number] {
            assert!(text.contains(needle.as_str()), "pdftotext does not find {needle:?} in:\n{text}");
        }
    }
    for needle in ["We visited your desk", "How was our visit?", "STATUS", "NEXT STEP", "NOTE", "— Tom"] {
        assert!(text.contains(needle), "pdftotext does not find {needle:?}");
    }

    let work = tempfile::tempdir().unwrap();
    let page1 = rasterise(&path, 1, work.path());
    assert_qr_codes(&page1, &a6_cards(2), &visits[..2], "sheet 1");
    assert_margins_blank(&page1, &a6_cards(2), "sheet 1");
    let page2 = rasterise(&path, 2, work.path());
    assert_qr_codes(&page2, &a6_cards(1), &visits[2..], "sheet 2");
    assert_margins_blank(&page2, &a6_cards(1), "sheet 2");
}

#[test]
fn one_visit_on_us_postcards_makes_one_letter_sheet() {
    let visits = vec![visit(7, "Ana Silva", "Waiting for parts")];
    let pdf = render_pdf(&visits, CardSize::UsPostcard).expect("render");
    if !tools_available() {
        return;
    }
    let path = save_for_look(&pdf, "us-postcard-one-visit");

    let info = pdf_info(&path);
    assert_eq!(info.pages, 1);
    assert_eq!((info.width.round(), info.height.round()), (612.0, 792.0), "US Letter in points");
    assert!(pdf_fonts(&path).iter().all(|(_, embedded)| *embedded));
    let text = pdf_text(&path);
    for needle in ["Ana Silva", "Waiting for parts", "INC0012347"] {
        assert!(text.contains(needle), "pdftotext does not find {needle:?} in:\n{text}");
    }

    let work = tempfile::tempdir().unwrap();
    let page = rasterise(&path, 1, work.path());
    assert_qr_codes(&page, &us_cards(), &visits, "letter sheet");
    assert_margins_blank(&page, &us_cards(), "letter sheet");
}

#[test]
fn pathological_input_stays_inside_the_cards_and_qr_codes_still_decode() {
    let long_name = "Zoë Ørsted — 東京 ".repeat(12).chars().take(200).collect::<String>();
    let long_word = "Ünterwäßerungsmaschinenüberprüfungsprotokoll".repeat(5);
    let mut v = visit(42, &long_name, &"Waiting for a replacement part from the vendor ".repeat(6));
    v.desk_name = "Serviço de Apoio Informático — Direção Regional de Sistemas e Tecnologias 東京".repeat(3);
    v.ticket_number = "INC".to_owned() + &"9".repeat(80);
    v.ticket_title = format!("{long_word} {}", "Título muito comprido ".repeat(20));
    v.note = Some(format!("{}\n\n{long_word}\tend\u{7}", "Nota: a impressora está desligada. ".repeat(15)));
    v.next_step = Some("Wir kommen morgen früh mit dem neuen Fixierer — 東京 ".repeat(12));
    v.labels.visit_heading = "Nous sommes passés à votre bureau pendant votre absence ".repeat(4);
    v.labels.visited_at = "mardi 24 novembre à 10 h 42 ".repeat(10);
    v.labels.signature = "— Tomás Ñúñez-Ørsted, técnico de campo ".repeat(4);
    v.labels.survey_heading = "¿Qué tal ha ido nuestra visita a su puesto de trabajo? ".repeat(4);
    v.labels.survey_prompt = "Escanee el código y toque una cara: tarda diez segundos. ".repeat(10);
    v.labels.status_qr_caption = "Escanee para seguir su ticket ".repeat(5);
    v.labels.survey_qr_caption = "Escanee para responder ".repeat(5);
    v.status_url = format!("https://desk.example.com/t/{}?lang=pt&utm_source=card&utm_medium=print", hex32(42));
    v.survey_url = Some(format!("https://desk.example.com/s/{}?src=card&lang=pt&x={}", hex32(43), "y".repeat(60)));
    // A tall logo takes the most header height there is.
    v.logo = Some(Logo::Png(png_rgb(20, 60, |_, y| if y < 30 { [15, 118, 110] } else { [30, 41, 59] })));
    let visits = vec![v];

    for size in [CardSize::A6, CardSize::UsPostcard] {
        let pdf = render_pdf(&visits, size).expect("render");
        if !tools_available() {
            return;
        }
        let path = save_for_look(&pdf, &format!("pathological-{size}"));
        let text = pdf_text(&path);
        assert!(text.contains("Zoë Ørsted"), "accents survive:\n{text}");
        assert!(text.contains('…'), "long text is cut with an ellipsis");
        let work = tempfile::tempdir().unwrap();
        let page = rasterise(&path, 1, work.path());
        let cards = if size == CardSize::A6 { a6_cards(1) } else { us_cards() };
        assert_qr_codes(&page, &cards, &visits, &format!("pathological {size}"));
        assert_margins_blank(&page, &cards, &format!("pathological {size}"));
    }
}

#[test]
fn empty_optional_fields_leave_their_lines_out() {
    let mut v = visit(5, "Ana Silva", "Fixed");
    v.note = None;
    v.next_step = Some("   ".into());
    v.ticket_title = String::new();
    v.labels.signature = String::new();
    let pdf = render_pdf(&[v.clone()], CardSize::A6).expect("render");
    if !tools_available() {
        return;
    }
    let path = save_for_look(&pdf, "a6-sparse");
    let text = pdf_text(&path);
    assert!(!text.contains("NOTE") && !text.contains("NEXT STEP"), "{text}");
    let work = tempfile::tempdir().unwrap();
    assert_qr_codes(&rasterise(&path, 1, work.path()), &a6_cards(1), &[v], "sparse");
}

/// A minimal PNG encoder (8-bit RGB, stored deflate blocks) so the test needs no image crate.
fn png_rgb(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bit, RGB, deflate, no filter, no interlace
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A 3:1 logo: a teal block with a white "window".
fn sample_logo() -> Vec<u8> {
    png_rgb(96, 32, |x, y| {
        let window = (10..30).contains(&x) && (8..24).contains(&y);
        if window {
            [255, 255, 255]
        } else if x < 40 {
            [15, 118, 110]
        } else {
            [30, 41, 59]
        }
    })
}

#[test]
fn png_logo_is_drawn_and_broken_logos_are_left_out() {
    let png = sample_logo();
    let mut with_logo = visit(11, "Ana Silva", "Waiting for parts");
    with_logo.logo = Some(Logo::Png(png.clone()));
    let mut same_desk = visit(12, "Jürgen Groß", "Fixed");
    same_desk.logo = Some(Logo::Png(png.clone()));

    // A PNG whose header is fine but whose pixel data is not: krilla only notices this while
    // writing the document.
    let mut corrupt = png.clone();
    let idat = corrupt.windows(4).position(|w| w == b"IDAT").unwrap();
    for byte in &mut corrupt[idat + 4..idat + 40] {
        *byte ^= 0x5a;
    }
    let broken = [
        Logo::Png(b"definitely not a PNG".to_vec()),
        Logo::Jpeg(vec![0xff, 0xd8, 0xff, 0xe0, 0, 16, b'J', b'F', b'I', b'F', 0]),
        Logo::Png(corrupt),
        Logo::Jpeg(png.clone()),
        Logo::Png(Vec::new()),
    ];
    let broken_visits: Vec<VisitCards> = broken
        .into_iter()
        .enumerate()
        .map(|(i, logo)| VisitCards { logo: Some(logo), ..visit(20 + i as u64, "Ana Silva", "Fixed") })
        .collect();

    let pdf = render_pdf(&[with_logo.clone(), same_desk.clone()], CardSize::A6).expect("render with logo");
    let broken_pdf = render_pdf(&broken_visits, CardSize::A6).expect("broken logos must not fail rendering");
    // Good and broken logos in one document: the good one stays.
    let mut mixed = vec![with_logo.clone()];
    mixed.extend(broken_visits.iter().cloned());
    let mixed_pdf = render_pdf(&mixed, CardSize::UsPostcard).expect("mixed logos");
    if !tools_available() {
        return;
    }
    let path = save_for_look(&pdf, "a6-with-logo");
    assert!(pdf_image_count(&path) >= 1, "the logo is embedded as an image");
    let work = tempfile::tempdir().unwrap();
    let page = rasterise(&path, 1, work.path());
    assert_qr_codes(&page, &a6_cards(2), &[with_logo.clone(), same_desk], "with logo");
    assert_margins_blank(&page, &a6_cards(2), "with logo");
    // The logo's dark-teal pixels show up in the header of the first card (top left, inside
    // the content box).
    let px_per_mm = page.dpi / 25.4;
    let (lx, ly) = ((11.0 * px_per_mm) as usize, (12.0 * px_per_mm) as usize);
    assert!(page.at(lx, ly) < 140, "logo pixel at 11,12 mm is {}", page.at(lx, ly));

    let broken_path = save_for_look(&broken_pdf, "a6-broken-logos");
    assert_eq!(pdf_image_count(&broken_path), 0, "broken logos are left out");
    assert_eq!(pdf_info(&broken_path).pages, 3);
    assert!(pdf_text(&broken_path).contains("Example IT Service Desk"));

    let mixed_path = save_for_look(&mixed_pdf, "us-postcard-mixed-logos");
    assert_eq!(pdf_info(&mixed_path).pages, mixed.len());
    let images = run("pdfimages", &["-list", mixed_path.to_str().unwrap()]);
    let pages_with_images: BTreeSet<&str> =
        images.lines().skip(2).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(pages_with_images, BTreeSet::from(["1"]), "only the first visit has a usable logo:\n{images}");
}
