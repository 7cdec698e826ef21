//! The report as a self-contained HTML email body: table layout at most 640 px wide, inline
//! styles, no scripts and no external resources (the trend is inline SVG).

use std::fmt::Write;

use crate::escape::{html as esc, one_line, paragraphs};
use crate::model::{Cell, Headline, Improvement, PraiseQuote, Report, Table};
use crate::svg::trend_svg;

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const TEXT: &str = "#1f2937";
const MUTED: &str = "#4b5563";
const RULE: &str = "#e5e7eb";
const ACCENT: &str = "#0f766e";
const HEADER_BG: &str = "#f3f4f6";
const CELL: &str = "padding:6px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top;word-break:break-word;";

/// Renders the whole report; see the crate documentation for what it holds.
pub fn html(report: &Report) -> String {
    let title = one_line(&report.title);
    let mut s = String::with_capacity(16 * 1024);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(s, "<title>{} — {}</title>", esc(&title), esc(&one_line(&report.period_label)));
    s.push_str("<style>table{border-collapse:collapse}td,th{mso-line-height-rule:exactly}</style></head>\n");
    let _ = writeln!(s, r#"<body style="margin:0;padding:0;background:{HEADER_BG};color:{TEXT};{FONT}">"#);
    let _ = writeln!(
        s,
        r#"<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:{HEADER_BG};"><tr><td align="center" style="padding:16px 8px;">"#
    );
    let _ = writeln!(
        s,
        r#"<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:640px;background:#ffffff;{FONT}color:{TEXT};font-size:14px;line-height:1.45;">"#
    );

    section(&mut s, &header(report));
    if !report.headlines.is_empty() {
        section(&mut s, &format!("{}{}", heading("Key numbers"), headlines(report)));
    }
    if let Some(trend) = &report.trend {
        let mut body = heading(&one_line(&trend.title));
        body.push_str(&trend_svg(trend, 600.0, 250.0));
        // Some mail clients do not show SVG: the latest point in words as well.
        if let Some(last) = trend.points.last() {
            let _ = write!(
                body,
                r#"<p style="margin:6px 0 0 0;font-size:12px;color:{MUTED};">Latest: {}</p>"#,
                esc(&one_line(&last.summary()))
            );
        }
        section(&mut s, &body);
    }
    for table in &report.tables {
        section(&mut s, &format!("{}{}", heading(&one_line(&table.title)), data_table(table)));
    }
    if !report.improvements.is_empty() {
        let items: String = report.improvements.iter().map(improvement).collect();
        section(&mut s, &format!("{}{items}", heading("What we improved")));
    }
    if !report.praise.is_empty() {
        let items: String = report.praise.iter().map(praise).collect();
        section(&mut s, &format!("{}{items}", heading("What customers said")));
    }
    if !report.notes.is_empty() {
        let notes: String = report
            .notes
            .iter()
            .map(|n| format!(r#"<p style="margin:0 0 4px 0;font-size:12px;color:{MUTED};">{}</p>"#, multiline(n)))
            .collect();
        section(&mut s, &format!("{}{notes}", heading("About these numbers")));
    }
    let _ = writeln!(
        s,
        r#"<tr><td style="padding:12px 20px 20px 20px;font-size:12px;color:{MUTED};border-top:1px solid {RULE};">{} — generated {}</td></tr>"#,
        esc(&one_line(&report.desk_name)),
        esc(&one_line(&report.generated_at))
    );
    s.push_str("</table>\n</td></tr></table>\n</body></html>\n");
    s
}

fn section(s: &mut String, body: &str) {
    let _ = writeln!(s, r#"<tr><td style="padding:12px 20px;">{body}</td></tr>"#);
}

fn heading(text: &str) -> String {
    format!(r#"<h2 style="margin:8px 0 8px 0;font-size:17px;color:{ACCENT};{FONT}">{}</h2>"#, esc(text))
}

/// Escaped text with its line breaks kept as `<br>`.
fn multiline(text: &str) -> String {
    esc(&paragraphs(text)).replace('\n', "<br>")
}

fn header(report: &Report) -> String {
    format!(
        concat!(
            r#"<p style="margin:0;font-size:13px;color:{muted};">{desk}</p>"#,
            r#"<h1 style="margin:4px 0;font-size:24px;color:{text};{font}">{title}</h1>"#,
            r#"<p style="margin:0;font-size:15px;color:{text};">{period}</p>"#,
            r#"<p style="margin:4px 0 0 0;font-size:13px;color:{muted};">{audience}</p>"#
        ),
        muted = MUTED,
        text = TEXT,
        font = FONT,
        desk = esc(&one_line(&report.desk_name)),
        title = esc(&one_line(&report.title)),
        period = esc(&one_line(&report.period_line())),
        audience = esc(&one_line(&report.audience_line())),
    )
}

fn headlines(report: &Report) -> String {
    let previous = one_line(&report.previous_label);
    let previous = if previous.is_empty() { "Previous period".to_owned() } else { previous };
    let mut s = format!(
        r#"<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;font-size:13px;"><tr>{}{}{}{}{}</tr>"#,
        th("Measure", "left"),
        th(&one_line(&report.period_label), "left"),
        th("n", "right"),
        th(&previous, "right"),
        th("Change", "left")
    );
    for Headline { label, value, interval, n, previous, change } in &report.headlines {
        let interval = one_line(interval);
        let interval = if interval.is_empty() {
            String::new()
        } else {
            format!("<br><span style=\"font-size:12px;color:{MUTED};\">95 % interval {}</span>", esc(&interval))
        };
        let _ = write!(
            s,
            r#"<tr><td style="{CELL}">{}</td><td style="{CELL}"><strong style="font-size:18px;">{}</strong>{interval}</td><td style="{CELL}text-align:right;">{}</td><td style="{CELL}text-align:right;">{}</td><td style="{CELL}">{}</td></tr>"#,
            esc(&one_line(label)),
            esc(&one_line(value)),
            esc(&one_line(n)),
            esc(&one_line(previous)),
            esc(&one_line(change)),
        );
    }
    s.push_str("</table>");
    s
}

fn th(text: &str, align: &str) -> String {
    format!(
        r#"<th style="padding:6px 8px;text-align:{align};background:{HEADER_BG};border-bottom:1px solid {RULE};font-size:12px;color:{MUTED};">{}</th>"#,
        esc(text)
    )
}

fn data_table(table: &Table) -> String {
    let width = table.width();
    let mut s = r#"<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;font-size:13px;"><tr>"#.to_owned();
    let numeric: Vec<bool> =
        (0..width).map(|i| table.rows.iter().filter_map(|r| r.get(i)).any(Cell::is_numeric)).collect();
    for (i, is_numeric) in numeric.iter().enumerate() {
        s.push_str(&th(&one_line(table.column(i)), if *is_numeric { "right" } else { "left" }));
    }
    s.push_str("</tr>");
    for row in &table.rows {
        s.push_str("<tr>");
        for i in 0..width {
            let cell = row.get(i).unwrap_or(&Cell::Empty);
            let align = if cell.is_numeric() { "text-align:right;white-space:nowrap;" } else { "" };
            let _ = write!(s, r#"<td style="{CELL}{align}">{}</td>"#, multiline(&cell.display()));
        }
        s.push_str("</tr>");
    }
    if table.rows.is_empty() {
        let _ = write!(
            s,
            r#"<tr><td colspan="{}" style="{CELL}color:{MUTED};">No data for this period.</td></tr>"#,
            width.max(1)
        );
    }
    s.push_str("</table>");
    s
}

fn improvement(item: &Improvement) -> String {
    let mut meta = vec![one_line(&item.ticket)];
    if !item.closed_on.trim().is_empty() {
        meta.push(format!("closed {}", one_line(&item.closed_on)));
    }
    if !item.resolved_label().is_empty() {
        meta.push(item.resolved_label().to_owned());
    }
    let meta: Vec<String> = meta.into_iter().filter(|m| !m.is_empty()).collect();
    let mut s = format!(
        r#"<div style="margin:0 0 12px 0;padding:8px 12px;border-left:3px solid {ACCENT};background:#f9fafb;"><p style="margin:0 0 4px 0;font-weight:bold;">{}</p>"#,
        esc(&meta.join(" · "))
    );
    for (label, text) in
        [("Service gap", &item.service_gap), ("Root cause", &item.root_cause), ("Action", &item.action)]
    {
        if !text.trim().is_empty() {
            let _ = write!(
                s,
                r#"<p style="margin:0 0 2px 0;"><span style="color:{MUTED};">{label}:</span> {}</p>"#,
                multiline(text)
            );
        }
    }
    s.push_str("</div>");
    s
}

fn praise(quote: &PraiseQuote) -> String {
    format!(
        r#"<blockquote style="margin:0 0 12px 0;padding:4px 12px;border-left:3px solid #56B4E9;"><p style="margin:0;font-style:italic;">“{}”</p><p style="margin:4px 0 0 0;font-size:12px;color:{MUTED};">— {}</p></blockquote>"#,
        multiline(&quote.text),
        esc(&one_line(&quote.attribution()))
    )
}
