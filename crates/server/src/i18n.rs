//! The translation catalog: every text a requester reads (survey emails and survey pages) in
//! every shipped language.
//!
//! Adding a language is adding one file, `crates/server/locales/<lang>.toml`: `build.rs`
//! embeds every file of that directory into [`LOCALES`], and [`Catalog::load`] parses them
//! once. Keys are TOML tables flattened to dotted keys (`[email]` + `subject = "…"` is
//! `email.subject`); texts may hold `{name}` placeholders, filled by [`Catalog::text`].
//! The unit tests below guarantee that every file parses and has exactly the keys and
//! placeholders of English.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// The language every other falls back to, key by key. It must be shipped.
pub const FALLBACK_LANGUAGE: &str = "en";

/// Every language's texts, by language code (lowercase) and dotted key; parsed once.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    languages: BTreeMap<String, HashMap<String, String>>,
}

/// A locale file that cannot be used: not TOML, a value that is not text, a key twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocaleError {
    pub lang: String,
    pub message: String,
}

impl fmt::Display for LocaleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "locale `{0}` (locales/{0}.toml): {1}", self.lang, self.message)
    }
}

impl std::error::Error for LocaleError {}

impl Catalog {
    /// Parses every embedded locale file.
    ///
    /// # Panics
    /// On a malformed file, or when English is missing; a unit test guarantees neither
    /// happens in a build.
    pub fn load() -> Catalog {
        let catalog = Catalog::from_sources(LOCALES)
            .unwrap_or_else(|e| panic!("the embedded translation catalog is broken: {e}"));
        assert!(
            catalog.languages.contains_key(FALLBACK_LANGUAGE),
            "the embedded translation catalog has no `{FALLBACK_LANGUAGE}` (locales/{FALLBACK_LANGUAGE}.toml), \
             the language every other falls back to"
        );
        catalog
    }

    /// The catalog of the embedded locale files, parsed on first use.
    pub fn global() -> &'static Catalog {
        static GLOBAL: OnceLock<Catalog> = OnceLock::new();
        GLOBAL.get_or_init(Catalog::load)
    }

    /// A catalog of `(language code, TOML source)` pairs. Nested tables flatten to dotted
    /// keys; every value must be a string. Language codes are matched case-insensitively.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Catalog, LocaleError> {
        let mut languages = BTreeMap::new();
        for &(lang, source) in sources {
            let error = |message: String| LocaleError { lang: lang.to_owned(), message };
            let table: toml::Table = toml::from_str(source).map_err(|e| error(e.to_string()))?;
            let mut texts = HashMap::new();
            flatten("", &table, &mut texts).map_err(error)?;
            if languages.insert(lang.to_ascii_lowercase(), texts).is_some() {
                return Err(error("the language is given twice".to_owned()));
            }
        }
        Ok(Catalog { languages })
    }

    /// The shipped language codes, sorted: e.g. `["de", "en", "es", "fr", "pt"]`.
    pub fn languages(&self) -> Vec<&str> {
        self.languages.keys().map(String::as_str).collect()
    }

    /// The best supported language for a tag: `"pt-BR"` → `"pt"`, `"PT"` → `"pt"`,
    /// `"zz"` → `default`. Also takes a whole `Accept-Language` header
    /// (`"fr-CH, fr;q=0.9, en;q=0.8"`): ranges are tried by quality, `q=0` ones never.
    /// A range is matched exactly, then by dropping subtags from the end (`zh-hant-tw`,
    /// `zh-hant`, `zh`), then against a regional locale of the same language (`pt` →
    /// `pt-br` when only that is shipped). `_` is accepted for `-`.
    pub fn negotiate<'a>(&'a self, tag: Option<&str>, default: &'a str) -> &'a str {
        let Some(tag) = tag else { return default };
        let mut ranges: Vec<(u32, &str)> = tag
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';');
                let range = parts.next().unwrap_or("").trim();
                let mut quality = 1000;
                for param in parts {
                    if let Some(q) = param.trim().strip_prefix("q=").or_else(|| param.trim().strip_prefix("Q=")) {
                        let q: f32 = q.trim().parse().ok()?;
                        if !(0.0..=1.0).contains(&q) {
                            return None;
                        }
                        quality = (q * 1000.0).round() as u32;
                    }
                }
                (quality > 0 && !range.is_empty()).then_some((quality, range))
            })
            .collect();
        ranges.sort_by_key(|&(quality, _)| std::cmp::Reverse(quality)); // stable: ties keep header order
        ranges.iter().find_map(|&(_, range)| self.best_match(range)).unwrap_or(default)
    }

    fn best_match(&self, range: &str) -> Option<&str> {
        let mut tag = range.trim().replace('_', "-").to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or("").to_owned();
        if primary.is_empty() || primary == "*" {
            return None;
        }
        loop {
            if let Some((lang, _)) = self.languages.get_key_value(tag.as_str()) {
                return Some(lang);
            }
            match tag.rfind('-') {
                Some(i) => tag.truncate(i),
                None => break,
            }
        }
        self.languages.keys().find(|lang| lang.split('-').next() == Some(primary.as_str())).map(String::as_str)
    }

    /// The text for `key` in `lang`, falling back to English, then to the key itself, with
    /// every `{name}` placeholder found in `args` replaced by its value. Values are inserted
    /// as they are (escaping is the template engine's job) and never substituted again;
    /// placeholders missing from `args` stay as written.
    pub fn text(&self, lang: &str, key: &str, args: &[(&str, &str)]) -> String {
        let template = self.lookup(lang, key).or_else(|| self.lookup(FALLBACK_LANGUAGE, key)).unwrap_or(key);
        substitute(template, args)
    }

    /// The raw text for `key` in exactly `lang`, without fallback or substitution.
    pub fn lookup(&self, lang: &str, key: &str) -> Option<&str> {
        let texts = match self.languages.get(lang) {
            Some(texts) => texts,
            None => self.languages.get(&lang.to_ascii_lowercase())?,
        };
        texts.get(key).map(String::as_str)
    }
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) -> Result<(), String> {
    for (name, value) in table {
        let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match value {
            toml::Value::String(text) => {
                if out.insert(key.clone(), text.clone()).is_some() {
                    return Err(format!("key `{key}` is defined twice"));
                }
            }
            toml::Value::Table(nested) => flatten(&key, nested, out)?,
            other => return Err(format!("key `{key}` must be text, found a {}", other.type_str())),
        }
    }
    Ok(())
}

