//! Rollups kept up to date answer by answer must equal a rebuild from the answers, whatever
//! the answers do: first answers, changed scores, added comments, answers flagged as automated
//! (and no longer counted), different teams, agents, categories, organizations and channels.
//! Random sequences from several seeds, on SQLite and on PostgreSQL.

mod common;

use common::{sent_invitation, teams_and_agents, Sent};

use rapport_domain::survey::Answer;
use rapport_domain::time::Millis;
use rapport_domain::token::hash_secret;
use rapport_store::db::Conn;
use rapport_store::invitations::invitation_by_token;
use rapport_store::responses::{save_answer, SaveOutcome};
use rapport_store::rollups::{self, Dimension, Filter, Totals};
use rapport_store::visibility::Visibility;
use rapport_store::{params, Store};

const T0: Millis = 1_790_000_000_000;

/// A small deterministic generator (no dependencies): the same seed, the same answers.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// `count` sent invitations over three teams, four agents, two categories, two organizations
/// and two channels, each with the token `token-<i>`.
fn invitations(conn: &mut dyn Conn, count: i64) -> rapport_store::Result<()> {
    let (teams, agents) = teams_and_agents(conn, 4)?;
    let mut organizations = Vec::new();
    for i in 0..4 {
        organizations.push(conn.value::<i64>(
            "INSERT INTO organizations (name, name_key, created_at) VALUES ($1, $1, 0) RETURNING id",
            params![format!("org{i}")],
        )?);
    }
    for i in 0..count {
        let team = (i % 3 != 0).then(|| teams[(i % 3) as usize]);
        let organization = (i % 2 == 0).then(|| organizations[(i % 4) as usize]);
        let sent = Sent {
            channel: if i % 5 == 0 { "visit_card" } else { "email" },
            agent: Some(agents[(i % 4) as usize]),
            team,
            category: (i % 2 == 0).then_some("Hardware"),
            organization,
            sent_at: T0,
            expires_at: T0 + 400 * 86_400_000,
        };
        let invitation = sent_invitation(conn, i, &sent)?;
        rollups::invited(conn, invitation)?;
    }
    Ok(())
}

async fn answer(store: &Store, token: usize, answer: Answer, now: Millis) {
    let hash = hash_secret(&format!("token-{token}"));
    store
        .write(move |conn| {
            let invitation = invitation_by_token(conn, &hash)?.expect("an invitation");
            save_answer(conn, &invitation, &answer, now).map(drop)
        })
        .await
        .unwrap();
}

async fn rows(store: &Store) -> Vec<(String, Totals)> {
    let mut rows = store.read(rollups::all_rows).await.unwrap();
    rows.extend(store.read(rollups::all_slices).await.unwrap());
    rows
}

