"""A process that records decisions in a loop, for the crash and concurrency tests.

After each ``record`` returns (the save is done, or failed) it prints one line,
flushed, so the test knows which writes were acknowledged before it killed us:

    ack <note> <item>
    error <reason>           (then exits 3: a save failed, which a test must see)

    ready                    (with --go: loaded, waiting for the go file)

Usage: python decisions_writer.py PATH --tag T --items 1,2,3 [--count N] [--go FILE]
``--count 0`` loops until killed; ``--go`` waits until FILE exists, so two
writers start together whatever their start-up time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from archreview.decisions import STATUSES, DecisionStore


def _say(line: str) -> None:
    """One write per line, so a kill cannot leave half an acknowledgement that looks whole."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--tag", required=True)
    parser.add_argument("--items", required=True)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--go", default="")
    args = parser.parse_args(argv)
    items = [int(i) for i in args.items.split(",")]
    store = DecisionStore(args.path)
    if args.go:
        _say("ready")
        while not os.path.exists(args.go):
            time.sleep(0.001)
    i = 0
    while args.count == 0 or i < args.count:
        item, note = items[i % len(items)], f"{args.tag}-{i}"
        store.record(item, STATUSES[1 + i % 4], note, reviewer=args.tag)
        if store.last_error:
            _say(f"error {store.last_error}")
            return 3
        _say(f"ack {note} {item}")
        i += 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
