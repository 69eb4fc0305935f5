"""The client report as PDF: nbconvert's webpdf exporter, printed by the machine's own Chromium, offline.

nbconvert's ``WebPDFExporter`` renders the report template to HTML and prints it
with Playwright. Out of the box it launches the Chromium that ``playwright install``
downloads, which needs the network; archreview reaches none at run time. So the one
method that starts the browser is replaced: it starts the Chromium installed on the
machine (Debian's ``/usr/bin/chromium``, or ``ARCHREVIEW_CHROMIUM``), headless, with
no background networking, no component updates, no first-run set-up, and every
request but the report's own file refused. Page size, numbers and the running header
come from the report's print CSS (``@page``), as when a client prints the HTML.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import tempfile
from pathlib import Path

from nbconvert.exporters.webpdf import WebPDFExporter
from nbformat import NotebookNode
from traitlets import Unicode
from traitlets.config import Config

from archreview.core.errors import ToolMissing
from archreview.core.output import write_bytes

CHROMIUM_ENV = "ARCHREVIEW_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Headless, offline and quiet: containers need --no-sandbox (the page is the report, which runs no script:
# its Content-Security-Policy forbids any), and nothing may phone home while it prints.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-gpu", "--disable-dev-shm-usage")
_INSTALL = "install it with `sudo apt-get install chromium`, or set ARCHREVIEW_CHROMIUM to a Chromium or Chrome executable"


class BrowserMissing(ToolMissing):
    """The PDF export needs Chromium (and the Playwright package that drives it)."""


def find_chromium() -> str:
    """The Chromium to print with: ``ARCHREVIEW_CHROMIUM``, else the first on PATH; one-line error otherwise."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        if os.path.isfile(named) and os.access(named, os.X_OK):
            return named
        raise BrowserMissing(f"{CHROMIUM_ENV}={named} is not an executable file; point it at Chromium, or unset it")
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing(f"the PDF export prints with Chromium, which is not installed: {_INSTALL}")


def check_printer() -> str:
    """Fail at once, before the workbook runs, when the PDF could not be printed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ModuleNotFoundError:
        raise BrowserMissing("the PDF export drives Chromium through Playwright, which is not installed: "
                             "pip install 'archreview[pdf]'") from None
    return find_chromium()


class SystemChromiumPDF(WebPDFExporter):
    """nbconvert's webpdf exporter, printing with an installed Chromium instead of Playwright's download."""

    executable = Unicode("", help="the Chromium executable (default: ARCHREVIEW_CHROMIUM, else on PATH)").tag(config=True)

    def run_playwright(self, html: str) -> bytes:
        # A worker thread: Playwright's sync API refuses to run where an asyncio loop is running
        # (a Jupyter kernel's "Export" button), as nbconvert's own version does with asyncio.run.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(print_pdf, html, self.executable or find_chromium()).result()


def print_pdf(html: str, executable: str) -> bytes:
    """The page printed to PDF by headless Chromium in print media; only the page's own file is loaded."""
    from playwright.sync_api import Error, sync_playwright

    with tempfile.TemporaryDirectory(prefix="archreview-pdf-") as folder:
        page_file = Path(folder) / "report.html"
        page_file.write_text(html, encoding="utf-8")
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                                     args=list(CHROMIUM_ARGS), handle_sigint=False,
                                                     handle_sigterm=False, handle_sighup=False)
            except Error as err:
                reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                raise BrowserMissing(f"Chromium ({executable}) did not start: {reason}; {_INSTALL}") from None
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                    (page_file.as_uri(), "data:")) else route.abort())
                page.emulate_media(media="print")
                page.goto(page_file.as_uri(), wait_until="load")
                return page.pdf(print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()


def export_pdf(node: NotebookNode, config: Config, pdf_out: Path) -> Path:
    """The report as a PDF file, from the workbook already redacted and sanitised for the report
    (``notebook.report_node``) and the report's nbconvert settings (``notebook.report_config``)."""
    exporter = SystemChromiumPDF(config=config)
    exporter.executable = check_printer()
    data, _ = exporter.from_notebook_node(node)
    return write_bytes(pdf_out, data)
