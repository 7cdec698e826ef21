use super::*;
use proptest::prelude::*;

fn close(actual: f64, expected: f64, tol: f64) -> bool {
    (actual - expected).abs() <= tol
}

#[track_caller]
fn assert_close(actual: f64, expected: f64, tol: f64) {
    assert!(close(actual, expected, tol), "{actual} is not within {tol} of {expected}");
}

/// Rounded to one decimal of a percentage, as ecosystem.md §4 prints them.
fn pct1(share: Option<f64>) -> f64 {
    (share.unwrap() * 1000.0).round() / 10.0
}

fn round1(x: Option<f64>) -> f64 {
    (x.unwrap() * 10.0).round() / 10.0
}

// ----- Wilson / CSAT: ecosystem.md §4.2 fixtures ------------------------------------------------

#[test]
fn stats_wilson_matches_ecosystem_fixtures() {
    // (k, n, point %, low %, high %)
    let fixtures = [
        (17, 20, 85.0, 64.0, 94.8),
        (5, 5, 100.0, 56.6, 100.0),
        (45, 50, 90.0, 78.6, 95.7),
        (170, 200, 85.0, 79.4, 89.3),
    ];
    for (k, n, point, low, high) in fixtures {
        let w = wilson(k, n);
        assert_eq!((w.successes, w.n), (k, n));
        assert_eq!(pct1(w.value), point, "{k}/{n} point");
        assert_eq!(pct1(w.low), low, "{k}/{n} low");
        assert_eq!(pct1(w.high), high, "{k}/{n} high");
    }
}

#[test]
fn stats_wilson_matches_statsmodels_digits() {
    // statsmodels 0.15 proportion_confint(k, n, alpha=0.05, method="wilson").
    let cases = [
        (17, 20, 0.639_581_135_259_243, 0.947_631_254_103_783_7),
        (5, 5, 0.565_517_535_216_825_2, 1.0),
        (45, 50, 0.786_397_685_625_203_4, 0.956_524_235_068_109_5),
        (170, 200, 0.793_944_207_158_333_4, 0.892_864_064_377_58),
        (0, 5, 0.0, 0.434_482_464_783_174_87),
        (0, 1, 0.0, 0.793_450_685_622_762_7),
        (1, 1, 0.206_549_314_377_237_4, 1.0),
    ];
    for (k, n, low, high) in cases {
        let w = wilson(k, n);
        assert_close(w.low.unwrap(), low, 1e-12);
        assert_close(w.high.unwrap(), high, 1e-12);
    }
}

#[test]
fn stats_wilson_no_answers_is_none() {
    let w = wilson(0, 0);
    assert_eq!(w, Proportion { successes: 0, n: 0, value: None, low: None, high: None });
    assert_eq!(csat(&[0; 5]).value, None);
    assert_eq!(sample_size_words(0), "no answers");
}

#[test]
fn stats_wilson_all_successes_and_all_failures_stay_in_unit_interval() {
    for n in [1, 2, 3, 5, 10, 29, 30, 100, 1_000, 1_000_000] {
        let all = wilson(n, n);
        assert_eq!(all.value, Some(1.0));
        assert_eq!(all.high, Some(1.0));
        let low = all.low.unwrap();
        assert!(low > 0.0 && low < 1.0, "{n}: {low}");

        let none = wilson(0, n);
        assert_eq!(none.value, Some(0.0));
        assert_eq!(none.low, Some(0.0));
        let high = none.high.unwrap();
        assert!(high > 0.0 && high < 1.0, "{n}: {high}");
        // Symmetry: the interval for 0/n mirrors the one for n/n.
        assert_close(high, 1.0 - low, 1e-12);
    }
}

#[test]
fn stats_wilson_clamps_successes_above_n() {
    assert_eq!(wilson(7, 5), wilson(5, 5));
}

#[test]
fn stats_wilson_z_other_levels() {
    let w95 = wilson(17, 20);
    let w99 = wilson_z(17, 20, 2.575_829_303_548_901);
    assert!(w99.low < w95.low && w99.high > w95.high);
    assert_eq!(wilson_z(17, 20, -Z_95), w95);
    let w0 = wilson_z(17, 20, 0.0);
    assert_eq!(w0.low, w0.value);
    assert_eq!(w0.high, w0.value);
}

