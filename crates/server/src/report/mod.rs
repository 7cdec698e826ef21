//! Management and client reports: gathered by `build` for a month, rendered by the
//! `rapport-reports` crate as HTML, PDF, XLSX or CSV, served to staff (`staff::reports`),
//! written by `rapport report`, and emailed monthly through the outbox (`schedule`).

pub mod build;
pub mod period;
pub mod schedule;

pub use build::{build, ReportRequest};
pub use period::Month;

use crate::desk::Desk;
use rapport_domain::time::Millis;
use rapport_reports::Report;
use rapport_store::staff_views::NamedKind;
use rapport_store::visibility::Visibility;
use rapport_store::Store;
use std::str::FromStr;

/// The forms a report is delivered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Xlsx,
    /// Every table as CSV, one after another (each with its header row), separated by an empty line.
    Csv,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" => Ok(Format::Html),
            "pdf" => Ok(Format::Pdf),
            "xlsx" => Ok(Format::Xlsx),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("“{s}” is not a report format; use html, pdf, xlsx or csv")),
        }
    }
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// Gathers and renders a report (rendering runs off the async threads: a PDF of a large
/// desk takes a moment).
pub async fn produce(
    store: &Store,
    request: ReportRequest,
    visibility: Visibility,
    format: Format,
    now: Millis,
) -> anyhow::Result<Vec<u8>> {
    let report = store
        .read(move |conn| {
            let desk = Desk::load(conn)?;
            build(conn, &desk, &request, &visibility, now)
        })
        .await?;
    tokio::task::spawn_blocking(move || render(&report, format)).await?
}

/// The organization of that name (any case), for `rapport report --organization`.
pub async fn organization_named(store: &Store, name: &str) -> anyhow::Result<Option<(i64, String)>> {
    let organizations = store.named(NamedKind::Organizations).await?;
    let wanted = name.trim().to_lowercase();
    Ok(organizations.into_iter().find(|o| o.name.to_lowercase() == wanted).map(|o| (o.id, o.name)))
}

/// The report's bytes in a format.
pub fn render(report: &Report, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Html => rapport_reports::html(report).into_bytes(),
        Format::Pdf => rapport_reports::pdf(report)?,
        Format::Xlsx => rapport_reports::xlsx(report)?,
        Format::Csv => {
            let mut out = String::new();
            for table in &report.tables {
                if !out.is_empty() {
                    out.push_str("\r\n");
                }
                out.push_str(&rapport_reports::csv(table));
            }
            out.into_bytes()
        }
    })
}

/// `rapport-report-2026-10-finance.pdf`: safe in a download header and on any file system.
pub fn file_name(request: &ReportRequest, format: Format) -> String {
    let who = match &request.organization {
        Some((_, name)) => {
            let slug: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
                .collect::<String>()
                .split('-')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            if slug.is_empty() {
                "client".to_string()
            } else {
                slug
            }
        }
        None => "management".to_string(),
    };
    format!("rapport-report-{}-{who}.{}", request.month, format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain() {
        let month: Month = "2026-10".parse().unwrap();
        let client = ReportRequest { month, organization: Some((3, "Finance & Légal \"R\"/..".into())) };
        assert_eq!(file_name(&client, Format::Pdf), "rapport-report-2026-10-finance-l-gal-r.pdf");
        let management = ReportRequest { month, organization: None };
        assert_eq!(file_name(&management, Format::Xlsx), "rapport-report-2026-10-management.xlsx");
        assert_eq!("PDF".parse::<Format>(), Ok(Format::Pdf));
        assert!("docx".parse::<Format>().is_err());
    }
}
