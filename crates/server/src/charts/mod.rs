//! Charts rendered on the server as standalone SVG (no JavaScript): trend lines with
//! confidence bands, horizontal bar charts and tiny sparklines, for dashboards, printed
//! reports and emails.
//!
//! Every function is pure and deterministic: the same input gives the same string, byte for
//! byte (coordinates use one fixed decimal, ids are a hash of the content). The output is
//! valid XML on its own, so it works inline in HTML, as `<img src="data:…">` (see
//! [`data_uri`]) and in PDF renderers. All caller text is escaped, and characters that XML
//! 1.0 forbids are dropped.
//!
//! Accessibility: the root is `role="img"` with `aria-labelledby` pointing at its `<title>`
//! and a generated `<desc>` that states the data in words; colours come from the
//! Okabe–Ito palette and are never the only cue (dashes, hollow markers, legend text).
//!
//! Values outside the y range are clamped to the edge of the plot area (tooltips and the
//! description keep the real value); non-finite numbers count as "no data".
//!
//! Note for emails: several webmail clients (Gmail, Outlook) do not display SVG images at
//! all; mails should link to the page or carry a raster copy.

use std::borrow::Cow;
use std::fmt::{self, Write};

#[cfg(test)]
mod tests;

/// The Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
pub mod palette {
    pub const BLUE: &str = "#0072B2";
    pub const ORANGE: &str = "#E69F00";
    pub const GREEN: &str = "#009E73";
    pub const VERMILLION: &str = "#D55E00";
    pub const PURPLE: &str = "#CC79A7";
    pub const SKY: &str = "#56B4E9";
    pub const YELLOW: &str = "#F0E442";
    pub const BLACK: &str = "#000000";
}

const FONT_FAMILY: &str = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif";
const TEXT: &str = "#1f2933";
const GRID: &str = "#e4e7eb";
const AXIS: &str = "#9aa5b1";
/// The previous period: a neutral grey (4.5:1 on white), dashed.
const PREVIOUS: &str = "#767676";
const BACKGROUND: &str = "#ffffff";
const CURRENT: &str = palette::BLUE;
const TARGET: &str = palette::VERMILLION;
const FONT_SIZE: f64 = 12.0;
const TITLE_SIZE: f64 = 14.0;
const CHAR_EM: f64 = 0.62;
/// Points with fewer answers than this get a hollow marker.
pub const SMALL_N: u64 = 30;
/// At most this many x-axis labels are shown (always the first and the last).
pub const MAX_X_LABELS: usize = 12;
const MAX_X_LABEL_WIDTH: f64 = 120.0;
const HOLLOW_NOTE: &str = "hollow: fewer than 30 answers";

/// How values are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Values are fractions 0..1, shown as percentages ("87 %").
    Percent,
    /// Signed points such as NPS (−100..100), shown with a sign ("+12", "−3").
    Points,
    /// Plain numbers (e.g. an average score), decimals chosen from the range.
    Plain,
}

/// One point of a time series: a label (e.g. "2026-W14", "Oct 2026"), the value (None = no
/// data), its 95 % interval, and n.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub n: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrendChart {
    pub title: String,
    pub unit: Unit,
    /// The visible value range, e.g. (0.0, 1.0) for CSAT fractions, (-100.0, 100.0) for NPS.
    pub y_range: (f64, f64),
    /// Drawn as a line with markers and a shaded interval band (low..high), with gaps where
    /// the value is None.
    pub current: Series,
    /// The previous period, dashed and without band; aligned with `current` by index (points
    /// beyond the length of `current` are ignored).
    pub previous: Option<Series>,
    /// A horizontal target line and its label, e.g. (0.9, "Target 90 %"); ignored when not finite.
    pub target: Option<(f64, String)>,
    /// The viewBox size.
    pub width: u32,
    pub height: u32,
}

impl TrendChart {
    /// A chart of `current` alone, 720×280.
    pub fn new(title: impl Into<String>, unit: Unit, y_range: (f64, f64), current: Series) -> Self {
        TrendChart {
            title: title.into(),
            unit,
            y_range,
            current,
            previous: None,
            target: None,
            width: 720,
            height: 280,
        }
    }
}

/// One horizontal bar, e.g. a score of the 1–5 distribution or an NPS group.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    /// The length; negative and non-finite values are drawn as 0.
    pub value: f64,
    /// Shown right of the bar, e.g. "34 (12 %)"; when empty the value is shown.
    pub note: String,
    /// Defaults to Okabe–Ito blue.
    pub colour: Option<&'static str>,
}

