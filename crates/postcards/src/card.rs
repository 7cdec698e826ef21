//! The two cards of a visit: the visit card and the survey card.
//!
//! Each card is laid out inside its content box (the card inset by [`CONTENT_INSET`]) from the
//! top down, with the QR block anchored to the bottom. Every piece of caller text is measured
//! and either wrapped into a limited number of lines or cut with "…", so nothing leaves the box.

use krilla::image::Image;
use qrcode::QrCode;

use crate::draw::{mm, Align, Colour, Painter, ACCENT, ACCENT_TINT, FAINT, FRAME, MUTED, TEXT};
use crate::text::{baseline, line_height, one_line, paragraphs, wrap, wrap_anywhere, FontFace, Fonts};
use crate::VisitCards;

/// Where the hairline frame is drawn, measured from the card's cut edge.
pub(crate) const FRAME_INSET: f32 = 6.0;
/// Where content starts, measured from the card's cut edge (the safe margin, in mm).
pub(crate) const CONTENT_INSET: f32 = 10.0;
const FRAME_RADIUS: f32 = 2.0;

/// Minimum width of the QR symbol itself (without its quiet zone), in mm.
const VISIT_QR_SYMBOL: f32 = 36.0;
const SURVEY_QR_SYMBOL: f32 = 38.0;
/// Quiet zone around every QR code, in modules.
pub(crate) const QUIET_ZONE: usize = 4;

const DESK_SIZE: f32 = 9.5;
const CUSTOMER_SIZE: f32 = 11.0;
const HEADING_SIZE: f32 = 15.0;
const SURVEY_HEADING_SIZE: f32 = 16.0;
const VISITED_SIZE: f32 = 9.0;
const TICKET_SIZE: f32 = 8.0;
const LABEL_SIZE: f32 = 6.5;
const STATUS_SIZE: f32 = 12.0;
const BODY_SIZE: f32 = 9.0;
const PROMPT_SIZE: f32 = 9.5;
const SIGNATURE_SIZE: f32 = 10.5;
const CAPTION_SIZE: f32 = 7.5;
const URL_SIZE: f32 = 6.0;
const REFERENCE_SIZE: f32 = 6.5;

/// A card's cut rectangle on the page, in points.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CardBox {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) w: f32,
    pub(crate) h: f32,
}

/// The content box of a card: left, top, width and bottom, in points.
struct Content {
    x: f32,
    top: f32,
    w: f32,
    bottom: f32,
}

impl CardBox {
    fn content(&self) -> Content {
        let inset = mm(CONTENT_INSET);
        Content { x: self.x + inset, top: self.y + inset, w: self.w - 2.0 * inset, bottom: self.y + self.h - inset }
    }
}

/// One visit, checked and ready to draw.
pub(crate) struct PreparedVisit<'a> {
    pub(crate) visit: &'a VisitCards,
    pub(crate) logo: Option<Image>,
    pub(crate) status_qr: QrCode,
    /// `None` when the visit has no survey (its card's place stays blank).
    pub(crate) survey_qr: Option<QrCode>,
}

/// The side of the square a QR code takes, quiet zone included, for a symbol at least
/// `symbol_mm` wide.
fn qr_total(code: &QrCode, symbol_mm: f32) -> f32 {
    let n = code.width() as f32;
    mm(symbol_mm) * (n + 2.0 * QUIET_ZONE as f32) / n
}

/// Draws `lines` one under the other from `top`; returns the top of the next line.
#[allow(clippy::too_many_arguments)]
fn draw_lines(
    p: &mut Painter<'_, '_>,
    face: &FontFace,
    size: f32,
    colour: Colour,
    x: f32,
    top: f32,
    align: Align,
    lines: &[String],
) -> f32 {
    let mut top = top;
    for line in lines {
        p.text(face, size, colour, x, baseline(top, size), align, line);
        top += line_height(size);
    }
    top
}

/// How many lines of `size` fit between `top` and `limit`.
fn lines_that_fit(top: f32, limit: f32, size: f32) -> usize {
    if limit <= top {
        0
    } else {
        ((limit - top) / line_height(size) + 1e-3).floor() as usize
    }
}

