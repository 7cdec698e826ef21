//! One comment → the terms it mentions: Unicode words in lowercase, the language (declared,
//! checked against the stopwords the text actually uses), negation, stems, two-word phrases,
//! and the polarity of each clause.

use super::lexicon::{is_generic, polarity};
use super::stopwords::{is_contrast, is_negation, is_stopword, Lang, FR_ELISIONS};
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::BTreeMap;

/// Longer "words" are links, hashes or pasted logs, not topics.
const MAX_WORD_CHARS: usize = 40;
/// A very long comment is read up to this many words.
const MAX_WORDS: usize = 3_000;
/// A negation reaches this many words ahead, stopwords included ("not very helpful"), and
/// negates the first topic word it meets.
const NEGATION_REACH: usize = 3;
/// Two topic words make a phrase when at most one word stands between them
/// ("response time", "waiting for hours").
const PHRASE_REACH: usize = 2;
/// The prefix of a negated word's key: "!help" is "not helpful", never "helpful".
pub const NEGATED: char = '!';

/// The Snowball stem of a lowercase word. Words outside the Latin script are their own
/// stem: the stemmers are for the five languages, not for every script.
pub fn stem(lang: Lang, word: &str) -> String {
    if !word.chars().all(is_latin) {
        return word.to_string();
    }
    let algorithm = match lang {
        Lang::En => Algorithm::English,
        Lang::De => Algorithm::German,
        Lang::Fr => Algorithm::French,
        Lang::Es => Algorithm::Spanish,
        Lang::Pt => Algorithm::Portuguese,
    };
    Stemmer::create(algorithm).stem(word).into_owned()
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{00C0}'..='\u{024F}').contains(&c) && c != '×' && c != '÷'
}

/// What a comment mentions.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Distinct terms, by key.
    pub terms: BTreeMap<String, Term>,
    /// The polarity (positive minus negative lexicon words) of each segment (clause).
    pub segment_polarity: Vec<i32>,
}

/// A word or phrase as this comment has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The first wording in this comment, lowercase ("printers", "not helpful").
    pub surface: String,
    /// For a phrase, the keys of its two words.
    pub parts: Option<(String, String)>,
    /// The segments (clauses: up to a comma, a sentence end or a "but") where it stands.
    pub segments: Vec<usize>,
}

#[derive(Debug, PartialEq)]
enum Piece {
    Word(String),
    /// A comma or bracket: negation and phrases stop here.
    Pause,
    /// A sentence end.
    Stop,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Links and email addresses are not words a theme is made of ("https", "com"): each
/// becomes a pause.
fn without_links(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|token| {
            let word = token.trim_end();
            let is_link = word.contains("://")
                || word.to_ascii_lowercase().starts_with("www.")
                || word.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
            if is_link {
                ", "
            } else {
                token
            }
        })
        .collect()
}

/// Lowercase words (apostrophes inside a word kept as `'`), pauses and sentence ends.
fn pieces(text: &str) -> Vec<Piece> {
    let text = without_links(text);
    let mut out = Vec::new();
    let mut word = String::new();
    let mut words = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_word_char(c) {
            word.extend(c.to_lowercase());
            continue;
        }
        let inner_apostrophe = matches!(c, '\'' | '’' | 'ʼ') && !word.is_empty();
        if inner_apostrophe && chars.peek().is_some_and(|n| n.is_alphabetic()) {
            word.push('\'');
            continue;
        }
        if !word.is_empty() {
            out.push(Piece::Word(std::mem::take(&mut word)));
            words += 1;
            if words >= MAX_WORDS {
                return out;
            }
        }
        if inner_apostrophe && chars.peek().is_some_and(|n| n.is_whitespace()) {
            // "n'" before a space is still a word (a French negation typed loosely).
            if let Some(Piece::Word(last)) = out.last_mut() {
                last.push('\'');
            }
        }
        let piece = match c {
            '.' | '!' | '?' | ';' | ':' | '\n' | '\r' | '…' | '¡' | '¿' => Some(Piece::Stop),
            ',' | '(' | ')' | '[' | ']' | '"' | '“' | '”' | '„' | '«' | '»' | '–' | '—' | '/' => {
                Some(Piece::Pause)
            }
            _ => None,
        };
        if let Some(piece) = piece {
            if out.last() != Some(&piece) {
                out.push(piece);
            }
        }
    }
    if !word.is_empty() {
        out.push(Piece::Word(word));
    }
    out
}

