"""The infrastructure-signal catalogue: data in ``archreview/data/infrastructure.toml``.

Why data and not code: a reviewer who meets a new broker or DI library should add
one entry and one test row, not a branch in a visitor. The file is validated on
load (unknown kind, missing field, wrong type, bad regex -> ``CatalogueError``
naming the entry) and indexed once into dicts and compiled regexes, because
``archreview.change.signals`` consults it for every file of Django-sized repositories.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import tomllib
from collections.abc import Iterable
from typing import Any
from dataclasses import dataclass, field
from importlib import resources

from archreview.core.vocab import ECOSYSTEMS, KINDS, Kind
from archreview.core.errors import CatalogueError

SOURCE = "archreview/data/infrastructure.toml"

# section -> (field holding the match values, optional fields with their types)
_SECTIONS: dict[str, tuple[str, dict[str, type]]] = {
    "imports": ("modules", {"ecosystem": str, "packages": list}),
    "calls": ("calls", {"args": list, "when_imported": list, "counted": bool, "ecosystem": str}),
    "classes": ("class_name", {"methods": list, "min_methods": int, "bases": list, "counted": bool, "ecosystem": str}),
    "decorators": ("decorators", {"when_imported": list, "ecosystem": str}),
    "loops": ("sleeps", {}),
    "settings": ("names", {}),
    "urls": ("schemes", {}),
    "backends": ("patterns", {}),
    "images": ("images", {"packages": list}),
    "processes": ("patterns", {}),
    "paths": ("patterns", {}),
    "env_reads": ("calls", {"subscripts": list, "not_keys": list}),
    "settings_classes": ("bases", {"decorators": list, "class_names": list, "fields": list, "prefixes": list}),
    "roles": ("plays", {"keys": list, "modules": list}),
    "stores": ("clients", {}),
    "ini_reads": ("constructors", {"methods": list, "args": list}),
    "url_calls": ("calls", {}),
    "settings_reads": ("objects", {"modules": list, "class_names": list, "when_imported": list, "keys": list,
                                   "params": list}),
    "file_reads": ("loaders", {"modules": list, "class_names": list, "keys": list}),
}
_REGEX_SECTIONS = {"classes", "backends", "images", "processes", "paths", "env_reads", "url_calls", "settings_reads"}
_CONFIG_FIELDS = ("extensions", "names", "name_prefixes", "exclude_dirs", "exclude_names")


@dataclass(frozen=True, slots=True)
class Entry:
    """One catalogue entry; ``match`` holds the section's matching values."""

    section: str
    index: int
    kind: Kind
    name: str
    match: tuple[str, ...]
    args: tuple[str, ...] = ()
    when_imported: tuple[str, ...] = ()
    counted: bool = False
    methods: tuple[str, ...] = ()
    min_methods: int = 0
    bases: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()  # images: apt/apk packages; imports of other ecosystems: manifest names
    ecosystem: str = "pypi"  # "pypi" (Python, the default), "npm", "nuget", "maven" or "go"
    subscripts: tuple[str, ...] = ()
    not_keys: tuple[str, ...] = ()  # env_reads: variables a framework reads and the code only sets for it
    decorators: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()  # roles: imports that give the technology this role (``taskiq_redis``);
    # settings_reads: regexes on the paths of settings modules
    fields: tuple[str, ...] = ()  # settings classes: calls whose value makes a class attribute a key (``typedconfig.key``)
    prefixes: tuple[str, ...] = ()  # settings classes: decorators naming the keys' prefix (``@section("mwdb")``)
    params: tuple[str, ...] = ()  # settings reads: a function with one of these parameters is handed the settings

    @property
    def label(self) -> str:
        return f"[[{self.section}]] #{self.index + 1} ({self.kind}, {self.name!r})"


@dataclass(frozen=True, slots=True)
class ConfigRule:
    """Which files are config files (kind ``config``); names compared lower-cased."""

    extensions: tuple[str, ...]
    names: tuple[str, ...]
    name_prefixes: tuple[str, ...]
    exclude_dirs: frozenset[str]
    exclude_names: frozenset[str]


