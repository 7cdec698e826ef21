//! Honest survey statistics: every figure a dashboard shows carries its n and a 95 % interval,
//! and a change between two periods is called significant only when the data support it.
//!
//! Everything here is pure arithmetic on answer counts (no I/O, no allocation beyond the
//! sentences for the UI). The definitions follow `shared/research/ecosystem.md` §4:
//!
//! * **CSAT** is the top-two-box share: answers 4–5 on the 5-point scale over all answers
//!   (3-point answers are stored as 1/3/5, so "great" counts as satisfied). Its interval is the
//!   **Wilson score interval** (Wilson 1927), which behaves well for small n and for shares near
//!   0 % or 100 %, where the textbook Wald interval collapses to a width of zero.
//! * **NPS** is %promoters (9–10) − %detractors (0–6), in points from −100 to +100. Its margin
//!   of error is the multinomial one: with p = promoter share and d = detractor share,
//!   `Var(NPS/100) = (p + d − (p − d)²) / n` and `margin = z · √Var · 100`. The interval is
//!   `score ± margin`, clipped to −100…+100. (That is the variance of the per-answer score
//!   +1 / 0 / −1 with divisor n, so it is the usual normal-approximation interval for a mean.)
//! * **Mean** (effort / CES 2.0 on 1–7) gets a Student-t interval with n − 1 degrees of freedom,
//!   clipped to the scale.
//! * **Changes**: proportions use the pooled two-proportion z-test (two-sided), the same test as
//!   `statsmodels.stats.proportion.proportions_ztest`; NPS uses the combined margin of error
//!   `√(moe₁² + moe₂²)` (see [`compare_nps`]).
//!
//! All 95 % figures use z = [`Z_95`] = Φ⁻¹(0.975) = 1.959963984540054, the value `scipy` and
//! `statsmodels` use, so results agree with them to ~1e-12 (checked by
//! `crates/domain/tests/stats_reference.rs` against statsmodels/scipy).
//!
//! The normal-approximation methods (NPS margin, z-tests) are poor below about
//! [`SMALL_SAMPLE`] answers; the UI says so ([`is_small_sample`], and the sentences in
//! [`Change::words`]).

use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// z for a two-sided 95 % interval: Φ⁻¹(0.975).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Below this many answers the UI says that the interval is wide and that a change cannot be
/// told from chance unless the test says otherwise.
pub const SMALL_SAMPLE: u64 = 30;

/// Two-sided significance level for [`compare_proportions`] (p < 0.05).
pub const SIGNIFICANCE_LEVEL: f64 = 0.05;

// ---------------------------------------------------------------------------------------------
// Proportions (CSAT)
// ---------------------------------------------------------------------------------------------

/// A proportion with its Wilson score interval (95 % unless made with [`wilson_z`]).
///
/// `value`, `low` and `high` are shares in 0…1 (multiply by 100 for a percentage) and are
/// `None` when `n == 0`. Always `0 ≤ low ≤ value ≤ high ≤ 1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    pub successes: u64,
    pub n: u64,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// `successes` of `n` with a 95 % Wilson score interval (z = [`Z_95`]).
///
/// `successes` greater than `n` are clamped to `n` (callers pass counts from one query; a
/// larger count is a bug upstream, and a share above 100 % would be worse).
pub fn wilson(successes: u64, n: u64) -> Proportion {
    wilson_z(successes, n, Z_95)
}

/// Like [`wilson`] with another z (e.g. 2.5758 for 99 %). `z` is taken as `|z|`.
///
/// centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z·√(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n).
/// The bound at 0 (no successes) and at 1 (all successes) is exact, not rounded.
pub fn wilson_z(successes: u64, n: u64, z: f64) -> Proportion {
    let successes = successes.min(n);
    if n == 0 {
        return Proportion { successes, n, value: None, low: None, high: None };
    }
    let z = z.abs();
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    let low = if successes == 0 { 0.0 } else { (centre - half).clamp(0.0, p) };
    let high = if successes == n { 1.0 } else { (centre + half).clamp(p, 1.0) };
    Proportion { successes, n, value: Some(p), low: Some(low), high: Some(high) }
}

