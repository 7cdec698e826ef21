//! Checks `rapport_domain::stats` against an independent implementation: statsmodels / scipy /
//! numpy, driven by `scripts/stats_reference.py`.
//!
//! ~300 deterministic cases (a small LCG, no extra crates) are written as JSON lines to a file
//! under `CARGO_TARGET_TMPDIR`; the script prints its results as JSON lines; every number is
//! compared here:
//!
//! * Wilson intervals — `statsmodels.stats.proportion.proportion_confint(method="wilson")`;
//! * pooled two-proportion z-tests — `statsmodels.stats.proportion.proportions_ztest`;
//! * means with t-intervals — numpy on the expanded answers and `scipy.stats.t.ppf`;
//! * NPS score and margin — numpy mean / population std of the per-answer +1/0/−1 scores (a
//!   different computation from the Rust share formula; statsmodels has no NPS);
//! * `t_quantile`, `normal_cdf`, `normal_quantile` — `scipy.stats.t.ppf`, `norm.cdf`, `norm.ppf`.
//!
//! Tolerances (the brief allows 1e-6; both sides agree to ~1e-12, so the checks are tighter to
//! catch real regressions): values 1e-9 absolute (shares, NPS points, scale units); p-values
//! 1e-9 absolute and, below 1e-3, 1e-6 relative so that tiny p-values are compared too; quantiles
//! 1e-9 relative; `normal_cdf` 1e-15 absolute and 1e-12 relative. Undefined results (NaN in
//! Python, `None` in Rust) must match.
//!
//! Needs `python3` with `pip install statsmodels scipy`. Without them the test FAILS, unless
//! `RAPPORT_SKIP_STATS_REFERENCE=1` is set (then it prints a notice and passes). `RAPPORT_PYTHON`
//! picks another interpreter (default `python3`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use rapport_domain::stats::{
    compare_proportions, mean_of_counts, normal_cdf, normal_quantile, nps, nps_from_groups, t_quantile, wilson, Z_95,
};
use serde_json::{json, Value};

const VALUE_TOL: f64 = 1e-9;

fn python() -> String {
    std::env::var("RAPPORT_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/stats_reference.py")
}

/// Whether python3 with statsmodels and scipy is there; panics with the install hint if not
/// (unless skipping is asked for).
fn reference_available() -> bool {
    let python = python();
    let probe = Command::new(&python).args(["-c", "import statsmodels, scipy, numpy"]).output();
    let problem = match probe {
        Ok(out) if out.status.success() => return true,
        Ok(out) => String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").trim().to_string(),
        Err(e) => format!("cannot run `{python}`: {e}"),
    };
    if std::env::var("RAPPORT_SKIP_STATS_REFERENCE").as_deref() == Ok("1") {
        eprintln!("RAPPORT_SKIP_STATS_REFERENCE=1: skipping the statsmodels/scipy reference check ({problem})");
        return false;
    }
    panic!(
        "the statistics reference check needs Python with statsmodels and scipy: run \
         `pip install statsmodels scipy` (or set RAPPORT_SKIP_STATS_REFERENCE=1 to skip it). {problem}"
    );
}

/// Knuth's MMIX LCG; the high bits are used.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    /// Uniform in 0..=max.
    fn upto(&mut self, max: u64) -> u64 {
        self.next() % (max + 1)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 1) as f64 / (1u64 << 52) as f64
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.upto(items.len() as u64 - 1) as usize]
    }

    /// A sample size: small, medium, large or huge.
    fn n(&mut self) -> u64 {
        match self.upto(3) {
            0 => 1 + self.upto(29),
            1 => 30 + self.upto(470),
            2 => 500 + self.upto(100_000),
            _ => 100_000 + self.upto(1_000_000_000),
        }
    }

    /// Successes out of n, with the edges 0 and n often.
    fn k(&mut self, n: u64) -> u64 {
        match self.upto(5) {
            0 => 0,
            1 => n,
            _ => self.upto(n),
        }
    }
}

