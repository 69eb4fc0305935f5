"""The checklist detectors meet issue 4's targets on the labelled corpus."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_bench():
    spec = importlib.util.spec_from_file_location("checklist_score", ROOT / "bench" / "checklist_score.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["checklist_score"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def scored():
    return bench.score(bench.CORPUS)


def test_the_corpus_parses_and_every_label_points_at_a_file(scored) -> None:
    _, errors = scored
    assert errors == []


def test_targets_are_met(scored) -> None:
    scores, _ = scored
    assert bench.targets_missed(scores) == []


def test_every_item_1_to_10_is_planted_twice_with_a_look_alike() -> None:
    labels = [lb for lb in bench.load_labels(bench.CORPUS) if lb.app.startswith("a_")]
    for item in range(1, 11):
        assert sum(lb.kind == "expect" and lb.item == item for lb in labels) >= 2, item
        assert any(lb.kind == "quiet" and lb.item == item for lb in labels), item


def test_a_quiet_label_counts_a_finding_there_as_false_positive(tmp_path: Path) -> None:
    app = tmp_path / "x_app"
    app.mkdir()
    (app / "client.py").write_text("import requests\n\ndef f(u):\n    return requests.get(u)\n")
    (tmp_path / "x_app.labels.toml").write_text('[[quiet]]\nitem = 1\npath = "client.py"\nline = 4\n')
    scores, _ = bench.score(tmp_path)
    assert (scores[1].findings, scores[1].true_positives, scores[1].expected) == (1, 0, 0)
    assert bench.targets_missed(scores) == ["overall precision 0.00 < 0.9"]


def test_a_statement_spanning_lines_matches_any_of_them(tmp_path: Path) -> None:
    app = tmp_path / "y_app"
    app.mkdir()
    (app / "c.py").write_text("import requests\n\ndef f(u):\n    return requests.post(\n        u,\n        json={},\n    )\n")
    (tmp_path / "y_app.labels.toml").write_text('[[expect]]\nitem = 1\npath = "c.py"\nline = 6\n')
    scores, _ = bench.score(tmp_path)
    assert (scores[1].hit, scores[1].true_positives) == (1, 1)


def test_the_script_exits_1_when_a_target_is_missed(tmp_path: Path, capsys) -> None:
    app = tmp_path / "z_app"
    app.mkdir()
    (app / "c.py").write_text("x = 1\n")
    (tmp_path / "z_app.labels.toml").write_text('[[expect]]\nitem = 1\npath = "c.py"\nline = 1\n')
    assert bench.main(["--corpus", str(tmp_path)]) == 1
    assert "recall 0.00" in capsys.readouterr().out
