"""The cycle collector while a run builds a large heap that lives until the run ends.

An analysis gathers every file's facts, then the modules, the graph and the JSON
document: hundreds of thousands of objects, none of them garbage before the end.
With Python's default thresholds the collector re-scans that growing heap again
and again (typeorm's cold run: 0.37 s of the parent's CPU, three quarters of it in
four full collections). Collecting after 50,000 new objects instead of 700 leaves
it little to do; the worker processes already run that way (``analysis.runner``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_THRESHOLDS = (50_000, 50, 100)


@contextmanager
def few_collections() -> Iterator[None]:
    """Run the block with the collector's thresholds raised; the previous ones are put back after."""
    before = gc.get_threshold()
    gc.set_threshold(*_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
