//! Which outbound URLs and addresses Rapport may talk to.
//!
//! A URL is checked when an admin saves it ([`check_url`], optionally [`check_url_resolving`]) and again on every
//! send (`post_json`), because what a name resolves to can change between the two.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// Longest accepted URL, in bytes (both as typed and after normalisation, e.g. punycode).
pub const MAX_URL_LEN: usize = 2048;

/// Hosts an admin explicitly allowed. Those (and only those) may be private, loopback or otherwise forbidden
/// addresses, and may use plain `http`; e.g. an on-premises Mattermost at `chat.corp.local` or `10.1.2.3`.
///
/// Matching is exact and case-insensitive on the URL's host: `chat.corp.local` does not allow
/// `sub.chat.corp.local`. IP entries match the same address in any spelling (`::1` and `[::1]` are the same).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    pub allowed_hosts: Vec<String>,
}

impl OutboundPolicy {
    /// Whether `host` (a URL host: a name, an IPv4 address, or an IPv6 address with or without brackets) is
    /// explicitly allowed.
    pub fn allows(&self, host: &str) -> bool {
        let host = unbracket(host.trim());
        let host_ip = host.parse::<IpAddr>().ok();
        self.allowed_hosts.iter().map(|entry| unbracket(entry.trim())).any(|entry| match host_ip {
            Some(ip) => entry.parse::<IpAddr>().is_ok_and(|e| e == ip),
            None => !entry.is_empty() && entry.eq_ignore_ascii_case(host),
        })
    }

    fn allows_host(&self, host: &Host<&str>) -> bool {
        match host {
            Host::Domain(name) => self.allows(name),
            Host::Ipv4(ip) => self.allows(&ip.to_string()),
            Host::Ipv6(ip) => self.allows(&ip.to_string()),
        }
    }
}

fn unbracket(s: &str) -> &str {
    s.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(s)
}

/// Why an outbound URL is refused. None of the messages contain the URL (webhook URLs are secrets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRejected {
    #[error("only https URLs are allowed (plain http only for explicitly allowed hosts)")]
    NotHttps,
    #[error("the URL must not contain a user name or password")]
    HasCredentials,
    #[error("the URL has no host")]
    NoHost,
    #[error("{0} is a private, loopback or otherwise non-public address")]
    ForbiddenAddress(IpAddr),
    #[error("the URL is longer than {MAX_URL_LEN} bytes")]
    TooLong,
    #[error("not a valid URL: {0}")]
    Invalid(String),
    #[error("the host name could not be resolved: {0}")]
    DnsFailed(String),
}

/// Static checks of an outbound URL (no DNS): length ≤ [`MAX_URL_LEN`], parses, `https` (or `http` for an allowed
/// host), no user name/password, has a host, and an IP-literal host is not [forbidden](is_forbidden) unless allowed.
/// IP literals are recognised in every form the URL standard accepts (`2130706433`, `0x7f.1`, `[::ffff:7f00:1]`, …).
///
/// A host *name* passes here even if it resolves to a private address; that is caught at sending (and by
/// [`check_url_resolving`]). Store and use the returned, normalised URL.
pub fn check_url(raw: &str, policy: &OutboundPolicy) -> Result<Url, UrlRejected> {
    if raw.len() > MAX_URL_LEN {
        return Err(UrlRejected::TooLong);
    }
    let url = Url::parse(raw).map_err(|e| match e {
        url::ParseError::EmptyHost => UrlRejected::NoHost,
        e => UrlRejected::Invalid(e.to_string()),
    })?;
    if url.as_str().len() > MAX_URL_LEN {
        return Err(UrlRejected::TooLong);
    }
    if !matches!(url.scheme(), "https" | "http") {
        return Err(UrlRejected::NotHttps);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlRejected::HasCredentials);
    }
    let host = match url.host() {
        Some(Host::Domain("")) | None => return Err(UrlRejected::NoHost),
        Some(host) => host,
    };
    let allowed = policy.allows_host(&host);
    if url.scheme() == "http" && !allowed {
        return Err(UrlRejected::NotHttps);
    }
    if !allowed {
        let literal = match host {
            Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            Host::Domain(_) => None,
        };
        if let Some(ip) = literal.filter(|ip| is_forbidden(*ip)) {
            return Err(UrlRejected::ForbiddenAddress(ip));
        }
    }
    Ok(url)
}

/// [`check_url`] plus the DNS check that sending makes: every address the host name resolves to must be allowed.
/// For a "save" or "test" button, so an admin hears about `https://localhost/…` right away. Waits for DNS at most
/// the connect timeout (5 s).
pub async fn check_url_resolving(raw: &str, policy: &OutboundPolicy) -> Result<Url, UrlRejected> {
    let url = check_url(raw, policy)?;
    match tokio::time::timeout(crate::CONNECT_TIMEOUT, resolve(&url, policy)).await {
        Ok(resolved) => resolved.map(|_| url),
        Err(_) => Err(UrlRejected::DnsFailed("timed out".to_owned())),
    }
}

