//! The outbound POST: one attempt, to checked addresses only, no redirects, short timeouts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, CONTENT_TYPE};

use crate::policy::{check_url, resolve, OutboundPolicy, Resolved, UrlRejected};

/// Limit for DNS resolution plus TCP connect (and the TLS handshake's connect phase).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Limit for the whole attempt, from DNS to the response status line and headers.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);

/// The endpoint accepted the message (any 2xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub status: u16,
}

/// Why a POST failed. Messages never contain the URL (webhook URLs are secrets; Slack's carry the token).
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("webhook URL rejected: {0}")]
    Rejected(#[from] UrlRejected),
    /// Any non-2xx answer, including 3xx (redirects are never followed).
    #[error("webhook answered HTTP {0}")]
    Status(u16),
    #[error("webhook timed out")]
    Timeout,
    #[error("webhook request failed: {0}")]
    Network(String),
}

impl PostError {
    /// `true`: retrying will not help, park the message and tell an admin. That is a rejected URL, a redirect
    /// (3xx), and a 4xx other than 408/429 (e.g. Slack's 404 `channel_not_found` / 410 `channel_is_archived`).
    /// `false`: retry with backoff: 5xx, 408, 429, timeouts, network errors, and a failed DNS lookup
    /// (`Rejected(DnsFailed)`, usually a resolver hiccup; the outbox's retry limit ends it if the name is gone).
    pub fn is_permanent(&self) -> bool {
        match self {
            PostError::Rejected(UrlRejected::DnsFailed(_)) => false,
            PostError::Rejected(_) => true,
            PostError::Status(status) => (300..500).contains(status) && *status != 408 && *status != 429,
            PostError::Timeout | PostError::Network(_) => false,
        }
    }
}

/// Knobs the tests turn: shorter timeouts, and an extra trusted root for the local HTTPS server.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) connect: Duration,
    pub(crate) total: Duration,
    pub(crate) extra_roots: Vec<reqwest::Certificate>,
}

impl Default for Options {
    fn default() -> Options {
        Options { connect: CONNECT_TIMEOUT, total: TOTAL_TIMEOUT, extra_roots: Vec::new() }
    }
}

/// POSTs `body` as JSON, once.
///
/// The URL is checked with [`check_url`]; a host name is resolved here and **every** address must pass
/// [`is_forbidden`](crate::is_forbidden) unless the host is in `policy.allowed_hosts`; the connection then goes only to
/// those addresses (the `Host` header and TLS SNI stay the original name). Redirects are not followed (a 3xx is
/// [`PostError::Status`]), environment proxies are ignored, and the attempt is limited to [`CONNECT_TIMEOUT`] for
/// DNS + connect and [`TOTAL_TIMEOUT`] overall. Headers: `Content-Type: application/json`, `User-Agent: Rapport`,
/// `Idempotency-Key: <idempotency_key>`; pass the same key on every retry of one message. Keys made of visible ASCII
/// (a UUID, an outbox row id) are sent unchanged; other bytes are percent-encoded. The response body is not read.
pub async fn post_json(
    url: &str,
    body: &serde_json::Value,
    idempotency_key: &str,
    policy: &OutboundPolicy,
) -> Result<Delivered, PostError> {
    post_json_with(url, body, idempotency_key, policy, &Options::default()).await
}

pub(crate) async fn post_json_with(
    raw_url: &str,
    body: &serde_json::Value,
    idempotency_key: &str,
    policy: &OutboundPolicy,
    options: &Options,
) -> Result<Delivered, PostError> {
    let attempt = async {
        let url = check_url(raw_url, policy)?;
        let resolved =
            tokio::time::timeout(options.connect, resolve(&url, policy)).await.map_err(|_| PostError::Timeout)??;
        let pin = match &resolved {
            Resolved::Literal => None,
            Resolved::Pinned { host, addrs } => Some((host.as_str(), addrs.as_slice())),
        };
        let client = client(pin, options)?;
        let response = client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header("Idempotency-Key", idempotency_header(idempotency_key))
            .json(body)
            .send()
            .await
            .map_err(request_error)?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            Ok(Delivered { status })
        } else {
            Err(PostError::Status(status))
        }
    };
    // reqwest enforces `total` from the request on; this also covers DNS and building the client.
    tokio::time::timeout(options.total, attempt).await.unwrap_or(Err(PostError::Timeout))
}

