"""Go files: package clause, import specs, functions and methods, calls.

An import path whose first element has no dot (``fmt``, ``net/http``) is the
standard library; the repository level compares the rest with go.mod's module path.
"""

from __future__ import annotations

from typing import Any

from archreview.core.model import ClassInfo, RawImport
from archreview.facts import treesitter as ts
from archreview.facts.treesitter import CodeFacts

SPEC = ts.Spec(
    conditions=("if", "for", "case", "&&", "||"),
    functions=("function_declaration", "method_declaration", "func_literal"),
    classes=("type_spec",),
    calls=("call_expression",),
    news=(),  # composite literals of http.Client only, through the pattern below
    strings=("interpreted_string_literal", "raw_string_literal"),
    comments=("comment",),
    catches=(),
    annotations=(),
    imports=("import_spec",),
    packages=("package_clause",),
    arguments=("argument_list", "literal_value"),
    loops=("for_statement",),
    variables=("var_spec", "short_var_declaration", "parameter_declaration"),
    patterns='((composite_literal type: (qualified_type) @_client) @new (#match? @_client "^http[.]Client$"))',
)


def facts(language: str, path: str, data: bytes) -> CodeFacts:
    return ts.analyse(language, path, data, SPEC, _build)


def is_stdlib(path: str) -> bool:
    return "." not in path.split("/")[0]


def _build(caps: dict, data: bytes) -> dict[str, Any]:
    imports, aliases = [], []
    for node in caps.get("import", []):
        path = ts.string_value(node.child_by_field_name("path"))
        name = node.child_by_field_name("name")
        local = ts.text(name) if name is not None else path.rsplit("/", 1)[-1]
        imports.append(RawImport(path, ts.line(node), 0, ((local,) if name is not None else ())))
        if local not in ("_", "."):
            aliases.append((local, path))
    packages = caps.get("package", [])
    package = ts.text(packages[0]).replace("package", "", 1).strip() if packages else ""
    return dict(imports=tuple(imports), aliases=tuple(aliases), package=package,
                **ts.common(caps, SPEC, data, name_of=_name, class_of=_class,
                            is_method=lambda n: n.type == "method_declaration",
                            params_of=lambda n: ts.count_named(n.child_by_field_name("parameters"),
                                                               ("parameter_declaration", "variadic_parameter_declaration"))))


def _name(node) -> str:
    own = ts.text(node.child_by_field_name("name")) or "(anonymous)"
    if node.type == "method_declaration":
        receiver = ts.text(node.child_by_field_name("receiver"))
        kind = receiver.strip("()").split()[-1].lstrip("*") if receiver.strip("()").split() else ""
        return f"{kind.split('[')[0]}.{own}" if kind else own
    return own


def _class(node) -> ClassInfo | None:
    kind = node.child_by_field_name("type")
    if kind is None or kind.type not in ("struct_type", "interface_type"):
        return None
    embedded = tuple(ts.dotted(ts.text(f)) for f in kind.named_children[0].named_children
                     if f.type == "field_declaration" and f.child_by_field_name("name") is None) if kind.named_children else ()
    return ClassInfo(ts.text(node.child_by_field_name("name")), ts.line(node), embedded, (), kind.type == "interface_type")
