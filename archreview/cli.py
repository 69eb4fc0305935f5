"""The ``archreview`` command line.

Exit status: 0 done, 1 the review found verdicts at or above ``--fail-on``,
2 bad input (one line on stderr naming the problem and what to do).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, NoReturn, TextIO

from archreview import __version__
from archreview.core.errors import ArchReviewError
from archreview.core.output import write_bytes, write_text

if TYPE_CHECKING:
    from archreview.report.results import RepoResult

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line and exit 2, like every bad input
        self.exit(EXIT_BAD_INPUT, f"archreview: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="archreview", description="Architecture review evidence for a repository or a change.")
    parser.add_argument("--version", action="version", version=f"archreview {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    analyze = sub.add_parser("analyze", help="analyse a repository (or base..head) and write JSON")
    _repo_arguments(analyze)
    analyze.add_argument("--json", metavar="OUT", help="write the JSON document to OUT ('-' for stdout)")
    analyze.add_argument("--depth", type=int, help="package depth of the package-level view (default: 1 or 2)")
    analyze.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    analyze.add_argument("--no-cache", action="store_true", help="do not read or write the per-file cache")
    _output_arguments(analyze)
    analyze.add_argument("--decisions", metavar="FILE", help="a review's decisions file: findings it marks a false "
                         "positive or accepted do not fail --fail-on-new and are suppressed in SARIF and Markdown")
    analyze.set_defaults(run=_analyze)

    review = sub.add_parser("review", help="run the review workbook and export the client report")
    _repo_arguments(review)
    _review_arguments(review)
    review.add_argument("--output", metavar="HTML", help="where to write the report (HTML)")
    review.add_argument("--pdf", metavar="PDF", help="also (or only) write the report as PDF, printed offline "
                                                     "by the installed Chromium")
    review.add_argument("--fail-on", choices=("fail", "concern"), help="exit 1 when a verdict at or above this exists")
    _output_arguments(review)
    review.add_argument("--timeout", type=int, default=1800, help="seconds a workbook cell may run (default 1800)")
    review.set_defaults(run=_review)

    batch = sub.add_parser("batch", help="review many repositories from a YAML batch file")
    batch.add_argument("file", help="the batch file (YAML: defaults and repos)")
    batch.add_argument("--output", required=True, metavar="DIR", help="folder for per-repository results and the summary")
    batch.add_argument("--jobs", type=int, default=None, help="repositories reviewed at once (default: cores)")
    batch.add_argument("--timeout", type=int, default=1800, help="wall-clock seconds per repository (default 1800)")
    batch.add_argument("--resume", action="store_true", help="skip repositories already done with the same inputs")
    batch.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster (tcp://host:8786)")
    batch.add_argument("--baseline", metavar="PREV", help="a previous batch's output folder (each repository against "
                                                          "its own analysis.json there) or one previous run's JSON")
    batch.add_argument("--sarif", metavar="NAME", nargs="?", const="review.sarif", default="",
                       help="also write SARIF 2.1.0 in each repository's folder (default name review.sarif)")
    batch.add_argument("--markdown", metavar="NAME", nargs="?", const="comment.md", default="",
                       help="also write a pull-request comment in each repository's folder (default name comment.md)")
    batch.set_defaults(run=_batch)

    init = sub.add_parser("init", help="draft an archreview.toml from what the code already does")
    init.add_argument("path", help="a git repository or a plain source folder")
    init.add_argument("--output", metavar="FILE", help="where to write it (default PATH/archreview.toml; '-' for stdout)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(run=_init)

    guard = sub.add_parser("guardrails", help="write the review's context and decisions as instructions for coding assistants")
    guard.add_argument("path", help="a git repository or a plain source folder")
    guard.add_argument("--context", metavar="FILE", help="an archreview.toml describing the architecture")
    guard.add_argument("--decisions", metavar="FILE", help="the review's decisions file: concerns and failures are included")
    guard.add_argument("--format", required=True, choices=("agents", "claude", "cursor", "copilot"),
                       help="AGENTS.md, CLAUDE.md, .cursor/rules, or .github/copilot-instructions.md conventions")
    guard.add_argument("--output", metavar="FILE", help="the file to create or update (default: the convention's path in PATH)")
    guard.set_defaults(run=_guardrails)

    lab = sub.add_parser("lab", help="open the workbook for a repository in JupyterLab")
    _repo_arguments(lab)
    _review_arguments(lab)
    lab.add_argument("--workdir", help="folder for the parameterised workbook and its decisions "
                                       "(default: a folder of your own, outside the analysed tree)")
    lab.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    lab.add_argument("--no-browser", action="store_true", help="print the URL instead of opening a browser")
    lab.set_defaults(run=_lab)

    cache = sub.add_parser("cache", help="show or clear the analysis cache (ARCHREVIEW_CACHE_DIR, "
                                         "ARCHREVIEW_CACHE_LIMIT_MB)")
    actions = cache.add_subparsers(dest="action", required=True, parser_class=_Parser)
    actions.add_parser("info", help="where the cache is, its entries, size and limit").set_defaults(run=_cache_info)
    actions.add_parser("clear", help="remove every cached result").set_defaults(run=_cache_clear)
    for command in sub.choices.values():  # an unknown option is reported with the command's own --help
        command.set_defaults(command_parser=command)
    return parser


def _output_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--baseline", metavar="PREV", help="a previous run's JSON: mark findings new or unchanged, list resolved")
    p.add_argument("--fail-on-new", action="store_true",
                   help="exit 1 only for new findings (against --baseline, else those the change brought)")
    p.add_argument("--sarif", metavar="OUT", help="also write SARIF 2.1.0 for code-scanning views")
    p.add_argument("--markdown", metavar="OUT", help="also write a pull-request comment in Markdown")


def _review_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--decisions", metavar="FILE", help="the decisions file (JSON) verdicts are read from and saved to")
    p.add_argument("--client", default="", help="the client's name, shown in the report header")
    p.add_argument("--reviewer", default="", help="the reviewer's name, shown in the report header")
    p.add_argument("--title", default="Architecture review", help="the report's title")


def _repo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="a git repository or a plain source folder")
    p.add_argument("--base", help="the ref the change starts from (branch, tag or commit)")
    p.add_argument("--head", help="the ref to review (default: HEAD)")
    p.add_argument("--context", metavar="FILE", help="an archreview.toml describing the architecture")


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int], Callable[[int], None]] | None]:
    """tqdm bars on stderr, only on a terminal and only once work lasts more than a moment."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bars: list = []

    def start(stage: str, total: int) -> Callable[[int], None]:
        bar = tqdm(total=total, desc=f"analysing {stage}", unit="file", delay=0.5, file=sys.stderr, leave=False)
        bars.append(bar)

        def advance(n: int) -> None:
            bar.update(n)

        return advance

    try:
        yield start
    finally:
        for bar in bars:
            bar.close()


