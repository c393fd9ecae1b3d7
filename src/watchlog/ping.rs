//! One HTTP ping and what its outcome means: delivered, worth retrying, or
//! refused for a reason that retrying cannot fix.

use std::fmt;
use std::io::Read;
use std::time::Duration;

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
        E::Protocol(e) => Verdict::Retry(Problem::Unreachable(format!("bad HTTP response: {e}"))),
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
            Problem::Unreachable(why) | Problem::Broken(why) => f.write_str(why),
        }
    }
}

/// What the operator can do about a refusal.
pub fn hint(problem: &Problem, reply: Option<&Reply>) -> String {
    let status = match problem {
        Problem::Status(status) => *status,
        Problem::TimedOut => {
            return "the ping endpoint did not answer within pingTimeout; \
                    check that pingBaseURL is reachable from the pod"
                .to_owned();
        }
        Problem::Unreachable(_) => {
            return "check that pingBaseURL is reachable from the pod (DNS, network policy)"
                .to_owned();
        }
        Problem::Broken(_) => return "check watchlog.pingBaseURL".to_owned(),
    };
    match status {
        404 => "the server knows no such check: check healthcheckIDs and that it \
                belongs to the project (for <ping-key>/<slug> IDs: the ping key and slug)"
            .to_owned(),
        400 => "the server found the ping URL malformed: check healthcheckIDs \
                (a UUID or <ping-key>/<slug>) and pingBaseURL"
            .to_owned(),
        401 | 403 => "the server refused access: check the ping key in healthcheckIDs".to_owned(),
        409 => "the slug matches more than one check in the project: make slugs unique".to_owned(),
        413 => "the server limits ping bodies to fewer bytes than we send: \
                raise its PING_BODY_LIMIT"
            .to_owned(),
        300..=399 => match reply.and_then(|r| r.location.as_deref()) {
            Some(location) => format!(
                "the server redirects to {:?}: set pingBaseURL to where it points",
                redact_location(location)
            ),
            None => "the server redirects: set pingBaseURL to the final address".to_owned(),
        },
        _ => "the server does not accept pings at this address: check pingBaseURL".to_owned(),
    }
}

/// A redirect target without its path, which repeats the check ID.
fn redact_location(location: &str) -> &str {
    let after_scheme = location.find("://").map_or(0, |i| i + 3);
    match location[after_scheme..].find('/') {
        Some(i) => &location[..after_scheme + i],
        None => location,
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

    #[test]
    fn hints_name_the_setting_to_fix() {
        assert!(hint(&Problem::Status(404), None).contains("healthcheckIDs"));
        assert!(hint(&Problem::Status(400), None).contains("malformed"));
        let redirect = Reply {
            status: 301,
            text: String::new(),
            location: Some("https://hc.example.com/ping/5b6f6a2e-secret".to_owned()),
        };
        let text = hint(&Problem::Status(301), Some(&redirect));
        assert!(
            text.contains("https://hc.example.com") && !text.contains("secret"),
            "{text}"
        );
    }
}
