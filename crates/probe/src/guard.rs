//! The SSRF guard: which IP addresses the prober (and the proxy check) may connect to.
//!
//! Dragnet connects to whatever addresses the DNS of a domain it was given points at, and
//! follows redirects wherever a server sends it. Without a guard, anyone who controls a
//! domain's DNS (or a redirect) could make Dragnet talk to the operator's own network: a
//! cloud metadata service (`169.254.169.254`), an admin interface on `10.0.0.1`, a database
//! on loopback. So every address is checked *before* a packet is sent to it, and everything
//! that is not ordinary public unicast is refused:
//!
//! | range | reason |
//! |---|---|
//! | `0.0.0.0` | unspecified |
//! | `0.0.0.0/8` | this network |
//! | `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` | private |
//! | `100.64.0.0/10` | CGNAT (shared address space) |
//! | `127.0.0.0/8` | loopback |
//! | `169.254.0.0/16` | link-local (includes the `169.254.169.254` metadata service) |
//! | `192.0.0.0/24` | IETF protocol assignments |
//! | `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24` | documentation |
//! | `198.18.0.0/15` | benchmarking |
//! | `224.0.0.0/4` | multicast |
//! | `240.0.0.0/4` | reserved |
//! | `255.255.255.255` | broadcast |
//! | `::` | unspecified |
//! | `::1` | loopback |
//! | `::ffff:0:0/96` | IPv4-mapped: refused when the embedded IPv4 address is refused |
//! | `::/96` (other than `::`, `::1`) | IPv4-compatible (deprecated): always refused |
//! | `64:ff9b::/96` | NAT64: refused when the embedded IPv4 address is refused |
//! | `64:ff9b:1::/48` | NAT64 local-use |
//! | `100::/64` | discard-only |
//! | `2001::/32` | Teredo (tunnels to an IPv4 address the guard cannot see) |
//! | `2001:2::/48` | benchmarking |
//! | `2001:db8::/32`, `3fff::/20` | documentation |
//! | `2002::/16` | 6to4: refused when the embedded IPv4 address is refused |
//! | `fc00::/7` | unique local (private) |
//! | `fe80::/10` | link-local |
//! | `fec0::/10` | site-local (deprecated) |
//! | `ff00::/8` | multicast |
//! | anything else outside `2000::/3` | reserved (not global unicast) |
//!
//! The embedded forms (mapped, NAT64, 6to4) say so in the reason, e.g.
//! `"IPv4-mapped loopback"`, because a stack that translates them reaches the IPv4 address.
//!
//! The operator has two ways out: `allowed_networks`, exceptions checked first (e.g. an
//! intranet range Dragnet is meant to crawl), and `allow_private`, which allows everything
//! (tests, and deployments that crawl only their own network).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::Arc;

/// Decides whether an address may be connected to. Cheap to clone (the exceptions are
/// shared).
#[derive(Clone, Debug)]
pub struct AddressGuard {
    allow_private: bool,
    allowed_networks: Arc<[IpNetwork]>,
}

impl AddressGuard {
    /// A guard that refuses every non-public address (see the module documentation) except
    /// those in `allowed_networks`; with `allow_private`, it allows everything.
    pub fn new(allow_private: bool, allowed_networks: Vec<IpNetwork>) -> Self {
        Self {
            allow_private,
            allowed_networks: allowed_networks.into(),
        }
    }

    /// A guard that allows every address (`allow_private = true`).
    pub fn allow_all() -> Self {
        Self::new(true, Vec::new())
    }

    /// Whether every address is allowed.
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// The operator's exceptions.
    pub fn allowed_networks(&self) -> &[IpNetwork] {
        &self.allowed_networks
    }

    /// `Ok` if `ip` may be connected to, else which address was refused and why.
    ///
    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is matched against the exceptions in
    /// both forms, so `127.0.0.1/32` also allows `::ffff:127.0.0.1`.
    pub fn check(&self, ip: IpAddr) -> Result<(), BlockedAddress> {
        if self.allow_private || self.is_excepted(ip) {
            return Ok(());
        }
        match classify(ip) {
            None => Ok(()),
            Some(reason) => Err(BlockedAddress { ip, reason }),
        }
    }

