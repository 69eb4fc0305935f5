"""Decision widgets for a live session: verdict, severity and notes per item.

Every change is recorded at once through the review's ``DecisionStore``
(atomic, locked, merged with other writers) and the widget says whether it was
saved or why not; an unsaved decision stays in memory and is written with
the next successful save. Values come back from the file on re-run, restart
or a second tab. Widgets show text only (``Label``), never HTML.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping

import ipywidgets as w

from archreview.checklist.items import Item
from archreview.core.model import Finding
from archreview.core.vocab import FINDING_LABELS, FINDING_STATUSES, SEVERITIES, STATUSES
from archreview.workbook.review import Review

_NO_SEVERITY = "(default)"
NOTE_DELAY = 0.8  # seconds of quiet typing before a note is saved


class Debounce:
    """Call ``action`` once typing has paused for ``delay`` seconds, on the kernel's event loop.

    Without a running loop (a plain Python call) the action runs at once, so nothing waits forever.
    """

    def __init__(self, action: Callable[[], None], delay: float = NOTE_DELAY) -> None:
        self.action, self.delay = action, delay
        self._pending: asyncio.TimerHandle | None = None

    def __call__(self, _change=None) -> None:
        if self._pending is not None:
            self._pending.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._pending = None
            self.action()
            return
        self._pending = loop.call_later(self.delay, self._fire)

    def _fire(self) -> None:
        self._pending = None
        self.action()


class Progress:
    """Counts of decided items, overall and per category, kept in one text line each."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.listeners: list[Callable[[], None]] = []  # told after every save (the tour's progress line)
        self.overall = w.IntProgress(min=0, max=len(review.checklist.items), description="Reviewed")
        self.text = w.Label()
        self.box = w.VBox([self.overall, self.text])
        self.box.add_class("ar-progress")
        self.refresh()

    def refresh(self) -> None:
        items = self.review.checklist.items
        done = [it for it in items if self.review.status(it.number) != "unreviewed"]
        self.overall.value = len(done)
        parts = []
        for cat in self.review.checklist.categories:
            members = self.review.checklist.in_category(cat.id)
            parts.append(f"{cat.title}: {sum(it in done for it in members)}/{len(members)}")
        self.text.value = f"{len(done)}/{len(items)} reviewed — " + "; ".join(parts)
        for listener in self.listeners:
            listener()


class Tour:
    """The review tour: a "Next item" control that walks the items in risk order (``Review.tour``),
    showing the current item's card and its decision widget (the same widget as in the list below,
    so a verdict given here is the one shown there), and where the review stands."""

    def __init__(self, review: Review, boxes: Mapping[int, w.Widget], card: Callable[[Item], str]) -> None:
        self.review, self.boxes, self.card = review, boxes, card
        self.order = review.tour()
        self.position = 0
        self.previous = w.Button(description="Previous", icon="arrow-left", tooltip="the item before in risk order")
        self.next = w.Button(description="Next item", icon="arrow-right", button_style="info",
                             tooltip="the next item in risk order: new infrastructure, then what the change "
                                     "brought, then the rest")
        self.where = w.Label()
        self.where.add_class("ar-tour-progress")
        self.shown = w.HTML()
        self.box = w.VBox([w.HBox([self.previous, self.next, self.where]), self.shown, w.VBox()])
        self.box.add_class("ar-tour")
        self.previous.on_click(lambda _b: self.go(self.position - 1))
        self.next.on_click(lambda _b: self.go(self.position + 1))
        self.go(0)

    @property
    def current(self) -> Item:
        return self.order[self.position]

    def go(self, position: int) -> None:
        self.position = max(0, min(position, len(self.order) - 1))
        item = self.current
        self.shown.value = self.card(item)
        self.box.children = (self.box.children[0], self.shown, self.boxes[item.number])
        self.refresh()

    def refresh(self) -> None:
        items = self.review.checklist.items
        done = sum(self.review.status(it.number) != "unreviewed" for it in items)
        item = self.current
        self.where.value = (f"item {self.position + 1} of {len(self.order)}, {done} reviewed — "
                            f"Item {item.number}: {item.title}")
        self.previous.disabled = self.position == 0
        self.next.disabled = self.position == len(self.order) - 1


def progress_widget(review: Review) -> Progress:
    return Progress(review)


