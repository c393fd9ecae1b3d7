//! Healthchecks ping URLs: the parts they are made of, checked once when the config
//! loads, and joined with percent-encoding. Gluing strings let an ID such
//! as `x#frag` turn a `/fail` into a success ping, and a stray `?` move the
//! action into the query; a part that passed these checks cannot.
//!
//! A leaf (std only): the config checks the parts when it loads, and
//! watchlog joins them when it pings.

use std::fmt;
use std::net::Ipv6Addr;

/// Longest base URL accepted; real ones are a few dozen bytes.
pub const MAX_BASE_URL: usize = 2048;

/// Longest check ID, ping key or slug accepted. Healthchecks' own are far
/// shorter (a UUID is 36, a ping key 22 characters).
pub const MAX_PART: usize = 200;

/// How many leading characters of a check ID or ping key logs show. Either
/// alone is enough to ping (and so to fake health): a credential.
const SHOWN_CHARS: usize = 4;

/// A check ID or ping key as logs may show it: `1f2e…`.
pub fn mask_id(secret: &str) -> String {
    let shown: String = secret.chars().take(SHOWN_CHARS).collect();
    format!("{shown}…")
}

/// Which Healthchecks check a replica pings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// A check's UUID, or `<ping-key>/<slug>` of a check that exists.
    Id(String),
    /// Auto-provisioning: `<ping-key>/<slug>?create=1` creates the check
    /// on its first ping.
    Provisioned { ping_key: String, slug: String },
}

/// What a ping tells Healthchecks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingKind {
    /// The node is healthy.
    Success,
    /// `/fail`: unhealthy, or gone without an exit status worth recording.
    Fail,
    /// `/<status>`: the node exited with this status (1–255), which
    /// Healthchecks records and treats as a failure.
    ExitStatus(u8),
}

impl PingKind {
    /// The final ping for a node that ended on its own: its exit status
    /// when it has one Healthchecks would count as a failure; status 0 (a
    /// validator has no business exiting) and a death by signal (`None`)
    /// send a plain `/fail`.
    pub fn for_exit(exit_status: Option<i32>) -> PingKind {
        match exit_status.and_then(|status| u8::try_from(status).ok()) {
            Some(status @ 1..=255) => PingKind::ExitStatus(status),
            _ => PingKind::Fail,
        }
    }

    /// How logs name the ping: `/fail`, `/3`, or `success`.
    pub fn describe(self) -> String {
        match self {
            PingKind::Success => "success".to_owned(),
            PingKind::Fail => "/fail".to_owned(),
            PingKind::ExitStatus(status) => format!("/{status}"),
        }
    }

    pub fn is_failure(self) -> bool {
        self != PingKind::Success
    }
}

impl Check {
    /// The check as logs at info and above may show it: the ID or ping key
    /// cut to its first characters (either alone is enough to fake health),
    /// the slug in full.
    pub fn shown(&self) -> String {
        match self {
            Check::Id(id) => mask_id(id),
            Check::Provisioned { ping_key, slug } => format!("{}/{slug}", mask_id(ping_key)),
        }
    }

    /// `text` with the secret part of the check (ID or ping key) masked,
    /// for quoting what a server or proxy said, which may repeat the URL.
    pub fn redact(&self, text: &str) -> String {
        let secret = match self {
            Check::Id(id) => id,
            Check::Provisioned { ping_key, .. } => ping_key,
        };
        let masked = mask_id(secret);
        // A secret no longer than its mask shows in full anyway, and
        // replacing it would only garble the text around it.
        if masked.trim_end_matches('…') == secret {
            return text.to_owned();
        }
        text.replace(secret.as_str(), &masked)
    }

    pub fn is_provisioned(&self) -> bool {
        matches!(self, Check::Provisioned { .. })
    }
}