/// CSAT: the share of 4–5 answers (top-two box) from counts per score 1..=5, with its 95 %
/// Wilson interval. 3-point answers are stored as 1/3/5, so pass the stored counts as they are.
pub fn csat(counts: &[u64; 5]) -> Proportion {
    let n = counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
    wilson(counts[3].saturating_add(counts[4]), n)
}

// ---------------------------------------------------------------------------------------------
// NPS
// ---------------------------------------------------------------------------------------------

/// Net Promoter Score with its 95 % margin of error, all in points (−100…+100).
///
/// `score`, `margin`, `low`, `high` are `None` when `n == 0`. `low = max(−100, score − margin)`
/// and `high = min(100, score + margin)`.
///
/// Like every normal-approximation interval this one is poor for small n; in particular, when
/// every answer is of one kind (say 12 promoters) the margin is 0. Show it with
/// [`is_small_sample`] (the UI says that the interval is wide below [`SMALL_SAMPLE`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Nps {
    pub n: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub score: Option<f64>,
    pub margin: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// NPS from counts per answer 0..=10: promoters 9–10, passives 7–8, detractors 0–6.
pub fn nps(counts: &[u64; 11]) -> Nps {
    let sum = |range: &[u64]| range.iter().fold(0u64, |a, &c| a.saturating_add(c));
    nps_from_groups(sum(&counts[9..=10]), sum(&counts[7..=8]), sum(&counts[0..=6]))
}

/// NPS from the three group sizes (for rollups that store groups, not the 0–10 counts).
pub fn nps_from_groups(promoters: u64, passives: u64, detractors: u64) -> Nps {
    let n = promoters.saturating_add(passives).saturating_add(detractors);
    let mut out = Nps { n, promoters, passives, detractors, score: None, margin: None, low: None, high: None };
    if let Some((score, se)) = nps_score_and_se(promoters, detractors, n) {
        let margin = Z_95 * se;
        out.score = Some(score);
        out.margin = Some(margin);
        out.low = Some((score - margin).max(-100.0));
        out.high = Some((score + margin).min(100.0));
    }
    out
}

/// (score, standard error), both in points; `None` when n == 0.
fn nps_score_and_se(promoters: u64, detractors: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let p = promoters as f64 / nf;
    let d = detractors as f64 / nf;
    let net = p - d;
    let var = (p + d - net * net).max(0.0) / nf;
    Some((net * 100.0, var.sqrt() * 100.0))
}

// ---------------------------------------------------------------------------------------------
// Mean (effort / CES)
// ---------------------------------------------------------------------------------------------

/// A mean with its 95 % Student-t interval.
///
/// `value` is `None` when `n == 0`; `low`/`high` are `None` when `n < 2` (one answer has no
/// spread). The interval is clipped to the scale (a mean of 1–7 answers cannot be below 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mean {
    pub n: u64,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Mean of answers given as counts per value: `counts[i]` answers had the value
/// `first_value + i` (CES 2.0: counts per 1..=7 and `first_value = 1`).
///
/// Interval: mean ± t(0.975, n − 1) · s / √n with the sample standard deviation s (divisor
/// n − 1) and the exact Student-t quantile from [`t_quantile`]; then clipped to
/// `first_value ..= first_value + counts.len() − 1`. When every answer is the same, s = 0 and the
/// interval is that single value.
pub fn mean_of_counts(counts: &[u64], first_value: i64) -> Mean {
    let n = counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
    if n == 0 {
        return Mean { n, value: None, low: None, high: None };
    }
    let nf = n as f64;
    let value_at = |i: usize| first_value as f64 + i as f64;
    // Two passes (mean, then squared deviations) keep the variance accurate.
    let mean = counts.iter().enumerate().map(|(i, &c)| c as f64 * value_at(i)).sum::<f64>() / nf;
    if n == 1 {
        return Mean { n, value: Some(mean), low: None, high: None };
    }
    let ss: f64 = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let dev = value_at(i) - mean;
            c as f64 * dev * dev
        })
        .sum();
    let sd = (ss / (nf - 1.0)).sqrt();
    let half = t_quantile(0.975, nf - 1.0) * sd / nf.sqrt();
    let lowest = first_value as f64;
    let highest = value_at(counts.len() - 1);
    // max/min rather than clamp: never panics, even if rounding put the mean a hair outside.
    let low = (mean - half).max(lowest).min(mean);
    let high = (mean + half).min(highest).max(mean);
    Mean { n, value: Some(mean), low: Some(low), high: Some(high) }
}

