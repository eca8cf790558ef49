//! An in-process authoritative DNS server for tests and benchmarks, on hickory-proto.
//!
//! It answers every name from a rule on the name itself, so a checker can verify each answer
//! without a zone file. The rule looks at the first label's prefix (before the first `-`),
//! case-insensitively; the rest of the name is free (e.g. `ok-17.example.test`):
//!
//! | prefix      | A                       | AAAA              | notes                          |
//! |-------------|-------------------------|-------------------|--------------------------------|
//! | `ok`        | [`ipv4_for`]            | NODATA            |                                |
//! | `dual`      | [`ipv4_for`]            | [`ipv6_for`]      |                                |
//! | `multi`     | two addresses           | NODATA            | see [`zone_answer`]            |
//! | `v6`        | NODATA                  | [`ipv6_for`]      |                                |
//! | `nx`        | NXDOMAIN                | NXDOMAIN          |                                |
//! | `servfail`  | SERVFAIL                | SERVFAIL          |                                |
//! | `refused`   | REFUSED                 | REFUSED           |                                |
//! | `nodata`    | NODATA                  | NODATA            |                                |
//! | `tc`        | TC over UDP; over TCP [`ipv4_for`] | TC; over TCP [`ipv6_for`] | TCP fallback  |
//! | `cname`     | CNAME to `ok-…` + its A | CNAME only        | chain inside the answer        |
//! | `cnameout`  | CNAME out of zone       | CNAME out of zone | no records                     |
//! | `flaky`     | like `ok`               | NODATA            | first UDP query per type dropped |
//! | `local`     | `127.0.0.1`             | NODATA            | for HTTP tests: a server on 127.0.0.1 |
//! | `parkedns`  | `127.0.0.1`             | NODATA            | NS: [`PARKING_NAME_SERVERS`]; MX, TXT: NODATA |
//! | `mail`      | [`ipv4_for`]            | NODATA            | MX `10 mx.<name>`, TXT [`SPF_TXT`], NS `ns1.<rest>` |
//! | other       | [`ipv4_for`] if the name's hash is even, else NXDOMAIN | NODATA/NXDOMAIN | about half resolve |
//!
//! Every address is in 127.0.0.0/8 or fd00::/8, so nothing that connects to one leaves the
//! machine. The server listens on 127.0.0.1 (UDP and TCP on the same port, chosen by the OS)
//! and runs until dropped. [`BlackHole`] is an address that swallows every packet.

use std::collections::HashSet;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::BinEncodable;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use dragnet_dns::{DnsErrorKind, DnsOutcome};
use dragnet_domain::DnsStatus;
// The record types a campaign asks for, as opposed to hickory's wire `RecordType` above.
use dragnet_dns::{OutcomeBuilder, TypeResult};
use dragnet_domain::RecordType as AskedType;

/// The TTL of every record the server answers.
pub const TTL: u32 = 60;
/// Address carried by forged answers in spoofing mode; a resolver that reports it was fooled.
pub const SPOOFED_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 66);

/// The kind of a test name, from its first label's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// `ok-…`: one A record.
    Ok,
    /// `dual-…`: one A and one AAAA record.
    Dual,
    /// `multi-…`: two A records.
    Multi,
    /// `v6-…`: one AAAA record only.
    V6Only,
    /// `nx-…`: NXDOMAIN.
    NxDomain,
    /// `servfail-…`: SERVFAIL.
    ServFail,
    /// `refused-…`: REFUSED.
    Refused,
    /// `nodata-…`: NOERROR without records.
    NoData,
    /// `tc-…`: truncated over UDP, A and AAAA over TCP.
    Truncated,
    /// `cname-…`: CNAME to the `ok-…` name with the same suffix, plus its A record.
    Cname,
    /// `cnameout-…`: CNAME to a name outside the answer.
    CnameOut,
    /// `flaky-…`: like `ok`, but the first UDP query for each record type is dropped.
    Flaky,
    /// `parkedns-…`: like `local`, with a parking service's name servers as NS records.
    ParkedNs,
    /// `mail-…`: like `ok`, with MX, TXT and NS records.
    Mail,
    /// `local-…`: one A record, `127.0.0.1` (where the HTTP tests' servers listen).
    Local,
    /// Anything else: resolves (one A) if the name's hash is even, NXDOMAIN otherwise.
    Hashed,
}