    fn is_excepted(&self, ip: IpAddr) -> bool {
        if self.allowed_networks.is_empty() {
            return false;
        }
        let mapped = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.allowed_networks
            .iter()
            .any(|n| n.contains(ip) || mapped.is_some_and(|m| n.contains(m)))
    }
}

/// An address the guard refused, and why. Its `Display` reads
/// `"169.254.169.254 is link-local"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{ip} is {reason}")]
pub struct BlockedAddress {
    /// The refused address.
    pub ip: IpAddr,
    /// Why, as [`classify`] says it.
    pub reason: &'static str,
}

/// An IP network in CIDR notation (`10.1.0.0/16`, `::1/128`; a bare address is a single-host
/// network). Host bits below the prefix are cleared, so `10.1.2.3/16` is `10.1.0.0/16`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpNetwork {
    addr: IpAddr,
    prefix: u8,
}

/// Why a string is not an [`IpNetwork`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IpNetworkParseError {
    /// The part before `/` is not an IP address.
    #[error("`{0}` is not an IP address (expected e.g. 10.1.0.0/16 or fd00::/8)")]
    Address(String),
    /// The part after `/` is not a number within the address family's width.
    #[error("`{prefix}` is not a valid prefix length for an {family} network (0 to {max})")]
    Prefix {
        /// The prefix as written.
        prefix: String,
        /// `IPv4` or `IPv6`.
        family: &'static str,
        /// The widest prefix of the family (32 or 128).
        max: u8,
    },
}

impl IpNetwork {
    /// The network of `addr` with `prefix` bits, or `None` if `prefix` is too long for the
    /// address family. Host bits are cleared.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        match addr {
            IpAddr::V4(v4) if prefix <= 32 => {
                let bits = u32::from(v4) & mask32(prefix);
                Some(Self {
                    addr: IpAddr::V4(Ipv4Addr::from(bits)),
                    prefix,
                })
            }
            IpAddr::V6(v6) if prefix <= 128 => {
                let bits = u128::from(v6) & mask128(prefix);
                Some(Self {
                    addr: IpAddr::V6(Ipv6Addr::from(bits)),
                    prefix,
                })
            }
            _ => None,
        }
    }

    /// The network address (host bits cleared).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in this network. An address of the other family never is.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(ip) & mask32(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(ip) & mask128(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

fn mask32(prefix: u8) -> u32 {
    match prefix {
        0 => 0,
        p => u32::MAX << (32 - u32::from(p.min(32))),
    }
}

fn mask128(prefix: u8) -> u128 {
    match prefix {
        0 => 0,
        p => u128::MAX << (128 - u32::from(p.min(128))),
    }
}

impl FromStr for IpNetwork {
    type Err = IpNetworkParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr_text, prefix_text) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| IpNetworkParseError::Address(addr_text.to_owned()))?;
        let (family, max) = match addr {
            IpAddr::V4(_) => ("IPv4", 32),
            IpAddr::V6(_) => ("IPv6", 128),
        };
        let prefix = match prefix_text {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= max && !p.starts_with('+'))
                .ok_or_else(|| IpNetworkParseError::Prefix {
                    prefix: p.to_owned(),
                    family,
                    max,
                })?,
        };
        // `prefix <= max` was checked, so `new` cannot refuse it.
        IpNetwork::new(addr, prefix).ok_or(IpNetworkParseError::Prefix {
            prefix: prefix.to_string(),
            family,
            max,
        })
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Generates the IPv4 reasons and their embedded-in-IPv6 forms as `&'static str`s.
macro_rules! v4_reasons {
    ($($variant:ident => $text:literal),* $(,)?) => {
        /// Why an IPv4 address is refused.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum V4Reason {
            $($variant),*
        }

        impl V4Reason {
            fn plain(self) -> &'static str {
                match self {
                    $(V4Reason::$variant => $text),*
                }
            }

            fn mapped(self) -> &'static str {
                match self {
                    $(V4Reason::$variant => concat!("IPv4-mapped ", $text)),*
                }
            }

            fn nat64(self) -> &'static str {
                match self {
                    $(V4Reason::$variant => concat!("NAT64 ", $text)),*
                }
            }

            fn six_to_four(self) -> &'static str {
                match self {
                    $(V4Reason::$variant => concat!("6to4 ", $text)),*
                }
            }
        }
    };
}

