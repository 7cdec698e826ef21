//! Tables that continue across pages, their header repeated on every page.

use rapport_postcards::text::line_height;

use super::canvas::{Op, Weight, MUTED, RULE, STRIPE, TEXT, TINT};
use super::layout::{Flow, BOTTOM, MARGIN};
use crate::escape::one_line;
use crate::model::{Cell, Table};

const SIZE: f32 = 8.0;
const PAD: f32 = 3.5;
/// A cell shows at most this many lines (the last cut with "…"), so a row always fits a page.
const MAX_CELL_LINES: usize = 8;
const MAX_HEADER_LINES: usize = 3;
/// Column widths are estimated from this many longest texts of a column, each cell's
/// first characters.
const WIDTH_SAMPLE: usize = 40;
const SAMPLE_CHARS: usize = 120;

struct Columns {
    widths: Vec<f32>,
    numeric: Vec<bool>,
    header: Vec<Vec<String>>,
    header_h: f32,
}

pub(crate) fn table(flow: &mut Flow<'_>, table: &Table) {
    let title = one_line(&table.title);
    let title = if title.is_empty() { "Table".to_owned() } else { title };
    let count = table.width();
    if count == 0 || table.rows.is_empty() {
        flow.heading(&title, 20.0);
        flow.note("No data for this period.");
        return;
    }
    let line = line_height(SIZE);
    let widths = column_widths(flow, table, count);
    let header: Vec<Vec<String>> = (0..count)
        .map(|i| flow.wrap(Weight::Bold, SIZE, table.column(i), widths[i] - 2.0 * PAD, MAX_HEADER_LINES))
        .collect();
    let header_h = header.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * line + 2.0 * PAD;
    let numeric = (0..count).map(|i| table.rows.iter().filter_map(|r| r.get(i)).any(Cell::is_numeric)).collect();
    let columns = Columns { widths, numeric, header, header_h };

    for (index, row) in table.rows.iter().enumerate() {
        let (cells, height) = row_cells(flow, &columns, row);
        if index == 0 {
            // The heading and the header stay with the first row.
            flow.heading(&title, columns.header_h + height);
            header_row(flow, &columns);
        } else if flow.y + height > BOTTOM {
            flow.new_page();
            let continued = flow.ellipsize(Weight::Regular, 8.5, &format!("{title} (continued)"), flow.width());
            flow.text(Weight::Regular, 8.5, MUTED, MARGIN, flow.y, continued);
            flow.y += line_height(8.5) + 3.0;
            header_row(flow, &columns);
        }
        if index % 2 == 1 {
            flow.push(Op::Rect { x: MARGIN, y: flow.y, w: flow.width(), h: height, colour: STRIPE });
        }
        let mut x = MARGIN;
        for (i, (lines, numeric)) in cells.into_iter().enumerate() {
            cell_lines(flow, x, columns.widths[i], lines, numeric, Weight::Regular);
            x += columns.widths[i];
        }
        flow.y += height;
    }
    flow.push(Op::Rect { x: MARGIN, y: flow.y, w: flow.width(), h: 0.6, colour: RULE });
    flow.y += 6.0;
}

/// The wrapped lines of a row's cells (and whether each is a number), and the row's height.
fn row_cells(flow: &Flow<'_>, columns: &Columns, row: &[Cell]) -> (Vec<(Vec<String>, bool)>, f32) {
    let cells: Vec<(Vec<String>, bool)> = (0..columns.widths.len())
        .map(|i| {
            let cell = row.get(i).unwrap_or(&Cell::Empty);
            let lines =
                flow.wrap(Weight::Regular, SIZE, &cell.display(), columns.widths[i] - 2.0 * PAD, MAX_CELL_LINES);
            (lines, cell.is_numeric())
        })
        .collect();
    let lines = cells.iter().map(|(l, _)| l.len()).max().unwrap_or(1).max(1);
    (cells, lines as f32 * line_height(SIZE) + 2.0 * PAD)
}

fn header_row(flow: &mut Flow<'_>, columns: &Columns) {
    flow.push(Op::Rect { x: MARGIN, y: flow.y, w: flow.width(), h: columns.header_h, colour: TINT });
    let mut x = MARGIN;
    for (i, lines) in columns.header.iter().enumerate() {
        cell_lines(flow, x, columns.widths[i], lines.clone(), columns.numeric[i], Weight::Bold);
        x += columns.widths[i];
    }
    flow.y += columns.header_h;
    flow.push(Op::Rect { x: MARGIN, y: flow.y - 0.6, w: flow.width(), h: 0.6, colour: RULE });
}

/// The lines of one cell, right-aligned for numbers.
fn cell_lines(flow: &mut Flow<'_>, x: f32, width: f32, lines: Vec<String>, right: bool, weight: Weight) {
    let mut top = flow.y + PAD;
    for text in lines {
        let left = if right { x + width - PAD - flow.measure(weight, SIZE, &text) } else { x + PAD };
        flow.text(weight, SIZE, TEXT, left, top, text);
        top += line_height(SIZE);
    }
}

/// Widths that fill the content column. When everything fits, columns grow in proportion;
/// otherwise columns narrower than an even share keep their natural width and the wide ones
/// share the rest in proportion to their natural width.
fn column_widths(flow: &Flow<'_>, table: &Table, count: usize) -> Vec<f32> {
    let total = flow.width();
    let natural: Vec<f32> = (0..count)
        .map(|i| {
            let header = flow.measure(Weight::Bold, SIZE, &one_line(table.column(i)));
            // The longest texts by character count are the widest candidates; measure those.
            let mut texts: Vec<String> = table
                .rows
                .iter()
                .filter_map(|row| row.get(i))
                .map(|cell| one_line(&cell.display()).chars().take(SAMPLE_CHARS).collect())
                .collect();
            texts.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
            texts.dedup();
            let cells =
                texts.iter().take(WIDTH_SAMPLE).map(|t| flow.measure(Weight::Regular, SIZE, t)).fold(0.0, f32::max);
            (header.min(total / 2.0).max(cells) + 2.0 * PAD).min(total)
        })
        .collect();
    let sum: f32 = natural.iter().sum();
    if sum <= total {
        return natural.iter().map(|w| w + (total - sum) * w / sum.max(1.0)).collect();
    }
    let mut fixed = vec![false; count];
    loop {
        let fixed_sum: f32 = (0..count).filter(|i| fixed[*i]).map(|i| natural[i]).sum();
        let open_sum: f32 = (0..count).filter(|i| !fixed[*i]).map(|i| natural[i]).sum();
        let room = (total - fixed_sum).max(0.0);
        let share = |i: usize| if open_sum > 0.0 { room * natural[i] / open_sum } else { 0.0 };
        let open_count = fixed.iter().filter(|f| !**f).count().max(1);
        let even = room / open_count as f32;
        let newly: Vec<usize> = (0..count).filter(|i| !fixed[*i] && natural[*i] <= even).collect();
        if newly.is_empty() {
            let min = (total / count as f32).min(28.0);
            let widths: Vec<f32> = (0..count).map(|i| if fixed[i] { natural[i] } else { share(i) }.max(min)).collect();
            let scale = total / widths.iter().sum::<f32>().max(1.0);
            return widths.into_iter().map(|w| w * scale).collect();
        }
        for i in newly {
            fixed[i] = true;
        }
    }
}