#[test]
fn stats_csat_is_top_two_box() {
    // 20 answers, 8 fours and 9 fives: 17/20.
    let c = csat(&[1, 1, 1, 8, 9]);
    assert_eq!((c.successes, c.n), (17, 20));
    assert_eq!(c, wilson(17, 20));
    // 3-point answers stored as 1/3/5: "okay" (3) is not satisfied, "great" (5) is.
    let c = csat(&[2, 0, 3, 0, 5]);
    assert_eq!((c.successes, c.n), (5, 10));
}

// ----- NPS: ecosystem.md §4.2 fixtures ------------------------------------------------------------

fn nps_counts(promoters: u64, passives: u64, detractors: u64) -> [u64; 11] {
    let mut counts = [0u64; 11];
    counts[10] = promoters / 2;
    counts[9] = promoters - promoters / 2;
    counts[8] = passives / 2;
    counts[7] = passives - passives / 2;
    counts[0] = detractors / 3;
    counts[6] = detractors - detractors / 3;
    counts
}

#[test]
fn stats_nps_matches_ecosystem_fixtures() {
    // (promoters, passives, detractors, score, SE, low, high)
    let fixtures =
        [(15, 10, 5, 33.3, 13.6, 6.7, 60.0), (60, 25, 15, 45.0, 7.4, 30.5, 59.5), (6, 3, 1, 50.0, 21.2, 8.4, 91.6)];
    for (pro, pas, det, score, se, low, high) in fixtures {
        let x = nps(&nps_counts(pro, pas, det));
        assert_eq!((x.promoters, x.passives, x.detractors, x.n), (pro, pas, det, pro + pas + det));
        assert_eq!(round1(x.score), score);
        assert_eq!(round1(x.margin.map(|m| m / Z_95)), se);
        assert_eq!(round1(x.low), low);
        assert_eq!(round1(x.high), high);
        assert_eq!(x, nps_from_groups(pro, pas, det));
    }
    // Exact digits for the first fixture: SE = √((0.5 + 1/6 − 1/9)/30)·100.
    let x = nps_from_groups(15, 10, 5);
    assert_close(x.score.unwrap(), 100.0 / 3.0, 1e-12);
    assert_close(x.margin.unwrap(), Z_95 * 13.608_276_348_795_432, 1e-10);
}

#[test]
fn stats_nps_edge_cases() {
    let empty = nps(&[0; 11]);
    assert_eq!((empty.n, empty.score, empty.margin, empty.low, empty.high), (0, None, None, None, None));

    let all_promoters = nps_from_groups(12, 0, 0);
    assert_eq!(all_promoters.score, Some(100.0));
    assert_eq!(all_promoters.margin, Some(0.0));
    assert_eq!((all_promoters.low, all_promoters.high), (Some(100.0), Some(100.0)));

    let all_detractors = nps_from_groups(0, 0, 3);
    assert_eq!(all_detractors.score, Some(-100.0));

    // A wide interval is clipped to −100…100.
    let one_each = nps_from_groups(1, 0, 1);
    assert_eq!(one_each.score, Some(0.0));
    assert_eq!((one_each.low, one_each.high), (Some(-100.0), Some(100.0)));

    // Score 7 is passive, 6 is a detractor.
    let mut counts = [0u64; 11];
    counts[6] = 1;
    counts[7] = 1;
    counts[8] = 1;
    counts[9] = 1;
    let x = nps(&counts);
    assert_eq!((x.promoters, x.passives, x.detractors), (1, 2, 1));
}

// ----- Mean / t ------------------------------------------------------------------------------------

#[test]
fn stats_mean_of_counts_matches_scipy() {
    // numpy mean / std(ddof=1) and scipy.stats.t.ppf(0.975, n − 1).
    let m = mean_of_counts(&[2, 3, 5, 9, 12, 8, 4], 1);
    assert_eq!(m.n, 43);
    assert_close(m.value.unwrap(), 4.534_883_720_930_233, 1e-12);
    assert_close(m.low.unwrap(), 4.053_645_429_282_106, 1e-10);
    assert_close(m.high.unwrap(), 5.016_122_012_578_359, 1e-10);

    // Answers 3, 7, 7: the t-interval is −0.07…11.40, clipped to the 1–7 scale.
    let m = mean_of_counts(&[0, 0, 1, 0, 0, 0, 2], 1);
    assert_close(m.value.unwrap(), 17.0 / 3.0, 1e-12);
    assert_eq!((m.low, m.high), (Some(1.0), Some(7.0)));
}