@dataclass(frozen=True, slots=True)
class CodeIndex:
    """The entries of one ecosystem other than Python, indexed for the tree-sitter languages."""

    imports: dict[str, Entry]  # import prefix (ES specifier, namespace, package, Go path) -> entry
    packages: dict[str, Entry]  # manifest name -> entry
    package_globs: tuple[tuple[str, Entry], ...]  # "@opentelemetry/*", "OpenTelemetry.*"
    calls: dict[str, tuple[Entry, ...]]
    decorators: dict[str, tuple[Entry, ...]]
    classes: tuple[tuple[re.Pattern[str], Entry], ...]
    call_names: frozenset[str] = frozenset()  # the last part of every call entry, to skip the other calls fast

    def package(self, name: str) -> Entry | None:
        return self.packages.get(name) or next((e for g, e in self.package_globs if fnmatch.fnmatchcase(name, g)), None)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The validated entries plus the lookup indexes built from them once."""

    entries: tuple[Entry, ...]
    config: ConfigRule
    imports: dict[str, Entry] = field(compare=False)  # dotted module prefix -> entry
    calls: dict[str, tuple[Entry, ...]] = field(compare=False)  # "a.b" or "*.attr"
    decorators: dict[str, tuple[Entry, ...]] = field(compare=False)
    classes: tuple[tuple[re.Pattern[str], Entry], ...] = field(compare=False)
    sleeps: dict[str, Entry] = field(compare=False)
    settings: dict[str, Entry] = field(compare=False)
    urls: dict[str, Entry] = field(compare=False)  # scheme -> entry
    backends: tuple[re.Pattern[str], tuple[Entry, ...]] = field(compare=False)  # one alternation
    images: tuple[tuple[re.Pattern[str], Entry], ...] = field(compare=False)
    packages: dict[str, Entry] = field(compare=False)  # apt/apk package -> entry
    processes: tuple[tuple[re.Pattern[str], Entry], ...] = field(compare=False)
    paths: tuple[tuple[re.Pattern[str], Entry], ...] = field(compare=False)
    counted: frozenset[tuple[str, str]] = field(compare=False)
    setting_line: re.Pattern[str] = field(compare=False)  # `KEY=` / `KEY:` in config text
    code: dict[str, CodeIndex] = field(compare=False, default_factory=dict)  # ecosystem -> its entries
    env_reads: tuple[tuple[re.Pattern[str], Entry], ...] = field(compare=False, default=())
    env_subscripts: dict[str, Entry] = field(compare=False, default_factory=dict)  # `os.environ` -> entry
    settings_classes: tuple[Entry, ...] = field(compare=False, default=())
    roles: tuple[tuple[frozenset[tuple[str, ...]], re.Pattern[str], Entry], ...] = field(compare=False, default=())
    role_imports: dict[str, Entry] = field(compare=False, default_factory=dict)  # dotted module prefix -> role
    stores: dict[tuple[str, str], str] = field(compare=False, default_factory=dict)  # (kind, client name) -> store
    ini_reads: tuple[Entry, ...] = field(compare=False, default=())  # configparser-style section/option readers
    url_calls: tuple[tuple[re.Pattern[str], Entry], ...] = field(compare=False, default=())  # `env.db(default=URL)`
    settings_reads: tuple[Entry, ...] = field(compare=False, default=())  # `settings.get("X")`, `app.config["X"]`
    file_reads: tuple[Entry, ...] = field(compare=False, default=())  # `config["sentry"]["dsn"]` of a loaded file
    # the regexes entries of settings_reads and settings_classes hold as strings (objects, modules, class names),
    # compiled once here: the per-file readers look them up rather than compile them for every file
    regexes: dict[str, re.Pattern[str]] = field(compare=False, default_factory=dict)
    # one alternation of every env_reads pattern: most called names match none, and are turned away in one search
    env_reads_any: re.Pattern[str] | None = field(compare=False, default=None)

    def entries_of(self, section: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.section == section)


@functools.cache
def load_catalogue() -> Catalogue:
    """The packaged catalogue, validated and indexed (once per process)."""
    text = resources.files("archreview").joinpath("data/infrastructure.toml").read_text("utf-8")
    return parse_catalogue(text)


def parse_catalogue(text: str, source: str = SOURCE) -> Catalogue:
    """Validate catalogue TOML text; raise ``CatalogueError`` naming the first bad entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"not valid TOML: {exc}", path=source) from exc
    unknown = set(data) - set(_SECTIONS) - {"config"}
    if unknown:
        raise CatalogueError(f"unknown section(s) {sorted(unknown)}; expected {sorted(_SECTIONS)}", path=source)
    entries = tuple(
        _entry(section, i, raw, source)
        for section in _SECTIONS
        for i, raw in enumerate(_table_list(data, section, source))
    )
    return _index(entries, _config(data.get("config", {}), source))


