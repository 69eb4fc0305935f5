"""``python -m archreview``: the same CLI as the ``archreview`` command, for a checkout or a venv without scripts on PATH."""

import sys

from archreview.cli import main

sys.exit(main())
