"""`archreview review --pdf`: the client report printed to PDF by the installed Chromium, offline.

The PDF is read back with pypdf: every page numbered "Page N of M", the running
header (client, repository, date) on each, and the advice the print CSS unfolds
(questions to ask, mitigations) in the text. Without Chromium the command says
how to install it, in one line, before the workbook runs.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from archreview import cli
from archreview.checklist.items import load_checklist
from archreview.decisions import DecisionStore
from archreview.sample import AI_BRANCH, SAMPLE_BASE, build_sample
from browser import ARTIFACTS, chromium_path
from repos import make_repo

NOTE = "Retries re-send the charge: add an idempotency key before release."


def _text(page) -> str:
    return " ".join(page.extract_text().split())


@pytest.mark.browser
def test_review_writes_a_numbered_pdf_with_the_advice_and_the_decisions(tmp_path, capsys, monkeypatch) -> None:
    from pypdf import PdfReader

    chromium_path()  # no Chromium: fail with how to install it, never skip
    monkeypatch.setenv("ARCHREVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ARCHREVIEW_CHROMIUM", raising=False)
    sample = build_sample(tmp_path / "sample")
    decisions = tmp_path / "decisions.json"
    DecisionStore(decisions).record(2, "fail", NOTE, "critical", "Ada")
    out = tmp_path / "out" / "review.pdf"
    code = cli.main(["review", str(sample), "--base", SAMPLE_BASE, "--head", AI_BRANCH, "--decisions", str(decisions),
                     "--client", "BuildRight", "--title", "Notifications review", "--pdf", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"PDF written: {out}" in err and f"executed workbook: {out.with_suffix('.ipynb')}" in err
    assert not out.with_suffix(".html").exists()  # a PDF was asked for, only a PDF is written
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(out, ARTIFACTS / "review.pdf")

    pages = [_text(p) for p in PdfReader(out).pages]
    total = len(pages)
    assert total > 3
    running = f"BuildRight · {sample} · {dt.date.today().isoformat()}"
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text, (number, text[:200])
        assert running.replace(" ", "") in text.replace(" ", ""), (number, text[:200])  # pypdf drops some spaces
    whole = " ".join(pages)
    assert "Review incomplete: 21 of 22 items not reviewed" in pages[0]  # the summary starts on page 1
    assert NOTE in whole
    item = load_checklist().items[1]
    for advice in (item.questions[0], item.mitigations[0], load_checklist().items[-1].mitigations[-1]):
        assert " ".join(advice.split()) in whole, advice  # folded on screen, printed on paper
    assert "<b>" not in whole and "Traceback" not in whole


def test_review_pdf_without_chromium_says_how_to_install_it_before_running(tmp_path, capsys, monkeypatch) -> None:
    repo = make_repo(tmp_path, [{"app.py": "x = 1\n"}])
    out = tmp_path / "out" / "review.pdf"
    tools = tmp_path / "bin"  # git, and no browser
    tools.mkdir()
    (tools / "git").symlink_to(shutil.which("git"))
    monkeypatch.delenv("ARCHREVIEW_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tools))
    assert cli.main(["review", str(repo.path), "--pdf", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert re.search(r"^archreview: .*Chromium, which is not installed: install it with `sudo apt-get install "
                     r"chromium`", err), err
    assert not out.parent.exists() or not any(out.parent.iterdir())  # the workbook never ran

    monkeypatch.setenv("ARCHREVIEW_CHROMIUM", str(tmp_path / "nowhere" / "chromium"))
    assert cli.main(["review", str(repo.path), "--pdf", str(out)]) == 2
    err = capsys.readouterr().err
    assert "ARCHREVIEW_CHROMIUM=" in err and "is not an executable file" in err and len(err.strip().splitlines()) == 1


def test_review_without_any_output_says_which_to_give(tmp_path, capsys) -> None:
    repo = make_repo(tmp_path, [{"app.py": "x = 1\n"}])
    assert cli.main(["review", str(repo.path)]) == 2
    assert "--output REPORT.html, --pdf REPORT.pdf, or both" in capsys.readouterr().err
