//! A directory of `.eml` files standing in for an SMTP server: for development, demos, and
//! a staff view of what would have been sent.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::parse::raw_header;
use crate::MailError;

/// One file in a [`MailboxDir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxEntry {
    pub file_name: String,
    pub modified: DateTime<Utc>,
}

/// Delivers each message to `<dir>/<date>-<message id>.eml`.
///
/// Both parts of the name come from the message's own `Date` and `Message-ID` headers, so
/// the stored bytes always map to the same name: a retry replaces the file instead of
/// adding a second one, and names sort by the message's date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxDir {
    dir: PathBuf,
}

impl MailboxDir {
    pub fn new(dir: impl Into<PathBuf>) -> MailboxDir {
        MailboxDir { dir: dir.into() }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes the message atomically (a temporary file renamed into place, so a reader
    /// never sees half a message), creating the directory if needed. Returns the file name.
    pub async fn deliver(&self, raw: &[u8]) -> Result<String, MailError> {
        let dir = self.dir.clone();
        let name = file_name_for(raw);
        let raw = raw.to_vec();
        let written = name.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &raw))
            .await
            .map_err(|e| MailError::Io(std::io::Error::other(e)))??;
        Ok(written)
    }

    /// The `.eml` files, oldest message first (by name). A missing or unreadable
    /// directory is an empty mailbox.
    pub fn list(&self) -> Vec<MailboxEntry> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<MailboxEntry> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let file_name = e.file_name().into_string().ok()?;
                let meta = e.metadata().ok()?;
                (is_plain_eml_name(&file_name) && meta.is_file()).then(|| MailboxEntry {
                    file_name,
                    modified: meta.modified().map(DateTime::from).unwrap_or_default(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.file_name.cmp(&b.file_name));
        out
    }

    /// The bytes of one message, by a file name from [`MailboxDir::list`]. Anything but a
    /// plain `.eml` file name in this directory (paths, `..`, hidden files) is refused.
    pub fn read(&self, file_name: &str) -> Option<Vec<u8>> {
        if !is_plain_eml_name(file_name) {
            return None;
        }
        std::fs::read(self.dir.join(file_name)).ok()
    }
}

fn write_atomically(dir: &Path, name: &str, raw: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // Hidden and not `.eml`, so `list` never shows a half-written file.
    let tmp = dir.join(format!(".{name}.{}.tmp", hex::encode(rand::random::<[u8; 8]>())));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(raw)?;
        file.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `<YYYYMMDDTHHMMSSZ>-<message id>.eml` from the message's headers. Without a Message-ID
/// the id part is a hash of the bytes (still the same on a retry); without a usable Date
/// the date part is `undated`.
pub fn file_name_for(raw: &[u8]) -> String {
    let date = raw_header(raw, "Date")
        .and_then(|d| DateTime::parse_from_rfc2822(&d).ok())
        .map(|d| d.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|| "undated".to_owned());
    let id = raw_header(raw, "Message-ID")
        .map(|id| id.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
        .filter(|id| !id.is_empty())
        .map(|id| escape_id(&id))
        .unwrap_or_else(|| format!("nomsgid-{:016x}", fnv1a(raw)));
    format!("{date}-{id}.eml")
}

/// Keeps `[A-Za-z0-9.@_+-]` and writes every other byte as `%XX`: one-to-one, so two ids
/// never share a file, and nothing can act as a path separator. Very long ids are cut and
/// given a hash of the whole id, to stay under file-name limits.
fn escape_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"._@+-".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.len() > 200 {
        out.truncate(180);
        out.push_str(&format!("~{:016x}", fnv1a(id.as_bytes())));
    }
    out
}

/// A stable 64-bit hash (FNV-1a) for file names; std's hasher may change between releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A name `file_name_for` could have produced: no separators, not hidden, ends in `.eml`.
fn is_plain_eml_name(name: &str) -> bool {
    name.len() <= 255
        && name.len() > ".eml".len()
        && name.ends_with(".eml")
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._@+-%~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_eml_names_are_readable() {
        assert!(is_plain_eml_name("20250101T000000Z-a.b@x.example.eml"));
        for bad in
            ["../secret.eml", "a/b.eml", "a\\b.eml", ".hidden.eml", ".eml", "mail.txt", "/etc/passwd", "..", "x.eml\0"]
        {
            assert!(!is_plain_eml_name(bad), "{bad:?} was accepted");
        }
    }

    #[test]
    fn escaped_ids_are_distinct_and_safe() {
        assert_eq!(escape_id("a/b@x"), "a%2Fb@x");
        assert_ne!(escape_id("a/b@x"), escape_id("a_b@x"));
        assert_ne!(escape_id("a%2Fb@x"), escape_id("a/b@x"));
        let long = escape_id(&"x".repeat(1000));
        assert!(long.len() <= 200, "{}", long.len());
    }

    #[test]
    fn file_name_comes_from_date_and_message_id() {
        let raw = b"Date: Tue, 04 Mar 2025 10:20:30 +0000\r\nMessage-ID: <inv-42.1@rapport.example>\r\n\r\nbody";
        assert_eq!(file_name_for(raw), "20250304T102030Z-inv-42.1@rapport.example.eml");
        let no_id = b"Subject: x\r\n\r\nbody";
        assert_eq!(file_name_for(no_id), file_name_for(no_id));
        assert!(file_name_for(no_id).starts_with("undated-nomsgid-"));
    }
}