/// The language the comment is written in: the one whose stopwords it uses most, the
/// declared one breaking ties (customers' language settings are not always the language
/// they write in); no evidence at all → the declared language, else English.
fn language(pieces: &[Piece], declared: Option<Lang>) -> Lang {
    let mut hits = [0usize; 5];
    for piece in pieces {
        let Piece::Word(w) = piece else { continue };
        for lang in Lang::ALL {
            let apostrophe_parts = w.contains('\'') && w.split('\'').any(|p| is_stopword(lang, p));
            if is_stopword(lang, w) || is_negation(lang, w) || apostrophe_parts {
                hits[lang as usize] += 1;
            }
        }
    }
    let score = |lang: Lang| hits[lang as usize] * 2 + usize::from(declared == Some(lang));
    let fallback = declared.unwrap_or(Lang::En);
    Lang::ALL.into_iter().fold(fallback, |best, lang| if score(lang) > score(best) { lang } else { best })
}

/// Words with apostrophes, by language: "don't" stays a negation, "it's" → "it",
/// "l'imprimante" → "l'" + "imprimante", "n'est" → "n'" + "est".
fn split_apostrophes(lang: Lang, word: String, out: &mut Vec<String>) {
    if !word.contains('\'') {
        out.push(word);
        return;
    }
    if lang == Lang::En {
        if word.ends_with("n't") {
            out.push(word);
            return;
        }
        let base = ["'s", "'re", "'ve", "'ll", "'d", "'m"]
            .iter()
            .find_map(|suffix| word.strip_suffix(suffix))
            .unwrap_or(&word)
            .replace('\'', "");
        out.push(base);
        return;
    }
    let mut rest = word.as_str();
    while let Some((prefix, after)) = rest.split_once('\'') {
        if lang == Lang::Fr && FR_ELISIONS.contains(&prefix) {
            out.push(format!("{prefix}'"));
        } else if !prefix.is_empty() {
            out.push(prefix.to_string());
        }
        rest = after;
    }
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
}

/// A word of the clause being read.
struct Word {
    position: usize,
    stem: String,
    kind: Kind,
    /// The position of the negation cue that negates it.
    negated_by: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cue,
    Stop,
    /// A judgement without a topic ("great"): polarity, no theme.
    Generic,
    Topic,
}

/// German puts "nicht" after the verb it negates ("der Drucker funktioniert nicht"): a cue
/// with nothing to negate after it negates the word before it, this many words back at most.
const GERMAN_TRAILING_REACH: usize = 4;

pub fn analyse(text: &str, declared_language: Option<&str>) -> Analysis {
    let pieces = pieces(text);
    let lang = language(&pieces, declared_language.and_then(Lang::from_tag));
    let mut analysis = Analysis { segment_polarity: vec![0], ..Analysis::default() };
    let mut words: Vec<String> = Vec::new();
    let mut clause: Vec<Word> = Vec::new();
    for piece in pieces {
        let word = match piece {
            Piece::Word(word) => word,
            Piece::Pause => {
                finish_clause(lang, &words, &mut clause, &mut analysis);
                continue;
            }
            Piece::Stop => {
                finish_clause(lang, &words, &mut clause, &mut analysis);
                continue;
            }
        };
        let mut split = Vec::new();
        split_apostrophes(lang, word, &mut split);
        for word in split {
            if is_contrast(lang, &word) {
                finish_clause(lang, &words, &mut clause, &mut analysis);
                continue;
            }
            let position = words.len();
            let chars = word.chars().count();
            let kind = if is_negation(lang, &word) {
                Kind::Cue
            } else if is_stopword(lang, &word)
                || !(2..=MAX_WORD_CHARS).contains(&chars)
                || word.chars().all(char::is_numeric)
            {
                Kind::Stop
            } else {
                Kind::Topic
            };
            let stem = if kind == Kind::Cue || chars > MAX_WORD_CHARS { String::new() } else { stem(lang, &word) };
            let kind = if kind == Kind::Topic && is_generic(lang, &stem) { Kind::Generic } else { kind };
            words.push(word);
            clause.push(Word { position, stem, kind, negated_by: None });
        }
    }
    finish_clause(lang, &words, &mut clause, &mut analysis);
    analysis
}