/// Where a checked URL may connect to.
#[derive(Debug)]
pub(crate) enum Resolved {
    /// The host is an IP literal (already checked by [`check_url`]); no DNS involved.
    Literal,
    /// The host is a name; connect only to these (checked) addresses.
    Pinned { host: String, addrs: Vec<SocketAddr> },
}

/// Resolves the URL's host name and checks every address (unless the host is allowed). The caller must connect only
/// to the returned addresses.
pub(crate) async fn resolve(url: &Url, policy: &OutboundPolicy) -> Result<Resolved, UrlRejected> {
    let host = match url.host() {
        Some(Host::Domain(name)) if !name.is_empty() => name.to_owned(),
        Some(Host::Domain(_)) | None => return Err(UrlRejected::NoHost),
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => return Ok(Resolved::Literal),
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| UrlRejected::DnsFailed(e.to_string()))?
        .collect();
    addrs.dedup();
    if addrs.is_empty() {
        return Err(UrlRejected::DnsFailed("no addresses".to_owned()));
    }
    if !policy.allows(&host) {
        if let Some(bad) = addrs.iter().map(SocketAddr::ip).find(|ip| is_forbidden(*ip)) {
            return Err(UrlRejected::ForbiddenAddress(bad));
        }
    }
    Ok(Resolved::Pinned { host, addrs })
}

