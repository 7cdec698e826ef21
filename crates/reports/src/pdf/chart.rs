//! The trend chart drawn as vector paths: grid and y labels, 95 % band, dashed target, the
//! line with markers (hollow for small samples), x labels and a legend.

use rapport_postcards::text::line_height;

use super::canvas::{Op, Rgb, Weight, BAND, BLUE, MUTED, RULE, TEXT, VERMILLION, WHITE};
use super::layout::{Flow, MARGIN};
use crate::chart::{Area, Geometry, SMALL_N};
use crate::escape::one_line;
use crate::model::{finite, percent_label, Trend};

const HEIGHT: f32 = 190.0;
const LABEL: f32 = 7.5;

pub(crate) fn trend(flow: &mut Flow<'_>, trend: &Trend) {
    let title = one_line(&trend.title);
    flow.heading(if title.is_empty() { "Trend" } else { &title }, HEIGHT + 20.0);
    let top = flow.y;
    let legend_h = legend(flow, trend, top);
    let tick_w = flow.measure(Weight::Regular, LABEL, "100 %");
    let area = Area {
        left: f64::from(MARGIN + tick_w + 6.0),
        top: f64::from(top + legend_h + 8.0),
        right: f64::from(MARGIN + flow.width() - 4.0),
        bottom: f64::from(top + HEIGHT - 16.0),
    };
    let g = Geometry::new(trend, area);
    let pt = |v: f64| v as f32;

    for tick in g.ticks() {
        let y = pt(g.y(tick));
        let colour = if (tick - g.lo).abs() < 1e-9 { MUTED } else { RULE };
        let width = if colour == MUTED { 0.6 } else { 0.4 };
        flow.push(Op::Polyline { points: vec![(pt(area.left), y), (pt(area.right), y)], colour, width, dash: None });
        let label = percent_label(tick);
        let x = pt(area.left) - 5.0 - flow.measure(Weight::Regular, LABEL, &label);
        flow.text(Weight::Regular, LABEL, MUTED, x, y - LABEL * 0.68, label);
    }

    for run in g.band_runs() {
        if let [(x, high, low)] = run[..] {
            let (x, high, low) = (pt(x), pt(high), pt(low));
            flow.push(Op::Rect { x: x - 2.5, y: high, w: 5.0, h: (low - high).max(0.5), colour: BAND });
            continue;
        }
        let mut points: Vec<(f32, f32)> = run.iter().map(|(x, high, _)| (pt(*x), pt(*high))).collect();
        points.extend(run.iter().rev().map(|(x, _, low)| (pt(*x), pt(*low))));
        flow.push(Op::Polygon { points, colour: BAND });
    }

    if let (Some(y), Some(target)) = (g.target_y(), finite(trend.target)) {
        let y = pt(y);
        flow.push(Op::Polyline {
            points: vec![(pt(area.left), y), (pt(area.right), y)],
            colour: VERMILLION,
            width: 1.0,
            dash: Some((4.0, 3.0)),
        });
        let label = format!("Target {}", percent_label(target));
        let x = pt(area.right) - flow.measure(Weight::Regular, LABEL, &label);
        flow.text(Weight::Regular, LABEL, VERMILLION, x, y - line_height(LABEL) - 1.0, label);
    }

    for run in g.value_runs() {
        let points: Vec<(f32, f32)> = run.iter().map(|(_, x, y)| (pt(*x), pt(*y))).collect();
        if points.len() > 1 {
            flow.push(Op::Polyline { points, colour: BLUE, width: 1.6, dash: None });
        }
        for (i, x, y) in run {
            let fill = if trend.points[i].n < SMALL_N { WHITE } else { BLUE };
            flow.push(Op::Circle { cx: pt(x), cy: pt(y), r: 2.3, fill, stroke: BLUE, width: 1.0 });
        }
    }

    let labels: Vec<String> =
        trend.points.iter().map(|p| flow.ellipsize(Weight::Regular, LABEL, &one_line(&p.label), 70.0)).collect();
    let widest = labels.iter().map(|l| flow.measure(Weight::Regular, LABEL, l)).fold(0.0, f32::max);
    for i in g.shown_labels(f64::from(widest)) {
        let w = flow.measure(Weight::Regular, LABEL, &labels[i]);
        let x = (pt(g.x(i)) - w / 2.0).clamp(MARGIN, MARGIN + flow.width() - w);
        flow.text(Weight::Regular, LABEL, TEXT, x, pt(area.bottom) + 4.0, labels[i].clone());
    }
    flow.y = top + HEIGHT + 4.0;

    if let Some(last) = trend.points.last() {
        flow.note(&format!("Latest: {}", one_line(&last.summary())));
    }
}

enum Swatch {
    Line(Rgb, Option<(f32, f32)>),
    Band,
    Hollow,
}

/// The legend in one row at `top`; returns its height.
fn legend(flow: &mut Flow<'_>, trend: &Trend, top: f32) -> f32 {
    let mid = top + 5.0;
    let title = one_line(&trend.title);
    let title = if title.is_empty() { "Share".to_owned() } else { title };
    let mut items = vec![(Swatch::Line(BLUE, None), title)];
    if trend.points.iter().any(|p| finite(p.low).is_some() && finite(p.high).is_some()) {
        items.push((Swatch::Band, "95 % interval".to_owned()));
    }
    if finite(trend.target).is_some() {
        items.push((Swatch::Line(VERMILLION, Some((4.0, 3.0))), "Target".to_owned()));
    }
    if trend.points.iter().any(|p| finite(p.value).is_some() && p.n < SMALL_N) {
        items.push((Swatch::Hollow, format!("fewer than {SMALL_N} answers")));
    }
    let mut x = MARGIN;
    for (swatch, label) in items {
        flow.push(match swatch {
            Swatch::Line(colour, dash) => {
                Op::Polyline { points: vec![(x, mid), (x + 15.0, mid)], colour, width: 1.6, dash }
            }
            Swatch::Band => Op::Rect { x, y: mid - 4.0, w: 15.0, h: 8.0, colour: BAND },
            Swatch::Hollow => Op::Circle { cx: x + 7.5, cy: mid, r: 2.3, fill: WHITE, stroke: BLUE, width: 1.0 },
        });
        let label = flow.ellipsize(Weight::Regular, LABEL, &label, 150.0);
        let w = flow.measure(Weight::Regular, LABEL, &label);
        flow.text(Weight::Regular, LABEL, TEXT, x + 20.0, mid - LABEL * 0.68, label);
        x += 20.0 + w + 14.0;
    }
    12.0
}
