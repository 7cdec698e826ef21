//! `rapport import tickets FILE.csv`: loads tickets from a spreadsheet export.
//!
//! Every row becomes a ticket event and goes through the same checks as an event sent to
//! the API, then the store's bulk path ([`Store::import_batch_owned`]): the same rules
//! (ordered by time, one history row per status change, newer details win), no surveys,
//! and no per-row delivery record. A row that says what its ticket already holds, or that
//! the ticket's history already records, changes nothing: importing a file again changes
//! nothing, and importing a later export of the same tickets updates only the tickets that
//! changed. The event id, derived from the row's content, is what the history remembers.
//!
//! A large file (from [`DEFER_INDEXES_FROM`] rows, estimated from its size, and at least
//! as many as the tickets stored) is imported with the ticket indexes that only serve reads
//! set aside on SQLite; they are built again at the end, however the import ends.
//!
//! The file is streamed: at most two batches of events (one being stored while the next
//! is read) and a bounded number of rejections are held in memory, whatever the size of
//! the file.

use anyhow::{anyhow, bail, Context, Result};
use csv::ByteRecord;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rapport_domain::event::{parse_source, PersonInput, TicketEvent, TicketEventInput, TicketInput};
use rapport_domain::time::{parse_instant, Millis};
use rapport_store::bulk::{ImportOutcome, DEFER_INDEXES_FROM};
use rapport_store::Store;
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The source the tickets are filed under, unless a row names its own.
    pub source: String,
    /// Events stored per transaction. The bulk path looks each person, organization and
    /// team up once per transaction, so larger batches are cheaper per row.
    pub batch_size: usize,
    /// Draw a progress bar on standard error (only when it is a terminal).
    pub show_progress: bool,
    /// From how many rows (estimated from the file's size) the ticket indexes that only
    /// speed up reads are dropped for the import and built again at its end (SQLite; see
    /// [`Store::defer_indexes`]).
    pub defer_indexes_from: u64,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            source: "import".into(),
            batch_size: DEFAULT_BATCH_SIZE,
            show_progress: false,
            defer_indexes_from: DEFER_INDEXES_FROM,
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// Data rows read (the header and blank rows not counted).
    pub rows_read: u64,
    /// Rows that created a ticket.
    pub created: u64,
    /// Rows that changed a ticket already known (or were filed in its history).
    pub updated: u64,
    /// Rows already imported before: nothing to do.
    pub unchanged: u64,
    /// Rows refused; the first [`MAX_KEPT_REJECTIONS`] are listed in `rejections`.
    pub rejected: u64,
    pub rejections: Vec<Rejection>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The line of the file the row starts on; the header is line 1.
    pub line: u64,
    pub reason: String,
}

/// Events stored per transaction unless the caller says otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 10_000;
/// Rejections kept in memory; past this only the count grows.
pub const MAX_KEPT_REJECTIONS: usize = 10_000;
/// Rejections the summary lists.
const SHOWN_REJECTIONS: usize = 100;
/// Longest cell value quoted in a rejection reason.
const MAX_QUOTED_CHARS: usize = 60;
/// Rows read between two updates of the progress bar.
const PROGRESS_EVERY: u64 = 1024;

impl ImportSummary {
    fn reject(&mut self, line: u64, reason: String) {
        self.rejected += 1;
        if self.rejections.len() < MAX_KEPT_REJECTIONS {
            self.rejections.push(Rejection { line, reason });
        }
    }

    fn count(&mut self, outcomes: &[ImportOutcome]) {
        for outcome in outcomes {
            match outcome {
                ImportOutcome::Created => self.created += 1,
                // A row older than its ticket's state is filed in the ticket's history.
                ImportOutcome::Updated | ImportOutcome::Stale => self.updated += 1,
                ImportOutcome::Unchanged => self.unchanged += 1,
            }
        }
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rows read: {}, created: {}, updated: {}, unchanged: {}, rejected: {}",
            self.rows_read, self.created, self.updated, self.unchanged, self.rejected
        )?;
        let shown = &self.rejections[..self.rejections.len().min(SHOWN_REJECTIONS)];
        for rejection in shown {
            write!(f, "\nline {}: {}", rejection.line, rejection.reason)?;
        }
        let more = self.rejected.saturating_sub(shown.len() as u64);
        if more > 0 {
            write!(f, "\n… and {more} more")?;
        }
        Ok(())
    }
}