/// A line chart of one series over time (see [`TrendChart`]).
pub fn trend_chart(chart: &TrendChart) -> String {
    let w = f64::from(chart.width.max(160));
    let h = f64::from(chart.height.max(120));
    let scale = Scale::new(chart.y_range);
    let unit = chart.unit;
    let points = &chart.current.points;
    let count = points.len();
    let previous = chart.previous.as_ref();
    let previous_points: &[Point] = previous.map(|p| &p.points[..p.points.len().min(count)]).unwrap_or(&[]);
    let current_name = non_empty(&chart.current.name, "Current period");
    let previous_name = previous.map(|p| non_empty(&p.name, "Previous period"));
    let target = chart.target.as_ref().filter(|(v, _)| v.is_finite());
    let any_band = points.iter().any(|p| band_of(p).is_some());
    let any_value = points.iter().any(|p| value_of(p).is_some());
    let any_small = points.iter().any(|p| value_of(p).is_some() && p.n < SMALL_N);

    // Legend: what is drawn, in the order it matters.
    let mut legend = vec![(Swatch::Line { colour: CURRENT, dash: None, marker: true }, current_name.to_string())];
    if any_band {
        legend.push((Swatch::Band, "95 % CI".to_string()));
    }
    if let Some(name) = previous_name {
        legend.push((Swatch::Line { colour: PREVIOUS, dash: Some("6 4"), marker: false }, name.to_string()));
    }
    if let Some((_, label)) = target {
        legend.push((Swatch::Line { colour: TARGET, dash: None, marker: false }, non_empty(label, "Target").into()));
    }
    if any_small {
        legend.push((Swatch::Hollow, HOLLOW_NOTE.to_string()));
    }
    let (legend_svg, legend_bottom) = render_legend(&legend, 44.0, w);

    // Plot area.
    let ticks: Vec<f64> = (0..5).map(|i| scale.min + scale.span() * f64::from(i) / 4.0).collect();
    let tick_decimals = decimals_for_step(scale.span() / 4.0 * unit.factor());
    let tick_labels: Vec<String> = ticks.iter().map(|&t| trim_zeros(&unit.format(t, tick_decimals))).collect();
    let value_decimals = unit.value_decimals(scale.span());
    let tick_w = tick_labels.iter().map(|l| text_width(l, FONT_SIZE)).fold(0.0, f64::max);
    // Long x labels are shortened (the tooltips keep them whole).
    let x_labels: Vec<Cow<'_, str>> = points.iter().map(|p| truncate(&p.label, MAX_X_LABEL_WIDTH, FONT_SIZE)).collect();
    let x_label_w = x_labels.iter().map(|l| text_width(l, FONT_SIZE)).fold(0.0, f64::max);
    let first_half = x_labels.first().map_or(0.0, |l| text_width(l, FONT_SIZE) / 2.0);
    let last_half = x_labels.last().map_or(0.0, |l| text_width(l, FONT_SIZE) / 2.0);
    let x_pad = 12.0;
    let left = (12.0 + tick_w + 8.0).max(12.0 + first_half - x_pad);
    // The target is labelled directly in a right margin when the chart is wide enough (the
    // legend names it in any case).
    let target_label = target
        .filter(|_| w >= 400.0)
        .map(|(_, label)| truncate(non_empty(label, "Target"), w * 0.2, FONT_SIZE).into_owned());
    let label_room = target_label.as_ref().map_or(0.0, |l| text_width(l, FONT_SIZE) + 12.0);
    let right = w - (16.0_f64).max(last_half - x_pad + 8.0).max(label_room);
    let top = legend_bottom + 16.0;
    let bottom = (h - 34.0).max(top + 20.0);
    let plot = Plot { left, right: right.max(left + 20.0), top, bottom, x_pad, count, scale };

    let mut body = String::new();
    let _ = writeln!(body, r#"<rect width="{}" height="{}" fill="{BACKGROUND}"/>"#, F(w), F(h));

    // Gridlines and y ticks; the bottom one is the axis.
    for (k, (t, label)) in ticks.iter().zip(&tick_labels).enumerate() {
        let y = plot.y(*t);
        let (class, colour) = if k == 0 { ("grid axis", AXIS) } else { ("grid", GRID) };
        let _ = writeln!(
            body,
            r#"<line class="{class}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="1"/>"#,
            F(plot.left),
            F(y),
            F(plot.right),
            F(y)
        );
        let _ = writeln!(
            body,
            r#"<text class="y-label" x="{}" y="{}" text-anchor="end" font-size="{FONT_SIZE}" fill="{TEXT}">{}</text>"#,
            F(plot.left - 8.0),
            F(y + 4.0),
            Esc(label)
        );
    }

    // A zero line when the range has both signs (e.g. NPS).
    if scale.min < 0.0 && scale.max > 0.0 {
        let y = plot.y(0.0);
        let _ = writeln!(
            body,
            r#"<line class="zero" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{AXIS}" stroke-width="1"/>"#,
            F(plot.left),
            F(y),
            F(plot.right),
            F(y)
        );
    }

    // X labels, thinned.
    for i in thin_labels(count, plot.x_step(), x_label_w) {
        let x = plot.x(i);
        let _ = writeln!(
            body,
            r#"<line class="x-tick" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{AXIS}" stroke-width="1"/>"#,
            F(x),
            F(plot.bottom),
            F(x),
            F(plot.bottom + 5.0)
        );
        let _ = writeln!(
            body,
            r#"<text class="x-label" x="{}" y="{}" text-anchor="middle" font-size="{FONT_SIZE}" fill="{TEXT}">{}</text>"#,
            F(x),
            F(plot.bottom + 20.0),
            Esc(&x_labels[i])
        );
    }

    // Target line (under the data).
    if let Some((target, _)) = target {
        let y = plot.y(*target);
        let _ = writeln!(
            body,
            r#"<line class="target" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{TARGET}" stroke-width="1.5"/>"#,
            F(plot.left),
            F(y),
            F(plot.right),
            F(y)
        );
    }

    // Interval band: one polygon per run of points that have both ends.
    for (a, b) in runs(points, |p| band_of(p).is_some()) {
        let mut coords = Vec::new();
        if a == b {
            let (low, high) = band_of(&points[a]).unwrap_or_default();
            let x = plot.x(a);
            coords.extend([
                (x - 4.0, plot.y(high)),
                (x + 4.0, plot.y(high)),
                (x + 4.0, plot.y(low)),
                (x - 4.0, plot.y(low)),
            ]);
        } else {
            coords.extend((a..=b).map(|i| (plot.x(i), plot.y(band_of(&points[i]).unwrap_or_default().1))));
            coords.extend((a..=b).rev().map(|i| (plot.x(i), plot.y(band_of(&points[i]).unwrap_or_default().0))));
        }
        let _ = write!(body, r#"<polygon class="band" points=""#);
        for (k, (x, y)) in coords.iter().enumerate() {
            let _ = write!(body, "{}{},{}", if k == 0 { "" } else { " " }, F(*x), F(*y));
        }
        let _ = writeln!(body, r#"" fill="{CURRENT}" fill-opacity="0.2" stroke="none"/>"#);
    }

    // Previous period: dashed, small dots carrying tooltips.
    if let Some(name) = previous_name {
        for (a, b) in runs(previous_points, |p| value_of(p).is_some()).filter(|(a, b)| b > a) {
            let d = path_d((a..=b).map(|i| (plot.x(i), plot.y(value_of(&previous_points[i]).unwrap_or_default()))));
            let _ = writeln!(
                body,
                r#"<path class="line previous" d="{d}" fill="none" stroke="{PREVIOUS}" stroke-width="1.5" stroke-dasharray="6 4" stroke-linejoin="round"/>"#
            );
        }
        for (i, p) in previous_points.iter().enumerate() {
            let Some(v) = value_of(p) else { continue };
            let _ = writeln!(
                body,
                r#"<circle class="dot previous" cx="{}" cy="{}" r="2" fill="{PREVIOUS}"><title>{}: {}</title></circle>"#,
                F(plot.x(i)),
                F(plot.y(v)),
                Esc(name),
                Esc(&tooltip(p, unit, value_decimals))
            );
        }
    }

    // Current period: solid line with gaps, then markers on top.
    for (a, b) in runs(points, |p| value_of(p).is_some()).filter(|(a, b)| b > a) {
        let d = path_d((a..=b).map(|i| (plot.x(i), plot.y(value_of(&points[i]).unwrap_or_default()))));
        let _ = writeln!(
            body,
            r#"<path class="line current" d="{d}" fill="none" stroke="{CURRENT}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>"#
        );
    }
    let radius = if plot.x_step() >= 10.0 || count < 2 { 3.5 } else { (plot.x_step() / 3.0).clamp(1.5, 3.5) };
    for (i, p) in points.iter().enumerate() {
        let Some(v) = value_of(p) else { continue };
        let (class, fill, stroke) =
            if p.n < SMALL_N { ("marker hollow", BACKGROUND, CURRENT) } else { ("marker", CURRENT, BACKGROUND) };
        let _ = writeln!(
            body,
            r#"<circle class="{class}" cx="{}" cy="{}" r="{}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"><title>{}</title></circle>"#,
            F(plot.x(i)),
            F(plot.y(v)),
            F(radius),
            Esc(&tooltip(p, unit, value_decimals))
        );
    }

    // Target label: right of the plot, level with its line, clear of the data.
    if let (Some((target, _)), Some(label)) = (target, &target_label) {
        let _ = writeln!(
            body,
            r#"<text class="target-label" x="{}" y="{}" font-size="{FONT_SIZE}" fill="{TEXT}">{}</text>"#,
            F(plot.right + 6.0),
            F(plot.y(*target) + 4.0),
            Esc(label)
        );
    }

    if !any_value {
        let _ = writeln!(
            body,
            r#"<text class="no-data" x="{}" y="{}" text-anchor="middle" font-size="13" fill="{TEXT}">No data</text>"#,
            F((plot.left + plot.right) / 2.0),
            F((plot.top + plot.bottom) / 2.0 + 4.0)
        );
    }

    body.push_str(&legend_svg);
    write_heading(&mut body, &chart.title, w);

    let desc = trend_desc(chart, current_name, previous_name, value_decimals);
    document(w, h, &chart.title, &desc, &body)
}

/// Horizontal bars with their labels on the left and notes on the right, e.g. the
/// distribution of scores (1–5 with counts) or the NPS groups. The height follows from the
/// number of bars.
pub fn bar_chart(title: &str, bars: &[Bar], width: u32) -> String {
    let w = f64::from(width.max(200));
    let pitch = 26.0;
    let thickness = 18.0;
    let first = 38.0;
    let h = if bars.is_empty() { 80.0 } else { first + pitch * bars.len() as f64 + 4.0 };
    let notes: Vec<String> = bars
        .iter()
        .map(|b| {
            if b.note.is_empty() {
                format_plain(length_of(b), if length_of(b).fract() == 0.0 { 0 } else { plain_decimals(length_of(b)) })
            } else {
                b.note.clone()
            }
        })
        .collect();
    let label_w = bars.iter().map(|b| text_width(&b.label, FONT_SIZE)).fold(0.0, f64::max).min(w * 0.35);
    let note_w = notes.iter().map(|n| text_width(n, FONT_SIZE)).fold(0.0, f64::max).min(w * 0.3);
    let bar_left = 12.0 + label_w + 8.0;
    let bar_room = (w - 12.0 - note_w - 6.0 - bar_left).max(20.0);
    let max = bars.iter().map(length_of).fold(0.0, f64::max);

    let mut body = String::new();
    let _ = writeln!(body, r#"<rect width="{}" height="{}" fill="{BACKGROUND}"/>"#, F(w), F(h));
    for (i, (bar, note)) in bars.iter().zip(&notes).enumerate() {
        let y = first + pitch * i as f64;
        let v = length_of(bar);
        let len = if max > 0.0 && v > 0.0 { (v / max * bar_room).max(1.0) } else { 0.0 };
        let colour = bar.colour.unwrap_or(CURRENT);
        let _ = writeln!(
            body,
            r#"<text class="bar-label" x="{}" y="{}" text-anchor="end" font-size="{FONT_SIZE}" fill="{TEXT}">{}</text>"#,
            F(bar_left - 8.0),
            F(y + thickness / 2.0 + 4.0),
            Esc(&truncate(&bar.label, label_w, FONT_SIZE))
        );
        let _ = writeln!(
            body,
            r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"><title>{}: {}</title></rect>"#,
            F(bar_left),
            F(y),
            F(len),
            F(thickness),
            Esc(colour),
            Esc(&bar.label),
            Esc(note)
        );
        let _ = writeln!(
            body,
            r#"<text class="bar-note" x="{}" y="{}" font-size="{FONT_SIZE}" fill="{TEXT}">{}</text>"#,
            F(bar_left + len + 6.0),
            F(y + thickness / 2.0 + 4.0),
            Esc(&truncate(note, note_w, FONT_SIZE))
        );
    }
    if bars.is_empty() {
        let _ = writeln!(
            body,
            r#"<text class="no-data" x="{}" y="58" text-anchor="middle" font-size="13" fill="{TEXT}">No data</text>"#,
            F(w / 2.0)
        );
    } else {
        let _ = writeln!(
            body,
            r#"<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{AXIS}" stroke-width="1"/>"#,
            F(bar_left),
            F(first - 4.0),
            F(bar_left),
            F(h - 6.0)
        );
    }
    write_heading(&mut body, title, w);

    let mut desc = format!("Bar chart with {} bars", bars.len());
    for (k, (bar, note)) in bars.iter().zip(&notes).enumerate() {
        let _ = write!(desc, "{}{}: {}", if k == 0 { ": " } else { "; " }, bar.label, note);
    }
    desc.push('.');
    document(w, h, title, &desc, &body)
}

/// A tiny inline trend for tables (e.g. 80×20): the line with gaps, the optional band and a
/// dot on the latest value (hollow when n < 30). No text; values are plain numbers in the
/// description. See [`sparkline_with`] for a unit and a title.
pub fn sparkline(points: &[Point], y_range: (f64, f64), width: u32, height: u32) -> String {
    sparkline_with(points, y_range, width, height, Unit::Plain, "Trend")
}

/// [`sparkline`] with the unit used in the tooltip and description, and a title.
pub fn sparkline_with(
    points: &[Point],
    y_range: (f64, f64),
    width: u32,
    height: u32,
    unit: Unit,
    title: &str,
) -> String {
    let w = f64::from(width.max(8));
    let h = f64::from(height.max(6));
    let scale = Scale::new(y_range);
    let pad = 2.5_f64.min(h / 4.0);
    let plot = Plot { left: 0.0, right: w, top: pad, bottom: h - pad, x_pad: pad, count: points.len(), scale };
    let decimals = unit.value_decimals(scale.span());

    let mut body = String::new();
    for (a, b) in runs(points, |p| band_of(p).is_some()) {
        let (a_x, b_x) = if a == b { (plot.x(a) - 1.5, plot.x(a) + 1.5) } else { (plot.x(a), plot.x(b)) };
        let mut coords: Vec<(f64, f64)> = Vec::new();
        if a == b {
            let (low, high) = band_of(&points[a]).unwrap_or_default();
            coords.extend([(a_x, plot.y(high)), (b_x, plot.y(high)), (b_x, plot.y(low)), (a_x, plot.y(low))]);
        } else {
            coords.extend((a..=b).map(|i| (plot.x(i), plot.y(band_of(&points[i]).unwrap_or_default().1))));
            coords.extend((a..=b).rev().map(|i| (plot.x(i), plot.y(band_of(&points[i]).unwrap_or_default().0))));
        }
        let _ = write!(body, r#"<polygon class="band" points=""#);
        for (k, (x, y)) in coords.iter().enumerate() {
            let _ = write!(body, "{}{},{}", if k == 0 { "" } else { " " }, F(*x), F(*y));
        }
        let _ = writeln!(body, r#"" fill="{CURRENT}" fill-opacity="0.2" stroke="none"/>"#);
    }
    for (a, b) in runs(points, |p| value_of(p).is_some()).filter(|(a, b)| b > a) {
        let d = path_d((a..=b).map(|i| (plot.x(i), plot.y(value_of(&points[i]).unwrap_or_default()))));
        let _ = writeln!(
            body,
            r#"<path class="line current" d="{d}" fill="none" stroke="{CURRENT}" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>"#
        );
    }
    // Isolated points would otherwise be invisible; the latest point gets the bigger dot.
    let latest = points.iter().rposition(|p| value_of(p).is_some());
    for (i, p) in points.iter().enumerate() {
        let Some(v) = value_of(p) else { continue };
        let isolated = (i == 0 || value_of(&points[i - 1]).is_none())
            && points.get(i + 1).is_none_or(|next| value_of(next).is_none());
        if Some(i) != latest && !isolated {
            continue;
        }
        let r = if Some(i) == latest { 2.0 } else { 1.25 };
        let (class, fill) = if p.n < SMALL_N { ("marker hollow", BACKGROUND) } else { ("marker", CURRENT) };
        let _ = writeln!(
            body,
            r#"<circle class="{class}" cx="{}" cy="{}" r="{}" fill="{fill}" stroke="{CURRENT}" stroke-width="1"><title>{}</title></circle>"#,
            F(plot.x(i)),
            F(plot.y(v)),
            F(r),
            Esc(&tooltip(p, unit, decimals))
        );
    }

    let mut desc = String::new();
    match (points.first(), points.last(), latest) {
        (Some(first), Some(last), Some(i)) => {
            let latest = tooltip(&points[i], unit, decimals);
            let _ = write!(desc, "{} points from {} to {}; latest {latest}.", points.len(), first.label, last.label);
        }
        _ => desc.push_str("No data."),
    }
    document(w, h, title, &desc, &body)
}

/// The SVG as a `data:` URI for `<img src>` (base64, so no characters need escaping).
pub fn data_uri(svg: &str) -> String {
    use base64::Engine;
    format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg))
}

// ---------------------------------------------------------------------------------------

/// Wraps the body in the root element with `<title>` and `<desc>`. The ids are derived from
/// the content so that several charts inline on one page do not collide.
fn document(w: f64, h: f64, title: &str, desc: &str, body: &str) -> String {
    let mut hash = Fnv::new();
    hash.write(title.as_bytes());
    hash.write(&[0]);
    hash.write(desc.as_bytes());
    hash.write(&[0]);
    hash.write(body.as_bytes());
    let id = format!("chart-{:016x}", hash.0);
    let mut out = String::with_capacity(body.len() + 512);
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT_FAMILY}">"#,
        w = F0(w),
        h = F0(h),
    );
    let _ = writeln!(out, r#"<title id="{id}-title">{}</title>"#, Esc(title));
    let _ = writeln!(out, r#"<desc id="{id}-desc">{}</desc>"#, Esc(desc));
    out.push_str(body);
    out.push_str("</svg>\n");
    out
}

fn write_heading(body: &mut String, title: &str, w: f64) {
    let _ = writeln!(
        body,
        r#"<text class="heading" x="12" y="22" font-size="{TITLE_SIZE}" font-weight="600" fill="{TEXT}">{}</text>"#,
        Esc(&truncate(title, w - 24.0, TITLE_SIZE))
    );
}

fn trend_desc(chart: &TrendChart, current: &str, previous: Option<&str>, decimals: usize) -> String {
    let points = &chart.current.points;
    let mut desc = String::new();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return format!("Line chart of {current}: no data.");
    };
    let missing = points.iter().filter(|p| value_of(p).is_none()).count();
    let _ = write!(desc, "Line chart of {current}, {} periods from {} to {}", points.len(), first.label, last.label);
    if missing > 0 {
        let _ = write!(desc, ", {missing} without data");
    }
    desc.push('.');
    if let Some(p) = points.iter().rev().find(|p| value_of(p).is_some()) {
        let _ = write!(desc, " Latest {}.", tooltip(p, chart.unit, decimals));
    }
    let values: Vec<f64> = points.iter().filter_map(value_of).collect();
    if values.len() > 1 {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let _ =
            write!(desc, " Lowest {}, highest {}.", chart.unit.format(min, decimals), chart.unit.format(max, decimals));
    }
    if let Some(name) = previous {
        let _ = write!(desc, " Dashed: {name}.");
    }
    if let Some((value, label)) = chart.target.as_ref().filter(|(v, _)| v.is_finite()) {
        let _ = write!(desc, " {}: {}.", non_empty(label, "Target"), chart.unit.format(*value, decimals));
    }
    desc
}

/// "2026-W14: 87 % (n = 34, 95 % CI 74–94 %)"
fn tooltip(p: &Point, unit: Unit, decimals: usize) -> String {
    let mut s = p.label.clone();
    match value_of(p) {
        Some(v) => {
            let _ = write!(s, ": {} (n = {}", unit.format(v, decimals), p.n);
            if let Some((low, high)) = band_of(p) {
                let _ = write!(s, ", 95 % CI {}", unit.format_range(low, high, decimals));
            }
            s.push(')');
        }
        None => s.push_str(": no data"),
    }
    s
}

enum Swatch {
    Line { colour: &'static str, dash: Option<&'static str>, marker: bool },
    Band,
    Hollow,
}

/// Lays the legend out left to right, wrapping when a row is full; returns the markup and the
/// baseline of the last row.
fn render_legend(items: &[(Swatch, String)], first_baseline: f64, w: f64) -> (String, f64) {
    let mut out = String::new();
    let (mut x, mut baseline) = (12.0, first_baseline);
    for (swatch, text) in items {
        let text = truncate(text, w - 24.0 - 30.0, FONT_SIZE);
        let item_w = 24.0 + 6.0 + text_width(&text, FONT_SIZE) + 18.0;
        if x > 12.0 && x + item_w - 18.0 > w - 12.0 {
            x = 12.0;
            baseline += 18.0;
        }
        let mid = baseline - 4.0;
        match swatch {
            Swatch::Line { colour, dash, marker } => {
                let dash = dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
                let _ = writeln!(
                    out,
                    r#"<line class="legend-swatch" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="2"{dash}/>"#,
                    F(x),
                    F(mid),
                    F(x + 24.0),
                    F(mid)
                );
                if *marker {
                    let _ = writeln!(
                        out,
                        r#"<circle cx="{}" cy="{}" r="3.5" fill="{colour}" stroke="{BACKGROUND}" stroke-width="1.5"/>"#,
                        F(x + 12.0),
                        F(mid)
                    );
                }
            }
            Swatch::Band => {
                let _ = writeln!(
                    out,
                    r#"<rect class="legend-swatch" x="{}" y="{}" width="24" height="10" fill="{CURRENT}" fill-opacity="0.2"/>"#,
                    F(x),
                    F(mid - 5.0)
                );
            }
            Swatch::Hollow => {
                let _ = writeln!(
                    out,
                    r#"<circle class="legend-swatch" cx="{}" cy="{}" r="3.5" fill="{BACKGROUND}" stroke="{CURRENT}" stroke-width="1.5"/>"#,
                    F(x + 12.0),
                    F(mid)
                );
            }
        }
        let _ = writeln!(
            out,
            r#"<text class="legend" x="{}" y="{}" font-size="{FONT_SIZE}" fill="{TEXT}">{}</text>"#,
            F(x + 30.0),
            F(baseline),
            Esc(&text)
        );
        x += item_w;
    }
    (out, baseline)
}

#[derive(Clone, Copy, Debug)]
struct Scale {
    min: f64,
    max: f64,
}

impl Scale {
    /// Repairs unusable ranges: swapped ends are swapped back, an empty range is widened by
    /// one either side, non-finite ends fall back to 0..1.
    fn new((a, b): (f64, f64)) -> Self {
        let (a, b) = if a.is_finite() && b.is_finite() { (a, b) } else { (0.0, 1.0) };
        let (min, max) = if a <= b { (a, b) } else { (b, a) };
        if max - min > 0.0 {
            Scale { min, max }
        } else {
            Scale { min: min - 1.0, max: max + 1.0 }
        }
    }

    fn span(&self) -> f64 {
        self.max - self.min
    }
}

struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    /// Room between the plot edge and the first and last point.
    x_pad: f64,
    count: usize,
    scale: Scale,
}

impl Plot {
    fn x_step(&self) -> f64 {
        if self.count < 2 {
            self.right - self.left
        } else {
            (self.right - self.left - 2.0 * self.x_pad) / (self.count - 1) as f64
        }
    }

    fn x(&self, i: usize) -> f64 {
        if self.count < 2 {
            (self.left + self.right) / 2.0
        } else {
            self.left + self.x_pad + self.x_step() * i as f64
        }
    }

    /// Clamped into the plot area.
    fn y(&self, v: f64) -> f64 {
        let v = v.clamp(self.scale.min, self.scale.max);
        self.top + (self.scale.max - v) / self.scale.span() * (self.bottom - self.top)
    }
}

/// Which x labels to show: at most [`MAX_X_LABELS`], fewer when they would overlap, always
/// the first and the last, evenly stepped in between. The last gap may be shorter than the
/// step (never so short that labels overlap) or longer, but at most 1.5 steps; otherwise
/// fewer labels are tried.
fn thin_labels(count: usize, step_px: f64, label_w: f64) -> Vec<usize> {
    if count <= 2 {
        return (0..count).collect();
    }
    let needed = label_w + 10.0;
    let span = step_px * (count - 1) as f64;
    let fit = if needed > 0.0 { (span / needed).floor() as usize + 1 } else { count };
    let limit = fit.clamp(2, MAX_X_LABELS);
    for labels in (2..=limit).rev() {
        let step = (count - 1).div_ceil(labels - 1);
        let mut shown: Vec<usize> = (0..count - 1).step_by(step).collect();
        // The last label always shows; drop its neighbour when they would overlap.
        if let Some(&prev) = shown.last() {
            if prev != 0 && ((count - 1 - prev) as f64) * step_px < needed {
                shown.pop();
            }
        }
        let last_gap = count - 1 - shown.last().copied().unwrap_or_default();
        shown.push(count - 1);
        if last_gap * 2 <= step * 3 {
            return shown;
        }
    }
    vec![0, count - 1]
}

/// Maximal runs `(first, last)` of consecutive indices whose points satisfy `keep`.
fn runs<'a>(points: &'a [Point], keep: impl Fn(&Point) -> bool + 'a) -> impl Iterator<Item = (usize, usize)> + 'a {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < points.len() && !keep(&points[i]) {
            i += 1;
        }
        if i >= points.len() {
            return None;
        }
        let start = i;
        while i < points.len() && keep(&points[i]) {
            i += 1;
        }
        Some((start, i - 1))
    })
}

