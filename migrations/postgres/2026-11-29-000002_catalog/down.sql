DROP TABLE keyword_sets;
DROP TABLE proxies;
DROP TABLE personas;
