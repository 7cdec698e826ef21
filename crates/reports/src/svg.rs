//! The trend as inline SVG for the HTML email: 95 % band, line with markers, dashed target,
//! axis labels and a legend, in Okabe–Ito colours (colour is never the only cue: the target is
//! dashed, small samples are hollow, the legend names everything).

use std::fmt::Write;

use crate::chart::{Area, Geometry, SMALL_N};
use crate::escape::{html as esc, one_line};
use crate::model::{finite, percent_label, Trend};

/// Okabe–Ito blue: the series.
pub(crate) const LINE: &str = "#0072B2";
/// Okabe–Ito sky blue, light: the band.
pub(crate) const BAND: &str = "#56B4E9";
/// Okabe–Ito vermillion: the target.
pub(crate) const TARGET: &str = "#D55E00";
const TEXT: &str = "#374151";
const GRID: &str = "#e5e7eb";
const AXIS: &str = "#9ca3af";
const FONT: &str = "Arial, Helvetica, sans-serif";
/// Rough average advance of a character at 11 px in a sans-serif font.
const CHAR_W: f64 = 6.2;

/// The chart as an `<svg>` element `width`×`height` pixels (no `xmlns`: inline HTML needs none).
pub(crate) fn trend_svg(trend: &Trend, width: f64, height: f64) -> String {
    let g = Geometry::new(trend, Area { left: 44.0, top: 34.0, right: width - 12.0, bottom: height - 26.0 });
    let title = one_line(&trend.title);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" style="display:block;max-width:100%;height:auto;font-family:{FONT};">"#,
        w = width,
        h = height,
        t = esc(&title)
    );
    let _ = write!(s, "<title>{}</title>", esc(&title));
    let _ = write!(s, r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##);
    legend(&mut s, &g);

    for tick in g.ticks() {
        let y = g.y(tick);
        let colour = if (tick - g.lo).abs() < 1e-9 { AXIS } else { GRID };
        let _ = write!(
            s,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="1"/>"#,
            g.area.left, g.area.right
        );
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11" fill="{TEXT}">{}</text>"#,
            g.area.left - 6.0,
            y + 4.0,
            esc(&percent_label(tick))
        );
    }

    let labels: Vec<String> = trend.points.iter().map(|p| short(&one_line(&p.label), 14)).collect();
    let widest = labels.iter().map(|l| l.chars().count() as f64 * CHAR_W).fold(0.0, f64::max);
    for i in g.shown_labels(widest) {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="{TEXT}">{}</text>"#,
            g.x(i),
            g.area.bottom + 17.0,
            esc(&labels[i])
        );
    }

    for run in g.band_runs() {
        let mut points: Vec<String> = run.iter().map(|(x, high, _)| format!("{x:.1},{high:.1}")).collect();
        points.extend(run.iter().rev().map(|(x, _, low)| format!("{x:.1},{low:.1}")));
        if run.len() == 1 {
            // A lone interval: a short vertical bar.
            let (x, high, low) = run[0];
            let _ = write!(
                s,
                r#"<rect x="{:.1}" y="{high:.1}" width="6" height="{:.1}" fill="{BAND}" fill-opacity="0.35"/>"#,
                x - 3.0,
                (low - high).max(0.5)
            );
            continue;
        }
        let _ = write!(s, r#"<polygon points="{}" fill="{BAND}" fill-opacity="0.35"/>"#, points.join(" "));
    }

    if let (Some(y), Some(target)) = (g.target_y(), finite(trend.target)) {
        let _ = write!(
            s,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/>"#,
            g.area.left, g.area.right
        );
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11" fill="{TARGET}">Target {}</text>"#,
            g.area.right,
            y - 4.0,
            esc(&percent_label(target))
        );
    }

    for run in g.value_runs() {
        if run.len() > 1 {
            let points: Vec<String> = run.iter().map(|(_, x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ =
                write!(s, r#"<polyline points="{}" fill="none" stroke="{LINE}" stroke-width="2"/>"#, points.join(" "));
        }
        for (i, x, y) in run {
            let point = &trend.points[i];
            let fill = if point.n < SMALL_N { "#ffffff" } else { LINE };
            let value = finite(point.value).map(|v| format!("{:.1} %", v * 100.0)).unwrap_or_default();
            let _ = write!(
                s,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{fill}" stroke="{LINE}" stroke-width="1.5"><title>{}: {} (n = {})</title></circle>"#,
                esc(&one_line(&point.label)),
                esc(&value),
                point.n
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn legend(s: &mut String, g: &Geometry<'_>) {
    let mut x = g.area.left;
    let y = 14.0;
    let mut item = |s: &mut String, swatch: String, label: &str, width: f64| {
        s.push_str(
            &swatch
                .replace("{x}", &format!("{x:.1}"))
                .replace("{x2}", &format!("{:.1}", x + 18.0))
                .replace("{xm}", &format!("{:.1}", x + 9.0)),
        );
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="11" fill="{TEXT}">{}</text>"#,
            x + 24.0,
            y + 4.0,
            esc(label)
        );
        x += 24.0 + width;
    };
    let label = short(&one_line(&g.trend.title), 40);
    let label = if label.is_empty() { "Share".to_owned() } else { label };
    let line = format!(r#"<line x1="{{x}}" y1="{y}" x2="{{x2}}" y2="{y}" stroke="{LINE}" stroke-width="2"/>"#);
    item(s, line, &label, label.chars().count() as f64 * CHAR_W + 14.0);
    if !g.band_runs().is_empty() {
        let band =
            format!(r#"<rect x="{{x}}" y="{}" width="18" height="10" fill="{BAND}" fill-opacity="0.35"/>"#, y - 5.0);
        item(s, band, "95 % interval", 100.0);
    }
    if g.target_y().is_some() {
        let target = format!(
            r#"<line x1="{{x}}" y1="{y}" x2="{{x2}}" y2="{y}" stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/>"#
        );
        item(s, target, "Target", 60.0);
    }
    if g.any_small() {
        let hollow =
            format!(r##"<circle cx="{{xm}}" cy="{y}" r="3.5" fill="#ffffff" stroke="{LINE}" stroke-width="1.5"/>"##);
        item(s, hollow, &format!("fewer than {SMALL_N} answers"), 150.0);
    }
}

/// At most `max` characters, with "…" when cut.
pub(crate) fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}
