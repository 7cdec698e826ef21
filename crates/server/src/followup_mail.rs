//! The messages follow-ups send, all through the outbox in the transaction that caused
//! them: alerts to owners and managers (email, Slack, Microsoft Teams), and to customers
//! the acknowledgement of a complaint, the check-in and the recovery survey.
//! Each has an idempotency key, so a job that runs twice sends once.

use crate::config::Config;
use crate::desk::Desk;
use crate::i18n::Catalog;
use askama::Template;
use rapport_domain::followup::{fill_acknowledgement, FollowUpRules};
use rapport_domain::time::{from_millis, Millis};
use rapport_domain::token::{hash_secret, random_hex};
use rapport_mail::{Mailbox, OutgoingEmail};
use rapport_store::db::Conn;
use rapport_store::followups::{self, FollowUp};
use rapport_store::outbox::{self, NewMessage};
use rapport_store::settings::{setting, ALERT_SLACK_URL, ALERT_TEAMS_URL};
use rapport_store::StoreError;
use rapport_webhooks::{comment_start, email_text, slack_payload, teams_payload, Alert, AlertKind};

/// A short email: paragraphs, a row of links, a footer.
pub struct Notice {
    pub lang: String,
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub links: Vec<(String, String)>,
    pub footer: String,
}

#[derive(Template)]
#[template(path = "email/notice.txt")]
struct NoticeText<'a> {
    m: &'a Notice,
}

#[derive(Template)]
#[template(path = "email/notice.html")]
struct NoticeHtml<'a> {
    m: &'a Notice,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// Writes an email to the outbox (once per `key`).
fn enqueue_email(
    conn: &mut dyn Conn,
    config: &Config,
    desk: &Desk,
    to: Mailbox,
    notice: &Notice,
    key: &str,
    now: Millis,
) -> rapport_store::Result<()> {
    let email = OutgoingEmail {
        from: Mailbox::new(&desk.name, &config.mail_from),
        to: to.clone(),
        subject: notice.subject.clone(),
        text: NoticeText { m: notice }.render().map_err(|e| corrupt("rendering an email", e))?,
        html: NoticeHtml { m: notice }.render().map_err(|e| corrupt("rendering an email", e))?,
        // Stable per message (a resend has the same id), and a valid dot-atom whatever the key holds.
        message_id: format!("follow-up-{}@{}", &hash_secret(key)[..32], config.mail_domain()),
        in_reply_to: None,
        list_unsubscribe: None,
        auto_submitted: true,
        date: from_millis(now),
    };
    let raw = email.to_bytes().map_err(|e| corrupt("building an email", e))?;
    let message = NewMessage {
        kind: "email".into(),
        idempotency_key: key.to_string(),
        sender: config.mail_from.clone(),
        recipient: to.address,
        subject: email.subject,
        body: String::from_utf8_lossy(&raw).into_owned(),
    };
    outbox::enqueue(conn, &message, now)
}

/// The case page's address.
pub fn case_link(config: &Config, id: i64) -> String {
    format!("{}/follow-ups/{id}", config.public_url)
}

fn alert_for(config: &Config, desk: &Desk, f: &FollowUp, kind: AlertKind) -> Alert {
    let customer = f.customer_name.clone().unwrap_or_else(|| f.customer_email.clone());
    let title = match kind {
        AlertKind::Recovery => format!("Unhappy customer: {customer} (ticket {})", f.ticket_external_id),
        AlertKind::Escalation => format!("Overdue recovery case: {customer} (ticket {})", f.ticket_external_id),
        AlertKind::HelpRequested => format!("{customer} asks for help (ticket {})", f.ticket_external_id),
        AlertKind::OverdueDigest => "Overdue recovery cases".to_string(),
    };
    let score = match f.nps {
        Some(nps) => format!("{}/5 · NPS {nps}", f.csat),
        None => format!("{}/5", f.csat),
    };
    Alert {
        kind,
        title,
        score: Some(score),
        comment_start: f.comment.as_deref().and_then(comment_start),
        customer,
        ticket: format!("{} {}", f.ticket_external_id, f.ticket_title.clone().unwrap_or_default()).trim().to_string(),
        owner: f.owner_name.clone().or_else(|| f.owner_queue.clone()).unwrap_or_else(|| "Unassigned".into()),
        due: f.due_at.map(|due| desk.format(due)),
        link: case_link(config, f.id),
    }
}

