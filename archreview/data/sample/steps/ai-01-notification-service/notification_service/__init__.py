"""Event-driven notification delivery for BuildRight."""

__version__ = "1.0.0"