/// `<base>/<id>[/fail|/<status>]` or
/// `<base>/<ping-key>/<slug>[/fail|/<status>]?create=1`, each part
/// percent-encoded, with one slash at each joint whatever the base ends with.
pub fn ping_url(base: &str, check: &Check, kind: PingKind) -> String {
    let mut url = base.trim_end_matches('/').to_owned();
    match check {
        Check::Id(id) => {
            for part in id.split('/') {
                url.push('/');
                push_encoded(&mut url, part);
            }
        }
        Check::Provisioned { ping_key, slug } => {
            url.push('/');
            push_encoded(&mut url, ping_key);
            url.push('/');
            push_encoded(&mut url, slug);
        }
    }
    match kind {
        PingKind::Success => {}
        PingKind::Fail => url.push_str("/fail"),
        PingKind::ExitStatus(status) => {
            url.push('/');
            url.push_str(&status.to_string());
        }
    }
    if check.is_provisioned() {
        url.push_str("?create=1");
    }
    url
}

/// Appends `part` with everything but RFC 3986's unreserved characters
/// percent-encoded, so that no character of it can end the path segment.
fn push_encoded(url: &mut String, part: &str) {
    for byte in part.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// Why a check ID, ping key or slug cannot be used. Never holds the value
/// itself: it is a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartError {
    Empty,
    TooLong {
        len: usize,
    },
    /// A character Healthchecks does not accept there; `at` counts
    /// characters from 1.
    BadChar {
        ch: char,
        at: usize,
        last: bool,
    },
    /// `/`, `a/` or `/b`.
    EmptyAroundSlash,
    /// Healthchecks answers 400 to a slug that is not all lowercase.
    Uppercase {
        at: usize,
    },
    TooManySlashes,
}

impl fmt::Display for PartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartError::Empty => f.write_str("is empty"),
            PartError::TooLong { len } => {
                write!(f, "is {len} bytes long; at most {MAX_PART} are accepted")
            }
            PartError::BadChar { ch, at, last } => {
                write!(f, "has {} at character {at}", char_name(*ch))?;
                if *last && matches!(ch, '\n' | '\r') {
                    // The usual way a Secret gets one: `echo key > file`.
                    f.write_str(" (a trailing line break, as `echo` leaves in a Secret)")?;
                }
                f.write_str(
                    "; Healthchecks accepts only letters, digits, '-' and '_' in a check \
                     UUID, ping key or slug",
                )
            }
            PartError::EmptyAroundSlash => f.write_str(
                "has an empty part before or after '/'; write a check UUID or \
                 <ping-key>/<slug>",
            ),
            PartError::Uppercase { at } => write!(
                f,
                "has a capital letter at character {at}; Healthchecks refuses slugs that are \
                 not all lowercase"
            ),
            PartError::TooManySlashes => {
                f.write_str("has more than one '/'; write a check UUID or <ping-key>/<slug>")
            }
        }
    }
}

impl std::error::Error for PartError {}

fn char_name(ch: char) -> String {
    match ch {
        ' ' => "a space".to_owned(),
        '\n' => "a line feed (\\n)".to_owned(),
        '\r' => "a carriage return (\\r)".to_owned(),
        '\t' => "a tab".to_owned(),
        _ => format!("{ch:?}"),
    }
}

/// A `healthcheckIDs` item: a check UUID, or `<ping-key>/<slug>`.
pub fn validate_check_id(id: &str) -> Result<(), PartError> {
    check_length(id)?;
    check_chars(id, true)?;
    let mut parts = id.split('/');
    let first = parts.next().unwrap_or_default();
    match (parts.next(), parts.next()) {
        (_, Some(_)) => Err(PartError::TooManySlashes),
        (Some(second), None) if first.is_empty() || second.is_empty() => {
            Err(PartError::EmptyAroundSlash)
        }
        (Some(slug), None) => check_lowercase(slug, first.chars().count() + 1),
        (None, _) => Ok(()),
    }
}

/// `watchlog.pingKey`: a project's ping key, one path segment.
pub fn validate_ping_key(key: &str) -> Result<(), PartError> {
    check_length(key)?;
    check_chars(key, false)
}

