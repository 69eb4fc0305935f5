"""Third-party distributions declared in dependency manifests, with their lines.

Every format is read statically from its text (``setup.py`` through ``ast``, never
executed). A malformed file yields what could be read, never an exception: the
caller records the problem. Names are PEP 503 canonical so that a re-pin or a
``PyYAML`` -> ``pyyaml`` spelling change compares equal.

Includes (``-r other.txt``, ``-c constraints.txt``, setup.cfg ``file:``) are
recorded as ``Requirement(name=<included path>, section="-r" | "-c")``; the
repository level follows them through the other file's own facts.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508

from archreview.facts.distributions import canonical
from archreview.core.model import Requirement
from archreview.sources.files import PYTHON_LOCKFILES

INCLUDE, CONSTRAINT = "-r", "-c"
_REQ_FILE = re.compile(r"(^|[-_.])(requirements?|constraints?)([-_.][\w.-]*)?\.(txt|in)$", re.I)
_ENV_FILE = re.compile(r"^(environment|conda)([-_.][\w.-]*)?\.ya?ml$", re.I)
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_DEV = re.compile(
    r"(^|[-_.])(tests?|testing|dev|develop|development|lint|linting|docs?|typing|types|mypy|check|style|qa|bench|ci|format)([-_.]|$)",
    re.I,
)
_SKIP_CONDA = {"python", "pip"}


def is_manifest(path: str) -> bool:
    """Whether ``path`` is a file :func:`requirements_of` reads."""
    folder, name = posixpath.split(path)
    if name in ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile") or _REQ_FILE.search(name):
        return True
    if _ENV_FILE.match(name):
        return True
    return posixpath.basename(folder) == "requirements" and name.endswith((".txt", ".in"))


# --- Python lock files: what a change installs, dependencies of dependencies included ---------------

LOCKED = "pypi-locked"  # FileFacts.declares key: "name\tline" of a distribution installed for production
_LOCK_NAME = re.compile(r'^name\s*=\s*"([^"]+)"')
_LOCK_GROUPS = re.compile(r"^(groups|category)\s*=\s*(.+)$")


def is_python_lock(path: str) -> bool:
    return posixpath.basename(path).lower() in PYTHON_LOCKFILES


def locked_distributions(text: str) -> tuple[tuple[str, str], ...]:
    """``(LOCKED, "name\tline")`` for each distribution a poetry.lock, pdm.lock or uv.lock installs for
    production: Poetry's ``category = "main"`` or ``groups`` holding ``main``, PDM's ``default``; uv does
    not mark groups per package, so all of its packages count. Read line by line (a lock is large and
    only its ``[[package]]`` headers matter); a line it does not expect is passed over."""
    out: list[tuple[str, str]] = []
    name, line, production, header = "", 0, True, False
    for number, row in enumerate([*text.splitlines(), "[[package]]"], 1):
        if row.startswith("["):  # a new table ends the entry's header ([package.dependencies], [metadata])
            if row.startswith("[[package]]"):
                if name and production:
                    out.append((LOCKED, f"{name}\t{line}"))
                name, production = "", True
            header = row.startswith("[[package]]")
            continue
        found = _LOCK_NAME.match(row) if header and not name else None
        if found:
            name, line = canonical(found.group(1)), number
        groups = _LOCK_GROUPS.match(row) if header else None
        if groups:
            production = bool({"main", "default"} & set(re.findall(r'"([^"]+)"', groups.group(2))))
    return tuple(out)


def is_dev_section(section: str) -> bool:
    """A section for tests, linting, docs...: what production code does not ship with."""
    return bool(_DEV.search(section))


def requirements_of(path: str, text: str) -> tuple[Requirement, ...]:
    """The requirements declared in one manifest, in file order."""
    name = posixpath.basename(path)
    if name == "pyproject.toml":
        return _pyproject(text)
    if name == "setup.cfg":
        return _setup_cfg(path, text)
    if name == "setup.py":
        return _setup_py(text)
    if name == "Pipfile":
        return _pipfile(text)
    if _ENV_FILE.match(name):
        return _environment(path, text)
    if is_manifest(path):
        return _requirements_txt(path, text, _section_of(path))
    return ()


# --- requirements.txt ------------------------------------------------------------


def _section_of(path: str) -> str:
    folder, name = posixpath.split(path)
    stem = name.rsplit(".", 1)[0].lower()
    if posixpath.basename(folder) == "requirements":
        return stem
    rest = re.sub(r"requirements?|constraints?", "", stem).strip("-_.")
    return rest or "main"


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) with backslash continuations joined."""
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def _requirements_txt(path: str, text: str, section: str) -> tuple[Requirement, ...]:
    out: list[Requirement] = []
    for number, raw in _logical_lines(text):
        line = re.sub(r"(^|\s)#.*", "", raw).strip()
        if line:
            req = _requirement_line(path, line, number, section)
            if req:
                out.append(req)
    return tuple(out)


