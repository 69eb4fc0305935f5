"""The architecture context: what the team declares (archreview.toml, import-linter, tach, ARCHITECTURE.md)."""