/// `watchlog.slug` (or the pod name standing in for it): one path segment,
/// lowercase.
pub fn validate_slug(slug: &str) -> Result<(), PartError> {
    check_length(slug)?;
    check_chars(slug, false)?;
    check_lowercase(slug, 0)
}

/// `skipped` characters come before `slug` in what is reported on.
fn check_lowercase(slug: &str, skipped: usize) -> Result<(), PartError> {
    match slug.chars().position(|ch| ch.is_ascii_uppercase()) {
        Some(i) => Err(PartError::Uppercase {
            at: skipped + i + 1,
        }),
        None => Ok(()),
    }
}

fn check_length(part: &str) -> Result<(), PartError> {
    if part.is_empty() {
        return Err(PartError::Empty);
    }
    if part.len() > MAX_PART {
        return Err(PartError::TooLong { len: part.len() });
    }
    Ok(())
}

fn check_chars(part: &str, slash_allowed: bool) -> Result<(), PartError> {
    for (n, (i, ch)) in part.char_indices().enumerate() {
        let fine =
            ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' || (slash_allowed && ch == '/');
        if !fine {
            return Err(PartError::BadChar {
                ch,
                at: n + 1,
                last: part[i..].chars().all(|c| matches!(c, '\r' | '\n')),
            });
        }
    }
    Ok(())
}

/// Why `pingBaseURL` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseUrlError {
    Empty,
    TooLong { len: usize },
    Scheme,
    BadChar { ch: char, at: usize },
    Query,
    Fragment,
    NoHost,
    UserInfo,
    UnclosedBracket,
    BadIpv6,
    BadPort,
    BadPercent { at: usize },
}

impl fmt::Display for BaseUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaseUrlError::Empty => f.write_str("is empty"),
            BaseUrlError::TooLong { len } => {
                write!(
                    f,
                    "is {len} bytes long; at most {MAX_BASE_URL} are accepted"
                )
            }
            BaseUrlError::Scheme => f.write_str("must start with http:// or https://"),
            BaseUrlError::BadChar { ch, at } => write!(
                f,
                "has {} at character {at}, which a URL cannot hold as it is (percent-encode it)",
                char_name(*ch)
            ),
            BaseUrlError::Query => f.write_str(
                "has a query ('?'); the check's path is appended to the base URL, so it \
                 must end with its path",
            ),
            BaseUrlError::Fragment => f.write_str(
                "has a fragment ('#'); the check's path is appended to the base URL, so it \
                 must end with its path",
            ),
            BaseUrlError::NoHost => f.write_str("has no host after the scheme"),
            BaseUrlError::UserInfo => f.write_str(
                "holds user information ('…@' before the host); Healthchecks needs none, \
                 and kubevali would log it",
            ),
            BaseUrlError::UnclosedBracket => {
                f.write_str("has an IPv6 host whose '[' is not closed with ']'")
            }
            BaseUrlError::BadIpv6 => f.write_str("has an invalid IPv6 address between [ and ]"),
            BaseUrlError::BadPort => f.write_str("has a port that is not a number in 1-65535"),
            BaseUrlError::BadPercent { at } => write!(
                f,
                "has a '%' at character {at} that is not followed by two hex digits"
            ),
        }
    }
}

impl std::error::Error for BaseUrlError {}

