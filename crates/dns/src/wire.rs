//! DNS message encoding and decoding on hickory-proto, for the resolver's hot path.
//!
//! A response is read in steps so that foreign packets cost little: the header first (is it a
//! response, which id), then the question (must be exactly the question asked), and only then
//! the answer section. The authority and additional sections are never decoded.

use std::net::IpAddr;

use hickory_proto::ProtoError;
use hickory_proto::op::{
    Edns, Header, Message, MessageType, Metadata, OpCode, Query, ResponseCode,
};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncoder};

use dragnet_domain::results::{MAX_DNS_RECORD_VALUE, MAX_DNS_RECORDS};
use dragnet_domain::{DnsRecord, RecordType as DomainType};

use super::outcome::{DnsErrorKind, TypeResult};

/// Most CNAME links followed inside one answer section.
const MAX_CNAME_CHAIN: usize = 16;

/// Parses a name given by the caller into an absolute DNS name.
pub(crate) fn parse_name(name: &str) -> Option<Name> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed == "." {
        return None;
    }
    let parsed = if trimmed.is_ascii() {
        Name::from_ascii(trimmed)
    } else {
        Name::from_utf8(trimmed)
    };
    let mut parsed = parsed.ok()?;
    parsed.set_fqdn(true);
    Some(parsed)
}

/// Encodes a standard query for (`name`, `qtype`, IN) with the given id into `buf`.
pub(crate) fn encode_query(
    buf: &mut Vec<u8>,
    id: u16,
    name: &Name,
    qtype: RecordType,
    recursion_desired: bool,
    edns: Option<&Edns>,
) -> Result<(), ProtoError> {
    buf.clear();
    let mut metadata = Metadata::new(id, MessageType::Query, OpCode::Query);
    metadata.recursion_desired = recursion_desired;
    let query = Query::query(name.clone(), qtype);
    let mut encoder = BinEncoder::new(buf);
    hickory_proto::op::emit_message_parts(
        &metadata,
        &mut std::iter::once(&query),
        &mut std::iter::empty::<&Record>(),
        &mut std::iter::empty::<&Record>(),
        &mut std::iter::empty::<&Record>(),
        edns,
        None,
        &mut encoder,
    )?;
    Ok(())
}

/// An EDNS(0) OPT record advertising `payload` bytes.
pub(crate) fn edns(payload: u16) -> Edns {
    let mut edns = Edns::new();
    edns.set_max_payload(payload.max(512));
    edns
}

/// The header of a packet that is a DNS response, with a decoder positioned after it.
pub(crate) struct ResponseHead<'a> {
    pub(crate) header: Header,
    decoder: BinDecoder<'a>,
}

/// Reads the header; `None` if the packet is not a well-formed response header.
pub(crate) fn read_head(packet: &[u8]) -> Option<ResponseHead<'_>> {
    let mut decoder = BinDecoder::new(packet);
    let header = Header::read(&mut decoder).ok()?;
    if header.metadata.message_type != MessageType::Response {
        return None;
    }
    Some(ResponseHead { header, decoder })
}

/// Why a response was not accepted as the answer to the question asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejected {
    /// Undecodable.
    Malformed,
    /// Not exactly one question, or not the question asked.
    Mismatched,
}

/// A response accepted as the answer to the question asked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The TC bit was set: ask again over TCP.
    Truncated,
    /// The result for this record type.
    Final(TypeResult),
}

impl ResponseHead<'_> {
    /// Checks the question and decodes the answer.
    pub(crate) fn answer(mut self, name: &Name, qtype: RecordType) -> Result<Answer, Rejected> {
        if self.header.counts.queries != 1 {
            return Err(Rejected::Mismatched);
        }
        let query = Query::read(&mut self.decoder).map_err(|_| Rejected::Malformed)?;
        if query.query_type() != qtype
            || query.query_class() != DNSClass::IN
            || query.name() != name
        {
            return Err(Rejected::Mismatched);
        }
        if self.header.metadata.truncation {
            return Ok(Answer::Truncated);
        }
        let rcode = self.header.metadata.response_code;
        if rcode == ResponseCode::NXDomain {
            return Ok(Answer::Final(TypeResult::NxDomain));
        }
        if rcode != ResponseCode::NoError {
            return Ok(Answer::Final(TypeResult::Error(DnsErrorKind::Rcode(
                u16::from(rcode),
            ))));
        }
        let (records, _, _) = Message::read_records(
            &mut self.decoder,
            usize::from(self.header.counts.answers),
            false,
            OpCode::Query,
        )
        .map_err(|_| Rejected::Malformed)?;
        Ok(Answer::Final(records_of(&records, name, qtype)))
    }
}

