//! Fonts, text measurement and line breaking, also used by other PDF renderers of Rapport.
//!
//! Text is measured with rustybuzz, the same shaper krilla's `draw_text` uses, on the same
//! font bytes, so a measured width is the width that ends up on paper.

use krilla::text::Font;

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Fraction of the font size from a line box's top to the baseline. DejaVu's ascender is 0.928 em.
const BASELINE: f32 = 0.95;
/// Line height as a fraction of the font size. DejaVu's descender is 0.236 em, so
/// `BASELINE + 0.236 < LINE_HEIGHT`: nothing is drawn below a line box.
const LINE_HEIGHT: f32 = 1.24;
/// The most characters of one field that are ever looked at; anything longer is cut before layout.
const MAX_FIELD_CHARS: usize = 2000;
/// The ellipsis appended to text that was cut.
pub const ELLIPSIS: &str = "…";

/// One font: the krilla handle for drawing and a rustybuzz face for measuring.
pub struct FontFace {
    /// The font for krilla's `draw_text`.
    pub font: Font,
    face: rustybuzz::Face<'static>,
    units_per_em: f32,
}

impl FontFace {
    fn load(data: &'static [u8]) -> Option<Self> {
        let font = Font::new(krilla::Data::from(data), 0)?;
        let face = rustybuzz::Face::from_slice(data, 0)?;
        let units_per_em = face.units_per_em() as f32;
        Some(FontFace { font, face, units_per_em })
    }

    /// The advance width of `text` set in one line at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        if text.is_empty() {
            return 0.0;
        }
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&self.face, &[], buffer);
        let units: i64 = shaped.glyph_positions().iter().map(|p| i64::from(p.x_advance)).sum();
        units as f32 / self.units_per_em * size
    }

    /// The largest prefix of `text` (at least one character, ending on a character boundary)
    /// that is at most `max_width` wide; returns its length in bytes.
    fn fitting_prefix(&self, text: &str, size: f32, max_width: f32) -> usize {
        let mut fit = text.chars().next().map_or(0, char::len_utf8);
        for (index, c) in text.char_indices().skip(1) {
            let end = index + c.len_utf8();
            if self.width(&text[..end], size) > max_width {
                break;
            }
            fit = end;
        }
        fit
    }

    /// `text` on one line no wider than `max_width`: unchanged if it fits, otherwise cut and
    /// ended with "…". Returns an empty string if not even "…" fits.
    pub fn ellipsize(&self, text: &str, size: f32, max_width: f32) -> String {
        if self.width(text, size) <= max_width {
            return text.to_owned();
        }
        with_ellipsis(self, text, size, max_width)
    }
}

/// `text` cut so that `text + "…"` fits `max_width`, with the ellipsis always added.
fn with_ellipsis(face: &FontFace, text: &str, size: f32, max_width: f32) -> String {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let candidate = |count: usize| format!("{}{ELLIPSIS}", text[..bounds[count]].trim_end());
    // Binary search for the longest prefix (in characters) that fits together with the ellipsis.
    let (mut lo, mut hi) = (0usize, bounds.len() - 1);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if face.width(&candidate(mid), size) <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let result = candidate(lo);
    if face.width(&result, size) <= max_width {
        result
    } else {
        String::new()
    }
}

/// The two embedded fonts.
pub struct Fonts {
    /// DejaVu Sans.
    pub regular: FontFace,
    /// DejaVu Sans Bold.
    pub bold: FontFace,
}

impl Fonts {
    /// Loads the embedded DejaVu fonts; `None` only if the bundled files are broken.
    pub fn load() -> Option<Self> {
        Some(Fonts { regular: FontFace::load(REGULAR_TTF)?, bold: FontFace::load(BOLD_TTF)? })
    }
}

/// The height of one line of text at `size` points.
pub fn line_height(size: f32) -> f32 {
    size * LINE_HEIGHT
}

/// The baseline of a line whose box starts at `top`.
pub fn baseline(top: f32, size: f32) -> f32 {
    top + size * BASELINE
}

