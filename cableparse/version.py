"""The parser version written into every record's provenance. The archive stores a new version
of a document when its bytes or this change, so bump it with every change to what the parsers
output: otherwise an archive re-ingested after an upgrade keeps the old records, as
"unchanged"."""

PARSER_VERSION = "0.3.0"
