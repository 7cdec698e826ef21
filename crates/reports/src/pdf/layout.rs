//! The page flow: a cursor moving down A4 pages, starting a new page when content would run
//! into the footer, and text measured and wrapped with the same shaper that draws it.

use rapport_postcards::text::{baseline, line_height, wrap, Fonts, ELLIPSIS};

use super::canvas::{face, Op, Rgb, Weight, ACCENT, MUTED, RULE};
use crate::escape::paragraphs;

/// A4 portrait in points.
pub(crate) const PAGE_W: f32 = 595.275_6;
pub(crate) const PAGE_H: f32 = 841.889_8;
/// 18 mm side margins, 18 mm top margin; content stops 22 mm above the bottom edge, leaving
/// room for the footer.
pub(crate) const MARGIN: f32 = 51.0;
pub(crate) const TOP: f32 = 51.0;
pub(crate) const BOTTOM: f32 = PAGE_H - 62.0;
/// The most characters of one text that are laid out; longer text is cut with "…".
const MAX_CHARS: usize = 20_000;
/// Lines of one text at most (a 20,000-character text needs about 250 lines).
pub(crate) const MANY_LINES: usize = 2_000;

/// One line of a [`Block`]: its height and the text runs on it.
pub(crate) struct Line {
    pub(crate) height: f32,
    /// (x offset from the block's left, weight, size, colour, text); the baseline follows
    /// from the line's top and the run's size.
    pub(crate) runs: Vec<(f32, Weight, f32, Rgb, String)>,
}

/// Lines that belong together, such as a quote and its attribution.
pub(crate) struct Block {
    pub(crate) lines: Vec<Line>,
    /// A coloured bar left of every line (quotes, improvements).
    pub(crate) bar: Option<Rgb>,
}

pub(crate) struct Flow<'f> {
    pub(crate) fonts: &'f Fonts,
    pub(crate) pages: Vec<Vec<Op>>,
    /// The top of the next thing to place.
    pub(crate) y: f32,
}

impl<'f> Flow<'f> {
    pub(crate) fn new(fonts: &'f Fonts) -> Self {
        Flow { fonts, pages: vec![Vec::new()], y: TOP }
    }

    /// The width of the content column.
    pub(crate) fn width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    pub(crate) fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits on this one (or the page is empty, so a
    /// new page would not help). Returns whether a page was started.
    pub(crate) fn ensure(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM && self.y > TOP + 0.5 {
            self.new_page();
            return true;
        }
        false
    }

    /// The height a page has for content.
    pub(crate) fn page_room() -> f32 {
        BOTTOM - TOP
    }

    /// One line of text whose line box starts at `top`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text(&mut self, weight: Weight, size: f32, colour: Rgb, x: f32, top: f32, text: String) {
        self.push(Op::Text { weight, size, colour, x, baseline: baseline(top, size), text });
    }

    pub(crate) fn measure(&self, weight: Weight, size: f32, text: &str) -> f32 {
        face(self.fonts, weight).width(text, size)
    }

    /// `text` on one line of at most `width`, cut with "…".
    pub(crate) fn ellipsize(&self, weight: Weight, size: f32, text: &str, width: f32) -> String {
        face(self.fonts, weight).ellipsize(text, size, width.max(0.0))
    }

    /// Caller text wrapped to `width`, at most `max_lines` lines (the last cut with "…").
    /// Line breaks in the text are kept; control characters are dropped.
    pub(crate) fn wrap(&self, weight: Weight, size: f32, text: &str, width: f32, max_lines: usize) -> Vec<String> {
        let mut cleaned = paragraphs(text);
        if let Some((cut, _)) = cleaned.char_indices().nth(MAX_CHARS) {
            cleaned.truncate(cut);
            cleaned.push_str(ELLIPSIS);
        }
        wrap(face(self.fonts, weight), size, &cleaned, max_lines, |_| width.max(1.0))
    }

    /// A section heading, kept on a page with at least `keep` points of what follows.
    pub(crate) fn heading(&mut self, title: &str, keep: f32) {
        let size = 13.0;
        let lines = self.wrap(Weight::Bold, size, title, self.width(), 3);
        let height = lines.len() as f32 * line_height(size) + 8.0;
        self.y += 10.0;
        self.ensure(height + keep);
        for line in lines {
            self.text(Weight::Bold, size, ACCENT, MARGIN, self.y, line);
            self.y += line_height(size);
        }
        self.push(Op::Rect { x: MARGIN, y: self.y + 1.0, w: self.width(), h: 0.6, colour: RULE });
        self.y += 7.0;
    }

    /// Wrapped text as a block of lines, starting `indent` right of the margin.
    pub(crate) fn text_lines(
        &self,
        weight: Weight,
        size: f32,
        colour: Rgb,
        indent: f32,
        text: &str,
        max_lines: usize,
    ) -> Vec<Line> {
        self.wrap(weight, size, text, self.width() - indent, max_lines)
            .into_iter()
            .map(|line| Line { height: line_height(size), runs: vec![(indent, weight, size, colour, line)] })
            .collect()
    }

    /// Places a block: on one page when it fits on a page, otherwise line by line across pages.
    pub(crate) fn block(&mut self, block: Block) {
        let total: f32 = block.lines.iter().map(|l| l.height).sum();
        if total <= Self::page_room() {
            self.ensure(total);
        }
        for line in block.lines {
            self.ensure(line.height);
            if let Some(colour) = block.bar {
                self.push(Op::Rect { x: MARGIN, y: self.y, w: 2.5, h: line.height, colour });
            }
            let top = self.y;
            for (dx, weight, size, colour, text) in line.runs {
                self.text(weight, size, colour, MARGIN + dx, top, text);
            }
            self.y += line.height;
        }
    }

    /// A paragraph of small muted text, e.g. a note.
    pub(crate) fn note(&mut self, text: &str) {
        let lines = self.text_lines(Weight::Regular, 8.5, MUTED, 0.0, text, MANY_LINES);
        self.block(Block { lines, bar: None });
        self.y += 3.0;
    }
}