on_both_databases! {
    async fn incremental_rollups_equal_a_rebuild_from_the_answers(store: &Store) {
        store.ensure_defaults(T0).await.unwrap();
        store.write(|conn| invitations(conn, 12)).await.unwrap();
        for seed in 1..=6u64 {
            let mut random = Lcg(seed);
            let mut now = T0 + seed as i64 * 86_400_000;
            for _ in 0..40 {
                // Mostly minutes apart; sometimes seconds (fast changes are flagged automated).
                now += if random.next(4) == 0 { 2_000 } else { 60_000 * (1 + random.next(600) as i64) };
                let given = Answer {
                    csat: 1 + random.next(5) as u8,
                    nps: (random.next(2) == 0).then(|| random.next(11) as u8),
                    effort: (random.next(3) == 0).then(|| 1 + random.next(7) as u8),
                    comment: (random.next(3) == 0).then(|| format!("comment {}", random.next(100))),
                    reasons: Vec::new(),
                };
                answer(store, random.next(12) as usize, given, now).await;
            }
            let incremental = rows(store).await;
            store.rebuild_rollups().await.unwrap();
            let rebuilt = rows(store).await;
            assert_eq!(incremental, rebuilt, "seed {seed}: incremental rollups differ from a rebuild");
            let answered: i64 =
                store.read(|conn| conn.value("SELECT COUNT(*) FROM responses WHERE automated = 0", params![])).await.unwrap();
            let cube = store.read(rollups::all_rows).await.unwrap();
            assert_eq!(cube.iter().map(|(_, t)| t.responses).sum::<i64>(), answered);
        }
        let totals = store.read(|conn| rollups::totals(conn, T0, T0 + 400 * 86_400_000)).await.unwrap();
        assert_eq!(totals.csat.iter().sum::<i64>(), totals.responses);
        assert_eq!(totals.invited, 12, "every sent survey counts once, on its sending day");

        // Dashboard reads: per day and per team add up to the totals; a filter narrows.
        let (from, to) = (T0 / 86_400_000, T0 / 86_400_000 + 400);
        let everything = Visibility::everything();
        let filter = Filter::default();
        let (days, teams) = store
            .read(move |conn| {
                let days = rollups::per_day(conn, &filter, &everything, from, to)?;
                let teams = rollups::per_dimension(conn, &filter, &everything, from, to, Dimension::Team)?;
                Ok((days, teams))
            })
            .await
            .unwrap();
        assert_eq!(days.iter().map(|(_, t)| t.responses).sum::<i64>(), totals.responses);
        assert_eq!(teams.iter().map(|(_, t)| t.responses).sum::<i64>(), totals.responses);
        assert_eq!(teams.len(), 3, "two teams and 'none'");
        let (team, expected) = teams.iter().find(|(key, _)| key != "0").cloned().unwrap();
        let only = Filter { team_id: Some(team.parse().unwrap()), ..Filter::default() };
        let narrowed = store
            .read(move |conn| rollups::per_day(conn, &only, &Visibility::everything(), from, to))
            .await
            .unwrap();
        assert_eq!(narrowed.iter().map(|(_, t)| t.responses).sum::<i64>(), expected.responses);
        // The same read through the full rollups (a manager who sees all three teams) agrees
        // with the slice a desk-wide viewer reads.
        let team_id: i64 = team.parse().unwrap();
        let manager = Visibility { everything: false, agent_id: None, team_ids: vec![team_id] };
        let through_cube = store
            .read(move |conn| rollups::per_day(conn, &Filter { team_id: Some(team_id), ..Filter::default() }, &manager, from, to))
            .await
            .unwrap();
        assert_eq!(through_cube, narrowed);
        let agent_only = Visibility { everything: false, agent_id: Some(-1), team_ids: Vec::new() };
        let unseen = store
            .read(move |conn| rollups::per_day(conn, &Filter::default(), &agent_only, from, to))
            .await
            .unwrap();
        assert!(unseen.is_empty(), "what a viewer may not see is not counted for them");
    }
}

on_both_databases! {
    async fn an_answer_that_raced_another_is_a_change_and_counts_once(store: &Store) {
        store.ensure_defaults(T0).await.unwrap();
        store.write(|conn| invitations(conn, 2)).await.unwrap();
        let hash = hash_secret("token-1");
        let now = T0 + 86_400_000;
        let answered = |csat: u8| Answer { csat, nps: Some(9), effort: None, comment: None, reasons: Vec::new() };
        let outcomes = store
            .write(move |conn| {
                // Both read the invitation before either was saved (two instances, on PostgreSQL).
                let stale = invitation_by_token(conn, &hash)?.expect("an invitation");
                let first = save_answer(conn, &stale, &answered(5), now)?;
                let second = save_answer(conn, &stale, &answered(2), now + 600_000)?;
                Ok((first, second))
            })
            .await
            .unwrap();
        assert!(matches!(outcomes.0, SaveOutcome::Saved { first: true, .. }), "{outcomes:?}");
        assert!(matches!(outcomes.1, SaveOutcome::Saved { first: false, .. }), "{outcomes:?}");
        let incremental = rows(store).await;
        store.rebuild_rollups().await.unwrap();
        assert_eq!(incremental, rows(store).await);
        let (responses, csat): (i64, i64) = store
            .read(|conn| {
                let row = conn.query_one("SELECT COUNT(*), MAX(csat) FROM responses", params![])?;
                Ok((row.get(0)?, row.get(1)?))
            })
            .await
            .unwrap();
        assert_eq!((responses, csat), (1, 2));
    }
}