/// A piece of a text: literal, or a `{name}` placeholder (`name` of ASCII letters, digits, `_`).
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
}

fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut literal_start = 0;
    let mut search_from = 0;
    while let Some(open) = text[search_from..].find('{').map(|i| i + search_from) {
        let after = &text[open + 1..];
        match after.find('}').filter(|&len| is_placeholder_name(&after[..len])) {
            Some(len) => {
                if open > literal_start {
                    pieces.push(Piece::Literal(&text[literal_start..open]));
                }
                pieces.push(Piece::Placeholder(&after[..len]));
                literal_start = open + len + 2;
                search_from = literal_start;
            }
            None => search_from = open + 1, // a stray `{` is literal text
        }
    }
    if text.len() > literal_start {
        pieces.push(Piece::Literal(&text[literal_start..]));
    }
    pieces
}

fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn substitute(template: &str, args: &[(&str, &str)]) -> String {
    if !template.contains('{') {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len() + args.iter().map(|(_, v)| v.len()).sum::<usize>());
    for piece in pieces(template) {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Placeholder(name) => match args.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => out.push_str(value),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The placeholder names a text uses.
    fn placeholders(text: &str) -> BTreeSet<&str> {
        pieces(text)
            .into_iter()
            .filter_map(|piece| match piece {
                Piece::Placeholder(name) => Some(name),
                Piece::Literal(_) => None,
            })
            .collect()
    }

    fn shipped() -> Catalog {
        Catalog::from_sources(LOCALES).unwrap_or_else(|e| panic!("{e}"))
    }

    fn keys(catalog: &Catalog, lang: &str) -> BTreeSet<String> {
        catalog.languages[lang].keys().cloned().collect()
    }

    #[test]
    fn every_shipped_locale_parses_and_has_exactly_the_keys_of_english() {
        let catalog = shipped();
        let english = keys(&catalog, FALLBACK_LANGUAGE);
        let mut problems = Vec::new();
        for lang in catalog.languages() {
            let these = keys(&catalog, lang);
            let missing: Vec<_> = english.difference(&these).collect();
            let extra: Vec<_> = these.difference(&english).collect();
            if !missing.is_empty() {
                problems.push(format!("locales/{lang}.toml is missing {missing:?}"));
            }
            if !extra.is_empty() {
                problems.push(format!("locales/{lang}.toml has keys English does not have: {extra:?}"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_translation_uses_the_same_placeholders_as_english() {
        let catalog = shipped();
        let mut problems = Vec::new();
        for lang in catalog.languages() {
            for (key, text) in &catalog.languages[lang] {
                let Some(english) = catalog.lookup(FALLBACK_LANGUAGE, key) else {
                    continue;
                };
                let (expected, found) = (placeholders(english), placeholders(text));
                if expected != found {
                    problems.push(format!("{lang}: `{key}` uses {found:?}, English uses {expected:?}"));
                }
            }
        }
        problems.sort();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn no_shipped_text_is_empty_or_padded_with_whitespace() {
        let catalog = shipped();
        let mut problems = Vec::new();
        for lang in catalog.languages() {
            for (key, text) in &catalog.languages[lang] {
                if text.trim().is_empty() || text.trim() != text {
                    problems.push(format!("{lang}: `{key}` = {text:?}"));
                }
            }
        }
        problems.sort();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn at_least_five_languages_are_shipped_including_english() {
        let catalog = Catalog::load();
        let languages = catalog.languages();
        assert!(languages.len() >= 5, "only {languages:?}");
        for lang in ["de", "en", "es", "fr", "pt"] {
            assert!(languages.contains(&lang), "{lang} is missing from {languages:?}");
        }
    }

    #[test]
    fn locales_are_embedded_sorted_by_language_code() {
        let codes: Vec<&str> = LOCALES.iter().map(|(lang, _)| *lang).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
        assert_eq!(Catalog::load().languages(), codes);
    }

    #[test]
    fn each_language_is_named_in_itself() {
        let catalog = Catalog::load();
        let names: Vec<String> =
            ["de", "en", "es", "fr", "pt"].iter().map(|lang| catalog.text(lang, "language.name", &[])).collect();
        assert_eq!(names, ["Deutsch", "English", "Español", "Français", "Português"]);
    }

    #[test]
    fn the_global_catalog_is_loaded_once() {
        assert!(std::ptr::eq(Catalog::global(), Catalog::global()));
        assert_eq!(Catalog::global().languages(), Catalog::load().languages());
    }

    #[test]
    fn english_texts_are_filled_in_from_arguments() {
        let catalog = Catalog::global();
        assert_eq!(
            catalog.text("en", "email.subject", &[("ticket", "INC-42"), ("title", "Printer jams")]),
            "How did we do? Ticket INC-42: Printer jams"
        );
        assert_eq!(catalog.text("en", "scale5.5", &[]), "Very satisfied");
        assert_eq!(catalog.text("de", "email.signature", &[("desk", "IT-Service")]), "IT-Service");
    }

    #[test]
    fn a_regional_tag_negotiates_to_its_language() {
        let catalog = Catalog::global();
        assert_eq!(catalog.negotiate(Some("pt-BR"), "en"), "pt");
        assert_eq!(catalog.negotiate(Some("de-CH"), "en"), "de");
        assert_eq!(catalog.negotiate(Some("es_MX"), "en"), "es");
        assert_eq!(catalog.negotiate(Some("zh-Hant-TW"), "en"), "en");
    }

    #[test]
    fn tags_are_negotiated_case_insensitively() {
        let catalog = Catalog::global();
        assert_eq!(catalog.negotiate(Some("PT"), "en"), "pt");
        assert_eq!(catalog.negotiate(Some(" Fr-fR "), "en"), "fr");
    }

    #[test]
    fn an_unknown_empty_or_missing_tag_negotiates_to_the_default() {
        let catalog = Catalog::global();
        assert_eq!(catalog.negotiate(Some("zz"), "en"), "en");
        assert_eq!(catalog.negotiate(Some("zz"), "de"), "de");
        assert_eq!(catalog.negotiate(Some(""), "fr"), "fr");
        assert_eq!(catalog.negotiate(Some("*"), "fr"), "fr");
        assert_eq!(catalog.negotiate(None, "es"), "es");
    }

    #[test]
    fn an_accept_language_header_negotiates_to_the_best_supported_range() {
        let catalog = Catalog::global();
        assert_eq!(catalog.negotiate(Some("nl-BE, nl;q=0.9, fr;q=0.8, en;q=0.7"), "en"), "fr");
        assert_eq!(catalog.negotiate(Some("en;q=0.5, de;q=0.9"), "en"), "de");
        assert_eq!(catalog.negotiate(Some("es, pt"), "en"), "es");
        assert_eq!(catalog.negotiate(Some("de;q=0, it"), "en"), "en");
        assert_eq!(catalog.negotiate(Some("fr;q=banana, pt"), "en"), "pt");
    }

    #[test]
    fn a_bare_language_negotiates_to_a_regional_locale_when_that_is_all_there_is() {
        let catalog = Catalog::from_sources(&[("en", ""), ("pt-br", "")]).unwrap();
        assert_eq!(catalog.negotiate(Some("pt"), "en"), "pt-br");
        assert_eq!(catalog.negotiate(Some("pt-PT"), "en"), "pt-br");
        assert_eq!(catalog.negotiate(Some("pt-BR"), "en"), "pt-br");
    }

    fn small_catalog() -> Catalog {
        Catalog::from_sources(&[
            ("en", "[greeting]\nhello = \"Hello {name}!\"\nbye = \"Goodbye\"\n"),
            ("de", "[greeting]\nhello = \"Hallo {name}!\"\n"),
        ])
        .unwrap()
    }

    #[test]
    fn a_key_missing_in_a_language_falls_back_to_english() {
        let catalog = small_catalog();
        assert_eq!(catalog.text("de", "greeting.bye", &[]), "Goodbye");
        assert_eq!(catalog.text("de", "greeting.hello", &[("name", "Ada")]), "Hallo Ada!");
    }

    #[test]
    fn an_unknown_language_falls_back_to_english() {
        assert_eq!(small_catalog().text("zz", "greeting.hello", &[("name", "Ada")]), "Hello Ada!");
    }

    #[test]
    fn a_key_missing_everywhere_falls_back_to_the_key_itself() {
        assert_eq!(small_catalog().text("de", "page.nowhere", &[]), "page.nowhere");
    }

    #[test]
    fn placeholders_are_replaced_by_their_values() {
        let catalog = Catalog::from_sources(&[("en", "t = \"{a} and {b}, {a} again; {missing} stays\"")]).unwrap();
        assert_eq!(catalog.text("en", "t", &[("b", "two"), ("a", "one")]), "one and two, one again; {missing} stays");
    }

    #[test]
    fn values_are_inserted_verbatim_and_never_substituted_again() {
        let catalog = Catalog::from_sources(&[("en", "t = \"Ticket {ticket}: {title}\"")]).unwrap();
        assert_eq!(
            catalog.text("en", "t", &[("ticket", "{title}"), ("title", "<b>Tom & Jerry</b>")]),
            "Ticket {title}: <b>Tom & Jerry</b>"
        );
    }

    #[test]
    fn stray_braces_are_plain_text() {
        assert_eq!(substitute("{ not a placeholder } {x", &[("x", "y")]), "{ not a placeholder } {x");
        assert_eq!(substitute("{{x}}", &[("x", "y")]), "{y}");
        assert_eq!(substitute("é{x}ü", &[("x", "ß")]), "éßü");
        assert_eq!(placeholders("{a} { b } {c_1}{a}"), BTreeSet::from(["a", "c_1"]));
    }

    #[test]
    fn nested_tables_and_quoted_dotted_keys_flatten_alike() {
        let catalog =
            Catalog::from_sources(&[("en", "\"email.subject\" = \"S\"\n[page]\ntitle = \"T\"\n[scale5]\n1 = \"One\"")])
                .unwrap();
        assert_eq!(catalog.lookup("en", "email.subject"), Some("S"));
        assert_eq!(catalog.lookup("en", "page.title"), Some("T"));
        assert_eq!(catalog.lookup("en", "scale5.1"), Some("One"));
    }

    #[test]
    fn a_key_reachable_twice_is_an_error() {
        let error = Catalog::from_sources(&[("en", "\"a.b\" = \"x\"\n[a]\nb = \"y\"")]).unwrap_err();
        assert_eq!(error.lang, "en");
        assert!(error.message.contains("`a.b` is defined twice"), "{error}");
    }

    #[test]
    fn a_malformed_file_is_reported_with_its_language() {
        let error = Catalog::from_sources(&[("en", "a = \"x\""), ("fr", "a = \"pas fermé")]).unwrap_err();
        assert_eq!(error.lang, "fr");
        assert!(error.to_string().starts_with("locale `fr` (locales/fr.toml): "), "{error}");
    }

    #[test]
    fn a_value_that_is_not_text_is_reported_by_key() {
        let error = Catalog::from_sources(&[("de", "[page]\nsend = 3")]).unwrap_err();
        assert_eq!(error.lang, "de");
        assert!(error.message.contains("`page.send` must be text"), "{error}");
    }
}