fn cases() -> Vec<Value> {
    let mut rng = Lcg(0x5241_5050_4f52_5421); // "RAPPORT!"
    let mut cases = Vec::new();
    let mut push = |mut case: Value| {
        case["id"] = json!(cases.len());
        cases.push(case);
    };
    for _ in 0..100 {
        let n = rng.n();
        let k = rng.k(n);
        push(json!({"kind": "wilson", "count": k, "nobs": n}));
    }
    for i in 0..90 {
        let n1 = rng.n();
        let mut n2 = rng.n();
        let (k1, k2) = match i % 15 {
            // Both 100 % / both 0 %: the test is undefined on both sides.
            0 => (n1, n2),
            1 => (0, 0),
            // The same share twice: z = 0, p = 1.
            2 => {
                n2 = 2 * n1;
                let k = rng.k(n1);
                (k, 2 * k)
            }
            _ => (rng.k(n1), rng.k(n2)),
        };
        push(json!({"kind": "ztest", "before": [k1, n1], "after": [k2, n2]}));
    }
    for _ in 0..50 {
        let (len, first) = rng.pick(&[(7usize, 1i64), (7, 1), (5, 1), (11, 0), (3, -1)]);
        let max = rng.pick(&[1u64, 3, 40, 5_000]);
        let mut counts: Vec<u64> = (0..len).map(|_| rng.upto(max) * rng.upto(1)).collect();
        if counts.iter().sum::<u64>() == 0 {
            counts[rng.upto(len as u64 - 1) as usize] = 1 + rng.upto(1);
        }
        push(json!({"kind": "mean", "counts": counts, "first_value": first}));
    }
    for _ in 0..30 {
        let max = rng.pick(&[2u64, 20, 500]);
        let mut counts: Vec<u64> = (0..11).map(|_| rng.upto(max) * rng.upto(1)).collect();
        if counts.iter().sum::<u64>() == 0 {
            counts[10] = 1;
        }
        push(json!({"kind": "nps", "counts": counts}));
    }
    let dfs =
        [1.0, 2.0, 3.0, 3.5, 4.0, 7.0, 10.0, 29.0, 60.0, 120.0, 999.0, 1_001.0, 5_000.0, 99_999.0, 100_001.0, 1e6];
    let ps = [0.975, 0.995, 0.9, 0.6, 0.025, 1e-6, 1e-12, 0.999_999];
    for _ in 0..15 {
        push(json!({"kind": "t_ppf", "p": rng.pick(&ps), "df": rng.pick(&dfs)}));
    }
    for _ in 0..10 {
        push(json!({"kind": "norm_cdf", "x": rng.unit() * 24.0 - 16.0}));
    }
    for i in 0..10 {
        let p = if i % 3 == 0 { rng.unit() * 1e-10 + 1e-300 } else { rng.unit() };
        push(json!({"kind": "norm_ppf", "p": p.max(1e-300)}));
    }
    cases
}

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn u(v: &Value) -> u64 {
    v.as_u64().expect("a count")
}

struct Checker {
    failures: Vec<String>,
    compared: usize,
    /// Largest absolute difference seen per quantity, for the log.
    worst: std::collections::BTreeMap<String, f64>,
}

impl Checker {
    /// Compares one number; `None` on both sides (undefined) is a match.
    fn check(&mut self, what: &str, case: &Value, rust: Option<f64>, reference: Option<f64>, abs: f64, rel: f64) {
        self.compared += 1;
        let ok = match (rust, reference) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                let diff = (a - b).abs();
                let worst = self.worst.entry(what.to_string()).or_insert(0.0);
                if a != b {
                    *worst = worst.max(diff);
                }
                diff <= abs || (b != 0.0 && diff / b.abs() <= rel) || a == b
            }
            _ => false,
        };
        if !ok {
            self.failures.push(format!("{what}: rust {rust:?} vs reference {reference:?} for {case}"));
        }
    }
}

