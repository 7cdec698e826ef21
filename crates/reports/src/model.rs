//! What a report says, already computed and formatted by the caller: every renderer shows
//! exactly these strings and numbers, so the HTML, PDF, XLSX and CSV of one report agree.

/// One management or client report for one period, compared with the previous period.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// "Management report" or "Client report — Finance".
    pub title: String,
    pub desk_name: String,
    pub audience: Audience,
    /// "October 2026".
    pub period_label: String,
    /// "September 2026".
    pub previous_label: String,
    /// "2026-11-01 08:00 Europe/Lisbon".
    pub generated_at: String,
    /// The key numbers, each with its interval, n and the change since the previous period.
    pub headlines: Vec<Headline>,
    pub trend: Option<Trend>,
    pub tables: Vec<Table>,
    /// Closed recovery cases: what went wrong, why, and what was done.
    pub improvements: Vec<Improvement>,
    pub praise: Vec<PraiseQuote>,
    /// Method notes, e.g. "Intervals are 95 % Wilson intervals."
    pub notes: Vec<String>,
}

/// Who the report is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The desk's managers: every team, agent and organization.
    Management,
    /// One client organization: only its own tickets.
    Client { organization: String },
}

/// One key number, formatted by the caller (e.g. value "84 %", interval "80–87 %", n "312
/// answers", previous "81 %", change "+3 points, not significant").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub label: String,
    pub value: String,
    pub interval: String,
    pub n: String,
    pub previous: String,
    pub change: String,
}

/// A share over time (e.g. monthly CSAT), with its 95 % band and an optional target.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub title: String,
    pub points: Vec<TrendPoint>,
    /// A share 0..=1, drawn as a dashed line.
    pub target: Option<f64>,
}

/// One point of a [`Trend`]. `value`, `low` and `high` are shares 0..=1; `None` (or a
/// non-finite number) means no data.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub label: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub n: u64,
}

/// A table of the report: one sheet in the XLSX workbook, one CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The sheet's name in the workbook (made valid and unique there).
    pub sheet: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Integer(i64),
    Number(f64),
    /// A share 0..=1, shown as a percentage.
    Percent(f64),
    Empty,
}

/// A closed recovery case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Improvement {
    pub ticket: String,
    pub closed_on: String,
    pub service_gap: String,
    pub root_cause: String,
    pub action: String,
    /// Whether the customer's problem was resolved; `None` when not recorded.
    pub resolved: Option<bool>,
}

/// A customer's words of praise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PraiseQuote {
    pub text: String,
    pub who: String,
    /// The agent the praise is about, if any.
    pub agent: Option<String>,
    pub date: String,
}

impl Report {
    /// The comparison line under the title: "October 2026, compared with September 2026".
    pub fn period_line(&self) -> String {
        if self.previous_label.trim().is_empty() {
            self.period_label.clone()
        } else {
            format!("{}, compared with {}", self.period_label, self.previous_label)
        }
    }

    /// "For management" or "For Finance".
    pub fn audience_line(&self) -> String {
        match &self.audience {
            Audience::Management => "For management".to_owned(),
            Audience::Client { organization } => format!("For {organization}"),
        }
    }
}

impl Table {
    /// The number of columns: the header's or the longest row's, whichever is more.
    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).fold(self.columns.len(), usize::max)
    }

    /// The header of column `index` ("" past the named columns).
    pub fn column(&self, index: usize) -> &str {
        self.columns.get(index).map_or("", String::as_str)
    }
}

impl Cell {
    /// The cell as people read it: percentages with one decimal ("81.2 %"), numbers with at
    /// most two decimals, no data as "".
    pub fn display(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Integer(value) => value.to_string(),
            Cell::Number(value) if value.is_finite() => trim_decimals(format!("{value:.2}")),
            Cell::Percent(share) if share.is_finite() => format!("{:.1} %", share * 100.0),
            Cell::Number(_) | Cell::Percent(_) | Cell::Empty => String::new(),
        }
    }

    /// Whether the cell holds a number (right-aligned in tables).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Integer(_) | Cell::Number(_) | Cell::Percent(_))
    }
}

