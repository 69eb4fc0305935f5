"""C# files: ``using`` directives, namespaces, methods, attributes and calls.

A ``using`` names a namespace; the repository level maps namespaces to the
projects that declare them. ``System.*`` and ``Microsoft.*`` namespaces are the
framework (the ecosystem's standard library).
"""

from __future__ import annotations

import re
from typing import Any

from archreview.core.model import ClassInfo, RawImport
from archreview.facts import treesitter as ts
from archreview.facts.treesitter import CodeFacts

FRAMEWORK = ("System", "Microsoft", "Windows")
_TYPES = ("class_declaration", "struct_declaration", "record_declaration", "interface_declaration",
          "record_struct_declaration")

SPEC = ts.Spec(
    conditions=("if", "for", "while", "catch", "case", "&&", "||", "?", "??", "??=", "#if", "#elif"),
    functions=("method_declaration", "constructor_declaration", "local_function_statement", "operator_declaration",
               "destructor_declaration", "conversion_operator_declaration"),
    classes=_TYPES,
    calls=("invocation_expression",),
    news=("object_creation_expression",),
    strings=("string_literal", "verbatim_string_literal", "raw_string_literal", "interpolated_string_expression"),
    comments=("comment",),
    catches=("catch_clause",),
    annotations=("attribute",),
    imports=("using_directive",),
    packages=("namespace_declaration", "file_scoped_namespace_declaration"),
    loops=("for_statement", "foreach_statement", "while_statement", "do_statement"),
    variables=("variable_declarator", "parameter"),
    throws=("throw_statement", "throw_expression"),
    # `?` of a conditional or a `?.`, not of a nullable type; `#if A && B` is one preprocessor token to lizard;
    # a local function's decisions count in its method too, as lizard reads the method's body whole
    ternaries=("conditional_expression", "conditional_access_expression"),
    inline=("local_function_statement",),
    # `task.Result`: a blocking read the detectors look for in async methods
    patterns='((member_access_expression name: (identifier) @_result) @member (#eq? @_result "Result"))\n'
             '(preproc_if condition: (_) @opaque) (preproc_elif condition: (_) @opaque)',
)


def facts(language: str, path: str, data: bytes) -> CodeFacts:
    return ts.analyse(language, path, data, SPEC, _build)


def is_framework(namespace: str) -> bool:
    return namespace.split(".")[0] in FRAMEWORK


def _build(caps: dict, data: bytes) -> dict[str, Any]:
    imports, aliases = [], []
    for node in caps.get("import", []):
        m = re.match(r"^(?:global\s+)?using\s+(static\s+)?(?:(\w+)\s*=\s*)?([\w.]+)", ts.text(node))
        if not m or m.group(3) == "var" or ts.enclosing(node, ("block",)) is not None:
            continue  # a `using var x = ...` statement is not a directive
        imports.append(RawImport(m.group(3), ts.line(node), 0, ("static",) if m.group(1) else ()))
        if m.group(2):
            aliases.append((m.group(2), m.group(3)))
    packages = caps.get("package", [])
    package = ts.text(packages[0].child_by_field_name("name")) if packages else ""
    return dict(imports=tuple(imports), aliases=tuple(aliases), package=package.replace(" ", ""),
                **ts.common(caps, SPEC, data, name_of=_name, class_of=_class, is_method=lambda n: True,
                            params_of=_params, async_of=_async))


def _name(node) -> str:
    own = node.child_by_field_name("name")
    return ts.scope_name(node, _TYPES, ts.text(own) if own is not None else node.type.split("_")[0])


def _params(node) -> int:
    params = node.child_by_field_name("parameters")
    return ts.count_named(params, ("parameter",))


def _async(node) -> bool:
    return any(c.type == "modifier" and ts.text(c) == "async" for c in node.children)


def _class(node) -> ClassInfo:
    bases_node = next((c for c in node.named_children if c.type == "base_list"), None)
    bases = tuple(ts.dotted(ts.text(b)) for b in bases_node.named_children) if bases_node is not None else ()
    body = node.child_by_field_name("body")
    methods = tuple(ts.text(m.child_by_field_name("name")) for m in (body.named_children if body is not None else ())
                    if m.type == "method_declaration")
    attributes = tuple(ts.annotation_name(a) for lst in node.named_children if lst.type == "attribute_list"
                       for a in lst.named_children if a.type == "attribute")
    abstract = node.type == "interface_declaration" or any(ts.text(c) == "abstract" for c in node.children if c.type == "modifier")
    return ClassInfo(ts.text(node.child_by_field_name("name")), ts.line(node), bases, methods, abstract, attributes)