/// Imports the tickets of the CSV file at `path`. Rows that fail the checks are counted
/// and listed, not fatal; a file without the required columns, an unreadable file, or a
/// database failure ends the import (batches stored before stay stored, and importing the
/// file again is safe).
pub async fn import_tickets(store: &Store, path: &Path, options: &ImportOptions, now: i64) -> Result<ImportSummary> {
    let default_source = parse_source(Some(&options.source)).map_err(|m| anyhow!("source {:?} {m}", options.source))?;
    let batch_size = options.batch_size.max(1);
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let file_size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut input = BufReader::with_capacity(64 * 1024, file);
    let skipped = skip_byte_order_mark(&mut input).with_context(|| format!("cannot read {}", path.display()))?;
    let buffered = input.fill_buf().with_context(|| format!("cannot read {}", path.display()))?;
    let delimiter = sniff_delimiter(buffered);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(input);

    let mut record = ByteRecord::new();
    let has_header = reader
        .read_byte_record(&mut record)
        .with_context(|| format!("cannot read the header row of {}", path.display()))?;
    if !has_header {
        bail!("{} is empty: expected a header row naming the columns", path.display());
    }
    let columns = Columns::from_headers(&record).with_context(|| format!("cannot import {}", path.display()))?;

    let progress = Progress(if options.show_progress {
        let bar = ProgressBar::with_draw_target(Some(file_size), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("importing [{bar:40}] {bytes}/{total_bytes} ({eta}) {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    });

    let mut indexes = Indexes { deferred: None, from_rows: options.defer_indexes_from, file_size };
    let stored: Result<ImportSummary> = async {
        let mut summary = ImportSummary::default();
        let mut batch: Vec<TicketEvent> = Vec::with_capacity(batch_size);
        let mut batch_first_line = 0;
        let mut storing = Storing::default();
        let mut last_error_at = None;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
                        continue; // spreadsheets pad exports with rows of empty cells
                    }
                    summary.rows_read += 1;
                    let line = record.position().map_or(0, |p| p.line());
                    match columns.convert(&record, &default_source, now) {
                        Ok(event) => {
                            if batch.is_empty() {
                                batch_first_line = line;
                            }
                            batch.push(event);
                        }
                        Err(reason) => summary.reject(line, reason),
                    }
                }
                Err(e) => {
                    let here = reader.position().byte();
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) || last_error_at == Some(here) {
                        storing.finish(&mut summary).await?;
                        return Err(e).with_context(|| format!("cannot read {}", path.display()));
                    }
                    last_error_at = Some(here);
                    summary.rows_read += 1;
                    let line = e.position().map_or(reader.position().line(), |p| p.line());
                    summary.reject(line, format!("unreadable CSV: {e}"));
                }
            }
            if batch.len() >= batch_size {
                storing.finish(&mut summary).await?;
                indexes.decide(store, summary.rows_read, skipped + reader.position().byte()).await?;
                let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_size));
                storing.start(store, full, batch_first_line, now);
            }
            if summary.rows_read % PROGRESS_EVERY == 0 {
                progress.0.set_position(skipped + reader.position().byte());
            }
        }
        storing.finish(&mut summary).await?;
        if !batch.is_empty() {
            indexes.decide(store, summary.rows_read, skipped + reader.position().byte()).await?;
            storing.start(store, batch, batch_first_line, now);
            storing.finish(&mut summary).await?;
        }
        Ok(summary)
    }
    .await;
    indexes.restore(store, &progress.0, stored).await
}

/// Whether this import set the ticket indexes aside (see [`Store::defer_indexes`]): decided
/// before the first batch is stored, from the file's size and the rows read so far.
struct Indexes {
    deferred: Option<bool>,
    from_rows: u64,
    file_size: u64,
}

impl Indexes {
    async fn decide(&mut self, store: &Store, rows_read: u64, bytes_read: u64) -> Result<()> {
        if self.deferred.is_some() {
            return Ok(());
        }
        let estimate = if bytes_read == 0 {
            rows_read
        } else {
            let whole = u128::from(rows_read) * u128::from(self.file_size.max(bytes_read)) / u128::from(bytes_read);
            u64::try_from(whole).unwrap_or(u64::MAX)
        };
        let deferred =
            store.defer_indexes(estimate, self.from_rows).await.context("setting the ticket indexes aside")?;
        self.deferred = Some(deferred);
        Ok(())
    }

