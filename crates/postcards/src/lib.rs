//! Printable visit postcards as a real, vector PDF.
//!
//! When a technician visits a customer's desk and the customer is away, they leave two cards:
//!
//! 1. the **visit card**: who was visited and when, the ticket, its status (emphasised), the
//!    next step, a note, the technician's signature, and a QR code to the ticket's status page;
//! 2. the **survey card**: a one-question survey ("How was our visit?") with a QR code leading
//!    to the survey page, and the ticket number for reference.
//!
//! [`render_pdf`] puts both cards of every visit side by side on the same sheet, with cut marks,
//! the desk's name and logo. Text is vector text in embedded (subset) DejaVu Sans fonts, QR
//! codes are vector squares, and every piece of caller text is measured, wrapped and cut with
//! "…" where needed, so long input never leaves its card. Characters the font lacks (for
//! example CJK) are drawn as the font's "missing glyph" box but still extract as text.
//!
//! Sheet layouts (see [`CardSize`]):
//!
//! * [`CardSize::A6`]: 105 × 148 mm portrait cards, four per A4 portrait sheet (2 × 2, filling
//!   the sheet's width; 0.5 mm left over at the top and bottom). Each row is one visit: visit
//!   card on the left, survey card on the right, so two visits per sheet. Cut marks sit where
//!   the cut lines meet the sheet edges, and a light dashed line runs between the cards.
//! * [`CardSize::UsPostcard`]: 4 × 6 in portrait cards, two per US Letter portrait sheet,
//!   side by side and centred (0.25 in left and right, 2.5 in top and bottom): one visit per
//!   sheet. Cut marks sit outside the card corners, and a light dashed line runs between the
//!   two cards.
//!
//! Every card has a hairline frame 6 mm inside its cut edge and keeps all content at least
//! 10 mm inside its cut edge, clear of printers' unprintable borders.
//!
//! QR codes use error correction level M and at least version 4; the symbol itself is 36 mm
//! wide on the visit card and 38 mm on the survey card, plus a white quiet zone of four modules
//! on every side. The URL is printed in small type under the code.
//!
//! The embedded fonts are under the Bitstream Vera / DejaVu licence: `fonts/LICENSE`.
#![forbid(unsafe_code)]

mod card;
mod draw;
pub mod text;

/// A circle as a vector path (the reports draw their chart markers with it too).
pub use draw::circle_path;
use std::fmt;
use std::str::FromStr;

use krilla::error::KrillaError;
use krilla::geom::Size;
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;
use qrcode::{EcLevel, QrCode, Version};

use card::{CardBox, PreparedVisit};
use draw::{mm, Painter, CUT_LINE, CUT_MARK};
use text::{one_line, Fonts};

/// The printed size of the cards, and with it the sheet they are printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CardSize {
    /// 105 × 148 mm (A6 portrait), four cards (two visits) per A4 sheet.
    #[default]
    A6,
    /// 4 × 6 in (US postcard, portrait), two cards (one visit) per US Letter sheet.
    UsPostcard,
}

impl CardSize {
    /// The identifier used in settings and URLs: `"a6"` or `"us-postcard"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CardSize::A6 => "a6",
            CardSize::UsPostcard => "us-postcard",
        }
    }

    fn sheet(self) -> Sheet {
        match self {
            CardSize::A6 => {
                let (page_w, page_h) = (mm(210.0), mm(297.0));
                let (card_w, card_h) = (mm(105.0), mm(148.0));
                Sheet {
                    page_w,
                    page_h,
                    card_w,
                    card_h,
                    x0: (page_w - 2.0 * card_w) / 2.0,
                    y0: (page_h - 2.0 * card_h) / 2.0,
                    rows: 2,
                    fills: true,
                }
            }
            CardSize::UsPostcard => {
                let (page_w, page_h) = (612.0, 792.0);
                let (card_w, card_h) = (4.0 * 72.0, 6.0 * 72.0);
                Sheet {
                    page_w,
                    page_h,
                    card_w,
                    card_h,
                    x0: (page_w - 2.0 * card_w) / 2.0,
                    y0: (page_h - card_h) / 2.0,
                    rows: 1,
                    fills: false,
                }
            }
        }
    }
}

