//! A tiny HTTP/1.1 server on 127.0.0.1 for the tests: records every request and answers with a fixed reply.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// This status, empty body.
    Status(u16),
    /// This status with a `Location` header.
    Redirect(u16, String),
    /// Read the request, then never answer (keep the connection open).
    Never,
}

#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Names lower-cased.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// The TLS server name the client sent (HTTPS server only).
    pub(crate) sni: Option<String>,
}

impl Recorded {
    /// The header's value; panics if it was sent more than once.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let first = values.next();
        assert!(values.next().is_none(), "header {name} sent twice");
        first
    }
}

pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Plain HTTP.
    pub(crate) async fn start(reply: Reply) -> TestServer {
        TestServer::start_with(reply, None).await
    }

    /// HTTPS with the certificate in `testdata/` (for `localhost`, `hooks.rapport-test.invalid`, `127.0.0.1`).
    pub(crate) async fn start_tls(reply: Reply) -> TestServer {
        let chain = vec![CertificateDer::from_pem_slice(include_bytes!("testdata/localhost.pem")).expect("cert")];
        let key = PrivateKeyDer::from_pem_slice(include_bytes!("testdata/localhost.key")).expect("key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server config");
        TestServer::start_with(reply, Some(TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn start_with(reply: Reply, tls: Option<TlsAcceptor>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let connections = connections.clone();
            let requests = requests.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    connections.fetch_add(1, Ordering::SeqCst);
                    let (reply, requests) = (reply.clone(), requests.clone());
                    match tls.clone() {
                        None => drop(tokio::spawn(serve(stream, None, reply, requests))),
                        Some(acceptor) => drop(tokio::spawn(async move {
                            // A failed handshake (e.g. the client does not trust the certificate) records nothing.
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let sni = stream.get_ref().1.server_name().map(str::to_owned);
                                serve(stream, sni, reply, requests).await;
                            }
                        })),
                    }
                }
            }
        });
        TestServer { addr, connections, requests, task }
    }

    /// `http://127.0.0.1:<port><path>` (plain HTTP server).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve<S>(mut stream: S, sni: Option<String>, reply: Reply, requests: Arc<Mutex<Vec<Recorded>>>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let Some(mut request) = read_request(&mut stream).await else { return };
    request.sni = sni;
    requests.lock().unwrap().push(request);
    let (status, location) = match reply {
        Reply::Status(status) => (status, None),
        Reply::Redirect(status, location) => (status, Some(location)),
        Reply::Never => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
    };
    let mut head = format!("HTTP/1.1 {status} Test\r\nContent-Length: 0\r\nConnection: close\r\n");
    if let Some(location) = location {
        head.push_str(&format!("Location: {location}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(Recorded { method, path, headers, body, sni: None })
}
