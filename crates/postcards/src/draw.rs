//! Drawing primitives on a krilla surface: text, rectangles, lines, QR codes, faces.
//!
//! Coordinates are PDF points (1/72 in) from the page's top-left corner, y growing downwards.

use krilla::color::rgb;
use krilla::geom::{Path, PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, LineCap, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::TextDirection;
use qrcode::QrCode;

use crate::text::FontFace;

/// Millimetres to points.
pub(crate) fn mm(value: f32) -> f32 {
    value * 72.0 / 25.4
}

/// The colours of the cards: one accent, greys for text and lines.
#[derive(Clone, Copy)]
pub(crate) struct Colour(u8, u8, u8);

/// Deep teal accent (#0f766e): headings, status, rule under the header.
pub(crate) const ACCENT: Colour = Colour(0x0f, 0x76, 0x6e);
/// Very light teal (#f0fdfa): the status box.
pub(crate) const ACCENT_TINT: Colour = Colour(0xf0, 0xfd, 0xfa);
/// Body text (#1f2937).
pub(crate) const TEXT: Colour = Colour(0x1f, 0x29, 0x37);
/// Secondary text (#4b5563).
pub(crate) const MUTED: Colour = Colour(0x4b, 0x55, 0x63);
/// Small print such as URLs (#6b7280).
pub(crate) const FAINT: Colour = Colour(0x6b, 0x72, 0x80);
/// Hairline card frame (#cbd5e1).
pub(crate) const FRAME: Colour = Colour(0xcb, 0xd5, 0xe1);
/// Dashed cut lines (#9ca3af).
pub(crate) const CUT_LINE: Colour = Colour(0x9c, 0xa3, 0xaf);
/// Cut marks (#374151).
pub(crate) const CUT_MARK: Colour = Colour(0x37, 0x41, 0x51);
/// QR modules.
pub(crate) const BLACK: Colour = Colour(0, 0, 0);
/// QR background.
pub(crate) const WHITE: Colour = Colour(0xff, 0xff, 0xff);

impl Colour {
    fn fill(self) -> Fill {
        Fill { paint: rgb::Color::new(self.0, self.1, self.2).into(), ..Fill::default() }
    }

    fn stroke(self, width: f32, dash: Option<&[f32]>) -> Stroke {
        Stroke {
            paint: rgb::Color::new(self.0, self.1, self.2).into(),
            width,
            line_cap: LineCap::Butt,
            opacity: NormalizedF32::ONE,
            dash: dash.map(|array| StrokeDash { array: array.to_vec(), offset: 0.0 }),
            ..Stroke::default()
        }
    }
}

/// A circle as four cubic Bézier curves.
pub fn circle_path(cx: f32, cy: f32, r: f32) -> Option<Path> {
    let k = r * 0.552_284_8;
    let mut b = PathBuilder::new();
    b.move_to(cx + r, cy);
    b.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    b.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    b.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    b.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    b.close();
    b.finish()
}

/// How a line of text is placed relative to its x coordinate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Centre,
}

/// A thin wrapper over a krilla surface with the few operations the cards need.
pub(crate) struct Painter<'s, 'p> {
    surface: &'s mut Surface<'p>,
}

impl<'s, 'p> Painter<'s, 'p> {
    pub(crate) fn new(surface: &'s mut Surface<'p>) -> Self {
        Painter { surface }
    }

