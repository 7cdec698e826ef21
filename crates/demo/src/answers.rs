//! What customers write back: scores, the reasons they tick and short comments, in
//! their own language for some. Pure text and weights; `surveys` decides who answers.

use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::seq::IndexedRandom;
use rand::Rng;

/// Target shares of CSAT 1..=5 over a whole desk: mostly happy, with a long unhappy tail
/// (angry customers answer more readily than lukewarm ones).
pub const CSAT_SHARES: [f64; 5] = [0.08, 0.06, 0.09, 0.22, 0.55];

/// Base weights the per-ticket tilt is applied to. Tilting spreads answers towards both
/// ends, so these sit a little closer to the middle than `CSAT_SHARES` for the desk as a
/// whole to come out at `CSAT_SHARES`.
const BASE_WEIGHTS: [f64; 5] = [0.052, 0.05, 0.093, 0.24, 0.565];

/// A score from 1 to 5 for a ticket whose experience was `tilt` better (positive) or worse
/// (negative) than the desk's usual: weights `BASE_WEIGHTS[k] · e^(tilt·(k−3))`.
pub fn csat(tilt: f64, rng: &mut impl Rng) -> u8 {
    let weights = BASE_WEIGHTS.iter().enumerate().map(|(i, w)| w * (tilt * (i as f64 - 2.0)).exp());
    let pick = WeightedIndex::new(weights).expect("positive weights");
    pick.sample(rng) as u8 + 1
}

/// The chance an answer carries a comment: unhappy customers say why more often.
pub fn comment_chance(csat: u8) -> f64 {
    match csat {
        1 => 0.62,
        2 => 0.55,
        3 => 0.45,
        4 => 0.30,
        _ => 0.30,
    }
}

/// What the ticket was like, so that reasons and comments fit it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Experience {
    pub quick: bool,
    pub slow: bool,
    pub reopened: bool,
}

/// Zero to three of `offered` (the policy's list for this score), favouring the ones the
/// ticket's story suggests. Names the demo does not know are picked now and then too.
pub fn reasons(offered: &[String], experience: Experience, rng: &mut impl Rng) -> Vec<String> {
    if offered.is_empty() || !rng.random_bool(0.6) {
        return Vec::new();
    }
    let count = match rng.random::<f64>() {
        x if x < 0.6 => 1,
        x if x < 0.9 => 2,
        _ => 3,
    };
    let weight = |name: &str| -> f64 {
        let x = experience;
        match name.strip_prefix("reason.").unwrap_or(name) {
            "quick_response" => 1.0 + if x.quick { 3.0 } else { 0.0 } - if x.slow { 0.8 } else { 0.0 },
            "first_time_fix" => {
                if x.reopened {
                    0.1
                } else {
                    2.0
                }
            }
            "friendly" => 2.5,
            "kept_informed" => 1.0,
            "clear_explanation" => 1.2,
            "too_slow" => 1.0 + if x.slow { 3.0 } else { 0.0 },
            "not_solved" => 1.0 + if x.reopened { 3.0 } else { 0.0 },
            "repeat_myself" => 0.6 + if x.reopened { 2.0 } else { 0.0 },
            "not_informed" => 1.4,
            "unhelpful" => 0.8,
            _ => 0.5,
        }
    };
    let mut left: Vec<&String> = offered.iter().collect();
    let mut picked = Vec::new();
    while picked.len() < count && !left.is_empty() {
        let Ok(pick) = WeightedIndex::new(left.iter().map(|r| weight(r).max(0.05))) else { break };
        picked.push(left.swap_remove(pick.sample(rng)).clone());
    }
    // Shown in the policy's order, as the answer page lists them.
    picked.sort_by_key(|r| offered.iter().position(|o| o == r));
    picked
}

/// A short comment for `csat` in `language` (English when there are no lines in it),
/// naming the agent's first name and the thing that broke where a line has room for them.
pub fn comment(csat: u8, language: &str, agent: &str, category: &str, rng: &mut impl Rng) -> String {
    let mood = match csat {
        5 => Mood::Praise,
        4 if rng.random_bool(0.4) => Mood::Praise,
        4 => Mood::Good,
        3 => Mood::Meh,
        _ => Mood::Angry,
    };
    let lines = lines(language, mood);
    let lines = if lines.is_empty() { self::lines("en", mood) } else { lines };
    let line = lines.choose(rng).expect("every mood has lines in English");
    let first_name = agent.split_whitespace().next().unwrap_or(agent);
    line.replace("{agent}", first_name).replace("{thing}", thing(category))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mood {
    Praise,
    Good,
    Meh,
    Angry,
}

/// What a requester of `category` calls the thing they needed fixed ("my {thing}").
fn thing(category: &str) -> &'static str {
    match category {
        "Hardware" => "laptop",
        "Software" => "software install",
        "Printing" => "printer",
        "Network" => "network connection",
        "VPN" => "VPN",
        "Wi-Fi" => "Wi-Fi",
        "Access" => "access",
        "Accounts" => "account",
        "Email" => "mailbox",
        "Telephony" => "phone",
        "Business Apps" => "invoice run",
        "Storage" => "shared drive",
        "Servers" => "server",
        _ => "problem",
    }
}