def _analyze(args: argparse.Namespace) -> int:
    from archreview.analysis.inputs import resolve_inputs

    prior = _baseline(args)
    dismissed = _dismissed(args.decisions)  # read first: a bad file stops the run at once, whatever is written
    inputs = resolve_inputs(args.path, args.base, args.head, context_file=args.context, depth=args.depth)
    if args.json and prior is None and not (args.sarif or args.markdown or args.fail_on_new):
        from archreview.report.jsondoc import cached_document  # a warm re-run imports nothing heavier than this

        with progress_bars() as progress:
            data = cached_document(inputs, jobs=args.jobs, use_cache=not args.no_cache, progress=progress)
        _write_json(args.json, data, args.path)
        return EXIT_OK
    from archreview.analysis.run import analyze_inputs
    from archreview.report import jsondoc
    from archreview.report import terminal as summary

    with progress_bars() as progress:
        result = analyze_inputs(inputs, jobs=args.jobs, use_cache=not args.no_cache, progress=progress)
    if prior is not None:
        from archreview.analysis.baseline import compare

        result = compare(result, prior)
    _extra_outputs(args, result, dismissed=dismissed)
    if args.json:
        _write_json(args.json, jsondoc.encode(result), args.path)
    else:
        print(summary.text(result))
    if args.fail_on_new:
        from archreview.report.markdown import brought

        return EXIT_FAILED if brought(result, dismissed) else EXIT_OK
    return EXIT_OK


