"""The live workbook and the client report in a real browser (Debian's Chromium via Playwright).

The live session runs in a private JupyterLab on loopback: Run All, record a
verdict and a note through the widgets, find them in the decisions file on
disk, restart the kernel, run all again and see them come back. A hostile
repository's markup must show as text next to the live kernel. The report is
opened from disk with every network request blocked: it must need nothing
from outside and log no error. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from archreview.analysis.run import analyze
from archreview.decisions import DecisionStore
from archreview.lab import prepare
from archreview.report.notebook import run_review
from archreview.workbook.params import Parameters
from archreview.workbook.review import open_review
from archreview.sample import AI_BRANCH, SAMPLE_BASE, build_sample
from browser import ARTIFACTS, BrowserMissing, LabServer, launch, start_lab, stop_lab, track_kernels
from repos import make_repo

pytestmark = pytest.mark.browser

RUN_TIMEOUT = 120_000  # ms: Run All of the whole workbook, analysis included (about 20 s here)
UI_TIMEOUT = 30_000
ITEMS = 22
NOTE = "Payment retry re-sends the charge: <b>needs an idempotency key</b> & a test"
DISMISSAL = "The client sets a <b>default timeout</b> on the session & retries once"
HOSTILE_FILE = "<img src=x onerror=alert(1)>.py"
HOSTILE_CODE = "<script>alert(1)</script>"
HOSTILE_BRANCH = "feature/<svg/onload=alert(2)>"  # a valid git ref name
HOSTILE_PEOPLE = ("<i class=pwned>client</i>", "<b onclick=alert(3)>rev</b>")
ACTIVE = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook tab on show
SAVED = re.compile(r"^saved \d\d:\d\d:\d\d to ")  # the save state line after a save
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"  # stderr and tracebacks


# --- fixtures ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def playwright_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            browser = launch(p)
        except BrowserMissing as err:
            pytest.fail(str(err), pytrace=False)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return build_sample(tmp_path_factory.mktemp("sample") / "sample")


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[LabServer]:
    root = tmp_path_factory.mktemp("lab-root")
    server = start_lab(root, tmp_path_factory.mktemp("lab-home"), secrets.token_urlsafe(24))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture
def page(playwright_browser, lab: LabServer):
    """A fresh tab that may only talk to the test's own JupyterLab; refused requests and dialogs are recorded."""
    context = playwright_browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.dialogs, tab.refused = [], []
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith((lab.base_url, "data:", "blob:"))
              else (tab.refused.append(r.request.url), r.abort()))
    yield tab
    context.close()
    track_kernels(lab)


# --- the live workbook ------------------------------------------------------------------------------------------

def open_workbook(page, lab: LabServer, notebook: Path) -> None:
    page.goto(lab.url(notebook.name))
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=UI_TIMEOUT)
    wait_idle(page, UI_TIMEOUT)
    assert page.locator(".jp-NotebookPanel").count() == 1, "JupyterLab reopened another notebook beside this one"


def wait_idle(page, timeout: int) -> None:
    """A kernel is attached (the toolbar names it; before that it says "No Kernel" and also shows idle) and idle."""
    page.wait_for_function(
        """(active) => {
            const name = document.querySelector(active + ' .jp-Toolbar-kernelName');
            const state = document.querySelector(active + ' .jp-Notebook-ExecutionIndicator');
            return name && /Python/.test(name.textContent) && state && state.dataset.status === 'idle';
        }""",
        arg=ACTIVE, timeout=timeout,
    )