/// Alerts people about a follow-up: by email (`to`), and in the desk's Slack and Teams
/// channels when configured. One outbox row per channel, keyed by follow-up and `why`.
pub fn alert(
    conn: &mut dyn Conn,
    config: &Config,
    desk: &Desk,
    f: &FollowUp,
    kind: AlertKind,
    to: &[(String, String)],
    now: Millis,
) -> rapport_store::Result<()> {
    let alert = alert_for(config, desk, f, kind);
    let why = kind.as_str();
    for (name, email) in to {
        let notice = Notice {
            lang: "en".into(),
            subject: alert.title.clone(),
            paragraphs: vec![email_text(&alert)],
            links: vec![("Open the case".into(), alert.link.clone())],
            footer: format!("Sent by Rapport for {}.", desk.name),
        };
        let mailbox = Mailbox { name: Some(name.clone()), address: email.clone() };
        enqueue_email(conn, config, desk, mailbox, &notice, &format!("follow-up:{}:{why}:{email}", f.id), now)?;
    }
    for (setting_key, kind_name, payload) in
        [(ALERT_SLACK_URL, "slack", slack_payload(&alert)), (ALERT_TEAMS_URL, "teams", teams_payload(&alert))]
    {
        let Some(url) = setting(conn, setting_key)?.filter(|u| !u.trim().is_empty()) else { continue };
        let message = NewMessage {
            kind: kind_name.into(),
            idempotency_key: format!("follow-up:{}:{why}:{kind_name}", f.id),
            sender: String::new(),
            recipient: url,
            subject: alert.title.clone(),
            body: payload.to_string(),
        };
        outbox::enqueue(conn, &message, now)?;
    }
    Ok(())
}

fn customer_lang(desk: &Desk, f: &FollowUp) -> String {
    Catalog::global().negotiate(f.customer_language.as_deref(), &desk.default_language).to_string()
}

fn customer_box(f: &FollowUp) -> Mailbox {
    Mailbox { name: f.customer_name.clone(), address: f.customer_email.clone() }
}

/// "Thank you for telling us … Tom will contact you by Monday 12:00."
pub fn acknowledge(
    conn: &mut dyn Conn,
    config: &Config,
    desk: &Desk,
    f: &FollowUp,
    rules: &FollowUpRules,
    now: Millis,
) -> rapport_store::Result<()> {
    let lang = customer_lang(desk, f);
    let t = |key: &str, args: &[(&str, &str)]| Catalog::global().text(&lang, key, args);
    let ticket = f.ticket_external_id.as_str();
    let due = f.first_contact_due.map(|d| desk.format(d)).unwrap_or_default();
    let owner = f.owner_name.as_deref().map(rapport_domain::visit::first_name);
    let title = f.ticket_title.as_deref().unwrap_or_default();
    let paragraphs = match &rules.acknowledgement {
        // The desk's own words: one paragraph per blank line.
        Some(template) => {
            let first = f.customer_name.as_deref().map(rapport_domain::visit::first_name).unwrap_or_default();
            let values = [
                ("first_name", first),
                ("ticket", ticket),
                ("title", title),
                ("owner", owner.unwrap_or_default()),
                ("due", due.as_str()),
                ("desk", desk.name.as_str()),
            ];
            let text = fill_acknowledgement(template, &values);
            text.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
        }
        None => vec![
            t("followup.ack_body", &[("ticket", ticket), ("title", title)]),
            match owner {
                Some(owner) => t("followup.ack_owner", &[("owner", owner), ("due", &due)]),
                None => t("followup.ack_queue", &[("due", &due)]),
            },
            desk.name.clone(),
        ],
    };
    let notice = Notice {
        subject: t("followup.ack_subject", &[("ticket", ticket)]),
        paragraphs,
        links: Vec::new(),
        footer: t("followup.why", &[]),
        lang: lang.clone(),
    };
    enqueue_email(conn, config, desk, customer_box(f), &notice, &format!("follow-up:{}:acknowledgement", f.id), now)
}

