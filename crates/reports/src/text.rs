//! The report as plain text, the text part of the multipart email.

use std::fmt::Write;

use crate::escape::{one_line, paragraphs};
use crate::model::{percent_label, Cell, Report, Table};

/// Columns of a plain-text table are padded to at most this many characters.
const MAX_COLUMN: usize = 32;

/// Renders the whole report as plain text (UTF-8, `\n` line ends).
pub fn text(report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", one_line(&report.title));
    let _ = writeln!(s, "{}", one_line(&report.desk_name));
    let _ = writeln!(s, "{}", one_line(&report.period_line()));
    let _ = writeln!(s, "{}", one_line(&report.audience_line()));

    if !report.headlines.is_empty() {
        heading(&mut s, "Key numbers");
        let previous = one_line(&report.previous_label);
        for h in &report.headlines {
            let mut details = Vec::new();
            if !h.interval.trim().is_empty() {
                details.push(format!("95 % interval {}", one_line(&h.interval)));
            }
            if !h.n.trim().is_empty() {
                details.push(one_line(&h.n));
            }
            let details = if details.is_empty() { String::new() } else { format!(" ({})", details.join("; ")) };
            let _ = writeln!(s, "{}: {}{details}", one_line(&h.label), one_line(&h.value));
            let mut comparison = Vec::new();
            if !h.previous.trim().is_empty() {
                let period = if previous.is_empty() { "previous period" } else { previous.as_str() };
                comparison.push(format!("{period}: {}", one_line(&h.previous)));
            }
            if !h.change.trim().is_empty() {
                comparison.push(format!("change: {}", one_line(&h.change)));
            }
            if !comparison.is_empty() {
                let _ = writeln!(s, "  {}", comparison.join(" · "));
            }
        }
    }

    if let Some(trend) = &report.trend {
        heading(&mut s, &one_line(&trend.title));
        for point in &trend.points {
            let _ = writeln!(s, "- {}", one_line(&point.summary()));
        }
        if let Some(target) = trend.target.filter(|t| t.is_finite()) {
            let _ = writeln!(s, "Target: {}", percent_label(target));
        }
    }

    for table in &report.tables {
        heading(&mut s, &one_line(&table.title));
        plain_table(&mut s, table);
    }

    if !report.improvements.is_empty() {
        heading(&mut s, "What we improved");
        for item in &report.improvements {
            let mut meta = vec![one_line(&item.ticket)];
            if !item.closed_on.trim().is_empty() {
                meta.push(format!("closed {}", one_line(&item.closed_on)));
            }
            meta.push(item.resolved_label().to_owned());
            meta.retain(|m| !m.is_empty());
            let _ = writeln!(s, "* {}", meta.join(" · "));
            for (label, text) in
                [("Service gap", &item.service_gap), ("Root cause", &item.root_cause), ("Action", &item.action)]
            {
                if !text.trim().is_empty() {
                    let _ = writeln!(s, "  {label}: {}", indented(text));
                }
            }
        }
    }

    if !report.praise.is_empty() {
        heading(&mut s, "What customers said");
        for quote in &report.praise {
            let _ = writeln!(s, "“{}”", indented(&quote.text));
            let _ = writeln!(s, "  — {}\n", one_line(&quote.attribution()));
        }
    }

    if !report.notes.is_empty() {
        heading(&mut s, "About these numbers");
        for note in &report.notes {
            let _ = writeln!(s, "- {}", indented(note));
        }
    }
    let _ = writeln!(s, "\nGenerated {}", one_line(&report.generated_at));
    s
}

fn heading(s: &mut String, title: &str) {
    let _ = writeln!(s, "\n{title}\n{}", "-".repeat(title.chars().count().clamp(3, 60)));
}

/// Multi-line text with its continuation lines indented under the first.
fn indented(text: &str) -> String {
    paragraphs(text).replace('\n', "\n  ")
}

fn plain_table(s: &mut String, table: &Table) {
    let width = table.width();
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| (0..width).map(|i| one_line(&row.get(i).unwrap_or(&Cell::Empty).display())).collect())
        .collect();
    let header: Vec<String> = (0..width).map(|i| one_line(table.column(i))).collect();
    let widths: Vec<usize> = (0..width)
        .map(|i| {
            let longest = rows.iter().map(|r| r[i].chars().count()).fold(header[i].chars().count(), usize::max);
            longest.min(MAX_COLUMN)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join(" | ").trim_end().to_owned()
    };
    let _ = writeln!(s, "{}", line(&header));
    let _ = writeln!(s, "{}", widths.iter().map(|w| "-".repeat((*w).max(1))).collect::<Vec<_>>().join("-+-"));
    for row in &rows {
        let _ = writeln!(s, "{}", line(row));
    }
    if rows.is_empty() {
        let _ = writeln!(s, "No data for this period.");
    }
}
