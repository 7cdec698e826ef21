//! Building messages, reading them back, and keeping header injection out.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use rapport_mail::{parse_message, MailError, Mailbox, OutgoingEmail};

fn sample() -> OutgoingEmail {
    OutgoingEmail {
        from: Mailbox::new("Jürgen from the Service Desk", "desk@rapport.example"),
        to: Mailbox::new("Ana Sílva", "ana.silva@customer.example"),
        subject: "Wie zufrieden waren Sie? Ticket #42 – «Drucker»".to_owned(),
        text: "Hello Ana,\n\nHow did we do? https://rapport.example/s/abc\n.\nThanks — Jürgen\n".to_owned(),
        html: "<p>Hello Ana,</p>\n<p><a href=\"https://rapport.example/s/abc\">Rate us</a></p>\n".to_owned(),
        message_id: "inv-42.1@rapport.example".to_owned(),
        in_reply_to: Some("<CAF=abc+123@mail.customer.example>".to_owned()),
        list_unsubscribe: Some("https://rapport.example/unsubscribe/abc?x=1".to_owned()),
        auto_submitted: true,
        date: Utc.with_ymd_and_hms(2025, 3, 4, 10, 20, 30).unwrap(),
    }
}

/// The header section's lines, with folded continuation lines joined to their header.
fn header_lines(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8(raw.to_vec()).expect("built messages are ASCII");
    let (head, _) = text.split_once("\r\n\r\n").expect("a blank line ends the headers");
    let mut lines: Vec<String> = Vec::new();
    for line in head.split("\r\n") {
        assert!(!line.contains(['\r', '\n']), "bare CR or LF in header line {line:?}");
        if line.starts_with([' ', '\t']) {
            lines.last_mut().expect("no continuation first").push_str(line);
        } else {
            lines.push(line.to_owned());
        }
    }
    lines
}

fn header_names(raw: &[u8]) -> Vec<String> {
    header_lines(raw).iter().map(|l| l.split_once(':').expect("a header line has a colon").0.to_owned()).collect()
}

const ALL_HEADERS: [&str; 12] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
    "Content-Type",
];