/// The records of type `qtype` owned by `name`, following CNAME links inside `records` only.
fn records_of(records: &[Record], name: &Name, qtype: RecordType) -> TypeResult {
    let mut target = name;
    for _ in 0..=MAX_CNAME_CHAIN {
        let mut found = false;
        let mut addresses = Vec::new();
        let mut kept = Vec::new();
        let mut next = None;
        for record in records {
            if record.name != *target || record.dns_class != DNSClass::IN {
                continue;
            }
            if record.record_type() == qtype {
                found = true;
                match &record.data {
                    RData::A(a) => addresses.push(IpAddr::V4(a.0)),
                    RData::AAAA(a) => addresses.push(IpAddr::V6(a.0)),
                    _ => {}
                }
                if kept.len() < MAX_DNS_RECORDS
                    && let Some(record) = kept_record(record)
                {
                    kept.push(record);
                }
            } else if let RData::CNAME(cname) = &record.data {
                next.get_or_insert(&cname.0);
            }
        }
        if found {
            return TypeResult::Records {
                addresses,
                records: kept,
            };
        }
        match next {
            Some(n) => target = n,
            None => break,
        }
    }
    TypeResult::NoData
}

/// A record in the form the phase keeps: its type, its value in presentation form (names
/// without the trailing dot, MX as `preference exchange`, TXT strings joined, cut at
/// [`MAX_DNS_RECORD_VALUE`] bytes) and its TTL; `None` for addresses (kept as addresses) and
/// for a type the phase never asks.
fn kept_record(record: &Record) -> Option<DnsRecord> {
    let name = |n: &Name| n.to_ascii().trim_end_matches('.').to_owned();
    let (record_type, value) = match &record.data {
        RData::CNAME(c) => (DomainType::Cname, name(&c.0)),
        RData::NS(n) => (DomainType::Ns, name(&n.0)),
        RData::MX(mx) => (
            DomainType::Mx,
            format!("{} {}", mx.preference, name(&mx.exchange)),
        ),
        RData::TXT(txt) => {
            let mut value = String::new();
            for part in txt.txt_data.iter() {
                value.push_str(&String::from_utf8_lossy(part));
            }
            (DomainType::Txt, value)
        }
        _ => return None,
    };
    let mut value = value;
    value.truncate(value.floor_char_boundary(MAX_DNS_RECORD_VALUE));
    Some(DnsRecord {
        record_type,
        value,
        ttl: record.ttl,
    })
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use hickory_proto::rr::rdata::{A, AAAA, CNAME};
    use hickory_proto::serialize::binary::BinEncodable;

    use super::*;

    fn name(s: &str) -> Name {
        parse_name(s).expect("valid name")
    }

    fn response(id: u16, q: &Name, qtype: RecordType) -> Message {
        let mut m = Message::response(id, OpCode::Query);
        m.add_query(Query::query(q.clone(), qtype));
        m
    }

    fn decode(bytes: &[u8], q: &Name, qtype: RecordType) -> Result<Answer, Rejected> {
        read_head(bytes).expect("response").answer(q, qtype)
    }

    #[test]
    fn query_round_trips_through_hickory() {
        let n = name("Example.test");
        let mut buf = Vec::new();
        encode_query(
            &mut buf,
            4242,
            &n,
            RecordType::AAAA,
            true,
            Some(&edns(1232)),
        )
        .expect("encode");
        let m = Message::from_vec(&buf).expect("decode");
        assert_eq!(m.metadata.id, 4242);
        assert!(m.metadata.recursion_desired);
        assert_eq!(m.queries.len(), 1);
        assert_eq!(m.queries[0].name(), &name("example.test."));
        assert_eq!(m.queries[0].query_type(), RecordType::AAAA);
        assert_eq!(m.edns.as_ref().map(Edns::max_payload), Some(1232));
        assert!(read_head(&buf).is_none(), "a query is not a response");
    }

    #[test]
    fn follows_cname_chain_inside_the_answer() {
        let q = name("www.a.test");
        let mid = name("mid.a.test");
        let end = name("end.a.test");
        let mut m = response(1, &q, RecordType::A);
        m.add_answer(Record::from_rdata(
            q.clone(),
            60,
            RData::CNAME(CNAME(mid.clone())),
        ));
        m.add_answer(Record::from_rdata(
            mid,
            60,
            RData::CNAME(CNAME(end.clone())),
        ));
        m.add_answer(Record::from_rdata(
            end,
            60,
            RData::A(A(Ipv4Addr::new(127, 0, 0, 9))),
        ));
        // A record for an unrelated owner is ignored.
        m.add_answer(Record::from_rdata(
            name("other.test"),
            60,
            RData::A(A(Ipv4Addr::new(10, 0, 0, 1))),
        ));
        let bytes = m.to_bytes().expect("encode");
        assert_eq!(
            decode(&bytes, &q, RecordType::A),
            Ok(Answer::Final(TypeResult::addresses(vec![IpAddr::V4(
                Ipv4Addr::new(127, 0, 0, 9)
            )])))
        );
    }

    #[test]
    fn cname_out_of_answer_is_no_data() {
        let q = name("x.test");
        let mut m = response(1, &q, RecordType::AAAA);
        m.add_answer(Record::from_rdata(
            q.clone(),
            60,
            RData::CNAME(CNAME(name("y.test"))),
        ));
        m.add_answer(Record::from_rdata(
            name("z.test"),
            60,
            RData::AAAA(AAAA(Ipv6Addr::LOCALHOST)),
        ));
        let bytes = m.to_bytes().expect("encode");
        assert_eq!(
            decode(&bytes, &q, RecordType::AAAA),
            Ok(Answer::Final(TypeResult::NoData))
        );
    }

    #[test]
    fn rcodes_truncation_and_mismatches() {
        let q = name("x.test");
        let mut m = response(1, &q, RecordType::A);
        m.metadata.response_code = ResponseCode::ServFail;
        let bytes = m.to_bytes().expect("encode");
        assert_eq!(
            decode(&bytes, &q, RecordType::A),
            Ok(Answer::Final(TypeResult::Error(DnsErrorKind::SERVFAIL)))
        );

        m.metadata.response_code = ResponseCode::NXDomain;
        let bytes = m.to_bytes().expect("encode");
        assert_eq!(
            decode(&bytes, &q, RecordType::A),
            Ok(Answer::Final(TypeResult::NxDomain))
        );
        assert_eq!(
            decode(&bytes, &q, RecordType::AAAA),
            Err(Rejected::Mismatched)
        );
        assert_eq!(
            decode(&bytes, &name("y.test"), RecordType::A),
            Err(Rejected::Mismatched)
        );
        // Names compare case-insensitively.
        assert!(decode(&bytes, &name("X.TEST"), RecordType::A).is_ok());

        m.metadata.response_code = ResponseCode::NoError;
        m.metadata.truncation = true;
        let bytes = m.to_bytes().expect("encode");
        assert_eq!(decode(&bytes, &q, RecordType::A), Ok(Answer::Truncated));

        assert!(read_head(&bytes[..5]).is_none());
        assert_eq!(
            decode(&bytes[..bytes.len() - 3], &q, RecordType::A),
            Err(Rejected::Malformed)
        );
    }

    #[test]
    fn invalid_names_are_rejected() {
        assert!(parse_name("").is_none());
        assert!(parse_name(".").is_none());
        assert!(parse_name(&"a".repeat(64)).is_none());
        assert!(parse_name("bücher.test").is_some());
    }
}
