//! An answer to a survey: checked input, and the signs of an answer a machine gave.

use crate::event::FieldError;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// Written as its number of points (`5`, `3`), as the policy API takes it; the names
/// (`"Five"`, `"Three"`) that older stored policies hold are read too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "ScaleRepr")]
pub enum CsatScale {
    /// 1 very dissatisfied … 5 very satisfied.
    Five,
    /// 1 not good, 2 okay, 3 great.
    Three,
}

impl CsatScale {
    pub fn from_points(points: u8) -> Option<CsatScale> {
        match points {
            5 => Some(CsatScale::Five),
            3 => Some(CsatScale::Three),
            _ => None,
        }
    }

    pub fn points(self) -> u8 {
        match self {
            CsatScale::Five => 5,
            CsatScale::Three => 3,
        }
    }

    /// Answers on the 3-point scale are stored on the 5-point one (1 → 1, 2 → 3,
    /// 3 → 5), so that every metric reads one scale: "great" counts as satisfied.
    pub fn to_five(self, score: u8) -> u8 {
        match self {
            CsatScale::Five => score,
            CsatScale::Three => score * 2 - 1,
        }
    }

    /// A stored 5-point score back on this scale, to show the customer their choice.
    pub fn from_five(self, score: u8) -> u8 {
        match self {
            CsatScale::Five => score,
            CsatScale::Three => score.div_ceil(2),
        }
    }
}

impl From<CsatScale> for u8 {
    fn from(scale: CsatScale) -> u8 {
        scale.points()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ScaleRepr {
    Points(u8),
    Name(String),
}

impl TryFrom<ScaleRepr> for CsatScale {
    type Error = String;

    fn try_from(repr: ScaleRepr) -> Result<CsatScale, String> {
        match repr {
            ScaleRepr::Points(points) => CsatScale::from_points(points),
            ScaleRepr::Name(name) => match name.as_str() {
                "Five" => Some(CsatScale::Five),
                "Three" => Some(CsatScale::Three),
                _ => None,
            },
        }
        .ok_or_else(|| "the scale is 5 or 3 points".to_string())
    }
}

pub const MAX_COMMENT_CHARS: usize = 5_000;

/// The form as posted by the answer page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AnswerInput {
    pub score: Option<String>,
    pub nps: Option<String>,
    pub effort: Option<String>,
    pub comment: Option<String>,
    #[serde(default)]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// On the 5-point scale.
    pub csat: u8,
    pub nps: Option<u8>,
    pub effort: Option<u8>,
    pub comment: Option<String>,
    pub reasons: Vec<String>,
}

impl AnswerInput {
    /// Checks the form against the policy's scale and reason lists. An empty optional
    /// field is simply not answered.
    pub fn parse(&self, scale: CsatScale, allowed_reasons: &[String]) -> Result<Answer, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut number = |field: &str, raw: &Option<String>, min: u8, max: u8| -> Option<u8> {
            let raw = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            match raw.parse::<u8>() {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new(field, format!("must be a whole number from {min} to {max}")));
                    None
                }
            }
        };
        let csat = number("score", &self.score, 1, scale.points());
        let nps = number("nps", &self.nps, 0, 10);
        let effort = number("effort", &self.effort, 1, 7);
        if csat.is_none() && !errors.iter().any(|e| e.field == "score") {
            errors.push(FieldError::new("score", "is required"));
        }
        let comment = self.comment.as_deref().and_then(|c| crate::text::clean(c, true));
        if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            errors.push(FieldError::new("comment", format!("is longer than {MAX_COMMENT_CHARS} characters")));
        }
        let mut reasons: Vec<String> = self.reasons.iter().filter(|r| allowed_reasons.contains(r)).cloned().collect();
        reasons.dedup();
        match csat {
            Some(csat) if errors.is_empty() => Ok(Answer { csat: scale.to_five(csat), nps, effort, comment, reasons }),
            _ => Err(errors),
        }
    }
}

