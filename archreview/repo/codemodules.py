"""Modules and resolved imports for TypeScript/JavaScript, C#, Java/Kotlin and Go.

What a node of the graph is follows how each language names code:

* **TypeScript/JavaScript**: a file (``src/orders/api.ts`` is ``src.orders.api``;
  ``index.ts`` names its folder). Relative specifiers are resolved against the
  files (``.ts``/``.tsx``/``.js``... and ``index`` files; ``./x.js`` may be
  ``x.ts``), bare ones through the governing tsconfig's ``paths``/``baseUrl``,
  then the workspace packages' names (``exports``, ``main``...).
  Node built-ins are the standard library.
* **Java/Kotlin**: a type, ``package.Class``, from the package clause and the
  file name; ``java.*``/``kotlin.*``... are the standard library.
* **C#**: a namespace (a ``using`` names a namespace, not a file); ``System.*``
  and ``Microsoft.*`` are the framework.
* **Go**: a package, i.e. a folder; import paths under a ``go.mod`` module path
  are internal, paths whose first element has no dot are the standard library.

Everything else is third-party, named by its package (npm name, Go module path
from go.mod's requires, the namespace or Java package).
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from archreview.core.model import Coupling, FileFacts, Import, Module, ProjectLink, RawImport
from archreview.core.vocab import ImportCategory
from archreview.facts import csharp, golang, java, javascript, kotlin
from archreview.repo.graph import coupling

_JS_EXT = (".ts", ".tsx", ".mts", ".cts", ".d.ts", ".js", ".jsx", ".mjs", ".cjs")
ES = ("typescript", "javascript")


def code_modules(files: Sequence[FileFacts]) -> tuple[Module, ...]:
    by_language: dict[str, list[FileFacts]] = defaultdict(list)
    for f in files:
        by_language[f.language].append(f)
    out: list[Module] = []
    es = by_language["typescript"] + by_language["javascript"]
    if es:
        out += _es_modules(es, files)
    if by_language["csharp"]:
        out += _csharp_modules(by_language["csharp"])
    jvm = by_language["java"] + by_language["kotlin"]
    if jvm:
        out += _jvm_modules(jvm)
    if by_language["go"]:
        out += _go_modules(by_language["go"], files)
    return tuple(out)


def _module(facts: FileFacts, name: str, imports: list[Import]) -> Module:
    seen: dict[tuple[str, int], Import] = {}
    for i in imports:
        if i.target != name:
            seen.setdefault((i.target, i.line), i)
    return Module(name, facts.path, facts.lines, tuple(sorted(seen.values(), key=lambda i: (i.line, i.target))),
                  False, facts.language)


def _imp(raw: RawImport, target: str, category: ImportCategory, distribution: str | None = None) -> Import:
    return Import(target, raw.line, category, distribution, raw.type_checking, raw.local)


# --- TypeScript / JavaScript ----------------------------------------------------------------


_LONGEST_FIRST = tuple(sorted(_JS_EXT, key=len, reverse=True))  # ".d.ts" before ".ts"
_NOT_IN_NAME = re.compile(r"[^\w$/-]")  # "/" kept: it separates the parts


def es_name(path: str) -> str:
    """``src/orders/api.ts`` -> "src.orders.api"; ``src/orders/index.ts`` -> "src.orders"."""
    stem = path
    for ext in _LONGEST_FIRST:
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    if stem.endswith("/index"):
        stem = stem[: -len("/index")]
    return _NOT_IN_NAME.sub("_", stem).replace("/", ".")


class _EsResolver:
    def __init__(self, es: list[FileFacts], files: Sequence[FileFacts]) -> None:
        self.paths = {f.path for f in es}
        self._memo: dict[tuple[str, str], tuple[str, ImportCategory, str | None]] = {}
        # what a specifier's answer depends on besides itself: the file a relative one names, the governing
        # tsconfig of a bare one (typeorm: 8,564 relative (folder, specifier) pairs name 2,259 files)
        self._relative: dict[str, tuple[str, ImportCategory, str | None]] = {}
        self._bare: dict[tuple[str | None, str], tuple[str, ImportCategory, str | None]] = {}
        self._names: dict[str, str] = {}
        self._governing: dict[str, tuple[str, dict[str, list[str]]] | None] = {}  # folder -> its tsconfig
        self.tsconfigs: dict[str, dict[str, list[str]]] = {}
        self.packages: dict[str, tuple[str, dict[str, str]]] = {}  # npm name -> (folder, entries)
        for f in files:
            name = posixpath.basename(f.path)
            if name.startswith(("tsconfig", "jsconfig")) and name.endswith(".json"):
                table: dict[str, list[str]] = defaultdict(list)
                for k, v in f.declares:
                    table[k].append(v)
                self.tsconfigs[f.path] = table
            elif name == "package.json":
                decl = dict(f.declares)
                if "npm-name" in decl:
                    entries = {k: v for k, v in (e.split("\t", 1) for key, e in f.declares if key == "npm-export")}
                    entries.update({".": v for key, v in f.declares if key == "npm-entry" and "." not in entries})
                    self.packages[decl["npm-name"]] = (posixpath.dirname(f.path), entries)

    def file(self, candidate: str) -> str | None:
        candidate = posixpath.normpath(candidate)
        if candidate in self.paths:
            return candidate
        stem = re.sub(r"\.(m|c)?jsx?$", "", candidate)
        for base in dict.fromkeys((candidate, stem)):
            for ext in _JS_EXT:
                if base + ext in self.paths:
                    return base + ext
            for ext in _JS_EXT:
                if f"{base}/index{ext}" in self.paths:
                    return f"{base}/index{ext}"
        return None

    def _tsconfig(self, folder: str) -> tuple[str, dict[str, list[str]]] | None:
        """The tsconfig governing the files of ``folder`` (the nearest one up), with what it extends."""
        if folder not in self._governing:
            self._governing[folder] = self._nearest(folder)
        return self._governing[folder]

    def _nearest(self, folder: str) -> tuple[str, dict[str, list[str]]] | None:
        for name in ("tsconfig.json", "jsconfig.json", "tsconfig.base.json"):
            config = posixpath.join(folder, name) if folder else name
            if config in self.tsconfigs:
                return config, self._with_extends(config)
        return None if not folder else self._tsconfig(posixpath.dirname(folder))

    def _with_extends(self, config: str, depth: int = 0) -> dict[str, list[str]]:
        table = self.tsconfigs[config]
        parent = table.get("ts-extends", [""])[0]
        if parent.startswith(".") and depth < 4:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(config), parent))
            target = target if target.endswith(".json") else target + ".json"
            if target in self.tsconfigs:
                base = self._with_extends(target, depth + 1)
                folder = posixpath.dirname(target)
                merged = {k: list(v) for k, v in table.items()}
                for key in ("ts-baseUrl", "ts-path"):  # a child's own setting wins; inherited ones keep their folder
                    if key not in merged and key in base:
                        merged[key] = [_rebase(key, v, folder, posixpath.dirname(config)) for v in base[key]]
                return merged
        return table

    def resolve(self, spec: str, folder: str) -> tuple[str, ImportCategory, str | None]:
        """Where the specifier ``spec``, imported by a file of ``folder``, leads: (name, category, distribution)."""
        key = (folder, spec)  # the same specifier from the same folder resolves the same
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._resolve(spec, folder)
        return found

    def _resolve(self, spec: str, folder: str) -> tuple[str, ImportCategory, str | None]:
        if spec.startswith((".", "/")):
            target = posixpath.normpath(f"{folder}/{spec}" if folder and spec[0] != "/" else spec)  # posixpath.join
            found = self._relative.get(target)
            if found is None:
                path = self.file(target)
                found = self._relative[target] = (self.module_name(path or target), "internal", None)
            return found
        if javascript.is_builtin(spec):
            return spec.removeprefix("node:").split("/")[0], "stdlib", None
        config = self._tsconfig(folder)
        key = (config[0] if config is not None else None, spec)
        found = self._bare.get(key)
        if found is None:
            found = self._bare[key] = self._resolve_bare(spec, config)
        return found

    def module_name(self, path: str) -> str:
        """``es_name`` of ``path``, each path once."""
        name = self._names.get(path)
        if name is None:
            name = self._names[path] = es_name(path)
        return name

    def _resolve_bare(self, spec: str, config: tuple[str, dict[str, list[str]]] | None) -> tuple[str, ImportCategory, str | None]:
        found = self._aliased(spec, config) or self._workspace(spec)
        if found:
            return self.module_name(found), "internal", None
        name = javascript.package_name(spec)
        if name in self.packages:
            return name, "internal", None
        return name, "third_party", name

    def _aliased(self, spec: str, config: tuple[str, dict[str, list[str]]] | None) -> str | None:
        """``spec`` through the ``paths``/``baseUrl`` of ``config`` (the governing tsconfig, with what it extends)."""
        if config is None:
            return None
        where, table = config
        home = posixpath.dirname(where)
        base = posixpath.join(home, table["ts-baseUrl"][0]) if table.get("ts-baseUrl") else home
        for entry in table.get("ts-path", ()):
            alias, target = entry.split("\t", 1)
            if "*" in alias:
                head, _, tail = alias.partition("*")
                if spec.startswith(head) and spec.endswith(tail) and len(spec) >= len(head) + len(tail):
                    star = spec[len(head): len(spec) - len(tail)]
                    found = self.file(posixpath.join(base, target.replace("*", star)))
                    if found:
                        return found
            elif spec == alias:
                found = self.file(posixpath.join(base, target))
                if found:
                    return found
        return self.file(posixpath.join(base, spec)) if table.get("ts-baseUrl") else None

    def _workspace(self, spec: str) -> str | None:
        name = javascript.package_name(spec)
        if name not in self.packages:
            return None
        folder, entries = self.packages[name]
        sub = "." + spec[len(name):]
        target = entries.get(sub) or next((v.replace("*", sub[len(k) - 1:]) for k, v in entries.items()
                                           if k.endswith("*") and sub.startswith(k[:-1])), None)
        candidates = [target] if target else []
        candidates += [sub, "src/" + sub[2:]] if sub != "." else ["src/index", "index"]
        for c in candidates:
            found = self.file(posixpath.join(folder, c))
            if found:
                return found
        return None


def _rebase(key: str, value: str, parent_folder: str, child_folder: str) -> str:
    """A baseUrl inherited from another tsconfig, made relative to the child's folder."""
    if key != "ts-baseUrl":
        return value
    absolute = posixpath.normpath(posixpath.join(parent_folder, value))
    return posixpath.relpath(absolute, child_folder or ".")


