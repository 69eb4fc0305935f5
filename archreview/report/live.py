"""The client report from a live session: the workbook's "Export report" button."""

from __future__ import annotations

from pathlib import Path

from archreview.workbook.review import Review


def export_report(review: Review, output: str | Path | None = None) -> Path:
    """The client report with the decisions recorded so far: the same batch run as ``archreview review``."""
    from archreview.report.notebook import execute, export  # only on a click: the kernel never loads nbformat

    params = review.params
    if params is None:
        raise ValueError("this review was not opened with wb.start(); use `archreview review` instead")
    html = Path(output) if output else Path.cwd() / "reports" / f"{Path(params.repo).resolve().name}.html"
    notebook = execute(params, html.with_suffix(".ipynb"))
    return export(notebook, html, params.title)


def export_button(review: Review, output: str | Path | None = None):
    """A button that writes the report (live sessions only)."""
    if not review.live:
        return None
    import ipywidgets as w

    button = w.Button(description="Export report", icon="file", button_style="primary")
    state = w.Label()

    def click(_button) -> None:
        state.value = "exporting…"
        try:
            state.value = f"report written: {export_report(review, output)}"
        except Exception as exc:  # shown to the reviewer, the session goes on
            state.value = f"export failed: {exc}"

    button.on_click(click)
    return w.HBox([button, state])
