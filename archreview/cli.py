"""The ``archreview`` command line.

Exit status: 0 done, 1 the review found verdicts at or above ``--fail-on``,
2 bad input (one line on stderr naming the problem and what to do).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Iterator

from archreview import __version__
from archreview.errors import ArchReviewError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, like every bad input
        self.exit(EXIT_BAD_INPUT, f"archreview: {message} (see archreview {self.prog.split()[-1]} --help)\n")


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
    analyze.set_defaults(run=_analyze)
    return parser


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
        return bar.update

    try:
        yield start
    finally:
        for bar in bars:
            bar.close()


def _analyze(args: argparse.Namespace) -> int:
    from archreview import jsonout, summary
    from archreview.analysis import analyze

    with progress_bars() as progress:
        result = analyze(args.path, args.base, args.head, context_file=args.context, jobs=args.jobs,
                         use_cache=not args.no_cache, depth=args.depth, progress=progress)
    if args.json == "-":
        jsonout.write(result, sys.stdout)
    elif args.json:
        try:
            with open(args.json, "w", encoding="utf-8") as out:
                jsonout.write(result, out)
        except OSError as exc:
            raise ArchReviewError(f"cannot write {args.json}: {exc.strerror}; choose a writable path") from exc
    else:
        print(summary.text(result))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
