DROP TABLE content_technologies;
DROP TABLE content_results;
