//! Sentences for the benchmarks page: a share against a fixed target, and a team against
//! the rest of the desk. Pure, so their thresholds are tested here.

use rapport_domain::stats::{compare_proportions, sample_size_words, Proportion, SMALL_SAMPLE};

/// Where a CSAT stands against a target. The Wilson interval is the inversion of the score
/// test, so "the whole interval is above the target" is the same as "significantly above it
/// at the 5 % level".
pub fn against_target(p: &Proportion, target: f64) -> String {
    let target_text = format!("{:.0} %", target * 100.0);
    let (Some(value), Some(low), Some(high)) = (p.value, p.low, p.high) else {
        return format!("No answers, so nothing to hold against the target of {target_text}.");
    };
    let small = if p.n < SMALL_SAMPLE { format!(" Only {}.", sample_size_words(p.n)) } else { String::new() };
    if low > target {
        format!("Above the target of {target_text}: the whole 95 % interval is above it.{small}")
    } else if high < target {
        format!("Below the target of {target_text}: the whole 95 % interval is below it.{small}")
    } else if value >= target {
        format!("At or above the target of {target_text}, but the 95 % interval includes it: not clearly above.{small}")
    } else {
        format!("Under the target of {target_text}, but the 95 % interval includes it: not clearly below.{small}")
    }
}

/// A team's CSAT against the rest of the desk (`team` and `rest` as (satisfied, answers)),
/// e.g. "6.0 points above the rest of the desk (80.0 % → 86.0 %); statistically significant (p = 0.012)."
pub fn against_rest(team: (u64, u64), rest: (u64, u64), rest_name: &str) -> String {
    if team.1 == 0 {
        return "No answers.".into();
    }
    if rest.1 == 0 {
        return format!("No answers in {rest_name} to compare with.");
    }
    let change = compare_proportions(rest, team);
    let points = change.difference.unwrap_or(0.0) * 100.0;
    let shares = format!(
        "{:.1} % vs {:.1} % in {rest_name}",
        team.0 as f64 / team.1 as f64 * 100.0,
        rest.0 as f64 / rest.1 as f64 * 100.0
    );
    let shown = format!("{:.1}", points.abs());
    let head = if shown == "0.0" {
        format!("The same as {rest_name} ({shares})")
    } else {
        let side = if points > 0.0 { "above" } else { "below" };
        format!("{shown} points {side} {rest_name} ({shares})")
    };
    if change.significant {
        format!("{head}; statistically significant ({}).", p_words(change.p_value))
    } else if team.1.min(rest.1) < SMALL_SAMPLE {
        format!("{head}: too few answers to tell a real difference from chance.")
    } else {
        format!("{head}; not statistically significant ({}), so it may be chance.", p_words(change.p_value))
    }
}

fn p_words(p: Option<f64>) -> String {
    match p {
        None => "p not defined".into(),
        Some(p) if p < 0.001 => "p < 0.001".into(),
        Some(p) if p < 0.1 => format!("p = {p:.3}"),
        Some(p) => format!("p = {p:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_domain::stats::wilson;

    #[test]
    fn a_target_is_passed_only_when_the_interval_clears_it() {
        // 170/200 = 85 %, Wilson 79.4–89.3 %.
        let p = wilson(170, 200);
        assert!(against_target(&p, 0.75).starts_with("Above the target of 75 %"));
        assert!(against_target(&p, 0.95).starts_with("Below the target of 95 %"));
        assert!(against_target(&p, 0.85).starts_with("At or above the target of 85 %, but"));
        assert!(against_target(&p, 0.88).starts_with("Under the target of 88 %, but"));
        assert!(against_target(&wilson(17, 20), 0.5).ends_with("Only 20 answers."));
        assert!(against_target(&wilson(0, 0), 0.85).starts_with("No answers"));
    }

    #[test]
    fn a_team_against_the_rest_says_whether_the_gap_is_real() {
        let real = against_rest((95, 100), (700, 1000), "the rest of the desk");
        assert!(
            real.starts_with("25.0 points above the rest of the desk (95.0 % vs 70.0 % in the rest of the desk)"),
            "{real}"
        );
        assert!(real.ends_with("statistically significant (p < 0.001)."), "{real}");
        let chance = against_rest((40, 50), (420, 500), "the rest of the desk");
        assert!(chance.starts_with("4.0 points below") && chance.contains("may be chance"), "{chance}");
        let few = against_rest((4, 5), (9, 10), "your other teams");
        assert!(few.ends_with("too few answers to tell a real difference from chance."), "{few}");
        assert_eq!(
            against_rest((3, 4), (0, 0), "the rest of the desk"),
            "No answers in the rest of the desk to compare with."
        );
    }
}