/// The kind of `name` (see the module documentation).
pub fn kind_of(name: &str) -> NameKind {
    let name = name.trim_end_matches('.');
    let first = name.split('.').next().unwrap_or("");
    let prefix = first.split('-').next().unwrap_or("");
    if !first.contains('-') {
        return NameKind::Hashed;
    }
    match prefix.to_ascii_lowercase().as_str() {
        "ok" => NameKind::Ok,
        "dual" => NameKind::Dual,
        "multi" => NameKind::Multi,
        "v6" => NameKind::V6Only,
        "nx" => NameKind::NxDomain,
        "servfail" => NameKind::ServFail,
        "refused" => NameKind::Refused,
        "nodata" => NameKind::NoData,
        "tc" => NameKind::Truncated,
        "cname" => NameKind::Cname,
        "cnameout" => NameKind::CnameOut,
        "flaky" => NameKind::Flaky,
        "local" => NameKind::Local,
        "parkedns" => NameKind::ParkedNs,
        "mail" => NameKind::Mail,
        _ => NameKind::Hashed,
    }
}

fn fnv1a(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.trim_end_matches('.').bytes() {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The IPv4 address the server gives `name` (in 127.0.0.0/8).
pub fn ipv4_for(name: &str) -> Ipv4Addr {
    let h = fnv1a(name);
    Ipv4Addr::new(127, (h >> 8) as u8, (h >> 16) as u8, (h >> 24) as u8 | 1)
}

/// The IPv6 address the server gives `name` (in fd00::/8).
pub fn ipv6_for(name: &str) -> Ipv6Addr {
    let h = fnv1a(name);
    Ipv6Addr::new(
        0xfd00,
        0,
        0,
        0,
        (h >> 48) as u16,
        (h >> 32) as u16,
        (h >> 16) as u16,
        h as u16,
    )
}

/// The second address of a `multi-…` name.
fn second_ipv4_for(name: &str) -> Ipv4Addr {
    let [a, b, c, d] = ipv4_for(name).octets();
    Ipv4Addr::new(a, b ^ 0x55, c, d)
}

/// The `ok-…` name a `cname-…` name points to.
fn cname_target(name: &Name) -> Option<Name> {
    let text = name.to_ascii();
    let rest = text.get(text.find('-')?..)?;
    let mut target = Name::from_ascii(format!("ok{rest}")).ok()?;
    target.set_fqdn(true);
    Some(target)
}

/// The NS records of `parkedns-…` names: a parking service's name servers.
pub const PARKING_NAME_SERVERS: [&str; 2] = ["ns1.sedoparking.com", "ns2.sedoparking.com"];
/// The TXT record of `mail-…` names.
pub const SPF_TXT: &str = "v=spf1 -all";

/// The name `ns1.<name without its first label>` (the NS of `mail-…` names).
fn name_server_of(name: &str) -> String {
    let name = name.trim_end_matches('.');
    let rest = name.split_once('.').map_or(name, |(_, rest)| rest);
    format!("ns1.{rest}")
}

/// What the server answers for one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneAnswer {
    /// Response code.
    pub rcode: ResponseCode,
    /// Answer section.
    pub answers: Vec<Record>,
    /// Whether the TC bit is set (and the answer section left empty).
    pub truncated: bool,
}

/// The server's answer to (`name`, `qtype`) over UDP or TCP.
pub fn zone_answer(name: &Name, qtype: RecordType, over_tcp: bool) -> ZoneAnswer {
    let text = name.to_ascii();
    let a = |addr: Ipv4Addr| Record::from_rdata(name.clone(), TTL, RData::A(A(addr)));
    let aaaa = |addr: Ipv6Addr| Record::from_rdata(name.clone(), TTL, RData::AAAA(AAAA(addr)));
    let ok = |answers: Vec<Record>| ZoneAnswer {
        rcode: ResponseCode::NoError,
        answers,
        truncated: false,
    };
    let rcode = |rcode: ResponseCode| ZoneAnswer {
        rcode,
        answers: Vec::new(),
        truncated: false,
    };
    let is_a = qtype == RecordType::A;
    let is_aaaa = qtype == RecordType::AAAA;
    let absolute = |n: &str| {
        let mut n = Name::from_ascii(n).unwrap_or_else(|_| Name::root());
        n.set_fqdn(true);
        n
    };
    let ns = |server: &str| Record::from_rdata(name.clone(), TTL, RData::NS(NS(absolute(server))));
    match kind_of(&text) {
        NameKind::Ok | NameKind::Flaky | NameKind::Mail if is_a => ok(vec![a(ipv4_for(&text))]),
        NameKind::Local | NameKind::ParkedNs if is_a => ok(vec![a(Ipv4Addr::LOCALHOST)]),
        NameKind::ParkedNs if qtype == RecordType::NS => {
            ok(PARKING_NAME_SERVERS.iter().map(|s| ns(s)).collect())
        }
        NameKind::Mail if qtype == RecordType::NS => ok(vec![ns(&name_server_of(&text))]),
        NameKind::Mail if qtype == RecordType::MX => ok(vec![Record::from_rdata(
            name.clone(),
            TTL,
            RData::MX(MX::new(
                10,
                absolute(&format!("mx.{}", text.trim_end_matches('.'))),
            )),
        )]),
        NameKind::Mail if qtype == RecordType::TXT => ok(vec![Record::from_rdata(
            name.clone(),
            TTL,
            RData::TXT(TXT::new(vec![SPF_TXT.to_owned()])),
        )]),
        NameKind::Dual if is_a => ok(vec![a(ipv4_for(&text))]),
        NameKind::Dual if is_aaaa => ok(vec![aaaa(ipv6_for(&text))]),
        NameKind::Multi if is_a => ok(vec![a(ipv4_for(&text)), a(second_ipv4_for(&text))]),
        NameKind::V6Only if is_aaaa => ok(vec![aaaa(ipv6_for(&text))]),
        NameKind::NxDomain => rcode(ResponseCode::NXDomain),
        NameKind::ServFail => rcode(ResponseCode::ServFail),
        NameKind::Refused => rcode(ResponseCode::Refused),
        NameKind::Truncated if !over_tcp => ZoneAnswer {
            rcode: ResponseCode::NoError,
            answers: Vec::new(),
            truncated: true,
        },
        NameKind::Truncated if is_a => ok(vec![a(ipv4_for(&text))]),
        NameKind::Truncated if is_aaaa => ok(vec![aaaa(ipv6_for(&text))]),
        NameKind::Cname => match cname_target(name) {
            Some(target) => {
                let mut answers = vec![Record::from_rdata(
                    name.clone(),
                    TTL,
                    RData::CNAME(CNAME(target.clone())),
                )];
                if is_a {
                    let addr = ipv4_for(&target.to_ascii());
                    answers.push(Record::from_rdata(target, TTL, RData::A(A(addr))));
                }
                ok(answers)
            }
            None => rcode(ResponseCode::NXDomain),
        },
        NameKind::CnameOut => {
            let mut target = Name::from_ascii("gone.invalid.").unwrap_or_else(|_| Name::root());
            target.set_fqdn(true);
            ok(vec![Record::from_rdata(
                name.clone(),
                TTL,
                RData::CNAME(CNAME(target)),
            )])
        }
        NameKind::Hashed if fnv1a(&text) % 2 == 1 => rcode(ResponseCode::NXDomain),
        NameKind::Hashed if is_a => ok(vec![a(ipv4_for(&text))]),
        _ => ok(Vec::new()),
    }
}

/// The outcome a correct resolver reports for `name` when asking `types` of this server
/// (attempts aside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// Status.
    pub status: DnsStatus,
    /// Error kind.
    pub error: Option<DnsErrorKind>,
    /// Addresses, sorted.
    pub addresses: Vec<IpAddr>,
}

