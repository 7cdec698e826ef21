//! A display list per page, painted onto krilla surfaces once the page count is known (the
//! footer says "page N of M").
//!
//! Coordinates are PDF points from the page's top-left corner, y growing downwards.

use krilla::color::rgb;
use krilla::geom::{Path, PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, LineCap, LineJoin, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::TextDirection;
use rapport_postcards::circle_path;
use rapport_postcards::text::{FontFace, Fonts};

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub(crate) u8, pub(crate) u8, pub(crate) u8);

/// Body text (#1f2937).
pub(crate) const TEXT: Rgb = Rgb(0x1f, 0x29, 0x37);
/// Secondary text (#4b5563).
pub(crate) const MUTED: Rgb = Rgb(0x4b, 0x55, 0x63);
/// Headings and rules (#0f766e).
pub(crate) const ACCENT: Rgb = Rgb(0x0f, 0x76, 0x6e);
/// Hairlines (#d1d5db).
pub(crate) const RULE: Rgb = Rgb(0xd1, 0xd5, 0xdb);
/// Table header and headline boxes (#f3f4f6).
pub(crate) const TINT: Rgb = Rgb(0xf3, 0xf4, 0xf6);
/// Every other table row (#f9fafb).
pub(crate) const STRIPE: Rgb = Rgb(0xf9, 0xfa, 0xfb);
pub(crate) const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
/// Okabe–Ito blue: the trend line.
pub(crate) const BLUE: Rgb = Rgb(0x00, 0x72, 0xb2);
/// Okabe–Ito sky blue at 35 % on white: the interval band (opaque, so it prints evenly).
pub(crate) const BAND: Rgb = Rgb(0xc4, 0xe5, 0xf7);
/// Okabe–Ito sky blue: the bar beside quotes.
pub(crate) const SKY: Rgb = Rgb(0x56, 0xb4, 0xe9);
/// Okabe–Ito vermillion: the target.
pub(crate) const VERMILLION: Rgb = Rgb(0xd5, 0x5e, 0x00);

/// Which of the two embedded fonts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One drawing operation.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Text {
        weight: Weight,
        size: f32,
        colour: Rgb,
        x: f32,
        baseline: f32,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: Rgb,
    },
    /// An open polyline; `dash` is (on, off) in points.
    Polyline {
        points: Vec<(f32, f32)>,
        colour: Rgb,
        width: f32,
        dash: Option<(f32, f32)>,
    },
    Polygon {
        points: Vec<(f32, f32)>,
        colour: Rgb,
    },
    Circle {
        cx: f32,
        cy: f32,
        r: f32,
        fill: Rgb,
        stroke: Rgb,
        width: f32,
    },
}

pub(crate) fn face(fonts: &Fonts, weight: Weight) -> &FontFace {
    match weight {
        Weight::Regular => &fonts.regular,
        Weight::Bold => &fonts.bold,
    }
}

fn paint(colour: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(colour.0, colour.1, colour.2).into()
}

/// Paints one page's operations.
pub(crate) fn paint_page(surface: &mut Surface<'_>, fonts: &Fonts, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Text { weight, size, colour, x, baseline, text } => {
                if text.is_empty() {
                    continue;
                }
                surface.set_stroke(None);
                surface.set_fill(Some(Fill { paint: paint(*colour), ..Fill::default() }));
                let font = face(fonts, *weight).font.clone();
                surface.draw_text(Point::from_xy(*x, *baseline), font, *size, text, false, TextDirection::Auto);
            }
            Op::Rect { x, y, w, h, colour } => {
                let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else { continue };
                let mut builder = PathBuilder::new();
                builder.push_rect(rect);
                fill(surface, builder.finish(), *colour);
            }
            Op::Polyline { points, colour, width, dash } => {
                let stroke = Stroke {
                    paint: paint(*colour),
                    width: *width,
                    line_cap: LineCap::Butt,
                    line_join: LineJoin::Round,
                    opacity: NormalizedF32::ONE,
                    dash: dash.map(|(on, off)| StrokeDash { array: vec![on, off], offset: 0.0 }),
                    ..Stroke::default()
                };
                if let Some(path) = poly_path(points, false) {
                    surface.set_fill(None);
                    surface.set_stroke(Some(stroke));
                    surface.draw_path(&path);
                }
            }
            Op::Polygon { points, colour } => fill(surface, poly_path(points, true), *colour),
            Op::Circle { cx, cy, r, fill: inside, stroke, width } => {
                let Some(path) = circle_path(*cx, *cy, *r) else { continue };
                surface.set_fill(Some(Fill { paint: paint(*inside), ..Fill::default() }));
                surface.set_stroke(Some(Stroke { paint: paint(*stroke), width: *width, ..Stroke::default() }));
                surface.draw_path(&path);
            }
        }
    }
}

fn fill(surface: &mut Surface<'_>, path: Option<Path>, colour: Rgb) {
    if let Some(path) = path {
        surface.set_stroke(None);
        surface.set_fill(Some(Fill { paint: paint(colour), ..Fill::default() }));
        surface.draw_path(&path);
    }
}

fn poly_path(points: &[(f32, f32)], close: bool) -> Option<Path> {
    let ((x0, y0), rest) = points.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let mut builder = PathBuilder::new();
    builder.move_to(*x0, *y0);
    for (x, y) in rest {
        builder.line_to(*x, *y);
    }
    if close {
        builder.close();
    }
    builder.finish()
}
