//! Published reference points for the benchmarks page. Only figures with a real, named
//! source are shipped; each is shown with what it measures, who published it and when, and
//! always as context, never as a target (other desks, other years, other survey methods).
//! A measure without an entry here says so on the page instead of showing a number.

/// What a reference point measures, in the terms of this desk's own figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Share of answers 4–5 on the 5-point scale ("satisfied or very satisfied").
    Csat,
    /// Average rating on the 1–5 scale.
    MeanScore,
    /// Net Promoter Score.
    Nps,
}

/// One published figure with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub measure: Measure,
    /// The value as the publication states it.
    pub value: &'static str,
    /// What the figure says, in a sentence.
    pub meaning: &'static str,
    pub title: &'static str,
    pub publisher: &'static str,
    pub year: u16,
    /// Shown as plain text (the page does not link out).
    pub url: &'static str,
    /// How to read it, or why it is not directly comparable.
    pub caveat: &'static str,
}

const METRICNET_TITLE: &str = "Metric of the Month: Customer Satisfaction";
const METRICNET_PUBLISHER: &str = "MetricNet (Jeff Rumburg); also published in HDI SupportWorld";
const METRICNET_URL: &str = "https://www.metricnet.com/metric-of-month-customer-satisfaction/";
const METRICNET_CAVEAT: &str = "Same definition as this desk's CSAT (satisfied or very satisfied). The author \
     stresses that CSAT must be read against cost per ticket: a tightly funded desk may do well at 75 %, a \
     generously funded one may not at 85 %.";

/// Every shipped reference point.
pub const REFERENCES: &[Reference] = &[
    Reference {
        measure: Measure::Csat,
        value: "70 %",
        meaning: "For a service desk, a customer satisfaction of 70 % is described as \u{201c}probably not very good\u{201d}.",
        title: METRICNET_TITLE,
        publisher: METRICNET_PUBLISHER,
        year: 2017,
        url: METRICNET_URL,
        caveat: METRICNET_CAVEAT,
    },
    Reference {
        measure: Measure::Csat,
        value: "above 90 %",
        meaning: "For a service desk, a customer satisfaction above 90 % is described as \u{201c}very good indeed\u{201d}.",
        title: METRICNET_TITLE,
        publisher: METRICNET_PUBLISHER,
        year: 2017,
        url: METRICNET_URL,
        caveat: METRICNET_CAVEAT,
    },
    Reference {
        measure: Measure::MeanScore,
        value: "mid-to-high 4s",
        meaning: "Average overall rating on a 1–5 scale (1 very dissatisfied, 5 very satisfied) across more than \
                  257,000 surveys from over 200 help desks and support centers.",
        title: "HDI study of customer satisfaction with IT support (press release, 29 November 2007)",
        publisher: "HDI",
        year: 2007,
        url: "https://www.thinkhdi.com/about/Press-Room/2007/2007-11-29",
        caveat: "An average score, not a share of satisfied answers; an old study with its own questionnaire.",
    },
];

/// The references for one measure.
pub fn for_measure(measure: Measure) -> Vec<&'static Reference> {
    REFERENCES.iter().filter(|r| r.measure == measure).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_has_a_source() {
        assert!(!REFERENCES.is_empty());
        for r in REFERENCES {
            for (field, text) in [("value", r.value), ("meaning", r.meaning), ("title", r.title)] {
                assert!(!text.trim().is_empty(), "{field} of {r:?}");
            }
            assert!(!r.publisher.trim().is_empty() && !r.caveat.trim().is_empty(), "{r:?}");
            assert!((1990..=2100).contains(&r.year), "a publication year: {r:?}");
            assert!(r.url.starts_with("https://") && !r.url.contains(char::is_whitespace), "a URL: {r:?}");
        }
    }

    #[test]
    fn no_reference_is_shipped_for_nps() {
        // No sourced NPS figure for IT service desks was found; the page says so.
        assert!(for_measure(Measure::Nps).is_empty());
        assert_eq!(for_measure(Measure::Csat).len(), 2);
    }
}
