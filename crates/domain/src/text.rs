//! Cleaning of free text that comes from outside (ticket titles, names, comments).

/// Trims, removes control characters (keeping line breaks and tabs when `multiline`),
/// and returns `None` for an empty result.
pub fn clean(raw: &str, multiline: bool) -> Option<String> {
    let cleaned: String = raw.chars().filter(|c| !c.is_control() || (multiline && matches!(c, '\n' | '\t'))).collect();
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Like [`clean`] for a one-line value, cut to at most `max_chars` characters.
pub fn clean_line(raw: &str, max_chars: usize) -> Option<String> {
    clean(raw, false).map(|s| s.chars().take(max_chars).collect::<String>().trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_characters_are_removed_and_blank_is_none() {
        assert_eq!(clean_line("  Printer\u{0}\r\n jams ", 100).as_deref(), Some("Printer jams"));
        assert_eq!(clean("a\nb\u{7}", true).as_deref(), Some("a\nb"));
        assert_eq!(clean(" \t\r\n", true), None);
    }

    proptest! {
        #[test]
        fn a_clean_line_is_short_and_has_no_control_characters(raw in "\\PC*\\p{Cc}*\\PC*", max in 1usize..50) {
            if let Some(line) = clean_line(&raw, max) {
                prop_assert!(line.chars().count() <= max);
                prop_assert!(!line.chars().any(char::is_control));
            }
        }
    }
}