/// The same mean from running sums (what rollups keep): `n` answers, their `sum` and the sum
/// of their squares, on the scale `lowest ..= highest`.
pub fn mean_of_sums(n: u64, sum: i64, squares: i64, lowest: f64, highest: f64) -> Mean {
    if n == 0 {
        return Mean { n, value: None, low: None, high: None };
    }
    let nf = n as f64;
    let mean = sum as f64 / nf;
    if n == 1 {
        return Mean { n, value: Some(mean), low: None, high: None };
    }
    let ss = (squares as f64 - sum as f64 * sum as f64 / nf).max(0.0);
    let half = t_quantile(0.975, nf - 1.0) * (ss / (nf - 1.0)).sqrt() / nf.sqrt();
    let low = (mean - half).max(lowest).min(mean);
    let high = (mean + half).min(highest).max(mean);
    Mean { n, value: Some(mean), low: Some(low), high: Some(high) }
}

// ---------------------------------------------------------------------------------------------
// Changes between two periods
// ---------------------------------------------------------------------------------------------

/// A change between two periods (`after − before`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `after − before` in the unit of the inputs: a share (0.062 = 6.2 points) for
    /// [`compare_proportions`], NPS points for [`compare_nps`]. `None` if a period has no answers.
    pub difference: Option<f64>,
    /// Test statistic (positive = up). `None` when a period has no answers or the test is
    /// undefined because there is no variance at all (both periods 0 % or both 100 %; for NPS,
    /// the same single kind of answer in both periods). Then nothing changed.
    pub z: Option<f64>,
    /// Two-sided p-value of `z`.
    pub p_value: Option<f64>,
    /// Whether the data support a real change (see the comparing function).
    pub significant: bool,
    /// One short English sentence for the UI.
    pub words: String,
}

/// Is the share in `after` different from the share in `before`? Each is `(successes, n)`.
///
/// Pooled two-proportion z-test, two-sided: p̄ = (k₁ + k₂)/(n₁ + n₂),
/// z = (p̂₂ − p̂₁) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)), p = 2·(1 − Φ(|z|)) (computed as erfc(|z|/√2),
/// accurate in the tail). `significant` iff both n ≥ 1 and p < 0.05. Identical to
/// `statsmodels.stats.proportion.proportions_ztest([k₂, k₁], [n₂, n₁])`.
pub fn compare_proportions(before: (u64, u64), after: (u64, u64)) -> Change {
    let (k1, n1) = (before.0.min(before.1), before.1);
    let (k2, n2) = (after.0.min(after.1), after.1);
    if n1 == 0 || n2 == 0 {
        return no_comparison(n1, n2);
    }
    let p1 = k1 as f64 / n1 as f64;
    let p2 = k2 as f64 / n2 as f64;
    let difference = p2 - p1;
    let pooled = (k1 as f64 + k2 as f64) / (n1 as f64 + n2 as f64);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    let (z, p_value) = if se > 0.0 {
        let z = difference / se;
        (Some(z), Some(two_sided_p(z)))
    } else {
        (None, None)
    };
    let significant = p_value.is_some_and(|p| p < SIGNIFICANCE_LEVEL);
    let words = change_words(&ChangeText {
        points: difference * 100.0,
        before: percent(p1),
        after: percent(p2),
        n1,
        n2,
        significant,
        p_value,
        margin: None,
    });
    Change { difference: Some(difference), z, p_value, significant, words }
}