/// `pingBaseURL`: `http(s)://host[:port][/path]`, with no user info, query
/// or fragment, and only characters a URL may hold as they are.
pub fn validate_base_url(url: &str) -> Result<(), BaseUrlError> {
    if url.is_empty() {
        return Err(BaseUrlError::Empty);
    }
    if url.len() > MAX_BASE_URL {
        return Err(BaseUrlError::TooLong { len: url.len() });
    }
    for (i, ch) in url.chars().enumerate() {
        if !ch.is_ascii_graphic()
            || matches!(ch, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
        {
            return Err(BaseUrlError::BadChar { ch, at: i + 1 });
        }
    }
    // Position of the earlier of '?' and '#', which both end the path.
    if let Some(i) = url.find(['?', '#']) {
        return Err(if url[i..].starts_with('?') {
            BaseUrlError::Query
        } else {
            BaseUrlError::Fragment
        });
    }
    let (scheme, rest) = url.split_once("://").ok_or(BaseUrlError::Scheme)?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return Err(BaseUrlError::Scheme);
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    // Everything is ASCII by now, so byte offsets are character positions.
    check_authority(authority, scheme.len() + 3)?;
    check_path(path, url.len() - path.len())
}

fn check_authority(authority: &str, offset: usize) -> Result<(), BaseUrlError> {
    if authority.is_empty() {
        return Err(BaseUrlError::NoHost);
    }
    if authority.contains('@') {
        return Err(BaseUrlError::UserInfo);
    }
    let port = if let Some(bracketed) = authority.strip_prefix('[') {
        let (address, after) = bracketed
            .split_once(']')
            .ok_or(BaseUrlError::UnclosedBracket)?;
        if address.parse::<Ipv6Addr>().is_err() {
            return Err(BaseUrlError::BadIpv6);
        }
        match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(BaseUrlError::BadPort)?),
        }
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err(BaseUrlError::NoHost);
        }
        if let Some((i, ch)) = host
            .char_indices()
            .find(|(_, ch)| !(ch.is_ascii_alphanumeric() || matches!(ch, '-' | '.' | '_')))
        {
            return Err(BaseUrlError::BadChar {
                ch,
                at: offset + i + 1,
            });
        }
        port
    };
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p != 0);
        if !valid {
            return Err(BaseUrlError::BadPort);
        }
    }
    Ok(())
}