def menu(page, name: str, entry: str) -> None:
    """Open a main-menu entry and pick an item by its label, as a user would."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(name)}$")).click()
    page.locator(".lm-Menu-content .lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(entry)}$")).click()


def run_all(page) -> None:
    menu(page, "Run", "Run All Cells")
    wait_run_finished(page)


def wait_run_finished(page) -> None:
    """Every code cell has run (no ``[*]`` or ``[ ]`` prompt left) and the kernel is idle, or a cell raised."""
    try:
        page.wait_for_function(
            """([active, stderr]) => {
                const raised = [...document.querySelectorAll(active + ' ' + stderr)]
                    .some(e => e.textContent.includes('Traceback'));
                const prompts = [...document.querySelectorAll(active + ' .jp-CodeCell .jp-InputPrompt')];
                return raised || (prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)));
            }""",
            arg=[ACTIVE, STDERR], timeout=RUN_TIMEOUT,
        )
        wait_idle(page, RUN_TIMEOUT)
    except Exception as err:
        raise AssertionError(f"Run All did not finish: {err}\n{notebook_state(page)}") from err
    errors = page.locator(f"{ACTIVE} {STDERR}", has_text="Traceback")
    assert errors.count() == 0, f"a workbook cell raised:\n{errors.first.text_content()}\n{notebook_state(page)}"


def notebook_state(page) -> str:
    """Prompts, kernel status, error outputs and dialogs, with a screenshot, for a failure message."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workbook-failure.png"))
    return page.evaluate("""(stderr) => JSON.stringify({
        prompts: [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent),
        kernel: [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')].map(e => e.dataset.status),
        stderr: [...document.querySelectorAll(stderr)].map(e => e.textContent.slice(0, 2000)),
        dialogs: [...document.querySelectorAll('.jp-Dialog')].map(e => e.innerText),
    }, null, 1)""", STDERR) + "\n(screenshot: test-artifacts/workbook-failure.png)"


def item_box(page, item: int):
    """The item's decision widget in the checklist (the tour above it shows the same widget once more)."""
    return page.locator(f".ar-decision-widget.ar-item-{item}:not(.ar-tour *)")


def list_boxes(page):
    return page.locator(".ar-decision-widget:not(.ar-tour *)")


def decision_on_disk(path: Path, item: int, note: str, timeout: float = 20.0):
    """Poll the decisions file until ``item`` carries ``note`` (the textarea saves on blur, a round trip later)."""
    deadline = time.monotonic() + timeout
    while True:
        decision = DecisionStore(path).get(item) if path.exists() else None
        if (decision is not None and decision.note == note) or time.monotonic() > deadline:
            return decision
        time.sleep(0.2)


@pytest.fixture(scope="module")
def sample_workbook(sample: Path, lab: LabServer) -> tuple[Path, Path]:
    decisions = lab.root / "sample.decisions.json"
    params = Parameters(str(sample), SAMPLE_BASE, AI_BRANCH, decisions=str(decisions), client="BuildRight",
                        reviewer="Ada Reviewer", title="Notifications review", live=True)
    return prepare(params, lab.root), decisions


def test_a_verdict_set_in_the_widgets_is_saved_and_survives_a_kernel_restart(page, lab, sample_workbook) -> None:
    notebook, decisions = sample_workbook
    open_workbook(page, lab, notebook)
    run_all(page)
    assert list_boxes(page).count() == ITEMS
    assert page.locator("section.ar-item[data-item]").count() == ITEMS
    assert page.refused == [], "the live workbook tried to fetch from outside the notebook server"
    box = item_box(page, 2)
    box.scroll_into_view_if_needed()
    box.locator("button", has_text=re.compile("^fail$")).click()
    state = box.locator(".ar-save-state")
    state.filter(has_text=SAVED).wait_for(timeout=UI_TIMEOUT)
    note = box.locator("textarea")
    note.click()
    note.fill(NOTE)  # typed, and the box keeps the focus: no blur, no Enter

    saved = decision_on_disk(decisions, 2, NOTE)
    assert saved is not None, f"nothing saved for item 2; the widget says {state.inner_text()!r}"
    assert (saved.status, saved.note) == ("fail", NOTE)
    assert note.evaluate("e => document.activeElement === e"), "the note was saved only after leaving its box"
    state.filter(has_text=SAVED).wait_for(timeout=UI_TIMEOUT)
    assert "NOT SAVED" not in state.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workbook.png"))

    menu(page, "Kernel", "Restart Kernel and Run All Cells…")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    # Only a widget built by the new kernel says "saved earlier": the old ones said "saved HH:MM:SS to ...".
    restored = item_box(page, 2)
    restored.locator(".ar-save-state", has_text="saved earlier").wait_for(timeout=RUN_TIMEOUT)
    wait_run_finished(page)
    assert restored.locator("button.mod-active").inner_text().strip() == "fail"
    assert restored.locator("textarea").input_value() == NOTE
    assert list_boxes(page).count() == ITEMS
    assert page.dialogs == []