/// Makes caller text safe for a single line: control characters become spaces, runs of
/// whitespace collapse to one space, and overly long input is cut.
pub(crate) fn one_line(text: &str) -> String {
    let cleaned: String = text.chars().take(MAX_FIELD_CHARS).map(|c| if c.is_control() { ' ' } else { c }).collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Like [`one_line`] but keeps line breaks (as `\n`) so paragraphs survive.
pub(crate) fn paragraphs(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .take(MAX_FIELD_CHARS)
        .filter(|c| *c != '\r')
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    cleaned.split('\n').map(one_line).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("\n")
}

enum Token<'a> {
    Word(&'a str),
    Break,
}

/// Breaks `text` into at most `max_lines` lines, line `i` being at most `max_width(i)` wide.
///
/// Breaks between words, and inside a word only if the word alone is too wide. `\n` starts a
/// new line. If the text does not fit, the last line ends with "…".
pub fn wrap(face: &FontFace, size: f32, text: &str, max_lines: usize, max_width: impl Fn(usize) -> f32) -> Vec<String> {
    let mut tokens = Vec::new();
    for (index, paragraph) in text.split('\n').enumerate() {
        if index > 0 {
            tokens.push(Token::Break);
        }
        tokens.extend(paragraph.split_whitespace().map(Token::Word));
    }

    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut truncated = false;
    let mut position = 0;
    'tokens: while position < tokens.len() {
        if lines.len() == max_lines {
            truncated = true;
            break;
        }
        match tokens[position] {
            Token::Break => {
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
            }
            Token::Word(word) => {
                let width = max_width(lines.len());
                let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
                if face.width(&candidate, size) <= width {
                    current = candidate;
                } else {
                    if !current.is_empty() {
                        lines.push(std::mem::take(&mut current));
                        if lines.len() == max_lines {
                            truncated = true;
                            break 'tokens;
                        }
                    }
                    // The word starts a line; split it if it is wider than a whole line.
                    let mut rest = word;
                    loop {
                        let width = max_width(lines.len());
                        let cut = face.fitting_prefix(rest, size, width);
                        if cut == rest.len() {
                            current = rest.to_owned();
                            break;
                        }
                        lines.push(rest[..cut].to_owned());
                        rest = &rest[cut..];
                        if lines.len() == max_lines {
                            truncated = true;
                            break 'tokens;
                        }
                    }
                }
            }
        }
        position += 1;
    }
    if !current.is_empty() {
        if lines.len() < max_lines {
            lines.push(current);
        } else {
            truncated = true;
        }
    }
    if truncated {
        let index = lines.len().saturating_sub(1);
        if let Some(last) = lines.last_mut() {
            *last = with_ellipsis(face, last, size, max_width(index));
        }
    }
    lines
}

/// Breaks `text` (a URL or other text without useful word boundaries) at any character,
/// into at most `max_lines` lines of at most `max_width`; the last line ends with "…" if cut.
pub(crate) fn wrap_anywhere(face: &FontFace, size: f32, text: &str, max_lines: usize, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() && lines.len() < max_lines {
        let cut = face.fitting_prefix(rest, size, max_width);
        lines.push(rest[..cut].to_owned());
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        if let Some(last) = lines.last_mut() {
            *last = with_ellipsis(face, last, size, max_width);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load().expect("bundled fonts load")
    }

    #[test]
    fn widths_grow_with_text_and_size() {
        let f = fonts();
        let short = f.regular.width("Ana", 10.0);
        let long = f.regular.width("Ana Silva", 10.0);
        assert!(short > 0.0 && long > short);
        assert!((f.regular.width("Ana", 20.0) - 2.0 * short).abs() < 0.01);
        assert!(f.bold.width("Ana Silva", 10.0) > long);
    }

    #[test]
    fn ellipsize_keeps_fitting_text_and_cuts_the_rest() {
        let f = fonts();
        assert_eq!(f.regular.ellipsize("Printer", 10.0, 200.0), "Printer");
        let cut = f.regular.ellipsize(&"Printer jams ".repeat(30), 10.0, 100.0);
        assert!(cut.ends_with(ELLIPSIS), "{cut}");
        assert!(f.regular.width(&cut, 10.0) <= 100.0);
        assert_eq!(f.regular.ellipsize("Printer", 10.0, 1.0), "");
    }

    #[test]
    fn wrap_respects_width_and_line_limit() {
        let f = fonts();
        let text = "Zoë Ørsted — 東京 ".repeat(40) + &"x".repeat(300);
        for max_lines in [1, 2, 5, 50] {
            let lines = wrap(&f.regular, 9.0, &text, max_lines, |i| if i == 0 { 120.0 } else { 200.0 });
            assert!(!lines.is_empty() && lines.len() <= max_lines);
            for (i, line) in lines.iter().enumerate() {
                let limit = if i == 0 { 120.0 } else { 200.0 };
                assert!(f.regular.width(line, 9.0) <= limit + 0.01, "line {i} too wide: {line}");
            }
            if max_lines < 50 {
                assert!(lines.last().is_some_and(|l| l.ends_with(ELLIPSIS)));
            }
        }
    }

    #[test]
    fn wrap_keeps_short_text_whole_and_honours_line_breaks() {
        let f = fonts();
        assert_eq!(wrap(&f.regular, 9.0, "Back tomorrow", 3, |_| 300.0), vec!["Back tomorrow"]);
        assert_eq!(wrap(&f.regular, 9.0, "one\ntwo", 3, |_| 300.0), vec!["one", "two"]);
        assert!(wrap(&f.regular, 9.0, "", 3, |_| 300.0).is_empty());
        assert!(wrap(&f.regular, 9.0, "anything", 0, |_| 300.0).is_empty());
    }

    #[test]
    fn wrap_anywhere_splits_urls() {
        let f = fonts();
        let url = format!("https://desk.example.com/s/{}?src=card", "0123456789abcdef".repeat(2));
        let lines = wrap_anywhere(&f.regular, 6.0, &url, 3, 80.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), url);
        let cut = wrap_anywhere(&f.regular, 6.0, &url.repeat(20), 2, 80.0);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with(ELLIPSIS));
    }

    #[test]
    fn cleaning_removes_control_characters() {
        assert_eq!(one_line("  Ana\tSilva\n\u{7}x "), "Ana Silva x");
        assert_eq!(paragraphs("a\r\n\n  b  c\n"), "a\nb c");
        assert_eq!(one_line(&"é".repeat(5000)).chars().count(), MAX_FIELD_CHARS);
    }
}