impl Improvement {
    /// "Resolved", "Not resolved" or "" when not recorded.
    pub fn resolved_label(&self) -> &'static str {
        match self.resolved {
            Some(true) => "Resolved",
            Some(false) => "Not resolved",
            None => "",
        }
    }
}

impl PraiseQuote {
    /// "Ana Silva, about Tom, 2026-10-12" (empty parts left out).
    pub fn attribution(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.who.trim().is_empty() {
            parts.push(self.who.clone());
        }
        if let Some(agent) = self.agent.as_deref().filter(|a| !a.trim().is_empty()) {
            parts.push(format!("about {agent}"));
        }
        if !self.date.trim().is_empty() {
            parts.push(self.date.clone());
        }
        parts.join(", ")
    }
}

impl Trend {
    /// The y range to draw: the data, bands and target rounded out to whole tenths, within
    /// 0..=1, and at least 0.2 wide so that small wobbles do not look dramatic.
    pub fn y_range(&self) -> (f64, f64) {
        let values = self
            .points
            .iter()
            .flat_map(|p| [p.value, p.low, p.high])
            .chain([self.target])
            .flatten()
            .filter(|v| v.is_finite())
            .map(|v| v.clamp(0.0, 1.0));
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        // The small tolerance keeps 0.9 from rounding out to 1.0 through float noise.
        let mut lo = (lo * 10.0 + 1e-6).floor() / 10.0;
        let mut hi = (hi * 10.0 - 1e-6).ceil() / 10.0;
        if hi - lo < 0.2 {
            hi = (lo + 0.2).min(1.0);
            lo = (hi - 0.2).max(0.0);
        }
        (lo.max(0.0), hi.min(1.0))
    }
}

impl TrendPoint {
    /// The point in words: "Oct 2026: 84.0 % (95 % interval 80.1–87.3 %, n = 312)", or
    /// "Oct 2026: no data (n = 0)".
    pub fn summary(&self) -> String {
        let interval = match (finite(self.low), finite(self.high)) {
            (Some(low), Some(high)) => format!("95 % interval {:.1}–{:.1} %, ", low * 100.0, high * 100.0),
            _ => String::new(),
        };
        match finite(self.value) {
            Some(value) => format!("{}: {:.1} % ({interval}n = {})", self.label, value * 100.0, self.n),
            None => format!("{}: no data (n = {})", self.label, self.n),
        }
    }
}

/// A share as a whole percentage for axis labels: 0.9 → "90 %".
pub(crate) fn percent_label(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

/// The value of a trend point, if it is a usable number.
pub(crate) fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

fn trim_decimals(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_display_for_people() {
        assert_eq!(Cell::Percent(0.8123).display(), "81.2 %");
        assert_eq!(Cell::Number(4.5).display(), "4.5");
        assert_eq!(Cell::Number(-2.0).display(), "-2");
        assert_eq!(Cell::Number(f64::NAN).display(), "");
        assert_eq!(Cell::Integer(-17).display(), "-17");
        assert_eq!(Cell::Empty.display(), "");
    }

    #[test]
    fn y_range_rounds_out_and_keeps_a_minimum_span() {
        let point = |v: f64| TrendPoint { label: String::new(), value: Some(v), low: None, high: None, n: 10 };
        let trend = Trend { title: String::new(), points: vec![point(0.83), point(0.86)], target: Some(0.9) };
        let (lo, hi) = trend.y_range();
        assert!((lo - 0.8).abs() < 1e-9 && (hi - 1.0).abs() < 1e-9, "{lo} {hi}");
        let flat = Trend { title: String::new(), points: vec![point(1.0)], target: None };
        let (lo, hi) = flat.y_range();
        assert!((lo - 0.8).abs() < 1e-9 && (hi - 1.0).abs() < 1e-9, "{lo} {hi}");
        let empty = Trend { title: String::new(), points: vec![], target: Some(f64::NAN) };
        assert_eq!(empty.y_range(), (0.0, 1.0));
    }
}