v4_reasons! {
    Unspecified => "unspecified",
    ThisNetwork => "this network (0.0.0.0/8)",
    Private => "private",
    Cgnat => "CGNAT (shared address space)",
    Loopback => "loopback",
    LinkLocal => "link-local",
    IetfAssignments => "IETF protocol assignments (192.0.0.0/24)",
    Documentation => "documentation",
    Benchmarking => "benchmarking",
    Multicast => "multicast",
    Broadcast => "broadcast",
    Reserved => "reserved",
}

fn classify_v4(ip: Ipv4Addr) -> Option<V4Reason> {
    let bits = u32::from(ip);
    let within = |net: [u8; 4], prefix: u8| bits & mask32(prefix) == u32::from_be_bytes(net);
    let reason = if bits == 0 {
        V4Reason::Unspecified
    } else if within([0, 0, 0, 0], 8) {
        V4Reason::ThisNetwork
    } else if within([10, 0, 0, 0], 8)
        || within([172, 16, 0, 0], 12)
        || within([192, 168, 0, 0], 16)
    {
        V4Reason::Private
    } else if within([100, 64, 0, 0], 10) {
        V4Reason::Cgnat
    } else if within([127, 0, 0, 0], 8) {
        V4Reason::Loopback
    } else if within([169, 254, 0, 0], 16) {
        V4Reason::LinkLocal
    } else if within([192, 0, 0, 0], 24) {
        V4Reason::IetfAssignments
    } else if within([192, 0, 2, 0], 24)
        || within([198, 51, 100, 0], 24)
        || within([203, 0, 113, 0], 24)
    {
        V4Reason::Documentation
    } else if within([198, 18, 0, 0], 15) {
        V4Reason::Benchmarking
    } else if within([224, 0, 0, 0], 4) {
        V4Reason::Multicast
    } else if bits == u32::MAX {
        V4Reason::Broadcast
    } else if within([240, 0, 0, 0], 4) {
        V4Reason::Reserved
    } else {
        return None;
    };
    Some(reason)
}

fn classify_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    let within = |net: u128, prefix: u8| bits & mask128(prefix) == net;
    let low32 = Ipv4Addr::from(bits as u32);
    if bits == 0 {
        return Some("unspecified");
    }
    if bits == 1 {
        return Some("loopback");
    }
    if within(0xffff_0000_0000, 96) {
        return classify_v4(low32).map(V4Reason::mapped);
    }
    if within(0, 96) {
        return Some("IPv4-compatible (deprecated)");
    }
    if within(0x0064_ff9b << 96, 96) {
        return classify_v4(low32).map(V4Reason::nat64);
    }
    if within(0x0064_ff9b_0001 << 80, 48) {
        return Some("NAT64 local-use");
    }
    if within(0x0100 << 112, 64) {
        return Some("discard-only");
    }
    if within(0x2001 << 112, 32) {
        return Some("Teredo");
    }
    if within(0x2001_0002 << 96, 48) {
        return Some("benchmarking");
    }
    if within(0x2001_0db8 << 96, 32) || within(0x3fff << 112, 20) {
        return Some("documentation");
    }
    if within(0x2002 << 112, 16) {
        let embedded = Ipv4Addr::from((bits >> 80) as u32);
        return classify_v4(embedded).map(V4Reason::six_to_four);
    }
    if within(0xfc00 << 112, 7) {
        return Some("unique local (private)");
    }
    if within(0xfe80 << 112, 10) {
        return Some("link-local");
    }
    if within(0xfec0 << 112, 10) {
        return Some("site-local (deprecated)");
    }
    if within(0xff00 << 112, 8) {
        return Some("multicast");
    }
    if !within(0x2000 << 112, 3) {
        return Some("reserved (not global unicast)");
    }
    None
}