    /// Draws one line of text with its baseline at `baseline`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text(
        &mut self,
        face: &FontFace,
        size: f32,
        colour: Colour,
        x: f32,
        baseline: f32,
        align: Align,
        text: &str,
    ) {
        if text.is_empty() {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Centre => x - face.width(text, size) / 2.0,
        };
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(colour.fill()));
        self.surface.draw_text(Point::from_xy(x, baseline), face.font.clone(), size, text, false, TextDirection::Auto);
    }

    fn fill_path(&mut self, path: &Path, colour: Colour) {
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(colour.fill()));
        self.surface.draw_path(path);
    }

    fn stroke_path(&mut self, path: &Path, colour: Colour, width: f32, dash: Option<&[f32]>) {
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(colour.stroke(width, dash)));
        self.surface.draw_path(path);
    }

    /// Fills an axis-aligned rectangle.
    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Colour) {
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            let mut builder = PathBuilder::new();
            builder.push_rect(rect);
            if let Some(path) = builder.finish() {
                self.fill_path(&path, colour);
            }
        }
    }

    /// Strokes a rounded rectangle.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rounded_frame(&mut self, x: f32, y: f32, w: f32, h: f32, radius: f32, colour: Colour, width: f32) {
        let r = radius.min(w / 2.0).min(h / 2.0).max(0.0);
        let k = r * 0.552_284_8; // control point distance for a quarter circle
        let mut b = PathBuilder::new();
        b.move_to(x + r, y);
        b.line_to(x + w - r, y);
        b.cubic_to(x + w - r + k, y, x + w, y + r - k, x + w, y + r);
        b.line_to(x + w, y + h - r);
        b.cubic_to(x + w, y + h - r + k, x + w - r + k, y + h, x + w - r, y + h);
        b.line_to(x + r, y + h);
        b.cubic_to(x + r - k, y + h, x, y + h - r + k, x, y + h - r);
        b.line_to(x, y + r);
        b.cubic_to(x, y + r - k, x + r - k, y, x + r, y);
        b.close();
        if let Some(path) = b.finish() {
            self.stroke_path(&path, colour, width, None);
        }
    }

    /// Strokes a straight line, optionally dashed (`dash` in points: on, off, …).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn line(
        &mut self,
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        colour: Colour,
        width: f32,
        dash: Option<&[f32]>,
    ) {
        let mut b = PathBuilder::new();
        b.move_to(x1, y1);
        b.line_to(x2, y2);
        if let Some(path) = b.finish() {
            self.stroke_path(&path, colour, width, dash);
        }
    }

    /// Draws a raster image scaled to `w`×`h` with its top-left corner at (`x`, `y`).
    pub(crate) fn image(&mut self, image: &Image, x: f32, y: f32, w: f32, h: f32) {
        if let Some(size) = Size::from_wh(w, h) {
            self.surface.push_transform(&Transform::from_translate(x, y));
            self.surface.draw_image(image.clone(), size);
            self.surface.pop();
        }
    }

    /// Draws `code` as vector squares in a `size`×`size` square at (`x`, `y`), including a
    /// white quiet zone of four modules on every side.
    pub(crate) fn qr(&mut self, code: &QrCode, x: f32, y: f32, size: f32) {
        let n = code.width();
        let module = size / (n + 8) as f32;
        self.rect(x, y, size, size, WHITE);
        let colours = code.to_colors();
        let mut b = PathBuilder::new();
        // Horizontal runs of dark modules become one rectangle each; every rectangle reaches a
        // hair into the row below so that viewers' anti-aliasing shows no seams between rows.
        let overlap = if n > 0 { module * 0.04 } else { 0.0 };
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colours[row * n + col] != qrcode::Color::Dark {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && colours[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                let extra = if row + 1 < n { overlap } else { 0.0 };
                if let Some(rect) = Rect::from_xywh(
                    x + (start + 4) as f32 * module,
                    y + (row + 4) as f32 * module,
                    (col - start) as f32 * module,
                    module + extra,
                ) {
                    b.push_rect(rect);
                }
            }
        }
        if let Some(path) = b.finish() {
            self.fill_path(&path, BLACK);
        }
    }

    /// A simple line-drawn face in a circle of diameter `d` centred at (`cx`, `cy`);
    /// `mood` runs from -1 (unhappy) through 0 (neutral) to 1 (happy).
    pub(crate) fn face(&mut self, cx: f32, cy: f32, d: f32, mood: f32, colour: Colour) {
        let r = d / 2.0;
        let line = (d * 0.06).max(0.6);
        if let Some(path) = circle_path(cx, cy, r) {
            self.stroke_path(&path, colour, line, None);
        }
        // Eyes: two small dots.
        for dx in [-0.33, 0.33] {
            if let Some(path) = circle_path(cx + dx * r, cy - 0.22 * r, r * 0.1) {
                self.fill_path(&path, colour);
            }
        }
        // Mouth: a quadratic curve that bends up for happy and down for unhappy.
        let mouth_y = cy + 0.32 * r - mood * 0.08 * r;
        let mut mouth = PathBuilder::new();
        mouth.move_to(cx - 0.4 * r, mouth_y);
        mouth.quad_to(cx, mouth_y + mood * 0.42 * r, cx + 0.4 * r, mouth_y);
        if let Some(path) = mouth.finish() {
            self.surface.set_fill(None);
            let mut stroke = colour.stroke(line, None);
            stroke.line_cap = LineCap::Round;
            self.surface.set_stroke(Some(stroke));
            self.surface.draw_path(&path);
        }
    }
}