/// Is the NPS in `after` different from the one in `before`?
///
/// Method: the difference of two independent scores has standard error √(se₁² + se₂²), so it is
/// called significant when |score₂ − score₁| exceeds the **combined margin of error**
/// `√(moe₁² + moe₂²)` (each moe at 95 %, as in [`nps`]). `z = difference / √(se₁² + se₂²)` and
/// `p_value` is its two-sided normal p-value, so "significant" matches p < 0.05.
///
/// The margins are recomputed from the group counts (`promoters`, `passives`, `detractors`, `n`);
/// the inputs' `score`/`margin` fields are not read. Degenerate case: a period where everyone
/// gave the same kind of answer (all promoters, all passives or all detractors) has a margin of
/// 0, which would make any difference "significant"; when both margins are 0 and the scores
/// differ, the standard error is taken from the two periods pooled (the variance under "no
/// change"), like the pooled proportion test.
pub fn compare_nps(before: &Nps, after: &Nps) -> Change {
    let (n1, n2) = (before.n, after.n);
    let (Some((s1, se1)), Some((s2, se2))) = (
        nps_score_and_se(before.promoters, before.detractors, n1),
        nps_score_and_se(after.promoters, after.detractors, n2),
    ) else {
        return no_comparison(n1, n2);
    };
    let difference = s2 - s1;
    let mut se = se1.hypot(se2);
    if se == 0.0 && difference != 0.0 {
        let all = n1 as f64 + n2 as f64;
        let p = (before.promoters as f64 + after.promoters as f64) / all;
        let d = (before.detractors as f64 + after.detractors as f64) / all;
        let var = (p + d - (p - d) * (p - d)).max(0.0) * (1.0 / n1 as f64 + 1.0 / n2 as f64);
        se = var.sqrt() * 100.0;
    }
    let (z, p_value) = if se > 0.0 {
        let z = difference / se;
        (Some(z), Some(two_sided_p(z)))
    } else {
        (None, None)
    };
    let margin = Z_95 * se;
    let significant = se > 0.0 && difference.abs() > margin;
    let words = change_words(&ChangeText {
        points: difference,
        before: signed(s1),
        after: signed(s2),
        n1,
        n2,
        significant,
        p_value,
        margin: Some(margin),
    });
    Change { difference: Some(difference), z, p_value, significant, words }
}

fn two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

fn no_comparison(n1: u64, n2: u64) -> Change {
    let which = match (n1, n2) {
        (0, 0) => "either period",
        (0, _) => "the earlier period",
        _ => "the later period",
    };
    let words = format!("No comparison: no answers in {which} (n = {} → {}).", thousands(n1), thousands(n2));
    Change { difference: None, z: None, p_value: None, significant: false, words }
}

struct ChangeText {
    points: f64,
    before: String,
    after: String,
    n1: u64,
    n2: u64,
    significant: bool,
    p_value: Option<f64>,
    /// Combined margin of error in points, for NPS.
    margin: Option<f64>,
}

fn change_words(t: &ChangeText) -> String {
    let ns = format!("n = {} → {}", thousands(t.n1), thousands(t.n2));
    let shown = format!("{:.1}", t.points.abs());
    if shown == "0.0" {
        let mut s = format!("Unchanged at {} ({ns})", t.after);
        if t.significant {
            s.push_str(&format!("; a tiny but statistically significant difference ({})", p_words(t.p_value, true)));
        }
        s.push('.');
        return s;
    }
    let direction = if t.points > 0.0 { "Up" } else { "Down" };
    let head = format!("{direction} {shown} points from {} to {} ({ns})", t.before, t.after);
    if t.significant {
        format!("{head}; the change is statistically significant ({}).", p_words(t.p_value, true))
    } else if t.n1.min(t.n2) < SMALL_SAMPLE {
        format!("{head}: too few answers to tell a real change from chance.")
    } else if let Some(margin) = t.margin {
        format!("{head}; within the combined margin of error (±{margin:.1} points), so it may be chance.")
    } else {
        format!("{head}; not statistically significant ({}), so it may be chance.", p_words(t.p_value, false))
    }
}

/// "p = 0.41", "p = 0.031", "p < 0.001"; a significant p never reads as "p = 0.050".
fn p_words(p: Option<f64>, significant: bool) -> String {
    let Some(p) = p else { return "p not defined".to_string() };
    if p < 0.001 {
        return "p < 0.001".to_string();
    }
    let text = if p < 0.1 { format!("{p:.3}") } else { format!("{p:.2}") };
    if significant && text == "0.050" {
        return "p < 0.05".to_string();
    }
    format!("p = {text}")
}

fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

fn signed(points: f64) -> String {
    let text = format!("{points:+.1}");
    if text == "+0.0" || text == "-0.0" {
        "0.0".to_string()
    } else {
        text
    }
}