/// A client for one request: connects only to `pin`'s addresses for `pin`'s host (any other name fails to resolve),
/// no redirects, no proxies, no connection reuse.
pub(crate) fn client(pin: Option<(&str, &[SocketAddr])>, options: &Options) -> Result<reqwest::Client, PostError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(NoDns))
        .connect_timeout(options.connect)
        .timeout(options.total)
        .pool_max_idle_per_host(0)
        .user_agent("Rapport");
    for root in &options.extra_roots {
        builder = builder.add_root_certificate(root.clone());
    }
    if let Some((host, addrs)) = pin {
        builder = builder.resolve_to_addrs(host, addrs);
    }
    builder.build().map_err(|e| PostError::Network(describe(&e)))
}

/// The fallback resolver behind the pinned addresses: refuses every name, so nothing reaches the system resolver
/// after the check (no DNS-rebinding window).
struct NoDns;

impl reqwest::dns::Resolve for NoDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let name = name.as_str().to_owned();
        Box::pin(async move { Err(format!("{name} was not resolved and checked in advance").into()) })
    }
}

fn request_error(e: reqwest::Error) -> PostError {
    if e.is_timeout() {
        PostError::Timeout
    } else {
        PostError::Network(describe(&e))
    }
}

/// The error and its sources, without the URL.
fn describe(e: &reqwest::Error) -> String {
    let mut out = String::new();
    let mut current: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = current {
        let text = err.to_string();
        // reqwest puts the URL into its own Display; the sources (hyper, io) do not carry it.
        let text = match e.url() {
            Some(url) => text.replace(url.as_str(), "<url>"),
            None => text,
        };
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
        current = err.source();
    }
    out
}

