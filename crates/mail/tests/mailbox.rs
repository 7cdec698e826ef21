//! The mailbox-directory transport.

use chrono::{TimeZone, Utc};
use rapport_mail::{parse_message, Mailbox, MailboxDir, OutgoingEmail, Transport};

fn email(id: &str) -> OutgoingEmail {
    OutgoingEmail {
        from: Mailbox::new("Service Desk", "desk@rapport.example"),
        to: Mailbox::new("Ana Sílva", "ana@customer.example"),
        subject: format!("Survey {id}"),
        text: "How did we do?".to_owned(),
        html: "<p>How did we do?</p>".to_owned(),
        message_id: id.to_owned(),
        in_reply_to: None,
        list_unsubscribe: None,
        auto_submitted: true,
        date: Utc.with_ymd_and_hms(2025, 3, 4, 10, 20, 30).unwrap(),
    }
}

#[tokio::test]
async fn the_mailbox_transport_writes_one_file_per_message_id_and_a_retry_overwrites_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("outbox/new"); // created on first delivery
    let transport = Transport::from_url(&format!("mailbox:{}", dir.display())).unwrap();
    let first = email("inv-1.1@rapport.example").to_bytes().unwrap();
    let second = email("inv-2.1@rapport.example").to_bytes().unwrap();

    for raw in [&first, &second, &first] {
        transport.send("desk@rapport.example", "ana@customer.example", raw).await.unwrap();
    }

    let mailbox = MailboxDir::new(&dir);
    let names: Vec<String> = mailbox.list().into_iter().map(|e| e.file_name).collect();
    assert_eq!(names, ["20250304T102030Z-inv-1.1@rapport.example.eml", "20250304T102030Z-inv-2.1@rapport.example.eml"]);
    assert_eq!(mailbox.read(&names[0]).unwrap(), first);
    let parsed = parse_message(&mailbox.read(&names[1]).unwrap()).unwrap();
    assert_eq!(parsed.subject.as_deref(), Some("Survey inv-2.1@rapport.example"));
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
}

#[tokio::test]
async fn a_plain_path_is_a_mailbox_directory_too() {
    let tmp = tempfile::tempdir().unwrap();
    let transport = Transport::from_url(tmp.path().to_str().unwrap()).unwrap();
    assert!(matches!(&transport, Transport::Mailbox(d) if d.path() == tmp.path()));
    let raw = email("a@b.example").to_bytes().unwrap();
    transport.send("desk@rapport.example", "ana@customer.example", &raw).await.unwrap();
    assert_eq!(MailboxDir::new(tmp.path()).list().len(), 1);
}

#[tokio::test]
async fn the_mailbox_transport_refuses_bad_envelope_addresses_like_smtp_would() {
    let tmp = tempfile::tempdir().unwrap();
    let transport = Transport::Mailbox(MailboxDir::new(tmp.path()));
    let raw = email("a@b.example").to_bytes().unwrap();
    let err = transport.send("desk@rapport.example", "not an address", &raw).await.unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert!(MailboxDir::new(tmp.path()).list().is_empty());
}

#[test]
fn reading_a_mailbox_refuses_anything_but_a_plain_eml_file_name() {
    let tmp = tempfile::tempdir().unwrap();
    let inner = tmp.path().join("box");
    std::fs::create_dir(&inner).unwrap();
    std::fs::write(tmp.path().join("secret.eml"), b"secret").unwrap();
    std::fs::write(inner.join("ok.eml"), b"ok").unwrap();
    std::fs::write(inner.join("notes.txt"), b"no").unwrap();
    std::fs::write(inner.join(".hidden.eml"), b"no").unwrap();

    let mailbox = MailboxDir::new(&inner);
    assert_eq!(mailbox.read("ok.eml").as_deref(), Some(&b"ok"[..]));
    for name in ["../secret.eml", "..%2Fsecret.eml", "notes.txt", ".hidden.eml", "missing.eml"] {
        assert_eq!(mailbox.read(name), None, "{name}");
    }
    let absolute = tmp.path().join("secret.eml");
    assert_eq!(mailbox.read(absolute.to_str().unwrap()), None);
    let listed: Vec<String> = mailbox.list().into_iter().map(|e| e.file_name).collect();
    assert_eq!(listed, ["ok.eml"]);
}

#[test]
fn a_missing_mailbox_directory_lists_as_empty() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(MailboxDir::new(tmp.path().join("nope")).list().is_empty());
}
