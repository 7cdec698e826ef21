//! Headers every response carries: a strict Content-Security-Policy (scripts only from
//! Rapport itself, no plugins, no framing, no base tag), no MIME sniffing, and no
//! referrer leaving the site (survey links carry tokens).

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// A fresh nonce per response: pages put it on the scripts they include, so a script
/// injected into a page (which cannot know it) does not run.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

pub async fn security_headers(mut request: Request, next: Next) -> Response {
    let nonce = rapport_domain::token::random_hex(16);
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A handler that set its own policy (the sandboxed mail preview) keeps it.
    if headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        return response;
    }
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'; frame-src 'self'; form-action 'self'"
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).expect("hex nonces are valid"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    response
}
