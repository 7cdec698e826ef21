#!/usr/bin/env python3
"""Independent reference values for crates/domain/src/stats (used by crates/domain/tests/stats_reference.rs).

Usage: python3 scripts/stats_reference.py CASES.jsonl  > RESULTS.jsonl

Reads one JSON case per line and prints one JSON result per line, same "id", computed with
statsmodels / scipy / numpy (never with Rapport's formulas where a library has the method):

  {"id", "kind": "wilson", "count", "nobs"}
      -> {"id", "low", "high"}   statsmodels proportion_confint(count, nobs, alpha=0.05, method="wilson")
  {"id", "kind": "ztest", "before": [k, n], "after": [k, n]}
      -> {"id", "z", "p"}        statsmodels proportions_ztest([k_after, k_before], [n_after, n_before])
                                  (pooled, two-sided; z is positive when the share went up, as in Rust)
  {"id", "kind": "mean", "counts", "first_value"}
      -> {"id", "n", "mean", "low", "high"}  numpy mean / std(ddof=1) of the expanded answers,
                                  scipy.stats.t.ppf(0.975, n - 1), interval clipped to the scale
  {"id", "kind": "nps", "counts"}  (11 counts, answers 0..=10)
      -> {"id", "score", "margin"} mean and population std of the per-answer +1/0/-1 scores (x100),
                                  margin = norm.ppf(0.975) * std / sqrt(n) (statsmodels has no NPS)
  {"id", "kind": "t_ppf", "p", "df"}  -> {"id", "value"}   scipy.stats.t.ppf
  {"id", "kind": "norm_cdf", "x"}     -> {"id", "value"}   scipy.stats.norm.cdf
  {"id", "kind": "norm_ppf", "p"}     -> {"id", "value"}   scipy.stats.norm.ppf

Undefined results (NaN: e.g. a z-test where both periods are 0 % or 100 %) are printed as null.
Needs: pip install statsmodels scipy
"""

import json
import math
import sys
import warnings

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest


def num(x):
    """A float for JSON, or None for NaN / infinity."""
    x = float(x)
    return x if math.isfinite(x) else None


def wilson(case):
    low, high = proportion_confint(case["count"], case["nobs"], alpha=0.05, method="wilson")
    return {"low": num(low), "high": num(high)}


def ztest(case):
    (k1, n1), (k2, n2) = case["before"], case["after"]
    z, p = proportions_ztest([k2, k1], [n2, n1], alternative="two-sided")
    return {"z": num(z), "p": num(p)}


def mean(case):
    counts = case["counts"]
    first = case["first_value"]
    values = np.repeat(np.arange(first, first + len(counts), dtype=float), counts)
    n = len(values)
    m = values.mean()
    if n < 2:
        return {"n": n, "mean": num(m), "low": None, "high": None}
    half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n)
    lowest, highest = first, first + len(counts) - 1
    return {
        "n": n,
        "mean": num(m),
        "low": num(np.clip(m - half, lowest, highest)),
        "high": num(np.clip(m + half, lowest, highest)),
    }


def nps(case):
    answers = np.repeat(np.arange(11), case["counts"])
    scores = np.where(answers >= 9, 1.0, np.where(answers <= 6, -1.0, 0.0))
    n = len(scores)
    return {
        "score": num(scores.mean() * 100),
        "margin": num(stats.norm.ppf(0.975) * scores.std(ddof=0) / math.sqrt(n) * 100),
    }


KINDS = {
    "wilson": wilson,
    "ztest": ztest,
    "mean": mean,
    "nps": nps,
    "t_ppf": lambda c: {"value": num(stats.t.ppf(c["p"], c["df"]))},
    "norm_cdf": lambda c: {"value": num(stats.norm.cdf(c["x"]))},
    "norm_ppf": lambda c: {"value": num(stats.norm.ppf(c["p"]))},
}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    warnings.simplefilter("ignore")  # NaN results are expected for undefined tests
    with open(sys.argv[1], encoding="utf-8") as cases, np.errstate(all="ignore"):
        for line in cases:
            if not line.strip():
                continue
            case = json.loads(line)
            result = KINDS[case["kind"]](case)
            result["id"] = case["id"]
            print(json.dumps(result, allow_nan=False))


if __name__ == "__main__":
    main()
