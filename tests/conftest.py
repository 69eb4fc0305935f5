"""Shared fixtures. Builders live in ``tests/repos.py``; this file only wires them."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from repos import Repo, make_repo


@pytest.fixture
def git_repo(tmp_path: Path) -> Callable[..., Repo]:
    """``git_repo([{...}, ...], branches=..., config=...)`` -> a Repo under tmp_path."""
    return partial(make_repo, tmp_path)


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty analysis cache for this test only (ARCHREVIEW_CACHE_DIR)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("ARCHREVIEW_CACHE_DIR", str(folder))
    return folder