/// The hairline frame inside a card's cut edge.
fn frame(p: &mut Painter<'_, '_>, card: &CardBox) {
    let inset = mm(FRAME_INSET);
    p.rounded_frame(
        card.x + inset,
        card.y + inset,
        card.w - 2.0 * inset,
        card.h - 2.0 * inset,
        mm(FRAME_RADIUS),
        FRAME,
        0.5,
    );
}

/// Logo (if any) and desk name, then a thin accent rule. Returns the y below the rule.
fn header(p: &mut Painter<'_, '_>, fonts: &Fonts, c: &Content, desk_name: &str, logo: Option<&Image>) -> f32 {
    let min_height = mm(6.0);
    let (mut name_x, mut height) = (c.x, min_height);
    if let Some(image) = logo {
        let (pw, ph) = image.size();
        if pw > 0 && ph > 0 {
            let scale = (mm(32.0) / pw as f32).min(mm(12.0) / ph as f32);
            let (w, h) = (pw as f32 * scale, ph as f32 * scale);
            height = h.max(min_height);
            p.image(image, c.x, c.top + (height - h) / 2.0, w, h);
            name_x = c.x + w + mm(3.0);
        }
    }
    let name = fonts.bold.ellipsize(&one_line(desk_name), DESK_SIZE, c.x + c.w - name_x);
    // Centre the capitals (0.73 em high in DejaVu Sans) on the header's middle.
    let name_baseline = c.top + height / 2.0 + DESK_SIZE * 0.73 / 2.0;
    p.text(&fonts.bold, DESK_SIZE, TEXT, name_x, name_baseline, Align::Left, &name);
    let rule = c.top + height + mm(2.5);
    p.line(c.x, rule, c.x + c.w, rule, ACCENT, 0.75, None);
    rule + 0.75
}

/// The region that the next step and note flow into: the full width down to the QR block,
/// then a narrower column beside the QR code down to the signature.
struct Flow {
    full_w: f32,
    full_until: f32,
    narrow_w: f32,
    narrow_until: f32,
}

impl Flow {
    /// The width available to a line box from `top`, `height` high, if there is room for it.
    fn width_at(&self, top: f32, height: f32) -> Option<f32> {
        let bottom = top + height;
        if bottom <= self.full_until + 1e-3 {
            Some(self.full_w)
        } else if bottom <= self.narrow_until + 1e-3 && self.narrow_w > mm(15.0) {
            Some(self.narrow_w)
        } else {
            None
        }
    }

    /// How many body lines fit from `top`.
    fn capacity(&self, top: f32) -> usize {
        let step = line_height(BODY_SIZE);
        (0..).take_while(|i| self.width_at(top + *i as f32 * step, step).is_some()).count()
    }
}

/// A labelled paragraph (next step, note) laid out in the flow; `lines` is empty if it has
/// no room at all.
struct Block {
    label: String,
    lines: Vec<String>,
}

const BLOCK_GAP: f32 = 2.2; // mm between blocks

fn label_height() -> f32 {
    line_height(LABEL_SIZE)
}

/// Lays out the labelled blocks from `top`: every block gets as many lines as it needs if
/// possible; otherwise the first block gives up lines so that the second keeps at least two.
fn plan_blocks(fonts: &Fonts, flow: &Flow, top: f32, items: &[(String, String)]) -> Vec<Block> {
    let step = line_height(BODY_SIZE);
    let layout = |caps: &[usize]| -> Vec<Block> {
        let mut y = top;
        let mut blocks = Vec::new();
        for ((label, text), cap) in items.iter().zip(caps) {
            let body_top = y + label_height();
            let room = flow.capacity(body_top).min(*cap);
            let lines = wrap(&fonts.regular, BODY_SIZE, text, room, |i| {
                flow.width_at(body_top + i as f32 * step, step).unwrap_or(0.0)
            });
            if !lines.is_empty() {
                y = body_top + lines.len() as f32 * step + mm(BLOCK_GAP);
            }
            blocks.push(Block { label: label.clone(), lines });
        }
        blocks
    };
    let needed: Vec<usize> =
        items.iter().map(|(_, text)| wrap(&fonts.regular, BODY_SIZE, text, 60, |_| flow.full_w).len()).collect();
    // No limit at first (beyond what fits); the first block only gets a limit if it starves the second.
    let mut caps = vec![usize::MAX; items.len()];
    loop {
        let blocks = layout(&caps);
        // The note must not be squeezed out by a long next step: the next step gives up lines
        // (down to two) until the note has at least two lines (or all it needs).
        let starved = blocks.len() == 2 && blocks[1].lines.len() < needed[1].min(2);
        if starved && blocks[0].lines.len() > 2 {
            caps[0] = blocks[0].lines.len() - 1;
        } else {
            return blocks;
        }
    }
}

