//! Management and client reports: one [`Report`] rendered as a self-contained HTML email,
//! a PDF, an XLSX workbook (one sheet per table) and CSV.
#![forbid(unsafe_code)]
