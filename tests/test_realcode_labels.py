"""The real-code label files keep one line ending: CRLF, what Python's csv writer (and ``score.py --stub``) writes."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _score():
    spec = importlib.util.spec_from_file_location("realcode_score", ROOT / "bench" / "realcode" / "score.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["realcode_score"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_rows_appended_by_csv_writer_are_read_and_a_line_ending_lf_alone_is_refused(tmp_path: Path) -> None:
    score = _score()
    path = tmp_path / "missed.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["repo", "commit", "item", "path", "line", "note"])
        writer.writerow(["cgwire/zou", "4bf77e6", "18", "zou/app/utils/chats.py", "12", "read-modify-write, no lock"])
    assert path.read_bytes().count(b"\r\n") == 2
    assert [r["path"] for r in score.read_rows(path)] == ["zou/app/utils/chats.py"]
    with open(path, "a", encoding="utf-8", newline="") as out:  # a row appended as echo would
        out.write("keephq/keep,af93f55,7,keep/api/routes/providers.py,40,blocking call in async route\n")
    with pytest.raises(SystemExit, match=r"missed\.csv: line 3 ends with LF alone"):
        score.read_rows(path)