/// The status box of the visit card, laid out for a width.
struct StatusBox {
    width: f32,
    height: f32,
    label: String,
    lines: Vec<String>,
}

impl StatusBox {
    const PAD: f32 = 2.2; // mm
    const BAR: f32 = 1.2; // mm
    const TEXT_INSET: f32 = Self::BAR + 3.0; // mm from the box's left edge

    fn layout(fonts: &Fonts, label: &str, status: &str, width: f32) -> Self {
        let inner_w = width - mm(Self::TEXT_INSET + Self::PAD);
        let label = fonts.bold.ellipsize(label, LABEL_SIZE, inner_w);
        let lines = wrap(&fonts.bold, STATUS_SIZE, status, 2, |_| inner_w);
        let label_h = if label.is_empty() { 0.0 } else { label_height() };
        let height = mm(Self::PAD) + label_h + lines.len() as f32 * line_height(STATUS_SIZE) + mm(Self::PAD) * 0.7;
        StatusBox { width, height, label, lines }
    }

    fn draw(&self, p: &mut Painter<'_, '_>, fonts: &Fonts, x: f32, y: f32) {
        p.rect(x, y, self.width, self.height, ACCENT_TINT);
        p.rect(x, y, mm(Self::BAR), self.height, ACCENT);
        let inner_x = x + mm(Self::TEXT_INSET);
        let mut top = y + mm(Self::PAD);
        if !self.label.is_empty() {
            top = draw_lines(
                p,
                &fonts.bold,
                LABEL_SIZE,
                ACCENT,
                inner_x,
                top,
                Align::Left,
                std::slice::from_ref(&self.label),
            );
        }
        draw_lines(p, &fonts.bold, STATUS_SIZE, ACCENT, inner_x, top, Align::Left, &self.lines);
    }
}

