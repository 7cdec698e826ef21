//! A seeded, realistic service desk for demos and load tests: teams, agents, customers in
//! client and in-house organisations, and a year of tickets told as ticket events.
//! Pure: nothing here performs I/O, and one seed always gives the same desk.

mod answers;
mod calendar;
mod catalog;
mod desk;
mod names;
mod surveys;
mod tickets;

#[cfg(test)]
mod tests;

pub use answers::CSAT_SHARES;
pub use desk::{desk, DemoAgent, DemoCustomer, DemoOrg, DemoTeam, Desk};
pub use surveys::{survey_history, DemoAnswer, DemoInvitation, DemoInvitationState, DemoSurvey, SurveyPlanner};
pub use tickets::ticket_events;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rapport_domain::time::Millis;

/// The mail domain of the desk's agents.
pub const AGENT_DOMAIN: &str = "desk.example";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    pub seed: u64,
    pub teams: usize,
    pub agents: usize,
    pub customers: usize,
    pub organizations: usize,
    pub tickets: usize,
    /// Tickets are opened over the year before this instant; nothing happens after it.
    pub end: Millis,
}

impl Default for DemoConfig {
    /// A mid-sized desk. `end` is fixed (2026-11-23T00:00:00Z) so that the default output
    /// never changes; set it to the present for a live-looking demo.
    fn default() -> Self {
        Self {
            seed: 1,
            teams: 8,
            agents: 40,
            customers: 3000,
            organizations: 30,
            tickets: 60_000,
            end: 1_795_392_000_000,
        }
    }
}

/// Independent random streams from one seed: 0 for the desk, 1 for opening times, 2 + i
/// for ticket i. ChaCha is portable, so a seed means the same data everywhere.
fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}