/// Why an answer looks like a machine's rather than a person's, if it does: mail
/// security scanners open every link of a message within seconds of its delivery.
pub fn automated_signs(
    sent_at: Option<Millis>,
    first_answer_at: Millis,
    recent_scores: &[(Millis, u8)],
) -> Option<String> {
    const TOO_SOON_MS: Millis = 10_000;
    const BURST_MS: Millis = 15_000;
    if let Some(sent) = sent_at {
        if first_answer_at - sent < TOO_SOON_MS {
            return Some(format!("answered {} s after the email was sent", (first_answer_at - sent) / 1000));
        }
    }
    let mut distinct: Vec<u8> = Vec::new();
    let last = recent_scores.iter().map(|(at, _)| *at).max().unwrap_or(first_answer_at);
    for (at, score) in recent_scores {
        if last - at <= BURST_MS && !distinct.contains(score) {
            distinct.push(*score);
        }
    }
    (distinct.len() >= 3).then(|| format!("{} different faces chosen within {} s", distinct.len(), BURST_MS / 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_is_written_as_points_and_read_as_points_or_old_names() {
        assert_eq!(serde_json::to_string(&CsatScale::Three).unwrap(), "3");
        for (raw, scale) in [("5", CsatScale::Five), ("\"Five\"", CsatScale::Five), ("\"Three\"", CsatScale::Three)] {
            assert_eq!(serde_json::from_str::<CsatScale>(raw).unwrap(), scale);
        }
        assert!(serde_json::from_str::<CsatScale>("4").is_err());
    }

    fn reasons() -> Vec<String> {
        vec!["reason.friendly".into(), "reason.too_slow".into()]
    }

    #[test]
    fn a_three_point_answer_is_kept_on_the_five_point_scale() {
        let input = AnswerInput { score: Some("3".into()), ..AnswerInput::default() };
        assert_eq!(input.parse(CsatScale::Three, &reasons()).unwrap().csat, 5);
        for score in 1..=3 {
            assert_eq!(CsatScale::Three.from_five(CsatScale::Three.to_five(score)), score);
        }
    }

    #[test]
    fn scores_out_of_range_and_long_comments_are_refused_by_field() {
        let input = AnswerInput {
            score: Some("6".into()),
            nps: Some("11".into()),
            comment: Some("x".repeat(5_001)),
            ..AnswerInput::default()
        };
        let fields: Vec<String> =
            input.parse(CsatScale::Five, &reasons()).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["score", "nps", "comment"]);
        let missing = AnswerInput::default().parse(CsatScale::Five, &reasons()).unwrap_err();
        assert_eq!(missing[0].field, "score");
    }

    #[test]
    fn comments_lose_control_characters_and_unknown_reasons_are_dropped() {
        let input = AnswerInput {
            score: Some("2".into()),
            comment: Some(" <b>slow</b>\u{0}\r\n ".into()),
            reasons: vec!["reason.too_slow".into(), "made up".into()],
            ..AnswerInput::default()
        };
        let answer = input.parse(CsatScale::Five, &reasons()).unwrap();
        assert_eq!(answer.comment.as_deref(), Some("<b>slow</b>"));
        assert_eq!(answer.reasons, ["reason.too_slow"]);
    }

    #[test]
    fn answers_within_seconds_of_sending_or_many_faces_at_once_look_automated() {
        assert!(automated_signs(Some(1_000), 5_000, &[(5_000, 5)]).is_some());
        assert!(automated_signs(Some(1_000), 600_000, &[(600_000, 5)]).is_none());
        let burst = [(600_000, 1), (601_000, 2), (602_000, 3), (603_000, 4), (604_000, 5)];
        assert!(automated_signs(Some(1_000), 600_000, &burst).is_some());
        let person = [(600_000, 4), (700_000, 5)];
        assert!(automated_signs(Some(1_000), 600_000, &person).is_none());
    }
}
