//! Alerts to chat channels and the one outbound HTTP call Rapport makes to a URL it did not choose.
//!
//! Two halves:
//!
//! * **Payloads** ([`slack_payload`], [`teams_payload`], [`email_text`]): turn an [`Alert`] (a recovery case, an
//!   escalation, a help request, an overdue digest) into a Slack incoming-webhook message (Block Kit), a Microsoft
//!   Teams *Workflows* message (Adaptive Card 1.4 envelope) or a plain-text email body. Everything in an alert that
//!   came from a customer or an ITSM tool (names, ticket titles, comments) is treated as hostile text: it is escaped
//!   for Slack mrkdwn (`&`, `<`, `>`, so `<!channel>` cannot ping a channel and `<https://evil|x>` cannot disguise
//!   a link), markdown-escaped or put into a markdown-free `TextRun` for Teams, and stripped of control characters.
//!
//! * **Delivery** ([`post_json`], guarded by [`check_url`] and [`is_forbidden`]): webhook URLs are typed in by an
//!   admin, so they are a classic **SSRF** vector: a URL (or a DNS name, or a redirect) pointing at `127.0.0.1`, the
//!   LAN, or the cloud metadata service `169.254.169.254` would let whoever controls the setting make the *server*
//!   reach its own network (see the Formbricks webhook redirect bypass in `shared/research/reliability-security.md`).
//!   So: HTTPS only; no credentials in the URL; IP literals and **every** resolved address are checked against the
//!   forbidden ranges, and the connection goes to exactly the addresses that were checked (no DNS-rebinding gap);
//!   redirects are never followed (a 3xx is a failure); environment proxies are ignored; timeouts are short. Hosts
//!   an admin lists explicitly in [`OutboundPolicy::allowed_hosts`] may be private or loopback (an on-premises chat
//!   server), and only those may use plain `http`.
//!
//! Delivery is at-least-once: the caller's outbox retries with the same `Idempotency-Key`, and uses
//! [`PostError::is_permanent`] to decide between "retry later" and "park and tell the admin".

mod alert;
mod policy;
mod post;
#[cfg(test)]
mod test_server;

pub use alert::{comment_start, email_text, slack_payload, teams_payload, Alert, AlertKind, COMMENT_START_CHARS};
pub use policy::{check_url, check_url_resolving, is_forbidden, OutboundPolicy, UrlRejected, MAX_URL_LEN};
pub use post::{post_json, Delivered, PostError, CONNECT_TIMEOUT, TOTAL_TIMEOUT};