fn path_d(coords: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (k, (x, y)) in coords.enumerate() {
        let _ = write!(d, "{}{} {}", if k == 0 { "M" } else { " L" }, F(x), F(y));
    }
    d
}

fn value_of(p: &Point) -> Option<f64> {
    p.value.filter(|v| v.is_finite())
}

/// The interval as (low, high) when both ends are known.
fn band_of(p: &Point) -> Option<(f64, f64)> {
    match (p.low.filter(|v| v.is_finite()), p.high.filter(|v| v.is_finite())) {
        (Some(a), Some(b)) => Some((a.min(b), a.max(b))),
        _ => None,
    }
}

fn length_of(bar: &Bar) -> f64 {
    if bar.value.is_finite() {
        bar.value.max(0.0)
    } else {
        0.0
    }
}

fn non_empty<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() {
        fallback
    } else {
        s
    }
}

impl Unit {
    fn factor(self) -> f64 {
        match self {
            Unit::Percent => 100.0,
            Unit::Points | Unit::Plain => 1.0,
        }
    }

    /// Decimals for values in tooltips and descriptions.
    fn value_decimals(self, span: f64) -> usize {
        match self {
            Unit::Percent | Unit::Points => 0,
            Unit::Plain => plain_decimals(span).max(decimals_for_step(span / 4.0)),
        }
    }

