use super::*;
use proptest::prelude::*;

fn comment(id: i64, text: &str, csat: i64, language: Option<&'static str>) -> (i64, String, i64, Option<&'static str>) {
    (id, text.to_string(), csat, language)
}

type Owned = (i64, String, i64, Option<&'static str>);

fn themes_of(owned: &[Owned], names: &ThemeNames, min: usize) -> Vec<Theme> {
    let comments: Vec<Comment> = owned
        .iter()
        .map(|(id, text, csat, language)| Comment { id: *id, text, csat: *csat, language: *language })
        .collect();
    find_themes(&comments, names, min)
}

fn by_key<'a>(themes: &'a [Theme], key: &str) -> &'a Theme {
    themes.iter().find(|t| t.key == key).unwrap_or_else(|| panic!("no theme {key} in {themes:#?}"))
}

#[test]
fn stemming_groups_inflections_in_each_language() {
    let cases = [
        ("en", "The printer jams every morning", "Both printers on floor 3 are offline", "printer", "Printer"),
        ("de", "Der Drucker im Büro ist offline", "Beide Drucker des Teams sind langsam", "druck", "Drucker"),
        ("de", "Der Drucker ist offline", "Die Farbe des Druckers ist blass", "druck", "Drucker"),
        ("fr", "L'imprimante est bloquée", "Les imprimantes du bureau sont lentes", "imprim", "Imprimante"),
        ("es", "La impresora no imprime en color", "Las impresoras del piso están lentas", "impresor", "Impresora"),
        ("pt", "A impressora está parada", "As impressoras do andar estão lentas", "impressor", "Impressora"),
    ];
    for (language, one, other, key, label) in cases {
        let owned = [comment(1, one, 3, Some(language)), comment(2, other, 3, Some(language))];
        let themes = themes_of(&owned, &ThemeNames::default(), 2);
        let theme = by_key(&themes, key);
        assert_eq!(theme.comment_ids, vec![1, 2], "{language}: {themes:#?}");
        assert!(theme.label == label || theme.label == format!("{label}s"), "{language}: {}", theme.label);
    }
    // The plural alone still lands on the singular's key.
    let owned = [comment(1, "Druckers", 3, Some("de")), comment(2, "impressoras", 3, Some("pt"))];
    let themes = themes_of(&owned, &ThemeNames::default(), 1);
    assert_eq!(themes.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), ["druck", "impressor"]);
}

#[test]
fn stopwords_courtesy_and_generic_praise_are_not_themes() {
    let owned = [
        comment(1, "Thanks, great service!", 5, Some("en")),
        comment(2, "It was all very good, thank you so much", 5, Some("en")),
        comment(3, "Vielen Dank, alles super und sehr gut", 5, Some("de")),
        comment(4, "Merci beaucoup, c'était très bien", 5, Some("fr")),
        comment(5, "Muchas gracias, todo muy bien", 5, Some("es")),
        comment(6, "Muito obrigado, foi tudo ótimo", 5, Some("pt")),
        comment(7, "OK", 4, None),
    ];
    let themes = themes_of(&owned, &ThemeNames::default(), 1);
    assert!(themes.is_empty(), "{themes:#?}");
}

#[test]
fn the_written_language_wins_over_a_wrong_setting() {
    // Declared German, written in English: "the", "is", "was" are English stopwords.
    let owned = [comment(1, "The laptop is broken and the screen was black", 2, Some("de"))];
    let themes = themes_of(&owned, &ThemeNames::default(), 1);
    let keys: Vec<&str> = themes.iter().map(|t| t.key.as_str()).collect();
    assert!(keys.contains(&"laptop") && keys.contains(&"screen"), "{keys:?}");
    assert!(!keys.iter().any(|k| ["the", "is", "was", "and"].contains(k)), "{keys:?}");
}

