"""Run the review workbook with papermill and export the client report with nbconvert.

The same notebook serves the live session and the report: executed here in
batch mode (``live=False``: decisions shown as static tables, no widgets),
then exported with the project's own template (``templates/report``): no
input cells, no script, images inline, a Content-Security-Policy that forbids
any request, print CSS.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from archreview.core.errors import ArchReviewError
from archreview.core.output import make_folder, refuse_links, write_text
from archreview.core.redact import redact
from archreview.core.paths import package_path
from archreview.workbook.params import Parameters, absolute

NOTEBOOK = package_path("notebooks", "review.ipynb")
WORKBOOK_ONLY = "workbook-only"  # cells tagged so are dropped from the report


class ReviewFailed(ArchReviewError):
    """The workbook raised while running; the partial notebook is kept next to the report."""


@dataclass(frozen=True, slots=True)
class Executed:
    """A notebook papermill ran in this process: its file, and that file's text as written, outputs
    already redacted by ``_redact_file``. The reports made from it here sanitise that text without a
    second redaction pass over every output (the charts alone are half a megabyte of base64)."""

    path: Path
    text: str = field(repr=False)  # the file's content: redacted, never read back from disk


def notebook_path() -> Path:
    if not NOTEBOOK.exists():
        raise ArchReviewError(f"the review workbook is missing ({NOTEBOOK}); reinstall archreview from its checkout")
    return NOTEBOOK


def run_notebook(source: Path, notebook_out: Path, parameters: dict[str, object], *, cwd: Path,
                 timeout: int | None = None, kernel: str = "python3", progress: bool = False) -> Executed:
    """papermill, as every archreview notebook is run; a failing cell raises ``ReviewFailed``
    and the partial notebook stays at ``notebook_out``. ``progress`` (the CLI asks for it on a
    terminal): papermill's bar, named after the section running (each cell's ``papermill_description``)."""
    import papermill as pm

    make_folder(notebook_out.parent)
    text = None
    try:
        pm.execute_notebook(str(source), str(notebook_out), parameters=parameters, kernel_name=kernel,
                            progress_bar={"desc": "starting the kernel", "leave": False} if progress else False,
                            execution_timeout=timeout, cwd=str(cwd), report_mode=False,
                            # No start-up chatter on stderr, and not the "KeyboardInterrupt caught in kernel"
                            # that ipykernel logs at ERROR when jupyter_client interrupts it to shut it down.
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except pm.PapermillExecutionError as exc:
        raise ReviewFailed(f"{source.name} failed in cell {exc.exec_count}: {exc.ename}: {_first_line(redact(str(exc.evalue)))} "
                           f"(partial notebook kept at {notebook_out})") from exc
    finally:
        text = _redact_file(notebook_out)
    assert text is not None, "papermill returned without writing the notebook"
    return Executed(notebook_out, text)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] + (" ..." if len(lines) > 1 else "") if lines else ""


def _redact_file(notebook: Path) -> str | None:
    """The executed notebook, as kept on disk, with its outputs redacted; the text written (None when
    papermill failed before writing any)."""
    try:
        node = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError):
        return None  # nothing was written: papermill failed before the first cell
    text = nbformat.writes(clean_outputs(node, sanitise=False))
    write_text(notebook, text)
    return text


def execute(params: Parameters, notebook_out: Path, *, timeout: int | None = None, kernel: str = "python3",
            progress: bool = False) -> Executed:
    """Run the review workbook with these parameters."""
    source = notebook_path()
    return run_notebook(source, notebook_out, absolute(params).as_dict(), cwd=source.parent, timeout=timeout,
                        kernel=kernel, progress=progress)


# What the workbook's own fragments and tables use, and nothing else: no script, no event handler,
# no frame, object or form, no link or image that leaves the page, no style beyond these properties.
_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img",
    "kbd", "li", "main", "mark", "nav", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
})
_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href"}, "img": {"src", "alt", "width", "height"}, "ol": {"start", "reversed"}, "li": {"value"},
    "details": {"open"}, "table": {"border"}, "time": {"datetime"},
    "td": {"colspan", "rowspan", "style"}, "th": {"colspan", "rowspan", "scope", "style"},
}
_STYLE_PROPERTIES = {"background-color", "color", "text-align", "font-weight"}
_RELATIVE = re.compile(r"(?![a-zA-Z][a-zA-Z0-9+.-]*:)(?![/\\]{2})[^\s\\]*\Z")  # no scheme, no //host
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*\Z")


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name == "href":  # links stay inside the report or go to a file beside it (the portfolio's reports)
        return value if _RELATIVE.match(value) else None
    if name == "src":  # images are inline data, never fetched
        return value if _DATA_IMAGE.match(value) else None
    return value


def sanitise_html(html: str) -> str:
    """An output's HTML with only what the workbook's own fragments use (nh3, the sanitizer nbconvert adopts)."""
    import nh3

    return nh3.clean(html, tags=set(_TAGS), attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
                     attribute_filter=_attribute, generic_attribute_prefixes={"data-"}, url_schemes={"data"},
                     filter_style_properties=set(_STYLE_PROPERTIES), strip_comments=True, link_rel=None)


def _text(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def clean_outputs(node: nbformat.NotebookNode, *, sanitise: bool, redacted: bool = False) -> nbformat.NotebookNode:
    """Every output's text redacted; with ``sanitise``, HTML and Markdown outputs sanitised too
    (Markdown is rendered to HTML first, so raw HTML inside it is sanitised like the rest).
    ``redacted``: the outputs went through this function already (``Executed``), so only what is
    made here (HTML rendered from Markdown) is redacted again."""
    from nbconvert.filters import markdown2html

    scrub = (lambda text: text) if redacted else redact
    for cell in node.cells:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = scrub(_text(output["text"]))
            if "traceback" in output:
                output["traceback"] = [scrub(_text(line)) for line in output["traceback"]]
            if "evalue" in output:
                output["evalue"] = scrub(_text(output["evalue"]))
            data = output.get("data", {})
            rendered = False  # text/html made here from Markdown: always redacted
            if sanitise and "text/markdown" in data:
                html = markdown2html(_text(data.pop("text/markdown")))
                if "text/html" not in data:
                    data["text/html"], rendered = html, True
            for mime in list(data):
                if mime.startswith("text/"):
                    data[mime] = (redact if rendered and mime == "text/html" else scrub)(_text(data[mime]))
                if sanitise and mime == "text/html":
                    data[mime] = sanitise_html(data[mime])
    return node


def report_config(exporter: str = "HTMLExporter"):
    """nbconvert's settings for the client report (the HTML one, or the PDF exporter built on it):
    the project's template, no input cells or prompts, workbook-only cells dropped."""
    from traitlets.config import Config

    config = Config()
    options = config[exporter]
    options.extra_template_basedirs = [str(package_path("templates"))]
    options.template_name = "report"
    options.exclude_input = True
    options.exclude_input_prompt = True
    options.exclude_output_prompt = True
    options.exclude_markdown = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {WORKBOOK_ONLY, "parameters", "injected-parameters"}
    return config


