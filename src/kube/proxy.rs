//! Which proxy, if any, carries the API traffic, decided the way kubectl
//! (Go's `net/http` `ProxyFromEnvironment`) decides it. Pure: the
//! environment comes in as a lookup.

use std::net::IpAddr;

/// The variables read here, for callers that snapshot the environment.
pub const VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The proxy URL for requests to `server` (a URL) from `HTTPS_PROXY`
/// (https servers) or `HTTP_PROXY` (http servers), unless `NO_PROXY`
/// exempts the host. As in Go, the upper-case name wins, a value without
/// a scheme means `http://`, and `localhost` and loopback addresses never
/// go through a proxy.
pub fn from_environment(server: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let any = |names: [&str; 2]| {
        names
            .into_iter()
            .find_map(|name| env(name).filter(|value| !value.is_empty()))
    };
    let (scheme, host, port) = split_server(server)?;
    let proxy = if scheme == "https" {
        any(["HTTPS_PROXY", "https_proxy"])?
    } else {
        any(["HTTP_PROXY", "http_proxy"])?
    };
    let no_proxy = any(["NO_PROXY", "no_proxy"]).unwrap_or_default();
    if !use_proxy(&host, &port, &no_proxy) {
        return None;
    }
    Some(if proxy.contains("://") {
        proxy
    } else {
        format!("http://{proxy}")
    })
}

/// Scheme, lower-cased host without brackets, and port (the scheme's
/// default when absent) of a server URL.
fn split_server(server: &str) -> Option<(String, String, String)> {
    let (scheme, rest) = server.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let default_port = if scheme == "https" { "443" } else { "80" };
    let (host, port) = split_host_port(authority).unwrap_or((authority, ""));
    let port = if port.is_empty() { default_port } else { port };
    Some((scheme, host.to_ascii_lowercase(), port.to_owned()))
}

/// `host:port`, `[v6]:port` → (host, port); `None` when there is no port.
fn split_host_port(text: &str) -> Option<(&str, &str)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return Some((host, after.strip_prefix(':')?));
    }
    let (host, port) = text.rsplit_once(':')?;
    // A bare IPv6 address has colons but no port.
    if host.contains(':') {
        return None;
    }
    Some((host, port))
}

/// Go's `httpproxy.Config.useProxy`: whether `host:port` goes through
/// the proxy given the `NO_PROXY` list.
fn use_proxy(host: &str, port: &str, no_proxy: &str) -> bool {
    if host == "localhost" {
        return false;
    }
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return false;
    }
    !no_proxy
        .split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| exempts(&entry, host, port, ip))
}

/// Whether one `NO_PROXY` entry exempts the host: `*`, an IP or CIDR, a
/// domain (which also covers its subdomains), `.domain` or `*.domain`
/// (subdomains only), each optionally with `:port`.
fn exempts(entry: &str, host: &str, port: &str, ip: Option<IpAddr>) -> bool {
    if entry == "*" {
        return true;
    }
    if let Some((network, bits)) = entry.split_once('/') {
        return match (network.parse::<IpAddr>(), bits.parse::<u8>(), ip) {
            (Ok(network), Ok(bits), Some(ip)) => in_network(ip, network, bits),
            _ => false,
        };
    }
    let (entry_host, entry_port) = match split_host_port(entry) {
        Some((entry_host, entry_port)) => (entry_host, entry_port),
        None => (entry.trim_start_matches('[').trim_end_matches(']'), ""),
    };
    if entry_host.is_empty() || !(entry_port.is_empty() || entry_port == port) {
        return false;
    }
    if let Ok(entry_ip) = entry_host.parse::<IpAddr>() {
        return ip == Some(entry_ip);
    }
    let domain = entry_host.strip_prefix('*').unwrap_or(entry_host);
    match domain.strip_prefix('.') {
        Some(_) => host.ends_with(domain),
        None => host == domain || host.ends_with(&format!(".{domain}")),
    }
}

fn in_network(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(network)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy_for(server: &str, vars: &[(&str, &str)]) -> Option<String> {
        from_environment(server, &|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn scheme_picks_the_variable_and_upper_case_wins() {
        let vars = [
            ("HTTPS_PROXY", "http://secure:3128"),
            ("https_proxy", "http://lower:1"),
            ("HTTP_PROXY", "plain:8080"),
        ];
        assert_eq!(
            proxy_for("https://api.example.com:6443", &vars).as_deref(),
            Some("http://secure:3128")
        );
        assert_eq!(
            proxy_for("http://api.example.com", &vars).as_deref(),
            Some("http://plain:8080")
        );
        assert_eq!(proxy_for("https://api.example.com", &[]), None);
        assert_eq!(
            proxy_for("https://api.example.com", &[("https_proxy", "p:1")]).as_deref(),
            Some("http://p:1")
        );
    }

    #[test]
    fn loopback_is_never_proxied() {
        let vars = [("HTTPS_PROXY", "http://p:1")];
        for server in [
            "https://127.0.0.1:6443",
            "https://localhost",
            "https://[::1]:443",
            "https://127.3.2.1",
        ] {
            assert_eq!(proxy_for(server, &vars), None, "{server}");
        }
    }

    #[test]
    fn no_proxy_follows_go() {
        let check = |server: &str, no_proxy: &str| {
            proxy_for(
                server,
                &[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)],
            )
            .is_some()
        };
        // Exempted (false = goes direct).
        assert!(!check("https://api.example.com", "*"));
        assert!(!check("https://api.example.com", "example.com"));
        assert!(!check("https://example.com", "example.com"));
        assert!(!check("https://api.example.com", ".example.com"));
        assert!(!check("https://api.example.com", "*.example.com"));
        assert!(!check(
            "https://API.Example.com",
            " other.org , EXAMPLE.COM "
        ));
        assert!(!check("https://10.1.2.3:6443", "10.0.0.0/8"));
        assert!(!check("https://10.1.2.3:6443", "10.1.2.3"));
        assert!(!check("https://10.1.2.3:6443", "10.1.2.3:6443"));
        assert!(!check("https://[fd00::5]:6443", "fd00::/8"));
        assert!(!check(
            "https://api.example.com:6443",
            "api.example.com:6443"
        ));
        assert!(!check("https://api.example.com", "api.example.com:443"));
        // Still proxied.
        assert!(check("https://example.com", ".example.com"));
        assert!(check("https://notexample.com", "example.com"));
        assert!(check("https://api.example.com:6443", "api.example.com:443"));
        assert!(check("https://10.1.2.3", "10.1.2.4,11.0.0.0/8"));
        assert!(check("https://10.1.2.3", "10.0.0.0/99"));
        assert!(check("https://api.example.com", ""));
        assert!(check("https://api.example.com", ":443"));
    }
}
