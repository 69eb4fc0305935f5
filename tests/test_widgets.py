"""The live session's note saving: debounced while typing, saved without leaving the box."""

from __future__ import annotations

import asyncio
import re

from archreview.analysis.run import analyze
from archreview.workbook.review import open_review
from archreview.workbook.widgets import Debounce, item_widget


def test_debounce_saves_once_after_typing_pauses():
    calls: list[int] = []

    async def typing() -> None:
        save = Debounce(lambda: calls.append(1), delay=0.05)
        for _ in range(5):  # five keystrokes closer together than the delay
            save()
            await asyncio.sleep(0.01)
        assert calls == []
        await asyncio.sleep(0.15)

    asyncio.run(typing())
    assert calls == [1]


def test_a_note_is_saved_with_the_time_and_an_unsaved_one_says_why(git_repo, tmp_path):
    repo = git_repo([{"app/__init__.py": "", "app/a.py": "def f():\n    return 1\n"}])
    review = open_review(analyze(repo.path), tmp_path / "d.json")
    item = review.checklist.item(3)
    box = item_widget(review, item)
    verdict, _severity, note, state = box.children
    note.value = "swallowed errors in the push channel"  # no event loop here: saved at once
    assert review.decision(3).note == "swallowed errors in the push channel"
    assert re.match(r"saved \d\d:\d\d:\d\d to d\.json$", state.value), state.value
    (tmp_path / "d.json").write_text("{not json", encoding="utf-8")  # someone broke the file
    verdict.value = "concern"
    assert state.value.startswith("NOT SAVED: "), state.value
