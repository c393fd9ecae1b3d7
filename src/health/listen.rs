//! Binding `http.listen` (read and checked by the config).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};

pub use crate::config::Listen;

/// Binds `listen`. For every interface it asks for an IPv6 socket that
/// also takes IPv4 (a pod may have either address family), and falls back
/// to IPv4 alone where the kernel has no IPv6.
pub fn bind(listen: Listen) -> io::Result<TcpListener> {
    match listen {
        Listen::Addr(addr) => TcpListener::bind(addr),
        Listen::Any(port) => match bind_dual_stack(port) {
            Ok(listener) => Ok(listener),
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EAFNOSUPPORT | libc::EADDRNOTAVAIL | libc::EPROTONOSUPPORT)
                ) =>
            {
                TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port))
            }
            Err(e) => Err(e),
        },
    }
}

fn bind_dual_stack(port: u16) -> io::Result<TcpListener> {
    crate::sys::listen_dual_stack(port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_takes_ipv4_and_ipv6() {
        let listener = bind(Listen::Any(0)).expect("bind any");
        let port = listener.local_addr().unwrap().port();
        std::net::TcpStream::connect(("127.0.0.1", port)).expect("IPv4 connect");
        if listener.local_addr().unwrap().is_ipv6() {
            std::net::TcpStream::connect(("::1", port)).expect("IPv6 connect");
        }
    }
}
