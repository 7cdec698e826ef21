//! Comment themes: what customers write about, found in the comments themselves (no external
//! service), with the sentiment of each theme, and the names and merges managers give them.
//!
//! ## Finding themes
//!
//! Each comment is split into Unicode words (lowercase). Its language is the declared one
//! unless the text plainly uses another language's stopwords more (customers' language
//! settings and the language they write in differ often enough). Stopwords of that language,
//! numbers and courtesy words are dropped; words that judge without naming a topic ("great",
//! "super", "merci") never become themes. The rest is stemmed with the language's Snowball
//! stemmer, so "printer"/"printers", "Drucker"/"Druckers" or "impressora"/"impressoras" are
//! one term; unknown languages use English.
//!
//! A negation ("not", "kein", "ne … pas", "sin", "não", "…n't") marks the first topic word
//! within three words: its key becomes `!stem`, so "not helpful" is a theme of its own and is
//! never counted as "helpful". Two topic words in a row (at most one word between, no comma)
//! form a phrase ("response time"). A phrase becomes a theme when it is frequent (at least
//! the minimum) and cohesive (it covers at least half the comments of its rarer word); its
//! comments then count for the phrase, not again for its two words (unless a manager named
//! or merged the word: their themes keep their comments).
//!
//! A theme's key is its stem or stem pair, so the names and merges that managers give keys
//! survive new comments. Its label is the manager's name, or else its most frequent wording.
//! Merges pool comments (each comment counted once per theme) and follow chains; a loop of
//! merges is ignored rather than followed forever.
//!
//! ## Sentiment per theme
//!
//! The customer's own score on the answer is the best evidence of how they felt: 1–2 is
//! negative, 3 neutral, 4–5 positive. It is the default for each theme a comment mentions.
//! A comment can praise one thing and blame another ("friendly technician, but the printer
//! is still broken", scored 2), so the score is refined by a small polarity lexicon per
//! language, read only in the clauses (up to a comma, a sentence end or a "but") where the
//! theme stands: when those clauses hold more positive than negative words (negation
//! flips a word) the comment counts as positive for that theme, the other way negative, and
//! when they are balanced or silent the score decides. This stays explainable to a manager
//! and needs no trained model; its known limits are irony and domain words the lexicon
//! lacks, which fall back to the score. Each theme reports n, its positive/neutral/negative
//! counts and the negative share with its 95 % Wilson interval.

mod analyse;
mod lexicon;
mod stopwords;
#[cfg(test)]
mod tests;

pub use analyse::NEGATED;
pub use stopwords::Lang;

use crate::stats::{wilson, Proportion};
use analyse::{analyse, Analysis};
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// A manager's name for a theme is at most this long.
pub const MAX_LABEL_CHARS: usize = 80;

/// One comment to read: the answer's id, its text, the customer's score and language.
#[derive(Debug, Clone, Copy)]
pub struct Comment<'a> {
    pub id: i64,
    pub text: &'a str,
    pub csat: i64,
    pub language: Option<&'a str>,
}

/// Managers' names (key → label) and merges (key → the key it joins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeNames {
    pub labels: HashMap<String, String>,
    pub merged_into: HashMap<String, String>,
}

impl ThemeNames {
    /// The key a theme is shown under: merges followed to their end; a loop is ignored.
    pub fn resolve<'a>(&'a self, key: &'a str) -> &'a str {
        let mut current = key;
        for _ in 0..=self.merged_into.len() {
            match self.merged_into.get(current) {
                Some(next) if next != current => current = next,
                _ => return current,
            }
        }
        key
    }

    /// The manager's name for a key, if any.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(|l| l.trim()).filter(|l| !l.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

impl Sentiment {
    /// The customer's score: 1–2 negative, 3 neutral, 4–5 positive.
    pub fn of_score(csat: i64) -> Sentiment {
        match csat {
            ..=2 => Sentiment::Negative,
            3 => Sentiment::Neutral,
            _ => Sentiment::Positive,
        }
    }
}

/// A group of comments about one thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Stable: the stem or stem pair (`!stem` when negated) it is shown under.
    pub key: String,
    /// The manager's name, else the most frequent wording, capitalised.
    pub label: String,
    /// The most frequent wording, whatever the manager named it.
    pub automatic_label: String,
    pub renamed: bool,
    /// `key` first, then the keys merged into it that occur in these comments.
    pub keys: Vec<String>,
    /// The most frequent wording of each of `keys`.
    pub wordings: Vec<String>,
    /// The comments in it, in the order given, each once.
    pub comment_ids: Vec<i64>,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

impl Theme {
    pub fn n(&self) -> u64 {
        self.comment_ids.len() as u64
    }

    /// The share of negative comments with its 95 % Wilson interval.
    pub fn negative_share(&self) -> Proportion {
        wilson(self.negative, self.n())
    }