/// 1234567 → "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    // Digits before the first comma: 1, 2 or 3.
    let mut group = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    for ch in digits.chars() {
        if group == 0 {
            out.push(',');
            group = 3;
        }
        out.push(ch);
        group -= 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Sample size
// ---------------------------------------------------------------------------------------------

/// "no answers", "1 answer", "17 answers", "1,234 answers".
pub fn sample_size_words(n: u64) -> String {
    match n {
        0 => "no answers".to_string(),
        1 => "1 answer".to_string(),
        _ => format!("{} answers", thousands(n)),
    }
}

/// `n < SMALL_SAMPLE`: the UI says that the interval is wide (and greys out the figure).
pub fn is_small_sample(n: u64) -> bool {
    n < SMALL_SAMPLE
}

// ---------------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------------

/// Where the power series for erf hands over to the continued fraction for erfc.
const ERF_SERIES_LIMIT: f64 = 3.0;

/// Complementary error function, erfc(x) = 1 − erf(x), with ~1e-15 relative accuracy.
///
/// For |x| < 3: erf(x) = (2/√π)·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1)) (all terms positive, no
/// cancellation). For x ≥ 3: the continued fraction
/// erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) evaluated with the modified
/// Lentz method, which keeps full relative accuracy deep in the tail (p-values of 1e-300).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < ERF_SERIES_LIMIT {
        return 1.0 - erf_series(x);
    }
    erfc_continued_fraction(x)
}

fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    let mut k = 0.0;
    loop {
        k += 1.0;
        term *= 2.0 * x2 / (2.0 * k + 1.0);
        sum += term;
        if term <= sum * 1e-17 || k > 500.0 {
            break;
        }
    }
    std::f64::consts::FRAC_2_SQRT_PI * (-x2).exp() * sum
}

fn erfc_continued_fraction(x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for j in 1..=2000 {
        let a = j as f64 / 2.0;
        d = x + a * d;
        if d == 0.0 {
            d = TINY;
        }
        c = x + a / c;
        if c == 0.0 {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / (std::f64::consts::PI.sqrt() * f)
}

/// Standard normal CDF Φ(x) = erfc(−x/√2)/2, accurate to ~1e-16 absolute and ~1e-14 relative
/// in the lower tail (see [`erfc`]).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal quantile Φ⁻¹(p): P. J. Acklam's rational approximation (relative error
/// 1.15e-9) followed by Acklam's refinement step (one step of Halley's method, a third-order
/// Newton variant, using [`normal_cdf`]), which brings it to about 1e-15.
/// `p ≤ 0` → −∞, `p ≥ 1` → +∞, NaN → NaN.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p > 0.5 {
        // 1 − p is exact for p in (0.5, 1), and the refinement is accurate in the lower tail.
        return -normal_quantile(1.0 - p);
    }
    let x = acklam(p);
    if !x.is_finite() {
        return x;
    }
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    if !u.is_finite() {
        return x;
    }
    x - u / (1.0 + x * u / 2.0)
}