fn check_path(path: &str, offset: usize) -> Result<(), BaseUrlError> {
    let bytes = path.as_bytes();
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return Err(BaseUrlError::BadPercent { at: offset + i + 1 });
            }
        }
        let allowed = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&byte);
        if !allowed {
            return Err(BaseUrlError::BadChar {
                ch: char::from(byte),
                at: offset + i + 1,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "5b6f6a2e-1c8d-4a57-9f0e-3c2b1a0d9e8f";

    fn provisioned() -> Check {
        Check::Provisioned {
            ping_key: "fqOOd6-F4MMNuCEnzTU01w".to_owned(),
            slug: "validator-0".to_owned(),
        }
    }

    #[test]
    fn masked_ids_show_four_characters() {
        assert_eq!(mask_id(UUID), "5b6f…");
        assert_eq!(mask_id("ab"), "ab…");
        assert_eq!(mask_id("ключ/slug"), "ключ…");
    }

    #[test]
    fn urls_are_built_from_their_parts() {
        let id = Check::Id(UUID.to_owned());
        assert_eq!(
            ping_url("https://hc-ping.com", &id, PingKind::Success),
            format!("https://hc-ping.com/{UUID}")
        );
        assert_eq!(
            ping_url("https://hc-ping.com/", &id, PingKind::Fail),
            format!("https://hc-ping.com/{UUID}/fail")
        );
        assert_eq!(
            ping_url("http://[::1]:8000/ping//", &id, PingKind::ExitStatus(3)),
            format!("http://[::1]:8000/ping/{UUID}/3")
        );
        assert_eq!(
            ping_url(
                "http://hc:8000/ping",
                &Check::Id("key/slug-1".to_owned()),
                PingKind::Fail
            ),
            "http://hc:8000/ping/key/slug-1/fail"
        );
        let auto = provisioned();
        assert_eq!(
            ping_url("https://hc-ping.com", &auto, PingKind::Success),
            "https://hc-ping.com/fqOOd6-F4MMNuCEnzTU01w/validator-0?create=1"
        );
        assert_eq!(
            ping_url("https://hc-ping.com", &auto, PingKind::ExitStatus(255)),
            "https://hc-ping.com/fqOOd6-F4MMNuCEnzTU01w/validator-0/255?create=1"
        );
        assert_eq!(
            ping_url("https://hc-ping.com", &auto, PingKind::Fail),
            "https://hc-ping.com/fqOOd6-F4MMNuCEnzTU01w/validator-0/fail?create=1"
        );
    }

    #[test]
    fn characters_that_would_end_a_segment_are_encoded() {
        // Validation keeps these out; the encoding is the second line of defence.
        let odd = Check::Id("x#frag?y=1 é".to_owned());
        assert_eq!(
            ping_url("http://h", &odd, PingKind::Fail),
            "http://h/x%23frag%3Fy%3D1%20%C3%A9/fail"
        );
    }

    #[test]
    fn exit_statuses_that_healthchecks_counts_as_failures() {
        assert_eq!(PingKind::for_exit(Some(3)), PingKind::ExitStatus(3));
        assert_eq!(PingKind::for_exit(Some(1)), PingKind::ExitStatus(1));
        assert_eq!(PingKind::for_exit(Some(255)), PingKind::ExitStatus(255));
        assert_eq!(PingKind::for_exit(Some(0)), PingKind::Fail);
        assert_eq!(PingKind::for_exit(Some(256)), PingKind::Fail);
        assert_eq!(PingKind::for_exit(Some(-1)), PingKind::Fail);
        assert_eq!(PingKind::for_exit(None), PingKind::Fail);
    }

    #[test]
    fn check_ids_healthchecks_accepts() {
        for id in [UUID, "Key_1/validator-0", "test", "a", "A-Z_09"] {
            assert_eq!(validate_check_id(id), Ok(()), "{id:?}");
        }
        let bad = |id: &str| validate_check_id(id).unwrap_err();
        assert_eq!(bad(""), PartError::Empty);
        assert_eq!(
            bad("x#frag"),
            PartError::BadChar {
                ch: '#',
                at: 2,
                last: false
            }
        );
        assert!(matches!(bad("x?y=1"), PartError::BadChar { ch: '?', .. }));
        assert_eq!(bad("/"), PartError::EmptyAroundSlash);
        assert_eq!(bad("a/"), PartError::EmptyAroundSlash);
        assert_eq!(bad("/a"), PartError::EmptyAroundSlash);
        assert_eq!(bad("a/b/c"), PartError::TooManySlashes);
        assert_eq!(bad("a//b"), PartError::TooManySlashes);
        assert_eq!(bad("key/Validator"), PartError::Uppercase { at: 5 });
        assert!(matches!(bad("a b"), PartError::BadChar { ch: ' ', .. }));
        assert!(matches!(
            bad("é"),
            PartError::BadChar {
                ch: 'é', at: 1, ..
            }
        ));
        assert_eq!(
            bad(&"a".repeat(MAX_PART + 1)),
            PartError::TooLong { len: MAX_PART + 1 }
        );
        let crlf = bad(&format!("{UUID}\r\n"));
        assert_eq!(
            crlf,
            PartError::BadChar {
                ch: '\r',
                at: 37,
                last: true
            }
        );
        let text = crlf.to_string();
        assert!(
            text.contains("carriage return") && text.contains("echo"),
            "{text}"
        );
        assert!(!text.contains(UUID), "the error quotes the ID: {text}");
    }

    #[test]
    fn ping_keys_and_slugs_are_one_segment() {
        assert_eq!(validate_slug("validator-0"), Ok(()));
        assert_eq!(validate_ping_key("fqOOd6-F4MMNuCEnzTU01w"), Ok(()));
        assert_eq!(validate_slug("fqOOd6"), Err(PartError::Uppercase { at: 3 }));
        for part in ["a/b", "sts.0", "a b"] {
            assert!(
                matches!(validate_slug(part), Err(PartError::BadChar { .. })),
                "{part:?}"
            );
            assert!(
                matches!(validate_ping_key(part), Err(PartError::BadChar { .. })),
                "{part:?}"
            );
        }
        assert_eq!(validate_slug(""), Err(PartError::Empty));
        assert_eq!(validate_ping_key(""), Err(PartError::Empty));
    }

    #[test]
    fn base_urls_that_are_accepted_build_urls_http_accepts() {
        let good = [
            "https://hc-ping.com",
            "https://hc-ping.com/",
            "HTTPS://HC-PING.COM",
            "http://healthchecks.internal:8000/ping/",
            "http://[::1]:8000/ping",
            "http://[::1]",
            "http://127.0.0.1:9",
            "http://hc/a%20b/ping",
            "http://my_host/p;x=1/@:!$&'()*+,=~",
        ];
        for base in good {
            assert_eq!(validate_base_url(base), Ok(()), "{base:?}");
            for check in [Check::Id(UUID.to_owned()), provisioned()] {
                for kind in [PingKind::Success, PingKind::Fail, PingKind::ExitStatus(7)] {
                    let url = ping_url(base, &check, kind);
                    let uri: ureq::http::Uri = url.parse().unwrap_or_else(|e| {
                        panic!("{url:?} does not parse: {e}");
                    });
                    assert!(uri.host().is_some(), "{url}");
                    let query = uri.query();
                    assert_eq!(query, check.is_provisioned().then_some("create=1"));
                    let path = uri.path();
                    match kind {
                        PingKind::Success => {
                            assert!(path.ends_with("validator-0") || path.ends_with(UUID))
                        }
                        PingKind::Fail => assert!(path.ends_with("/fail"), "{path}"),
                        PingKind::ExitStatus(_) => assert!(path.ends_with("/7"), "{path}"),
                    }
                }
            }
        }
    }

    #[test]
    fn base_urls_that_are_refused() {
        use BaseUrlError as E;
        let cases: &[(&str, BaseUrlError)] = &[
            ("", E::Empty),
            ("hc-ping.com", E::Scheme),
            ("ftp://hc-ping.com", E::Scheme),
            ("http:/hc", E::Scheme),
            ("http://", E::NoHost),
            ("http:///ping", E::NoHost),
            ("http://:80/ping", E::NoHost),
            ("http://[::1", E::UnclosedBracket),
            ("http://[::1]x", E::BadPort),
            ("http://[zz]", E::BadIpv6),
            ("http://h:0", E::BadPort),
            ("http://h:65536", E::BadPort),
            ("http://h:", E::BadPort),
            ("http://h:8o", E::BadPort),
            ("http://h/p?x=1", E::Query),
            ("http://h?x", E::Query),
            ("http://h/#f", E::Fragment),
            ("http://u:p@h/", E::UserInfo),
            ("http://h/a b", E::BadChar { ch: ' ', at: 11 }),
            ("http://h/%zz", E::BadPercent { at: 10 }),
            ("http://h/%2", E::BadPercent { at: 10 }),
            ("http://h\r\n", E::BadChar { ch: '\r', at: 9 }),
            ("http://hé/", E::BadChar { ch: 'é', at: 9 }),
            ("http://h!/", E::BadChar { ch: '!', at: 9 }),
            ("http://h/{x}", E::BadChar { ch: '{', at: 10 }),
        ];
        for (base, expected) in cases {
            assert_eq!(validate_base_url(base).as_ref(), Err(expected), "{base:?}");
        }
        let long = format!("http://h/{}", "p".repeat(MAX_BASE_URL));
        assert!(matches!(validate_base_url(&long), Err(E::TooLong { .. })));
        assert_eq!(
            E::UnclosedBracket.to_string(),
            "has an IPv6 host whose '[' is not closed with ']'"
        );
    }

    #[test]
    fn shown_and_redacted_checks_hide_the_secret() {
        let id = Check::Id(UUID.to_owned());
        assert_eq!(id.shown(), "5b6f…");
        assert_eq!(
            id.redact(&format!("no check at /ping/{UUID}/fail")),
            "no check at /ping/5b6f…/fail"
        );
        let auto = provisioned();
        assert_eq!(auto.shown(), "fqOO…/validator-0");
        let short = Check::Id("test".to_owned());
        assert_eq!(short.redact("the latest test"), "the latest test");
        assert_eq!(
            auto.redact("https://x/ping/fqOOd6-F4MMNuCEnzTU01w/validator-0"),
            "https://x/ping/fqOO…/validator-0"
        );
    }
}