/// A link for the customer to this follow-up (only its hash is kept).
fn customer_link(
    conn: &mut dyn Conn,
    config: &Config,
    f: &FollowUp,
    purpose: &str,
    now: Millis,
) -> rapport_store::Result<String> {
    let token = random_hex(16);
    followups::add_token(conn, f.id, &hash_secret(&token), purpose, now)?;
    Ok(format!("{}/f/{token}", config.public_url))
}

/// The check-in the agent wrote (or the default one), with "All good" / "I need help".
pub fn check_in(
    conn: &mut dyn Conn,
    config: &Config,
    desk: &Desk,
    f: &FollowUp,
    message: &str,
    now: Millis,
) -> rapport_store::Result<()> {
    let lang = customer_lang(desk, f);
    let t = |key: &str| Catalog::global().text(&lang, key, &[]);
    let link = customer_link(conn, config, f, "check_in", now)?;
    let notice = Notice {
        subject: Catalog::global().text(&lang, "followup.checkin_subject", &[("ticket", &f.ticket_external_id)]),
        paragraphs: vec![message.to_string(), t("followup.checkin_prompt")],
        links: vec![
            (t("followup.all_good"), format!("{link}?reply=all_good")),
            (t("followup.need_help"), format!("{link}?reply=need_help")),
        ],
        footer: t("followup.why"),
        lang: lang.clone(),
    };
    enqueue_email(conn, config, desk, customer_box(f), &notice, &format!("follow-up:{}:check-in", f.id), now)
}

/// One question after a recovery case closes: how well we handled the concern.
pub fn recovery_survey(
    conn: &mut dyn Conn,
    config: &Config,
    desk: &Desk,
    f: &FollowUp,
    now: Millis,
) -> rapport_store::Result<()> {
    let lang = customer_lang(desk, f);
    let catalog = Catalog::global();
    let link = customer_link(conn, config, f, "recovery_survey", now)?;
    let faces = crate::survey_email::faces(rapport_domain::survey::CsatScale::Five);
    let links = (1..=5)
        .rev()
        .map(|score: usize| {
            let label = format!("{} {}", faces[score - 1], catalog.text(&lang, &format!("scale5.{score}"), &[]));
            (label, format!("{link}?score={score}"))
        })
        .collect();
    let ticket = f.ticket_external_id.as_str();
    let notice = Notice {
        subject: catalog.text(&lang, "followup.recovery_subject", &[("ticket", ticket)]),
        paragraphs: vec![catalog.text(&lang, "followup.recovery_question", &[("ticket", ticket)])],
        links,
        footer: catalog.text(&lang, "followup.why", &[]),
        lang: lang.clone(),
    };
    enqueue_email(conn, config, desk, customer_box(f), &notice, &format!("follow-up:{}:recovery-survey", f.id), now)
}

/// The managers' daily list of overdue recovery cases in their team.
pub fn overdue_digest(
    conn: &mut dyn Conn,
    config: &Config,
    desk: &Desk,
    manager: &(String, String),
    cases: &[FollowUp],
    day: &str,
    now: Millis,
) -> rapport_store::Result<()> {
    let mut paragraphs = vec![format!("{} recovery case(s) in your team are overdue:", cases.len())];
    for f in cases {
        let alert = alert_for(config, desk, f, AlertKind::Escalation);
        paragraphs.push(format!(
            "{} — {} — owner {} — due {}\n{}",
            alert.customer,
            alert.ticket,
            alert.owner,
            alert.due.unwrap_or_default(),
            alert.link
        ));
    }
    let notice = Notice {
        lang: "en".into(),
        subject: format!("Overdue recovery cases ({day})"),
        paragraphs,
        links: vec![("Overdue follow-ups".into(), format!("{}/follow-ups?queue=overdue", config.public_url))],
        footer: format!("Sent by Rapport for {} every morning while cases are overdue.", desk.name),
    };
    let mailbox = Mailbox { name: Some(manager.0.clone()), address: manager.1.clone() };
    enqueue_email(conn, config, desk, mailbox, &notice, &format!("digest:{day}:{}", manager.1), now)
}
