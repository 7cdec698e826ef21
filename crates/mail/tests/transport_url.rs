//! Reading transport URLs.

use std::time::Duration;

use rapport_mail::{MailError, SmtpConfig, TlsMode, Transport};

fn smtp(url: &str) -> SmtpConfig {
    match Transport::from_url(url) {
        Ok(Transport::Smtp(s)) => s.config().clone(),
        other => panic!("{url}: {other:?}"),
    }
}

#[test]
fn smtp_urls_give_host_port_tls_credentials_and_limits() {
    let c = smtp("smtp://127.0.0.1:2525");
    assert_eq!((c.host.as_str(), c.port, c.tls), ("127.0.0.1", 2525, TlsMode::None));
    assert_eq!(c.credentials, None);
    assert_eq!(c.timeout, Duration::from_secs(30));
    assert_eq!(c.pool_size, 10);

    assert_eq!(smtp("smtp://mail.example").port, 25);
    assert_eq!(smtp("SMTP://mail.example").port, 25);
    assert_eq!(smtp("smtp://mail.example/").port, 25);
    assert_eq!(smtp("smtp://mail.example?tls=none").tls, TlsMode::None);
    assert_eq!(smtp("smtp://mail.example:587?tls=starttls").tls, TlsMode::StartTls);
    assert_eq!(smtp("smtp://mail.example:587?tls=required").tls, TlsMode::StartTls);

    let c = smtp("smtps://mail.example");
    assert_eq!((c.port, c.tls), (465, TlsMode::Implicit));
    assert_eq!(smtp("smtps://mail.example:2465?tls=required").port, 2465);

    let c = smtp("smtp://desk%40corp:p%3Ass%20w@mail.example:587?tls=starttls&timeout_secs=5&pool_size=4");
    assert_eq!(c.credentials, Some(("desk@corp".to_owned(), "p:ss w".to_owned())));
    assert_eq!(c.timeout, Duration::from_secs(5));
    assert_eq!(c.pool_size, 4);

    assert_eq!(smtp("smtp://[::1]:2525").host, "::1");
}

#[test]
fn smtp_urls_print_without_their_password() {
    let t = Transport::from_url("smtp://desk:hunter2@mail.example:587?tls=starttls").unwrap();
    let shown = format!("{t} {t:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("smtp://desk:***@mail.example:587?tls=starttls"), "{shown}");
    let err = Transport::from_url("smtp://desk:hunter2@mail.example?tls=maybe").unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn mailbox_urls_and_plain_paths_name_a_directory() {
    for (url, path) in [
        ("mailbox:/var/spool/rapport", "/var/spool/rapport"),
        ("mailbox:///var/spool/rapport", "/var/spool/rapport"),
        ("mailbox:outbox", "outbox"),
        ("/var/spool/rapport", "/var/spool/rapport"),
        ("./outbox", "./outbox"),
        ("outbox", "outbox"),
    ] {
        match Transport::from_url(url) {
            Ok(Transport::Mailbox(d)) => assert_eq!(d.path(), std::path::Path::new(path)),
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[test]
fn bad_transport_urls_are_refused_with_the_reason() {
    for (url, reason) in [
        ("", "empty"),
        ("mailbox:", "no directory"),
        ("http://mail.example", "unknown scheme"),
        ("smtp://", "no host"),
        ("smtp://mail.example:99999", "port"),
        ("smtp://mail.example/path", "path"),
        ("smtp://mail.example?tls=opportunistic", "tls=opportunistic"),
        ("smtp://mail.example?tls=", "tls="),
        ("smtps://mail.example?tls=none", "contradicts"),
        ("smtps://mail.example?tls=starttls", "contradicts"),
        ("smtp://mail.example?timeout_secs=0", "timeout_secs"),
        ("smtp://mail.example?timeout_secs=soon", "timeout_secs"),
        ("smtp://mail.example?pool_size=0", "pool_size"),
        ("smtp://mail.example?verify=no", "unknown parameter"),
        ("smtp://user@mail.example", "user and password"),
        ("smtp://:pw@mail.example", "user and password"),
    ] {
        match Transport::from_url(url) {
            Err(e @ MailError::InvalidTransportUrl { .. }) => {
                assert!(e.to_string().contains(reason), "{url}: {e}");
                assert!(!e.is_permanent(), "a configuration error is not the message's fault");
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}