impl Expected {
    /// Whether `outcome` agrees (addresses compared as sets).
    pub fn matches(&self, outcome: &DnsOutcome) -> bool {
        let mut got = outcome.addresses.clone();
        got.sort();
        got.dedup();
        outcome.status == self.status && outcome.error == self.error && got == self.addresses
    }
}

/// What a resolver should report for `name` asking `types` of this server.
///
/// Computed from the naming rules directly (not from [`zone_answer`]), so that it is cheap
/// enough for benchmark checkers and independent of the server's encoding.
pub fn expected_outcome(name: &str, types: &[AskedType]) -> Expected {
    let mut builder = OutcomeBuilder::default();
    let valid = dragnet_dns::is_valid_query_name(name);
    let text = name.trim().trim_end_matches('.');
    let kind = kind_of(text);
    for (rank, t) in types.iter().enumerate() {
        let result = if valid {
            expected_type_result(text, kind, *t)
        } else {
            TypeResult::Error(DnsErrorKind::InvalidName)
        };
        builder.add(rank, result);
    }
    let outcome = builder.finish();
    let mut addresses = outcome.addresses;
    addresses.sort();
    Expected {
        status: outcome.status,
        error: outcome.error,
        addresses,
    }
}

fn expected_type_result(name: &str, kind: NameKind, t: AskedType) -> TypeResult {
    let a = t == AskedType::A;
    let aaaa = t == AskedType::Aaaa;
    let v4 = |n: &str| TypeResult::addresses(vec![IpAddr::V4(ipv4_for(n))]);
    let v6 = |n: &str| TypeResult::addresses(vec![IpAddr::V6(ipv6_for(n))]);
    let others = || TypeResult::addresses(Vec::new());
    match kind {
        NameKind::Ok | NameKind::Flaky | NameKind::Dual | NameKind::Truncated | NameKind::Mail
            if a =>
        {
            v4(name)
        }
        NameKind::Local | NameKind::ParkedNs if a => {
            TypeResult::addresses(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)])
        }
        NameKind::ParkedNs if t == AskedType::Ns => others(),
        NameKind::Mail if matches!(t, AskedType::Ns | AskedType::Mx | AskedType::Txt) => others(),
        NameKind::Dual | NameKind::Truncated | NameKind::V6Only if aaaa => v6(name),
        NameKind::Multi if a => TypeResult::addresses(vec![
            IpAddr::V4(ipv4_for(name)),
            IpAddr::V4(second_ipv4_for(name)),
        ]),
        NameKind::NxDomain => TypeResult::NxDomain,
        NameKind::ServFail => TypeResult::Error(DnsErrorKind::SERVFAIL),
        NameKind::Refused => TypeResult::Error(DnsErrorKind::REFUSED),
        NameKind::Cname if a => match name.find('-') {
            Some(dash) => v4(&format!("ok{}", &name[dash..])),
            None => TypeResult::NoData,
        },
        NameKind::Hashed if fnv1a(name) % 2 == 1 => TypeResult::NxDomain,
        NameKind::Hashed if a => v4(name),
        _ => TypeResult::NoData,
    }
}

