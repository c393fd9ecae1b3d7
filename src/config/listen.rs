//! `http.listen`: the address the probes and metrics endpoint listens on,
//! as written in the config. Binding it is the endpoint's business.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Where the endpoint listens: one address, or every interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    /// `:9616`: every interface, IPv6 and IPv4 where the system has both.
    Any(u16),
    /// `127.0.0.1:9616`, `[::1]:9616`, `localhost:9616`.
    Addr(SocketAddr),
}

impl Listen {
    pub fn port(self) -> u16 {
        match self {
            Listen::Any(port) => port,
            Listen::Addr(addr) => addr.port(),
        }
    }
}

impl fmt::Display for Listen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Listen::Any(port) => write!(f, ":{port}"),
            Listen::Addr(addr) => addr.fmt(f),
        }
    }
}

/// Reads `host:port`. The host is empty (every interface), an IP address
/// (IPv6 in brackets) or `localhost`; other names are refused, because
/// resolving them would make loading the config depend on DNS. Port 0 asks
/// the system for a free port (kubevali logs which).
pub fn parse(text: &str) -> Result<Listen, String> {
    let expected = "expected host:port, such as \":9616\" (every interface) or \"127.0.0.1:9616\"";
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!("{text:?}: no port; {expected}"));
    };
    // Plain digits only: u16's parser would also take "+80".
    let digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    let port = match port.parse::<u16>() {
        Ok(number) if digits => number,
        _ => {
            return Err(format!(
                "{text:?}: the port must be a number from 0 to 65535; {expected}"
            ));
        }
    };
    if host.is_empty() {
        return Ok(Listen::Any(port));
    }
    let ip = if host == "localhost" {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        match inner.parse::<Ipv6Addr>() {
            Ok(ip) => IpAddr::V6(ip),
            Err(_) => return Err(format!("{text:?}: {inner:?} is not an IPv6 address")),
        }
    } else {
        match host.parse::<Ipv4Addr>() {
            Ok(ip) => IpAddr::V4(ip),
            Err(_) if host.contains(':') => {
                return Err(format!(
                    "{text:?}: write an IPv6 address in brackets, such as \"[::1]:9616\""
                ));
            }
            Err(_) => {
                return Err(format!(
                    "{text:?}: the host must be empty, an IP address or localhost (names are not looked up)"
                ));
            }
        }
    };
    Ok(Listen::Addr(SocketAddr::new(ip, port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        assert_eq!(parse(":9616"), Ok(Listen::Any(9616)));
        assert_eq!(
            parse("127.0.0.1:9616"),
            Ok(Listen::Addr("127.0.0.1:9616".parse().unwrap()))
        );
        assert_eq!(
            parse("[::1]:80"),
            Ok(Listen::Addr("[::1]:80".parse().unwrap()))
        );
        assert_eq!(
            parse("localhost:0"),
            Ok(Listen::Addr("127.0.0.1:0".parse().unwrap()))
        );
        assert_eq!(parse("0.0.0.0:65535").unwrap().port(), 65535);
    }

    #[test]
    fn refused_forms_say_why() {
        for (text, why) in [
            ("9616", "no port"),
            (":", "must be a number"),
            (":+80", "must be a number"),
            (":65536", "must be a number"),
            (":-1", "must be a number"),
            ("::1:80", "in brackets"),
            ("[::1", "brackets"),
            ("[x]:80", "not an IPv6 address"),
            ("example.com:80", "names are not looked up"),
            ("1.2.3:80", "names are not looked up"),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    #[test]
    fn display_gives_back_what_parses() {
        for text in [":9616", "127.0.0.1:1", "[::1]:2"] {
            assert_eq!(parse(text).unwrap().to_string(), text);
        }
    }
}
