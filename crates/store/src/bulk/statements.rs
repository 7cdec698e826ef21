//! Multi-row statements, prepared once per size.

use std::sync::OnceLock;

/// Statement sizes: a chunk's rows go by 128, then by the powers of two below, so each
/// connection prepares at most eight shapes of each multi-row statement.
const SIZES: [usize; 8] = [128, 64, 32, 16, 8, 4, 2, 1];

/// The text of a multi-row statement: `head`, then copies of `row` joined by `sep`, then
/// `tail`. Each `?` becomes the next `$n`, numbered from `first`; a `$1` written out (a
/// value all rows share) stays.
pub(super) struct Shape {
    pub(super) head: &'static str,
    pub(super) row: &'static str,
    pub(super) sep: &'static str,
    pub(super) tail: &'static str,
    pub(super) first: usize,
}

impl Shape {
    fn sql(&self, rows: usize) -> String {
        let mut sql = String::with_capacity(self.head.len() + self.tail.len() + rows * (self.row.len() + 16));
        sql.push_str(self.head);
        let mut n = self.first;
        for r in 0..rows {
            if r > 0 {
                sql.push_str(self.sep);
            }
            for c in self.row.chars() {
                if c == '?' {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                    n += 1;
                } else {
                    sql.push(c);
                }
            }
        }
        sql.push_str(self.tail);
        sql
    }

    /// The statement for `rows` rows, `rows` one of [`SIZES`]; each size built once.
    pub(super) fn sized(&self, cell: &'static OnceLock<Vec<String>>, rows: usize) -> &'static str {
        let all = cell.get_or_init(|| SIZES.iter().map(|&n| self.sql(n)).collect());
        let index = SIZES.iter().position(|&n| n == rows).expect("a size from SIZES");
        &all[index]
    }
}

/// `n` split into sizes from [`SIZES`], largest first.
pub(super) fn split(mut n: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        let size = *SIZES.iter().find(|&&s| s <= n)?;
        n -= size;
        Some(size)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_split_into_the_prepared_sizes() {
        assert_eq!(split(0).collect::<Vec<_>>(), Vec::<usize>::new());
        assert_eq!(split(128).collect::<Vec<_>>(), vec![128]);
        assert_eq!(split(100).collect::<Vec<_>>(), vec![64, 32, 4]);
        assert_eq!(split(7).collect::<Vec<_>>(), vec![4, 2, 1]);
    }

    #[test]
    fn multi_row_statements_number_their_parameters() {
        let shape = Shape {
            head: "INSERT INTO t (a, b, c) VALUES ",
            row: "(?, ?, $1)",
            sep: ", ",
            tail: " RETURNING id",
            first: 2,
        };
        assert_eq!(shape.sql(2), "INSERT INTO t (a, b, c) VALUES ($2, $3, $1), ($4, $5, $1) RETURNING id");
        let shape = Shape { head: "SELECT 1 WHERE ", row: "(a = ? AND b = ?)", sep: " OR ", tail: "", first: 1 };
        assert_eq!(shape.sql(2), "SELECT 1 WHERE (a = $1 AND b = $2) OR (a = $3 AND b = $4)");
    }
}