#[test]
fn stats_mean_of_counts_edge_cases() {
    assert_eq!(mean_of_counts(&[0; 7], 1), Mean { n: 0, value: None, low: None, high: None });
    assert_eq!(mean_of_counts(&[], 1), Mean { n: 0, value: None, low: None, high: None });
    assert_eq!(mean_of_counts(&[0, 0, 0, 1, 0, 0, 0], 1), Mean { n: 1, value: Some(4.0), low: None, high: None });
    // Everyone answered 6: no spread, the interval is the point.
    assert_eq!(
        mean_of_counts(&[0, 0, 0, 0, 0, 40, 0], 1),
        Mean { n: 40, value: Some(6.0), low: Some(6.0), high: Some(6.0) }
    );
    // first_value shifts the scale (0–10).
    let m = mean_of_counts(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 0);
    assert_eq!(m.value, Some(5.0));
    assert_eq!((m.low, m.high), (Some(0.0), Some(10.0)));
}

#[test]
fn stats_t_quantile_matches_scipy() {
    // scipy.stats.t.ppf(0.975, df) and t.ppf(1e-9, df).
    let cases = [
        (1.0, 12.706_204_736_174_694, -318_309_886.183_790_7),
        (2.0, 4.302_652_729_749_462, -22_360.679_741_456_875),
        (3.0, 3.182_446_305_283_707_8, -1_033.109_674_503_807_8),
        (5.0, 2.570_581_835_636_314_6, -98.937_224_648_369_96),
        (10.0, 2.228_138_851_986_274, -20.144_697_766_673_996),
        (29.0, 2.045_229_642_132_703, -8.556_427_307_611_303),
        (30.0, 2.042_272_456_301_237_8, -8.445_862_796_274_243),
        (100.0, 1.983_971_518_523_551_8, -6.598_939_820_655_532_5),
        (1_000.0, 1.962_339_080_826_408_3, -6.053_690_272_079_834),
        (10_000.0, 1.960_201_239_890_626, -6.003_355_447_947_142),
        (1_000_000.0, 1.959_966_356_814_107, -5.997_862_455_710_896),
    ];
    for (df, q975, q1e9) in cases {
        let rel = |a: f64, b: f64| ((a - b) / b).abs();
        assert!(rel(t_quantile(0.975, df), q975) < 1e-12, "df {df}: {}", t_quantile(0.975, df));
        assert!(rel(t_quantile(1e-9, df), q1e9) < 1e-9, "df {df}: {}", t_quantile(1e-9, df));
        // scipy's t.cdf gives 0.975 / 0.025 back for these quantiles to within 3e-17.
        let tol = if df <= 1_000.0 { 1e-15 } else { df * 1e-16 };
        assert_close(t_cdf(q975, df), 0.975, tol);
        assert_close(t_cdf(-q975, df), 0.025, tol);
    }
    assert_eq!(t_quantile(0.5, 7.0), 0.0);
    assert_eq!(t_quantile(0.0, 7.0), f64::NEG_INFINITY);
    assert_eq!(t_quantile(1.0, 7.0), f64::INFINITY);
    assert!(t_quantile(0.3, 0.0).is_nan());
}

// ----- Normal distribution -----------------------------------------------------------------------

