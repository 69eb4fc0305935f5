"""Data access: one repository per aggregate, all on the shared session."""
