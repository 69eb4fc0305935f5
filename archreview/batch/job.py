"""One repository's review in a batch: the child process the supervisor starts and watches.

Run as ``python -m archreview.batch.job TASK.json`` in a new session, with the
batch's marker variable in its environment. It gets the repository (cloning
URLs), checks the inputs, analyses the change once, writing ``analysis.json``
and leaving the analysis in the signed cache, executes the workbook with
papermill (whose kernel reads that cached analysis instead of analysing again)
and exports ``report.html``. Its outcome, reviewed or failed with the reason,
goes to ``result.json``; it never raises.

This module is imported by the supervisor for ``Task`` and the result file, so
its top stays light: the analysis and notebook stacks are imported inside the
child only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
import traceback
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from archreview.batch.plan import Entry
from archreview.core.errors import ArchReviewError
from archreview.report.results import FAILED, REVIEWED, RepoResult, from_json, measure, to_json

if TYPE_CHECKING:  # the notebook stack is imported inside the child only
    from archreview.report.notebook import Executed

OUTPUTS = ("result.json", "done.json", "analysis.json", "review.ipynb", "report.html")
BASELINE = "baseline.json"  # the baseline's findings, copied for the workbook to compare with
_log = logging.getLogger("archreview.batch.job")


@dataclass(frozen=True, slots=True)
class Task:
    """One repository's review, as sent to a worker (pickled for the executor, JSON for the child)."""

    entry: Entry
    folder: str  # DIR/<name>
    timeout: int  # wall-clock seconds for the whole review
    resume: bool
    run: str  # this batch run's id: a result file from an earlier run is never taken for this one
    # The previous run's JSON to compare with (None: no comparison; "": none exists for this repository,
    # which is new to the portfolio, so every finding is new), and the file names of the extra outputs.
    baseline: str | None = None
    sarif: str = ""
    markdown: str = ""

    @property
    def marker(self) -> str:
        return f"{self.run}:{self.entry.name}"

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")


def read_task(path: str | os.PathLike) -> Task:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Task(Entry(**data.pop("entry")), **data)


def written_result(task: Task) -> RepoResult | None:
    """The result the child wrote for this run (never one left by an earlier run), if any."""
    try:
        data = json.loads((Path(task.folder) / "result.json").read_text(encoding="utf-8"))
        return from_json(data["result"]) if data.get("run") == task.run else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def main(argv: list[str]) -> int:
    from archreview.report.jupyter import without_iri_grammars

    without_iri_grammars()  # before nbclient, papermill and nbconvert load nbformat
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(name)s: %(message)s")
    if len(argv) != 1:
        _log.error("usage: python -m archreview.batch.job TASK.json (started by archreview batch)")
        return 2
    task = read_task(argv[0])
    result = review_one(task)
    write_json(Path(task.folder) / "result.json", {"run": task.run, "result": to_json(result)})
    _log.info("%s: %s %s", result.name, result.status, result.reason)
    return 0


def review_one(task: Task) -> RepoResult:
    """The review, or a failed result whose reason says what went wrong: this never raises."""
    from nbclient.exceptions import DeadKernelError

    e, started = task.entry, time.monotonic()
    try:
        return _review(task, started)
    except ArchReviewError as exc:
        reason = str(exc)
    except DeadKernelError:
        reason = "the Jupyter kernel died (killed, or out of memory) while running the workbook; partial notebook kept"
    except Exception as exc:  # unexpected: the traceback goes to log.txt, the batch goes on
        traceback.print_exc(file=sys.stdout)
        reason = f"unexpected {type(exc).__name__}: {exc}; see log.txt"
    return RepoResult(e.name, FAILED, reason, path=e.path, base_ref=e.base or "", head_ref=e.head or "",
                      duration=round(time.monotonic() - started, 1))