/// The key as a header value: unchanged if it is visible ASCII, otherwise with every other byte (and `%`)
/// percent-encoded, so the same key always gives the same header.
fn idempotency_header(key: &str) -> HeaderValue {
    let visible = |b: u8| (0x21..=0x7e).contains(&b);
    if let Some(value) = Some(key).filter(|k| k.bytes().all(visible)).and_then(|k| HeaderValue::from_str(k).ok()) {
        return value;
    }
    let mut encoded = String::with_capacity(key.len() * 3);
    for b in key.bytes() {
        if visible(b) && b != b'%' {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use serde_json::json;

    use super::*;
    use crate::test_server::{Reply, TestServer};

    fn allowing(hosts: &[&str]) -> OutboundPolicy {
        OutboundPolicy { allowed_hosts: hosts.iter().map(|h| h.to_string()).collect() }
    }

    #[tokio::test]
    async fn post_reaches_an_allowed_local_host_with_body_and_headers() {
        let server = TestServer::start(Reply::Status(202)).await;
        let body = json!({"text": "Unhappy customer", "blocks": [{"type": "section"}], "n": 1});
        let policy = allowing(&["127.0.0.1"]);
        let url = server.url("/hooks/abc?x=1");

        let first = post_json(&url, &body, "outbox-42", &policy).await.unwrap();
        let retry = post_json(&url, &body, "outbox-42", &policy).await.unwrap();
        assert_eq!(first, Delivered { status: 202 });
        assert_eq!(retry, Delivered { status: 202 });

        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        for request in &requests {
            assert_eq!(request.method, "POST");
            assert_eq!(request.path, "/hooks/abc?x=1");
            assert_eq!(request.header("content-type"), Some("application/json"));
            assert_eq!(request.header("user-agent"), Some("Rapport"));
            assert_eq!(request.header("idempotency-key"), Some("outbox-42"), "same key on the retry");
            assert_eq!(request.header("host"), Some(format!("127.0.0.1:{}", server.addr.port()).as_str()));
            let received: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            assert_eq!(received, body);
        }
    }

    #[tokio::test]
    async fn local_address_without_allowlist_is_rejected_before_connecting() {
        let server = TestServer::start(Reply::Status(200)).await;
        let port = server.addr.port();
        let policy = OutboundPolicy::default();
        let body = json!({"text": "x"});

        let https = post_json(&format!("https://127.0.0.1:{port}/hook"), &body, "k", &policy).await;
        match https {
            Err(PostError::Rejected(UrlRejected::ForbiddenAddress(ip))) => assert_eq!(ip.to_string(), "127.0.0.1"),
            other => panic!("expected ForbiddenAddress, got {other:?}"),
        }
        let http = post_json(&server.url("/hook"), &body, "k", &policy).await;
        assert!(matches!(http, Err(PostError::Rejected(UrlRejected::NotHttps))), "{http:?}");
        let mapped = post_json(&format!("https://[::ffff:127.0.0.1]:{port}/"), &body, "k", &policy).await;
        assert!(matches!(mapped, Err(PostError::Rejected(UrlRejected::ForbiddenAddress(_)))), "{mapped:?}");
        let private = post_json("https://10.0.0.1/", &body, "k", &policy).await.unwrap_err();
        assert!(private.is_permanent(), "{private:?}");

        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(server.connections(), 0, "the server must not even see a connection");
    }

    #[tokio::test]
    async fn localhost_resolves_to_loopback_and_is_forbidden_unless_allowed() {
        let server = TestServer::start(Reply::Status(200)).await;
        let port = server.addr.port();
        let body = json!({"text": "x"});

        let denied = post_json(&format!("https://localhost:{port}/hook"), &body, "k", &OutboundPolicy::default()).await;
        match &denied {
            Err(PostError::Rejected(UrlRejected::ForbiddenAddress(ip))) => assert!(ip.is_loopback(), "{ip}"),
            other => panic!("expected ForbiddenAddress, got {other:?}"),
        }
        assert!(denied.unwrap_err().is_permanent());
        assert_eq!(server.connections(), 0);

        // Allowed (case-insensitively): resolved here, connected to the checked address, Host header kept.
        let url = format!("http://localhost:{port}/hook");
        let delivered = post_json(&url, &body, "k", &allowing(&["LOCALHOST"])).await.unwrap();
        assert_eq!(delivered.status, 200);
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].header("host"), Some(format!("localhost:{port}").as_str()));
    }

    #[tokio::test]
    async fn connection_goes_to_the_pinned_address_and_other_names_are_not_resolved() {
        let server = TestServer::start(Reply::Status(204)).await;
        let port = server.addr.port();

        // A name that exists nowhere: reachable only through the pin, with its own name in the Host header.
        let pinned = client(Some(("hooks.rapport-test.invalid", &[server.addr])), &Options::default()).unwrap();
        let response = pinned.post(format!("http://hooks.rapport-test.invalid:{port}/p")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 204);
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].header("host"), Some(format!("hooks.rapport-test.invalid:{port}").as_str()));

        // Without a pin, even `localhost` is not resolved: nothing falls through to the system resolver.
        let unpinned = client(None, &Options::default()).unwrap();
        let err = unpinned.post(format!("http://localhost:{port}/p")).send().await.unwrap_err();
        assert!(describe(&err).contains("not resolved and checked in advance"), "{}", describe(&err));
        assert_eq!(server.connections(), 1);
    }

    #[tokio::test]
    async fn https_goes_to_the_checked_address_with_the_original_name_for_sni_and_certificate() {
        let server = TestServer::start_tls(Reply::Status(200)).await;
        let port = server.addr.port();
        let ca = reqwest::Certificate::from_pem(include_bytes!("testdata/ca.pem")).unwrap();
        let options = Options { extra_roots: vec![ca], ..Options::default() };
        let body = json!({"text": "over TLS"});

        // Full path: check, resolve `localhost` here, pin, TLS with SNI `localhost` (the certificate's name).
        let url = format!("https://localhost:{port}/hook");
        let delivered = post_json_with(&url, &body, "k-tls", &allowing(&["localhost"]), &options).await.unwrap();
        assert_eq!(delivered.status, 200);
        // A name that exists nowhere, pinned to the checked address: SNI and Host are still that name.
        let pinned = client(Some(("hooks.rapport-test.invalid", &[server.addr])), &options).unwrap();
        let response = pinned.post(format!("https://hooks.rapport-test.invalid:{port}/p")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);

        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].sni.as_deref(), Some("localhost"));
        assert_eq!(requests[0].header("host"), Some(format!("localhost:{port}").as_str()));
        assert_eq!(requests[0].header("idempotency-key"), Some("k-tls"));
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&requests[0].body).unwrap(), body);
        assert_eq!(requests[1].sni.as_deref(), Some("hooks.rapport-test.invalid"));

        // Without the test CA the certificate is not trusted: a (retryable) network error, nothing sent.
        let untrusted = post_json_with(&url, &body, "k", &allowing(&["localhost"]), &Options::default()).await;
        let err = untrusted.unwrap_err();
        assert!(matches!(err, PostError::Network(_)), "{err:?}");
        assert!(!err.is_permanent());
        assert_eq!(server.requests().len(), 2);
    }

    #[tokio::test]
    async fn redirects_are_failures_and_never_followed() {
        let target = TestServer::start(Reply::Status(200)).await;
        let policy = allowing(&["127.0.0.1"]);
        for status in [301, 302, 303, 307, 308] {
            let server = TestServer::start(Reply::Redirect(status, target.url("/internal"))).await;
            let result = post_json(&server.url("/hook"), &json!({"text": "x"}), "k", &policy).await;
            match result {
                Err(PostError::Status(s)) => assert_eq!(s, status),
                other => panic!("{status}: expected Status, got {other:?}"),
            }
            assert!(result.unwrap_err().is_permanent());
            assert_eq!(server.requests().len(), 1);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(target.connections(), 0, "the redirect target must never be requested");
    }

    #[tokio::test]
    async fn server_errors_are_retried_and_client_errors_are_permanent() {
        let policy = allowing(&["127.0.0.1"]);
        for (status, permanent) in [(500, false), (503, false), (400, true), (404, true), (410, true), (429, false)] {
            let server = TestServer::start(Reply::Status(status)).await;
            let err = post_json(&server.url("/"), &json!({}), "k", &policy).await.unwrap_err();
            assert!(matches!(err, PostError::Status(s) if s == status), "{err:?}");
            assert_eq!(err.is_permanent(), permanent, "{status}");
        }
    }

    #[test]
    fn permanence_table() {
        let permanent = |e: PostError| e.is_permanent();
        assert!(permanent(PostError::Rejected(UrlRejected::NotHttps)));
        assert!(permanent(PostError::Rejected(UrlRejected::ForbiddenAddress("10.0.0.1".parse().unwrap()))));
        assert!(!permanent(PostError::Rejected(UrlRejected::DnsFailed("temporary failure".into()))));
        assert!(permanent(PostError::Status(302)));
        assert!(permanent(PostError::Status(401)));
        assert!(permanent(PostError::Status(403)));
        assert!(!permanent(PostError::Status(408)));
        assert!(!permanent(PostError::Status(429)));
        assert!(!permanent(PostError::Status(500)));
        assert!(!permanent(PostError::Status(502)));
        assert!(!permanent(PostError::Timeout));
        assert!(!permanent(PostError::Network("connection reset".into())));
    }

    #[tokio::test]
    async fn a_server_that_never_answers_times_out() {
        let server = TestServer::start(Reply::Never).await;
        let options =
            Options { connect: Duration::from_millis(500), total: Duration::from_millis(700), ..Options::default() };
        let started = Instant::now();
        let result = post_json_with(&server.url("/"), &json!({}), "k", &allowing(&["127.0.0.1"]), &options).await;
        let elapsed = started.elapsed();
        assert!(matches!(result, Err(PostError::Timeout)), "{result:?}");
        assert!(!result.unwrap_err().is_permanent());
        assert!(elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(3), "{elapsed:?}");
        assert_eq!(server.requests().len(), 1, "the request was sent, the answer never came");
    }

    #[tokio::test]
    async fn refused_connection_is_a_retryable_network_error() {
        let port = {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("http://127.0.0.1:{port}/secret-token-path");
        let err = post_json(&url, &json!({}), "k", &allowing(&["127.0.0.1"])).await.unwrap_err();
        assert!(matches!(err, PostError::Network(_)), "{err:?}");
        assert!(!err.is_permanent());
        assert!(!err.to_string().contains("secret-token-path"), "the URL must not leak into errors: {err}");
    }

    #[tokio::test]
    async fn unresolvable_name_is_retryable() {
        let options =
            Options { connect: Duration::from_millis(1500), total: Duration::from_secs(2), ..Options::default() };
        let url = "https://no-such-host.rapport-test.invalid/hook";
        let err = post_json_with(url, &json!({}), "k", &OutboundPolicy::default(), &options).await.unwrap_err();
        assert!(matches!(err, PostError::Rejected(UrlRejected::DnsFailed(_)) | PostError::Timeout), "{err:?}");
        assert!(!err.is_permanent());
    }

    #[test]
    fn idempotency_key_header_values() {
        assert_eq!(idempotency_header("0b6f6c3e-4a8e-4c4e-9d0b-2f7f0c1b5a11"), "0b6f6c3e-4a8e-4c4e-9d0b-2f7f0c1b5a11");
        assert_eq!(idempotency_header("a b\r\nX: y"), "a%20b%0D%0AX:%20y");
        assert_eq!(idempotency_header("ção"), "%C3%A7%C3%A3o");
        assert_eq!(idempotency_header("100%"), "100%");
        assert_eq!(idempotency_header("100% é"), "100%25%20%C3%A9");
    }
}