def test_the_tour_walks_the_items_in_risk_order_and_counts_what_is_reviewed(page, lab, sample_workbook,
                                                                             sample) -> None:
    notebook, decisions = sample_workbook
    order = [it.number for it in open_review(analyze(str(sample), SAMPLE_BASE, AI_BRANCH)).tour()]
    open_workbook(page, lab, notebook)
    run_all(page)
    tour = page.locator(".ar-tour")
    tour.scroll_into_view_if_needed()
    where = tour.locator(".ar-tour-progress")
    where.filter(has_text=re.compile(r"^item 1 of ")).wait_for(timeout=UI_TIMEOUT)
    reviewed = int(re.search(r"(\d+) reviewed", where.text_content())[1])
    assert where.text_content().startswith(f"item 1 of {ITEMS}, {reviewed} reviewed — Item {order[0]}: ")
    assert tour.locator("button", has_text="Previous").is_disabled()
    for _ in range(2):
        tour.locator("button", has_text="Next item").click()
    where.filter(has_text=f"item 3 of {ITEMS}, ").wait_for(timeout=UI_TIMEOUT)
    third = order[2]
    assert where.text_content().startswith(f"item 3 of {ITEMS}, {reviewed} reviewed — Item {third}: ")
    assert tour.locator(f"section.ar-item[data-tour-item='{third}']").count() == 1  # its card, with its evidence
    assert tour.locator(f".ar-decision-widget.ar-item-{third}").count() == 1  # and its decision widget
    assert DecisionStore(decisions).get(third) is None
    tour.locator(f".ar-item-{third} button", has_text=re.compile("^concern$")).click()
    where.filter(has_text=f"{reviewed + 1} reviewed").wait_for(timeout=UI_TIMEOUT)
    assert DecisionStore(decisions).get(third).status == "concern"
    active = item_box(page, third).locator("button.mod-active")  # the list below shows the same verdict
    assert active.inner_text().strip() == "concern"
    ARTIFACTS.mkdir(exist_ok=True)
    tour.screenshot(path=str(ARTIFACTS / "workbook-tour.png"))
    assert page.dialogs == [] and page.refused == []


