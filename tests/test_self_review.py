"""The tool reviews itself: archreview's own layers, checked by `archreview analyze`.

pyproject.toml declares the floors twice: as an import-linter contract (checked
by `lint-imports` in `make test`) and as `[tool.archreview]` layers (read by
archreview). These tests keep the two in step and run the real analysis on a
copy of this working tree.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from archreview import cli
from archreview.context.declared import import_linter_layers
from archreview.context.load import load_context

ROOT = Path(__file__).resolve().parents[1]


def _rules(layers) -> dict[str, set[str]]:
    """path -> the paths it may import, whatever the layers are called."""
    path_of = {layer.name: layer.paths[0].removesuffix(".py") for layer in layers}
    return {path_of[layer.name]: {path_of[other] for other in layer.may_import} for layer in layers}


def test_tool_archreview_declares_the_same_layers_as_the_import_linter_contract():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    ours = load_context({"pyproject.toml": text})
    theirs = import_linter_layers({}, tomllib.loads(text))
    assert ours is not None and "pyproject.toml" in ours.sources
    assert all(len(layer.paths) == 1 for layer in ours.layers)
    assert _rules(ours.layers) == _rules(theirs["layers"])
    assert len(ours.layers) == 16


def _analyse(folder: Path, tmp_path: Path) -> dict:
    out = tmp_path / "self.json"
    assert cli.main(["analyze", str(folder), "--no-cache", "--jobs", "1", "--json", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.usefixtures("private_cache")
def test_archreview_analyze_reports_no_layer_violation_on_this_repository(tmp_path):
    copy = tmp_path / "self"  # the working tree as it is, not the last commit
    shutil.copytree(ROOT / "archreview", copy / "archreview", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")

    document = _analyse(copy, tmp_path)
    assert len([m for m in document["modules"] if m["name"].startswith("archreview.")]) > 50
    assert [v for v in document["graph"]["violations"] if v["rule"] == "layer"] == []
    assert document["graph"]["cycles"] == []  # lazy imports inside functions count too

    # The check is live: one import up the floors is one violation, at its line.
    errors = copy / "archreview" / "core" / "errors.py"
    text = errors.read_text(encoding="utf-8")
    lines = text.count("\n")
    errors.write_text(text + "from archreview.cli import main  # noqa\n", encoding="utf-8")
    violations = _analyse(copy, tmp_path)["graph"]["violations"]
    assert [(v["rule"], v["importer"], v["imported"], v["line"]) for v in violations] == [
        ("layer", "archreview.core.errors", "archreview.cli", lines + 1)]
    assert "layer 'core' imports layer 'cli'" in violations[0]["message"]