#[test]
fn a_negated_word_is_its_own_theme() {
    let owned = [
        comment(1, "The technician was helpful", 5, Some("en")),
        comment(2, "The technician was not helpful at all", 2, Some("en")),
        comment(3, "Support wasn't helpful", 2, Some("en")),
        comment(4, "Der Techniker war nicht hilfreich", 2, Some("de")),
        comment(5, "Der Drucker funktioniert leider immer noch nicht", 1, Some("de")),
        comment(6, "Le technicien n'était pas aimable", 2, Some("fr")),
        comment(7, "La impresora no funciona", 1, Some("es")),
        comment(8, "A impressora não funciona", 1, Some("pt")),
    ];
    let themes = themes_of(&owned, &ThemeNames::default(), 1);
    assert_eq!(by_key(&themes, "help").comment_ids, vec![1], "helpful is not 'not helpful'");
    let not_helpful = by_key(&themes, "!help");
    assert_eq!(not_helpful.comment_ids, vec![2, 3]);
    assert_eq!(not_helpful.label, "Not helpful");
    assert_eq!(by_key(&themes, "!hilfreich").label, "Nicht hilfreich");
    assert_eq!(by_key(&themes, "!funktioniert").label, "Funktioniert nicht", "German negates the verb before");
    assert!(themes.iter().all(|t| t.key != "funktioniert"));
    assert_eq!(by_key(&themes, "!aimabl").label, "Pas aimable");
    assert_eq!(by_key(&themes, "!funcion").comment_ids, vec![7, 8], "es and pt share the stem");
    assert!(themes.iter().all(|t| t.key != "funcion"));
}

#[test]
fn sentiment_is_the_score_refined_by_the_words_around_the_theme() {
    let owned = [
        // Scored 2, but the technician is praised in their own half of the sentence.
        comment(1, "The technician was friendly but the printer is still broken", 2, Some("en")),
        comment(2, "Printer replaced by the technician", 3, Some("en")),
        comment(3, "Technician came on time", 5, Some("en")),
        comment(4, "Technician came twice, the printer is not fixed", 1, Some("en")),
    ];
    let themes = themes_of(&owned, &ThemeNames::default(), 1);
    let technician = by_key(&themes, "technician");
    assert_eq!(technician.n(), 4);
    assert_eq!((technician.positive, technician.neutral, technician.negative), (2, 1, 1));
    let printer = by_key(&themes, "printer");
    assert_eq!((printer.positive, printer.neutral, printer.negative), (0, 1, 2));
    let share = printer.negative_share();
    assert_eq!((share.successes, share.n), (2, 3));
    assert_eq!(share, crate::stats::wilson(2, 3));
}

#[test]
fn renames_change_the_label_and_keep_the_key() {
    let owned = [comment(1, "printer jams", 2, None), comment(2, "printers jam again", 2, None)];
    assert_eq!(
        themes_of(&owned, &ThemeNames::default(), 2)[0].key,
        "printer jam",
        "a phrase takes its words' comments"
    );
    let mut names = ThemeNames::default();
    names.labels.insert("printer".into(), "Printing on floor 3".into());
    names.labels.insert("nothing-here".into(), "Unused".into());
    let themes = themes_of(&owned, &names, 2);
    let printer = by_key(&themes, "printer");
    assert_eq!(printer.label, "Printing on floor 3");
    assert!(printer.renamed);
    assert_eq!(printer.automatic_label, "Printer");
    assert_eq!(printer.comment_ids, vec![1, 2], "a named word keeps its comments beside the phrase");
    assert!(!by_key(&themes, "printer jam").renamed);
    assert!(themes.iter().all(|t| t.label != "Unused"));
}