/// How the test server misbehaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TestServerOptions {
    /// Before each genuine UDP answer, send three forged ones: with the wrong id, with the
    /// right id but another question, and with the right id and question from another port.
    /// Each carries [`SPOOFED_V4`] (or 2001:db8::66).
    pub spoof: bool,
}

#[derive(Debug, Default)]
struct Counters {
    udp: AtomicU64,
    tcp: AtomicU64,
}

/// The in-process DNS server. Stops when dropped.
#[derive(Debug)]
pub struct TestDnsServer {
    addr: SocketAddr,
    counters: Arc<Counters>,
    cancel: CancellationToken,
    _tasks: JoinSet<()>,
}

impl TestDnsServer {
    /// Starts a well-behaved server on 127.0.0.1.
    pub async fn start() -> io::Result<Self> {
        Self::start_with(TestServerOptions::default()).await
    }

    /// Starts a server with the given options on 127.0.0.1.
    pub async fn start_with(options: TestServerOptions) -> io::Result<Self> {
        let (udp, tcp) = bind_pair()?;
        let addr = udp.local_addr()?;
        let spoofer = if options.spoof {
            Some(UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?)
        } else {
            None
        };
        let counters = Arc::new(Counters::default());
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        tasks.spawn(serve_udp(
            udp,
            spoofer,
            Arc::clone(&counters),
            cancel.clone(),
        ));
        tasks.spawn(serve_tcp(tcp, Arc::clone(&counters), cancel.clone()));
        Ok(Self {
            addr,
            counters,
            cancel,
            _tasks: tasks,
        })
    }

    /// The address (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// UDP queries received so far.
    pub fn udp_queries(&self) -> u64 {
        self.counters.udp.load(Ordering::Relaxed)
    }

