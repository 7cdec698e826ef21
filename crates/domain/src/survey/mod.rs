//! Surveys: who is asked, when, and what an answer looks like.

pub mod answer;
pub mod decision;
pub mod policy;

pub use answer::{Answer, AnswerInput, CsatScale};
pub use decision::{decide, DecisionFacts, SurveyDecision};
pub use policy::{PolicyInput, SurveyPolicy, Trigger};