def _table_list(data: dict[str, Any], section: str, source: str) -> list[dict[str, Any]]:
    tables = data.get(section, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise CatalogueError(f"[[{section}]] must be an array of tables", path=source)
    return tables


def _entry(section: str, index: int, raw: dict[str, Any], source: str) -> Entry:
    match_field, optional = _SECTIONS[section]
    where = f"[[{section}]] #{index + 1} ({raw.get('kind')!r}, {raw.get('name')!r})"

    def fail(why: str) -> CatalogueError:
        return CatalogueError(f"{where}: {why}", path=source)

    for key in ("kind", "name", match_field):
        if key not in raw:
            raise fail(f"missing field {key!r}")
    extra = set(raw) - {"kind", "name", match_field, *optional}
    if extra:
        raise fail(f"unknown field(s) {sorted(extra)}; allowed: {sorted({'kind', 'name', match_field, *optional})}")
    if raw["kind"] not in KINDS:
        raise fail(f"unknown kind {raw['kind']!r}; use one of {', '.join(KINDS)}")
    if not isinstance(raw["name"], str) or not raw["name"]:
        raise fail("'name' must be a non-empty string")
    match = raw[match_field]
    match = (match,) if isinstance(match, str) and section == "classes" else match
    if not isinstance(match, (list, tuple)) or not match or not all(isinstance(m, str) and m for m in match):
        raise fail(f"{match_field!r} must be a non-empty list of non-empty strings")
    for key, typ in optional.items():
        value = raw.get(key)
        if value is not None and (type(value) is not typ or (isinstance(value, list) and not all(isinstance(v, str) for v in value))):
            raise fail(f"{key!r} must be a {'list of strings' if typ is list else typ.__name__}")
    if raw.get("ecosystem", "pypi") not in ECOSYSTEMS:
        raise fail(f"unknown ecosystem {raw['ecosystem']!r}; use one of {', '.join(ECOSYSTEMS)}")
    if section == "roles" and not all(m.count(":") == 1 and m.split(":")[0] in KINDS for m in match):
        raise fail("'plays' entries must be \"kind:name\" with a known kind")
    regexes = (*raw.get("class_names", ()), *raw.get("keys", ()),
               *(raw.get("modules", ()) if section in ("settings_reads", "file_reads") else ()))
    for pattern in (*(match if section in _REGEX_SECTIONS else ()), *regexes):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise fail(f"bad regex {pattern!r}: {exc}") from exc
    return Entry(
        section, index, raw["kind"], raw["name"], tuple(match),
        args=tuple(raw.get("args", ())), when_imported=tuple(raw.get("when_imported", ())),
        counted=raw.get("counted", False), methods=tuple(raw.get("methods", ())),
        min_methods=raw.get("min_methods", 0), bases=tuple(raw.get("bases", ())),
        packages=tuple(raw.get("packages", ())), ecosystem=raw.get("ecosystem", "pypi"),
        subscripts=tuple(raw.get("subscripts", ())), not_keys=tuple(raw.get("not_keys", ())),
        decorators=tuple(raw.get("decorators", ())), class_names=tuple(raw.get("class_names", ())),
        keys=tuple(raw.get("keys", ())), modules=tuple(raw.get("modules", ())),
        fields=tuple(raw.get("fields", ())), prefixes=tuple(raw.get("prefixes", ())),
        params=tuple(raw.get("params", ())),
    )  # fmt: skip


def _config(raw: dict[str, Any], source: str) -> ConfigRule:
    values = {}
    for key in _CONFIG_FIELDS:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CatalogueError(f"[config] {key!r} must be a list of strings", path=source)
        values[key] = tuple(v.lower() for v in value)
    return ConfigRule(
        values["extensions"], values["names"], values["name_prefixes"],
        frozenset(values["exclude_dirs"]), frozenset(values["exclude_names"]),
    )  # fmt: skip


def _multi(pairs: Iterable[tuple[str, Entry]]) -> dict[str, tuple[Entry, ...]]:
    out: dict[str, tuple[Entry, ...]] = {}
    for key, entry in pairs:
        out[key] = (*out.get(key, ()), entry)
    return out


def _code_index(entries: list[Entry]) -> CodeIndex:
    def of(section: str) -> list[Entry]:
        return [e for e in entries if e.section == section]

    names = [(p, e) for e in of("imports") for p in e.packages]
    return CodeIndex(
        imports={m: e for e in of("imports") for m in e.match},
        packages={p: e for p, e in names if "*" not in p},
        package_globs=tuple((p, e) for p, e in names if "*" in p),
        calls=_multi((c, e) for e in of("calls") for c in e.match),
        decorators=_multi((d, e) for e in of("decorators") for d in e.match),
        classes=tuple((re.compile(e.match[0]), e) for e in of("classes")),
        call_names=frozenset(c.rsplit(".", 1)[-1] for e in of("calls") for c in e.match),
    )


def _index(entries: tuple[Entry, ...], config: ConfigRule) -> Catalogue:
    foreign = [e for e in entries if e.ecosystem != "pypi"]
    code: dict[str, CodeIndex] = {eco: _code_index([e for e in foreign if e.ecosystem == eco]) for eco in ECOSYSTEMS if eco != "pypi"}
    entries_all, entries = entries, tuple(e for e in entries if e.ecosystem == "pypi")

    def of(section: str) -> list[Entry]:
        return [e for e in entries if e.section == section]

    backends = of("backends")
    alternation = "|".join(f"(?P<b{i}>{'|'.join(e.match)})" for i, e in enumerate(backends)) or "(?!)"
    return Catalogue(
        entries=entries_all,
        config=config,
        imports={m: e for e in of("imports") for m in e.match},
        calls=_multi((c, e) for e in of("calls") for c in e.match),
        decorators=_multi((d, e) for e in of("decorators") for d in e.match),
        classes=tuple((re.compile(e.match[0]), e) for e in of("classes")),
        sleeps={s: e for e in of("loops") for s in e.match},
        settings={n: e for e in of("settings") for n in e.match},
        urls={s.lower(): e for e in of("urls") for s in e.match},
        backends=(re.compile(alternation), tuple(backends)),
        images=tuple((re.compile(p), e) for e in of("images") for p in e.match),
        packages={p: e for e in of("images") for p in e.packages},
        processes=tuple((re.compile(p), e) for e in of("processes") for p in e.match),
        paths=tuple((re.compile(p), e) for e in of("paths") for p in e.match),
        counted=frozenset((e.kind, e.name) for e in entries_all if e.counted),
        setting_line=_setting_line([n for e in of("settings") for n in e.match]),
        code=code,
        env_reads=tuple((re.compile(p), e) for e in of("env_reads") for p in e.match),
        env_subscripts={s: e for e in of("env_reads") for s in e.subscripts},
        settings_classes=tuple(of("settings_classes")),
        roles=tuple((frozenset(tuple(m.split(":")) for m in e.match), re.compile("|".join(e.keys) or "(?!)", re.I), e)
                    for e in of("roles")),
        role_imports={m: e for e in of("roles") for m in e.modules},
        stores={(e.kind, c): e.name for e in of("stores") for c in e.match},
        ini_reads=tuple(of("ini_reads")),
        url_calls=tuple((re.compile(p), e) for e in of("url_calls") for p in e.match),
        settings_reads=tuple(of("settings_reads")),
        file_reads=tuple(of("file_reads")),
        regexes={p: re.compile(p) for e in (*of("settings_reads"), *of("settings_classes"), *of("file_reads"))
                 for p in (*(e.match if e.section == "settings_reads" else ()), *e.modules, *e.class_names, *e.keys)},
        env_reads_any=_alternation([p for e in of("env_reads") for p in e.match]),
    )


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    """One regex that searches where any of ``patterns`` does (None when there are none, or they cannot be
    joined: a pattern with global flags, which only the start of a regex may hold)."""
    if not patterns:
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error:
        return None


def _setting_line(names: list[str]) -> re.Pattern[str]:
    keys = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) or "(?!)"
    return re.compile(r"^\s*(?:export\s+)?[\"']?(" + keys + r")[\"']?\s*[=:]")