/// The visit card: who we visited, when, the ticket, its status, next step and note, the
/// technician's signature, and a QR code to the ticket's status page.
pub(crate) fn visit_card(p: &mut Painter<'_, '_>, fonts: &Fonts, card: &CardBox, v: &PreparedVisit<'_>) {
    let visit = v.visit;
    let labels = &visit.labels;
    frame(p, card);
    let c = card.content();
    let mut y = header(p, fonts, &c, &visit.desk_name, v.logo.as_ref()) + mm(4.0);

    // Bottom block: QR code on the right with its caption and URL under it.
    let qr_size = qr_total(&v.status_qr, VISIT_QR_SYMBOL);
    let column_w = qr_size.max(mm(40.0)).min(c.w);
    let column_x = c.x + c.w - column_w;
    let caption = wrap(&fonts.bold, CAPTION_SIZE, &one_line(&labels.status_qr_caption), 2, |_| column_w);
    let url = wrap_anywhere(&fonts.regular, URL_SIZE, &one_line(&visit.status_url), 3, column_w);
    let block_h =
        qr_size + caption.len() as f32 * line_height(CAPTION_SIZE) + mm(0.6) + url.len() as f32 * line_height(URL_SIZE);
    let qr_top = c.bottom - block_h;
    let qr_x = column_x + (column_w - qr_size) / 2.0;
    p.qr(&v.status_qr, qr_x, qr_top, qr_size);
    let centre = column_x + column_w / 2.0;
    let below = draw_lines(p, &fonts.bold, CAPTION_SIZE, ACCENT, centre, qr_top + qr_size, Align::Centre, &caption);
    draw_lines(p, &fonts.regular, URL_SIZE, FAINT, centre, below + mm(0.6), Align::Centre, &url);

    // Signature: bottom left, beside the QR code.
    let left_w = (column_x - mm(4.0) - c.x).max(0.0);
    let signature = wrap(&fonts.regular, SIGNATURE_SIZE, &one_line(&labels.signature), 2, |_| left_w);
    let signature_top = c.bottom - signature.len() as f32 * line_height(SIGNATURE_SIZE);
    draw_lines(p, &fonts.regular, SIGNATURE_SIZE, TEXT, c.x, signature_top, Align::Left, &signature);

    // The fixed part of the text, from the top; each piece has a line limit so that the
    // flowing part below always keeps some room.
    let customer = fonts.bold.ellipsize(&one_line(&visit.customer_name), CUSTOMER_SIZE, c.w);
    if !customer.is_empty() {
        y = draw_lines(p, &fonts.bold, CUSTOMER_SIZE, TEXT, c.x, y, Align::Left, &[customer]);
        y += mm(1.0);
    }
    let heading = wrap(&fonts.bold, HEADING_SIZE, &one_line(&labels.visit_heading), 2, |_| c.w);
    y = draw_lines(p, &fonts.bold, HEADING_SIZE, ACCENT, c.x, y, Align::Left, &heading);
    let visited = wrap(&fonts.regular, VISITED_SIZE, &one_line(&labels.visited_at), 2, |_| c.w);
    y = draw_lines(p, &fonts.regular, VISITED_SIZE, MUTED, c.x, y, Align::Left, &visited);
    y += mm(1.5);

    // Ticket number in bold, then as much of the title as fits.
    let number = fonts.bold.ellipsize(&one_line(&visit.ticket_number), TICKET_SIZE, c.w);
    let number_w = fonts.bold.width(&number, TICKET_SIZE);
    let title_x = if number.is_empty() { c.x } else { c.x + number_w + mm(2.0) };
    let title_w = c.x + c.w - title_x;
    let title = if title_w > mm(10.0) {
        fonts.regular.ellipsize(&one_line(&visit.ticket_title), TICKET_SIZE, title_w)
    } else {
        String::new()
    };
    if !number.is_empty() || !title.is_empty() {
        let base = baseline(y, TICKET_SIZE);
        p.text(&fonts.bold, TICKET_SIZE, TEXT, c.x, base, Align::Left, &number);
        p.text(&fonts.regular, TICKET_SIZE, MUTED, title_x, base, Align::Left, &title);
        y += line_height(TICKET_SIZE);
    }
    y += mm(2.5);

    // Status, emphasised: a tinted box with an accent bar. Full width if it ends above the QR
    // code's quiet zone, otherwise (only with very long texts above it) beside the QR code.
    let status_text = one_line(&visit.status);
    if !status_text.is_empty() {
        let label_text = one_line(&labels.status_label).to_uppercase();
        let mut status_box = StatusBox::layout(fonts, &label_text, &status_text, c.w);
        if y + status_box.height > qr_top - mm(1.5) {
            status_box = StatusBox::layout(fonts, &label_text, &status_text, left_w);
        }
        status_box.draw(p, fonts, c.x, y);
        y += status_box.height + mm(3.0);
    }

    // Next step and note flow into what is left.
    let flow =
        Flow { full_w: c.w, full_until: qr_top - mm(2.0), narrow_w: left_w, narrow_until: signature_top - mm(2.0) };
    let mut items = Vec::new();
    for (label, text) in [(&labels.next_step_label, &visit.next_step), (&labels.note_label, &visit.note)] {
        let text = text.as_deref().map(paragraphs).unwrap_or_default();
        if !text.is_empty() {
            items.push((one_line(label).to_uppercase(), text));
        }
    }
    for block in plan_blocks(fonts, &flow, y, &items) {
        if block.lines.is_empty() {
            continue;
        }
        let label_w = flow.width_at(y, label_height()).unwrap_or(flow.narrow_w);
        let label = fonts.bold.ellipsize(&block.label, LABEL_SIZE, label_w);
        draw_lines(p, &fonts.bold, LABEL_SIZE, MUTED, c.x, y, Align::Left, &[label]);
        y = draw_lines(p, &fonts.regular, BODY_SIZE, TEXT, c.x, y + label_height(), Align::Left, &block.lines);
        y += mm(BLOCK_GAP);
    }
}

