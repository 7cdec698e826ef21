//! The report's text sections on the page: title block, headline boxes, improvements, praise.

use rapport_postcards::text::line_height;

use super::canvas::{Op, Rgb, Weight, ACCENT, MUTED, SKY, TEXT, TINT};
use super::layout::{Block, Flow, Line, MANY_LINES, MARGIN};
use crate::escape::one_line;
use crate::model::{Improvement, PraiseQuote, Report};

pub(crate) fn title_block(flow: &mut Flow<'_>, report: &Report) {
    let width = flow.width();
    let desk = flow.ellipsize(Weight::Regular, 10.0, &one_line(&report.desk_name), width);
    flow.text(Weight::Regular, 10.0, MUTED, MARGIN, flow.y, desk);
    flow.y += line_height(10.0) + 2.0;
    for line in flow.wrap(Weight::Bold, 20.0, &one_line(&report.title), width, 3) {
        flow.text(Weight::Bold, 20.0, TEXT, MARGIN, flow.y, line);
        flow.y += line_height(20.0);
    }
    flow.y += 2.0;
    for line in flow.wrap(Weight::Regular, 12.0, &report.period_line(), width, 2) {
        flow.text(Weight::Regular, 12.0, TEXT, MARGIN, flow.y, line);
        flow.y += line_height(12.0);
    }
    let meta = format!("{} · Generated {}", one_line(&report.audience_line()), one_line(&report.generated_at));
    for line in flow.wrap(Weight::Regular, 9.0, &meta, width, 2) {
        flow.text(Weight::Regular, 9.0, MUTED, MARGIN, flow.y, line);
        flow.y += line_height(9.0);
    }
    flow.y += 6.0;
    flow.push(Op::Rect { x: MARGIN, y: flow.y, w: width, h: 1.5, colour: ACCENT });
    flow.y += 8.0;
}

/// The headlines as boxes, three per row.
pub(crate) fn headlines(flow: &mut Flow<'_>, report: &Report) {
    if report.headlines.is_empty() {
        return;
    }
    let (per_row, gap, pad) = (3usize, 8.0, 7.0);
    let box_w = (flow.width() - gap * (per_row as f32 - 1.0)) / per_row as f32;
    let inner = box_w - 2.0 * pad;
    let previous = one_line(&report.previous_label);
    let previous = if previous.is_empty() { "Previous period".to_owned() } else { previous };
    flow.heading("Key numbers", 90.0);
    for row in report.headlines.chunks(per_row) {
        let boxes: Vec<Vec<Line>> = row
            .iter()
            .map(|h| {
                let mut lines = Vec::new();
                let mut add = |flow: &Flow<'_>, weight: Weight, size: f32, colour: Rgb, text: &str, max: usize| {
                    for line in flow.wrap(weight, size, text, inner, max) {
                        lines.push(Line { height: line_height(size), runs: vec![(0.0, weight, size, colour, line)] });
                    }
                };
                add(flow, Weight::Regular, 8.5, MUTED, &h.label, 2);
                add(flow, Weight::Bold, 18.0, TEXT, &h.value, 1);
                if !h.interval.trim().is_empty() {
                    add(flow, Weight::Regular, 8.0, TEXT, &format!("95 % interval {}", one_line(&h.interval)), 2);
                }
                add(flow, Weight::Regular, 8.0, MUTED, &h.n, 2);
                if !h.previous.trim().is_empty() {
                    add(flow, Weight::Regular, 8.0, MUTED, &format!("{previous}: {}", one_line(&h.previous)), 2);
                }
                add(flow, Weight::Bold, 8.0, TEXT, &h.change, 6);
                lines
            })
            .collect();
        let content = boxes.iter().map(|b| b.iter().map(|l| l.height).sum::<f32>()).fold(0.0, f32::max);
        let box_h = content + 2.0 * pad;
        flow.ensure(box_h + gap);
        let top = flow.y;
        for (index, lines) in boxes.into_iter().enumerate() {
            let x = MARGIN + index as f32 * (box_w + gap);
            flow.push(Op::Rect { x, y: top, w: box_w, h: box_h, colour: TINT });
            flow.push(Op::Rect { x, y: top, w: 2.5, h: box_h, colour: ACCENT });
            let mut y = top + pad;
            for line in lines {
                for (_, weight, size, colour, text) in line.runs {
                    flow.text(weight, size, colour, x + pad, y, text);
                }
                y += line.height;
            }
        }
        flow.y = top + box_h + gap;
    }
}

