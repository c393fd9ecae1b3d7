//! One HTTP ping and what its outcome means: delivered, worth retrying, or
//! refused for a reason that retrying cannot fix.

use std::fmt;
use std::io::Read;
use std::time::Duration;

use crate::duration::display;
use crate::ping_url::Check;

/// Attempts per ping, and the pause before each retry.
pub const ATTEMPTS: usize = 3;
pub const BACKOFF: [Duration; ATTEMPTS - 1] = [Duration::from_secs(1), Duration::from_secs(2)];

/// How much of a refusal's response body we keep for the warning: the
/// server's short explanation ("not found", "invalid url format").
const KEPT_REPLY: u64 = 200;

/// An HTTP client for pings: rustls with the built-in web PKI roots (the
/// image has no CA bundle), every request bounded by a global timeout.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// The start of the response body, for messages.
    pub text: String,
    /// A redirect's target, for the hint.
    pub location: Option<String>,
}

impl Client {
    pub fn new(timeout: Duration) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            // A redirect would turn the POST into a body-less GET or fail, and
            // could carry the check ID to another host: report it instead.
            .max_redirects(0)
            .user_agent(concat!("kubevali/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: config.into(),
        }
    }

    /// POSTs `body` to `url`, giving up after `timeout` in all.
    pub fn post(&self, url: &str, body: &str, timeout: Duration) -> Result<Reply, ureq::Error> {
        let mut response = self
            .agent
            .post(url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .content_type("text/plain; charset=utf-8")
            .send(body)?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let mut kept = Vec::new();
        // The answer to a ping carries nothing we need; a read error here
        // does not undo the delivery the status already confirms.
        let _ = response
            .body_mut()
            .as_reader()
            .take(KEPT_REPLY)
            .read_to_end(&mut kept);
        Ok(Reply {
            status,
            text: String::from_utf8_lossy(&kept).trim().to_owned(),
            location,
        })
    }
}

/// Why a ping did not get through. Equal values are the same problem for
/// the purpose of warning once per change rather than once per ping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The server answered with this status.
    Status(u16),
    TimedOut,
    /// No connection, or it broke; the text never holds the URL.
    Unreachable(String),
    /// An answer that is not HTTP as a ping expects it.
    BadResponse(String),
    /// The request could not be made at all (bad URL, TLS setup, ...).
    Broken(String),
}

/// What to do after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Worth another attempt: the server or the path to it may recover.
    Retry(Problem),
    /// Retrying would get the same answer.
    GiveUp(Problem),
}

pub fn classify_status(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        408 | 429 | 500..=599 => Verdict::Retry(Problem::Status(status)),
        _ => Verdict::GiveUp(Problem::Status(status)),
    }
}

pub fn classify_error(error: &ureq::Error) -> Verdict {
    use ureq::Error as E;
    // Descriptions are our own: some ureq errors quote the URL, which
    // holds the check ID.
    match error {
        E::Timeout(_) => Verdict::Retry(Problem::TimedOut),
        E::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => Verdict::Retry(Problem::TimedOut),
        E::Io(e) => Verdict::Retry(Problem::Unreachable(e.to_string())),
        E::HostNotFound => Verdict::Retry(Problem::Unreachable("host not found".to_owned())),
        E::ConnectionFailed => Verdict::Retry(Problem::Unreachable("connection failed".to_owned())),
        E::Protocol(e) => Verdict::Retry(Problem::BadResponse(format!("bad HTTP response: {e}"))),
        E::LargeResponseHeader(..) => Verdict::Retry(Problem::BadResponse(format!("{error}"))),
        E::BadUri(_) | E::Http(_) => Verdict::GiveUp(Problem::Broken(
            "the ping URL is invalid; check pingBaseURL and healthcheckIDs".to_owned(),
        )),
        E::Tls(e) => Verdict::GiveUp(Problem::Broken(format!("TLS error: {e}"))),
        E::Rustls(e) => Verdict::GiveUp(Problem::Broken(format!("TLS error: {e}"))),
        _ => Verdict::GiveUp(Problem::Broken(format!("{error}"))),
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Status(status) => write!(f, "HTTP {status}"),
            Problem::TimedOut => f.write_str("timed out"),
            Problem::Unreachable(why) | Problem::BadResponse(why) | Problem::Broken(why) => {
                f.write_str(why)
            }
        }
    }
}