impl fmt::Display for CardSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CardSize {
    type Err = PostcardError;

    /// Parses `"a6"` or `"us-postcard"` (case-insensitive; `_` works for `-`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "a6" => Ok(CardSize::A6),
            "us-postcard" => Ok(CardSize::UsPostcard),
            _ => Err(PostcardError::UnknownCardSize(s.to_owned())),
        }
    }
}

/// The desk's logo, as the bytes of an image file. A logo that cannot be decoded is left out
/// of the cards; it never makes rendering fail.
#[derive(Clone, PartialEq, Eq)]
pub enum Logo {
    /// A PNG file.
    Png(Vec<u8>),
    /// A JPEG file.
    Jpeg(Vec<u8>),
}

impl fmt::Debug for Logo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Logo::Png(bytes) => write!(f, "Logo::Png({} bytes)", bytes.len()),
            Logo::Jpeg(bytes) => write!(f, "Logo::Jpeg({} bytes)", bytes.len()),
        }
    }
}

/// The fixed texts on the cards, already translated (and formatted) by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardLabels {
    /// Visit card heading, e.g. "We visited your desk".
    pub visit_heading: String,
    /// When the visit happened, already formatted, e.g. "Tuesday 24 November at 10:42".
    pub visited_at: String,
    /// Label of the status box, e.g. "Status" (printed in capitals).
    pub status_label: String,
    /// Label above the next step, e.g. "Next step" (printed in capitals).
    pub next_step_label: String,
    /// Label above the note, e.g. "Note" (printed in capitals).
    pub note_label: String,
    /// Caption under the status QR code, e.g. "Scan to follow your ticket".
    pub status_qr_caption: String,
    /// Survey card heading, e.g. "How was our visit?".
    pub survey_heading: String,
    /// Survey card text, e.g. "Scan the code and tap a face — it takes ten seconds.".
    pub survey_prompt: String,
    /// Caption under the survey QR code, e.g. "Scan to answer".
    pub survey_qr_caption: String,
    /// The technician's sign-off, e.g. "— Tom".
    pub signature: String,
}

/// One visit: the content of its visit card and its survey card.
///
/// Empty strings and `None` leave their line out; over-long text is wrapped and cut with "…".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitCards {
    /// The service desk's name, at the top of both cards.
    pub desk_name: String,
    /// The service desk's logo, at the top left of both cards (at most 12 mm high).
    pub logo: Option<Logo>,
    /// The customer whose desk was visited, e.g. "Ana Silva".
    pub customer_name: String,
    /// The ticket number, e.g. "INC0012345".
    pub ticket_number: String,
    /// The ticket's title (cut with "…" to one line).
    pub ticket_title: String,
    /// The translated visit status, e.g. "Waiting for parts".
    pub status: String,
    /// A free-text note (line breaks are kept).
    pub note: Option<String>,
    /// What happens next (line breaks are kept).
    pub next_step: Option<String>,
    /// The ticket's status page: encoded in the visit card's QR code and printed under it.
    pub status_url: String,
    /// The survey page: encoded in the survey card's QR code and printed under it. `None`
    /// when the visit has no survey (the customer opted out, or was asked too recently): the
    /// survey card's place on the sheet stays blank.
    pub survey_url: Option<String>,
    /// The translated fixed texts.
    pub labels: CardLabels,
}

/// Which of a visit's two URLs an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// [`VisitCards::status_url`].
    Status,
    /// [`VisitCards::survey_url`].
    Survey,
}

impl fmt::Display for UrlKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlKind::Status => "status",
            UrlKind::Survey => "survey",
        })
    }
}

