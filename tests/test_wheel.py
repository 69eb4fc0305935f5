"""The wheel works on its own: built, installed (not editable) into a fresh virtual environment,
and run from another folder: build the sample, analyze, review, batch, lab --help.

The new environment gets archreview only from the wheel. Its dependencies come from the
environment running the tests (a .pth line naming its site-packages, read after the
environment's own), so nothing is downloaded and the editable install of this checkout
is never on the path (.pth files inside a path added that way are not run); JUPYTER_PATH
points at the same environment's share/jupyter, where nbconvert keeps its templates.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from archreview.sample import build_sample

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv}\nstdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-4000:]}"
    return done


def _heads(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "for-each-ref", "--format=%(refname) %(objectname)"],
                          capture_output=True, text=True, check=True).stdout


def _build_wheel(tmp_path: Path) -> Path:
    """PEP 517 build_wheel of a copy of the sources (the checkout gets no build/ or egg-info)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "archreview", source / "archreview", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    code = f"from setuptools import build_meta; print(build_meta.build_wheel({str(dist)!r}))"
    name = _run([sys.executable, "-c", code], source, {**os.environ}).stdout.split()[-1]
    return dist / name


def _environment(tmp_path: Path, wheel: Path) -> tuple[Path, dict[str, str]]:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                        tmp_path, {"PATH": os.environ["PATH"]}).stdout.strip())
    (purelib / "zz-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet",
          str(wheel)], tmp_path, {**os.environ})
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}", ARCHREVIEW_CACHE_DIR=str(tmp_path / "cache"),
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))  # nbconvert's templates, with its code
    return venv, env


def test_an_installed_wheel_builds_the_sample_and_reviews_it_from_any_folder(tmp_path):
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"archreview/notebooks/review.ipynb", "archreview/data/sample/history.toml",
            "archreview/data/sample/steps/01-skeleton/.gitignore.sample"} <= names
    assert not any(n.startswith(("tests/", "bench/")) for n in names)

    venv, env = _environment(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([str(venv / "bin" / "python"), "-c", "import archreview; print(archreview.__file__)"], elsewhere, env)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout  # the wheel, not this checkout

    _run([str(venv / "bin" / "python"), "-m", "archreview.sample", "sample"], elsewhere, env)
    sample = elsewhere / "sample"
    here = build_sample(tmp_path / "from-checkout")
    assert _heads(sample) == _heads(here)  # the same commits as a build from this checkout
    analysed = _run(["archreview", "analyze", "sample", "--base", "main", "--head", "feature/notifications-ai",
                     "--json", "-"], elsewhere, env)
    document = json.loads(analysed.stdout)
    assert document["repo"]["base_ref"] == "main" and document["new_infrastructure"]

    _run(["archreview", "review", "sample", "--base", "main", "--head", "feature/notifications-fit",
          "--client", "Wheel test", "--output", "report.html"], elsewhere, env)
    report = BeautifulSoup((elsewhere / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert "Wheel test" in report.get_text() and not report.find_all("script", src=True)

    (elsewhere / "batch.yaml").write_text(f"repos:\n  - name: fit\n    path: {sample}\n    base: main\n"
                                          "    head: feature/notifications-fit\n", encoding="utf-8")
    _run(["archreview", "batch", "batch.yaml", "--output", "out", "--jobs", "1"], elsewhere, env)
    with open(elsewhere / "out" / "summary.csv", encoding="utf-8") as rows:
        assert [(r["name"], r["status"]) for r in csv.DictReader(rows)] == [("fit", "reviewed")]
    assert (elsewhere / "out" / "index.html").is_file()

    assert "--workdir" in _run(["archreview", "lab", "--help"], elsewhere, env).stdout