#[test]
fn merges_pool_comments_once_and_follow_chains() {
    let owned = [
        comment(1, "printer broken", 1, Some("en")),
        comment(2, "Drucker kaputt", 1, Some("de")),
        comment(3, "printer offline, Drucker offline", 2, Some("en")),
        comment(4, "impressora parada", 4, Some("pt")),
        comment(5, "scanner slow", 2, Some("en")),
    ];
    let mut names = ThemeNames::default();
    names.merged_into.insert("druck".into(), "printer".into());
    // A chain: impressora → druck → printer.
    names.merged_into.insert("impressor".into(), "druck".into());
    let themes = themes_of(&owned, &names, 1);
    let printer = by_key(&themes, "printer");
    assert_eq!(printer.comment_ids, vec![1, 2, 3, 4], "comment 3 is counted once");
    assert_eq!(printer.n(), 4);
    assert_eq!(printer.positive + printer.neutral + printer.negative, 4);
    assert_eq!(printer.keys, ["printer", "druck", "impressor"]);
    assert_eq!(printer.wordings, ["printer", "drucker", "impressora"]);
    assert!(themes.iter().all(|t| t.key != "druck" && t.key != "impressor"));
    assert_eq!(themes[0].key, "printer", "the largest theme first");

    // Two small themes merged reach the minimum together.
    let mut names = ThemeNames::default();
    names.merged_into.insert("scanner".into(), "printer".into());
    let owned = [comment(1, "printer broken", 1, None), comment(2, "scanner broken", 1, None)];
    let themes = themes_of(&owned, &names, 2);
    assert_eq!(by_key(&themes, "printer").comment_ids, vec![1, 2]);
}

#[test]
fn a_loop_of_merges_is_ignored() {
    let mut names = ThemeNames::default();
    names.merged_into.insert("a".into(), "b".into());
    names.merged_into.insert("b".into(), "a".into());
    names.merged_into.insert("c".into(), "c".into());
    assert_eq!(names.resolve("a"), "a");
    assert_eq!(names.resolve("b"), "b");
    assert_eq!(names.resolve("c"), "c");
    assert_eq!(names.resolve("d"), "d");
    let owned = [comment(1, "printer", 3, None)];
    assert_eq!(themes_of(&owned, &names, 1).len(), 1);
}

#[test]
fn frequent_phrases_become_themes_and_take_their_words_comments() {
    let owned = [
        comment(1, "Response time was too slow", 2, Some("en")),
        comment(2, "response time is bad", 2, Some("en")),
        comment(3, "The response time!", 2, Some("en")),
        comment(4, "No response to my emails", 1, Some("en")),
        comment(5, "The printer on floor 3 is broken", 2, Some("en")),
    ];
    let themes = themes_of(&owned, &ThemeNames::default(), 1);
    let phrase = by_key(&themes, "respons time");
    assert_eq!(phrase.comment_ids, vec![1, 2, 3]);
    assert_eq!(phrase.label, "Response time");
    assert!(themes.iter().all(|t| t.key != "time"), "time is only ever part of the phrase");
    assert!(themes.iter().all(|t| t.key != "respons"), "{themes:#?}");
    assert_eq!(by_key(&themes, "!respons").label, "No response");
    // A phrase seen once does not split its words.
    assert!(themes.iter().all(|t| t.key != "printer floor"));
}

#[test]
fn themes_are_ranked_by_size_then_key_and_small_ones_are_left_out() {
    let owned = [
        comment(1, "monitor flickers", 2, None),
        comment(2, "keyboard missing", 2, None),
        comment(3, "monitor dead", 2, None),
        comment(4, "keyboard sticky", 2, None),
        comment(5, "monitor cable", 2, None),
        comment(6, "mouse", 2, None),
    ];
    let themes = themes_of(&owned, &ThemeNames::default(), 2);
    let keys: Vec<&str> = themes.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["monitor", "keyboard"]);
    let mut reversed = owned.to_vec();
    reversed.reverse();
    let again = themes_of(&reversed, &ThemeNames::default(), 2);
    assert_eq!(again.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), keys);
    assert_eq!(themes_of(&owned, &ThemeNames::default(), 2), themes, "the same input, the same themes");
    assert_eq!(themes_of(&owned, &ThemeNames::default(), 0).len(), 8, "a minimum of 0 is 1");
}

