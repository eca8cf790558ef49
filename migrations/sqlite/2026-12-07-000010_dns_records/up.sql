-- The DNS phase keeps the records of the asked types other than A and AAAA (CNAME, MX, NS,
-- TXT): a JSON array of {"type", "value", "ttl"}, at most 32 per name, written by the store
-- (dragnet_domain::DnsRecord); '' when there are none (most rows: only addresses asked).
ALTER TABLE dns_results ADD COLUMN records TEXT NOT NULL DEFAULT '';
