//! The SMTP sink, spoken to by hand.

use std::time::Duration;

use rapport_mail::SmtpSink;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Client {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(sink: &SmtpSink) -> Client {
        let (read, writer) = TcpStream::connect(sink.address).await.unwrap().into_split();
        let mut client = Client { reader: BufReader::new(read), writer };
        assert!(client.reply().await.starts_with("220 "));
        client
    }

    /// The last line of the next (possibly multi-line) reply.
    async fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_owned();
            }
        }
    }

    async fn say(&mut self, text: &str) -> String {
        self.writer.write_all(text.as_bytes()).await.unwrap();
        self.reply().await
    }
}

#[tokio::test]
async fn the_sink_unstuffs_dots_and_takes_several_messages_per_connection() {
    let sink = SmtpSink::start().await;
    let mut c = Client::connect(&sink).await;
    assert!(c.say("EHLO test.example\r\n").await.starts_with("250 "));
    for n in 0..2 {
        assert!(c.say("MAIL FROM:<a@x.example> BODY=8BITMIME\r\n").await.starts_with("250"));
        assert!(c.say("RCPT TO:<b@x.example>\r\n").await.starts_with("250"));
        assert!(c.say("rcpt to:<c@x.example>\r\n").await.starts_with("250"));
        assert!(c.say("DATA\r\n").await.starts_with("354"));
        let body = format!("Subject: {n}\r\n\r\n..\r\n...x\r\nbare\n.lf\r\nend\r\n.\r\n");
        assert!(c.say(&body).await.starts_with("250"));
    }
    assert!(c.say("NOOP\r\n").await.starts_with("250"));
    assert!(c.say("QUIT\r\n").await.starts_with("221"));

    let received = sink.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].from, "a@x.example");
    assert_eq!(received[1].to, ["b@x.example", "c@x.example"]);
    assert_eq!(String::from_utf8(received[1].data.clone()).unwrap(), "Subject: 1\r\n\r\n.\r\n..x\r\nbare\n.lf\r\nend");
}

#[tokio::test]
async fn the_sink_enforces_command_order_and_forgets_a_reset_transaction() {
    let sink = SmtpSink::start().await;
    let mut c = Client::connect(&sink).await;
    assert!(c.say("HELO test.example\r\n").await.starts_with("250"));
    assert!(c.say("RCPT TO:<b@x.example>\r\n").await.starts_with("503"));
    assert!(c.say("DATA\r\n").await.starts_with("503"));
    assert!(c.say("MAIL FROM:a@x.example\r\n").await.starts_with("501"));
    assert!(c.say("MAIL FROM:<a@x.example>\r\n").await.starts_with("250"));
    assert!(c.say("RCPT TO:<b@x.example>\r\n").await.starts_with("250"));
    assert!(c.say("RSET\r\n").await.starts_with("250"));
    assert!(c.say("DATA\r\n").await.starts_with("503"));
    assert!(c.say("STARTTLS\r\n").await.starts_with("502"));
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn fail_next_refuses_that_many_messages_then_accepts_again() {
    let sink = SmtpSink::start().await;
    let mut c = Client::connect(&sink).await;
    c.say("EHLO t\r\n").await;
    sink.fail_next(2, 452);
    let mut codes = Vec::new();
    for _ in 0..3 {
        c.say("MAIL FROM:<>\r\n").await;
        c.say("RCPT TO:<b@x.example>\r\n").await;
        c.say("DATA\r\n").await;
        codes.push(c.say("x\r\n.\r\n").await[..3].to_owned());
    }
    assert_eq!(codes, ["452", "452", "250"]);
    let received = sink.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].from, "");
}

#[tokio::test]
async fn wait_for_returns_what_arrived_when_the_time_is_up() {
    let sink = SmtpSink::start().await;
    let got = sink.wait_for(1, Duration::from_millis(50)).await;
    assert!(got.is_empty());
}
