//! When things happen at a desk: tickets arrive mostly on weekday office hours (UTC), and
//! agents resolve routine tickets during office hours too.

use chrono::{Datelike, Days, Timelike, Weekday};
use rand::Rng;
use rapport_domain::time::{from_millis, to_millis, Millis};

pub const HOUR: Millis = 3_600_000;
pub const DAY: Millis = 24 * HOUR;
pub const YEAR: Millis = 365 * DAY;

/// Relative arrivals per hour of a weekday: a morning peak, a lunch dip, a quiet night.
const WEEKDAY_HOURS: [f64; 24] = [
    0.3, 0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 1.0, 6.0, 10.0, 11.0, 10.0, 7.0, 8.0, 10.0, 9.0, 7.0, 4.0, 2.0, 1.2, 0.8, 0.6,
    0.5, 0.4,
];

/// Cumulative ticket volume per hour over the year before `end`, so that a quantile of
/// volume maps to an instant (inverse-transform sampling of the arrival rate).
pub struct Calendar {
    start: Millis,
    end: Millis,
    cumulative: Vec<f64>,
}

impl Calendar {
    pub fn year_before(end: Millis) -> Self {
        let start = end - YEAR;
        let mut total = 0.0;
        let cumulative = (0..YEAR / HOUR)
            .map(|h| {
                let at = start + h * HOUR;
                // A desk's volume grows a little over a year as more services move onto it.
                total += arrival_weight(at) * (0.95 + 0.1 * (h as f64) / (YEAR / HOUR) as f64);
                total
            })
            .collect();
        Self { start, end, cumulative }
    }

    /// The instant by which fraction `x` (0..1) of the year's tickets have arrived, to the
    /// second. Non-decreasing in `x`.
    pub fn at(&self, x: f64) -> Millis {
        let total = *self.cumulative.last().expect("a year has hours");
        let target = x.clamp(0.0, 1.0) * total;
        let hour = self.cumulative.partition_point(|&c| c <= target).min(self.cumulative.len() - 1);
        let before = if hour == 0 { 0.0 } else { self.cumulative[hour - 1] };
        let within = ((target - before) / (self.cumulative[hour] - before)).clamp(0.0, 1.0);
        let ms = self.start + hour as Millis * HOUR + (within * HOUR as f64) as Millis;
        whole_second(ms).min(self.end - 1000)
    }
}

pub fn whole_second(ms: Millis) -> Millis {
    ms - ms.rem_euclid(1000)
}

fn arrival_weight(ms: Millis) -> f64 {
    let at = from_millis(ms);
    let hour = at.hour() as usize;
    let day = match at.weekday() {
        Weekday::Sat | Weekday::Sun => return if (9..18).contains(&hour) { 0.6 } else { 0.2 },
        // Monday brings the weekend's backlog; Friday afternoons are quiet.
        Weekday::Mon => 1.15,
        Weekday::Fri => 0.85,
        _ => 1.0,
    };
    let season = match (at.month(), at.day()) {
        (12, 24..) | (1, 1) => 0.3,
        (8, _) => 0.85,
        _ => 1.0,
    };
    WEEKDAY_HOURS[hour] * day * season
}

/// Monday to Friday, 08:00 to 18:00 UTC.
pub fn is_business_hours(ms: Millis) -> bool {
    let at = from_millis(ms);
    !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) && (8..18).contains(&at.hour())
}

/// `ms` if it falls in business hours, else a moment in the first two and a half hours of
/// the next business morning, when agents clear what came in overnight.
pub fn next_business_time(ms: Millis, rng: &mut impl Rng) -> Millis {
    if is_business_hours(ms) {
        return ms;
    }
    let at = from_millis(ms);
    let mut day = at.date_naive();
    if at.hour() >= 18 || matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day + Days::new(1);
    }
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day + Days::new(1);
    }
    let morning = to_millis(day.and_hms_opt(8, 0, 0).expect("08:00 exists").and_utc());
    morning + rng.random_range(0..150 * 60) * 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rapport_domain::time::parse_instant;

    #[test]
    fn off_hours_work_moves_to_the_next_business_morning() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let saturday_night = parse_instant("2026-11-21T22:00:00Z").unwrap();
        let monday = parse_instant("2026-11-23T08:00:00Z").unwrap();
        let moved = next_business_time(saturday_night, &mut rng);
        assert!((monday..monday + 150 * 60_000).contains(&moved));
        let tuesday_noon = parse_instant("2026-11-24T12:00:00Z").unwrap();
        assert_eq!(next_business_time(tuesday_noon, &mut rng), tuesday_noon);
    }

    #[test]
    fn volume_quantiles_map_to_ordered_instants_within_the_year() {
        let end = parse_instant("2026-11-23T00:00:00Z").unwrap();
        let calendar = Calendar::year_before(end);
        let instants: Vec<Millis> = (0..=1000).map(|i| calendar.at(i as f64 / 1000.0)).collect();
        assert!(instants.windows(2).all(|w| w[0] <= w[1]));
        assert!(instants[0] >= end - YEAR && instants[1000] < end);
    }
}
