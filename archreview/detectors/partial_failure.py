"""Checklist detectors (see archreview/data/checklist.toml)."""

DETECTORS: tuple = ()