def _es_modules(es: list[FileFacts], files: Sequence[FileFacts]) -> list[Module]:
    resolver = _EsResolver(es, files)
    out = []
    for f in es:
        folder = f.path.rpartition("/")[0]  # posixpath.dirname: a path from the listing has no trailing slash
        out.append(_module(f, resolver.module_name(f.path), [_imp(raw, *resolver.resolve(raw.module, folder)) for raw in f.imports]))
    return out


# --- C# ----------------------------------------------------------------------------------------


def _csharp_modules(files: list[FileFacts]) -> list[Module]:
    namespaces = {f.namespace for f in files if f.namespace}
    prefixes = {".".join(n.split(".")[:i]) for n in namespaces for i in range(1, n.count(".") + 2)}
    out = []
    for f in files:
        name = f.namespace or es_name(f.path)
        imports = []
        for raw in f.imports:
            ns = raw.module
            if ns in namespaces:
                imports.append(_imp(raw, ns, "internal"))
            elif ns in prefixes or (raw.names == ("static",) and ns.rsplit(".", 1)[0] in namespaces):
                imports.append(_imp(raw, ns.rsplit(".", 1)[0] if ns not in prefixes else ns, "internal"))
            elif csharp.is_framework(ns):
                imports.append(_imp(raw, ns, "stdlib"))
            else:
                imports.append(_imp(raw, ns, "third_party", ns))
        out.append(_module(f, name, imports))
    return out


