"""The summary CSV and the portfolio sections, from rows on disk (no kernel needed)."""

from __future__ import annotations

import csv

import pytest
from bs4 import BeautifulSoup

from archreview.report import portfolio as pf
from archreview.change.catalogue import KINDS
from archreview.checklist.items import load_checklist
from archreview.report import results
from archreview.report.results import FAILED, REVIEWED, RepoResult, load

HOSTILE = '<script>alert("x")</script>'


def _results() -> list[RepoResult]:
    return [
        RepoResult("shop", REVIEWED, path="/src/shop", base="a" * 40, head="b" * 40, base_ref="main", head_ref="ai",
                   infrastructure=(("database", "sqlalchemy engine"), ("message_queue", HOSTILE),
                                   ("message_queue", "rabbitmq")),
                   findings=((1, 3), (7, 12)), verdicts=(("fail", 1), ("unreviewed", 21)), duration=12.34),
        RepoResult("billing", REVIEWED, path="/src/billing", findings=((4, 1),), verdicts=(("unreviewed", 22),)),
        RepoResult("api", FAILED, reason=f"no such folder: {HOSTILE}", path="/src/api"),
    ]


@pytest.fixture
def folder(tmp_path):
    for name in ("shop", "billing"):
        (tmp_path / name).mkdir()
    (tmp_path / "shop" / "report.html").write_text("<html></html>")  # billing's report is missing on disk
    results.write_summary(_results(), tmp_path / "summary.csv")
    return tmp_path


def _html(section) -> BeautifulSoup:
    return BeautifulSoup(section.data, "html.parser")


def test_summary_csv_has_every_kind_category_and_verdict_as_columns_sorted_by_name(folder):
    with open(folder / "summary.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["name"] for r in rows] == ["api", "billing", "shop"]
    shop = rows[2]
    assert set(f"infra_{k}" for k in KINDS) <= set(shop)
    assert (shop["infra_message_queue"], shop["infra_database"], shop["infra_cache"]) == ("2", "1", "0")
    assert len([c for c in shop if c.startswith("findings_")]) == len(load_checklist().categories)
    assert (shop["findings_1_partial_failure"], shop["findings_7_architecture_fit"]) == ("3", "12")
    assert (shop["verdict_fail"], shop["verdict_pass"], shop["duration_seconds"]) == ("1", "0", "12.3")
    assert rows[0]["report"] == "" and rows[0]["reason"] == f"no such folder: {HOSTILE}"
    assert not (folder / "summary.csv.tmp").exists()


def test_a_result_survives_json_both_ways():
    for result in _results():
        assert results.from_json(results.to_json(result)) == result


def test_reports_link_only_to_reports_that_exist(folder):
    page = _html(pf.reports(load(folder)))
    assert [a["href"] for a in page.find_all("a")] == ["shop/report.html"]
    assert [tr.find("td").get_text() for tr in page.find("tbody").find_all("tr")] == ["api", "billing", "shop"]


def test_repository_text_stays_text_in_every_section(folder):
    p = load(folder)
    for section in (pf.header(p, title=HOSTILE, client=HOSTILE), pf.reports(p), pf.infrastructure(p),
                    pf.heat_map(p), pf.failures(p)):
        page = _html(section)
        assert page.find_all("script") == []
    assert HOSTILE in _html(pf.infrastructure(p)).get_text()
    assert HOSTILE in _html(pf.failures(p)).get_text()


def test_infrastructure_has_a_column_per_kind_found(folder):
    page = _html(pf.infrastructure(load(folder)))
    headers = [th.get_text() for th in page.find("thead").find_all("th")]
    assert headers == ["repository", "message_queue", "database"]
    assert "rabbitmq" in page.get_text() and "billing" in page.get_text()


def test_heat_map_shades_by_count_and_leaves_zero_white(folder):
    page = _html(pf.heat_map(load(folder)))
    rows = {tr.find("th").get_text(): tr.find_all("td") for tr in page.find("tbody").find_all("tr")}
    assert set(rows) == {"shop", "billing"}  # failed repositories have no findings to show
    shop = [(td.get_text(), td["style"]) for td in rows["shop"]]
    assert shop[0][0] == "3" and shop[6] == ("12", "background-color: #ff3c3c")
    assert shop[1] == ("0", "background-color: #ffffff")


@pytest.mark.parametrize("count, top, colour", [(0, 5, "#ffffff"), (5, 5, "#ff3c3c"), (1, 0, "#ffffff")])
def test_shade_ends(count, top, colour):
    assert pf._shade(count, top) == colour


def test_shades_grow_darker_with_the_count():
    greens = [int(pf._shade(n, 40)[3:5], 16) for n in range(1, 41)]
    assert greens == sorted(greens, reverse=True) and greens[0] > greens[-1]


def test_failures_section_says_so_when_all_were_reviewed(tmp_path):
    results.write_summary(_results()[:2], tmp_path / "summary.csv")
    assert "Every repository was reviewed" in _html(pf.failures(load(tmp_path))).get_text()


def test_the_summary_notebook_is_thin_and_its_parameters_match_build_index():
    import nbformat

    nb = nbformat.read(results.SUMMARY_NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.tags == ["parameters"]
    names = {line.split("=")[0].strip() for line in code[0].source.splitlines() if "=" in line}
    assert names == {"output_dir", "title", "client"}
    for cell in code[2:]:
        assert cell.source.count("\n") == 0 and cell.source.startswith("pf.")


def test_the_results_side_never_imports_ipython_or_pandas():
    """The batch supervisor and its jobs write results without the notebook display stack."""
    import subprocess
    import sys

    code = ("import sys, archreview.batch.supervisor, archreview.batch.job, archreview.report.results; "
            "print(sorted(m for m in ('IPython', 'pandas', 'matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_reopened_verdicts_go_to_the_csv_and_the_page_says_why(tmp_path):
    why = ((3, "the verdict expired on 2000-01-01"), (20, f"revisit when message_queue appears: {HOSTILE}"))
    results.write_summary([RepoResult("shop", REVIEWED, reopened=why), RepoResult("billing", REVIEWED)],
                          tmp_path / "summary.csv")
    p = load(tmp_path)
    assert [r["reopened"] for r in p.rows] == ["", "item 3: the verdict expired on 2000-01-01; "
                                               f"item 20: revisit when message_queue appears: {HOSTILE}"]
    page = _html(pf.reports(p))
    assert [li.get_text() for li in page.find(id="reopened").find_next("ul").find_all("li")] == [
        "shop: item 3: the verdict expired on 2000-01-01", f"shop: item 20: revisit when message_queue appears: {HOSTILE}"]
    assert page.find_all("script") == []
    assert results.from_json(results.to_json(RepoResult("shop", REVIEWED, reopened=why))).reopened == why
