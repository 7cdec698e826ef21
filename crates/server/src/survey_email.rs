//! The survey email: personal, short, one link per face, in the customer's language.
//! Text and HTML come from templates that escape what they insert.

use crate::config::Config;
use crate::i18n::Catalog;
use askama::Template;
use rapport_domain::survey::CsatScale;
use rapport_domain::time::{from_millis, Millis};
use rapport_mail::{Mailbox, OutgoingEmail};
use rapport_store::invitations::SendContext;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyEmailKind {
    Initial,
    Reminder(i64),
}

pub struct Face {
    pub emoji: &'static str,
    pub label: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "email/survey.txt")]
struct SurveyText<'a> {
    m: &'a SurveyMessage,
}

#[derive(Template)]
#[template(path = "email/survey.html")]
struct SurveyHtml<'a> {
    m: &'a SurveyMessage,
}

/// The words of one survey email, already in the customer's language.
pub struct SurveyMessage {
    pub lang: String,
    pub greeting: String,
    pub intro: String,
    pub one_click: String,
    pub faces: Vec<Face>,
    pub expires: String,
    pub thanks: String,
    pub signature: String,
    pub why: String,
    pub unsubscribe: String,
    pub unsubscribe_url: String,
}

pub fn faces(scale: CsatScale) -> &'static [&'static str] {
    match scale {
        CsatScale::Five => &["😠", "🙁", "😐", "🙂", "😄"],
        CsatScale::Three => &["🙁", "😐", "😄"],
    }
}

/// One link per face, best first, each opening the answer page at `base` with that face.
pub fn face_links(lang: &str, scale: CsatScale, base: &str) -> Vec<Face> {
    let scale_key = if scale == CsatScale::Five { "scale5" } else { "scale3" };
    faces(scale)
        .iter()
        .enumerate()
        .map(|(i, emoji)| Face {
            emoji,
            label: Catalog::global().text(lang, &format!("{scale_key}.{}", i + 1), &[]),
            url: format!("{base}?score={}", i + 1),
        })
        .rev()
        .collect()
}

pub fn first_name(name: Option<&str>) -> Option<String> {
    name.and_then(|n| n.split_whitespace().next()).map(str::to_string)
}

/// Builds the email for one invitation and token. `desk` is the desk's name.
pub fn survey_email(
    config: &Config,
    desk: &str,
    default_language: &str,
    context: &SendContext,
    token: &str,
    kind: SurveyEmailKind,
    expires_at: Millis,
) -> anyhow::Result<OutgoingEmail> {
    let catalog = Catalog::global();
    let lang = catalog.negotiate(context.customer_language.as_deref(), default_language).to_string();
    let t = |key: &str, args: &[(&str, &str)]| catalog.text(&lang, key, args);
    let ticket = context.ticket_external_id.as_str();
    let title = context.ticket_title.clone().unwrap_or_default();
    let first = first_name(context.customer_name.as_deref());
    let base = format!("{}/s/{token}", config.public_url);
    let faces = face_links(&lang, context.policy.scale, &base);
    let date = from_millis(expires_at).format("%Y-%m-%d").to_string();
    let intro = match (kind, context.agent_name.as_deref().and_then(|n| first_name(Some(n)))) {
        (SurveyEmailKind::Reminder(_), _) => t("email.intro_reminder", &[("ticket", ticket), ("title", &title)]),
        (_, Some(agent)) => t("email.intro", &[("agent", &agent), ("ticket", ticket), ("title", &title)]),
        (_, None) => t("email.intro_no_agent", &[("ticket", ticket), ("title", &title)]),
    };
    let message = SurveyMessage {
        greeting: match &first {
            Some(name) => t("email.greeting", &[("first_name", name)]),
            None => t("email.greeting_no_name", &[]),
        },
        intro,
        one_click: t("email.one_click", &[]),
        faces,
        expires: t("email.expires", &[("date", &date)]),
        thanks: t("email.thanks", &[]),
        signature: t("email.signature", &[("desk", desk)]),
        why: t("email.why", &[]),
        unsubscribe: t("email.unsubscribe", &[]),
        unsubscribe_url: format!("{base}/opt-out"),
        lang: lang.clone(),
    };
    let subject = match kind {
        SurveyEmailKind::Initial => t("email.subject", &[("ticket", ticket), ("title", &title)]),
        SurveyEmailKind::Reminder(_) => t("email.subject_reminder", &[("ticket", ticket)]),
    };
    let suffix = match kind {
        SurveyEmailKind::Initial => "initial".to_string(),
        SurveyEmailKind::Reminder(n) => format!("reminder{n}"),
    };
    Ok(OutgoingEmail {
        from: Mailbox::new(desk, &config.mail_from),
        to: Mailbox { name: context.customer_name.clone(), address: context.customer_email.clone() },
        subject,
        text: SurveyText { m: &message }.render()?,
        html: SurveyHtml { m: &message }.render()?,
        message_id: format!("survey-{}-{suffix}@{}", context.invitation_id, config.mail_domain()),
        in_reply_to: context.ticket_message_id.clone(),
        list_unsubscribe: Some(message.unsubscribe_url.clone()),
        auto_submitted: true,
        date: from_millis(expires_at - i64::from(context.policy.expiry_days) * 86_400_000),
    })
}