#[test]
fn stats_normal_cdf_matches_scipy() {
    // scipy.stats.norm.cdf
    let cases = [
        (-10.0, 7.619_853_024_160_47e-24),
        (-8.0, 6.220_960_574_271_74e-16),
        (-5.0, 2.866_515_718_791_933e-7),
        (-3.0, 0.001_349_898_031_630_093_3),
        (-1.96, 0.024_997_895_148_220_435),
        (-1.0, 0.158_655_253_931_457_07),
        (-0.5, 0.308_537_538_725_986_9),
        (0.0, 0.5),
        (0.3, 0.617_911_422_188_952_6),
        (1.0, 0.841_344_746_068_542_9),
        (2.5, 0.993_790_334_674_223_8),
        (4.0, 0.999_968_328_758_166_9),
        (8.0, 0.999_999_999_999_999_3),
    ];
    for (x, expected) in cases {
        let got = normal_cdf(x);
        assert_close(got, expected, 1e-15);
        if expected < 0.5 {
            assert!(((got - expected) / expected).abs() < 1e-13, "relative error at {x}: {got} vs {expected}");
        }
    }
    assert!(normal_cdf(f64::NAN).is_nan());
    assert_eq!(normal_cdf(f64::INFINITY), 1.0);
    assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
}

#[test]
fn stats_normal_quantile_matches_scipy() {
    // scipy.stats.norm.ppf
    let cases = [
        (1e-300, -37.047_096_299_361_2),
        (1e-12, -7.034_483_825_301_131),
        (1e-5, -4.264_890_793_922_825),
        (0.01, -2.326_347_874_040_840_8),
        (0.02425, -1.972_961_051_311_885),
        (0.3, -0.524_400_512_708_040_9),
        (0.5, 0.0),
        (0.8, 0.841_621_233_572_914_3),
        (0.975, Z_95),
        (0.999_999, 4.753_424_308_817_087),
    ];
    for (p, expected) in cases {
        let got = normal_quantile(p);
        assert!(close(got, expected, 1e-13 * expected.abs().max(1.0)), "{p}: {got} vs {expected}");
    }
    assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
    assert_eq!(normal_quantile(1.0), f64::INFINITY);
    assert!(normal_quantile(f64::NAN).is_nan());
}

#[test]
fn stats_erfc_matches_known_values() {
    assert_eq!(erfc(0.0), 1.0);
    assert_close(erfc(1.0), 0.157_299_207_050_285_13, 1e-15);
    assert_close(erfc(-1.0), 1.842_700_792_949_715, 1e-15);
    // Both sides of the series / continued-fraction hand-over agree.
    let below = erfc(ERF_SERIES_LIMIT - 1e-12);
    let above = erfc(ERF_SERIES_LIMIT);
    assert!(((below - above) / above).abs() < 1e-10);
    assert!(((erfc(10.0) - 2.088_487_583_762_545e-45) / 2.088_487_583_762_545e-45).abs() < 1e-13);
}

// ----- Comparisons --------------------------------------------------------------------------------

#[test]
fn stats_compare_proportions_matches_statsmodels() {
    // proportions_ztest([k_before, k_after], [n_before, n_after]) returns z for before − after.
    let cases = [
        ((170, 200), (45, 50), -0.911_353_270_720_612_2, 0.362_109_266_648_989_9),
        ((81, 100), (92, 100), -2.276_159_802_562_069_5, 0.022_836_446_840_280_24),
        ((14, 17), (15, 21), 0.787_593_355_565_729_2, 0.430_934_602_458_736_4),
        ((700, 1000), (650, 1000), 2.387_049_580_131_44, 0.016_984_200_582_130_72),
    ];
    for (before, after, z_sm, p_sm) in cases {
        let c = compare_proportions(before, after);
        assert_close(c.z.unwrap(), -z_sm, 1e-12);
        assert_close(c.p_value.unwrap(), p_sm, 1e-12);
        assert_eq!(c.significant, p_sm < 0.05);
        let diff = after.0 as f64 / after.1 as f64 - before.0 as f64 / before.1 as f64;
        assert_close(c.difference.unwrap(), diff, 1e-15);
    }
}