fn lines(language: &str, mood: Mood) -> &'static [&'static str] {
    use Mood::*;
    match (language, mood) {
        ("en", Praise) => &[
            "{agent} fixed my {thing} in minutes, thank you!",
            "Quick and friendly, as always.",
            "Thanks {agent}, everything works again.",
            "Super fast. Much appreciated!",
            "{agent} explained everything clearly and was very patient.",
            "Solved on the first try. Brilliant service.",
            "Thank you for sorting out my {thing} so quickly!",
            "Excellent support, kept me updated the whole time.",
            "Couldn't ask for more. Thanks, {agent}!",
            "Fixed before I had finished my coffee.",
        ],
        ("en", Good) => &[
            "Good service, thanks.",
            "All sorted, took a little longer than I hoped.",
            "{agent} was helpful. Fine now.",
            "Works now, thank you. A status update on the way would have been nice.",
            "Good, though I had to wait for a call back.",
        ],
        ("en", Meh) => &[
            "Fixed in the end, but it took a few days.",
            "OK, but I had to chase for an update.",
            "Works now. Nobody told me what the problem was.",
            "It took a while before anyone looked at my {thing}.",
            "Solved, but I had to explain it twice.",
        ],
        ("en", Angry) => &[
            "Third time I report this. Nobody calls back.",
            "Ticket closed but my {thing} still doesn't work.",
            "Waited over a week. I couldn't work in the meantime.",
            "Nobody told me anything until the ticket was closed.",
            "I had to explain the problem three times to three different people.",
            "Closed without asking me. Not solved!",
            "Very slow, and the workaround doesn't help.",
            "My {thing} is still broken. Please reopen.",
        ],
        ("de", Praise) => &[
            "Super schnell erledigt, vielen Dank!",
            "{agent} hat mir sofort geholfen. Danke!",
            "Freundlich und kompetent, wie immer.",
            "Alles funktioniert wieder, danke für die schnelle Hilfe.",
            "Sehr gut erklärt, vielen Dank {agent}!",
        ],
        ("de", Good) => &[
            "Gut gelöst, hat aber etwas gedauert.",
            "Danke, läuft wieder.",
            "Hilfreich, ein Zwischenstand wäre nett gewesen.",
        ],
        ("de", Meh) => &[
            "Am Ende gelöst, aber es hat Tage gedauert.",
            "Ich musste mehrmals nachfragen.",
            "Funktioniert jetzt, aber niemand hat erklärt, was los war.",
        ],
        ("de", Angry) => &[
            "Zum dritten Mal gemeldet. Niemand ruft zurück.",
            "Ticket geschlossen, das Problem besteht weiterhin!",
            "Viel zu langsam, ich konnte zwei Tage nicht arbeiten.",
            "Ohne Rückfrage geschlossen. Nicht gelöst!",
        ],
        ("fr", Praise) => &[
            "Réglé en quelques minutes, merci beaucoup !",
            "{agent} a été très efficace, merci !",
            "Rapide et aimable, comme toujours.",
            "Tout fonctionne à nouveau, merci pour votre aide.",
            "Explications très claires, merci {agent} !",
        ],
        ("fr", Good) => &[
            "Bon service, merci.",
            "Résolu, mais un peu long.",
            "Merci, ça marche. Un point d'étape aurait été apprécié.",
        ],
        ("fr", Meh) => &[
            "Résolu au final, mais après plusieurs jours.",
            "J'ai dû relancer plusieurs fois.",
            "Ça fonctionne, mais personne ne m'a expliqué le problème.",
        ],
        ("fr", Angry) => &[
            "Troisième fois que je signale ce problème. Personne ne rappelle.",
            "Ticket fermé mais le problème n'est pas résolu !",
            "Beaucoup trop lent, impossible de travailler pendant deux jours.",
            "Fermé sans me demander mon avis. Pas résolu !",
        ],
        ("es", Praise) => &[
            "¡Resuelto en minutos, muchas gracias!",
            "{agent} me ayudó enseguida. ¡Gracias!",
            "Rápidos y amables, como siempre.",
            "Todo funciona de nuevo, gracias por la ayuda.",
            "Muy bien explicado, ¡gracias {agent}!",
        ],
        ("es", Good) => &[
            "Buen servicio, gracias.",
            "Resuelto, aunque tardó un poco.",
            "Gracias, ya funciona. Habría agradecido alguna actualización.",
        ],
        ("es", Meh) => &[
            "Se resolvió al final, pero tardó varios días.",
            "Tuve que insistir para tener noticias.",
            "Funciona, pero nadie me explicó qué pasaba.",
        ],
        ("es", Angry) => &[
            "Es la tercera vez que lo reporto. Nadie me llama.",
            "Cerraron el ticket y el problema sigue.",
            "Demasiado lento, dos días sin poder trabajar.",
            "Lo cerraron sin preguntarme. ¡No está resuelto!",
        ],
        ("pt", Praise) => &[
            "Resolvido em minutos, muito obrigado!",
            "{agent} ajudou-me logo. Obrigado!",
            "Rápidos e simpáticos, como sempre.",
            "Tudo a funcionar outra vez, obrigado pela ajuda.",
            "Muito bem explicado, obrigado {agent}!",
        ],
        ("pt", Good) => &[
            "Bom serviço, obrigado.",
            "Resolvido, mas demorou um pouco.",
            "Obrigado, já funciona. Teria gostado de uma atualização.",
        ],
        ("pt", Meh) => &[
            "Resolvido no fim, mas demorou vários dias.",
            "Tive de insistir para ter notícias.",
            "Funciona, mas ninguém me explicou o problema.",
        ],
        ("pt", Angry) => &[
            "É a terceira vez que reporto isto. Ninguém liga de volta.",
            "Fecharam o pedido e o problema continua!",
            "Demasiado lento, fiquei dois dias sem trabalhar.",
            "Fechado sem me perguntarem. Não está resolvido!",
        ],
        _ => &[],
    }
}

