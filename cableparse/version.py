"""The parser version written into every record's provenance; bump it when output changes."""

PARSER_VERSION = "0.1.0"
