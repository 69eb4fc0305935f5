"""Are two ``archreview analyze --json`` documents' findings byte-identical?

A performance change to the detectors must not change what they find. Run
``archreview analyze PATH --no-cache --json before.json`` on the old commit and
``... --json after.json`` on the new one (Django, sympy, the sample), then:

    python bench/findings_diff.py before.json after.json

Exit 0 and one line when the ``findings`` lists are equal (same order, same
fields, same bytes once encoded); otherwise exit 1 and the first differences.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def encoded(finding: dict) -> str:
    return json.dumps(finding, sort_keys=True, ensure_ascii=False)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: findings_diff.py BEFORE.json AFTER.json\n")
        return 2
    before, after = ([encoded(f) for f in json.loads(Path(p).read_text())["findings"]] for p in argv)
    if before == after:
        sys.stdout.write(f"identical: {len(before)} findings\n")
        return 0
    gone, new = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    sys.stdout.write(f"DIFFERENT: {len(before)} before, {len(after)} after; {len(gone)} gone, {len(new)} new"
                     f"{'' if gone or new else ' (same findings, other order)'}\n")
    for sign, rows in (("-", gone), ("+", new)):
        for row in rows[:20]:
            sys.stdout.write(f"{sign} {row}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
