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
from datetime import datetime
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from archreview.core.redact import redact
from archreview.core.vocab import KIND_LABELS

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("archreview", "templates/fragments"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["redact"] = redact
    env.filters["short"] = lambda commit: (commit or "")[:12]
    env.filters["kind"] = kind_label
    env.filters["when"] = when
    env.filters["css_string"] = css_string
    return env


def kind_label(kind: str) -> str:
    """The client's word for an infrastructure kind (the JSON keeps the id)."""
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def when(at: str | None) -> str:
    """An ISO 8601 time as a reader writes it: '7 Dec 2026, 14:02 UTC'; anything else unchanged."""
    if not at:
        return ""
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return at
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return f"{moment.day} {moment:%b %Y, %H:%M}{zone}"


def css_string(text: object) -> Markup:
    """Text as a quoted CSS string: everything but letters, digits and spaces as a CSS escape, so no
    quote, backslash or ``</style>`` from the analysed repository can end the string or the element."""
    body = "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):06x}" for ch in str(text))
    return Markup(f'"{body}"')


def fragment(name: str, **values: Any) -> Markup:
    """Render ``templates/fragments/<name>.html.j2``."""
    return Markup(environment().get_template(f"{name}.html.j2").render(**values))


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, caption: str = "",
          css_class: str = "ar-table") -> Markup:
    """A table of rows, every cell escaped by the Styler; empty rows give an empty string."""
    if not rows:
        return Markup("")
    import pandas as pd  # here, not at the top: the review's parent process uses css_string, never a table

    frame = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=list(columns))
    styler = frame.style.format(escape="html", na_rep="", precision=2).hide(axis="index")
    styler = styler.set_uuid(css_class).set_table_attributes(f'class="{css_class}"')
    if caption:
        styler = styler.set_caption(caption)
    return Markup(styler.to_html())


PNG_DPI = 110


def _tight_box(figure: Figure) -> Bbox:
    """The box ``bbox_inches="tight"`` would crop to, measured from the text and artist extents at
    the output resolution. Passing it to savefig spares the full dry-run render that "tight" does
    first (a quarter of a chart's cost); the PNG is the same, byte for byte."""
    from matplotlib import rcParams
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    dpi = figure.dpi
    figure.set_dpi(PNG_DPI)
    try:
        box = figure.get_tightbbox(FigureCanvasAgg(figure).get_renderer())
    finally:
        figure.set_dpi(dpi)
    return box.padded(rcParams["savefig.pad_inches"])


def png_data_uri(figure: Figure) -> str:
    """A matplotlib figure as an inline ``data:`` URI (the report must not reference files)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PNG_DPI, bbox_inches=_tight_box(figure))
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