pub(crate) fn improvements(flow: &mut Flow<'_>, items: &[Improvement]) {
    if items.is_empty() {
        return;
    }
    flow.heading("What we improved", 60.0);
    let label_w = 72.0;
    let indent = 10.0;
    for item in items {
        let mut meta = vec![one_line(&item.ticket)];
        if !item.closed_on.trim().is_empty() {
            meta.push(format!("closed {}", one_line(&item.closed_on)));
        }
        meta.push(item.resolved_label().to_owned());
        meta.retain(|m| !m.is_empty());
        let mut lines = flow.text_lines(Weight::Bold, 9.5, TEXT, indent, &meta.join(" · "), 3);
        for (label, text) in
            [("Service gap", &item.service_gap), ("Root cause", &item.root_cause), ("Action", &item.action)]
        {
            if text.trim().is_empty() {
                continue;
            }
            let wrapped = flow.wrap(Weight::Regular, 9.0, text, flow.width() - indent - label_w, MANY_LINES);
            for (i, line) in wrapped.into_iter().enumerate() {
                let mut runs = vec![(indent + label_w, Weight::Regular, 9.0, TEXT, line)];
                if i == 0 {
                    runs.push((indent, Weight::Regular, 8.5, MUTED, label.to_owned()));
                }
                lines.push(Line { height: line_height(9.0), runs });
            }
        }
        flow.block(Block { lines, bar: Some(ACCENT) });
        flow.y += 8.0;
    }
}

pub(crate) fn praise(flow: &mut Flow<'_>, quotes: &[PraiseQuote]) {
    if quotes.is_empty() {
        return;
    }
    flow.heading("What customers said", 50.0);
    let indent = 10.0;
    for quote in quotes {
        let mut lines =
            flow.text_lines(Weight::Regular, 9.5, TEXT, indent, &format!("“{}”", quote.text.trim()), MANY_LINES);
        let attribution = one_line(&quote.attribution());
        if !attribution.is_empty() {
            lines.extend(flow.text_lines(Weight::Regular, 8.5, MUTED, indent, &format!("— {attribution}"), 3));
        }
        flow.block(Block { lines, bar: Some(SKY) });
        flow.y += 8.0;
    }
}

pub(crate) fn notes(flow: &mut Flow<'_>, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    flow.heading("About these numbers", 30.0);
    for note in notes {
        flow.note(note);
    }
}

/// The footer of page `number` (from 1) of `count`: "desk — title — page N of M".
pub(crate) fn footer(flow: &Flow<'_>, report: &Report, number: usize, count: usize) -> Vec<Op> {
    let size = 8.0;
    let y = super::layout::PAGE_H - 44.0;
    let page = format!("page {number} of {count}");
    let parts: Vec<String> =
        [one_line(&report.desk_name), one_line(&report.title)].into_iter().filter(|p| !p.is_empty()).collect();
    let room = flow.width() - flow.measure(Weight::Regular, size, &format!(" — {page}"));
    let prefix = flow.ellipsize(Weight::Regular, size, &parts.join(" — "), room);
    let text = if prefix.is_empty() { page } else { format!("{prefix} — {page}") };
    vec![
        Op::Rect { x: MARGIN, y, w: flow.width(), h: 0.5, colour: super::canvas::RULE },
        Op::Text {
            weight: Weight::Regular,
            size,
            colour: MUTED,
            x: MARGIN,
            baseline: rapport_postcards::text::baseline(y + 5.0, size),
            text,
        },
    ]
}
