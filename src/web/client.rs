//! Who the client is at the network level: the peer, or behind a trusted reverse proxy the
//! address that proxy saw (`TRUSTED_PROXIES`, CONTRACT.md).

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;

use crate::settings::{IpNet, Settings};

/// The client's address. Only when the peer is a trusted proxy is `X-Forwarded-For` read:
/// then the right-most address in it that is not itself a trusted proxy (what the nearest
/// trusted proxy saw); entries a client put further left are never believed.
/// The client as limits count it (issue #34, 9): an IPv4 address, or the /64 network of an
/// IPv6 address (one household or phone gets a whole /64, so counting single addresses would
/// give an attacker 2^64 fresh counts).
pub fn client_key(req: &HttpRequest, settings: &Settings) -> String {
    address_key(client_ip(req, settings))
}

pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
    }
}

pub fn client_ip(req: &HttpRequest, settings: &Settings) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    from_chain(peer, &forwarded, &settings.trusted_proxies)
}

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    proxies.iter().any(|n| n.contains(ip))
}

fn from_chain(peer: IpAddr, forwarded: &str, proxies: &[IpNet]) -> IpAddr {
    if !trusted(peer, proxies) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded.split(',').rev() {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let Some(ip) = parse_entry(entry) else {
            // Not an address: nothing further left can be believed.
            return client;
        };
        client = ip;
        if !trusted(ip, proxies) {
            return ip;
        }
    }
    client
}

/// `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]:5678`.
fn parse_entry(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| IpNet::parse(n).unwrap()).collect()
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(address_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            address_key(ip("2001:db8:1:2:ffff:1:2:3")),
            address_key(ip("2001:db8:1:2::9"))
        );
        assert_ne!(
            address_key(ip("2001:db8:1:3::1")),
            address_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(address_key(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(address_key(ip("::ffff:203.0.113.7")), "203.0.113.7");
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_the_header_says() {
        assert_eq!(from_chain(ip("1.1.1.1"), "9.9.9.9", &[]), ip("1.1.1.1"));
        assert_eq!(
            from_chain(ip("1.1.1.1"), "9.9.9.9", &nets(&["10.0.0.0/8"])),
            ip("1.1.1.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_counts() {
        let p = nets(&["10.0.0.0/8", "127.0.0.1"]);
        assert_eq!(from_chain(ip("127.0.0.1"), "9.9.9.9", &p), ip("9.9.9.9"));
        // A client that writes its own header cannot choose its address.
        assert_eq!(
            from_chain(ip("127.0.0.1"), "6.6.6.6, 9.9.9.9, 10.1.1.1", &p),
            ip("9.9.9.9")
        );
        assert_eq!(
            from_chain(ip("127.0.0.1"), "[2001:db8::1]:443", &p),
            ip("2001:db8::1")
        );
        // Nothing forwarded, or garbage: the proxy itself.
        assert_eq!(from_chain(ip("127.0.0.1"), "", &p), ip("127.0.0.1"));
        assert_eq!(from_chain(ip("127.0.0.1"), "junk", &p), ip("127.0.0.1"));
        assert_eq!(
            from_chain(ip("127.0.0.1"), "junk, 10.0.0.5", &p),
            ip("10.0.0.5")
        );
    }
}