#[test]
fn stats_compare_proportions_words() {
    let c = compare_proportions((81, 100), (92, 100));
    assert_eq!(
        c.words,
        "Up 11.0 points from 81.0 % to 92.0 % (n = 100 → 100); the change is statistically significant (p = 0.023)."
    );
    let c = compare_proportions((14, 17), (15, 21));
    assert!(!c.significant);
    assert_eq!(
        c.words,
        "Down 10.9 points from 82.4 % to 71.4 % (n = 17 → 21): too few answers to tell a real change from chance."
    );
    let c = compare_proportions((172, 212), (200, 230));
    assert!(!c.significant);
    assert_eq!(
        c.words,
        "Up 5.8 points from 81.1 % to 87.0 % (n = 212 → 230); not statistically significant (p = 0.094), so it may be chance."
    );
    let c = compare_proportions((170, 200), (45, 50));
    assert_eq!(
        c.words,
        "Up 5.0 points from 85.0 % to 90.0 % (n = 200 → 50); not statistically significant (p = 0.36), so it may be chance."
    );
    let c = compare_proportions((1_200, 2_000), (6_500, 10_000));
    assert!(c.significant);
    assert!(
        c.words.ends_with("(n = 2,000 → 10,000); the change is statistically significant (p < 0.001)."),
        "{}",
        c.words
    );
}

#[test]
fn stats_compare_proportions_edge_cases() {
    for (before, after, words) in [
        ((0, 0), (5, 9), "No comparison: no answers in the earlier period (n = 0 → 9)."),
        ((5, 9), (0, 0), "No comparison: no answers in the later period (n = 9 → 0)."),
        ((0, 0), (0, 0), "No comparison: no answers in either period (n = 0 → 0)."),
    ] {
        let c = compare_proportions(before, after);
        assert_eq!((c.difference, c.z, c.p_value, c.significant), (None, None, None, false));
        assert_eq!(c.words, words);
    }
    // Both 100 %: no variance at all, the test is undefined, nothing changed.
    let c = compare_proportions((20, 20), (35, 35));
    assert_eq!((c.difference, c.z, c.p_value, c.significant), (Some(0.0), None, None, false));
    assert_eq!(c.words, "Unchanged at 100.0 % (n = 20 → 35).");
    let c = compare_proportions((0, 20), (0, 35));
    assert_eq!(c.words, "Unchanged at 0.0 % (n = 20 → 35).");
    // Same share, variance > 0: z = 0, p = 1.
    let c = compare_proportions((10, 20), (20, 40));
    assert_eq!((c.z, c.p_value, c.significant), (Some(0.0), Some(1.0), false));
    assert_eq!(c.words, "Unchanged at 50.0 % (n = 20 → 40).");
}

#[test]
fn stats_compare_nps_uses_combined_margin() {
    let before = nps_from_groups(15, 10, 5); // +33.3 ± 26.7
    let after = nps_from_groups(60, 25, 15); // +45.0 ± 14.5
    let c = compare_nps(&before, &after);
    let combined = before.margin.unwrap().hypot(after.margin.unwrap());
    assert_close(c.difference.unwrap(), 45.0 - 100.0 / 3.0, 1e-9);
    assert!(!c.significant);
    // z = difference / SE, and the combined margin is Z_95 · SE.
    assert_close(c.difference.unwrap() / c.z.unwrap() * Z_95, combined, 1e-9);
    assert_eq!(c.words, "Up 11.7 points from +33.3 to +45.0 (n = 30 → 100); within the combined margin of error (±30.4 points), so it may be chance.");

    let before = nps_from_groups(30, 40, 30); // 0 ± 15.2
    let after = nps_from_groups(60, 25, 15); // +45.0 ± 14.5
    let c = compare_nps(&before, &after);
    assert!(c.significant);
    assert!(c.difference.unwrap().abs() > before.margin.unwrap().hypot(after.margin.unwrap()));
    assert!(c.p_value.unwrap() < 0.05);
    assert_eq!(
        c.words,
        "Up 45.0 points from 0.0 to +45.0 (n = 100 → 100); the change is statistically significant (p < 0.001)."
    );

    let c = compare_nps(&nps_from_groups(5, 5, 7), &nps_from_groups(3, 6, 9));
    assert!(!c.significant);
    assert_eq!(
        c.words,
        "Down 21.6 points from -11.8 to -33.3 (n = 17 → 18): too few answers to tell a real change from chance."
    );
}

