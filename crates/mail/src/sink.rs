//! A small, real SMTP server that keeps what it receives: for tests and benchmarks of the
//! delivery path, without an outside mail server.
//!
//! It speaks what lettre needs: EHLO/HELO (advertising 8BITMIME, SMTPUTF8 and AUTH PLAIN
//! LOGIN, accepting any credentials), MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
//! QUIT, many messages per connection. No PIPELINING or STARTTLS: each command is answered
//! before the next is read.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// Largest message kept; a larger one is read to its end and refused with 552.
const MAX_MESSAGE: usize = 32 << 20;
/// Longest command line.
const MAX_LINE: u64 = 4096;

/// One message as received: envelope, and the DATA bytes with dot-stuffing undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub from: String,
    pub to: Vec<String>,
    /// What the client passed to its DATA call: the bytes before the closing
    /// `<CRLF>.<CRLF>`, unstuffed.
    pub data: Vec<u8>,
    /// The user named in AUTH, if the client authenticated.
    pub auth_user: Option<String>,
}

#[derive(Default)]
struct State {
    messages: Vec<ReceivedMessage>,
    /// (how many more DATA transactions to refuse, with which code)
    fail: (usize, u16),
    connections: usize,
}

struct Shared {
    state: Mutex<State>,
    /// The number of messages received, to wake `wait_for`.
    count: watch::Sender<usize>,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panicking test thread must not hide the messages from the others.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running SMTP server on 127.0.0.1; it stops (with its connections) when dropped.
pub struct SmtpSink {
    pub address: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// Binds 127.0.0.1 on a free port and serves on the current tokio runtime.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0 for the SMTP sink");
        let address = listener.local_addr().expect("local address of the SMTP sink");
        let shared = Arc::new(Shared { state: Mutex::new(State::default()), count: watch::Sender::new(0) });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        SmtpSink { address, shared, task }
    }

