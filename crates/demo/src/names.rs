//! People and organisations. Names come with accents as people write them; e-mail
//! addresses use `ascii_slug`, as mail systems usually do.

/// Supported languages with the share of customers who speak each. English dominates,
/// as it does at most multinational desks.
pub const LANGUAGES: [(&str, u32); 5] = [("en", 70), ("de", 10), ("fr", 8), ("es", 7), ("pt", 5)];

/// First and last names by language.
pub fn people(language: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match language {
        "de" => (DE_FIRST, DE_LAST),
        "fr" => (FR_FIRST, FR_LAST),
        "es" => (ES_FIRST, ES_LAST),
        "pt" => (PT_FIRST, PT_LAST),
        _ => (EN_FIRST, EN_LAST),
    }
}

// English-speaking offices are the most varied, so this list is the longest.
const EN_FIRST: &[&str] = &[
    "James", "Olivia", "Priya", "Wei", "Aisha", "Liam", "Emma", "Noah", "Sophie", "Daniel", "Grace", "Omar", "Chloe",
    "Ethan", "Hannah", "Marcus", "Zoe", "Ryan", "Fatima", "Jack", "Amelia", "Kwame", "Isabella", "Arjun", "Mei",
    "Samuel", "Niamh", "Tyler", "Yusuf", "Ella",
];
const EN_LAST: &[&str] = &[
    "Smith", "Patel", "Chen", "Johnson", "O'Brien", "Williams", "Brown", "Taylor", "Nguyen", "Okafor", "Campbell",
    "Hughes", "Khan", "Murphy", "Walker", "Wright", "Evans", "Robinson", "Clarke", "Kim", "Mensah", "Singh", "Davies",
    "Thompson", "Wilson", "Ali", "Reid", "Foster", "Kowalski", "Nakamura",
];
const DE_FIRST: &[&str] = &[
    "Lukas",
    "Anna",
    "Jürgen",
    "Lena",
    "Maximilian",
    "Katharina",
    "Felix",
    "Mia",
    "Jonas",
    "Leonie",
    "Tobias",
    "Greta",
    "Matthias",
    "Sabine",
    "Stefan",
    "Ute",
    "Florian",
    "Lea",
    "Niklas",
    "Johanna",
];
const DE_LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Zimmermann",
    "Krüger",
    "Hartmann",
];
const FR_FIRST: &[&str] = &[
    "Camille", "Léa", "Hugo", "Chloé", "Louis", "Manon", "Théo", "Inès", "Julien", "Élodie", "Antoine", "Margaux",
    "Nicolas", "Sarah", "Mathieu", "Amélie", "Lucas", "Céline", "Baptiste", "Juliette",
];
const FR_LAST: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefèvre", "Michel", "Fournier", "Girard", "Bonnet", "Mercier", "Rousseau", "Faure",
];
const ES_FIRST: &[&str] = &[
    "Alejandro",
    "Lucía",
    "Javier",
    "Sofía",
    "Carlos",
    "María",
    "Pablo",
    "Carmen",
    "Diego",
    "Elena",
    "Sergio",
    "Paula",
    "Andrés",
    "Laura",
    "Miguel",
    "Marta",
    "Raúl",
    "Irene",
    "Álvaro",
    "Nuria",
];
const ES_LAST: &[&str] = &[
    "García",
    "Fernández",
    "González",
    "Rodríguez",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Díaz",
    "Moreno",
    "Muñoz",
    "Romero",
    "Navarro",
    "Torres",
    "Ruiz",
    "Ortega",
    "Castillo",
    "Vázquez",
    "Serrano",
];
const PT_FIRST: &[&str] = &[
    "João", "Ana", "Pedro", "Beatriz", "Tiago", "Mariana", "Rafael", "Inês", "Gonçalo", "Catarina", "Lucas", "Juliana",
    "Bruno", "Larissa", "Diogo", "Fernanda", "Rodrigo", "Leonor", "Thiago", "Camila",
];
const PT_LAST: &[&str] = &[
    "Silva",
    "Santos",
    "Ferreira",
    "Pereira",
    "Oliveira",
    "Costa",
    "Rodrigues",
    "Martins",
    "Sousa",
    "Fernandes",
    "Gonçalves",
    "Gomes",
    "Lopes",
    "Marques",
    "Alves",
    "Almeida",
    "Ribeiro",
    "Pinto",
    "Carvalho",
    "Teixeira",
];

/// The company's own departments: their staff are most of a desk's requesters.
pub const DEPARTMENTS: &[&str] = &[
    "Finance",
    "Human Resources",
    "Legal",
    "Sales",
    "Marketing",
    "Procurement",
    "Facilities",
    "Engineering",
    "Customer Support",
    "Executive Office",
    "Logistics",
    "Research & Development",
];

/// Client companies the desk also serves (all invented), with the language their staff
/// mostly speak.
pub const CLIENTS: &[(&str, &str)] = &[
    ("Bluefin Logistics", "en"),
    ("Harbourview Insurance", "en"),
    ("Sonnenberg Maschinenbau", "de"),
    ("Atelier Lumière", "fr"),
    ("Costa Verde Hoteles", "es"),
    ("Rio Claro Mineração", "pt"),
    ("Kestrel Aviation", "en"),
    ("Maple Ridge Health", "en"),
    ("Ironbridge Manufacturing", "en"),
    ("Lindenhof Versicherung", "de"),
    ("Lumen Retail Group", "en"),
    ("Silverline Freight", "en"),
    ("Quarry Hill Foods", "en"),
    ("Château Verrier Vins", "fr"),
    ("Northgate Energy", "en"),
    ("Brightwater Utilities", "en"),
    ("Alameda Construcciones", "es"),
    ("Cobalt Pharma", "en"),
    ("Redwood Analytics", "en"),
    ("Tessera Architects", "en"),
    ("Porto Seguro Têxteis", "pt"),
    ("Oakhaven Schools", "en"),
    ("Fjordline Shipping", "en"),
    ("Pinecrest Hotels", "en"),
];

/// Lower-case ASCII for e-mail addresses and domains: accents folded the way people
/// spell their own addresses (ü → ue, ç → c), anything else dropped or turned into `-`.
pub fn ascii_slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        let folded = match c {
            'a'..='z' | '0'..='9' => None,
            'ä' => Some("ae"),
            'ö' => Some("oe"),
            'ü' => Some("ue"),
            'ß' => Some("ss"),
            'à' | 'á' | 'â' | 'ã' => Some("a"),
            'è' | 'é' | 'ê' | 'ë' => Some("e"),
            'ì' | 'í' | 'î' | 'ï' => Some("i"),
            'ò' | 'ó' | 'ô' | 'õ' => Some("o"),
            'ù' | 'ú' | 'û' => Some("u"),
            'ç' => Some("c"),
            'ñ' => Some("n"),
            ' ' | '-' | '&' => Some("-"),
            _ => Some(""),
        };
        match folded {
            None => out.push(c),
            Some("-") if out.is_empty() || out.ends_with('-') => {}
            Some(s) => out.push_str(s),
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accented_names_become_plain_address_parts() {
        assert_eq!(ascii_slug("Jürgen"), "juergen");
        assert_eq!(ascii_slug("O'Brien"), "obrien");
        assert_eq!(ascii_slug("Rio Claro Mineração"), "rio-claro-mineracao");
        assert_eq!(ascii_slug("Research & Development"), "research-development");
    }
}
