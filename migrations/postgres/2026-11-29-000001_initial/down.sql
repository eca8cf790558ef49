DROP FUNCTION instr(TEXT, TEXT);
DROP TABLE chunk_leases;
DROP TABLE pattern_marks;
DROP TABLE http_results;
DROP TABLE dns_results;
DROP TABLE domains;
DROP TABLE campaign_phases;
DROP TABLE campaigns;
