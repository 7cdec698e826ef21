//! The report's data as an XLSX workbook: a summary sheet, one sheet per table, the
//! improvements and the praise quotes.

use std::collections::HashSet;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::escape::escape_formula;
use crate::model::{Cell, Report, Table};
use crate::Error;

/// Excel's limits: characters in a cell (UTF-16 units), rows and columns of a sheet.
const MAX_CELL_UNITS: usize = 32_767;
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
/// A sheet name: at most 31 UTF-16 units.
const MAX_SHEET_NAME: usize = 31;
/// Column widths are estimated from at most this many rows.
const WIDTH_SAMPLE: usize = 500;

/// Renders the workbook; see the crate documentation for its sheets.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, Error> {
    build(report).map_err(|e| Error::Xlsx(e.to_string()))
}

struct Formats {
    bold: Format,
    title: Format,
    percent: Format,
    wrap: Format,
}

fn build(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats {
        bold: Format::new().set_bold(),
        title: Format::new().set_bold().set_font_size(14),
        percent: Format::new().set_num_format("0.0%"),
        wrap: Format::new().set_text_wrap(),
    };
    let mut names = SheetNames::default();
    let summary_name = names.claim("Summary");
    let improvements_name = names.claim("Improvements");
    let praise_name = names.claim("Praise");
    let table_names: Vec<String> = report.tables.iter().map(|t| names.claim(&t.sheet)).collect();

    let mut workbook = Workbook::new();
    summary(workbook.add_worksheet().set_name(&summary_name)?, report, &table_names, &formats)?;
    for (table, name) in report.tables.iter().zip(&table_names) {
        data_sheet(workbook.add_worksheet().set_name(name)?, table, &formats)?;
    }

    let improvements: Vec<Vec<Cell>> = report
        .improvements
        .iter()
        .map(|i| {
            [&i.ticket, &i.closed_on, &i.service_gap, &i.root_cause, &i.action]
                .into_iter()
                .map(|t| Cell::Text(t.clone()))
                .chain([Cell::Text(i.resolved_label().to_owned())])
                .collect()
        })
        .collect();
    let columns = ["Ticket", "Closed on", "Service gap", "Root cause", "Action", "Resolved"];
    let sheet = Table {
        sheet: improvements_name.clone(),
        title: "What we improved".to_owned(),
        columns: columns.map(str::to_owned).to_vec(),
        rows: improvements,
    };
    data_sheet(workbook.add_worksheet().set_name(&improvements_name)?, &sheet, &formats)?;

    let quotes: Vec<Vec<Cell>> = report
        .praise
        .iter()
        .map(|q| {
            let agent = q.agent.clone().unwrap_or_default();
            [&q.text, &q.who, &agent, &q.date].into_iter().map(|t| Cell::Text(t.clone())).collect()
        })
        .collect();
    let sheet = Table {
        sheet: praise_name.clone(),
        title: "What customers said".to_owned(),
        columns: ["Quote", "Who", "About", "Date"].map(str::to_owned).to_vec(),
        rows: quotes,
    };
    data_sheet(workbook.add_worksheet().set_name(&praise_name)?, &sheet, &formats)?;

    workbook.save_to_buffer()
}

/// Title, period, audience, the headlines and the notes. Not frozen: the headline table sits
/// under the title block.
fn summary(sheet: &mut Worksheet, report: &Report, tables: &[String], f: &Formats) -> Result<(), XlsxError> {
    let mut row = 0u32;
    sheet.write_string_with_format(row, 0, text(&report.title), &f.title)?;
    row += 1;
    let info = [
        ("Desk", &report.desk_name),
        ("Period", &report.period_label),
        ("Compared with", &report.previous_label),
        ("Audience", &report.audience_line()),
        ("Generated", &report.generated_at),
    ];
    for (label, value) in info {
        sheet.write_string_with_format(row, 0, label, &f.bold)?;
        sheet.write_string(row, 1, text(value))?;
        row += 1;
    }
    row += 1;
    let previous = if report.previous_label.trim().is_empty() { "Previous" } else { report.previous_label.as_str() };
    let header = ["Measure", "Value", "95 % interval", "n", previous, "Change"];
    for (col, label) in header.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, text(label), &f.bold)?;
    }
    row += 1;
    for h in &report.headlines {
        for (col, value) in [&h.label, &h.value, &h.interval, &h.n, &h.previous, &h.change].into_iter().enumerate() {
            sheet.write_string(row, col as u16, text(value))?;
        }
        row += 1;
    }
    if !tables.is_empty() {
        row += 1;
        sheet.write_string_with_format(row, 0, "Sheet", &f.bold)?;
        sheet.write_string_with_format(row, 1, "Table", &f.bold)?;
        row += 1;
        for (name, table) in tables.iter().zip(&report.tables) {
            sheet.write_string(row, 0, text(name))?;
            sheet.write_string(row, 1, text(&table.title))?;
            row += 1;
        }
    }
    if !report.notes.is_empty() {
        row += 1;
        sheet.write_string_with_format(row, 0, "Notes", &f.bold)?;
        for note in &report.notes {
            row += 1;
            sheet.write_string(row, 0, text(note))?;
        }
    }
    let widths = [24.0, 22.0, 18.0, 14.0, 18.0, 28.0];
    for (col, width) in widths.into_iter().enumerate() {
        sheet.set_column_width(col as u16, width)?;
    }
    Ok(())
}

