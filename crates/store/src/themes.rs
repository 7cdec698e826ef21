//! Managers' names for comment themes: renames (key → label) and merges (key → the key it
//! joins), with who changed them and when. Every change is also written to the audit log in
//! the same transaction. Keys are the stable stems of `rapport_domain::themes`.

use crate::db::Conn;
use crate::params;
use crate::{Result, StoreError};
use rapport_domain::themes::ThemeNames;
use rapport_domain::time::Millis;

/// One key's names as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRecord {
    pub key: String,
    pub label: Option<String>,
    pub merged_into: Option<String>,
    /// The name of the person who changed it last.
    pub updated_by: Option<String>,
    pub updated_at: Millis,
}

pub fn records(conn: &mut dyn Conn) -> Result<Vec<NameRecord>> {
    conn.query(
        "SELECT n.key, n.label, n.merged_into, u.name, n.updated_at
         FROM theme_names n LEFT JOIN staff_users u ON u.id = n.updated_by ORDER BY n.key",
        params![],
    )?
    .iter()
    .map(|r| {
        Ok(NameRecord {
            key: r.get(0)?,
            label: r.get(1)?,
            merged_into: r.get(2)?,
            updated_by: r.get(3)?,
            updated_at: r.get(4)?,
        })
    })
    .collect()
}

/// All names and merges, as `find_themes` takes them.
pub fn names(conn: &mut dyn Conn) -> Result<ThemeNames> {
    Ok(to_names(&records(conn)?))
}

/// The names and merges among some records.
pub fn to_names(records: &[NameRecord]) -> ThemeNames {
    let mut names = ThemeNames::default();
    for record in records {
        if let Some(label) = &record.label {
            names.labels.insert(record.key.clone(), label.clone());
        }
        if let Some(into) = &record.merged_into {
            names.merged_into.insert(record.key.clone(), into.clone());
        }
    }
    names
}