    /// Builds the indexes again, whatever became of the import.
    async fn restore(self, store: &Store, bar: &ProgressBar, stored: Result<ImportSummary>) -> Result<ImportSummary> {
        if self.deferred == Some(true) {
            bar.set_message("building the ticket indexes");
        }
        // Also builds those an import that died before this one left missing.
        let later = "the next start of rapport builds them";
        match (stored, store.restore_indexes().await) {
            (stored, Ok(_)) => stored,
            (Ok(_), Err(e)) => Err(anyhow::Error::from(e)
                .context(format!("the tickets are imported, but building their indexes failed ({later})"))),
            (Err(e), Err(_)) => Err(e.context(format!("building the ticket indexes failed too ({later})"))),
        }
    }
}

/// The progress bar, cleared however the import ends, so that the summary or the error
/// is printed on a clean line.
struct Progress(ProgressBar);

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// The batch being stored while the next one is read: reading and checking rows keeps one
/// core busy, the database another. One batch at a time, in file order.
#[derive(Default)]
struct Storing(Option<(tokio::task::JoinHandle<rapport_store::Result<Vec<ImportOutcome>>>, u64)>);

impl Storing {
    fn start(&mut self, store: &Store, batch: Vec<TicketEvent>, first_line: u64, now: Millis) {
        debug_assert!(self.0.is_none(), "one batch at a time");
        let store = store.clone();
        let task = tokio::spawn(async move { store.import_batch_owned(batch, now).await });
        self.0 = Some((task, first_line));
    }

    /// Waits for the batch being stored, if any, and counts its outcomes.
    async fn finish(&mut self, summary: &mut ImportSummary) -> Result<()> {
        let Some((task, first_line)) = self.0.take() else {
            return Ok(());
        };
        let failed = || {
            format!(
                "storing the rows from line {first_line} on failed (the rows before are stored; \
                 importing the file again is safe)"
            )
        };
        let outcomes = task.await.map_err(anyhow::Error::from).with_context(failed)?.with_context(failed)?;
        summary.count(&outcomes);
        Ok(())
    }
}

/// Excel writes a UTF-8 byte order mark at the start of "CSV UTF-8" files.
fn skip_byte_order_mark(input: &mut impl BufRead) -> std::io::Result<u64> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if input.fill_buf()?.starts_with(BOM) {
        input.consume(BOM.len());
        return Ok(BOM.len() as u64);
    }
    Ok(0)
}

/// The delimiter of the header line: a comma unless semicolons (Excel in many European
/// locales), tabs or pipes are more frequent outside quotes.
fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = start.split(|&b| b == b'\n').next().unwrap_or_default();
    let candidates = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &byte in line {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = candidates.iter().position(|&c| c == byte) {
                counts[i] += 1;
            }
        }
    }
    let mut best = 0;
    for i in 1..candidates.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

/// A ticket field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ExternalId,
    Title,
    Status,
    Category,
    Priority,
    OpenedAt,
    ResolvedAt,
    ClosedAt,
    RequesterEmail,
    RequesterName,
    Organization,
    Vip,
    Language,
    AssigneeEmail,
    AssigneeName,
    Team,
    Source,
}

const FIELD_COUNT: usize = 17;

