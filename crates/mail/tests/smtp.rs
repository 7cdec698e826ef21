//! Delivery over SMTP to the crate's own SMTP sink.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rapport_mail::{parse_message, MailError, Mailbox, OutgoingEmail, SmtpSink, Transport};

const WAIT: Duration = Duration::from_secs(10);

fn email(n: usize) -> OutgoingEmail {
    OutgoingEmail {
        from: Mailbox::new("Jürgen", "desk@rapport.example"),
        to: Mailbox::new("Ana Sílva", format!("customer{n}@customer.example")),
        subject: format!("Wie war unser Service? #{n}"),
        // A line holding only a dot, and one starting with dots, exercise dot-stuffing.
        text: format!("Hello,\n.\n..leading dots\nSurvey {n}\n"),
        html: format!("<p>Survey {n}</p>\n.\n"),
        message_id: format!("inv-{n}.1@rapport.example"),
        in_reply_to: None,
        list_unsubscribe: Some(format!("https://rapport.example/u/{n}")),
        auto_submitted: true,
        date: Utc.with_ymd_and_hms(2025, 3, 4, 10, 20, 30).unwrap(),
    }
}

#[tokio::test]
async fn three_messages_arrive_byte_identical_with_their_envelopes() {
    let sink = SmtpSink::start().await;
    let transport = Transport::from_url(&format!("smtp://127.0.0.1:{}", sink.address.port())).unwrap();
    let mut sent = Vec::new();
    for n in 0..3 {
        let raw = email(n).to_bytes().unwrap();
        let to = format!("customer{n}@customer.example");
        transport.send("bounces+inv-1@rapport.example", &to, &raw).await.unwrap();
        sent.push((to, raw));
    }

    let received = sink.wait_for(3, WAIT).await;
    assert_eq!(received.len(), 3);
    for ((to, raw), got) in sent.iter().zip(&received) {
        assert_eq!(got.from, "bounces+inv-1@rapport.example");
        assert_eq!(got.to, std::slice::from_ref(to));
        assert_eq!(got.auth_user, None);
        assert!(got.data == *raw, "the bytes changed on the way");
    }
    assert_eq!(sink.connections(), 1, "one session serves messages sent one after another");
    let parsed = parse_message(&received[2].data).unwrap();
    assert_eq!(parsed.message_id.as_deref(), Some("inv-2.1@rapport.example"));
    assert_eq!(parsed.text.as_deref(), Some("Hello,\n.\n..leading dots\nSurvey 2\n"));
}

#[tokio::test]
async fn a_4xx_answer_is_a_transient_error_and_the_retry_goes_through() {
    let sink = SmtpSink::start().await;
    let transport = Transport::from_url(&sink.url()).unwrap();
    let raw = email(1).to_bytes().unwrap();

    sink.fail_next(1, 451);
    let err = transport.send("desk@rapport.example", "ana@customer.example", &raw).await.unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert_eq!(err.smtp_code(), Some(451));
    assert!(matches!(err, MailError::SmtpTransient { .. }));
    assert!(sink.messages().is_empty());

    transport.send("desk@rapport.example", "ana@customer.example", &raw).await.unwrap();
    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    assert!(received[0].data == raw);
}

#[tokio::test]
async fn a_5xx_answer_is_a_permanent_error() {
    let sink = SmtpSink::start().await;
    let transport = Transport::from_url(&sink.url()).unwrap();
    sink.fail_next(1, 550);
    let err = transport
        .send("desk@rapport.example", "ana@customer.example", &email(1).to_bytes().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert_eq!(err.smtp_code(), Some(550));
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_refused_connection_is_a_transient_error() {
    // A port that was free a moment ago and has no listener now.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let transport = Transport::from_url(&format!("smtp://127.0.0.1:{port}?timeout_secs=5")).unwrap();
    let err = transport
        .send("desk@rapport.example", "ana@customer.example", &email(1).to_bytes().unwrap())
        .await
        .unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert_eq!(err.smtp_code(), None);
    assert!(err.to_string().to_lowercase().contains("refused"), "{err}");
}

#[tokio::test]
async fn a_server_that_stops_answering_times_out_as_a_transient_error() {
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let transport = Transport::from_url(&format!("smtp://127.0.0.1:{port}?timeout_secs=1")).unwrap();
    let started = Instant::now();
    let err = transport
        .send("desk@rapport.example", "ana@customer.example", &email(1).to_bytes().unwrap())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!err.is_permanent(), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn starttls_that_the_server_does_not_offer_fails_instead_of_sending_in_clear() {
    let sink = SmtpSink::start().await;
    let transport = Transport::from_url(&format!("{}?tls=starttls", sink.url())).unwrap();
    let err = transport
        .send("desk@rapport.example", "ana@customer.example", &email(1).to_bytes().unwrap())
        .await
        .unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert!(err.to_string().to_lowercase().contains("starttls"), "{err}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_bad_envelope_address_is_a_permanent_error_without_connecting() {
    let sink = SmtpSink::start().await;
    let transport = Transport::from_url(&sink.url()).unwrap();
    let raw = email(1).to_bytes().unwrap();
    for (from, to) in [
        ("desk@rapport.example", "ana@customer.example>\r\nRCPT TO:<evil@x.example"),
        ("desk@rapport.example\r\nRSET", "ana@customer.example"),
        ("desk@rapport.example", "nobody"),
    ] {
        let err = transport.send(from, to, &raw).await.unwrap_err();
        assert!(matches!(err, MailError::InvalidAddress(_)), "{err}");
        assert!(err.is_permanent());
    }
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn credentials_in_the_url_are_used_for_auth() {
    let sink = SmtpSink::start().await;
    let url = format!("smtp://desk%40corp:s3cret@127.0.0.1:{}", sink.address.port());
    let transport = Transport::from_url(&url).unwrap();
    transport.send("desk@rapport.example", "ana@customer.example", &email(1).to_bytes().unwrap()).await.unwrap();
    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received[0].auth_user.as_deref(), Some("desk@corp"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_messages_share_pooled_connections() {
    const COUNT: usize = 500;
    let sink = SmtpSink::start().await;
    let transport = std::sync::Arc::new(Transport::from_url(&sink.url()).unwrap());
    let raw = std::sync::Arc::new(email(7).to_bytes().unwrap());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..COUNT {
        let (transport, raw) = (transport.clone(), raw.clone());
        tasks.spawn(async move {
            let to = format!("c{n}@customer.example");
            transport.send("desk@rapport.example", &to, &raw).await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    let received = sink.wait_for(COUNT, WAIT).await;
    assert_eq!(received.len(), COUNT);
    assert!(received.iter().all(|m| m.data == *raw));
    // At most 10 sessions at once (the default pool size), reused between messages.
    eprintln!("{} connections", sink.connections());
    assert!(sink.connections() <= 10, "{} connections", sink.connections());
    eprintln!("{COUNT} messages in {elapsed:?} ({:.0}/s)", COUNT as f64 / elapsed.as_secs_f64());
}
