DROP TABLE lead_counts;
DROP TABLE lead_contacts;
DROP TABLE contacts;
DROP TABLE leads;