#[test]
fn a_built_message_parses_back_with_its_headers_and_both_bodies() {
    let email = sample();
    let raw = email.to_bytes().unwrap();
    assert_eq!(header_names(&raw), ALL_HEADERS);

    let parsed = parse_message(&raw).unwrap();
    assert_eq!(parsed.from, Some(email.from.clone()));
    assert_eq!(parsed.to, vec![email.to.clone()]);
    assert_eq!(parsed.subject.as_deref(), Some(email.subject.as_str()));
    assert_eq!(parsed.header("subject"), Some(email.subject.as_str()));
    assert_eq!(parsed.message_id.as_deref(), Some("inv-42.1@rapport.example"));
    assert_eq!(parsed.header("Message-ID"), Some("<inv-42.1@rapport.example>"));
    assert_eq!(parsed.header("In-Reply-To"), Some("<CAF=abc+123@mail.customer.example>"));
    assert_eq!(parsed.header("References"), Some("<CAF=abc+123@mail.customer.example>"));
    assert_eq!(parsed.header("Date"), Some("Tue, 04 Mar 2025 10:20:30 +0000"));
    assert_eq!(parsed.header("MIME-Version"), Some("1.0"));
    assert_eq!(parsed.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(parsed.header("List-Unsubscribe"), Some("<https://rapport.example/unsubscribe/abc?x=1>"));
    assert_eq!(parsed.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    assert!(parsed.header("Content-Type").unwrap().starts_with("multipart/alternative;"));
    assert_eq!(parsed.text.as_deref(), Some(email.text.as_str()));
    assert_eq!(parsed.html.as_deref(), Some(email.html.as_str()));
}

#[test]
fn non_ascii_subjects_and_names_are_encoded_words_in_an_ascii_header() {
    let raw = sample().to_bytes().unwrap();
    assert!(raw.is_ascii(), "non-ASCII text must be encoded");
    let lines = header_lines(&raw);
    let subject = lines.iter().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(subject.contains("=?utf-8?"), "{subject}");
    let to = lines.iter().find(|l| l.starts_with("To:")).unwrap();
    assert!(to.contains("=?utf-8?") && to.ends_with("<ana.silva@customer.example>"));
    let parsed = parse_message(&raw).unwrap();
    assert_eq!(parsed.header("From"), Some("Jürgen from the Service Desk <desk@rapport.example>"));
    assert_eq!(parsed.header("To"), Some("Ana Sílva <ana.silva@customer.example>"));
}

#[test]
fn optional_headers_are_left_out_when_not_asked_for() {
    let email = OutgoingEmail {
        to: Mailbox::address("bob@customer.example"),
        in_reply_to: None,
        list_unsubscribe: None,
        auto_submitted: false,
        ..sample()
    };
    let raw = email.to_bytes().unwrap();
    assert_eq!(header_names(&raw), ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]);
    assert_eq!(parse_message(&raw).unwrap().to, vec![Mailbox::address("bob@customer.example")]);
}

#[test]
fn the_same_email_builds_the_same_headers_each_time() {
    // Only the MIME boundary is random; the bytes are stored once, so that is harmless.
    let a = header_lines(&sample().to_bytes().unwrap());
    let b = header_lines(&sample().to_bytes().unwrap());
    assert_eq!(a[..a.len() - 1], b[..b.len() - 1]);
}

#[test]
fn crlf_in_the_subject_and_names_cannot_add_a_bcc_header() {
    let evil = "Hi\r\nBcc: evil@x.example";
    let email = OutgoingEmail {
        subject: evil.to_owned(),
        from: Mailbox::new(evil, "desk@rapport.example"),
        to: Mailbox::new(format!("{evil}\nCc: other@x.example\rX: y"), "ana@customer.example"),
        ..sample()
    };
    let raw = email.to_bytes().unwrap();
    let text = String::from_utf8(raw.clone()).unwrap();
    for line in text.split("\r\n") {
        let lower = line.to_ascii_lowercase();
        assert!(
            !lower.starts_with("bcc:") && !lower.starts_with("cc:") && !lower.starts_with("x:"),
            "injected header line {line:?}"
        );
    }
    assert_eq!(header_names(&raw), ALL_HEADERS);
    let parsed = parse_message(&raw).unwrap();
    assert_eq!(parsed.header("Bcc"), None);
    assert_eq!(parsed.header("Cc"), None);
    assert_eq!(parsed.subject.as_deref(), Some("Hi Bcc: evil@x.example"));
    let from = parsed.from.unwrap();
    assert_eq!(from.address, "desk@rapport.example");
    assert_eq!(from.name.as_deref(), Some("Hi Bcc: evil@x.example"));
    assert_eq!(parsed.to.len(), 1);
    assert_eq!(parsed.to[0].address, "ana@customer.example");
}

#[test]
fn message_ids_with_line_breaks_or_no_at_sign_are_refused() {
    for bad in [
        "inv-1@rapport.example\r\nBcc: evil@x.example",
        "inv 1@rapport.example",
        "no-at-sign",
        "<inv-1@rapport.example",
        "a@b>",
        "@rapport.example",
        "inv-1@",
        "a..b@rapport.example",
        "a<b>@rapport.example",
        "",
    ] {
        let email = OutgoingEmail { message_id: bad.to_owned(), ..sample() };
        let err = email.to_bytes().unwrap_err();
        assert!(matches!(err, MailError::InvalidMessageId { .. }) && err.is_permanent(), "{bad:?} gave {err:?}");
        let email = OutgoingEmail { in_reply_to: Some(bad.to_owned()), ..sample() };
        assert!(matches!(email.to_bytes(), Err(MailError::InvalidMessageId { .. })), "{bad:?} accepted as In-Reply-To");
    }
}

#[test]
fn message_ids_may_come_with_or_without_angle_brackets() {
    for (input, expected) in [
        ("abc@x.example", "abc@x.example"),
        ("<abc@x.example>", "abc@x.example"),
        ("<CAF+x=y_z/1@mail.gmail.com>", "CAF+x=y_z/1@mail.gmail.com"),
        ("<abc@[127.0.0.1]>", "abc@[127.0.0.1]"),
    ] {
        assert_eq!(rapport_mail::parse_message_id(input).unwrap(), expected);
    }
}

#[test]
fn unsubscribe_urls_must_be_https_and_free_of_control_characters() {
    for bad in [
        "http://rapport.example/u/1",
        "https://rapport.example/u/1\r\nBcc: evil@x.example",
        "https://rapport.example/u/ 1",
        "https://rapport.example/u/1\t",
        "javascript:alert(1)",
        "mailto:unsub@rapport.example",
        "not a url",
        "",
    ] {
        let email = OutgoingEmail { list_unsubscribe: Some(bad.to_owned()), ..sample() };
        assert!(matches!(email.to_bytes(), Err(MailError::InvalidUrl { .. })), "{bad:?} accepted");
    }
    // Angle brackets and quotes are percent-encoded, so they cannot end the <…> early.
    let url = rapport_mail::parse_unsubscribe_url("https://rapport.example/u/<1>\"x").unwrap();
    assert_eq!(url, "https://rapport.example/u/%3C1%3E%22x");
}

#[test]
fn bad_addresses_are_refused_as_permanent_errors() {
    for bad in [
        "no-at-sign",
        "ana@customer.example\r\nBcc: evil@x.example",
        "ana @customer.example",
        "\"a\r\nb\"@customer.example",
        "",
    ] {
        let email = OutgoingEmail { to: Mailbox::address(bad), ..sample() };
        let err = email.to_bytes().unwrap_err();
        assert!(matches!(err, MailError::InvalidAddress(_)) && err.is_permanent(), "{bad:?} gave {err:?}");
    }
}

#[test]
fn dates_outside_what_the_date_header_can_hold_are_refused() {
    let email = OutgoingEmail { date: Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap(), ..sample() };
    assert!(matches!(email.to_bytes(), Err(MailError::Build(_))));
}

#[test]
fn subjects_keep_their_spacing_and_literal_encoded_words() {
    for subject in ["=?utf-8?q?x?=", "🌀  𞹙", "Ticket  #7:   «ok»", &"ö".repeat(300), &"a".repeat(1200)] {
        let raw = OutgoingEmail { subject: subject.to_owned(), ..sample() }.to_bytes().unwrap();
        let text = String::from_utf8(raw.clone()).unwrap();
        assert!(text.split("\r\n").all(|l| l.len() <= 998), "overlong line");
        assert_eq!(parse_message(&raw).unwrap().subject.as_deref(), Some(subject));
    }
}

#[test]
fn empty_names_after_cleaning_become_bare_addresses() {
    let email = OutgoingEmail { to: Mailbox::new("\r\n\t", "ana@customer.example"), ..sample() };
    let raw = email.to_bytes().unwrap();
    assert!(header_lines(&raw).contains(&"To: ana@customer.example".to_owned()));
}

/// Text with plenty of line breaks, control characters and non-ASCII letters.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\r\n".to_owned()),
        Just("\n".to_owned()),
        Just("\r".to_owned()),
        Just("\r\nBcc: evil@x.example\r\n".to_owned()),
        Just("\u{2028}".to_owned()),
        Just("=?utf-8?q?x?=".to_owned()),
        Just("\"".to_owned()),
        Just("<>,;:@".to_owned()),
        "[a-zA-Z ]{0,12}",
        "\\PC{0,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_subjects_and_names_never_add_header_lines(
        subject in hostile_text(),
        from_name in hostile_text(),
        to_name in hostile_text(),
    ) {
        let email = OutgoingEmail {
            subject: subject.clone(),
            from: Mailbox::new(from_name, "desk@rapport.example"),
            to: Mailbox::new(to_name, "ana@customer.example"),
            ..sample()
        };
        let raw = email.to_bytes().unwrap();
        prop_assert_eq!(header_names(&raw), ALL_HEADERS);
        let parsed = parse_message(&raw).unwrap();
        prop_assert_eq!(parsed.from.as_ref().map(|m| m.address.as_str()), Some("desk@rapport.example"));
        prop_assert_eq!(parsed.to.len(), 1);
        prop_assert_eq!(parsed.to[0].address.as_str(), "ana@customer.example");
        prop_assert_eq!(parsed.header("Bcc"), None);
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let expected = words(&rapport_mail::clean_text(&subject));
        prop_assert_eq!(words(parsed.subject.as_deref().unwrap_or("")), expected);
        let name = |m: &Option<Mailbox>| words(m.as_ref().and_then(|m| m.name.as_deref()).unwrap_or(""));
        prop_assert_eq!(name(&parsed.from), words(&rapport_mail::clean_text(email.from.name.as_deref().unwrap())));
    }
}
