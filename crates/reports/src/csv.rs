//! One table as CSV (RFC 4180).

use crate::escape::escape_formula;
use crate::model::{Cell, Table};

/// The table as RFC 4180 CSV: a header row, then one record per row, fields quoted where
/// needed, CRLF line ends, UTF-8 without a byte order mark.
///
/// Every record has as many fields as the table's widest row or header. Text (headers
/// included) goes through [`escape_formula`]. Numbers are written in full precision with a
/// dot as decimal separator; a **percent cell is written as its share** rounded to six
/// decimals, e.g. `0.8123` for 81.23 %, so the file stays machine-readable; a number that is
/// not finite is left empty.
pub fn csv(table: &Table) -> String {
    let width = table.width();
    if width == 0 {
        // No columns at all: an empty file rather than one empty field.
        return String::new();
    }
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let header: Vec<String> = (0..width).map(|i| escape_formula(table.column(i)).into_owned()).collect();
    // Writing to a Vec cannot fail; a failure would only shorten the output.
    if writer.write_record(&header).is_ok() {
        for row in &table.rows {
            let record: Vec<String> = (0..width).map(|i| field(row.get(i).unwrap_or(&Cell::Empty))).collect();
            if writer.write_record(&record).is_err() {
                break;
            }
        }
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => escape_formula(text).into_owned(),
        Cell::Integer(value) => value.to_string(),
        Cell::Number(value) if value.is_finite() => value.to_string(),
        // Six decimals of a share are 0.0001 %: enough, and free of float noise (0.8999999…).
        Cell::Percent(share) if share.is_finite() => trim_zeros(format!("{share:.6}")),
        Cell::Number(_) | Cell::Percent(_) | Cell::Empty => String::new(),
    }
}

fn trim_zeros(number: String) -> String {
    let trimmed = number.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}