/// Negation, polarity, terms and phrases of one clause (up to a comma, sentence end or
/// "but"); each clause is a segment of its own.
fn finish_clause(lang: Lang, words: &[String], clause: &mut Vec<Word>, analysis: &mut Analysis) {
    if clause.is_empty() {
        return;
    }
    let segment = analysis.segment_polarity.len() - 1;
    let judging = |w: &Word| matches!(w.kind, Kind::Topic | Kind::Generic);
    for i in 0..clause.len() {
        if clause[i].kind != Kind::Cue {
            continue;
        }
        let cue = clause[i].position;
        let ahead = clause[i + 1..]
            .iter()
            .position(|w| judging(w) || w.kind == Kind::Cue)
            .map(|j| i + 1 + j)
            .filter(|&j| judging(&clause[j]) && clause[j].position - cue <= NEGATION_REACH);
        let behind = || {
            clause[..i]
                .iter()
                .rposition(|w| {
                    w.kind == Kind::Topic && w.negated_by.is_none() && cue - w.position <= GERMAN_TRAILING_REACH
                })
                .filter(|_| lang == Lang::De && matches!(words[cue].as_str(), "nicht" | "nie" | "niemals"))
        };
        if let Some(j) = ahead.or_else(behind) {
            clause[j].negated_by = Some(cue);
        }
    }
    let mut previous: Option<(usize, String, String, usize)> = None; // (position, key, surface, last position)
    for word in clause.drain(..) {
        let judged = polarity(lang, &word.stem);
        analysis.segment_polarity[segment] += if word.negated_by.is_some() { -judged } else { judged };
        if word.kind != Kind::Topic {
            if word.kind == Kind::Generic {
                previous = None;
            }
            continue;
        }
        let own = &words[word.position];
        let (key, surface, first, last) = match word.negated_by {
            None => (word.stem, own.clone(), word.position, word.position),
            Some(cue) if cue < word.position => {
                (format!("{NEGATED}{}", word.stem), words[cue..=word.position].join(" "), cue, word.position)
            }
            Some(cue) => (format!("{NEGATED}{}", word.stem), format!("{own} {}", words[cue]), word.position, cue),
        };
        add(analysis, key.clone(), surface.clone(), None, segment);
        if let Some((at, before, before_surface, before_last)) = previous.take() {
            if word.position - at <= PHRASE_REACH {
                let between = words.get(before_last + 1..first).unwrap_or_default();
                let phrase_surface = std::iter::once(before_surface.as_str())
                    .chain(between.iter().map(String::as_str))
                    .chain([surface.as_str()]);
                let phrase_surface = phrase_surface.collect::<Vec<_>>().join(" ");
                add(analysis, format!("{before} {key}"), phrase_surface, Some((before, key.clone())), segment);
            }
        }
        previous = Some((word.position, key, surface, last));
    }
    analysis.segment_polarity.push(0);
}

fn add(analysis: &mut Analysis, key: String, surface: String, parts: Option<(String, String)>, segment: usize) {
    let term = analysis.terms.entry(key).or_insert_with(|| Term { surface, parts, segments: Vec::new() });
    if !term.segments.contains(&segment) {
        term.segments.push(segment);
    }
}