/// How much better or worse than usual a category goes: password resets are quick wins,
/// printers and VPNs try everyone's patience.
pub fn category_tilt(category: &str) -> f64 {
    match category {
        "Accounts" => 0.15,
        "Security" => 0.15,
        "Access" | "Hardware" | "Storage" => 0.05,
        "Software" => -0.05,
        "Network" | "Wi-Fi" => -0.1,
        "Business Apps" => -0.15,
        "Printing" | "VPN" => -0.2,
        _ => 0.0,
    }
}

/// The language of one of the comments above, for checks.
#[cfg(test)]
pub fn language_of(comment: &str) -> Option<&'static str> {
    let fits = |line: &str| match (line.find('{'), line.rfind('}')) {
        (Some(open), Some(close)) => comment.starts_with(&line[..open]) && comment.ends_with(&line[close + 1..]),
        _ => comment == line,
    };
    let moods = [Mood::Praise, Mood::Good, Mood::Meh, Mood::Angry];
    ["en", "de", "fr", "es", "pt"].into_iter().find(|l| moods.iter().any(|m| lines(l, *m).iter().any(|x| fits(x))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_language_has_lines_for_every_mood_and_placeholders_are_filled() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for language in ["en", "de", "fr", "es", "pt"] {
            for mood in [Mood::Praise, Mood::Good, Mood::Meh, Mood::Angry] {
                assert!(lines(language, mood).len() >= 3, "{language} {mood:?}");
            }
            for csat in 1..=5 {
                for _ in 0..20 {
                    let text = comment(csat, language, "Tom Baker", "Printing", &mut rng);
                    assert!(!text.contains('{') && !text.contains("Baker"), "{text}");
                }
            }
        }
        assert!(!comment(1, "xx", "Tom", "VPN", &mut rng).is_empty(), "unknown languages fall back to English");
    }

    #[test]
    fn reasons_come_from_the_offered_list_in_its_order_without_repeats() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let offered: Vec<String> = ["a", "b", "reason.friendly", "d"].map(String::from).to_vec();
        for _ in 0..200 {
            let picked = reasons(&offered, Experience::default(), &mut rng);
            assert!(picked.len() <= 3);
            let positions: Vec<usize> = picked.iter().map(|r| offered.iter().position(|o| o == r).unwrap()).collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{picked:?}");
        }
        assert!(reasons(&[], Experience::default(), &mut rng).is_empty());
    }
}