fn acklam(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    const P_LOW: f64 = 0.02425;
    let tail = |q: f64| {
        let q = (-2.0 * q.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < P_LOW {
        tail(p)
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail(1.0 - p)
    }
}

/// Above this many degrees of freedom [`t_quantile`] uses the Cornish–Fisher expansion alone:
/// its first omitted term is O(df⁻⁵), below 1e-12 relative there even at p = 1e-300, while
/// [`t_cdf`] (which the Newton iteration needs) slowly loses digits as df grows.
const T_EXPANSION_DF: f64 = 100_000.0;

/// Student-t quantile: the t with P(T ≤ t) = p for `df` degrees of freedom (any real df > 0).
///
/// Exact closed forms for df = 1 (Cauchy) and df = 2; for df > 100 000 the Cornish–Fisher
/// expansion to df⁻⁴ (Abramowitz & Stegun 26.7.5); otherwise that expansion as the start of a
/// bracketed Newton iteration on [`t_cdf`] (bisection when a step leaves the bracket). Agrees
/// with `scipy.stats.t.ppf` to ~1e-14 relative at p = 0.975 and ~1e-11 in far tails (unit and
/// reference tests). (A table for small df plus the normal approximation beyond 200 df would be
/// off by up to 1e-3 at df = 200 — too coarse to check against scipy at 1e-6.)
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if p.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    if p > 0.5 {
        // 1 − p is exact for p in (0.5, 1).
        return -t_quantile_lower(1.0 - p, df);
    }
    t_quantile_lower(p, df)
}

/// The quantile for p < 0.5 (a negative t).
fn t_quantile_lower(p: f64, df: f64) -> f64 {
    if df == 1.0 {
        return -1.0 / (std::f64::consts::PI * p).tan();
    }
    if df == 2.0 {
        return (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
    }
    let guess = cornish_fisher(normal_quantile(p), df);
    if df > T_EXPANSION_DF {
        return guess;
    }
    // Bracket [lo, hi] with F(lo) ≤ p ≤ F(hi); hi = 0 has F = 0.5 > p.
    let mut hi = 0.0;
    let mut lo = guess.min(-1e-3);
    while t_cdf(lo, df) > p {
        hi = lo;
        lo *= 2.0;
        if !lo.is_finite() {
            return f64::NEG_INFINITY;
        }
    }
    let mut t = guess.clamp(lo, hi);
    for _ in 0..200 {
        let f = t_cdf(t, df) - p;
        if f == 0.0 {
            return t;
        }
        if f < 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let mut next = t - f / t_pdf(t, df);
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - t).abs() <= 1e-14 * t.abs().max(1.0) {
            return next;
        }
        t = next;
    }
    t
}

/// Cornish–Fisher expansion of the t quantile around the normal quantile `x`.
fn cornish_fisher(x: f64, df: f64) -> f64 {
    let x2 = x * x;
    let g1 = (x2 + 1.0) * x / 4.0;
    let g2 = ((5.0 * x2 + 16.0) * x2 + 3.0) * x / 96.0;
    let g3 = (((3.0 * x2 + 19.0) * x2 + 17.0) * x2 - 15.0) * x / 384.0;
    let g4 = ((((79.0 * x2 + 776.0) * x2 + 1482.0) * x2 - 1920.0) * x2 - 945.0) * x / 92160.0;
    x + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
}

/// Student-t CDF P(T ≤ t) via the regularized incomplete beta function:
/// for t < 0, P = I_x(df/2, 1/2)/2 with x = df/(df + t²).
///
/// Accurate to ~1e-16 absolute for df ≤ 1000; beyond that the rounding of x (which is close to
/// 1) costs about df·1e-16 relative (2e-13 at df = 10 000, 5e-11 at df = 1e6).
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 1.0 } else { 0.0 };
    }
    let t2 = t * t;
    let x = df / (df + t2);
    let y = t2 / (df + t2);
    let tail = 0.5 * regularized_incomplete_beta(df / 2.0, 0.5, x, y);
    if t < 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

fn t_pdf(t: f64, df: f64) -> f64 {
    // Γ((ν+1)/2) / (Γ(ν/2)·√(νπ)) = 1 / (B(ν/2, ½)·√ν).
    let ln = -ln_beta(df / 2.0, 0.5) - 0.5 * df.ln() - (df + 1.0) / 2.0 * (t * t / df).ln_1p();
    ln.exp()
}

/// I_x(a, b), with `y = 1 − x` passed separately to keep precision near x = 1
/// (Numerical Recipes §6.4: continued fraction, using the symmetry I_x(a,b) = 1 − I_y(b,a)).
fn regularized_incomplete_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    // ln x via ln(1 − y) when x is near 1: with a ~ 1e6, a·ln x must be right to 1e-16 absolute.
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    let ln_front = a * ln_x + b * ln_y - ln_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_continued_fraction(b, a, y) / b
    }
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). When one argument is large (≥ 100), the
/// difference ln Γ(big) − ln Γ(big + small) comes from Stirling's series directly, so that it
/// does not cancel two huge, rounded numbers (ln Γ(5e5) ≈ 6e6).
fn ln_beta(a: f64, b: f64) -> f64 {
    let (big, small) = if a >= b { (a, b) } else { (b, a) };
    if big < 100.0 {
        return ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    }
    // Stirling: ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + c(x), c(x) = 1/12x − 1/360x³ + 1/1260x⁵ − 1/1680x⁷.
    let c = |x: f64| {
        let r = 1.0 / (x * x);
        (1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r / 1680.0))) / x
    };
    let sum = big + small;
    let gamma_ratio = -(big - 0.5) * (small / big).ln_1p() - small * sum.ln() + small + c(big) - c(sum);
    ln_gamma(small) + gamma_ratio
}

fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let fix = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / fix(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0: Lanczos approximation (g = 7, 9 terms), ~1e-15 relative; reflection
/// for x < 0.5.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEF[0];
    for (i, &c) in COEF.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}
