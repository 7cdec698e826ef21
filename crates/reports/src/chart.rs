//! The geometry of the trend chart, shared by the SVG (HTML) and the vector drawing (PDF) so
//! both show the same thing: y range and ticks, x positions, which x labels fit, and the runs
//! of points that have a value or a band (gaps where data is missing).

use crate::model::{finite, Trend};

/// Points with fewer answers than this get a hollow marker.
pub(crate) const SMALL_N: u64 = 30;

/// The plot area, in the renderer's units, y growing downwards.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Area {
    pub(crate) left: f64,
    pub(crate) top: f64,
    pub(crate) right: f64,
    pub(crate) bottom: f64,
}

/// Where the trend's points and ticks go inside an [`Area`].
pub(crate) struct Geometry<'t> {
    pub(crate) trend: &'t Trend,
    pub(crate) area: Area,
    pub(crate) lo: f64,
    pub(crate) hi: f64,
}

impl<'t> Geometry<'t> {
    pub(crate) fn new(trend: &'t Trend, area: Area) -> Self {
        let (lo, hi) = trend.y_range();
        Geometry { trend, area, lo, hi }
    }

    /// Horizontal inset so that the first and last markers are not on the frame.
    fn inset(&self) -> f64 {
        ((self.area.right - self.area.left) * 0.03).min(12.0)
    }

    /// The x of point `index`; a single point sits in the middle.
    pub(crate) fn x(&self, index: usize) -> f64 {
        let count = self.trend.points.len();
        let (left, right) = (self.area.left + self.inset(), self.area.right - self.inset());
        if count <= 1 {
            return (left + right) / 2.0;
        }
        left + (right - left) * index as f64 / (count - 1) as f64
    }

    /// The y of a share, clamped to the plot area.
    pub(crate) fn y(&self, share: f64) -> f64 {
        let span = (self.hi - self.lo).max(1e-9);
        let t = ((share - self.lo) / span).clamp(0.0, 1.0);
        self.area.bottom - t * (self.area.bottom - self.area.top)
    }

    /// The y ticks: every 10 % for ranges up to 50 % wide, otherwise every 20 %.
    pub(crate) fn ticks(&self) -> Vec<f64> {
        let step = if self.hi - self.lo <= 0.5 + 1e-9 { 0.1 } else { 0.2 };
        let mut ticks = Vec::new();
        let mut k = 0;
        loop {
            let tick = self.lo + step * f64::from(k);
            if tick > self.hi + 1e-9 || k > 20 {
                break;
            }
            ticks.push(tick);
            k += 1;
        }
        ticks
    }

    /// The indices of the x labels to show when each label needs `label_width` (plus a gap):
    /// evenly thinned, counted back from the latest point, which is always shown.
    pub(crate) fn shown_labels(&self, label_width: f64) -> Vec<usize> {
        let count = self.trend.points.len();
        if count == 0 {
            return Vec::new();
        }
        let spacing = if count > 1 { (self.x(1) - self.x(0)).max(1e-9) } else { f64::INFINITY };
        let step = ((label_width + 6.0) / spacing).ceil().max(1.0) as usize;
        (0..count).filter(|i| (count - 1 - i).is_multiple_of(step)).collect()
    }

    /// Runs of consecutive points that have a value: (index, x, y) for each.
    pub(crate) fn value_runs(&self) -> Vec<Vec<(usize, f64, f64)>> {
        runs(self.trend.points.iter().enumerate().map(|(i, p)| finite(p.value).map(|v| (i, self.x(i), self.y(v)))))
    }

    /// Runs of consecutive points that have both ends of their interval: (x, y_high, y_low).
    pub(crate) fn band_runs(&self) -> Vec<Vec<(f64, f64, f64)>> {
        runs(self.trend.points.iter().enumerate().map(|(i, p)| match (finite(p.low), finite(p.high)) {
            (Some(low), Some(high)) => Some((self.x(i), self.y(high.max(low)), self.y(low.min(high)))),
            _ => None,
        }))
    }

    /// The target's y, if the target is a usable number.
    pub(crate) fn target_y(&self) -> Option<f64> {
        finite(self.trend.target).map(|t| self.y(t))
    }

    /// Whether any point with a value has fewer than [`SMALL_N`] answers.
    pub(crate) fn any_small(&self) -> bool {
        self.trend.points.iter().any(|p| finite(p.value).is_some() && p.n < SMALL_N)
    }
}

fn runs<T>(items: impl Iterator<Item = Option<T>>) -> Vec<Vec<T>> {
    let mut all = Vec::new();
    let mut current = Vec::new();
    for item in items {
        match item {
            Some(item) => current.push(item),
            None if !current.is_empty() => all.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        all.push(current);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TrendPoint;

    fn trend(values: &[Option<f64>]) -> Trend {
        let points = values
            .iter()
            .map(|v| TrendPoint { label: "Oct 2026".into(), value: *v, low: v.map(|v| v - 0.05), high: *v, n: 40 })
            .collect();
        Trend { title: "CSAT".into(), points, target: Some(0.9) }
    }

    #[test]
    fn runs_break_at_gaps_and_labels_keep_the_latest() {
        let t = trend(&[Some(0.8), Some(0.85), None, Some(0.9), Some(f64::NAN), Some(0.7)]);
        let g = Geometry::new(&t, Area { left: 0.0, top: 0.0, right: 500.0, bottom: 100.0 });
        let runs: Vec<usize> = g.value_runs().iter().map(Vec::len).collect();
        assert_eq!(runs, vec![2, 1, 1]);
        assert_eq!(g.band_runs().len(), 3);
        assert_eq!(g.shown_labels(1.0), vec![0, 1, 2, 3, 4, 5]);
        let thinned = g.shown_labels(150.0);
        assert_eq!(thinned.last(), Some(&5));
        assert!(thinned.len() < 6);
        assert!((g.y(0.6) - 100.0).abs() < 1e-9 && (g.y(1.0) - 0.0).abs() < 1e-9);
        assert!((g.y(-3.0) - 100.0).abs() < 1e-9, "clamped");
    }
}
