"""The review workbook's parameters: what papermill injects into its ``parameters`` cell."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Parameters:
    repo: str
    base: str | None = None
    head: str | None = None
    context: str | None = None
    decisions: str | None = None
    client: str = ""
    reviewer: str = ""
    title: str = "Architecture review"
    live: bool = False
    baseline: str | None = None  # a previous run's JSON (--baseline): new and resolved findings

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


def absolute(params: Parameters) -> Parameters:
    """Paths made absolute: the kernel runs in another folder."""
    fix = lambda p: os.path.abspath(p) if p else p  # noqa: E731
    return Parameters(fix(params.repo), params.base, params.head, fix(params.context), fix(params.decisions),
                      params.client, params.reviewer, params.title, params.live, fix(params.baseline))
