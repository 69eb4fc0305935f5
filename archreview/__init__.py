"""archreview: static evidence and a production checklist for architecture reviews."""

from __future__ import annotations

__version__ = "0.1.0"
