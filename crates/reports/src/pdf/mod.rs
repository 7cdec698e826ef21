//! The report as an A4 portrait PDF (krilla): vector text in embedded DejaVu Sans, the trend
//! as vector paths, tables continued across pages with their header repeated, and a footer
//! "desk — title — page N of M" on every page.
//!
//! Layout happens first into a display list per page ([`canvas::Op`]); painting follows once
//! the page count is known.

mod canvas;
mod chart;
mod layout;
mod sections;
mod table;

use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;
use rapport_postcards::text::Fonts;

use crate::escape::one_line;
use crate::model::Report;
use crate::Error;
use layout::{Flow, PAGE_H, PAGE_W};

/// Renders the report; see the crate documentation for what it holds.
pub fn pdf(report: &Report) -> Result<Vec<u8>, Error> {
    let fonts = Fonts::load().ok_or_else(|| Error::Pdf("the bundled fonts could not be read".into()))?;
    let mut flow = Flow::new(&fonts);
    sections::title_block(&mut flow, report);
    sections::headlines(&mut flow, report);
    if let Some(trend) = &report.trend {
        chart::trend(&mut flow, trend);
    }
    for data in &report.tables {
        table::table(&mut flow, data);
    }
    sections::improvements(&mut flow, &report.improvements);
    sections::praise(&mut flow, &report.praise);
    sections::notes(&mut flow, &report.notes);

    let count = flow.pages.len();
    let footers: Vec<_> = (1..=count).map(|number| sections::footer(&flow, report, number, count)).collect();
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| Error::Pdf("invalid page size".into()))?;
    let mut document = Document::new();
    for (ops, footer) in flow.pages.iter().zip(&footers) {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        canvas::paint_page(&mut surface, &fonts, ops);
        canvas::paint_page(&mut surface, &fonts, footer);
        surface.finish();
        page.finish();
    }
    let title = format!("{} — {}", one_line(&report.title), one_line(&report.period_label));
    document.set_metadata(Metadata::new().title(title).creator("Rapport".to_owned()));
    document.finish().map_err(|e| Error::Pdf(format!("{e:?}")))
}