impl Field {
    const ALL: [Field; FIELD_COUNT] = [
        Field::ExternalId,
        Field::Title,
        Field::Status,
        Field::Category,
        Field::Priority,
        Field::OpenedAt,
        Field::ResolvedAt,
        Field::ClosedAt,
        Field::RequesterEmail,
        Field::RequesterName,
        Field::Organization,
        Field::Vip,
        Field::Language,
        Field::AssigneeEmail,
        Field::AssigneeName,
        Field::Team,
        Field::Source,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::ExternalId => "external_id",
            Field::Title => "title",
            Field::Status => "status",
            Field::Category => "category",
            Field::Priority => "priority",
            Field::OpenedAt => "opened_at",
            Field::ResolvedAt => "resolved_at",
            Field::ClosedAt => "closed_at",
            Field::RequesterEmail => "requester_email",
            Field::RequesterName => "requester_name",
            Field::Organization => "organization",
            Field::Vip => "vip",
            Field::Language => "language",
            Field::AssigneeEmail => "assignee_email",
            Field::AssigneeName => "assignee_name",
            Field::Team => "team",
            Field::Source => "source",
        }
    }

    /// Other names ticketing tools and spreadsheets use for the column.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::ExternalId => &["id", "number", "ticket", "ticket_id", "key"],
            Field::Title => &["subject", "summary", "short_description"],
            Field::Status => &["state"],
            Field::OpenedAt => &["created", "created_at", "opened"],
            Field::ResolvedAt => &["resolved"],
            Field::ClosedAt => &["closed"],
            Field::RequesterEmail => &["requester", "customer_email", "email"],
            Field::RequesterName => &["customer_name", "customer"],
            Field::Organization => &["company", "department", "client"],
            Field::AssigneeEmail => &["agent_email", "technician_email"],
            Field::AssigneeName => &["agent", "technician", "assigned_to"],
            Field::Team => &["group", "assignment_group"],
            Field::Category | Field::Priority | Field::Vip | Field::Language | Field::Source => &[],
        }
    }

    /// The field a header names, and how directly: 0 for the field's own name, 1 for an
    /// alias. Headers are compared trimmed, ignoring case, with spaces and hyphens read
    /// as underscores ("Opened At", "opened-at" and "OPENED_AT" all name `opened_at`).
    fn for_header(header: &str) -> Option<(Field, u8)> {
        let key: String = header
            .trim_start_matches('\u{feff}')
            .trim()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() })
            .collect();
        Field::ALL.into_iter().find_map(|field| {
            if field.name() == key {
                Some((field, 0))
            } else if field.aliases().contains(&key.as_str()) {
                Some((field, 1))
            } else {
                None
            }
        })
    }

    /// The column behind a field the domain's checks name.
    fn for_domain_field(field: &str) -> Option<Field> {
        Some(match field {
            "source" => Field::Source,
            "ticket.external_id" => Field::ExternalId,
            "ticket.status" => Field::Status,
            "ticket.opened_at" => Field::OpenedAt,
            "ticket.resolved_at" => Field::ResolvedAt,
            "ticket.closed_at" => Field::ClosedAt,
            "ticket.requester.email" => Field::RequesterEmail,
            "ticket.requester.language" => Field::Language,
            "ticket.assignee.email" => Field::AssigneeEmail,
            _ => return None,
        })
    }
}

/// Which column of the file holds each field.
#[derive(Debug)]
struct Columns {
    index: [Option<usize>; FIELD_COUNT],
    /// The header of each used field as the file spells it, for messages.
    labels: [String; FIELD_COUNT],
}

impl Columns {
    /// Maps the header row. A field's own name beats an alias; otherwise the leftmost
    /// column wins. Unknown columns are ignored.
    fn from_headers(headers: &ByteRecord) -> Result<Columns> {
        let headers: Vec<String> = headers.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
        let mut index = [None; FIELD_COUNT];
        let mut rank = [u8::MAX; FIELD_COUNT];
        let mut labels: [String; FIELD_COUNT] = Default::default();
        for (column, header) in headers.iter().enumerate() {
            if let Some((field, how)) = Field::for_header(header) {
                let slot = field as usize;
                if how < rank[slot] {
                    index[slot] = Some(column);
                    rank[slot] = how;
                    labels[slot] = header.trim_start_matches('\u{feff}').trim().to_string();
                }
            }
        }
        for field in [Field::ExternalId, Field::Status] {
            if index[field as usize].is_none() {
                let found = headers.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ");
                bail!(
                    "the header row has no {} column (also accepted: {}); its columns are: {found}",
                    field.name(),
                    field.aliases().join(", "),
                );
            }
        }
        Ok(Columns { index, labels })
    }

    fn label(&self, field: Field) -> &str {
        let label = &self.labels[field as usize];
        if label.is_empty() {
            field.name()
        } else {
            label
        }
    }

