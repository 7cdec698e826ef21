//! The people and groups of a demo desk: teams, the agents in them, the organisations
//! the desk serves and their staff who raise tickets.

use crate::catalog::TEAMS;
use crate::names::{ascii_slug, people, CLIENTS, DEPARTMENTS, LANGUAGES};
use crate::{rng, DemoConfig, AGENT_DOMAIN};
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::seq::IndexedRandom;
use rand::Rng;
use rapport_domain::Email;
use std::collections::HashSet;

/// Share of customers flagged VIP (executives, key client contacts).
pub const VIP_SHARE: f64 = 0.05;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTeam {
    pub name: String,
    pub categories: Vec<String>,
    /// Relative share of tickets the team handles.
    pub weight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAgent {
    pub name: String,
    pub email: Email,
    /// Index into `Desk::teams`.
    pub team: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    pub name: String,
    /// Mail domain of its staff, e.g. `bluefin-logistics.example`.
    pub domain: String,
    /// A department of the desk's own company rather than a client company.
    pub internal: bool,
    /// The language most of its staff speak.
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCustomer {
    pub name: String,
    pub email: Email,
    /// Index into `Desk::organizations`.
    pub organization: usize,
    pub vip: bool,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desk {
    pub teams: Vec<DemoTeam>,
    pub agents: Vec<DemoAgent>,
    pub organizations: Vec<DemoOrg>,
    pub customers: Vec<DemoCustomer>,
}

/// The desk for `config`. Every count is at least one, so tickets always have a team, an
/// agent and a requester.
pub fn desk(config: &DemoConfig) -> Desk {
    let mut rng = rng(config.seed, 0);
    let mut used = HashSet::new();
    let teams = teams(config.teams.max(1));
    let team_pick = WeightedIndex::new(teams.iter().map(|t| t.weight)).expect("weights > 0");
    let agents = (0..config.agents.max(1))
        .map(|i| {
            // The first agents go one to a team so that no team is empty.
            let team = if i < teams.len() { i } else { team_pick.sample(&mut rng) };
            let language = any_language(&mut rng);
            let (name, email) = person(&mut rng, language, AGENT_DOMAIN, &mut used);
            DemoAgent { name, email, team }
        })
        .collect();
    let organizations = organizations(config.organizations.max(1));
    // Own departments are bigger than a client's IT contact list; sizes vary so some
    // organisations raise far more tickets than others.
    let sizes: Vec<f64> =
        organizations.iter().map(|o| if o.internal { 3.0 } else { 1.0 } * rng.random_range(0.3..1.7)).collect();
    let org_pick = WeightedIndex::new(&sizes).expect("sizes > 0");
    let customers = (0..config.customers.max(1))
        .map(|_| {
            let organization = org_pick.sample(&mut rng);
            let org = &organizations[organization];
            let language =
                if !org.internal && rng.random_bool(0.85) { org.language.as_str() } else { any_language(&mut rng) };
            let (name, email) = person(&mut rng, language, &org.domain, &mut used);
            let vip = rng.random_bool(VIP_SHARE);
            DemoCustomer { name, email, organization, vip, language: language.to_string() }
        })
        .collect();
    Desk { teams, agents, organizations, customers }
}

/// Counts beyond the built-in lists repeat them with a number ("Network 2"), as large
/// desks split a team by region.
fn numbered(name: &str, round: usize) -> String {
    if round == 0 {
        name.to_string()
    } else {
        format!("{name} {}", round + 1)
    }
}

fn teams(count: usize) -> Vec<DemoTeam> {
    (0..count)
        .map(|i| {
            let spec = &TEAMS[i % TEAMS.len()];
            DemoTeam {
                name: numbered(spec.name, i / TEAMS.len()),
                categories: spec.categories.iter().map(|c| c.to_string()).collect(),
                weight: spec.weight,
            }
        })
        .collect()
}

/// About a third own departments, the rest client companies.
fn organizations(count: usize) -> Vec<DemoOrg> {
    let internal = (count / 3).clamp(1, DEPARTMENTS.len()).min(count);
    let departments = DEPARTMENTS.iter().map(|name| (*name, "en", true));
    let departments = departments.take(internal).map(|d| (d, 0));
    let clients = (0..count - internal).map(|i| {
        let (name, language) = CLIENTS[i % CLIENTS.len()];
        ((name, language, false), i / CLIENTS.len())
    });
    departments
        .chain(clients)
        .map(|((name, language, internal), round)| {
            let name = numbered(name, round);
            let domain = format!("{}.example", ascii_slug(&name));
            DemoOrg { name, domain, internal, language: language.to_string() }
        })
        .collect()
}

fn any_language(rng: &mut impl Rng) -> &'static str {
    LANGUAGES.choose_weighted(rng, |(_, weight)| *weight).expect("weights > 0").0
}

/// A name in `language` and a `first.last@domain` address not yet `used`; namesakes get
/// a number, as mail systems do.
fn person(rng: &mut impl Rng, language: &str, domain: &str, used: &mut HashSet<String>) -> (String, Email) {
    let (firsts, lasts) = people(language);
    let first = firsts.choose(rng).expect("non-empty");
    let last = lasts.choose(rng).expect("non-empty");
    let local = format!("{}.{}", ascii_slug(first), ascii_slug(last));
    let address = (1..)
        .map(|n| if n == 1 { format!("{local}@{domain}") } else { format!("{local}{n}@{domain}") })
        .find(|address| !used.contains(address))
        .expect("some number is free");
    used.insert(address.clone());
    let email = Email::parse(&address).expect("generated addresses are valid");
    (format!("{first} {last}"), email)
}
