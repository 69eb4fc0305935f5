"""What a change brings, on the shapes the seventh pair set (bench/infra_pairs_seventh_a.toml, _b.toml) showed missed
or mislabelled; each written AFTER LOOKING at that set (it was held back and scored twice before), as a general rule,
in a git repository built here and analysed base..head the way the CLI does."""

from __future__ import annotations

from test_change_shapes import kinds
from test_change_shapes_fifth import change


def test_a_module_whose_coding_cookie_names_a_codec_not_installed_is_read_as_utf_8(git_repo, private_cache) -> None:
    # mautrix/telegram 2dc04a8: `# -*- coding: future_fstrings -*-` (a codec a package registers on install) made
    # every module unreadable, so the prometheus_client Histograms it adds were never seen
    module = "# -*- coding: future_fstrings -*-\ntry:\n    from prometheus_client import Histogram\n\n" \
             "    EVENT_TIME = Histogram('matrix_event', 'Time spent', ['event_type'])\nexcept ImportError:\n" \
             "    EVENT_TIME = None\n"
    result = change(git_repo, {"app/matrix.py": "# -*- coding: future_fstrings -*-\nimport time\n"},
                    {"app/matrix.py": module})
    assert ("observability", "prometheus") in kinds(result)