@dataclass(frozen=True, slots=True)
class _Project:
    name: str
    folder: str
    references: tuple[str, ...]  # .csproj paths, resolved against this project's folder


def _projects(files: Sequence[FileFacts]) -> dict[str, _Project]:
    """.csproj path -> project (AssemblyName or file name; its folder; the projects it references)."""
    out = {}
    for f in files:
        if not f.path.lower().endswith(".csproj"):
            continue
        decl = dict(f.declares)
        folder = posixpath.dirname(f.path)
        refs = tuple(posixpath.normpath(posixpath.join(folder, v)) for k, v in f.declares if k == "project-reference")
        name = decl.get("AssemblyName") or posixpath.basename(f.path)[: -len(".csproj")]
        out[f.path] = _Project(name, folder, refs)
    return out


def project_of(path: str, folders: dict[str, str]) -> str | None:
    """The .csproj (of ``folders``: folder -> .csproj path) whose folder holds ``path`` most closely."""
    folder = posixpath.dirname(path)
    while True:
        if folder in folders:
            return folders[folder]
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def _closure(start: str, projects: dict[str, _Project]) -> set[str]:
    """The projects ``start`` references, directly or through others (SDK-style references are transitive)."""
    seen: set[str] = set()
    stack = list(projects[start].references)
    while stack:
        ref = stack.pop()
        if ref in seen or ref not in projects:
            continue
        seen.add(ref)
        stack.extend(projects[ref].references)
    return seen