    /// `smtp://127.0.0.1:PORT`, for [`crate::Transport::from_url`].
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// Everything received so far, in order of arrival.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.shared.state().messages.clone()
    }

    /// Waits until at least `count` messages have arrived or `timeout` has passed, and
    /// returns what has arrived either way.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMessage> {
        let mut rx = self.shared.count.subscribe();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|&n| n >= count)).await;
        self.messages()
    }

    /// Answers the next `n` DATA transactions with `code` (e.g. 451 or 550) once their
    /// data has been sent, and drops those messages, to test retries.
    pub fn fail_next(&self, n: usize, code: u16) {
        self.shared.state().fail = (n, code);
    }

    /// How many connections clients have opened so far (to see pooling at work).
    pub fn connections(&self) -> usize {
        self.shared.state().connections
    }

    /// Forgets the messages received so far.
    pub fn clear(&self) {
        self.shared.state().messages.clear();
        self.shared.count.send_replace(0);
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Dropping the accept loop drops its JoinSet, which aborts every connection.
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    shared.state().connections += 1;
                    connections.spawn(serve(stream, shared.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "SMTP sink accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One SMTP session. I/O errors end it quietly: the client went away.
async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let _ = session(stream, &shared).await;
}

#[derive(Default)]
struct Transaction {
    from: Option<String>,
    to: Vec<String>,
}

async fn session(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut tx = Transaction::default();
    let mut auth_user: Option<String> = None;
    write.write_all(b"220 rapport-sink ESMTP ready\r\n").await?;
    loop {
        let Some(line) = read_command(&mut reader).await? else {
            return Ok(());
        };
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim()),
            None => (line.to_ascii_uppercase(), ""),
        };
        let reply: String = match verb.as_str() {
            "EHLO" => {
                tx = Transaction::default();
                "250-rapport-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 33554432"
                    .to_owned()
            }
            "HELO" => {
                tx = Transaction::default();
                "250 rapport-sink".to_owned()
            }
            "AUTH" => match authenticate(arg, &mut reader, &mut write).await? {
                Some(user) => {
                    auth_user = Some(user);
                    "235 2.7.0 Authentication successful".to_owned()
                }
                None => "501 5.5.2 Cannot decode AUTH".to_owned(),
            },
            "MAIL" => match path_after(arg, "FROM:") {
                Some(from) => {
                    tx = Transaction { from: Some(from), to: Vec::new() };
                    "250 2.1.0 OK".to_owned()
                }
                None => "501 5.5.4 Syntax: MAIL FROM:<address>".to_owned(),
            },
            "RCPT" => match (path_after(arg, "TO:"), &tx.from) {
                (_, None) => "503 5.5.1 MAIL first".to_owned(),
                (Some(to), Some(_)) if !to.is_empty() => {
                    tx.to.push(to);
                    "250 2.1.5 OK".to_owned()
                }
                _ => "501 5.5.4 Syntax: RCPT TO:<address>".to_owned(),
            },
            "DATA" if tx.from.is_none() || tx.to.is_empty() => "503 5.5.1 MAIL and RCPT first".to_owned(),
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let data = read_data(&mut reader).await?;
                let tx = std::mem::take(&mut tx);
                match data {
                    None => "552 5.3.4 Message too big".to_owned(),
                    Some(data) => accept(shared, tx, data, auth_user.clone()),
                }
            }
            "RSET" => {
                tx = Transaction::default();
                "250 2.0.0 OK".to_owned()
            }
            "NOOP" => "250 2.0.0 OK".to_owned(),
            "VRFY" => "252 2.1.5 Cannot VRFY".to_owned(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.1 Command not implemented".to_owned(),
        };
        // One write per reply: one packet, as the client expects to read it.
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

/// Stores the message, or refuses it when a failure was asked for.
fn accept(shared: &Shared, tx: Transaction, data: Vec<u8>, auth_user: Option<String>) -> String {
    let mut state = shared.state();
    if state.fail.0 > 0 {
        state.fail.0 -= 1;
        let code = state.fail.1;
        return format!("{code} {}.0.0 Failure requested by the test", code / 100);
    }
    state.messages.push(ReceivedMessage { from: tx.from.unwrap_or_default(), to: tx.to, data, auth_user });
    let n = state.messages.len();
    drop(state);
    shared.count.send_replace(n);
    "250 2.0.0 OK queued".to_owned()
}

/// One command line without its line ending; `None` at end of stream or on an overlong
/// line (which ends the session).
async fn read_command<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = (&mut *reader).take(MAX_LINE).read_until(b'\n', &mut buf).await?;
    if n == 0 || !buf.ends_with(b"\n") {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&buf);
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// The DATA section up to `<CRLF>.<CRLF>`, unstuffed; `None` if it was too big. Lines end
/// only at CRLF (RFC 5321 §2.3.8), so a bare LF followed by a dot is data, as lettre sends it.
async fn read_data<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut too_big = false;
    let mut at_line_start = true;
    let mut chunk = Vec::new();
    loop {
        chunk.clear();
        if reader.read_until(b'\n', &mut chunk).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let mut piece: &[u8] = &chunk;
        if at_line_start {
            if piece == b".\r\n" {
                break;
            }
            if piece.starts_with(b".") {
                piece = &piece[1..];
            }
        }
        at_line_start = chunk.ends_with(b"\r\n");
        if data.len() + piece.len() > MAX_MESSAGE {
            too_big = true;
            data.clear();
        }
        if !too_big {
            data.extend_from_slice(piece);
        }
    }
    // The CRLF before the final dot belongs to the terminator.
    if data.ends_with(b"\r\n") {
        data.truncate(data.len() - 2);
    }
    Ok((!too_big).then_some(data))
}

/// The address in `FROM:<a> PARAMS` / `TO:<a>`; `Some("")` for the null sender `<>`.
fn path_after(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_owned())
}

/// AUTH PLAIN (with or without an initial response) or AUTH LOGIN; any password is fine.
/// Returns the user name, or `None` when the exchange could not be decoded.
async fn authenticate<R: AsyncRead + Unpin, W: AsyncWriteExt + Unpin>(
    arg: &str,
    reader: &mut BufReader<R>,
    write: &mut W,
) -> std::io::Result<Option<String>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let decode = |s: &str| b64.decode(s.trim()).ok();
    let (mechanism, initial) = match arg.split_once(' ') {
        Some((m, i)) => (m.to_ascii_uppercase(), Some(i.to_owned())),
        None => (arg.to_ascii_uppercase(), None),
    };
    let mut ask = async |prompt: &str| -> std::io::Result<Option<String>> {
        write.write_all(format!("334 {prompt}\r\n").as_bytes()).await?;
        read_command(reader).await
    };
    match mechanism.as_str() {
        "PLAIN" => {
            let response = match initial {
                Some(i) => i,
                None => ask("").await?.unwrap_or_default(),
            };
            // authzid \0 authcid \0 password
            Ok(decode(&response).and_then(|bytes| {
                let fields: Vec<&[u8]> = bytes.split(|&b| b == 0).collect();
                (fields.len() == 3).then(|| String::from_utf8_lossy(fields[1]).into_owned())
            }))
        }
        "LOGIN" => {
            let user = match initial {
                Some(i) => i,
                None => ask(&b64.encode("Username:")).await?.unwrap_or_default(),
            };
            let _password = ask(&b64.encode("Password:")).await?;
            Ok(decode(&user).map(|u| String::from_utf8_lossy(&u).into_owned()))
        }
        _ => Ok(None),
    }
}