def report_node(notebook: Path | Executed, title: str) -> nbformat.NotebookNode:
    """The executed workbook as the report shows it: outputs redacted and sanitised, no widget state.
    A notebook read from a file is redacted here; one this process ran (``Executed``) was already."""
    ran = isinstance(notebook, Executed)
    if isinstance(notebook, Executed):
        node = nbformat.reads(notebook.text, as_version=4)
    else:
        node = nbformat.read(notebook, as_version=4)
    node.metadata["title"] = title
    node.metadata["running_header"] = running_header(node)
    node.metadata.pop("widgets", None)  # no widget state, and so no widget JavaScript
    return clean_outputs(node, sanitise=True, redacted=ran)


def running_header(node: nbformat.NotebookNode) -> str:
    """The printed pages' running header, as a CSS string: client, repository and date, from the parameters
    the workbook ran with. The template puts it in ``@page``; a ``<style>`` in an output would be sanitised away."""
    import datetime as dt

    from archreview.workbook.render import css_string

    params = node.metadata.get("papermill", {}).get("parameters", {})
    parts = [params.get("client"), params.get("repo"), dt.date.today().isoformat()]
    return str(css_string(redact(" · ".join(str(p) for p in parts if p))))


def export(notebook: Path | Executed, html_out: Path, title: str = "Architecture review") -> Path:
    """The report: a single self-contained HTML file from an executed workbook, its outputs
    redacted and sanitised."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(config=report_config()).from_notebook_node(report_node(notebook, title))
    return write_text(html_out, body)


@dataclass(frozen=True, slots=True)
class Outcome:
    html: Path | None  # None when only a PDF was asked for
    notebook: Path
    statuses: tuple[str, ...]  # the standing verdict per decided item (a reopened one is not counted)
    verdicts: dict[int, str] = field(default_factory=dict)  # item -> standing verdict
    reopened: dict[int, str] = field(default_factory=dict)  # item -> why its recorded verdict no longer stands
    pdf: Path | None = None

    def has_verdict_at_or_above(self, level: str) -> bool:
        worse = {"fail": {"fail"}, "concern": {"fail", "concern"}}[level]
        return any(s in worse for s in self.statuses)

    @property
    def written(self) -> tuple[Path, ...]:
        """Every file the review wrote, the report(s) first."""
        return tuple(p for p in (self.html, self.pdf, self.notebook) if p is not None)


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


def run_review(params: Parameters, output: str | os.PathLike | None, *, pdf: str | os.PathLike | None = None,
               timeout: int | None = None, progress: bool = False) -> Outcome:
    """Execute the workbook in batch mode and export the report (HTML, PDF or both); the executed
    notebook sits beside the first of them. ``progress``: papermill's bar, by section, on stderr."""
    check_inputs(params)
    html = refuse_links(output, params.repo) if output is not None else None  # never through the analysed tree's links
    pdf_out = refuse_links(pdf, params.repo) if pdf is not None else None
    first = html or pdf_out
    if first is None:
        raise ValueError("run_review needs an HTML output, a PDF output or both")
    notebook_out = refuse_links(first.with_suffix(".ipynb"), params.repo)
    for target in (html, pdf_out):
        if target is not None:
            make_folder(target.parent, params.repo)  # one line now, not a traceback after the workbook ran
    if pdf_out is not None:
        from archreview.report.pdf import check_printer

        check_printer()  # no Chromium: one line now, not after the workbook ran
    executed = execute(params, notebook_out, timeout=timeout, progress=progress)
    if html is not None:
        export(executed, html, params.title)
    if pdf_out is not None:
        from archreview.report.pdf import export_pdf

        export_pdf(report_node(executed, params.title), report_config("WebPDFExporter"), pdf_out)
    verdicts, why = standing_verdicts(params)
    return Outcome(html, executed.path, tuple(verdicts.values()), verdicts, why, pdf_out)


def standing_verdicts(params: Parameters) -> tuple[dict[int, str], dict[int, str]]:
    """(item -> verdict that still stands, item -> why a recorded one was reopened), re-checked as the
    workbook does: a verdict past its ``expires`` date or whose ``revisit_when`` came true no longer counts."""
    if not params.decisions:
        return {}, {}
    from archreview.workbook.sections import start

    review = start(params.repo, params.base, params.head, context=params.context, decisions=params.decisions,
                   live=False)  # the workbook's analysis, read back from the cache
    store = review.store
    decided = store.all() if store is not None else ()
    why = {d.item: reason for d in decided if (reason := review.reopened(d.item))}
    return {d.item: d.status for d in decided if d.item not in why}, why