    /// TCP queries received so far.
    pub fn tcp_queries(&self) -> u64 {
        self.counters.tcp.load(Ordering::Relaxed)
    }
}

impl Drop for TestDnsServer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Binds UDP and TCP on the same ephemeral port of 127.0.0.1.
fn bind_pair() -> io::Result<(UdpSocket, TcpListener)> {
    let mut last_error = None;
    for _ in 0..50 {
        let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
        // Large buffers so that benchmarks measure the resolver, not drops here.
        let _ = socket.set_recv_buffer_size(4 << 20);
        let _ = socket.set_send_buffer_size(4 << 20);
        socket.set_nonblocking(true)?;
        socket.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())?;
        let udp = UdpSocket::from_std(socket.into())?;
        let addr = udp.local_addr()?;
        match std::net::TcpListener::bind(addr) {
            Ok(listener) => {
                listener.set_nonblocking(true)?;
                return Ok((udp, TcpListener::from_std(listener)?));
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("no free port pair")))
}

/// Builds the response to one query packet, or `None` to stay silent.
fn respond(
    packet: &[u8],
    over_tcp: bool,
    flaky_seen: &mut HashSet<(String, u16)>,
) -> Option<Message> {
    let request = Message::from_vec(packet).ok()?;
    if request.metadata.message_type != MessageType::Query {
        return None;
    }
    let mut response = Message::response(request.metadata.id, OpCode::Query);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.authoritative = true;
    let [query] = request.queries.as_slice() else {
        response.metadata.response_code = ResponseCode::FormErr;
        return Some(response);
    };
    response.add_query(query.clone());
    if query.query_class() != DNSClass::IN {
        response.metadata.response_code = ResponseCode::Refused;
        return Some(response);
    }
    let text = query.name().to_ascii();
    if !over_tcp && kind_of(&text) == NameKind::Flaky {
        let key = (text.to_ascii_lowercase(), u16::from(query.query_type()));
        if flaky_seen.insert(key) {
            return None;
        }
    }
    let answer = zone_answer(query.name(), query.query_type(), over_tcp);
    response.metadata.response_code = answer.rcode;
    response.metadata.truncation = answer.truncated;
    response.add_answers(answer.answers);
    Some(response)
}

/// Forged variants of `genuine`: wrong id, then wrong question (both sent from the server's
/// own address), then the right id and question (to be sent from another port).
fn forgeries(genuine: &Message) -> Option<[Message; 3]> {
    let query = genuine.queries.first()?;
    let bogus = |m: &mut Message, name: &Name| {
        m.metadata.response_code = ResponseCode::NoError;
        m.metadata.truncation = false;
        m.answers.clear();
        let data = if query.query_type() == RecordType::AAAA {
            RData::AAAA(AAAA(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x66)))
        } else {
            RData::A(A(SPOOFED_V4))
        };
        m.add_answer(Record::from_rdata(name.clone(), TTL, data));
    };
    let mut wrong_id = genuine.clone();
    wrong_id.metadata.id = genuine.metadata.id.wrapping_add(1);
    bogus(&mut wrong_id, query.name());

    let mut wrong_question = genuine.clone();
    let other = Name::from_ascii(format!("spoofed-{}", query.name().to_ascii())).ok()?;
    wrong_question.queries = vec![Query::query(other.clone(), query.query_type())];
    bogus(&mut wrong_question, &other);

    let mut wrong_source = genuine.clone();
    bogus(&mut wrong_source, query.name());
    Some([wrong_id, wrong_question, wrong_source])
}

async fn send(socket: &UdpSocket, bytes: &[u8], to: SocketAddr) {
    match socket.try_send_to(bytes, to) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            let _ = socket.send_to(bytes, to).await;
        }
        _ => {}
    }
}

