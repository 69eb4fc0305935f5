"""What a file is for, from its path alone: the one classification every floor uses.

Infrastructure detection (evidence only in tests makes a finding test-only), the
fit test (only production code is compared with the codebase) and the checklist
detectors (tests, migrations and scripts do not serve traffic) all ask
:func:`role_of`, so "is this a test?" has one answer across the report.

The first rule that matches wins, in this order:

* ``vendored``: under a folder of third-party code (``vendor/``, ``node_modules/``,
  ``site-packages/``, a virtualenv...);
* ``generated``: a name only tools write (``*_pb2.py``, ``*.min.js``, ``*.pb.go``);
* ``docs``: under ``docs/`` or ``doc/`` (examples and Sphinx ``conf.py``);
* ``test``: under ``tests/``, ``test/``, ``testing/``, ``__tests__/``, ``__mocks__/``,
  ``e2e/``, ``testdata/``, ``androidTest/`` or a ``Shop.Tests``-style project, or
  named ``test_*``, ``tests_*`` (``tests_e2e.py``), ``tests.py`` (Django's app tests),
  ``*_test.*``, ``*_tests.*``, ``*.test.*``, ``*.spec.*``, ``*.e2e-spec.*``,
  ``FooTest(s).cs/java/kt`` or ``conftest.py``, at the root as anywhere else; a
  migration inside a test suite is a test. A bare ``test.py`` is not (Django's
  ``manage.py test`` command; a ``settings/test.py`` the checklist places itself);
* ``migration``: under ``migrations/`` or an Alembic ``alembic*/versions/``, or a single
  ``migrations.py`` module holding them all (lnbits and its extensions keep them so);
* ``script``: under ``scripts/``, ``script/``, ``bin/``, ``dev/`` or ``.devcontainer/``
  (developer tooling and environments) or a CI folder (``.github/``, ``.gitlab/``, ``.circleci/``,
  ``.buildkite/``: :func:`in_ci`), or one of the build and task files (``setup.py``, ``manage.py``, ``noxfile.py``, ``fabfile.py``...);
* ``production``: everything else.

Content-based decisions (a ``@generated`` marker, minified text) are taken when
files are read (``archreview.sources.files``); this module never reads a file.
"""

from __future__ import annotations

import re
from functools import lru_cache

from archreview.core.vocab import Role

VENDOR_DIRS = frozenset(
    {"vendor", "vendors", "third_party", "third-party", "thirdparty", "node_modules", "site-packages",
     ".venv", "venv", "env", "_vendor", "bower_components"}
)
GENERATED_NAME = re.compile(r"(_pb2(_grpc)?\.pyi?|\.min\.[a-z0-9]+|\.pb\.go|_generated\.[a-z]+)$")
DOC_DIRS = frozenset({"docs", "doc"})
TEST_DIRS = frozenset({"tests", "test", "testing", "__tests__", "__mocks__", "e2e", "testdata", "androidtest"})
# matched against the lower-cased file name
_TEST_NAME = re.compile(r"^tests?_|^tests\.py$|_tests?\.[a-z0-9]+$|\.(test|spec|e2e-spec)\.[a-z0-9]+$|^conftest\.py$")
_TEST_CLASS_FILE = re.compile(r"Tests?\.(cs|java|kt)$")  # OrderTests.cs, OrderTest.java: case decides
_TEST_PROJECT = re.compile(r"[.]([A-Za-z]+)?Tests?$")  # a .NET test project folder: "Shop.Tests", "Shop.UnitTests"
CI_DIRS = frozenset({".github", ".gitlab", ".circleci", ".buildkite"})
SCRIPT_DIRS = frozenset({"scripts", "script", "bin", "dev", ".devcontainer"}) | CI_DIRS
SCRIPT_NAMES = frozenset({"setup.py", "manage.py", "noxfile.py", "fabfile.py", "dodo.py", "pavement.py"})


@lru_cache(maxsize=65536)
def role_of(path: str) -> Role:
    """The role of the file at ``path`` (POSIX, relative to the repository root)."""
    parts = path.split("/")
    folders = [p.lower() for p in parts[:-1]]
    name = parts[-1].lower()
    if any(p in VENDOR_DIRS for p in folders):
        return "vendored"
    if GENERATED_NAME.search(name):
        return "generated"
    if any(p in DOC_DIRS for p in folders):
        return "docs"
    if any(p in TEST_DIRS for p in folders) or any(_TEST_PROJECT.search(p) for p in parts[:-1]) \
            or _TEST_NAME.search(name) or _TEST_CLASS_FILE.search(parts[-1]):
        return "test"
    if "migrations" in folders or _alembic_versions(folders) or name == "migrations.py":
        return "migration"
    if any(p in SCRIPT_DIRS for p in folders) or name in SCRIPT_NAMES:
        return "script"
    return "production"


def _alembic_versions(folders: list[str]) -> bool:
    return any(a.startswith("alembic") and b == "versions" for a, b in zip(folders, folders[1:]))


def in_ci(path: str) -> bool:
    """Under a CI service's folder (``.github/workflows``, a ``.github/pr-reminder.py``): it runs in CI only."""
    return path.split("/", 1)[0].lower() in CI_DIRS


def is_test(path: str) -> bool:
    return role_of(path) == "test"


def is_production(path: str) -> bool:
    return role_of(path) == "production"