/// `None` if `ip` is ordinary public unicast, else why it is refused (see the module
/// documentation for every range): `"loopback"`, `"private"`, `"link-local"`,
/// `"CGNAT (shared address space)"`, `"multicast"`, `"reserved"`, `"unspecified"`,
/// `"documentation"`, `"benchmarking"`, `"IPv4-mapped private"`, `"Teredo"`, ….
pub fn classify(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4).map(V4Reason::plain),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test addresses are valid")
    }

    /// Every refused range with its first and last address, and the public neighbours just
    /// outside it where there are some.
    const TABLE: &[(&str, Option<&str>)] = &[
        // 0.0.0.0/8
        ("0.0.0.0", Some("unspecified")),
        ("0.0.0.1", Some("this network (0.0.0.0/8)")),
        ("0.255.255.255", Some("this network (0.0.0.0/8)")),
        ("1.0.0.0", None),
        ("1.1.1.1", None),
        // 10/8
        ("9.255.255.255", None),
        ("10.0.0.0", Some("private")),
        ("10.255.255.255", Some("private")),
        ("11.0.0.0", None),
        // 100.64/10
        ("100.63.255.255", None),
        ("100.64.0.0", Some("CGNAT (shared address space)")),
        ("100.127.255.255", Some("CGNAT (shared address space)")),
        ("100.128.0.0", None),
        // 127/8
        ("126.255.255.255", None),
        ("127.0.0.0", Some("loopback")),
        ("127.0.0.1", Some("loopback")),
        ("127.255.255.255", Some("loopback")),
        ("128.0.0.0", None),
        // 169.254/16
        ("169.253.255.255", None),
        ("169.254.0.0", Some("link-local")),
        ("169.254.169.254", Some("link-local")),
        ("169.254.255.255", Some("link-local")),
        ("169.255.0.0", None),
        // 172.16/12
        ("172.15.255.255", None),
        ("172.16.0.0", Some("private")),
        ("172.31.255.255", Some("private")),
        ("172.32.0.0", None),
        // 192.0.0/24
        ("191.255.255.255", None),
        (
            "192.0.0.0",
            Some("IETF protocol assignments (192.0.0.0/24)"),
        ),
        (
            "192.0.0.255",
            Some("IETF protocol assignments (192.0.0.0/24)"),
        ),
        ("192.0.1.0", None),
        // 192.0.2/24
        ("192.0.2.0", Some("documentation")),
        ("192.0.2.255", Some("documentation")),
        ("192.0.3.0", None),
        // 192.168/16
        ("192.167.255.255", None),
        ("192.168.0.0", Some("private")),
        ("192.168.255.255", Some("private")),
        ("192.169.0.0", None),
        // 198.18/15
        ("198.17.255.255", None),
        ("198.18.0.0", Some("benchmarking")),
        ("198.19.255.255", Some("benchmarking")),
        ("198.20.0.0", None),
        // 198.51.100/24
        ("198.51.99.255", None),
        ("198.51.100.0", Some("documentation")),
        ("198.51.100.255", Some("documentation")),
        ("198.51.101.0", None),
        // 203.0.113/24
        ("203.0.112.255", None),
        ("203.0.113.0", Some("documentation")),
        ("203.0.113.255", Some("documentation")),
        ("203.0.114.0", None),
        // 224/4
        ("223.255.255.255", None),
        ("224.0.0.0", Some("multicast")),
        ("239.255.255.255", Some("multicast")),
        // 240/4 and broadcast
        ("240.0.0.0", Some("reserved")),
        ("255.255.255.254", Some("reserved")),
        ("255.255.255.255", Some("broadcast")),
        // IPv6 specials
        ("::", Some("unspecified")),
        ("::1", Some("loopback")),
        ("::2", Some("IPv4-compatible (deprecated)")),
        ("::8.8.8.8", Some("IPv4-compatible (deprecated)")),
        ("::ffff:ffff", Some("IPv4-compatible (deprecated)")),
        ("::fffe:ffff:ffff", Some("reserved (not global unicast)")),
        ("::1:0:0:0", Some("reserved (not global unicast)")),
        // IPv4-mapped
        ("::ffff:127.0.0.1", Some("IPv4-mapped loopback")),
        ("::ffff:10.0.0.1", Some("IPv4-mapped private")),
        ("::ffff:169.254.169.254", Some("IPv4-mapped link-local")),
        ("::ffff:0.0.0.0", Some("IPv4-mapped unspecified")),
        ("::ffff:255.255.255.255", Some("IPv4-mapped broadcast")),
        ("::ffff:8.8.8.8", None),
        // NAT64
        ("64:ff9b::", Some("NAT64 unspecified")),
        ("64:ff9b::10.0.0.1", Some("NAT64 private")),
        ("64:ff9b::127.0.0.1", Some("NAT64 loopback")),
        ("64:ff9b::8.8.8.8", None),
        ("64:ff9b::ffff:ffff", Some("NAT64 broadcast")),
        ("64:ff9b:0:0:0:1::", Some("reserved (not global unicast)")),
        ("64:ff9b:1::", Some("NAT64 local-use")),
        (
            "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
            Some("NAT64 local-use"),
        ),
        // discard-only
        ("100::", Some("discard-only")),
        ("100::ffff:ffff:ffff:ffff", Some("discard-only")),
        ("100:0:0:1::", Some("reserved (not global unicast)")),
        // Teredo 2001::/32
        ("2001::", Some("Teredo")),
        ("2001:0:ffff:ffff:ffff:ffff:ffff:ffff", Some("Teredo")),
        ("2001:1::", None),
        // benchmarking 2001:2::/48
        ("2001:1:ffff:ffff:ffff:ffff:ffff:ffff", None),
        ("2001:2::", Some("benchmarking")),
        ("2001:2:0:ffff:ffff:ffff:ffff:ffff", Some("benchmarking")),
        ("2001:2:1::", None),
        // documentation
        ("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", None),
        ("2001:db8::", Some("documentation")),
        (
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            Some("documentation"),
        ),
        ("2001:db9::", None),
        ("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", None),
        ("3fff::", Some("documentation")),
        (
            "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some("documentation"),
        ),
        ("3fff:1000::", None),
        // 6to4
        ("2002::", Some("6to4 unspecified")),
        ("2002:a00:1::", Some("6to4 private")),
        ("2002:7f00:1::1", Some("6to4 loopback")),
        ("2002:a9fe:a9fe::", Some("6to4 link-local")),
        ("2002:808:808::1", None),
        (
            "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some("6to4 broadcast"),
        ),
        ("2003::", None),
        // ordinary global unicast
        ("2000::", None),
        ("2606:4700:4700::1111", None),
        ("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", None),
        ("4000::", Some("reserved (not global unicast)")),
        (
            "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some("reserved (not global unicast)"),
        ),
        // ULA fc00::/7
        (
            "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some("reserved (not global unicast)"),
        ),
        ("fc00::", Some("unique local (private)")),
        (
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some("unique local (private)"),
        ),
        ("fe00::", Some("reserved (not global unicast)")),
        // link-local fe80::/10
        ("fe80::", Some("link-local")),
        (
            "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some("link-local"),
        ),
        // site-local fec0::/10
        ("fec0::", Some("site-local (deprecated)")),
        (
            "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some("site-local (deprecated)"),
        ),
        // multicast
        ("ff00::", Some("multicast")),
        ("ff02::1", Some("multicast")),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Some("multicast")),
    ];

    #[test]
    fn classify_covers_every_range_and_its_edges() {
        let mut wrong = Vec::new();
        for (text, expected) in TABLE {
            let got = classify(ip(text));
            if got != *expected {
                wrong.push(format!("{text}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
    }

    #[test]
    fn guard_refuses_with_a_readable_reason() {
        let guard = AddressGuard::new(false, Vec::new());
        let err = guard
            .check(ip("169.254.169.254"))
            .expect_err("metadata address is refused");
        assert_eq!(err.to_string(), "169.254.169.254 is link-local");
        assert_eq!(err.reason, "link-local");
        assert_eq!(
            guard
                .check(ip("::ffff:10.1.2.3"))
                .expect_err("mapped private")
                .to_string(),
            "::ffff:10.1.2.3 is IPv4-mapped private"
        );
        assert!(guard.check(ip("93.184.216.34")).is_ok());
        assert!(guard.check(ip("2606:4700:4700::1111")).is_ok());
    }

    #[test]
    fn allow_private_allows_everything() {
        let guard = AddressGuard::new(true, Vec::new());
        for (text, _) in TABLE {
            assert!(guard.check(ip(text)).is_ok(), "{text} should be allowed");
        }
        assert!(AddressGuard::allow_all().allows_private());
    }

    #[test]
    fn exceptions_are_checked_first() {
        let nets = vec![
            "127.0.0.1/32".parse().expect("valid"),
            "10.1.0.0/16".parse().expect("valid"),
            "fd00::/8".parse().expect("valid"),
        ];
        let guard = AddressGuard::new(false, nets);
        assert!(guard.check(ip("127.0.0.1")).is_ok());
        assert!(guard.check(ip("::ffff:127.0.0.1")).is_ok());
        assert!(guard.check(ip("127.0.0.2")).is_err());
        assert!(guard.check(ip("10.1.255.255")).is_ok());
        assert!(guard.check(ip("10.2.0.0")).is_err());
        assert!(guard.check(ip("fd12::1")).is_ok());
        assert!(guard.check(ip("fc00::1")).is_err());
        assert!(guard.check(ip("169.254.169.254")).is_err());
        assert!(guard.check(ip("8.8.8.8")).is_ok());
    }

    #[test]
    fn networks_parse_and_contain() {
        let n: IpNetwork = "10.1.2.3/16".parse().expect("valid");
        assert_eq!(n.to_string(), "10.1.0.0/16");
        assert!(n.contains(ip("10.1.0.0")));
        assert!(n.contains(ip("10.1.255.255")));
        assert!(!n.contains(ip("10.2.0.0")));
        assert!(!n.contains(ip("::ffff:10.1.0.1")));

        let host: IpNetwork = "192.0.2.7".parse().expect("valid");
        assert_eq!(host.prefix(), 32);
        assert!(host.contains(ip("192.0.2.7")));
        assert!(!host.contains(ip("192.0.2.8")));

        let v6: IpNetwork = " ::1/128 ".parse().expect("valid");
        assert_eq!(v6.to_string(), "::1/128");
        assert!(v6.contains(ip("::1")));
        let bare6: IpNetwork = "fd00::1".parse().expect("valid");
        assert_eq!(bare6.prefix(), 128);

        let all: IpNetwork = "0.0.0.0/0".parse().expect("valid");
        assert!(all.contains(ip("255.255.255.255")));
        assert!(!all.contains(ip("::")));
        let all6: IpNetwork = "::/0".parse().expect("valid");
        assert!(all6.contains(ip("ffff::1")));
    }

    #[test]
    fn bad_networks_have_clear_errors() {
        let cases = [
            (
                "10.0.0.0/33",
                "`33` is not a valid prefix length for an IPv4 network (0 to 32)",
            ),
            (
                "::/129",
                "`129` is not a valid prefix length for an IPv6 network (0 to 128)",
            ),
            (
                "10.0.0.0/",
                "`` is not a valid prefix length for an IPv4 network (0 to 32)",
            ),
            (
                "10.0.0.0/+8",
                "`+8` is not a valid prefix length for an IPv4 network (0 to 32)",
            ),
            (
                "10.0.0/8",
                "`10.0.0` is not an IP address (expected e.g. 10.1.0.0/16 or fd00::/8)",
            ),
            (
                "example.com",
                "`example.com` is not an IP address (expected e.g. 10.1.0.0/16 or fd00::/8)",
            ),
            (
                "",
                "`` is not an IP address (expected e.g. 10.1.0.0/16 or fd00::/8)",
            ),
        ];
        for (text, message) in cases {
            let err = text
                .parse::<IpNetwork>()
                .expect_err("invalid network must be refused");
            assert_eq!(err.to_string(), message, "for {text:?}");
        }
        assert!(IpNetwork::new(ip("10.0.0.0"), 33).is_none());
        assert!(IpNetwork::new(ip("::"), 129).is_none());
    }
}
