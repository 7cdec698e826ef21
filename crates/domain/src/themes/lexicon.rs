//! A small polarity lexicon per language, for the judgement a clause makes about the topic
//! it names ("printer still broken", "friendly technician"). Words are listed as written and
//! matched by their stems, so "broken"/"Broke" or "lenta"/"lentos" match alike. It refines
//! the customer's own score per theme; it never stands alone (see the module doc).

use super::analyse::stem;
use super::stopwords::{generic_words, Lang};
use std::collections::HashSet;
use std::sync::OnceLock;

struct Stems {
    positive: [HashSet<String>; 5],
    negative: [HashSet<String>; 5],
    generic: [HashSet<String>; 5],
}

fn stems() -> &'static Stems {
    static STEMS: OnceLock<Stems> = OnceLock::new();
    STEMS.get_or_init(|| {
        let stemmed = |lang: Lang, words: &mut dyn Iterator<Item = &'static str>| -> HashSet<String> {
            words.map(|w| stem(lang, w)).collect()
        };
        Stems {
            positive: Lang::ALL.map(|l| stemmed(l, &mut POSITIVE[l as usize].split_ascii_whitespace())),
            negative: Lang::ALL.map(|l| stemmed(l, &mut NEGATIVE[l as usize].split_ascii_whitespace())),
            generic: Lang::ALL.map(|l| stemmed(l, &mut generic_words(l))),
        }
    })
}

/// +1 for a positive stem, −1 for a negative one, 0 otherwise.
pub fn polarity(lang: Lang, stem: &str) -> i32 {
    let s = stems();
    if s.positive[lang as usize].contains(stem) {
        1
    } else if s.negative[lang as usize].contains(stem) {
        -1
    } else {
        0
    }
}

/// A judgement without a topic ("great", "super"): never a theme of its own.
pub fn is_generic(lang: Lang, stem: &str) -> bool {
    stems().generic[lang as usize].contains(stem)
}

const POSITIVE: [&str; 5] = [
    "good great excellent perfect awesome amazing fantastic wonderful brilliant superb outstanding nice
     friendly polite courteous professional patient quick quickly fast rapid prompt promptly
     efficient easy clear smooth solved resolved fixed working satisfied happy pleased thanks appreciated
     recommend love best competent knowledgeable reliable effective",
    "gut super toll klasse prima perfekt ausgezeichnet hervorragend exzellent freundlich nett höflich
     hilfsbereit hilfreich kompetent professionell geduldig schnell zügig rasch flott effizient
     unkompliziert gelöst behoben erledigt funktioniert zufrieden dankbar empfehlen top zuverlässig",
    "bon bonne bien excellent parfait super génial formidable remarquable sympathique sympa aimable
     agréable poli courtois serviable utile professionnel patient rapide rapidement efficace facile clair
     résolu réglé corrigé fonctionne marche satisfait content ravi merci recommande compétent fiable réactif",
    "bueno buena bien excelente perfecto genial estupendo fantástico maravilloso amable simpático cortés
     atento servicial útil profesional paciente rápido rápidamente eficiente eficaz fácil sencillo claro
     resuelto solucionado arreglado funciona satisfecho contento gracias recomiendo competente confiable",
    "bom boa bem excelente perfeito ótimo otimo maravilhoso fantástico simpático amável educado cortês
     atencioso prestativo útil profissional paciente rápido rapidamente eficiente eficaz fácil simples
     claro resolvido solucionado consertado funciona satisfeito contente obrigado recomendo competente
     confiável",
];

const NEGATIVE: [&str; 5] = [
    "bad poor terrible awful horrible slow late delay delayed rude unfriendly unhelpful unprofessional
     impolite useless broken fail failed failure error annoying frustrating frustrated disappointed
     disappointing unhappy difficult complicated confusing unclear wait waiting waited ignored unresolved
     incomplete wrong lost worse worst complaint crash crashed stuck unacceptable unfortunately sadly",
    "schlecht schlimm furchtbar schrecklich langsam spät verspätet unfreundlich unhöflich inkompetent
     unprofessionell nutzlos kaputt defekt fehler fehlerhaft ärgerlich frustrierend enttäuscht
     enttäuschend unzufrieden schwierig kompliziert umständlich unklar warten gewartet wartezeit
     ignoriert ungelöst falsch verloren absturz abgestürzt inakzeptabel nervig leider",
    "mauvais mauvaise mal nul terrible horrible lent lente lenteur retard tardif impoli désagréable
     incompétent inutile cassé panne erreur pénible frustrant déçu décevant mécontent difficile compliqué
     confus attente attendre attendu ignoré faux perdu pire inacceptable bloqué plantage malheureusement",
    "malo mala mal pésimo terrible horrible lento lenta tarde retraso demora grosero maleducado descortés
     incompetente inútil roto averiado error fallo falla molesto frustrante decepcionado decepcionante
     insatisfecho difícil complicado confuso esperar espera esperando ignorado incorrecto perdido peor
     inaceptable bloqueado desafortunadamente lamentablemente",
    "mau má mal ruim péssimo terrível horrível lento lenta demorado demora atraso atrasado grosseiro
     incompetente inútil quebrado avariado erro falha chato frustrante decepcionado decepcionante
     insatisfeito difícil complicado confuso esperar espera esperando ignorado errado perdido pior
     inaceitável travado infelizmente",
];
