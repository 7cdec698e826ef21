//! Postcard one by email: "We visited your desk at 10:42 — status: waiting for parts —
//! next step: … — Tom", with a link to the ticket's status page and, when the visit has a
//! survey, one link per face. Personal, short, in the customer's language.

use crate::config::Config;
use crate::desk::Desk;
use crate::i18n::Catalog;
use crate::survey_email::{face_links, first_name, Face};
use askama::Template;
use rapport_domain::survey::CsatScale;
use rapport_domain::time::{from_millis, Millis};
use rapport_domain::visit::first_name as technician_first_name;
use rapport_mail::{Mailbox, OutgoingEmail};
use rapport_store::visits::{CardLinks, VisitRecord};

pub struct VisitMessage {
    pub lang: String,
    pub greeting: String,
    pub intro: String,
    pub status_line: String,
    pub next_step_line: Option<String>,
    pub note_line: Option<String>,
    pub follow: String,
    pub status_url: String,
    pub survey: Option<String>,
    pub faces: Vec<Face>,
    pub signature: String,
    pub why: String,
    pub unsubscribe: String,
    pub unsubscribe_url: Option<String>,
}

#[derive(Template)]
#[template(path = "email/visit.txt")]
struct VisitText<'a> {
    m: &'a VisitMessage,
}

#[derive(Template)]
#[template(path = "email/visit.html")]
struct VisitHtml<'a> {
    m: &'a VisitMessage,
}

/// The translated label of a visit status (`waiting_for_parts` → "Waiting for parts").
pub fn status_label(lang: &str, status: &str) -> String {
    Catalog::global().text(lang, &format!("visit_status.{status}"), &[])
}

pub fn visit_email(
    config: &Config,
    desk: &Desk,
    visit: &VisitRecord,
    links: &CardLinks,
    scale: CsatScale,
    now: Millis,
) -> anyhow::Result<OutgoingEmail> {
    let catalog = Catalog::global();
    let lang = catalog.negotiate(visit.customer_language.as_deref(), &desk.default_language).to_string();
    let t = |key: &str, args: &[(&str, &str)]| catalog.text(&lang, key, args);
    let ticket = visit.ticket_external_id.as_str();
    let title = visit.ticket_title.clone().unwrap_or_default();
    let technician = technician_first_name(&visit.technician_name).to_string();
    let (_, time) = desk.date_and_time(visit.visited_at);
    let status = status_label(&lang, &visit.status);
    let intro_key = if visit.customer_away { "visit.intro_away" } else { "visit.intro" };
    let survey_base = links.survey_token.as_ref().map(|token| format!("{}/s/{token}", config.public_url));
    let faces = match &survey_base {
        None => Vec::new(),
        Some(base) => face_links(&lang, scale, base),
    };
    let message = VisitMessage {
        greeting: match first_name(visit.customer_name.as_deref()) {
            Some(name) => t("email.greeting", &[("first_name", &name)]),
            None => t("email.greeting_no_name", &[]),
        },
        intro: t(intro_key, &[("technician", &technician), ("time", &time), ("ticket", ticket), ("title", &title)]),
        status_line: t("visit.status_line", &[("status", &status)]),
        next_step_line: visit.next_step.as_deref().map(|s| t("visit.next_step_line", &[("next_step", s)])),
        note_line: visit.note.as_deref().map(|n| t("visit.note_line", &[("note", n)])),
        follow: t("visit.follow", &[]),
        status_url: format!("{}/t/{}", config.public_url, links.status_token),
        survey: survey_base.as_ref().map(|_| t("visit.survey", &[])),
        faces,
        signature: t("visit.signature", &[("name", &technician)]),
        why: t("visit.why", &[]),
        unsubscribe: t("email.unsubscribe", &[]),
        unsubscribe_url: survey_base.map(|base| format!("{base}/opt-out")),
        lang: lang.clone(),
    };
    Ok(OutgoingEmail {
        from: Mailbox::new(&desk.name, &config.mail_from),
        to: Mailbox { name: visit.customer_name.clone(), address: visit.customer_email.clone().unwrap_or_default() },
        subject: t("visit.subject", &[("ticket", ticket), ("status", &status)]),
        text: VisitText { m: &message }.render()?,
        html: VisitHtml { m: &message }.render()?,
        message_id: format!("visit-{}@{}", visit.id, config.mail_domain()),
        in_reply_to: None,
        list_unsubscribe: message.unsubscribe_url.clone(),
        auto_submitted: true,
        date: from_millis(now),
    })
}
