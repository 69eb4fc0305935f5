"""The floor every other floor stands on: errors, value objects, vocabularies, redaction, package files."""