#[test]
fn stats_reference_matches_statsmodels_and_scipy() {
    if !reference_available() {
        return;
    }
    let cases = cases();
    assert!(cases.len() >= 300, "{} cases", cases.len());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).expect("target tmp dir");
    let path = dir.join(format!("stats_reference_{}.jsonl", std::process::id()));
    let lines: Vec<String> = cases.iter().map(Value::to_string).collect();
    std::fs::write(&path, lines.join("\n") + "\n").expect("write cases");

    let started = std::time::Instant::now();
    let output = Command::new(python()).arg(script()).arg(&path).output().expect("run scripts/stats_reference.py");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "scripts/stats_reference.py failed: {}", String::from_utf8_lossy(&output.stderr));
    let results: HashMap<u64, Value> = String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"));
            (u(&v["id"]), v)
        })
        .collect();
    eprintln!("reference: {} results from statsmodels/scipy in {:?}", results.len(), started.elapsed());
    assert_eq!(results.len(), cases.len(), "one result per case");

    let mut c = Checker { failures: Vec::new(), compared: 0, worst: Default::default() };
    let mut undefined_ztests = 0;
    for case in &cases {
        let r = &results[&u(&case["id"])];
        match case["kind"].as_str().unwrap() {
            "wilson" => {
                let w = wilson(u(&case["count"]), u(&case["nobs"]));
                c.check("wilson low", case, w.low, f(&r["low"]), VALUE_TOL, 0.0);
                c.check("wilson high", case, w.high, f(&r["high"]), VALUE_TOL, 0.0);
            }
            "ztest" => {
                let side = |v: &Value| (u(&v[0]), u(&v[1]));
                let change = compare_proportions(side(&case["before"]), side(&case["after"]));
                c.check("z", case, change.z, f(&r["z"]), VALUE_TOL, 0.0);
                let p = f(&r["p"]);
                let rel = if p.is_some_and(|p| p < 1e-3) { 1e-6 } else { 0.0 };
                c.check("p-value", case, change.p_value, p, VALUE_TOL, rel);
                if let Some(p) = p {
                    if change.significant != (p < 0.05) && (p - 0.05).abs() > 1e-12 {
                        c.failures.push(format!("significant = {} but p = {p} for {case}", change.significant));
                    }
                } else {
                    undefined_ztests += 1;
                    assert!(!change.significant);
                }
            }
            "mean" => {
                let counts: Vec<u64> = case["counts"].as_array().unwrap().iter().map(u).collect();
                let m = mean_of_counts(&counts, case["first_value"].as_i64().unwrap());
                assert_eq!(m.n, u(&r["n"]), "n for {case}");
                c.check("mean", case, m.value, f(&r["mean"]), VALUE_TOL, 0.0);
                c.check("mean low", case, m.low, f(&r["low"]), VALUE_TOL, 0.0);
                c.check("mean high", case, m.high, f(&r["high"]), VALUE_TOL, 0.0);
            }
            "nps" => {
                let counts: Vec<u64> = case["counts"].as_array().unwrap().iter().map(u).collect();
                let x = nps(&counts.try_into().expect("11 counts"));
                c.check("nps score", case, x.score, f(&r["score"]), VALUE_TOL, 0.0);
                c.check("nps margin", case, x.margin, f(&r["margin"]), VALUE_TOL, 0.0);
            }
            "t_ppf" => {
                let got = t_quantile(case["p"].as_f64().unwrap(), case["df"].as_f64().unwrap());
                c.check("t quantile", case, Some(got), f(&r["value"]), 0.0, 1e-9);
            }
            "norm_cdf" => {
                let got = normal_cdf(case["x"].as_f64().unwrap());
                c.check("normal cdf", case, Some(got), f(&r["value"]), 1e-15, 1e-12);
            }
            "norm_ppf" => {
                let got = normal_quantile(case["p"].as_f64().unwrap());
                c.check("normal quantile", case, Some(got), f(&r["value"]), 0.0, 1e-9);
            }
            other => panic!("unknown kind {other}"),
        }
    }
    assert!(undefined_ztests >= 2, "the undefined z-test cases were generated");
    eprintln!("reference: {} numbers compared; largest absolute differences: {:?}", c.compared, c.worst);
    assert!(
        c.failures.is_empty(),
        "{} of {} numbers differ from statsmodels/scipy:\n{}",
        c.failures.len(),
        c.compared,
        c.failures.iter().take(25).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// statsmodels has no NPS: the margin is checked against the worked values in
/// `shared/research/ecosystem.md` §4.2 (rounded to one decimal there). Needs no Python.
#[test]
fn stats_reference_nps_margin_matches_ecosystem_fixtures() {
    // (promoters, passives, detractors) → (score, SE, low, high)
    let fixtures = [
        ((15, 10, 5), (33.3, 13.6, 6.7, 60.0)),
        ((60, 25, 15), (45.0, 7.4, 30.5, 59.5)),
        ((6, 3, 1), (50.0, 21.2, 8.4, 91.6)),
    ];
    let round1 = |x: f64| (x * 10.0).round() / 10.0;
    for ((pro, pas, det), (score, se, low, high)) in fixtures {
        let x = nps_from_groups(pro, pas, det);
        let got = (
            round1(x.score.unwrap()),
            round1(x.margin.unwrap() / Z_95),
            round1(x.low.unwrap()),
            round1(x.high.unwrap()),
        );
        assert_eq!(got, (score, se, low, high), "NPS {pro}/{pas}/{det}");
    }
}
