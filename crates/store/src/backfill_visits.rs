//! Desk-visit history for the demo desk: visits recorded through the live path (so their
//! survey decisions follow the rules), with their cards marked as long sent and some
//! visit-survey answers. Idempotent by each visit's request key.

use crate::db::Conn;
use crate::params;
use crate::visits::{record_visit, NewVisit};
use crate::Result;
use crate::Store;
use rapport_domain::time::Millis;

/// A ticket a demo visit may be about: it has a customer and an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitCandidate {
    pub ticket_id: i64,
    pub opened_at: Millis,
    pub agent_id: i64,
    pub agent_name: String,
}

#[derive(Debug, Clone)]
pub struct PastVisit {
    pub visit: NewVisit,
    /// The customer's answer to the visit survey: score 1–5, comment, when.
    pub answer: Option<(u8, Option<String>, Millis)>,
}

impl Store {
    /// Every `every`-th ticket (by id) with a customer, an agent and an opening time.
    pub async fn visit_candidates(&self, every: i64) -> Result<Vec<VisitCandidate>> {
        self.read(move |conn| {
            conn.query(
                "SELECT t.id, t.opened_at, a.id, COALESCE(a.name, a.email) FROM tickets t JOIN agents a ON a.id = t.agent_id
                 WHERE t.customer_id IS NOT NULL AND t.opened_at IS NOT NULL AND t.id % $1 = 0 ORDER BY t.id",
                params![every],
            )?
            .iter()
            .map(|r| {
                Ok(VisitCandidate { ticket_id: r.get(0)?, opened_at: r.get(1)?, agent_id: r.get(2)?, agent_name: r.get(3)? })
            })
            .collect()
        })
        .await
    }

    /// Records past visits (each at its own visit time) and answers how many were new
    /// and how many visit-survey answers were written.
    pub async fn backfill_visits(&self, visits: Vec<PastVisit>) -> Result<(usize, usize)> {
        let mut totals = (0, 0);
        for chunk in visits.chunks(500) {
            let chunk = chunk.to_vec();
            let (visits, answers) = self
                .write(move |conn| {
                    let mut counts = (0, 0);
                    for past in &chunk {
                        let (new, answered) = backfill_one(conn, past)?;
                        counts.0 += usize::from(new);
                        counts.1 += usize::from(answered);
                    }
                    Ok(counts)
                })
                .await?;
            totals = (totals.0 + visits, totals.1 + answers);
        }
        Ok(totals)
    }
}

fn backfill_one(conn: &mut dyn Conn, past: &PastVisit) -> Result<(bool, bool)> {
    let at = past.visit.details.visited_at;
    let outcome = record_visit(conn, &past.visit, at)?;
    if !outcome.created {
        return Ok((false, false));
    }
    // The card went out long ago: no email for history.
    conn.execute(
        "UPDATE jobs SET done_at = $1 WHERE kind = 'send_visit_card' AND ref_id = $2 AND done_at IS NULL",
        params![at, outcome.visit.id],
    )?;
    let (Some(invitation), Some((csat, comment, answered_at))) = (outcome.visit.invitation_id, &past.answer) else {
        return Ok((true, false));
    };
    let response_id: i64 = conn.value(
        "INSERT INTO responses (invitation_id, ticket_id, customer_id, channel, csat, nps, effort, comment, reasons,
             automated, agent_id, team_id, category, organization_id, first_answered_at, updated_at, changes)
         SELECT i.id, i.ticket_id, i.customer_id, i.channel, $2, NULL, NULL, $3, '[]', 0,
                i.agent_id, i.team_id, i.category, i.organization_id, $4, $4, 0
         FROM invitations i WHERE i.id = $1
         RETURNING id",
        params![invitation, i64::from(*csat), comment, answered_at],
    )?;
    conn.execute(
        "INSERT INTO response_changes (response_id, csat, changed_at) VALUES ($1, $2, $3)",
        params![response_id, i64::from(*csat), answered_at],
    )?;
    if let Some(counted) = crate::rollups::counted(conn, response_id)? {
        crate::rollups::apply(conn, &counted, 1)?;
    }
    conn.execute(
        "UPDATE invitations SET state = 'answered', updated_at = $1 WHERE id = $2",
        params![answered_at, invitation],
    )?;
    Ok((true, true))
}