    /// The trimmed cells of the mapped columns ("" for an absent or missing cell).
    fn cells<'r>(&self, record: &'r ByteRecord) -> Result<[&'r str; FIELD_COUNT], String> {
        let mut cells = [""; FIELD_COUNT];
        for field in Field::ALL {
            let Some(raw) = self.index[field as usize].and_then(|i| record.get(i)) else {
                continue;
            };
            cells[field as usize] = std::str::from_utf8(raw)
                .map_err(|_| format!("{} is not valid UTF-8 (save the file as CSV UTF-8)", self.label(field)))?
                .trim();
        }
        Ok(cells)
    }

    /// Turns one row into a checked event, or says why it cannot be one.
    fn convert(&self, record: &ByteRecord, default_source: &str, now: Millis) -> Result<TicketEvent, String> {
        let cells = self.cells(record)?;
        let (input, occurred_at) = row_input(&cells, default_source, now);
        let problems: Vec<String> = self.vip_problem(&cells).into_iter().collect();
        match input.parse(occurred_at) {
            Ok(event) if problems.is_empty() => Ok(event),
            Ok(_) => Err(problems.join("; ")),
            Err(errors) => {
                let mut reasons: Vec<String> = errors
                    .iter()
                    .map(|e| match Field::for_domain_field(&e.field) {
                        Some(field) => describe(self.label(field), cells[field as usize], &e.message),
                        None => format!("{}: {}", e.field, e.message),
                    })
                    .collect();
                reasons.extend(problems);
                Err(reasons.join("; "))
            }
        }
    }

    fn vip_problem(&self, cells: &[&str; FIELD_COUNT]) -> Option<String> {
        let raw = cells[Field::Vip as usize];
        parse_vip(raw)
            .is_err()
            .then(|| describe(self.label(Field::Vip), raw, "is not one of true, false, yes, no, 1, 0"))
    }
}

/// "Closed "yesterday" is not a timestamp", "State: unknown status …".
fn describe(label: &str, value: &str, message: &str) -> String {
    if !message.starts_with("is ") {
        return format!("{label}: {message}");
    }
    if value.is_empty() {
        return format!("{label} {message}");
    }
    let mut quoted: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    if quoted.len() < value.len() {
        quoted.push('…');
    }
    format!("{label} {quoted:?} {message}")
}