def _dismissed(path: str | None):
    """The findings a decisions file marks a false positive or accepted, by fingerprint (none without a file)."""
    if not path:
        return {}
    from pathlib import Path

    from archreview.decisions import read_file

    return {fp: d for fp, d in read_file(Path(path)).findings.items() if d.dismissed}


def _write_json(target: str, data: bytes, root: str) -> None:
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_bytes(target, data, root=root)  # never through a link inside the analysed tree


def _baseline(args: argparse.Namespace):
    """The previous run's findings, read before any work so a bad file fails at once."""
    if not args.baseline:
        return None
    from archreview.analysis.baseline import read_baseline

    return read_baseline(args.baseline)


def _extra_outputs(args: argparse.Namespace, result, statuses=None, dismissed=None) -> None:
    """SARIF and the pull-request comment, when asked for."""
    for path, kind in ((args.sarif, "sarif"), (args.markdown, "markdown")):
        if not path:
            continue
        try:
            if kind == "sarif":
                from archreview.report import sarif

                sarif.write(result, path, dismissed)
            else:
                from archreview.report import markdown

                markdown.write(result, path, statuses, dismissed or ())
        except OSError as exc:
            raise ArchReviewError(f"cannot write {path}: {exc.strerror}; choose a writable path") from exc
        print(f"{kind} written: {path}", file=sys.stderr)


def _review(args: argparse.Namespace) -> int:
    from archreview.report.jupyter import without_iri_grammars

    without_iri_grammars()
    from archreview.report.notebook import run_review
    from archreview.workbook.params import Parameters

    if not (args.output or args.pdf):
        raise ArchReviewError("say where to write the report: --output REPORT.html, --pdf REPORT.pdf, or both")
    _baseline(args)
    params = Parameters(args.path, args.base, args.head, args.context, args.decisions, args.client, args.reviewer,
                        args.title, baseline=args.baseline)
    outcome = run_review(params, args.output, pdf=args.pdf, timeout=args.timeout, progress=sys.stderr.isatty())
    for label, path in (("report written", outcome.html), ("PDF written", outcome.pdf),
                        ("executed workbook", outcome.notebook)):
        if path is not None:
            print(f"{label}: {path}", file=sys.stderr)
    for item, why in sorted(outcome.reopened.items()):  # a reopened verdict no longer counts for --fail-on
        print(f"archreview: item {item} reopened: {why}", file=sys.stderr)
    if not (args.sarif or args.markdown or args.fail_on_new):
        return EXIT_FAILED if args.fail_on and outcome.has_verdict_at_or_above(args.fail_on) else EXIT_OK
    from archreview.analysis.baseline import compare, read_baseline
    from archreview.analysis.run import analyze
    from archreview.report.markdown import brought

    result = analyze(args.path, args.base, args.head, context_file=args.context)  # a cache hit after the workbook
    if args.baseline:
        result = compare(result, read_baseline(args.baseline))
    dismissed = _dismissed(args.decisions)
    _extra_outputs(args, result, outcome.verdicts, dismissed)
    if not args.fail_on_new:
        return EXIT_FAILED if args.fail_on and outcome.has_verdict_at_or_above(args.fail_on) else EXIT_OK
    new_items = {f.item for f in brought(result, dismissed)}
    if args.fail_on:  # a failing verdict counts only on an item with new findings
        worse = {"fail": {"fail"}, "concern": {"fail", "concern"}}[args.fail_on]
        return EXIT_FAILED if any(outcome.verdicts.get(i) in worse for i in new_items) else EXIT_OK
    return EXIT_FAILED if new_items else EXIT_OK