def test_a_finding_dismissed_in_the_workbook_is_marked_in_the_report_and_not_counted(
        page, lab, sample_workbook, sample, playwright_browser, tmp_path) -> None:
    notebook, decisions = sample_workbook
    review = open_review(analyze(str(sample), SAMPLE_BASE, AI_BRANCH))
    # the second engine the change opens (item 9, transactions across two engines): one finding of its evidence
    evidence = review.evidence(9)
    finding = next(f for f in evidence if f.rule == "opens.database_two_engines" and f.path.endswith(".py"))
    where = f"{finding.path}:{finding.line}"
    open_workbook(page, lab, notebook)
    run_all(page)
    box = item_box(page, 9)
    box.scroll_into_view_if_needed()
    box.locator("button", has_text="Decide on single findings").click()
    row = box.locator(".ar-finding-decision", has_text=f"{where} — ")
    row.locator("select").select_option(label="false positive")
    row.locator("input[type='text']").fill(DISMISSAL)  # typed: saved when typing pauses
    row.locator(".ar-finding-state").filter(has_text=SAVED).wait_for(timeout=UI_TIMEOUT)
    stored = DecisionStore(decisions).finding(finding.fingerprint)
    assert (stored.status, stored.reason) == ("false_positive", DISMISSAL)
    box.screenshot(path=str(ARTIFACTS / "workbook-dismissed-finding.png"))

    params = Parameters(str(sample), SAMPLE_BASE, AI_BRANCH, decisions=str(decisions), client="BuildRight")
    report = run_review(params, tmp_path / "dismissed.html").html
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    try:
        tab.goto(report.as_uri(), wait_until="load")
        item = tab.locator("#item-9")
        dismissed = item.locator(".ar-dismissed")
        assert "Dismissed by the reviewer: 1 finding (not counted)" in dismissed.locator("summary").inner_text()
        dismissed.locator("summary").click()
        row_text = dismissed.locator("tr", has_text=where).inner_text()
        assert "false positive" in row_text and DISMISSAL in row_text  # escaped, shown as text
        assert dismissed.locator("b").count() == 0
        left = len(evidence) - 1
        assert f"{left} new finding{'s' * (left != 1)}" in item.locator("h4").inner_text()  # no longer counted
        assert where not in item.locator(".ar-scroll").inner_text()  # gone from the evidence, kept below
        summary = tab.locator("#executive-summary")
        assert "1 more the reviewer dismissed" in summary.inner_text()
        assert where not in summary.locator(".ar-risks").inner_text()  # not among the top risks' evidence
        dismissed.screenshot(path=str(ARTIFACTS / "report-dismissed-finding.png"))
    finally:
        context.close()


# --- escaping next to the live kernel ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_workbook(tmp_path_factory, lab: LabServer) -> Path:
    base = {"app/__init__.py": "", "app/orders.py": "def total(items):\n    return sum(items)\n"}
    change = {HOSTILE_FILE: (
        "import requests\n\n\n"
        "def fetch(order):\n"
        "    if order:\n"
        f"        return requests.get('https://example.com/{HOSTILE_CODE}')\n"
        "    return None\n"
    ), "requirements.txt": "requests\n"}
    repo = make_repo(tmp_path_factory.mktemp("hostile"), [base], branches={HOSTILE_BRANCH: [change]})
    params = Parameters(str(repo.path), "main", HOSTILE_BRANCH, decisions=str(lab.root / "hostile.decisions.json"),
                        client=HOSTILE_PEOPLE[0], reviewer=HOSTILE_PEOPLE[1], live=True)
    return prepare(params, lab.root)


def test_repository_markup_shows_as_text_in_the_live_workbook(page, lab, hostile_workbook) -> None:
    open_workbook(page, lab, hostile_workbook)
    run_all(page)
    outputs = page.locator(f"{ACTIVE} .jp-OutputArea")
    # textContent, not innerText: cells scrolled out of view are not laid out, and innerText skips them
    text = "\n".join(outputs.all_text_contents())
    for payload in (HOSTILE_FILE, HOSTILE_CODE, HOSTILE_BRANCH, *HOSTILE_PEOPLE):
        assert payload in text, f"{payload!r} is not shown as text"
    for element in ("img[onerror]", "script", "svg[onload]", "[onclick]", ".pwned"):
        assert outputs.locator(element).count() == 0, f"repository text became a <{element}> element"
    assert page.dialogs == []
    assert page.refused == []


# --- the client report ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report(sample: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    decisions = out / "decisions.json"
    DecisionStore(decisions).record(2, "fail", NOTE, "high", "Ada Reviewer")
    params = Parameters(str(sample), SAMPLE_BASE, AI_BRANCH, decisions=str(decisions), client="BuildRight",
                        reviewer="Ada Reviewer", title="Notifications review")
    return run_review(params, out / "report.html").html