    fn format(self, v: f64, decimals: usize) -> String {
        let v = v * self.factor();
        match self {
            Unit::Percent => format!("{} %", format_plain(v, decimals)),
            Unit::Points => {
                let s = format_plain(v, decimals);
                if s.starts_with('\u{2212}') || s.chars().all(|c| c == '0' || c == '.') {
                    s
                } else {
                    format!("+{s}")
                }
            }
            Unit::Plain => format_plain(v, decimals),
        }
    }

    /// "74–94 %", or "−3 to +25" when the range includes negative numbers.
    fn format_range(self, low: f64, high: f64, decimals: usize) -> String {
        if low < 0.0 || self == Unit::Points {
            format!("{} to {}", self.format(low, decimals), self.format(high, decimals))
        } else if self == Unit::Percent {
            format!("{}\u{2013}{} %", format_plain(low * 100.0, decimals), format_plain(high * 100.0, decimals))
        } else {
            format!("{}\u{2013}{}", self.format(low, decimals), self.format(high, decimals))
        }
    }
}

/// Fixed decimals, a true minus sign, no "−0".
fn format_plain(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("\u{2212}{s}")
    } else {
        s
    }
}

/// "62.5 %", "100 %" rather than "100.0 %" (tick labels only).
fn trim_zeros(s: &str) -> String {
    let Some(dot) = s.find('.') else { return s.to_string() };
    let digits_end = s[dot + 1..].find(|c: char| !c.is_ascii_digit()).map_or(s.len(), |i| dot + 1 + i);
    let kept = s[..digits_end].trim_end_matches('0').trim_end_matches('.');
    format!("{kept}{}", &s[digits_end..])
}