/// A header row (bold, frozen) and one row per table row.
fn data_sheet(sheet: &mut Worksheet, table: &Table, f: &Formats) -> Result<(), XlsxError> {
    let width = table.width().min(MAX_COLUMNS);
    for col in 0..width {
        sheet.write_string_with_format(0, col as u16, text(table.column(col)), &f.bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (index, row) in table.rows.iter().take(MAX_ROWS - 1).enumerate() {
        let r = index as u32 + 1;
        for (col, cell) in row.iter().take(width).enumerate() {
            let c = col as u16;
            match cell {
                Cell::Text(value) => {
                    sheet.write_string(r, c, text(value))?;
                }
                Cell::Integer(value) => {
                    // Beyond 15 digits Excel rounds; such a number is kept exact as text.
                    if value.unsigned_abs() < 1_000_000_000_000_000 {
                        sheet.write_number(r, c, *value as f64)?;
                    } else {
                        sheet.write_string(r, c, value.to_string())?;
                    }
                }
                Cell::Number(value) if value.is_finite() => {
                    sheet.write_number(r, c, *value)?;
                }
                Cell::Percent(value) if value.is_finite() => {
                    sheet.write_number_with_format(r, c, *value, &f.percent)?;
                }
                Cell::Number(_) | Cell::Percent(_) | Cell::Empty => {}
            }
        }
    }
    for col in 0..width {
        let longest = table
            .rows
            .iter()
            .take(WIDTH_SAMPLE)
            .filter_map(|row| row.get(col))
            .map(|cell| cell.display().chars().count())
            .fold(table.column(col).chars().count(), usize::max);
        let width = (longest as f64 + 2.0).clamp(8.0, 60.0);
        if longest > 60 {
            sheet.set_column_format(col as u16, &f.wrap)?;
        }
        sheet.set_column_width(col as u16, width)?;
    }
    Ok(())
}

/// Caller text as a cell: formula-escaped and cut to Excel's cell limit.
fn text(value: &str) -> String {
    let escaped = escape_formula(value);
    if escaped.len() <= MAX_CELL_UNITS {
        // Fewer bytes than the limit means fewer UTF-16 units too.
        return escaped.into_owned();
    }
    cut_utf16(&escaped, MAX_CELL_UNITS - 1) + "…"
}

fn cut_utf16(text: &str, max_units: usize) -> String {
    let mut units = 0;
    let mut out = String::new();
    for c in text.chars() {
        units += c.len_utf16();
        if units > max_units {
            break;
        }
        out.push(c);
    }
    out
}

/// Valid, unique (ignoring case) sheet names.
#[derive(Default)]
struct SheetNames {
    taken: HashSet<String>,
}

impl SheetNames {
    /// `wanted` made into a valid sheet name not yet taken: control characters dropped,
    /// `[ ] : * ? / \` replaced by `-`, no apostrophe at either end, at most 31 UTF-16 units,
    /// "Table" when nothing is left; a name already taken (or Excel's reserved "History")
    /// gets " (2)", " (3)", ….
    fn claim(&mut self, wanted: &str) -> String {
        let cleaned: String = wanted
            .chars()
            .filter(|c| !c.is_control() && *c != '\u{FFFE}' && *c != '\u{FFFF}')
            .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '-' } else { c })
            .collect();
        let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        let trimmed = cleaned.trim_matches(|c: char| c == '\'' || c.is_whitespace());
        let base = cut_utf16(trimmed, MAX_SHEET_NAME);
        let base = base.trim_end_matches(|c: char| c == '\'' || c.is_whitespace());
        let base = if base.is_empty() { "Table" } else { base };
        let mut name = base.to_owned();
        let mut counter = 1;
        while self.taken.contains(&name.to_lowercase()) || name.eq_ignore_ascii_case("history") {
            counter += 1;
            let suffix = format!(" ({counter})");
            let room = MAX_SHEET_NAME - suffix.len();
            let stem = cut_utf16(base, room);
            name = format!("{}{suffix}", stem.trim_end_matches(|c: char| c == '\'' || c.is_whitespace()));
        }
        self.taken.insert(name.to_lowercase());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut names = SheetNames::default();
        assert_eq!(names.claim("Summary"), "Summary");
        assert_eq!(names.claim("summary"), "summary (2)");
        assert_eq!(names.claim("By team/agent: [all]?"), "By team-agent- -all--");
        assert_eq!(names.claim("'quoted'"), "quoted");
        assert_eq!(names.claim(""), "Table");
        assert_eq!(names.claim("\u{7}"), "Table (2)");
        assert_eq!(names.claim("History"), "History (2)");
        let long = names.claim(&"x".repeat(40));
        assert_eq!(long.len(), 31);
        let again = names.claim(&"x".repeat(40));
        assert_eq!(again, format!("{} (2)", "x".repeat(27)));
        let emoji = names.claim(&"😀".repeat(20));
        assert!(emoji.encode_utf16().count() <= 31, "{emoji}");
    }

    #[test]
    fn long_text_is_cut_to_the_cell_limit() {
        let cell = text(&"é".repeat(40_000));
        assert_eq!(cell.encode_utf16().count(), MAX_CELL_UNITS);
        assert!(cell.ends_with('…'));
        assert_eq!(text("=1"), "'=1");
    }
}