impl Problem {
    /// Whether `other` is the same trouble as far as warning about it goes:
    /// texts that differ only in their numbers (sizes, addresses, ports)
    /// are, and so are all 5xx answers (a failing server or proxy).
    pub fn same_as(&self, other: &Problem) -> bool {
        match (self, other) {
            (Problem::Status(a), Problem::Status(b)) => {
                a == b || ((500..=599).contains(a) && (500..=599).contains(b))
            }
            (Problem::TimedOut, Problem::TimedOut) => true,
            (Problem::Unreachable(a), Problem::Unreachable(b))
            | (Problem::BadResponse(a), Problem::BadResponse(b))
            | (Problem::Broken(a), Problem::Broken(b)) => without_numbers(a) == without_numbers(b),
            _ => false,
        }
    }
}

/// `text` with every run of digits replaced by `#`.
fn without_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            out.push(ch);
            in_number = false;
        }
    }
    out
}

/// What the operator can do about a ping that did not get through: each
/// cause points at what to look at, and at nothing else.
pub fn hint(problem: &Problem, reply: Option<&Reply>, check: &Check, timeout: Duration) -> String {
    let status = match problem {
        Problem::Status(status) => *status,
        Problem::TimedOut => {
            return format!(
                "the server did not answer within pingTimeout ({}): it is down or \
                 overloaded, or the network drops the connection; pings go on",
                display(timeout)
            );
        }
        Problem::Unreachable(_) => {
            return "could not talk to the server: check that pingBaseURL's host resolves and \
                    is reachable from the pod (DNS, network policy, proxy)"
                .to_owned();
        }
        Problem::BadResponse(_) => {
            return "the answer was not what a Healthchecks server sends: something else (a \
                    proxy, a captive portal) answers at pingBaseURL"
                .to_owned();
        }
        Problem::Broken(_) => return "check watchlog.pingBaseURL".to_owned(),
    };
    match status {
        500..=599 => "the server failed to handle the ping (an error in Healthchecks or in a \
                      proxy before it, not in this config); pings go on"
            .to_owned(),
        404 if check.is_provisioned() => "the server knows no project with this ping key \
                                          (with ?create=1 it would have created a missing \
                                          check): check watchlog.pingKey"
            .to_owned(),
        404 => "the server has no such check: check that healthcheckIDs[.Index] names a \
                check of this Healthchecks (for <ping-key>/<slug>: both parts)"
            .to_owned(),
        400 => "the server found the ping URL malformed: check healthcheckIDs or \
                pingKey/slug, and pingBaseURL"
            .to_owned(),
        401 => "the server wants credentials, which Healthchecks never asks of pings: an \
                authenticating proxy sits in front of it; let pingBaseURL through without \
                authentication"
            .to_owned(),
        403 => "the server refused the ping: Healthchecks does not answer pings this way, so \
                a proxy, firewall or access rule in front of it does; check what answers at \
                pingBaseURL"
            .to_owned(),
        409 => "the slug matches more than one check in the project: make slugs unique".to_owned(),
        413 => "the server limits ping bodies to fewer bytes than we send: \
                raise its PING_BODY_LIMIT"
            .to_owned(),
        300..=399 => match reply.and_then(|r| r.location.as_deref()) {
            Some(location) => format!(
                "the server redirects to {:?}, which a ping does not follow: set pingBaseURL \
                 to where it points",
                check.redact(location)
            ),
            None => "the server redirects, which a ping does not follow: set pingBaseURL to \
                     the final address"
                .to_owned(),
        },
        _ => "the server does not accept pings at this address: check pingBaseURL".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_that_may_recover_are_retried() {
        assert_eq!(classify_status(200), Verdict::Delivered);
        assert_eq!(classify_status(201), Verdict::Delivered);
        for status in [408, 429, 500, 502, 503, 504] {
            assert_eq!(
                classify_status(status),
                Verdict::Retry(Problem::Status(status))
            );
        }
        for status in [301, 400, 401, 404, 409, 413] {
            assert_eq!(
                classify_status(status),
                Verdict::GiveUp(Problem::Status(status))
            );
        }
    }

    #[test]
    fn transport_failures_are_retried_and_bad_urls_are_not() {
        let refused = ureq::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(matches!(
            classify_error(&refused),
            Verdict::Retry(Problem::Unreachable(_))
        ));
        let timeout = ureq::Error::Timeout(ureq::Timeout::Global);
        assert_eq!(classify_error(&timeout), Verdict::Retry(Problem::TimedOut));
        assert!(matches!(
            classify_error(&ureq::Error::HostNotFound),
            Verdict::Retry(_)
        ));
        let bad = ureq::Error::BadUri("http://x/secret-id".to_owned());
        match classify_error(&bad) {
            Verdict::GiveUp(problem) => assert!(!problem.to_string().contains("secret")),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn hint_for(status: u16, check: &Check) -> String {
        hint(
            &Problem::Status(status),
            None,
            check,
            Duration::from_secs(10),
        )
    }

    #[test]
    fn hints_point_at_the_cause() {
        let id = Check::Id("5b6f6a2e-1c8d-4a57-9f0e-3c2b1a0d9e8f".to_owned());
        let auto = Check::Provisioned {
            ping_key: "fqOOd6-F4MMNuCEnzTU01w".to_owned(),
            slug: "validator-0".to_owned(),
        };
        for status in [500, 502, 503, 504] {
            let text = hint_for(status, &id);
            assert!(
                text.contains("server failed") && !text.contains("pingBaseURL"),
                "{text}"
            );
        }
        let timeout = hint(&Problem::TimedOut, None, &id, Duration::from_secs(10));
        assert!(
            timeout.contains("did not answer within pingTimeout (10s)"),
            "{timeout}"
        );
        assert!(hint_for(404, &id).contains("healthcheckIDs"));
        assert!(!hint_for(404, &id).contains("pingKey"));
        assert!(hint_for(404, &auto).contains("watchlog.pingKey"));
        assert!(hint_for(400, &id).contains("malformed"));
        let (unauthorized, forbidden) = (hint_for(401, &id), hint_for(403, &id));
        assert!(unauthorized.contains("credentials"), "{unauthorized}");
        assert!(forbidden.contains("refused"), "{forbidden}");
        assert_ne!(unauthorized, forbidden);
    }

    #[test]
    fn the_redirect_hint_shows_the_whole_location_with_the_secret_masked() {
        let id = Check::Id("5b6f6a2e-1c8d-4a57-9f0e-3c2b1a0d9e8f".to_owned());
        let redirect = Reply {
            status: 301,
            text: String::new(),
            location: Some(
                "https://hc.example.com/healthchecks/ping/5b6f6a2e-1c8d-4a57-9f0e-3c2b1a0d9e8f"
                    .to_owned(),
            ),
        };
        let text = hint(
            &Problem::Status(301),
            Some(&redirect),
            &id,
            Duration::from_secs(1),
        );
        assert!(
            text.contains("\"https://hc.example.com/healthchecks/ping/5b6f…\""),
            "{text}"
        );
        assert!(!text.contains("1c8d"), "{text}");
    }

    #[test]
    fn problems_that_differ_only_in_a_number_are_the_same() {
        let big = |n: usize| Problem::Broken(format!("response header is too big: {n} > 65536"));
        assert!(big(70_000).same_as(&big(81_234)));
        assert!(!big(70_000).same_as(&Problem::Broken("TLS error: bad cert".to_owned())));
        assert!(Problem::Status(502).same_as(&Problem::Status(503)));
        assert!(!Problem::Status(404).same_as(&Problem::Status(410)));
        assert!(!Problem::Status(500).same_as(&Problem::TimedOut));
        assert!(
            Problem::Unreachable("connect to 10.0.0.1:80".to_owned())
                .same_as(&Problem::Unreachable("connect to 10.0.0.2:80".to_owned()))
        );
    }
}