class _BatchProgress:
    """A tqdm bar on a terminal; one line per repository otherwise (CI logs)."""

    def __init__(self) -> None:
        self.bar: Any = None

    def done(self, result: RepoResult, count: int, total: int) -> None:
        if self.bar is None and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="repo", file=sys.stderr, desc="archreview batch")
        if self.bar is not None:
            if result.reason:  # failures stay on screen above the bar
                self.bar.write(f"archreview: {result.name}: {result.status} ({result.reason})", file=sys.stderr)
            self.bar.set_postfix_str(f"{result.name}: {result.status}")
            self.bar.update(1)
            return
        why = f" ({result.reason})" if result.reason else ""
        print(f"archreview: [{count}/{total}] {result.name}: {result.status}{why} {result.duration:.0f} s",
              file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _batch(args: argparse.Namespace) -> int:
    from archreview.report.jupyter import without_iri_grammars

    without_iri_grammars()  # this process runs the portfolio's summary notebook
    from archreview.batch.supervisor import run_batch

    progress = _BatchProgress()
    try:
        result = run_batch(args.file, args.output, jobs=args.jobs, timeout=args.timeout, resume=args.resume,
                           scheduler=args.scheduler, on_result=progress.done, baseline=args.baseline,
                           sarif=args.sarif, markdown=args.markdown)
    finally:
        progress.close()
    if result.index_html is not None:
        print(f"portfolio written: {result.index_html}", file=sys.stderr)
    print(f"summary written: {result.summary_csv}", file=sys.stderr)
    if result.failed:
        print(f"archreview: {result.failed} of {result.total} repositories could not be reviewed; "
              f"see {result.summary_csv}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    from archreview.analysis.initcmd import draft_for

    text, default_target = draft_for(args.path)
    target = args.output or str(default_target)
    if target == "-":
        sys.stdout.write(text)
        return EXIT_OK
    if os.path.lexists(target) and not args.force:
        raise ArchReviewError(f"{target} already exists; edit it, or pass --force to replace it with a new draft")
    write_text(target, text, root=args.path)  # never through a committed symbolic link
    print(f"drafted {target}: review it with the team, then commit it", file=sys.stderr)
    return EXIT_OK


def _guardrails(args: argparse.Namespace) -> int:
    from archreview.analysis.run import analyze
    from archreview.change.infra import infrastructure_in_use
    from archreview.decisions import DecisionStore
    from archreview.report import guardrails

    decisions = DecisionStore(args.decisions).all() if args.decisions else ()
    analysis = analyze(args.path, context_file=args.context)
    inputs = guardrails.gather(analysis.context, infrastructure_in_use(analysis.head), decisions)
    target = args.output or os.path.join(args.path, guardrails.default_output(args.format))
    guardrails.write(target, guardrails.body(inputs), args.format)
    print(f"guardrails written: {target}", file=sys.stderr)
    return EXIT_OK


def _lab(args: argparse.Namespace) -> int:
    from archreview.report.jupyter import without_iri_grammars

    without_iri_grammars()  # before archreview.lab imports nbformat
    from archreview.lab import open_lab
    from archreview.workbook.params import Parameters

    params = Parameters(args.path, args.base, args.head, args.context, args.decisions, args.client, args.reviewer,
                        args.title, live=True)
    return open_lab(params, args.workdir, port=args.port, open_browser=not args.no_browser, tell=_tell)


def _tell(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"


def _cache_info(args: argparse.Namespace) -> int:
    from archreview.analysis.cache import cache_info

    info = cache_info()
    print(f"location: {info.file}\nentries: {info.entries}\nsize: {_mib(info.size)} "
          f"(on disk {_mib(info.file_size)})\nlimit: {info.limit >> 20} MiB, oldest entries evicted first "
          "(ARCHREVIEW_CACHE_LIMIT_MB)")
    return EXIT_OK


def _cache_clear(args: argparse.Namespace) -> int:
    from archreview.analysis.cache import clear_cache

    removed = clear_cache()
    print(f"cleared {removed.file}: {removed.entries} entries, {_mib(removed.file_size)} on disk", file=sys.stderr)
    return EXIT_OK


class _Stderr(logging.StreamHandler):
    """Library messages (the ``archreview`` loggers) as ``archreview: ...`` lines on stderr.

    The stream is looked up at each message, so a test capturing stderr sees them too.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("archreview: %(message)s"))

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _log_to_stderr() -> None:
    """The CLI is where library logging is shown: warnings and up, once however often main runs."""
    log = logging.getLogger("archreview")
    if not any(isinstance(h, _Stderr) for h in log.handlers):
        log.addHandler(_Stderr())
    if log.level == logging.NOTSET:
        log.setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args, unknown = _parser().parse_known_args(argv)
    if unknown:
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    _log_to_stderr()
    try:
        return args.run(args)
    except ArchReviewError as exc:
        print(f"archreview: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("archreview: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
