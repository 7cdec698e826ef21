//! Management and client reports: one [`Report`] rendered as a self-contained HTML email,
//! a plain-text email part, a PDF, an XLSX workbook (one sheet per table) and CSV.
//!
//! The caller computes and formats every number ([`model`]); the renderers only lay it out,
//! so all formats of one report say the same thing. What each format holds:
//!
//! * [`html`]: one HTML document for the body of an email. Table layout at most 640 px wide,
//!   inline styles (plus a two-rule `<style>`), no scripts, no external resources: the trend
//!   is inline SVG (95 % band, line, dashed target, axis labels, Okabe–Ito colours), followed
//!   by the latest point in words for mail clients that drop SVG. Sections: title block
//!   (desk, title, period compared with the previous one, audience), key numbers (value,
//!   95 % interval, n, previous period, change), the trend, every table, "What we improved",
//!   "What customers said", notes, and when it was generated. Every caller text is escaped.
//! * [`text`]: the same content as plain text for the `text/plain` part.
//! * [`pdf`]: A4 portrait, vector text in embedded DejaVu Sans (characters the font lacks,
//!   such as CJK or emoji, print as the font's missing-glyph box but still extract as text),
//!   the trend as vector paths, tables continued across pages with their header repeated
//!   (a cell shows at most 8 lines), long texts wrapped across pages (cut with "…" after
//!   20,000 characters), and the footer "desk — title — page N of M" on every page.
//! * [`xlsx`]: a workbook with the sheets "Summary" (title, desk, period, previous period,
//!   audience, generated; the headlines as label, value, interval, n, previous, change; the
//!   list of table sheets; notes), one sheet per [`Table`] (named after [`Table::sheet`],
//!   made valid and unique), "Improvements" and "Praise". Data sheets have a bold, frozen
//!   header row and set column widths. Integers and numbers are numbers, percents are
//!   numbers (the share) with a `0.0%` format, text is always written as text, never as a
//!   formula.
//! * [`csv()`]: one table as RFC 4180 CSV with a header row; percents as the share
//!   (`0.8123`).
//!
//! Every text cell of the XLSX and CSV goes through [`escape_formula`] (formula injection).
#![forbid(unsafe_code)]

mod chart;
mod csv;
mod escape;
mod html;
pub mod model;
mod pdf;
mod svg;
mod text;
mod xlsx;

pub use self::csv::csv;
pub use escape::escape_formula;
pub use html::html;
pub use model::{Audience, Cell, Headline, Improvement, PraiseQuote, Report, Table, Trend, TrendPoint};
pub use pdf::pdf;
pub use text::text;
pub use xlsx::xlsx;

/// Why a PDF or workbook could not be made (a bug rather than bad input: every input renders).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The PDF writer failed.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    /// The XLSX writer failed.
    #[error("the workbook could not be written: {0}")]
    Xlsx(String),
}