/// The survey card: the one question, a row of faces, a QR code to the survey page and the
/// ticket number for reference.
pub(crate) fn survey_card(p: &mut Painter<'_, '_>, fonts: &Fonts, card: &CardBox, v: &PreparedVisit<'_>) {
    let visit = v.visit;
    let (Some(survey_qr), Some(survey_url)) = (&v.survey_qr, &visit.survey_url) else { return };
    let labels = &visit.labels;
    frame(p, card);
    let c = card.content();
    let centre = c.x + c.w / 2.0;
    let mut y = header(p, fonts, &c, &visit.desk_name, v.logo.as_ref()) + mm(5.0);

    // Bottom up: reference, URL, caption, QR code.
    let reference = fonts.regular.ellipsize(&one_line(&visit.ticket_number), REFERENCE_SIZE, c.w);
    let mut bottom = c.bottom;
    if !reference.is_empty() {
        bottom -= line_height(REFERENCE_SIZE);
        draw_lines(p, &fonts.regular, REFERENCE_SIZE, FAINT, centre, bottom, Align::Centre, &[reference]);
        bottom -= mm(1.0);
    }
    let qr_size = qr_total(survey_qr, SURVEY_QR_SYMBOL).min(c.w);
    let caption_w = (qr_size + mm(10.0)).min(c.w);
    let url = wrap_anywhere(&fonts.regular, URL_SIZE, &one_line(survey_url), 3, caption_w);
    bottom -= url.len() as f32 * line_height(URL_SIZE);
    draw_lines(p, &fonts.regular, URL_SIZE, FAINT, centre, bottom, Align::Centre, &url);
    let caption = wrap(&fonts.bold, CAPTION_SIZE + 1.0, &one_line(&labels.survey_qr_caption), 2, |_| caption_w);
    bottom -= mm(0.6) + caption.len() as f32 * line_height(CAPTION_SIZE + 1.0);
    draw_lines(p, &fonts.bold, CAPTION_SIZE + 1.0, ACCENT, centre, bottom, Align::Centre, &caption);
    let qr_top = bottom - qr_size;
    p.qr(survey_qr, centre - qr_size / 2.0, qr_top, qr_size);

    // Top down: heading and prompt, never reaching the QR code.
    let limit = qr_top - mm(3.0);
    let heading_lines = lines_that_fit(y, limit, SURVEY_HEADING_SIZE).min(3);
    let heading = wrap(&fonts.bold, SURVEY_HEADING_SIZE, &one_line(&labels.survey_heading), heading_lines, |_| c.w);
    y = draw_lines(p, &fonts.bold, SURVEY_HEADING_SIZE, ACCENT, centre, y, Align::Centre, &heading);
    y += mm(1.2);
    let prompt_lines = lines_that_fit(y, limit, PROMPT_SIZE).min(4);
    let prompt = wrap(&fonts.regular, PROMPT_SIZE, &paragraphs(&labels.survey_prompt), prompt_lines, |_| c.w);
    y = draw_lines(p, &fonts.regular, PROMPT_SIZE, MUTED, centre, y, Align::Centre, &prompt);

    // A row of five faces, from unhappy to happy, centred in the space left (decoration only).
    let d = mm(8.0);
    let gap = mm(4.0);
    if limit - y >= d + mm(6.0) {
        let row_w = 5.0 * d + 4.0 * gap;
        let cy = y + (limit - y) / 2.0;
        for i in 0..5 {
            let cx = centre - row_w / 2.0 + d / 2.0 + i as f32 * (d + gap);
            p.face(cx, cy, d, i as f32 / 2.0 - 1.0, ACCENT);
        }
    }
}