#[test]
fn stats_compare_nps_edge_cases() {
    let empty = nps(&[0; 11]);
    let some = nps_from_groups(3, 2, 1);
    let c = compare_nps(&empty, &some);
    assert_eq!((c.difference, c.z, c.p_value, c.significant), (None, None, None, false));
    assert_eq!(c.words, "No comparison: no answers in the earlier period (n = 0 → 6).");

    // All promoters twice: nothing to test, nothing changed.
    let c = compare_nps(&nps_from_groups(40, 0, 0), &nps_from_groups(50, 0, 0));
    assert_eq!((c.difference, c.z, c.significant), (Some(0.0), None, false));
    assert_eq!(c.words, "Unchanged at +100.0 (n = 40 → 50).");

    // All promoters, then all detractors: both margins are 0, so the pooled SE is used.
    let c = compare_nps(&nps_from_groups(40, 0, 0), &nps_from_groups(0, 0, 40));
    assert_eq!(c.difference, Some(-200.0));
    assert!(c.significant && c.z.unwrap() < 0.0);
    // Pooled: p = d = 0.5, Var = 1·(1/40 + 1/40) → SE = 100·√0.05.
    assert_close(c.z.unwrap(), -200.0 / (100.0 * 0.05f64.sqrt()), 1e-9);
    // Two answers: the pooled SE is honest about how little that says.
    let c = compare_nps(&nps_from_groups(1, 0, 0), &nps_from_groups(0, 0, 1));
    assert!(!c.significant, "{c:?}");
}

// ----- Words ---------------------------------------------------------------------------------------

#[test]
fn stats_sample_size_words() {
    assert_eq!(sample_size_words(0), "no answers");
    assert_eq!(sample_size_words(1), "1 answer");
    assert_eq!(sample_size_words(17), "17 answers");
    assert_eq!(sample_size_words(999), "999 answers");
    assert_eq!(sample_size_words(1_234), "1,234 answers");
    assert_eq!(sample_size_words(1_234_567), "1,234,567 answers");
    assert_eq!(sample_size_words(1_000), "1,000 answers");
    assert_eq!(sample_size_words(100_000), "100,000 answers");
    assert_eq!(sample_size_words(12_345), "12,345 answers");
    assert!(is_small_sample(0) && is_small_sample(29));
    assert!(!is_small_sample(SMALL_SAMPLE) && !is_small_sample(1_000));
}

#[test]
fn stats_p_words_never_misstate_significance() {
    assert_eq!(p_words(Some(0.0499), true), "p < 0.05");
    assert_eq!(p_words(Some(0.0501), false), "p = 0.050");
    assert_eq!(p_words(Some(0.031), true), "p = 0.031");
    assert_eq!(p_words(Some(0.41), false), "p = 0.41");
    assert_eq!(p_words(Some(1e-9), true), "p < 0.001");
    assert_eq!(signed(-0.01), "0.0");
    assert_eq!(signed(12.34), "+12.3");
}