#[test]
fn pathological_comments_never_panic() {
    let long = "printer ".repeat(700);
    let word = "a".repeat(5_000);
    let texts = [
        String::new(),
        " \n\t ".into(),
        "😀😡👍🏽🎉".into(),
        "!!!???...,,,;;;".into(),
        "''' ' n' l' 'n ’’".into(),
        "don't can't won't n't".into(),
        "1234 5678 3.14 2025-11-20".into(),
        long.clone(),
        word,
        "Принтер не работает 打印机坏了 الطابعة معطلة printer".into(),
        "e\u{301}cran ecran \u{200b}zero\u{200d}width \u{202e}reversed".into(),
        "ǅungla ÆØÅ straße STRASSE İstanbul".into(),
        "\u{0}\u{1}control\u{7f}".into(),
    ];
    for language in [None, Some("en"), Some("de"), Some("fr"), Some("es"), Some("pt"), Some("zz"), Some("")] {
        let owned: Vec<Owned> = texts.iter().enumerate().map(|(i, t)| (i as i64, t.clone(), 3, language)).collect();
        let themes = themes_of(&owned, &ThemeNames::default(), 1);
        assert!(themes.iter().all(|t| t.n() >= 1 && t.n() as usize <= owned.len()));
    }
    let owned = [comment(1, &long, 1, Some("en"))];
    let themes = themes_of(&owned, &ThemeNames::default(), 1);
    assert_eq!(by_key(&themes, "printer").n(), 1, "one comment, counted once");
    assert!(themes_of(&[], &ThemeNames::default(), 1).is_empty());
}

#[test]
fn language_tags_are_read_loosely() {
    assert_eq!(Lang::from_tag("pt-BR"), Some(Lang::Pt));
    assert_eq!(Lang::from_tag(" DE_ch"), Some(Lang::De));
    assert_eq!(Lang::from_tag("nl"), None);
    assert_eq!(Lang::from_tag(""), None);
}

#[test]
fn lexicon_and_generic_words_do_not_clash_with_stopwords() {
    for lang in Lang::ALL {
        for word in stopwords::generic_words(lang) {
            assert!(!stopwords::is_negation(lang, word), "{word}");
        }
        assert_eq!(lexicon::polarity(lang, &analyse::stem(lang, "")), 0);
    }
}

proptest! {
    #[test]
    fn any_text_in_any_language_gives_well_formed_themes(
        texts in proptest::collection::vec(any::<String>(), 0..8),
        scores in proptest::collection::vec(-2i64..8, 8),
        language in proptest::option::of("(en|de|fr|es|pt|xx|[a-z]{0,3})"),
    ) {
        let owned: Vec<Owned> = texts.iter().enumerate().map(|(i, t)| {
            let language: Option<&'static str> = language.clone().map(|l| &*Box::leak(l.into_boxed_str()));
            (i as i64, t.clone(), scores[i], language)
        }).collect();
        let themes = themes_of(&owned, &ThemeNames::default(), 1);
        for theme in &themes {
            prop_assert_eq!(theme.positive + theme.neutral + theme.negative, theme.n());
            prop_assert!(!theme.label.is_empty());
            prop_assert_eq!(&theme.keys[0], &theme.key);
        }
    }
}

proptest! {
    #[test]
    fn the_stemmers_take_any_latin_word(word in "[a-zà-ÿĀ-ɏ0-9]{1,40}") {
        for lang in Lang::ALL {
            let _ = analyse::stem(lang, &word);
        }
    }
}

#[test]
fn links_and_addresses_are_not_themes() {
    let texts = [
        "See https://intranet.example.com/it/kb/mapping-drives for the printer",
        "Printer fixed, details at www.example.org/printer-help",
        "Printer works, mail me at ana.silva@example.com",
    ];
    let comments: Vec<Comment> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Comment { id: i as i64, text: t, csat: 4, language: Some("en") })
        .collect();
    let themes = find_themes(&comments, &ThemeNames::default(), 1);
    let keys: Vec<&str> = themes.iter().map(|t| t.key.as_str()).collect();
    for link_word in ["https", "com", "intranet", "www", "org", "example", "silva", "kb"] {
        assert!(!keys.iter().any(|k| k.split(' ').any(|w| w == link_word)), "{link_word} in {keys:?}");
    }
    assert_eq!(themes[0].n(), 3, "the printer theme holds all three: {keys:?}");
}