fn audit(conn: &mut dyn Conn, user_id: i64, action: &str, key: &str, detail: &str, now: Millis) -> Result<()> {
    let actor: Option<String> = conn
        .query_opt("SELECT email FROM staff_users WHERE id = $1", params![user_id])?
        .map(|r| r.get(0))
        .transpose()?;
    let actor = actor.unwrap_or_else(|| format!("user {user_id}"));
    conn.execute(
        "INSERT INTO audit_log (actor, action, subject, detail, at) VALUES ($1, $2, $3, $4, $5)",
        params![actor, action, format!("theme {key}"), detail, now],
    )?;
    Ok(())
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// Names the theme `key` (the label is stored trimmed).
pub fn rename(conn: &mut dyn Conn, key: &str, label: &str, user_id: i64, now: Millis) -> Result<()> {
    if blank(key) || blank(label) {
        return Err(StoreError::Conflict("a theme and its new name are both needed".into()));
    }
    let label = label.trim();
    conn.execute(
        "INSERT INTO theme_names (key, label, merged_into, updated_by, updated_at) VALUES ($1, $2, NULL, $3, $4)
         ON CONFLICT (key) DO UPDATE SET label = excluded.label, updated_by = excluded.updated_by,
             updated_at = excluded.updated_at",
        params![key, label, user_id, now],
    )?;
    audit(conn, user_id, "theme_renamed", key, label, now)
}

/// Merges `from_key` into the theme `into_key` is shown under (a chain of merges is followed
/// to its end, and that end is stored). Refuses a merge into itself and one that would make
/// a loop. Answers the key it was merged into.
pub fn merge(conn: &mut dyn Conn, from_key: &str, into_key: &str, user_id: i64, now: Millis) -> Result<String> {
    if blank(from_key) || blank(into_key) {
        return Err(StoreError::Conflict("two themes are needed to merge".into()));
    }
    let names = names(conn)?;
    let target = names.resolve(into_key).to_string();
    if target == from_key {
        return Err(StoreError::Conflict(if from_key == into_key {
            "a theme cannot be merged into itself".to_string()
        } else {
            "that theme is already merged into this one".to_string()
        }));
    }
    conn.execute(
        "INSERT INTO theme_names (key, label, merged_into, updated_by, updated_at) VALUES ($1, NULL, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET merged_into = excluded.merged_into, updated_by = excluded.updated_by,
             updated_at = excluded.updated_at",
        params![from_key, target, user_id, now],
    )?;
    audit(conn, user_id, "theme_merged", from_key, &format!("into {target}"), now)?;
    Ok(target)
}

/// Undoes the name and the merge of `key`; keys merged into it stay merged. Answers whether
/// there was anything to undo.
pub fn reset(conn: &mut dyn Conn, key: &str, user_id: i64, now: Millis) -> Result<bool> {
    let removed = conn.execute("DELETE FROM theme_names WHERE key = $1", params![key])? > 0;
    if removed {
        audit(conn, user_id, "theme_reset", key, "", now)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::sqlite::SqliteConn;

    fn database() -> (tempfile::TempDir, SqliteConn, i64) {
        let dir = tempfile::tempdir().unwrap();
        let mut sqlite = SqliteConn::open(&dir.path().join("themes.db")).unwrap();
        let conn: &mut dyn Conn = &mut sqlite;
        crate::db::migrate::run(conn).unwrap();
        conn.execute(
            "INSERT INTO staff_users (email, name, role, password_hash, must_change_password, created_at)
             VALUES ('boss@desk.example', 'Bo Boss', 'manager', 'x', 0, 0)",
            params![],
        )
        .unwrap();
        let id: i64 = conn.value("SELECT id FROM staff_users", params![]).unwrap();
        (dir, sqlite, id)
    }

    #[test]
    fn renames_merges_and_resets_are_kept_with_who_and_when() {
        let (_dir, mut sqlite, boss) = database();
        let conn: &mut dyn Conn = &mut sqlite;
        rename(conn, "printer", "  Printing  ", boss, 10).unwrap();
        rename(conn, "printer", "Printers on floor 3", boss, 20).unwrap();
        assert_eq!(merge(conn, "druck", "printer", boss, 30).unwrap(), "printer");
        // Into a key that is itself merged: stored as the end of the chain.
        assert_eq!(merge(conn, "impressor", "druck", boss, 40).unwrap(), "printer");
        let names = names(conn).unwrap();
        assert_eq!(names.labels.get("printer").map(String::as_str), Some("Printers on floor 3"));
        assert_eq!(names.merged_into.get("druck").map(String::as_str), Some("printer"));
        assert_eq!(names.merged_into.get("impressor").map(String::as_str), Some("printer"));
        let printer = records(conn).unwrap().into_iter().find(|r| r.key == "printer").unwrap();
        assert_eq!((printer.updated_by.as_deref(), printer.updated_at), (Some("Bo Boss"), 20));

        let refused = merge(conn, "printer", "printer", boss, 50).unwrap_err();
        assert!(refused.to_string().contains("itself"), "{refused}");
        let looped = merge(conn, "printer", "druck", boss, 50).unwrap_err();
        assert!(matches!(looped, StoreError::Conflict(_)), "a loop is refused");
        assert!(rename(conn, "printer", "   ", boss, 50).is_err());

        assert!(reset(conn, "druck", boss, 60).unwrap());
        assert!(!reset(conn, "druck", boss, 61).unwrap(), "nothing left to undo");
        let names = super::names(conn).unwrap();
        assert!(!names.merged_into.contains_key("druck"));
        assert_eq!(names.resolve("impressor"), "printer");
        let audited: i64 = conn
            .value(
                "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'theme_%' AND actor = 'boss@desk.example'",
                params![],
            )
            .unwrap();
        assert_eq!(audited, 5, "two renames, two merges, one reset");
    }
}