/// Whether an address must not be contacted unless its host is explicitly allowed: anything that is not a normal,
/// globally reachable unicast address.
///
/// IPv4: `0.0.0.0/8` (incl. unspecified), `10/8`, `100.64/10` (CGNAT), `127/8`, `169.254/16` (link-local, incl. the
/// cloud metadata address `169.254.169.254`), `172.16/12`, `192.0.0/24`, `192.0.2/24`, `192.168/16`, `198.18/15`,
/// `198.51.100/24`, `203.0.113/24`, `224/4` (multicast) and `240/4` (reserved, incl. broadcast).
/// IPv6: `::/96` (unspecified, loopback, IPv4-compatible), IPv4-mapped `::ffff:0:0/96` and IPv4-translated
/// `::ffff:0:0:0/96` (judged by the embedded IPv4 address), NAT64 `64:ff9b::/96` (embedded IPv4) and
/// `64:ff9b:1::/48`, discard `100::/64`, `2001::/23` (IETF protocol assignments incl. Teredo), documentation
/// `2001:db8::/32` and `3fff::/20`, 6to4 `2002::/16` (embedded IPv4), `5f00::/16` (SRv6), unique-local `fc00::/7`,
/// link-local `fe80::/10`, site-local `fec0::/10`, multicast `ff00::/8`.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => v4_forbidden(ip),
        IpAddr::V6(ip) => v6_forbidden(ip),
    }
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0
        || a == 10
        || (a == 100 && (64..128).contains(&b))
        || a == 127
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 0 && c == 2)
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        // IPv4-mapped ::ffff:a.b.c.d
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => v4_forbidden(embedded(hi, lo)),
        // IPv4-translated ::ffff:0:a.b.c.d
        [0, 0, 0, 0, 0xffff, 0, hi, lo] => v4_forbidden(embedded(hi, lo)),
        // ::/96: unspecified, loopback, deprecated IPv4-compatible
        [0, 0, 0, 0, 0, 0, _, _] => true,
        // NAT64 well-known prefix: judged by the IPv4 address behind it
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => v4_forbidden(embedded(hi, lo)),
        // NAT64 local-use
        [0x64, 0xff9b, 1, ..] => true,
        // discard-only
        [0x100, 0, 0, 0, ..] => true,
        // IETF protocol assignments (Teredo, benchmarking, ORCHID, …) and documentation
        [0x2001, b, ..] if b < 0x200 => true,
        [0x2001, 0xdb8, ..] => true,
        // 6to4: judged by the embedded IPv4 address
        [0x2002, hi, lo, ..] => v4_forbidden(embedded(hi, lo)),
        [first, ..] => {
            (first & 0xfff0) == 0x3ff0 // documentation 3fff::/20
                || first == 0x5f00 // SRv6 SIDs
                || (first & 0xfe00) == 0xfc00 // unique-local
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (first & 0xff00) == 0xff00 // multicast
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> OutboundPolicy {
        OutboundPolicy::default()
    }

    fn allowing(hosts: &[&str]) -> OutboundPolicy {
        OutboundPolicy { allowed_hosts: hosts.iter().map(|h| h.to_string()).collect() }
    }

    fn forbidden(ip: &str) -> Result<Url, UrlRejected> {
        Err(UrlRejected::ForbiddenAddress(ip.parse().unwrap()))
    }

    #[test]
    fn check_url_table() {
        let long = format!("https://hooks.slack.com/{}", "a".repeat(MAX_URL_LEN));
        let cases: Vec<(&str, Result<(), UrlRejected>)> = vec![
            ("https://hooks.slack.com/services/T/B/X", Ok(())),
            ("https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x", Ok(())),
            ("https://8.8.8.8/hook", Ok(())),
            ("https://[2606:4700::1111]/hook", Ok(())),
            ("http://example.com", Err(UrlRejected::NotHttps)),
            ("ftp://example.com/x", Err(UrlRejected::NotHttps)),
            ("file:///etc/passwd", Err(UrlRejected::NotHttps)),
            ("javascript:alert(1)", Err(UrlRejected::NotHttps)),
            ("https://user:pw@x", Err(UrlRejected::HasCredentials)),
            ("https://user@x.example", Err(UrlRejected::HasCredentials)),
            ("https://:pw@x.example", Err(UrlRejected::HasCredentials)),
            ("https://", Err(UrlRejected::NoHost)),
            (&long, Err(UrlRejected::TooLong)),
        ];
        for (raw, want) in cases {
            assert_eq!(check_url(raw, &none()).map(|_| ()), want, "{raw}");
        }
        for raw in ["not a url", "https://exa mple.com/", "https://[::1/", "https://999.1.1.1.1:99999/"] {
            assert!(
                matches!(check_url(raw, &none()), Err(UrlRejected::Invalid(_))),
                "{raw}: {:?}",
                check_url(raw, &none())
            );
        }
    }

    #[test]
    fn check_url_forbids_internal_ip_literals_in_every_spelling() {
        let cases = [
            ("https://10.0.0.1", "10.0.0.1"),
            ("https://[::1]", "::1"),
            ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
            ("https://[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
            ("https://[::ffff:a9fe:a9fe]", "::ffff:169.254.169.254"),
            ("https://127.0.0.1:8443/x", "127.0.0.1"),
            ("https://2130706433/", "127.0.0.1"),
            ("https://0x7f.1/", "127.0.0.1"),
            ("https://0177.0.0.1/", "127.0.0.1"),
            ("https://0/", "0.0.0.0"),
            ("https://[::]/", "::"),
            ("https://172.16.5.4", "172.16.5.4"),
            ("https://192.168.1.1", "192.168.1.1"),
            ("https://100.64.0.1", "100.64.0.1"),
            ("https://[fe80::1]", "fe80::1"),
            ("https://[fd12:3456::1]", "fd12:3456::1"),
            ("https://[64:ff9b::a00:1]", "64:ff9b::a00:1"),
            ("https://255.255.255.255", "255.255.255.255"),
        ];
        for (raw, ip) in cases {
            assert_eq!(check_url(raw, &none()), forbidden(ip), "{raw}");
        }
    }

    #[test]
    fn allowed_hosts_may_be_internal_and_use_http() {
        let policy = allowing(&["127.0.0.1", "[::1]", "Chat.Corp.Local"]);
        assert!(check_url("http://127.0.0.1:8065/hooks/x", &policy).is_ok());
        assert!(check_url("https://2130706433/", &policy).is_ok(), "same address, other spelling");
        assert!(check_url("http://[::1]:80/", &policy).is_ok());
        assert!(check_url("http://chat.corp.LOCAL/hooks", &policy).is_ok());
        assert_eq!(check_url("http://sub.chat.corp.local/", &policy).map(|_| ()), Err(UrlRejected::NotHttps));
        assert_eq!(check_url("https://127.0.0.2/", &policy), forbidden("127.0.0.2"));
        assert_eq!(check_url("https://u:p@127.0.0.1/", &policy).map(|_| ()), Err(UrlRejected::HasCredentials));
        assert!(policy.allows("chat.corp.local") && policy.allows("::1") && policy.allows("[0:0::1]"));
        assert!(!allowing(&[""]).allows(""));
    }

    #[test]
    fn is_forbidden_table() {
        let forbidden = [
            "0.0.0.0",
            "0.1.2.3",
            "10.255.255.255",
            "100.64.0.0",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.0.1",
            "169.254.169.254",
            "172.16.0.0",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0:7f00:1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "3fff::1",
            "5f00::1",
            "fc00::1",
            "fdff:ffff::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
        ];
        let allowed = [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "169.253.255.255",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "52.95.110.1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2606:4700::1111",
            "2a00:1450:4001:80b::200e",
            "2001:4860:4860::8888",
        ];
        for ip in forbidden {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip} should be forbidden");
        }
        for ip in allowed {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip} should be allowed");
        }
    }

    #[tokio::test]
    async fn localhost_resolves_to_loopback_and_is_forbidden_unless_allowed() {
        match check_url_resolving("https://localhost/hook", &none()).await {
            Err(UrlRejected::ForbiddenAddress(ip)) => assert!(ip.is_loopback(), "{ip}"),
            other => panic!("expected ForbiddenAddress, got {other:?}"),
        }
        assert!(check_url_resolving("https://localhost/hook", &allowing(&["localhost"])).await.is_ok());
        // Literal addresses need no DNS.
        assert!(check_url_resolving("https://8.8.8.8/hook", &none()).await.is_ok());
    }

    #[test]
    fn rejection_messages_do_not_contain_the_url() {
        let raw = "https://user:secret-token@hooks.example/services/SECRET";
        let err = check_url(raw, &none()).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}