def test_the_report_opens_offline_with_no_request_and_no_console_error(playwright_browser, report: Path) -> None:
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests, console, dialogs = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append((m.type, m.text)))
    page.on("pageerror", lambda e: console.append(("pageerror", str(e))))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    try:
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_load_state("networkidle")
        assert [u for u in requests if not u.startswith("data:")] == [report.as_uri()]
        assert [c for c in console if c[0] in ("error", "pageerror")] == []
        assert dialogs == []
        assert page.locator("[data-item]").count() == ITEMS
        csp = page.locator("meta[http-equiv='Content-Security-Policy']")
        assert csp.count() == 1 and "default-src 'none'" in csp.get_attribute("content")
        assert page.locator("script").count() == 0
        images = page.evaluate("[...document.images].map(i => [i.src.slice(0, 15), i.complete && i.naturalWidth > 0])")
        assert images and all(src.startswith("data:image/") and shown for src, shown in images), images
        assert NOTE in page.locator("#item-2").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    finally:
        context.close()


def test_the_report_reads_on_a_phone_and_prints_its_advice(playwright_browser, report: Path) -> None:
    context = playwright_browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(report.as_uri(), wait_until="load")
        headline = page.locator("#executive-summary .ar-verdict").inner_text()
        assert headline == "Review incomplete: 21 of 22 items not reviewed"  # one decision (item 2 failed)
        assert "already means changes are required" in page.locator("#executive-summary").inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-phone.png"))
        page.locator("#item-2").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "report-phone-item.png"))
        mitigations = page.locator("#item-2 .ar-mitigations li").first
        assert not mitigations.is_visible()  # on screen the advice folds away
        page.emulate_media(media="print")
        assert mitigations.is_visible() and page.locator("#item-2 .ar-questions li").first.is_visible()
        quiet = page.locator(".ar-quiet section[data-item] .ar-mitigations li").first
        assert quiet.is_visible()  # the compact table's items print their advice too
        page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4")
    finally:
        context.close()


def test_lab_prints_its_url_and_ends_server_and_kernels_on_sigterm(sample: Path, tmp_path) -> None:
    import json
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    from browser import _alive_as, _isolated_env, descendants

    exe = Path(sys.executable).with_name("archreview")
    env = _isolated_env(tmp_path / "home")
    workdir = tmp_path / "reviews"
    argv = [str(exe), "lab", str(sample), "--base", SAMPLE_BASE, "--head", AI_BRANCH, "--no-browser",
            "--workdir", str(workdir)]
    first = workdir / "review-sample-feature-notifications-ai.ipynb"
    workdir.mkdir()
    first.write_text("{}", encoding="utf-8")  # a workbook from an earlier session: kept as it is
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:  # a file, not a pipe: the server's chatter never blocks on a full pipe
        lab = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    tree: list[tuple[int, int]] = []
    try:
        url, deadline = None, time.monotonic() + 120
        while url is None and time.monotonic() < deadline and lab.poll() is None:
            opened = [line for line in log.read_text(errors="replace").splitlines() if line.startswith("open: ")]
            url = opened[0].split(" ", 1)[1].strip() if opened else None
            time.sleep(0.2)
        assert url and re.match(r"http://127\.0\.0\.1:\d+/lab/tree/review-sample-feature-notifications-ai-2"
                                r"\.ipynb\?token=[\w-]{20,}$", url), url
        assert first.read_text(encoding="utf-8") == "{}"
        base, token = url.split("/lab/")[0], url.rsplit("token=", 1)[1]
        request = urllib.request.Request(f"{base}/api/kernels?token={token}", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never through a proxy
        kernel = json.loads(direct.open(request, timeout=30).read())
        assert kernel["id"], log.read_text(errors="replace")[-2000:]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(tree) < 2:  # the server and its kernel
            tree = descendants(lab.pid)
            time.sleep(0.2)
        assert len(tree) >= 2, tree
        os.kill(lab.pid, signal.SIGTERM)
        assert lab.wait(timeout=60) in (0, 130, 143, -15)
        left = [pid for pid, started in tree if _alive_as(pid, started)]
        assert left == [], f"processes left after SIGTERM to archreview lab: {left}"
    finally:
        if lab.poll() is None:
            lab.kill()
        for pid, started in tree:
            if _alive_as(pid, started):
                os.kill(pid, signal.SIGKILL)