// ----- Properties ----------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn stats_prop_wilson_is_ordered_within_unit(n in 1u64..2_000_000_000, frac in 0.0f64..=1.0) {
        let k = ((n as f64) * frac).floor() as u64;
        let w = wilson(k, n);
        let (v, lo, hi) = (w.value.unwrap(), w.low.unwrap(), w.high.unwrap());
        prop_assert!(0.0 <= lo && lo <= v && v <= hi && hi <= 1.0, "{k}/{n}: {lo} {v} {hi}");
        prop_assert!(lo < hi);
    }

    #[test]
    fn stats_prop_wilson_narrows_with_more_answers(n in 1u64..100_000, frac in 0.0f64..=1.0, m in 2u64..50) {
        let k = ((n as f64) * frac).floor() as u64;
        let small = wilson(k, n);
        let large = wilson(k * m, n * m);
        prop_assert_eq!(small.value, large.value);
        let width = |w: Proportion| w.high.unwrap() - w.low.unwrap();
        prop_assert!(width(large) < width(small), "{}/{} ×{}", k, n, m);
    }

    #[test]
    fn stats_prop_nps_score_within_interval(pro in 0u64..5_000, pas in 0u64..5_000, det in 0u64..5_000) {
        prop_assume!(pro + pas + det > 0);
        let x = nps_from_groups(pro, pas, det);
        let (s, lo, hi) = (x.score.unwrap(), x.low.unwrap(), x.high.unwrap());
        prop_assert!((-100.0..=100.0).contains(&s));
        prop_assert!(-100.0 <= lo && lo <= s && s <= hi && hi <= 100.0, "{lo} {s} {hi}");
        prop_assert!(x.margin.unwrap() >= 0.0);
    }

    #[test]
    fn stats_prop_compare_proportions_is_symmetric(n1 in 0u64..100_000, f1 in 0.0f64..=1.0, n2 in 0u64..100_000, f2 in 0.0f64..=1.0) {
        let k1 = ((n1 as f64) * f1).floor() as u64;
        let k2 = ((n2 as f64) * f2).floor() as u64;
        let forward = compare_proportions((k1, n1), (k2, n2));
        let backward = compare_proportions((k2, n2), (k1, n1));
        prop_assert_eq!(forward.difference, backward.difference.map(|d| -d));
        prop_assert_eq!(forward.z, backward.z.map(|z| -z));
        prop_assert_eq!(forward.p_value, backward.p_value);
        prop_assert_eq!(forward.significant, backward.significant);
        if let Some(p) = forward.p_value {
            prop_assert!((0.0..=1.0).contains(&p));
            prop_assert_eq!(forward.significant, p < SIGNIFICANCE_LEVEL);
        }
    }

    #[test]
    fn stats_prop_compare_nps_is_symmetric(a in (0u64..300, 0u64..300, 0u64..300), b in (0u64..300, 0u64..300, 0u64..300)) {
        let x = nps_from_groups(a.0, a.1, a.2);
        let y = nps_from_groups(b.0, b.1, b.2);
        let forward = compare_nps(&x, &y);
        let backward = compare_nps(&y, &x);
        prop_assert_eq!(forward.difference, backward.difference.map(|d| -d));
        prop_assert_eq!(forward.p_value, backward.p_value);
        prop_assert_eq!(forward.significant, backward.significant);
    }

    #[test]
    fn stats_prop_normal_quantile_inverts_cdf(p in 1e-300f64..1.0) {
        let x = normal_quantile(p);
        let back = normal_cdf(x);
        prop_assert!(((back - p) / p).abs() < 1e-12 || (back - p).abs() < 1e-15, "{p} → {x} → {back}");
    }

    #[test]
    fn stats_prop_t_quantile_inverts_cdf_and_is_heavier_than_normal(p in 0.0001f64..0.9999, df in 1.0f64..2_000.0) {
        let t = t_quantile(p, df);
        prop_assert!((t_cdf(t, df) - p).abs() < 1e-12, "{p} df {df}: {t} → {}", t_cdf(t, df));
        let z = normal_quantile(p);
        prop_assert!(t.abs() >= z.abs() - 1e-12, "{p} df {df}: t {t} z {z}");
    }

    #[test]
    fn stats_prop_mean_within_scale(counts in proptest::collection::vec(0u64..1_000, 7)) {
        let m = mean_of_counts(&counts, 1);
        if counts.iter().sum::<u64>() >= 2 {
            let (v, lo, hi) = (m.value.unwrap(), m.low.unwrap(), m.high.unwrap());
            prop_assert!(1.0 <= lo && lo <= v && v <= hi && hi <= 7.0, "{lo} {v} {hi}");
        }
    }
}

#[test]
fn a_mean_from_sums_matches_the_mean_from_counts() {
    let counts = [3u64, 0, 5, 9, 2, 0, 1];
    let n: u64 = counts.iter().sum();
    let sum: i64 = counts.iter().enumerate().map(|(i, &c)| (i as i64 + 1) * c as i64).sum();
    let squares: i64 = counts.iter().enumerate().map(|(i, &c)| (i as i64 + 1).pow(2) * c as i64).sum();
    let (a, b) = (mean_of_counts(&counts, 1), mean_of_sums(n, sum, squares, 1.0, 7.0));
    assert_eq!(a.n, b.n);
    for (x, y) in [(a.value, b.value), (a.low, b.low), (a.high, b.high)] {
        assert!((x.unwrap() - y.unwrap()).abs() < 1e-9, "{x:?} vs {y:?}");
    }
    assert_eq!(mean_of_sums(0, 0, 0, 1.0, 7.0).value, None);
    assert_eq!(mean_of_sums(1, 4, 16, 1.0, 7.0).low, None);
}
