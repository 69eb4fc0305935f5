"""Declared layers checked against the real imports, and cycles a change creates.

Like import-linter, a layer may import itself and the layers it names in
``may_import``; anything else is a violation reported at the importing line.
Layers are matched by repo-relative path prefix (longest wins), so a layer
declared as a module name (``shop.services``, from import-linter or tach) also
matches a file under a source root (``src/shop/services/x.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from archreview.core.model import Context, Layer, Module, Violation

SOURCE_ROOTS = ("src/", "lib/", "python/", "source/")


def layer_of(path: str, context: Context) -> str | None:
    """The layer whose path is the longest prefix of ``path`` (a file or a folder)."""
    best: tuple[int, str] | None = None
    for candidate in _spellings(path):
        for layer in context.layers:
            for prefix in layer.paths:
                if _covers(prefix, candidate) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), layer.name)
    return best[1] if best else None


def _spellings(path: str) -> list[str]:
    while path.startswith(("./", "/")):
        path = path[2:] if path.startswith("./") else path[1:]
    out = [path]
    for root in SOURCE_ROOTS:
        if path.startswith(root):
            out.append(path[len(root):])
    return out


def _covers(prefix: str, path: str) -> bool:
    return path == prefix or path.startswith(prefix + "/") or (
        not prefix.endswith(".py") and path == prefix + ".py")


def layer_violations(modules: Sequence[Module], context: Context | None) -> tuple[Violation, ...]:
    """Internal imports from one layer into another that it may not import."""
    if context is None or not context.layers:
        return ()
    by_name = {m.name: m for m in modules}
    layer_by_name = {layer.name: layer for layer in context.layers}
    layer_of_module = {m.name: layer_of(m.path, context) for m in modules}
    out = []
    for module in modules:
        source = layer_of_module[module.name]
        if source is None:
            continue
        for imp in module.imports:
            if imp.category != "internal":
                continue
            target = _resolve(imp.target, by_name)
            target_layer = layer_of_module.get(target) if target in by_name else layer_of(
                target.replace(".", "/"), context)
            if target_layer and target_layer != source and target_layer not in layer_by_name[source].may_import:
                out.append(_violation(module, imp.line, target, layer_by_name[source], target_layer))
    return tuple(sorted(set(out), key=lambda v: (v.path, v.line, v.imported)))


def _resolve(target: str, by_name: dict[str, Module]) -> str:
    """The longest known module name that ``target`` starts with (``from pkg.mod import func``)."""
    parts = target.split(".")
    for size in range(len(parts), 0, -1):
        name = ".".join(parts[:size])
        if name in by_name:
            return name
    return target


def _violation(module: Module, line: int, target: str, source: Layer, target_layer: str) -> Violation:
    allowed = ", ".join(source.may_import) if source.may_import else "no other layer"
    message = (f"layer '{source.name}' imports layer '{target_layer}' ({module.name} -> {target}); "
               f"'{source.name}' may import {allowed}")
    return Violation("layer", module.name, target, module.path, line, message)


def new_cycles(base_cycles: Iterable[Sequence[str]] | None, head_cycles: Iterable[Sequence[str]],
               modules: Sequence[Module]) -> tuple[Violation, ...]:
    """Cycles in head whose set of modules no base cycle has; None for base means no change to compare."""
    if base_cycles is None:
        return ()
    known = {frozenset(c) for c in base_cycles}
    by_name = {m.name: m for m in modules}
    out = []
    for cycle in head_cycles:
        nodes = list(dict.fromkeys(cycle))
        if not nodes or frozenset(cycle) in known:
            continue
        out.append(_cycle_violation(nodes, by_name))
    return tuple(sorted(out, key=lambda v: (v.path, v.line, v.importer)))


def _cycle_violation(nodes: list[str], by_name: dict[str, Module]) -> Violation:
    ring = " -> ".join([*nodes, nodes[0]])
    edges = list(zip(nodes, nodes[1:] + nodes[:1]))
    for importer, imported in edges:
        module = by_name.get(importer)
        line = _import_line(module, imported, by_name) if module else None
        if module is not None and line is not None:
            return Violation("cycle", importer, imported, module.path, line, f"new import cycle: {ring}")
    importer, imported = edges[0]
    path = by_name[importer].path if importer in by_name else importer.replace(".", "/") + ".py"
    return Violation("cycle", importer, imported, path, 1, f"new import cycle: {ring}")


def _import_line(module: Module, imported: str, by_name: dict[str, Module]) -> int | None:
    lines = [imp.line for imp in module.imports
             if imp.target == imported or _resolve(imp.target, by_name) == imported
             or imp.target.startswith(imported + ".")]
    return min(lines) if lines else None
