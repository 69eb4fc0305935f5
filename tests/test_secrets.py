"""Issue 15 case 2: secrets the tool flags never leave in any output, the cache included.

Random secrets are planted, in every shape a detector flags plus key-shaped
names, in a git repository built here; analyze, review and batch run on it and
every file they write (the cache folder too) is searched for the secrets' bytes.
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest

from archreview import cli

_RANDOM = random.Random(15)


def _token(n: int = 18) -> str:
    alphabet = string.ascii_letters + string.digits
    return "Zq" + "".join(_RANDOM.choice(alphabet) for _ in range(n)) + "9"


def _aws() -> str:
    return "AKIA" + "".join(_RANDOM.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def planted() -> tuple[dict[str, str], list[str]]:
    """(files, secrets): each secret sits in one of the shapes the detectors flag."""
    s = {k: _token() for k in ("getenv", "annotated", "subscript", "plain", "dict", "kwarg", "long", "url")}
    aws_func, aws_file, aws_dir = _aws(), _aws(), _aws()
    pad = "x" * 155  # the long secret starts before column 200 and ends after it
    settings = (
        "import os\n"
        "import requests\n\n"
        f'DB_PASSWORD = os.getenv("DB_PASSWORD", "{s["getenv"]}")\n'
        f'db_password: str = "{s["annotated"]}"\n'
        "cfg = {}\n"
        f'cfg["SECRET_KEY"] = "{s["subscript"]}"\n'
        f'api_token = "{s["plain"]}"\n'
        f'HEADERS = {{"client_secret": "{s["dict"]}"}}\n'
        f'BROKER = "amqp://app:{s["url"]}@rabbit.internal:5672//"\n'
        f'CONFIG = {{"pad": "{pad}", "auth_token": "{s["long"]}"}}\n\n\n'
        f"def fetch(url):\n    return requests.get(url, auth_password=\"{s['kwarg']}\", timeout=5)\n\n\n"
        f"def {aws_func}():\n    return 1\n"
    )
    files = {
        "app/__init__.py": "",
        "app/settings.py": settings,
        f"app/{aws_file}.py": "def helper():\n    return 2\n",
        f"{aws_dir}/__init__.py": "",
        f"{aws_dir}/tool.py": "from app import settings\n\n\ndef use():\n    return settings.cfg\n",
    }
    # [:9]: no cut leaks the start of the long one; the last two are key-shaped file and folder names
    return files, [*s.values(), s["long"][:9], aws_func, aws_file, aws_dir]


def _leaks(folders: list[Path], secrets: list[str]) -> list[str]:
    found = []
    needles = [x.encode() for x in secrets]
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                found += [f"{path}: {n.decode()}" for n in needles if n in data]
    return found


def test_the_planted_secrets_are_flagged(git_repo, private_cache):
    """The shapes are real detector hits, so the grep below is about something the tool does show."""
    from archreview.analysis.run import analyze

    files, secrets = planted()
    repo = git_repo([files])
    flagged = [f for f in analyze(repo.path).findings if f.item == 14 and f.path == "app/settings.py"]
    assert len({f.line for f in flagged}) >= 7, flagged
    assert all("«redacted»" in f.snippet or "«" in f.snippet[-12:] for f in flagged), flagged
    assert not any(secret in f.snippet or secret in f.message for f in flagged for secret in secrets)


@pytest.mark.slow
def test_no_planted_secret_reaches_any_output_or_the_cache(git_repo, tmp_path, private_cache):
    files, secrets = planted()
    repo = git_repo([files])
    out = tmp_path / "out"
    out.mkdir()
    assert cli.main(["analyze", str(repo.path), "--json", str(out / "analysis.json")]) == 0
    assert cli.main(["review", str(repo.path), "--output", str(out / "report.html"),
                     "--decisions", str(out / "decisions.json")]) == 0
    (tmp_path / "batch.yaml").write_text(f"repos:\n  - {{name: planted, path: {repo.path}}}\n", encoding="utf-8")
    assert cli.main(["batch", str(tmp_path / "batch.yaml"), "--output", str(out / "batch")]) == 0
    summary = subprocess.run([sys.executable, "-m", "archreview.cli", "analyze", str(repo.path)],
                             capture_output=True, text=True, env={**os.environ}, check=True)
    (out / "summary.txt").write_text(summary.stdout + summary.stderr)
    written = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert {"analysis.json", "report.html", "report.ipynb", "summary.txt"} <= set(written), written
    assert (out / "batch" / "planted" / "report.html").exists(), written
    assert any(private_cache.rglob("*.sqlite3"))
    assert "«redacted»" in (out / "report.html").read_text()  # the evidence is shown, its value hidden
    assert json.loads((out / "analysis.json").read_text())["findings"]
    assert _leaks([out], secrets) == []
    # The cache holds no secret value and no key-shaped identifier. It does keep file paths as they are on
    # disk (they key facts to files), so key-shaped file and folder names are only hidden on the way out.
    assert _leaks([private_cache], secrets[:-2]) == []