/// Why no PDF could be made.
#[derive(Debug, thiserror::Error)]
pub enum PostcardError {
    /// [`render_pdf`] was given no visits.
    #[error("no visit cards to render")]
    NoCards,
    /// A visit has an empty URL: its QR code would lead nowhere.
    #[error("the {kind} URL of ticket {ticket:?} is empty")]
    EmptyUrl {
        /// The visit's ticket number.
        ticket: String,
        /// Which URL.
        kind: UrlKind,
    },
    /// A URL is too long to fit in a QR code.
    #[error("the {kind} URL of ticket {ticket:?} is too long for a QR code ({len} bytes)")]
    UrlTooLong {
        /// The visit's ticket number.
        ticket: String,
        /// Which URL.
        kind: UrlKind,
        /// The URL's length in bytes.
        len: usize,
    },
    /// A card size name that [`CardSize::from_str`] does not know.
    #[error("unknown card size {0:?} (expected \"a6\" or \"us-postcard\")")]
    UnknownCardSize(String),
    /// The PDF writer failed (a bug rather than bad input).
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// How cards are placed on one kind of sheet, in points.
struct Sheet {
    page_w: f32,
    page_h: f32,
    card_w: f32,
    card_h: f32,
    /// Top-left corner of the block of cards.
    x0: f32,
    y0: f32,
    /// Visits (rows of two cards) per sheet.
    rows: usize,
    /// Whether the cards fill the sheet edge to edge (then cut marks go on the sheet edges).
    fills: bool,
}

/// Renders both cards of every visit, two cards (one visit) per row, into one PDF.
///
/// Returns the PDF's bytes. Fails only with no visits ([`PostcardError::NoCards`]) or with a
/// URL that cannot become a QR code (empty, or longer than a QR code holds). Logos that cannot
/// be decoded are left out.
pub fn render_pdf(visits: &[VisitCards], size: CardSize) -> Result<Vec<u8>, PostcardError> {
    if visits.is_empty() {
        return Err(PostcardError::NoCards);
    }
    let fonts = Fonts::load().ok_or_else(|| PostcardError::Pdf("the bundled fonts could not be read".into()))?;
    let mut logos = LogoCache::default();
    let mut prepared = Vec::with_capacity(visits.len());
    for visit in visits {
        prepared.push(PreparedVisit {
            visit,
            logo: visit.logo.as_ref().and_then(|logo| logos.get(logo)),
            status_qr: qr_code(&visit.status_url, &visit.ticket_number, UrlKind::Status)?,
            survey_qr: match &visit.survey_url {
                Some(url) => Some(qr_code(url, &visit.ticket_number, UrlKind::Survey)?),
                None => None,
            },
        });
    }
    let sheet = size.sheet();
    let page = PageSettings::from_wh(sheet.page_w, sheet.page_h)
        .ok_or_else(|| PostcardError::Pdf("invalid page size".into()))?;
    match build(&fonts, &prepared, &sheet, &page) {
        Ok(pdf) => Ok(pdf),
        // Logos are test-embedded before use, so this should not happen; if an image still
        // fails, the cards are worth more than the logo.
        Err(KrillaError::Image(..)) => {
            prepared.iter_mut().for_each(|v| v.logo = None);
            build(&fonts, &prepared, &sheet, &page).map_err(|e| PostcardError::Pdf(e.to_string()))
        }
        Err(e) => Err(PostcardError::Pdf(e.to_string())),
    }
}

/// The QR code for `url`: error correction level M, at least version 4 so that every code on a
/// card has the same size class and modules stay fine enough to look like a QR code.
fn qr_code(url: &str, ticket: &str, kind: UrlKind) -> Result<QrCode, PostcardError> {
    if url.trim().is_empty() {
        return Err(PostcardError::EmptyUrl { ticket: ticket.to_owned(), kind });
    }
    let too_long = || PostcardError::UrlTooLong { ticket: ticket.to_owned(), kind, len: url.len() };
    let code = QrCode::with_error_correction_level(url, EcLevel::M).map_err(|_| too_long())?;
    if code.width() < 33 {
        return QrCode::with_version(url, Version::Normal(4), EcLevel::M).map_err(|_| too_long());
    }
    Ok(code)
}

/// Decoded logos, so that many visits of the same desk decode their logo once.
#[derive(Default)]
struct LogoCache {
    seen: Vec<(Logo, Option<Image>)>,
}

/// Logos with more pixels than this are left out rather than decoded (memory use).
const MAX_LOGO_PIXELS: u64 = 40_000_000;

impl LogoCache {
    fn get(&mut self, logo: &Logo) -> Option<Image> {
        if let Some((_, image)) = self.seen.iter().find(|(seen, _)| seen == logo) {
            return image.clone();
        }
        let image = decode_logo(logo);
        self.seen.push((logo.clone(), image.clone()));
        image
    }
}

/// The logo as a krilla image, or `None` if it cannot be used.
fn decode_logo(logo: &Logo) -> Option<Image> {
    let image = match logo {
        Logo::Png(bytes) => Image::from_png(bytes.clone().into(), true).ok()?,
        Logo::Jpeg(bytes) => Image::from_jpeg(bytes.clone().into(), true).ok()?,
    };
    let (w, h) = image.size();
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > MAX_LOGO_PIXELS {
        return None;
    }
    // krilla reads the header eagerly but reports errors in the pixel data only when the
    // document is written; embed the image once in a throwaway document to find out now.
    let mut trial = Document::new();
    let mut page = trial.start_page_with(PageSettings::from_wh(10.0, 10.0)?);
    let mut surface = page.surface();
    surface.draw_image(image.clone(), Size::from_wh(10.0, 10.0)?);
    surface.finish();
    page.finish();
    trial.finish().ok()?;
    Some(image)
}

fn build(
    fonts: &Fonts,
    visits: &[PreparedVisit<'_>],
    sheet: &Sheet,
    page_settings: &PageSettings,
) -> Result<Vec<u8>, KrillaError> {
    let mut document = Document::new();
    for chunk in visits.chunks(sheet.rows) {
        let mut page = document.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        let mut painter = Painter::new(&mut surface);
        cut_guides(&mut painter, sheet, chunk.len());
        for (row, visit) in chunk.iter().enumerate() {
            let y = sheet.y0 + row as f32 * sheet.card_h;
            let visit_box = CardBox { x: sheet.x0, y, w: sheet.card_w, h: sheet.card_h };
            let survey_box = CardBox { x: sheet.x0 + sheet.card_w, y, w: sheet.card_w, h: sheet.card_h };
            card::visit_card(&mut painter, fonts, &visit_box, visit);
            card::survey_card(&mut painter, fonts, &survey_box, visit);
        }
        surface.finish();
        page.finish();
    }
    document.set_metadata(Metadata::new().title(document_title(visits)).creator("Rapport".to_owned()));
    document.finish()
}

/// "Visit cards — {desk}" when all visits belong to one desk, otherwise "Visit cards".
fn document_title(visits: &[PreparedVisit<'_>]) -> String {
    let first = one_line(&visits[0].visit.desk_name);
    if !first.is_empty() && visits.iter().all(|v| one_line(&v.visit.desk_name) == first) {
        format!("Visit cards — {first}")
    } else {
        "Visit cards".to_owned()
    }
}

/// Cut marks and dashed cut lines for a sheet with `used_rows` rows of cards.
fn cut_guides(p: &mut Painter<'_, '_>, sheet: &Sheet, used_rows: usize) {
    let mark_w = 0.5;
    let dash: &[f32] = &[mm(1.5), mm(1.5)];
    let xs: Vec<f32> = (0..=2).map(|i| sheet.x0 + i as f32 * sheet.card_w).collect();
    let ys: Vec<f32> = (0..=sheet.rows).map(|j| sheet.y0 + j as f32 * sheet.card_h).collect();
    let (top, bottom) = (ys[0], ys[sheet.rows]);
    let (left, right) = (xs[0], xs[2]);
    let used_bottom = ys[used_rows.min(sheet.rows)];

    // The dashed line between the two cards of each used row.
    p.line(xs[1], top, xs[1], used_bottom, CUT_LINE, 0.4, Some(dash));

    if sheet.fills {
        // Cards fill the sheet: marks where the inner cut lines meet the sheet edges, and
        // dashed lines between rows.
        let len = mm(6.0);
        p.line(xs[1], 0.0, xs[1], len, CUT_MARK, mark_w, None);
        p.line(xs[1], sheet.page_h - len, xs[1], sheet.page_h, CUT_MARK, mark_w, None);
        for y in &ys[1..sheet.rows] {
            p.line(0.0, *y, len, *y, CUT_MARK, mark_w, None);
            p.line(sheet.page_w - len, *y, sheet.page_w, *y, CUT_MARK, mark_w, None);
            p.line(left, *y, right, *y, CUT_LINE, 0.4, Some(dash));
        }
    } else {
        // Margins around the cards: crop marks outside every corner, 2 mm clear of the cards.
        let (gap, len) = (mm(2.0), mm(6.0));
        for x in &xs {
            p.line(*x, (top - gap - len).max(0.0), *x, top - gap, CUT_MARK, mark_w, None);
            p.line(*x, bottom + gap, *x, (bottom + gap + len).min(sheet.page_h), CUT_MARK, mark_w, None);
        }
        for y in &ys {
            let left_end = left - gap;
            if left_end > mm(1.0) {
                p.line((left_end - len).max(0.0), *y, left_end, *y, CUT_MARK, mark_w, None);
            }
            let right_start = right + gap;
            if sheet.page_w - right_start > mm(1.0) {
                p.line(right_start, *y, (right_start + len).min(sheet.page_w), *y, CUT_MARK, mark_w, None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_size_names_round_trip() {
        for size in [CardSize::A6, CardSize::UsPostcard] {
            assert_eq!(size.as_str().parse::<CardSize>().ok(), Some(size));
            assert_eq!(size.to_string(), size.as_str());
        }
        assert_eq!(" US_Postcard ".parse::<CardSize>().ok(), Some(CardSize::UsPostcard));
        assert!(matches!("a5".parse::<CardSize>(), Err(PostcardError::UnknownCardSize(_))));
        assert_eq!(CardSize::default(), CardSize::A6);
    }

    #[test]
    fn no_visits_is_an_error() {
        assert!(matches!(render_pdf(&[], CardSize::A6), Err(PostcardError::NoCards)));
    }

    #[test]
    fn unusable_urls_are_errors() {
        let visit = VisitCards {
            ticket_number: "INC1".into(),
            status_url: "https://desk.example.com/t/1".into(),
            survey_url: Some(" ".into()),
            ..VisitCards::default()
        };
        let err = render_pdf(std::slice::from_ref(&visit), CardSize::A6).unwrap_err();
        assert!(matches!(err, PostcardError::EmptyUrl { kind: UrlKind::Survey, .. }), "{err}");
        let visit =
            VisitCards { survey_url: Some(format!("https://desk.example.com/s/{}", "x".repeat(4000))), ..visit };
        let err = render_pdf(&[visit], CardSize::A6).unwrap_err();
        assert!(matches!(err, PostcardError::UrlTooLong { kind: UrlKind::Survey, .. }), "{err}");
    }

    #[test]
    fn short_urls_still_get_a_version_4_code() {
        let code = qr_code("https://x.io/t/1", "INC1", UrlKind::Status).unwrap();
        assert_eq!(code.width(), 33);
    }

    #[test]
    fn a_minimal_visit_renders_a_pdf() {
        let visit = VisitCards {
            status_url: "https://desk.example.com/t/1".into(),
            survey_url: Some("https://desk.example.com/s/1".into()),
            ..VisitCards::default()
        };
        let without_survey = VisitCards { survey_url: None, ..visit.clone() };
        assert!(render_pdf(&[without_survey], CardSize::A6).unwrap().starts_with(b"%PDF-"));
        for size in [CardSize::A6, CardSize::UsPostcard] {
            let pdf = render_pdf(std::slice::from_ref(&visit), size).unwrap();
            assert!(pdf.starts_with(b"%PDF-"));
        }
    }

    #[test]
    fn broken_logos_are_dropped() {
        assert!(decode_logo(&Logo::Png(b"not a png".to_vec())).is_none());
        assert!(decode_logo(&Logo::Jpeg(vec![0xff, 0xd8, 0xff, 0x00])).is_none());
    }
}
