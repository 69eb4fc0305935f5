"""Fuzz the parser front end: generated programs and byte-mutated real files.

Nothing a repository holds may crash the per-file stage: ``analyse_file``
returns facts or an error for every input, and through the worker pool every
file comes back with a result. Deterministic (``derandomize``, a seeded
mutator) and on a fixed budget, so a failure reproduces and the suite stays fast.
"""

from __future__ import annotations

import random
from pathlib import Path

import archreview
import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from archreview.analysis import runner
from archreview.analysis.perfile import analyse_file
from archreview.sources.files import language_of

# hypothesmith compiles what it generates; "'int' object is not callable" is about its programs, not ours
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")
SAMPLE = Path(archreview.__file__).parent / "data" / "sample"  # the bundled BuildRight sample's sources
_FUZZ = settings(derandomize=True, max_examples=60, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])


def _never_raises(path: str, language: str, data: bytes) -> None:
    facts = analyse_file(path, language, data)  # raising here is the failure
    assert facts.path == path
    assert facts.error is None or (isinstance(facts.error, str) and facts.error)


@_FUZZ
@given(source=hypothesmith.from_grammar())
def test_generated_programs_never_crash_the_analysis(source: str) -> None:
    _never_raises("generated.py", "python", source.encode("utf-8", "surrogatepass"))


@settings(_FUZZ, max_examples=25)  # libcst-built trees are slower to generate
@given(source=hypothesmith.from_node())
def test_generated_syntax_trees_never_crash_the_analysis(source: str) -> None:
    facts = analyse_file("node.py", "python", source.encode("utf-8", "surrogatepass"))
    assert facts.error is None or "nested" in facts.error or "Python 3" in facts.error or "decode" in facts.error


def _mutations(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    """Flipped, inserted, deleted, duplicated and truncated bytes: what a damaged or hostile file looks like."""
    out = []
    for _ in range(count):
        b = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            where = rng.randrange(len(b) + 1)
            kind = rng.randrange(6)
            if kind == 0 and b:
                b[min(where, len(b) - 1)] ^= 1 << rng.randrange(8)
            elif kind == 1:
                b[where:where] = bytes([rng.choice(b"()[]{}:'\"\\\n\t #\x00\xff\xc3=.,@*")])
            elif kind == 2:
                del b[where:where + rng.randint(1, 40)]
            elif kind == 3:
                size = rng.randint(1, 200)
                b[where:where] = b[where:where + size] * rng.randint(2, 50)
            elif kind == 4:
                del b[where:]
            else:
                b[where:where] = rng.choice([b"\xef\xbb\xbf", b"# -*- coding: latin-1 -*-\n", b"\r", b"\x0c", b"\\\n",
                                             b"lambda: (" * 50, b"f'{", b'"""', b"async ", b"match x:\n case "])
        out.append(bytes(b))
    return out


def _sample_files() -> list[tuple[str, str, bytes]]:
    files = sorted(p for p in SAMPLE.rglob("*") if p.is_file() and p.stat().st_size < 60_000)
    return [(str(p.relative_to(SAMPLE)), language_of(str(p)), p.read_bytes()) for p in files]


def test_byte_mutated_real_files_never_crash_the_analysis() -> None:
    rng = random.Random(15)
    files = _sample_files()
    assert len(files) > 50  # the bundled sample: Python, YAML, TOML, requirements, Dockerfiles, SQL
    tried = 0
    for path, language, data in files:
        for mutated in _mutations(data, rng, 8):
            _never_raises(path, language, mutated)
            tried += 1
    assert tried >= 400


def test_mutated_files_through_the_worker_pool_each_get_a_result() -> None:
    rng = random.Random(16)
    tasks = []
    for i, (path, language, data) in enumerate(_sample_files()):
        for j, mutated in enumerate(_mutations(data, rng, 3)):
            tasks.append((f"{i}-{j}-{path}", language, mutated))
    results = runner.analyse_many(tasks, jobs=2)
    assert sorted(f.path for f in results) == sorted(t[0] for t in tasks)
    errors = [f for f in results if f.error]
    assert errors and all(not runner.transient(f.error) for f in errors)  # parse errors, never a dead worker