def item_widget(review: Review, item: Item, progress: Progress | None = None) -> w.Widget:
    decision = review.decision(item.number)
    verdict = w.ToggleButtons(options=list(STATUSES), value=decision.status if decision else "unreviewed",
                              description="Verdict", style={"button_width": "90px"})
    severity = w.Dropdown(options=[_NO_SEVERITY, *SEVERITIES],
                          value=(decision.severity if decision and decision.severity else _NO_SEVERITY),
                          description="Severity")
    note = w.Textarea(value=decision.note if decision else "", placeholder="Notes for the client",
                      description="Notes", continuous_update=True, layout=w.Layout(width="95%", height="70px"))
    state = w.Label(value=_state_text(review, item.number, decision is not None))
    box = w.VBox([verdict, severity, note, state])
    box.add_class("ar-decision-widget")
    box.add_class(f"ar-item-{item.number}")
    state.add_class("ar-save-state")

    def save(_change=None) -> None:
        chosen = None if severity.value == _NO_SEVERITY else severity.value
        if review.store is None:
            state.value = "not saved: this review has no decisions file (set the `decisions` parameter)"
            return
        try:
            review.record(item.number, verdict.value, note.value, chosen)
        except Exception as exc:  # noqa: BLE001 - the reviewer must see why, and the kernel must live on
            state.value = f"NOT SAVED: {exc}"
            return
        store = review.store
        state.value = (f"saved {dt.datetime.now():%H:%M:%S} to {store.path.name}" if store.last_error is None
                       else f"NOT SAVED: {store.last_error}")
        if progress is not None:
            progress.refresh()

    typed = Debounce(save)

    def typing(_change=None) -> None:
        state.value = "typing… (saved when you pause)"
        typed()

    for control in (verdict, severity):
        control.observe(save, names="value")
    note.observe(typing, names="value")
    findings = review.decidable(item.number)[:FINDING_ROWS]
    if findings:
        rows = w.VBox([finding_widget(review, f) for f in findings], layout=w.Layout(display="none"))
        opener = w.ToggleButton(description=f"Decide on single findings ({len(findings)})", icon="filter",
                                tooltip="mark a finding a false positive or accepted, with the reason",
                                layout=w.Layout(width="auto"))
        opener.add_class("ar-findings-toggle")
        opener.observe(lambda change: setattr(rows.layout, "display", "flex" if change["new"] else "none"),
                       names="value")
        box.children = (*box.children, opener, rows)
    return box


FINDING_ROWS = 25  # as many as the item's evidence table shows
_FINDING_CHOICES = [(FINDING_LABELS[s], s) for s in FINDING_STATUSES]


def finding_widget(review: Review, finding: Finding) -> w.Widget:
    """One finding's call: open, false positive or accepted, with the reason; saved by its fingerprint."""
    decided = review.finding_decision(finding)
    where = w.Label(value=f"{finding.path}:{finding.line} — {finding.message}", layout=w.Layout(width="95%"))
    call = w.Dropdown(options=_FINDING_CHOICES, value=decided.status if decided else "open", description="Finding",
                      layout=w.Layout(width="260px"))
    reason = w.Text(value=decided.reason if decided else "", placeholder="why (shown in the report)",
                    continuous_update=True, layout=w.Layout(width="55%"))
    state = w.Label(value="saved earlier" if decided else "")
    state.add_class("ar-finding-state")
    row = w.VBox([where, w.HBox([call, reason]), state])
    row.add_class("ar-finding-decision")

    def save(_change=None) -> None:
        if review.store is None:
            state.value = "not saved: this review has no decisions file (set the `decisions` parameter)"
            return
        try:
            review.record_finding(finding, call.value, reason.value)
        except Exception as exc:  # noqa: BLE001 - the reviewer must see why, and the kernel must live on
            state.value = f"NOT SAVED: {exc}"
            return
        store = review.store
        if store.last_error is not None:
            state.value = f"NOT SAVED: {store.last_error}"
        elif call.value != "open" and not reason.value.strip():
            state.value = f"saved {dt.datetime.now():%H:%M:%S}; add the reason, the report shows it"
        else:
            state.value = f"saved {dt.datetime.now():%H:%M:%S} to {store.path.name}"

    typed = Debounce(save)

    def typing(_change=None) -> None:
        state.value = "typing… (saved when you pause)"
        typed()

    call.observe(save, names="value")
    reason.observe(typing, names="value")
    return row


def _state_text(review: Review, item: int, decided: bool) -> str:
    if review.needs_rereview(item):
        return "evidence changed since this decision: review it again"
    return "saved earlier" if decided else "not reviewed yet"