def _requirement_line(path: str, line: str, number: int, section: str) -> Requirement | None:
    option = re.match(r"^(-r|--requirement|-c|--constraint)(?:\s*=)?\s*(\S+)", line)
    if option:
        kind = CONSTRAINT if option.group(1) in ("-c", "--constraint") else INCLUDE
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), option.group(2)))
        return Requirement(target, number, "", kind)
    editable = re.match(r"^(-e|--editable)(?:\s*=)?\s*(\S+)", line)  # not \s*=?\s*: quadratic on blanks
    if editable:
        egg = re.search(r"[#&]egg=([A-Za-z0-9._-]+)", editable.group(2))
        return Requirement(canonical(egg.group(1)), number, editable.group(2), section) if egg else None
    if line.startswith("-"):
        return None  # --index-url, --hash on its own line...
    # (?<!\s): a split point starts where the blanks start, so a long run of blanks is scanned once
    return _pep508(re.split(r"(?<!\s)\s+--?\w", line)[0].strip(), number, section)


def _pep508(text: str, number: int, section: str) -> Requirement | None:
    """One PEP 508 string; URLs without a name give their ``#egg=`` or archive name."""
    if "://" in text.split("@")[0] or text.startswith(("git+", "hg+", "svn+", "bzr+")):
        egg = re.search(r"[#&]egg=([A-Za-z0-9._-]+)", text)
        archive = re.search(r"/([A-Za-z0-9_.]+?)-\d[^/]*\.(whl|tar\.gz|zip)$", text)
        found = egg or archive
        return Requirement(canonical(found.group(1)), number, text, section) if found else None
    try:
        req = Pep508(text)
        return Requirement(canonical(req.name), number, str(req.specifier) or (req.url or ""), section)
    except InvalidRequirement:
        name = _NAME.match(text)
        return Requirement(canonical(name.group(1)), number, text[name.end() :].strip(), section) if name else None


# --- TOML manifests ------------------------------------------------------------------


