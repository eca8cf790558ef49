ALTER TABLE dns_results DROP COLUMN records;
