DROP TABLE content_summary;