def _review(task: Task, started: float) -> RepoResult:
    from archreview.analysis.cache import default_folder
    from archreview.analysis.inputs import resolve_inputs
    from archreview.analysis.run import analyze_inputs
    from archreview.batch.plan import materialise
    from archreview.report import jsondoc
    from archreview.report.notebook import check_inputs, export
    from archreview.workbook.params import Parameters
    from archreview.workbook.review import open_review

    e, folder = task.entry, Path(task.folder)
    _log.info("%s: getting %s", e.name, e.path)
    root = materialise(e, default_folder())
    # Read before this run's outputs are removed: the baseline may be this folder's own analysis.json.
    prior = _prior(task.baseline)
    params = Parameters(str(root), e.base, e.head, e.context, e.decisions, e.client, e.reviewer,
                        f"Architecture review: {e.name}",
                        baseline=str(folder / BASELINE) if prior is not None else None)
    check_inputs(params)
    inputs = resolve_inputs(root, e.base, e.head, context_file=e.context)
    base_id, head_id = inputs.ref.base, inputs.ref.head
    digest = inputs_digest(params, base_id, head_id, prior=prior, outputs=(task.sarif, task.markdown))
    if task.resume and (done := _done(folder, digest)) is not None:
        return replace(done, resumed=True)
    for name in (*OUTPUTS, BASELINE, task.sarif, task.markdown):
        if name:
            (folder / name).unlink(missing_ok=True)
    _log.info("%s: analysing %s..%s", e.name, base_id, head_id)
    # The one analysis of this entry: analyze() leaves it in the signed cache, where the
    # kernel's analyze() of the same refs finds it instead of analysing again.
    analysis = analyze_inputs(inputs)
    if prior is not None:
        from archreview.analysis.baseline import compare

        analysis = compare(analysis, prior)
        write_json(folder / BASELINE, {"findings": [{"fingerprint": p.fingerprint, "item": p.item, "path": p.path}
                                                    for p in prior]})  # what the workbook compares with
    (folder / "analysis.json").write_bytes(jsondoc.encode(analysis))
    _log.info("%s: running the workbook", e.name)
    notebook = _execute(params, folder / "review.ipynb", task.timeout)
    _log.info("%s: exporting the report", e.name)
    export(notebook, folder / "report.html", params.title)
    review = open_review(analysis, e.decisions)  # verdicts re-checked: expired or revisited ones are reopened
    reopened = tuple((it.number, why) for it in review.checklist.items if (why := review.reopened(it.number)))
    # findings the reviewer marked a false positive or accepted: suppressed in SARIF, not risks in the comment
    dismissed = {d.fingerprint: d for d in review.store.findings() if d.dismissed} if review.store else {}
    if task.sarif:
        from archreview.report import sarif

        sarif.write(analysis, str(folder / task.sarif), dismissed)
    if task.markdown:
        from archreview.report import markdown

        standing = {it.number: review.status(it.number) for it in review.checklist.items} if e.decisions else None
        markdown.write(analysis, str(folder / task.markdown), standing, dismissed)
    result = RepoResult(e.name, REVIEWED, path=e.path, base_ref=e.base or "", head_ref=e.head or "",
                        duration=round(time.monotonic() - started, 1), reopened=reopened,
                        **measure(analysis, review.counts()))
    write_json(folder / "done.json", {"inputs": digest, "result": to_json(result)})
    return result


def _execute(params, notebook: Path, timeout: int) -> Executed:
    """papermill, with one retry when the kernel never got to run a cell (a port taken by a parallel kernel)."""
    from archreview.report.notebook import ReviewFailed, execute

    for attempt in (1, 2):
        try:
            return execute(params, notebook, timeout=timeout)
        except ReviewFailed:
            raise
        except Exception as exc:
            if _any_cell_ran(notebook):
                raise
            if attempt == 2:
                raise ArchReviewError(f"the Jupyter kernel did not start, twice: {exc}") from exc
            _log.warning("the kernel did not start (%s); trying once more", exc)
    raise AssertionError("unreachable")


def _any_cell_ran(notebook: Path) -> bool:
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return False
    return any(c.get("execution_count") for c in cells if c.get("cell_type") == "code")


def _prior(baseline: str | None):
    """The baseline's findings: None without one, none at all for a repository new to the portfolio."""
    if baseline is None:
        return None
    if not baseline:
        return ()
    from archreview.analysis.baseline import read_baseline

    return read_baseline(baseline)


def inputs_digest(params, base_id: str | None, head_id: str | None, *, prior=None, outputs=()) -> str:
    """What a review depends on: refs as commit ids, the files given, the people named, archreview's version,
    the baseline's findings and the extra outputs asked for."""
    from archreview import __version__

    def content(path: str | None) -> str | None:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path and Path(path).is_file() else None

    inputs = {**params.as_dict(), "base_id": base_id, "head_id": head_id, "context_sha": content(params.context),
              "decisions_sha": content(params.decisions), "expired": _expired(params.decisions),
              "archreview": __version__}
    if prior is not None or any(outputs):  # only then: results resumed from before these options stay valid
        inputs.update(prior=sorted([r.fingerprint, r.item, r.path] for r in prior or ()), outputs=list(outputs))
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _expired(decisions: str | None) -> list[int]:
    """The items whose verdict has expired by today: a resumed result from before that day is stale."""
    if not decisions or not Path(decisions).is_file():
        return []
    import datetime as dt

    from archreview.decisions import DecisionStore

    today = dt.date.today().isoformat()
    return [d.item for d in DecisionStore(decisions).all() if d.expires and d.expires <= today]


def _done(folder: Path, digest: str) -> RepoResult | None:
    try:
        data = json.loads((folder / "done.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("inputs") != digest or not (folder / "report.html").is_file():
        return None
    return from_json(data["result"])


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
