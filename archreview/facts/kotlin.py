"""Kotlin files: package, imports, functions, annotations and calls (Java's rules for packages)."""

from __future__ import annotations

from typing import Any

from archreview.core.model import ClassInfo
from archreview.facts import treesitter as ts
from archreview.facts.java import jvm_import
from archreview.facts.treesitter import CodeFacts

STDLIB = ("kotlin.", "java.", "javax.", "jdk.", "sun.")
_TYPES = ("class_declaration", "object_declaration", "companion_object")

SPEC = ts.Spec(
    conditions=("if", "for", "while", "catch", "&&", "||", "?:"),
    functions=("function_declaration", "secondary_constructor", "anonymous_function"),
    classes=("class_declaration", "object_declaration"),
    calls=("call_expression",),
    news=(),
    strings=("string_literal", "multiline_string_literal"),
    comments=("line_comment", "block_comment", "multiline_comment"),
    catches=("catch_block",),
    annotations=("annotation",),
    imports=("import", "import_header"),
    packages=("package_header",),
    arguments=("value_arguments", "call_suffix", "annotated_lambda", "lambda_literal"),
    loops=("for_statement", "while_statement", "do_while_statement"),
    variables=("variable_declaration", "parameter"),
    throws=("throw_expression",),
    dollar_holes=True,
    nesting=True,
    extra=(("when", ("when_expression",)), ("lambda", ("lambda_literal",))),
)


def facts(language: str, path: str, data: bytes) -> CodeFacts:
    return ts.analyse(language, path, data, SPEC, _build)


def is_stdlib(name: str) -> bool:
    return (name + ".").startswith(STDLIB)


def _build(caps: dict, data: bytes) -> dict[str, Any]:
    imports, aliases = [], []
    for node in caps.get("import", []):
        found = jvm_import(ts.text(node), ts.line(node))
        if found:
            imports.append(found[0])
            aliases += [found[1]] if found[1] else []
    packages = caps.get("package", [])
    package = ts.text(packages[0]).replace("package", "", 1).strip().replace("`", "") if packages else ""
    return dict(imports=tuple(imports), aliases=tuple(aliases), package=package,
                **ts.common(caps, SPEC, data, name_of=_name, class_of=_class, conditions=_decisions(caps),
                            is_method=lambda n: ts.enclosing(n, _TYPES) is not None,
                            params_of=_params, async_of=lambda n: _modifier(n, "suspend")))


def _decisions(caps: dict) -> list:
    """lizard's decisions: a `when`'s arms but one (lizard counts each `->` of a `when` and takes one off), and
    not those of a lambda with parameters (``{ x -> ... }``), which lizard counts as a function of its own
    (not listed here: the detectors read a call's function as the declared one around it)."""
    arms = [arm for w in caps.get("when", []) for arm in [c for c in w.named_children if c.type == "when_entry"][1:]]
    found = ts.decisions({**caps, "cond": sorted(caps.get("cond", []) + arms, key=lambda n: n.start_byte)}, SPEC)
    lambdas = [n for n in caps.get("lambda", []) if any(c.type == "->" for c in n.children)]
    if not lambdas:
        return found
    scopes = sorted(caps.get("function", []) + lambdas, key=lambda n: n.start_byte)
    return [d for d, i in zip(found, ts.owners(scopes, found)) if i < 0 or scopes[i].type != "lambda_literal"]


def _modifier(node, word: str) -> bool:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    return modifiers is not None and word in ts.text(modifiers).split()


def _own(node) -> str:
    found = node.child_by_field_name("name") or next((c for c in node.named_children
                                                      if c.type in ("identifier", "simple_identifier", "type_identifier")), None)
    return ts.text(found)


def _name(node) -> str:
    own = _own(node) or ("constructor" if node.type == "secondary_constructor" else "(anonymous)")
    return ts.scope_name(node, _TYPES, own)


def _params(node) -> int:
    params = next((c for c in node.named_children if c.type == "function_value_parameters"), None)
    return ts.count_named(params, ("parameter", "function_value_parameter"))


def _class(node) -> ClassInfo:
    specs = next((c for c in node.named_children if c.type == "delegation_specifiers"), None)
    bases = tuple(ts.dotted(ts.text(s)) for s in (specs.named_children if specs is not None else ()))
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    annotations = tuple(ts.annotation_name(a) for a in (modifiers.named_children if modifiers is not None else ())
                        if a.type == "annotation")
    body = next((c for c in node.named_children if c.type in ("class_body", "enum_class_body")), None)
    methods = tuple(_own(m) for m in (body.named_children if body is not None else ()) if m.type == "function_declaration")
    abstract = modifiers is not None and bool({"abstract", "sealed"} & set(ts.text(modifiers).split())) or \
        ts.text(node).lstrip().startswith("interface")
    return ClassInfo(_own(node), ts.line(node), bases, methods, abstract, annotations)