/// Decimals for plain values: about three significant digits of the range.
fn plain_decimals(span: f64) -> usize {
    if !(span.is_finite() && span > 0.0) {
        return 2;
    }
    (2.0 - span.log10().floor()).clamp(0.0, 3.0) as usize
}

/// The fewest decimals (up to 3) that show `step` exactly.
fn decimals_for_step(step: f64) -> usize {
    (0..3)
        .find(|&d| {
            let scaled = step.abs() * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(3)
}

/// An estimate of the rendered width: system UI fonts average about 0.55 em per character,
/// DejaVu Sans (the usual fallback of PDF and SVG renderers on Linux) about 0.62.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * CHAR_EM
}

/// Shortens `s` with an ellipsis to fit `max_w` (the full text stays in tooltips and the
/// description).
fn truncate(s: &str, max_w: f64, size: f64) -> Cow<'_, str> {
    if text_width(s, size) <= max_w {
        return Cow::Borrowed(s);
    }
    let keep = ((max_w / (size * CHAR_EM)).floor() as usize).saturating_sub(1).max(1);
    let mut out: String = s.chars().take(keep).collect::<String>().trim_end().to_string();
    out.push('…');
    Cow::Owned(out)
}

/// A coordinate with one fixed decimal (no "-0.0", non-finite as 0).
struct F(f64);

impl fmt::Display for F {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = if self.0.is_finite() { (self.0 * 10.0).round() / 10.0 } else { 0.0 };
        let v = if v == 0.0 { 0.0 } else { v };
        write!(f, "{v:.1}")
    }
}

/// A size without decimals when whole (viewBox, width, height).
struct F0(f64);

impl fmt::Display for F0 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 {
            write!(f, "{:.0}", self.0)
        } else {
            F(self.0).fmt(f)
        }
    }
}

/// Text escaped for XML content and attribute values; characters XML 1.0 does not allow are
/// dropped.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                '\t' | '\n' | '\r' => f.write_char(c)?,
                c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// FNV-1a, 64 bit: stable across runs and platforms (unlike `DefaultHasher`'s contract).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
