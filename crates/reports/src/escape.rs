//! Escaping of caller text for spreadsheets (formula injection) and HTML.

use std::borrow::Cow;

/// Makes text safe as a spreadsheet cell (CSV or XLSX), following the OWASP advice on CSV
/// injection:
///
/// * text whose first character is `=`, `+`, `-`, `@`, a tab, a carriage return or any other
///   control character gets a leading apostrophe `'`, so that no spreadsheet reads it as a
///   formula (`=HYPERLINK(…)` becomes `'=HYPERLINK(…)`);
/// * control characters other than tab and newline are then removed (a carriage return of a
///   Windows line break included), as are U+FFFE and U+FFFF, which XML cannot hold.
///
/// Text that needs neither is returned unchanged without copying. Only text cells go through
/// here: numbers are written as numbers, so a negative number stays a number.
pub fn escape_formula(text: &str) -> Cow<'_, str> {
    let dangerous_start = text.chars().next().is_some_and(|c| matches!(c, '=' | '+' | '-' | '@') || c.is_control());
    let has_removable = text.chars().any(removable);
    if !dangerous_start && !has_removable {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 1);
    if dangerous_start {
        out.push('\'');
    }
    out.extend(text.chars().filter(|c| !removable(*c)));
    Cow::Owned(out)
}

fn removable(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// Escapes text for HTML element content and double-quoted attribute values; control
/// characters other than tab and newline are dropped.
pub(crate) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if removable(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Caller text for one line of plain output: control characters and line breaks become
/// spaces and runs of whitespace collapse.
pub(crate) fn one_line(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Caller text that may span lines: `\r\n` and `\r` become `\n`, other control characters
/// (but tabs) are dropped, and each line's whitespace collapses; empty lines are dropped.
pub(crate) fn paragraphs(text: &str) -> String {
    let unified = text.replace("\r\n", "\n").replace('\r', "\n");
    unified.split('\n').map(one_line).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_an_apostrophe() {
        for dangerous in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\u{1}x"] {
            let escaped = escape_formula(dangerous);
            assert!(escaped.starts_with('\''), "{dangerous:?} -> {escaped:?}");
        }
        assert_eq!(escape_formula("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(escape_formula("\u{7}=1"), "'=1");
        assert_eq!(escape_formula("\rx"), "'x");
    }

    #[test]
    fn harmless_text_is_borrowed_and_controls_are_removed() {
        assert!(matches!(escape_formula("Printer jams"), Cow::Borrowed(_)));
        assert!(matches!(escape_formula(""), Cow::Borrowed(_)));
        assert_eq!(escape_formula("a\u{0}b\u{1b}c\td\ne\u{FFFF}"), "abc\td\ne");
        assert_eq!(escape_formula("a-b = c"), "a-b = c");
    }

    #[test]
    fn html_escapes_markup_and_drops_controls() {
        assert_eq!(
            html("<script>\"x\" & 'y'\u{0}</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn text_cleaning() {
        assert_eq!(one_line(" a\n\tb\u{7} c "), "a b c");
        assert_eq!(paragraphs("a\r\n\r\n b  c\rd\n"), "a\nb c\nd");
    }
}
