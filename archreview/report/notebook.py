"""Run the review workbook with papermill and export the client report with nbconvert.

The same notebook serves the live session and the report: executed here in
batch mode (``live=False``: decisions shown as static tables, no widgets),
then exported with the project's own template (``templates/report``): no
input cells, no script, images inline, a Content-Security-Policy that forbids
any request, print CSS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from archreview.core.errors import ArchReviewError
from archreview.core.paths import package_path
from archreview.workbook.params import Parameters, absolute

NOTEBOOK = package_path("notebooks", "review.ipynb")
WORKBOOK_ONLY = "workbook-only"  # cells tagged so are dropped from the report


class ReviewFailed(ArchReviewError):
    """The workbook raised while running; the partial notebook is kept next to the report."""


def notebook_path() -> Path:
    if not NOTEBOOK.exists():
        raise ArchReviewError(f"the review workbook is missing ({NOTEBOOK}); reinstall archreview from its checkout")
    return NOTEBOOK


def run_notebook(source: Path, notebook_out: Path, parameters: dict[str, object], *, cwd: Path,
                 timeout: int | None = None, kernel: str = "python3") -> Path:
    """papermill, as every archreview notebook is run; a failing cell raises ``ReviewFailed``
    and the partial notebook stays at ``notebook_out``."""
    import papermill as pm

    notebook_out.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(str(source), str(notebook_out), parameters=parameters, kernel_name=kernel,
                            progress_bar=False, execution_timeout=timeout, cwd=str(cwd), report_mode=False,
                            # No start-up chatter on stderr, and not the "KeyboardInterrupt caught in kernel"
                            # that ipykernel logs at ERROR when jupyter_client interrupts it to shut it down.
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except pm.PapermillExecutionError as exc:
        raise ReviewFailed(f"{source.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
                           f"(partial notebook kept at {notebook_out})") from exc
    return notebook_out


def execute(params: Parameters, notebook_out: Path, *, timeout: int | None = None, kernel: str = "python3") -> Path:
    """Run the review workbook with these parameters."""
    source = notebook_path()
    return run_notebook(source, notebook_out, absolute(params).as_dict(), cwd=source.parent, timeout=timeout,
                        kernel=kernel)


def export(notebook: Path, html_out: Path, title: str = "Architecture review") -> Path:
    """The report: a single self-contained HTML file from an executed workbook."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.extra_template_basedirs = [str(package_path("templates"))]
    config.HTMLExporter.template_name = "report"
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_markdown = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {WORKBOOK_ONLY, "parameters", "injected-parameters"}
    node = nbformat.read(notebook, as_version=4)
    node.metadata["title"] = title
    node.metadata.pop("widgets", None)  # no widget state, and so no widget JavaScript
    body, _ = HTMLExporter(config=config).from_notebook_node(node)
    html_out.parent.mkdir(parents=True, exist_ok=True)
    html_out.write_text(body, encoding="utf-8")
    return html_out


@dataclass(frozen=True, slots=True)
class Outcome:
    html: Path
    notebook: Path
    statuses: tuple[str, ...]  # the recorded verdict per decided item
    verdicts: dict[int, str] = field(default_factory=dict)  # item -> recorded verdict

    def has_verdict_at_or_above(self, level: str) -> bool:
        worse = {"fail": {"fail"}, "concern": {"fail", "concern"}}[level]
        return any(s in worse for s in self.statuses)


def check_inputs(params: Parameters) -> None:
    """Fail fast, with one line, on what would otherwise fail deep inside a kernel."""
    from archreview.analysis.inputs import check_path, read_context_file, resolve_refs
    from archreview.context.load import load_context
    from archreview.decisions import DecisionStore

    resolve_refs(check_path(params.repo), params.base, params.head)
    explicit = read_context_file(params.context)
    if explicit is not None:
        load_context({}, explicit)
    if params.decisions:
        DecisionStore(params.decisions)


def run_review(params: Parameters, output: str | os.PathLike, *, timeout: int | None = None) -> Outcome:
    """Execute the workbook in batch mode and export the report; the executed notebook sits beside it."""
    from archreview.decisions import DecisionStore

    check_inputs(params)
    html = Path(output)
    notebook = execute(params, html.with_suffix(".ipynb"), timeout=timeout)
    export(notebook, html, params.title)
    decided = DecisionStore(params.decisions).all() if params.decisions else ()
    return Outcome(html, notebook, tuple(d.status for d in decided), {d.item: d.status for d in decided})
