"""How a process that runs notebooks loads the Jupyter stack: the one set-up every entry point shares.

Kept apart from ``report.notebook`` because it must run *before* nbformat is first
imported, and importing that module imports nbformat.
"""

from __future__ import annotations

import sys


def without_iri_grammars() -> None:
    """Keep jsonschema from building its ``iri`` string-format parsers in this process.

    papermill, nbclient and nbconvert validate notebooks with nbformat, through jsonschema,
    whose import builds 38 Lark parsers from the rfc3987 grammars whenever ``rfc3987_syntax``
    is installed (about 2 s of CPU, more than the rest of nbformat). No notebook schema uses
    a string format, so the process does without: jsonschema sees the module as missing, as it
    is designed to, and validates notebooks exactly as before. Called first by every entry point
    that loads nbformat or papermill (``archreview review``, ``archreview lab``, the batch child
    job); never on import, so a library user's own jsonschema is left alone.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
