"""HTML fragments from templates shipped in the package, always escaped.

Repository-derived and reviewer-written text reaches HTML only through two
doors, both escaping: Jinja2 templates with autoescape on, and pandas
``Styler.format(escape="html")`` for tables. Nothing here builds markup by
string formatting, so a file named ``<script>.py`` stays text in the live
notebook and in the report alike.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from archreview.core.redact import redact

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("archreview", "templates/fragments"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["redact"] = redact
    env.filters["short"] = lambda commit: (commit or "")[:12]
    return env


def fragment(name: str, **values: Any) -> Markup:
    """Render ``templates/fragments/<name>.html.j2``."""
    return Markup(environment().get_template(f"{name}.html.j2").render(**values))


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, caption: str = "",
          css_class: str = "ar-table") -> Markup:
    """A table of rows, every cell escaped by the Styler; empty rows give an empty string."""
    if not rows:
        return Markup("")
    frame = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=list(columns))
    styler = frame.style.format(escape="html", na_rep="", precision=2).hide(axis="index")
    styler = styler.set_uuid(css_class).set_table_attributes(f'class="{css_class}"')
    if caption:
        styler = styler.set_caption(caption)
    return Markup(styler.to_html())


def png_data_uri(figure: Figure) -> str:
    """A matplotlib figure as an inline ``data:`` URI (the report must not reference files)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