async fn serve_udp(
    socket: UdpSocket,
    spoofer: Option<UdpSocket>,
    counters: Arc<Counters>,
    cancel: CancellationToken,
) {
    let mut buf = vec![0u8; 65_536];
    let mut flaky_seen = HashSet::new();
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            ready = socket.readable() => if ready.is_err() { return },
        }
        loop {
            let (len, from) = match socket.try_recv_from(&mut buf) {
                Ok(received) => received,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => continue,
            };
            counters.udp.fetch_add(1, Ordering::Relaxed);
            let Some(response) = respond(&buf[..len], false, &mut flaky_seen) else {
                continue;
            };
            if let Some(spoofer) = &spoofer
                && let Some([wrong_id, wrong_question, wrong_source]) = forgeries(&response)
            {
                for forged in [wrong_id, wrong_question] {
                    if let Ok(bytes) = forged.to_bytes() {
                        send(&socket, &bytes, from).await;
                    }
                }
                if let Ok(bytes) = wrong_source.to_bytes() {
                    send(spoofer, &bytes, from).await;
                }
            }
            if let Ok(bytes) = response.to_bytes() {
                send(&socket, &bytes, from).await;
            }
        }
    }
}

async fn serve_tcp(listener: TcpListener, counters: Arc<Counters>, cancel: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve_tcp_connection(stream, Arc::clone(&counters)));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_tcp_connection(mut stream: TcpStream, counters: Arc<Counters>) {
    let mut flaky_seen = HashSet::new();
    loop {
        let Ok(len) = stream.read_u16().await else {
            return;
        };
        let mut packet = vec![0; usize::from(len)];
        if stream.read_exact(&mut packet).await.is_err() {
            return;
        }
        counters.tcp.fetch_add(1, Ordering::Relaxed);
        let Some(response) = respond(&packet, true, &mut flaky_seen) else {
            continue;
        };
        let Ok(bytes) = response.to_bytes() else {
            return;
        };
        let Ok(len) = u16::try_from(bytes.len()) else {
            return;
        };
        let mut framed = Vec::with_capacity(bytes.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(&bytes);
        if stream.write_all(&framed).await.is_err() {
            return;
        }
    }
}

/// A UDP address that receives and drops every packet (a dead resolver that does not even
/// send ICMP errors). Stops when dropped.
#[derive(Debug)]
pub struct BlackHole {
    addr: SocketAddr,
    received: Arc<AtomicU64>,
    cancel: CancellationToken,
    _task: JoinSet<()>,
}

impl BlackHole {
    /// Binds the black hole on 127.0.0.1.
    pub async fn start() -> io::Result<Self> {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = socket.local_addr()?;
        let received = Arc::new(AtomicU64::new(0));
        let cancel = CancellationToken::new();
        let mut task = JoinSet::new();
        let (count, stop) = (Arc::clone(&received), cancel.clone());
        task.spawn(async move {
            let mut buf = vec![0u8; 65_536];
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    r = socket.recv_from(&mut buf) => {
                        if r.is_ok() {
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        });
        Ok(Self {
            addr,
            received,
            cancel,
            _task: task,
        })
    }

    /// The address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Packets swallowed so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        let mut n = Name::from_ascii(s).expect("name");
        n.set_fqdn(true);
        n
    }

    #[test]
    fn kinds_and_expectations() {
        use AskedType::{A, Aaaa};
        assert_eq!(kind_of("OK-1.test"), NameKind::Ok);
        assert_eq!(kind_of("cnameout-1.test."), NameKind::CnameOut);
        assert_eq!(kind_of("acme-login.test"), NameKind::Hashed);
        assert_eq!(kind_of("plain.test"), NameKind::Hashed);

        let e = expected_outcome("dual-3.test", &[A, Aaaa]);
        assert_eq!(e.status, DnsStatus::Resolved);
        assert_eq!(e.addresses.len(), 2);
        assert_eq!(
            expected_outcome("v6-3.test", &[A]).status,
            DnsStatus::NoRecords
        );
        assert_eq!(
            expected_outcome("servfail-3.test", &[A, Aaaa]).error,
            Some(DnsErrorKind::SERVFAIL)
        );
        assert_eq!(
            expected_outcome("cnameout-3.test", &[A, Aaaa]).status,
            DnsStatus::NoRecords
        );
        let c = expected_outcome("cname-9.test", &[A, Aaaa]);
        assert_eq!(c.addresses, vec![IpAddr::V4(ipv4_for("ok-9.test"))]);
    }

    #[test]
    fn truncation_only_over_udp() {
        let n = name("tc-1.test");
        assert!(zone_answer(&n, RecordType::A, false).truncated);
        let tcp = zone_answer(&n, RecordType::A, true);
        assert!(!tcp.truncated);
        assert_eq!(tcp.answers.len(), 1);
    }
}
