"""Import names -> distribution names (``PIL`` is ``pillow``, ``yaml`` is ``pyyaml``).

A change is judged by the distributions it adds, but code shows import names.
Lookup order, first hit wins:

1. the bundled table ``archreview/data/distributions.toml`` (dotted keys, longest
   prefix first), so answers do not depend on what happens to be installed;
2. ``importlib.metadata.packages_distributions()`` of the running environment;
3. the import's top-level name, PEP 503 normalised.
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys
import tomllib
from importlib import resources

from packaging.utils import canonicalize_name

from archreview.core.errors import CatalogueError

SOURCE = "archreview/data/distributions.toml"


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name: ``PyYAML`` and ``py_yaml`` compare equal to ``pyyaml``/``py-yaml``."""
    return str(canonicalize_name(name.strip()))


@functools.cache
def bundled_table() -> dict[str, str]:
    """The packaged import -> canonical distribution table, validated once."""
    text = resources.files("archreview").joinpath("data/distributions.toml").read_text("utf-8")
    try:
        table = tomllib.loads(text).get("imports")
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"not valid TOML: {exc}", path=SOURCE) from exc
    if not isinstance(table, dict) or not all(isinstance(v, str) and v for v in table.values()):
        raise CatalogueError("[imports] must map import names to distribution names", path=SOURCE)
    return {key: canonical(value) for key, value in table.items()}


@functools.cache
def _provides() -> dict[str, str]:
    text = resources.files("archreview").joinpath("data/distributions.toml").read_text("utf-8")
    table = tomllib.loads(text).get("provides", {})
    return {canonical(k): canonical(v) for k, v in table.items() if isinstance(v, str)}


def same_as(distribution: str) -> str:
    """The distribution another one stands in for (``psycopg2-binary`` -> ``psycopg2``), else itself."""
    name = canonical(distribution)
    return _provides().get(name, name)


@functools.cache
def installed() -> dict[str, str]:
    """Import name -> distribution of the running environment (lookup 2 above), read once per process:
    0.3 s of CPU, so a parent that will need it reads it before forking workers that may need it too."""
    try:
        found = importlib.metadata.packages_distributions()
    except Exception:  # a broken metadata entry must not stop an analysis
        return {}
    return {name: canonical(dists[0]) for name, dists in found.items() if dists}


@functools.cache
def _namespaces() -> frozenset[str]:
    text = resources.files("archreview").joinpath("data/distributions.toml").read_text("utf-8")
    names = tomllib.loads(text).get("namespaces", {}).get("names", [])
    return frozenset(n for n in names if isinstance(n, str))


@functools.cache
def standard_library() -> frozenset[str]:
    """Top-level names of the standard library of either Python major: the running interpreter's
    (``sys.stdlib_module_names``) plus the bundled ``[stdlib]`` names (Python 2's ``ConfigParser``,
    modules later 3.x releases removed). Case matters: ``ConfigParser`` is the standard module,
    ``configparser`` on Python 2 the PyPI backport (and on Python 3 the standard module again)."""
    text = resources.files("archreview").joinpath("data/distributions.toml").read_text("utf-8")
    names = tomllib.loads(text).get("stdlib", {}).get("names", [])
    return frozenset(sys.stdlib_module_names) | {"__future__"} | {n for n in names if isinstance(n, str)}


def names_a_distribution(module: str) -> bool:
    """Whether an import says which distribution provides it: not when it sits under a namespace
    package shared by many distributions (``google.cloud.sql.connector``) that the table does not map;
    ``distribution_of`` would fall back to the namespace's own name, which nobody installs."""
    parts = module.split(".")
    table = bundled_table()
    if any(".".join(parts[:end]) in table for end in range(len(parts), 0, -1)):
        return True
    return parts[0] not in _namespaces()


@functools.cache
def distribution_of(top_level_import: str) -> str:
    """The canonical distribution that provides an import (dotted names allowed)."""
    table = bundled_table()
    parts = top_level_import.split(".")
    for end in range(len(parts), 0, -1):
        hit = table.get(".".join(parts[:end]))
        if hit:
            return hit
    top = parts[0]
    return installed().get(top) or canonical(top)