class _Lines:
    """Finds the line a value was written on (TOML parsers do not keep positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def header(self, table: str) -> int:
        pattern = re.compile(r"^\s*\[\[?\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        return next((i for i, line in enumerate(self.lines) if pattern.match(line)), 0)

    def find(self, needles: tuple[str, ...], start: int = 0) -> int:
        for i in range(start, len(self.lines)):
            if any(n in self.lines[i] for n in needles):
                return i + 1
        return start + 1

    def key(self, key: str, start: int) -> int:
        pattern = re.compile(r"^\s*['\"]?" + re.escape(key) + r"['\"]?\s*=")
        for i in range(start, len(self.lines)):
            if pattern.match(self.lines[i]):
                return i + 1
        return start + 1


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):  # RecursionError: nested too deeply to be a manifest
        return {}


def _string_list(values: object, lines: _Lines, start: int, section: str, own: str = "") -> list[Requirement]:
    out = []
    for value in values if isinstance(values, list) else ():
        if isinstance(value, str):
            req = _pep508(value, lines.find((f'"{value}"', f"'{value}'"), start), section)
            if req and req.name != own:
                out.append(req)
    return out


def _key_table(table: object, lines: _Lines, start: int, section: str) -> list[Requirement]:
    """Poetry/Pipfile style ``name = "spec"`` or ``name = {version = ...}`` tables."""
    out = []
    for key, value in table.items() if isinstance(table, dict) else ():
        if key.lower() == "python":
            continue
        spec = value if isinstance(value, str) else (value.get("version", "") if isinstance(value, dict) else "")
        out.append(Requirement(canonical(key), lines.key(key, start), str(spec), section))
    return out


def _pyproject(text: str) -> tuple[Requirement, ...]:
    data, lines = _toml(text), _Lines(text)
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    own = canonical(project["name"]) if isinstance(project.get("name"), str) else ""
    at = lines.header("project")
    out = _string_list(project.get("dependencies"), lines, at, "main", own)
    for extra, values in (project.get("optional-dependencies") or {}).items():
        out += _string_list(values, lines, lines.header("project.optional-dependencies"), extra, own)
    for group, values in (data.get("dependency-groups") or {}).items():
        out += _string_list(values, lines, lines.header("dependency-groups"), group, own)
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    poetry = tool.get("poetry", {}) if isinstance(tool.get("poetry"), dict) else {}
    out += _key_table(poetry.get("dependencies"), lines, lines.header("tool.poetry.dependencies"), "main")
    out += _key_table(poetry.get("dev-dependencies"), lines, lines.header("tool.poetry.dev-dependencies"), "dev")
    for group, table in (poetry.get("group") or {}).items():
        start = lines.header(f"tool.poetry.group.{group}.dependencies")
        out += _key_table((table or {}).get("dependencies"), lines, start, group)
    pdm = tool.get("pdm", {}) if isinstance(tool.get("pdm"), dict) else {}
    for group, values in (pdm.get("dev-dependencies") or {}).items():
        out += _string_list(values, lines, lines.header("tool.pdm.dev-dependencies"), group, own)
    uv = tool.get("uv", {}) if isinstance(tool.get("uv"), dict) else {}
    out += _string_list(uv.get("dev-dependencies"), lines, lines.header("tool.uv"), "dev", own)
    return tuple(out)


def _pipfile(text: str) -> tuple[Requirement, ...]:
    data, lines = _toml(text), _Lines(text)
    return tuple(
        _key_table(data.get("packages"), lines, lines.header("packages"), "main")
        + _key_table(data.get("dev-packages"), lines, lines.header("dev-packages"), "dev")
    )


# --- setup.cfg / setup.py --------------------------------------------------------------


def _setup_cfg(path: str, text: str) -> tuple[Requirement, ...]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return ()
    lines, out = _Lines(text), []
    fields = [("options", "install_requires", "main"), ("options", "tests_require", "test")]
    fields += [("options.extras_require", extra, extra) for extra in parser.options("options.extras_require")] if parser.has_section("options.extras_require") else []
    for table, key, section in fields:
        value = parser.get(table, key, fallback="")
        start = lines.header(table)
        if value.strip().startswith("file:"):
            for target in value.strip()[5:].split(","):
                full = posixpath.normpath(posixpath.join(posixpath.dirname(path), target.strip()))
                out.append(Requirement(full, lines.find((target.strip(),), start), "", INCLUDE))
            continue
        for item in value.splitlines():
            item = re.sub(r"(^|\s)#.*", "", item).strip()
            req = _pep508(item, lines.find((item,), start), section) if item else None
            if req:
                out.append(req)
    return tuple(out)


def _setup_py(text: str) -> tuple[Requirement, ...]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    names = {
        t.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    out: list[Requirement] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee(node.func) == "setup":
            for kw in node.keywords:
                out += _setup_keyword(kw, names)
    return tuple(out)


def _callee(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else (func.attr if isinstance(func, ast.Attribute) else "")


def _setup_keyword(kw: ast.keyword, names: dict[str, ast.expr]) -> list[Requirement]:
    value = names.get(kw.value.id, kw.value) if isinstance(kw.value, ast.Name) else kw.value
    if kw.arg in ("install_requires", "tests_require"):
        return _literal_list(value, names, "main" if kw.arg == "install_requires" else "test")
    if kw.arg == "extras_require" and isinstance(value, ast.Dict):
        out = []
        for key, item in zip(value.keys, value.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                out += _literal_list(item, names, key.value)
        return out
    return []


def _literal_list(node: ast.expr, names: dict[str, ast.expr], section: str) -> list[Requirement]:
    node = names.get(node.id, node) if isinstance(node, ast.Name) else node
    if not isinstance(node, (ast.List, ast.Tuple)):
        return []  # computed at run time: not read, never executed
    out = []
    for item in node.elts:
        if isinstance(item, ast.Constant) and isinstance(item.value, str):
            req = _pep508(item.value.strip(), item.lineno, section)
            if req:
                out.append(req)
    return out


# --- environment.yml ---------------------------------------------------------------------


def _environment(path: str, text: str) -> tuple[Requirement, ...]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return ()
    deps = yaml_value(root, "dependencies")
    if not isinstance(deps, yaml.SequenceNode):
        return ()
    out: list[Requirement] = []
    for item in deps.value:
        if isinstance(item, yaml.ScalarNode):
            name = _NAME.match(item.value.split("::")[-1])
            if name and name.group(1).lower() not in _SKIP_CONDA:
                out.append(Requirement(canonical(name.group(1)), item.start_mark.line + 1, item.value, "main"))
        pip = yaml_value(item, "pip")
        if isinstance(pip, yaml.SequenceNode):
            for sub in pip.value:
                if isinstance(sub, yaml.ScalarNode):
                    req = _requirement_line(path, sub.value.strip(), sub.start_mark.line + 1, "main")
                    out += [req] if req else []
    return tuple(out)


def yaml_value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node under ``key`` in a composed YAML mapping (keeps line marks), else None."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v if isinstance(v, yaml.Node) else None
    return None