    pub fn positive_share(&self) -> Proportion {
        wilson(self.positive, self.n())
    }
}

/// A theme while comments are added.
#[derive(Default)]
struct Builder<'a> {
    /// Key → wording → comments.
    members: BTreeMap<&'a str, BTreeMap<&'a str, usize>>,
    ids: Vec<i64>,
    seen: HashSet<i64>,
    counts: [u64; 3],
}

/// Themes of at least `min_comments` comments (at least 1), most comments first (ties by
/// key), with the managers' names and merges applied.
pub fn find_themes(comments: &[Comment], names: &ThemeNames, min_comments: usize) -> Vec<Theme> {
    let min = min_comments.max(1);
    let analyses: Vec<Analysis> = comments.iter().map(|c| analyse(c.text, c.language)).collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for analysis in &analyses {
        for key in analysis.terms.keys() {
            *df.entry(key).or_default() += 1;
        }
    }
    let named: HashSet<&str> = names
        .labels
        .keys()
        .chain(names.merged_into.keys())
        .chain(names.merged_into.values())
        .map(String::as_str)
        .collect();
    let count = |key: &str| df.get(key).copied().unwrap_or(0);
    // A phrase a manager named stays a phrase; others must be frequent and cohesive.
    let phrase_holds = |key: &str, (a, b): &(String, String)| {
        named.contains(key) || (count(key) >= min.max(2) && 2 * count(key) >= count(a).min(count(b)))
    };

    let mut builders: BTreeMap<&str, Builder> = BTreeMap::new();
    for (comment, analysis) in comments.iter().zip(&analyses) {
        let mut absorbed: HashSet<&str> = HashSet::new();
        for (key, term) in &analysis.terms {
            // A word a manager named or merged keeps its comments; other words give theirs
            // to the phrase.
            if let Some(parts) = term.parts.as_ref().filter(|parts| phrase_holds(key, parts)) {
                absorbed.extend([parts.0.as_str(), parts.1.as_str()].into_iter().filter(|w| !named.contains(w)));
            }
        }
        let mut segments_per_theme: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
        for (key, term) in &analysis.terms {
            let kept = match &term.parts {
                Some(parts) => phrase_holds(key, parts),
                None => !absorbed.contains(key.as_str()),
            };
            if !kept {
                continue;
            }
            let root = names.resolve(key);
            segments_per_theme.entry(root).or_default().extend(term.segments.iter().copied());
            let wordings = builders.entry(root).or_default().members.entry(key).or_default();
            *wordings.entry(term.surface.as_str()).or_default() += 1;
        }
        for (root, segments) in segments_per_theme {
            let judged: i32 = segments.iter().filter_map(|&s| analysis.segment_polarity.get(s)).sum();
            let sentiment = match judged.cmp(&0) {
                Ordering::Greater => Sentiment::Positive,
                Ordering::Less => Sentiment::Negative,
                Ordering::Equal => Sentiment::of_score(comment.csat),
            };
            let builder = builders.entry(root).or_default();
            if builder.seen.insert(comment.id) {
                builder.ids.push(comment.id);
                builder.counts[sentiment as usize] += 1;
            }
        }
    }

    let mut themes: Vec<Theme> =
        builders.into_iter().filter(|(_, b)| b.ids.len() >= min).map(|(root, b)| theme(root, b, names)).collect();
    themes.sort_by(|a, b| b.n().cmp(&a.n()).then_with(|| a.key.cmp(&b.key)));
    themes
}

/// The most frequent wording; ties go to the shorter, then the first in order.
fn best_wording<'a>(counts: impl Iterator<Item = (&'a str, usize)>) -> Option<&'a str> {
    counts.max_by_key(|&(w, n)| (n, Reverse(w.chars().count()), Reverse(w))).map(|(w, _)| w)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn theme(root: &str, builder: Builder, names: &ThemeNames) -> Theme {
    let mut pooled: BTreeMap<&str, usize> = BTreeMap::new();
    for wordings in builder.members.values() {
        for (wording, n) in wordings {
            *pooled.entry(wording).or_default() += n;
        }
    }
    // A merged theme keeps the wording of the key it was merged into, when that occurs.
    let own = builder.members.get(root).and_then(|w| best_wording(w.iter().map(|(w, n)| (*w, *n))));
    let automatic_label = capitalised(own.or_else(|| best_wording(pooled.into_iter())).unwrap_or(root));
    let others = builder.members.keys().filter(|k| **k != root).copied();
    let keys: Vec<String> = std::iter::once(root).chain(others).map(str::to_string).collect();
    let wordings = keys
        .iter()
        .map(|k| {
            let counts = builder.members.get(k.as_str()).into_iter().flatten().map(|(w, n)| (*w, *n));
            best_wording(counts).unwrap_or(k).to_string()
        })
        .collect();
    let renamed = names.label(root);
    let [positive, neutral, negative] = builder.counts;
    Theme {
        key: root.to_string(),
        label: renamed.map(str::to_string).unwrap_or_else(|| automatic_label.clone()),
        automatic_label,
        renamed: renamed.is_some(),
        keys,
        wordings,
        comment_ids: builder.ids,
        positive,
        neutral,
        negative,
    }
}