fn parse_vip(raw: &str) -> Result<Option<bool>, ()> {
    match raw.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "1" => Ok(Some(true)),
        "false" | "no" | "0" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// The event input of a row and the instant it happened: closed, else resolved, else
/// opened, else `now`.
fn row_input(cells: &[&str; FIELD_COUNT], default_source: &str, now: Millis) -> (TicketEventInput, Millis) {
    let cell = |field: Field| Some(cells[field as usize]).filter(|c| !c.is_empty()).map(str::to_string);
    let source = cell(Field::Source).unwrap_or_else(|| default_source.to_string());
    let occurred_at = [Field::ClosedAt, Field::ResolvedAt, Field::OpenedAt]
        .into_iter()
        .find_map(&cell)
        .and_then(|raw| parse_instant(&raw))
        .unwrap_or(now);
    // A row without an email has no requester (or assignee) Rapport could know.
    let requester = cell(Field::RequesterEmail).map(|email| PersonInput {
        email: Some(email),
        name: cell(Field::RequesterName),
        organization: cell(Field::Organization),
        vip: parse_vip(cells[Field::Vip as usize]).unwrap_or(None),
        language: cell(Field::Language),
    });
    let assignee = cell(Field::AssigneeEmail).map(|email| PersonInput {
        email: Some(email),
        name: cell(Field::AssigneeName),
        ..PersonInput::default()
    });
    let input = TicketEventInput {
        event_id: Some(event_id(&source, cells)),
        source: Some(source),
        // Left out so that `parse` takes the instant computed here, to the millisecond.
        occurred_at: None,
        ticket: Some(TicketInput {
            external_id: cell(Field::ExternalId),
            title: cell(Field::Title),
            status: cell(Field::Status),
            category: cell(Field::Category),
            priority: cell(Field::Priority),
            opened_at: cell(Field::OpenedAt),
            resolved_at: cell(Field::ResolvedAt),
            closed_at: cell(Field::ClosedAt),
            requester,
            assignee,
            team: cell(Field::Team),
            message_id: None,
        }),
    };
    (input, occurred_at)
}

/// The same row content gives the same id, whatever the column order, header spelling,
/// unknown columns or the time of the import; any change to a used cell gives another.
fn event_id(source: &str, cells: &[&str; FIELD_COUNT]) -> String {
    let mut hash = Sha256::new();
    hash.update(b"rapport-csv-v1");
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    part(source.trim().to_ascii_lowercase().as_bytes());
    for field in Field::ALL.into_iter().filter(|&f| f != Field::Source) {
        part(cells[field as usize].as_bytes());
    }
    let digest = hex::encode(hash.finalize());
    format!("csv-{}", &digest[..40])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_domain::TicketStatus;

    fn record(cells: &[&str]) -> ByteRecord {
        ByteRecord::from(cells.to_vec())
    }

    fn columns(headers: &[&str]) -> Columns {
        Columns::from_headers(&record(headers)).unwrap()
    }

    const NOW: Millis = 1_800_000_000_000;

    #[test]
    fn headers_match_ignoring_case_space_and_aliases() {
        let c = columns(&["\u{feff}Number", " State ", "Short Description", "Assigned To", "E-mail", "Whatever"]);
        assert_eq!(c.index[Field::ExternalId as usize], Some(0));
        assert_eq!(c.index[Field::Status as usize], Some(1));
        assert_eq!(c.index[Field::Title as usize], Some(2));
        assert_eq!(c.index[Field::AssigneeName as usize], Some(3));
        assert_eq!(c.index[Field::RequesterEmail as usize], None, "e_mail is not an alias");
        assert_eq!(c.label(Field::ExternalId), "Number");
        assert_eq!(c.label(Field::Category), "category");
    }

    #[test]
    fn a_fields_own_name_beats_an_alias_and_otherwise_the_leftmost_column_wins() {
        let c = columns(&["id", "ticket", "status", "External_ID", "email", "customer_email"]);
        assert_eq!(c.index[Field::ExternalId as usize], Some(3));
        assert_eq!(c.index[Field::RequesterEmail as usize], Some(4));
    }

    #[test]
    fn a_missing_required_column_is_named_with_its_aliases() {
        let error = Columns::from_headers(&record(&["id", "title"])).unwrap_err().to_string();
        assert!(error.contains("no status column (also accepted: state)"), "{error}");
        assert!(error.contains(r#""id", "title""#), "{error}");
        let error = Columns::from_headers(&record(&["status"])).unwrap_err().to_string();
        assert!(error.contains("no external_id column"), "{error}");
    }

    #[test]
    fn a_full_row_becomes_an_event_that_happened_when_the_ticket_closed() {
        let c = columns(&[
            "ticket",
            "subject",
            "state",
            "category",
            "priority",
            "created",
            "resolved",
            "closed",
            "email",
            "customer",
            "company",
            "VIP",
            "language",
            "agent_email",
            "agent",
            "group",
        ]);
        let row = record(&[
            "INC1",
            "Printer jams",
            "Closed",
            "Hardware",
            "3",
            "2026-11-19 09:00",
            "2026-11-20T13:50:00Z",
            "2026-11-20 14:03:00",
            "Ana@Example.com",
            "Ana Silva",
            "Finance",
            "yes",
            "pt-BR",
            "tom@desk.example",
            "Tom Berg",
            "Desktop",
        ]);
        let event = c.convert(&row, "import", NOW).unwrap();
        assert_eq!(event.source, "import");
        assert_eq!(event.occurred_at, parse_instant("2026-11-20T14:03:00Z").unwrap());
        let t = event.ticket;
        assert_eq!((t.external_id.as_str(), t.status), ("INC1", TicketStatus::Closed));
        assert_eq!(t.opened_at, parse_instant("2026-11-19T09:00:00Z"));
        let requester = t.requester.unwrap();
        assert_eq!(requester.name.as_deref(), Some("Ana Silva"));
        assert_eq!(requester.organization.as_deref(), Some("Finance"));
        assert_eq!((requester.vip, requester.language.as_deref()), (Some(true), Some("pt-br")));
        assert_eq!(t.assignee.unwrap().name.as_deref(), Some("Tom Berg"));
        assert_eq!(t.team.as_deref(), Some("Desktop"));
    }

    #[test]
    fn the_event_happened_at_the_latest_known_milestone_or_now() {
        let c = columns(&["id", "status", "opened_at", "resolved_at", "closed_at"]);
        let at = |cells: &[&str]| c.convert(&record(cells), "import", NOW).unwrap().occurred_at;
        assert_eq!(at(&["1", "resolved", "2026-01-01", "2026-01-02", ""]), parse_instant("2026-01-02").unwrap());
        assert_eq!(at(&["1", "open", "2026-01-01", "", ""]), parse_instant("2026-01-01").unwrap());
        assert_eq!(at(&["1", "new", "", "", ""]), NOW);
    }

    #[test]
    fn a_requester_without_an_email_is_left_out_and_short_rows_are_padded() {
        let c = columns(&["id", "status", "requester_name", "vip", "requester_email"]);
        let event = c.convert(&record(&["1", "open", "Ana", "yes", ""]), "import", NOW).unwrap();
        assert_eq!(event.ticket.requester, None);
        let event = c.convert(&record(&["2", "open"]), "import", NOW).unwrap();
        assert_eq!(event.ticket.external_id, "2");
    }

    #[test]
    fn every_problem_of_a_row_is_named_by_the_files_own_header() {
        let c = columns(&["Number", "State", "Closed", "Email", "VIP", "Source"]);
        let reason = c
            .convert(&record(&["", "solved", "yesterday", "not an email", "maybe", "my tool!"]), "import", NOW)
            .unwrap_err();
        assert_eq!(
            reason,
            "Source: must be at most 64 letters, digits, '.', '_' or '-'; Number is required; \
             State: unknown status \"solved\": expected one of new, open, pending, resolved, closed, reopened; \
             Closed \"yesterday\" is not a timestamp (use RFC 3339, e.g. 2026-11-20T14:03:00Z); \
             Email: \"not an email\" is not an email address; VIP \"maybe\" is not one of true, false, yes, no, 1, 0"
        );
        let reason = c.convert(&record(&["1", "open", "", "", "perhaps", ""]), "import", NOW).unwrap_err();
        assert_eq!(reason, "VIP \"perhaps\" is not one of true, false, yes, no, 1, 0");
    }

    #[test]
    fn a_row_may_name_its_own_source() {
        let c = columns(&["id", "status", "source"]);
        let event = c.convert(&record(&["1", "open", "Jira"]), "import", NOW).unwrap();
        assert_eq!(event.source, "jira");
        let event = c.convert(&record(&["1", "open", ""]), "import", NOW).unwrap();
        assert_eq!(event.source, "import");
    }

    #[test]
    fn cells_that_are_not_utf8_reject_the_row() {
        let c = columns(&["id", "status", "title"]);
        let row = ByteRecord::from(vec![&b"1"[..], b"open", b"Caf\xe9"]);
        assert_eq!(
            c.convert(&row, "import", NOW).unwrap_err(),
            "title is not valid UTF-8 (save the file as CSV UTF-8)"
        );
    }

    #[test]
    fn the_event_id_depends_on_the_content_only() {
        let a = columns(&["id", "status", "title", "unrelated"]);
        let b = columns(&["Title", "Whatever", "STATE", "Ticket"]);
        let id = |c: &Columns, cells: &[&str], now| c.convert(&record(cells), "import", now).unwrap().event_id;
        let first = id(&a, &["INC1", "open", "Printer", "x"], NOW);
        assert!(first.starts_with("csv-") && first.len() == 44, "{first}");
        assert_eq!(first, id(&a, &["INC1", "open", "Printer", "y"], NOW + 1));
        assert_eq!(first, id(&b, &["Printer", "z", "open", " INC1 "], NOW));
        assert_ne!(first, id(&a, &["INC1", "closed", "Printer", "x"], NOW));
        assert_ne!(first, id(&a, &["INC1", "open", "Printers", "x"], NOW));
        let other_source = a.convert(&record(&["INC1", "open", "Printer", "x"]), "other", NOW).unwrap();
        assert_ne!(first, other_source.event_id);
    }

    #[test]
    fn cells_cannot_shift_into_each_other_in_the_event_id() {
        let c = columns(&["id", "status", "title", "category"]);
        let id = |cells: &[&str]| c.convert(&record(cells), "import", NOW).unwrap().event_id;
        assert_ne!(id(&["1", "open", "ab", "c"]), id(&["1", "open", "a", "bc"]));
    }

    #[test]
    fn the_delimiter_is_guessed_from_the_header_line() {
        assert_eq!(sniff_delimiter(b"id,status,title\n1;2;3;4;5"), b',');
        assert_eq!(sniff_delimiter(b"id;status;\"a,b,c\"\n"), b';');
        assert_eq!(sniff_delimiter(b"id\tstatus\n"), b'\t');
        assert_eq!(sniff_delimiter(b"id\n"), b',');
        assert_eq!(sniff_delimiter(b""), b',');
    }

    #[test]
    fn the_summary_lists_the_first_hundred_rejections() {
        let mut summary = ImportSummary { rows_read: 150, created: 20, ..ImportSummary::default() };
        for line in 2..132 {
            summary.reject(line, "bad".into());
        }
        let text = summary.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "rows read: 150, created: 20, updated: 0, unchanged: 0, rejected: 130");
        assert_eq!(lines[1], "line 2: bad");
        assert_eq!(lines[100], "line 101: bad");
        assert_eq!(lines[101], "… and 30 more");
        assert_eq!(lines.len(), 102);
    }

    #[test]
    fn only_so_many_rejections_are_kept_but_all_are_counted() {
        let mut summary = ImportSummary::default();
        for line in 0..(MAX_KEPT_REJECTIONS as u64 + 5) {
            summary.reject(line, "bad".into());
        }
        assert_eq!(summary.rejections.len(), MAX_KEPT_REJECTIONS);
        assert_eq!(summary.rejected, MAX_KEPT_REJECTIONS as u64 + 5);
        assert!(summary.to_string().ends_with(&format!("… and {} more", MAX_KEPT_REJECTIONS + 5 - 100)));
    }

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("rapport.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        (dir, store)
    }

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[tokio::test]
    async fn importing_again_changes_nothing_and_a_changed_row_updates_its_ticket() {
        let (dir, store) = store().await;
        let options = ImportOptions { batch_size: 2, ..ImportOptions::default() };
        let csv = "id,status,title,closed\n1,open,A,\n2,closed,B,2026-01-02\n3,solved,C,\n4,new,D,\n5,open,E,\n";
        let path = write(&dir, "a.csv", csv);
        let first = import_tickets(&store, &path, &options, NOW).await.unwrap();
        assert_eq!((first.rows_read, first.created, first.updated, first.unchanged, first.rejected), (5, 4, 0, 0, 1));
        assert_eq!(first.rejections[0].line, 4);
        let again = import_tickets(&store, &path, &options, NOW + 60_000).await.unwrap();
        assert_eq!((again.created, again.updated, again.unchanged, again.rejected), (0, 0, 4, 1));
        let changed = write(&dir, "b.csv", &csv.replace("1,open,A,", "1,closed,A,2026-01-03"));
        let later = import_tickets(&store, &changed, &options, NOW + 120_000).await.unwrap();
        assert_eq!((later.created, later.updated, later.unchanged, later.rejected), (0, 1, 3, 1));
    }

    #[tokio::test]
    async fn a_large_import_sets_the_ticket_indexes_aside_and_builds_them_again() {
        let (dir, store) = store().await;
        let indexes = || async {
            let sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets'";
            store.read(move |conn| conn.value::<i64>(sql, &[])).await.unwrap()
        };
        let all = indexes().await;
        let options = ImportOptions { batch_size: 2, defer_indexes_from: 3, ..ImportOptions::default() };
        let csv = "id,status,title\n1,open,A\n2,closed,B\n3,solved,C\n4,new,D\n5,open,E\n";
        let path = write(&dir, "a.csv", csv);
        let first = import_tickets(&store, &path, &options, NOW).await.unwrap();
        assert_eq!((first.created, first.rejected, first.rejections[0].line), (4, 1, 4));
        assert_eq!(indexes().await, all);
        // Left aside by an import that died: the next one, small, builds them at its end.
        assert!(store.defer_indexes(10, 1).await.unwrap());
        assert_eq!(indexes().await, all - 4);
        let small = ImportOptions { batch_size: 2, ..ImportOptions::default() };
        let again = import_tickets(&store, &path, &small, NOW + 60_000).await.unwrap();
        assert_eq!((again.created, again.unchanged), (0, 4));
        assert_eq!(indexes().await, all);
    }

    #[tokio::test]
    async fn semicolons_a_byte_order_mark_and_ragged_rows_are_read() {
        let (dir, store) = store().await;
        let path = write(&dir, "excel.csv", "\u{feff}Ticket;State;Title\r\n1;open\r\n;;\r\n2;open;x;extra\r\n");
        let summary = import_tickets(&store, &path, &ImportOptions::default(), NOW).await.unwrap();
        assert_eq!((summary.rows_read, summary.created, summary.rejected), (2, 2, 0), "{summary}");
    }

    #[tokio::test]
    async fn a_file_without_the_required_columns_or_rows_is_refused() {
        let (dir, store) = store().await;
        let options = ImportOptions::default();
        let no_status = write(&dir, "a.csv", "id,title\n1,x\n");
        let error = import_tickets(&store, &no_status, &options, NOW).await.unwrap_err();
        assert!(format!("{error:#}").contains("no status column"), "{error:#}");
        let empty = write(&dir, "b.csv", "");
        let error = import_tickets(&store, &empty, &options, NOW).await.unwrap_err();
        assert!(error.to_string().contains("is empty"), "{error:#}");
        let bad_source = ImportOptions { source: "my tool".into(), ..ImportOptions::default() };
        assert!(import_tickets(&store, &no_status, &bad_source, NOW).await.is_err());
    }
}
