//! The coaching page's sentences: how customers felt about one person's help, that against
//! the rest of their team, and what customers valued or found hard. Written for a talk
//! between the person and their manager: plain words, the numbers behind them, no ranks.

use rapport_domain::stats::{compare_proportions, sample_size_words, Proportion, SMALL_SAMPLE};

/// "Most customers were happy with Tom's help: 9 of 10 answers were 4 or 5 (90 %, likely
/// between 60 and 98 %)." and, for few answers, a reminder to read it as a first impression.
pub fn trend_sentence(name: &str, p: &Proportion) -> String {
    let Some(value) = p.value else {
        return format!("No customer has answered a survey about {name}'s tickets in this period yet.");
    };
    let how_many = if value >= 0.9 {
        "Nearly all customers were"
    } else if value >= 0.75 {
        "Most customers were"
    } else if value >= 0.5 {
        "More than half of the customers were"
    } else {
        "Fewer than half of the customers were"
    };
    let range = match (p.low, p.high) {
        (Some(low), Some(high)) => format!(", likely between {:.0} and {:.0} %", low * 100.0, high * 100.0),
        _ => String::new(),
    };
    let verb = if p.n == 1 { "was" } else { "were" };
    let mut s = format!(
        "{how_many} happy with {name}'s help: {} of {} {verb} 4 or 5 ({:.0} %{range}).",
        p.successes,
        sample_size_words(p.n),
        value * 100.0
    );
    if p.n < SMALL_SAMPLE {
        s.push_str(" With this few answers the range is wide: read it as a first impression, not a verdict.");
    }
    s
}

/// The person against the rest of their team (`person` and `rest` as (satisfied, answers)).
pub fn team_sentence(person: (u64, u64), rest: (u64, u64), team: &str) -> String {
    if person.1 == 0 || rest.1 == 0 {
        return format!("There is nothing to set beside the rest of {team} in this period.");
    }
    let share = rest.0 as f64 / rest.1 as f64 * 100.0;
    let change = compare_proportions(rest, person);
    let higher = change.difference.unwrap_or(0.0) > 0.0;
    let rest_words = format!("the rest of {team} ({share:.0} % of {})", sample_size_words(rest.1));
    match (change.significant, higher) {
        (true, true) => {
            format!("That is clearly above {rest_words}: something worth naming, and perhaps sharing with the team.")
        }
        (true, false) => {
            format!("That is below {rest_words}, by more than chance would explain: worth talking through together.")
        }
        _ => format!("Beside {rest_words}, the difference could well be chance."),
    }
}

/// Something customers said, with how often happy, neutral and unhappy customers said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub label: String,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

/// One line of "what customers valued" or "where to grow".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub label: String,
    pub detail: String,
}

fn times(n: u64) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

/// Strengths (mostly said by happy customers) and areas to grow (mostly by unhappy ones),
/// each most frequent first. `what` names the source: "chosen" for reasons, "mentioned"
/// for comment themes.
pub fn strengths_and_areas(signals: &[Signal], what: &str) -> (Vec<Point>, Vec<Point>) {
    let mut strengths: Vec<&Signal> = signals.iter().filter(|s| s.positive > s.neutral + s.negative).collect();
    let mut areas: Vec<&Signal> = signals.iter().filter(|s| s.negative > s.neutral + s.positive).collect();
    strengths.sort_by(|a, b| b.positive.cmp(&a.positive).then_with(|| a.label.cmp(&b.label)));
    areas.sort_by(|a, b| b.negative.cmp(&a.negative).then_with(|| a.label.cmp(&b.label)));
    let others = |n: u64, kind: &str| {
        if n == 0 {
            String::new()
        } else {
            format!(" ({} by {kind} customers)", times(n))
        }
    };
    let strengths = strengths
        .into_iter()
        .map(|s| Point {
            label: s.label.clone(),
            detail: format!(
                "{what} {} by happy customers{}",
                times(s.positive),
                others(s.neutral + s.negative, "other")
            ),
        })
        .collect();
    let areas = areas
        .into_iter()
        .map(|s| Point {
            label: s.label.clone(),
            detail: format!(
                "{what} {} by unhappy customers{}",
                times(s.negative),
                others(s.neutral + s.positive, "other")
            ),
        })
        .collect();
    (strengths, areas)
}

/// The first word of a customer's name, or "A customer": quotes name no one in full.
pub fn first_name(full: Option<&str>) -> String {
    full.and_then(|n| n.split_whitespace().next()).map(str::to_string).unwrap_or_else(|| "A customer".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_domain::stats::wilson;

    #[test]
    fn the_trend_is_said_in_words_with_its_numbers() {
        let s = trend_sentence("Tom", &wilson(9, 10));
        assert!(s.starts_with("Nearly all customers were happy with Tom's help: 9 of 10 answers were 4 or 5 (90 %, likely between 60 and 98 %)."), "{s}");
        assert!(s.contains("first impression"));
        let s = trend_sentence("Tom", &wilson(80, 100));
        assert!(s.starts_with("Most customers were happy") && !s.contains("first impression"), "{s}");
        assert!(trend_sentence("Tom", &wilson(1, 4)).starts_with("Fewer than half"));
        assert!(trend_sentence("Tom", &wilson(0, 0)).starts_with("No customer has answered"));
    }

    #[test]
    fn the_team_comparison_says_only_what_the_data_support() {
        assert!(team_sentence((95, 100), (700, 1000), "Network")
            .starts_with("That is clearly above the rest of Network (70 % of 1,000 answers)"));
        assert!(team_sentence((50, 100), (700, 1000), "Network").starts_with("That is below the rest of Network"));
        assert!(team_sentence((4, 5), (8, 10), "Network")
            .starts_with("Beside the rest of Network (80 % of 10 answers), the difference could well be chance."));
        assert!(team_sentence((4, 5), (0, 0), "Network").starts_with("There is nothing"));
    }

    #[test]
    fn strengths_are_what_happy_customers_said_and_areas_what_unhappy_ones_said() {
        let signal =
            |label: &str, positive, neutral, negative| Signal { label: label.into(), positive, neutral, negative };
        let (strengths, areas) = strengths_and_areas(
            &[signal("Friendly", 2, 0, 1), signal("Quick", 5, 0, 0), signal("Slow", 0, 0, 3), signal("Mixed", 1, 1, 1)],
            "Chosen",
        );
        assert_eq!(strengths.iter().map(|p| p.label.as_str()).collect::<Vec<_>>(), ["Quick", "Friendly"]);
        assert_eq!(strengths[0].detail, "Chosen 5 times by happy customers");
        assert_eq!(strengths[1].detail, "Chosen twice by happy customers (once by other customers)");
        assert_eq!(areas, [Point { label: "Slow".into(), detail: "Chosen 3 times by unhappy customers".into() }]);
    }

    #[test]
    fn quotes_carry_a_first_name_only() {
        assert_eq!(first_name(Some("Ana Silva")), "Ana");
        assert_eq!(first_name(Some("  ")), "A customer");
        assert_eq!(first_name(None), "A customer");
    }
}