def csharp_projects(files: Sequence[FileFacts]) -> tuple[ProjectLink, ...]:
    """Project -> project links of a .NET solution: each ``using`` of a namespace another project declares is
    mapped to that project (to a referenced one when several declare it), next to the ``ProjectReference``s.

    A using that maps only to projects the source does not reference is kept with ``referenced=False``:
    whether that breaks the architecture is for the declared layers to say, not for this map."""
    projects = _projects(files)
    if not projects:
        return ()
    folders = {p.folder: path for path, p in projects.items()}
    sources = [(f, project_of(f.path, folders)) for f in files if f.language == "csharp"]
    declared: dict[str, set[str]] = defaultdict(set)  # namespace (and each prefix) -> projects declaring it
    for f, project in sources:
        if project and f.namespace:
            parts = f.namespace.split(".")
            for i in range(1, len(parts) + 1):
                declared[".".join(parts[:i])].add(project)
    usings: Counter[tuple[str, str]] = Counter()
    closure = {path: _closure(path, projects) for path in projects}
    for f, project in sources:
        if project is None:
            continue
        for raw in f.imports:
            owners = declared.get(raw.module, set())
            others = owners - {project}
            chosen = others & closure[project] or (set() if project in owners else others)
            for target in chosen:
                usings[(project, target)] += 1
    pairs = set(usings) | {(path, ref) for path, p in projects.items() for ref in p.references if ref in projects}
    links = [ProjectLink(projects[a].name, projects[b].name, usings[(a, b)], b in closure[a]) for a, b in pairs]
    return tuple(sorted(links, key=lambda link: (link.source, link.target)))


def project_coupling(links: Sequence[ProjectLink]) -> tuple[Coupling, ...]:
    """Afferent and efferent coupling of each project, by the projects its code uses (``using``)."""
    names = sorted({name for link in links for name in (link.source, link.target)})
    used = [(link.source, link.target, link.usings) for link in links if link.usings]
    return coupling(names, used)


# --- Java / Kotlin ---------------------------------------------------------------------------


def jvm_name(f: FileFacts) -> str:
    stem = posixpath.basename(f.path).rsplit(".", 1)[0]
    return f"{f.namespace}.{stem}" if f.namespace else es_name(f.path)


def _jvm_modules(files: list[FileFacts]) -> list[Module]:
    types = {jvm_name(f) for f in files}
    packages = {f.namespace for f in files if f.namespace}
    out = []
    for f in files:
        imports = []
        for raw in f.imports:
            name = raw.module
            owner = next((p for p in _dotted_prefixes(name) if p in types), None)
            if owner:
                imports.append(_imp(raw, owner, "internal"))
            elif any(p in packages for p in _dotted_prefixes(name)):
                imports.append(_imp(raw, name, "internal"))
            elif java.is_stdlib(name) or (f.language == "kotlin" and kotlin.is_stdlib(name)):
                imports.append(_imp(raw, ".".join(name.split(".")[:2]), "stdlib"))
            else:
                group = ".".join(name.split(".")[:3])
                imports.append(_imp(raw, group, "third_party", group))
        out.append(_module(f, jvm_name(f), imports))
    return out


def _dotted_prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


# --- Go -----------------------------------------------------------------------------------------


def _go_modules(go: list[FileFacts], files: Sequence[FileFacts]) -> list[Module]:
    roots: dict[str, str] = {}  # folder of a go.mod -> its module path
    requires: set[str] = set()
    for f in files:
        if posixpath.basename(f.path) == "go.mod":
            path = dict(f.declares).get("go-module")
            if path:
                roots[posixpath.dirname(f.path)] = path
            requires |= {r.name for r in f.requirements}
    folders = {posixpath.dirname(f.path) for f in go}
    by_import = {}
    for folder in folders:
        root = _root_of(folder, roots)
        if root is not None:
            rel = folder[len(root):].lstrip("/") if root else folder
            by_import[roots[root] + ("/" + rel if rel else "")] = folder
    out = []
    for f in go:
        imports = []
        for raw in f.imports:
            path = raw.module
            if path in by_import:
                imports.append(_imp(raw, go_name(by_import[path], roots), "internal"))
            elif any(path == m or path.startswith(m + "/") for m in roots.values()):
                imports.append(_imp(raw, path, "internal"))
            elif golang.is_stdlib(path):
                imports.append(_imp(raw, path, "stdlib"))
            else:
                module = next((m for m in sorted(requires, key=len, reverse=True)
                               if path == m or path.startswith(m + "/")), "/".join(path.split("/")[:3]))
                imports.append(_imp(raw, module, "third_party", module))
        out.append(_module(f, go_name(posixpath.dirname(f.path), roots), imports))
    return out


def _root_of(folder: str, roots: dict[str, str]) -> str | None:
    best = None
    for root in roots:
        if (not root or folder == root or folder.startswith(root + "/")) and (best is None or len(root) > len(best)):
            best = root
    return best


def go_name(folder: str, roots: dict[str, str]) -> str:
    """A Go package's node: its folder, dotted (the module's last element for the module root)."""
    if folder:
        return folder.replace("/", ".").replace("-", "_")
    path = roots.get("", "")
    return path.rsplit("/", 1)[-1].replace(".", "_") or "main"
