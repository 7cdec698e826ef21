//! `rapport report`: a month's management or client report written to a file, built as
//! the staff page builds it, with everything visible.

use anyhow::{bail, Context};
use rapport_server::report::{self, Format, Month, ReportRequest};
use rapport_store::visibility::Visibility;
use rapport_store::Store;
use std::path::PathBuf;

pub async fn write(
    store: &Store,
    period: &str,
    organization: Option<&str>,
    format: &str,
    output: Option<PathBuf>,
    now: i64,
) -> anyhow::Result<()> {
    let month: Month = period.parse().map_err(anyhow::Error::msg)?;
    let format: Format = format.parse().map_err(anyhow::Error::msg)?;
    let organization = match organization {
        None => None,
        Some(name) => match report::organization_named(store, name).await? {
            Some(found) => Some(found),
            None => bail!("no organization is called “{name}”"),
        },
    };
    let request = ReportRequest { month, organization };
    let path = output.unwrap_or_else(|| PathBuf::from(report::file_name(&request, format)));
    let bytes = report::produce(store, request, Visibility::everything(), format, now).await?;
    std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}
