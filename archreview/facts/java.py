"""Java files: package, imports, methods, annotations and calls.

``java.*``, ``javax.*``, ``jdk.*``, ``sun.*`` and the XML/DOM packages the JDK
ships are the standard library; everything else not declared in the
repository is third-party.
"""

from __future__ import annotations

import re
from typing import Any

from archreview.core.model import ClassInfo, RawImport
from archreview.facts import treesitter as ts
from archreview.facts.treesitter import CodeFacts

STDLIB = ("java.", "javax.", "jdk.", "sun.", "com.sun.", "org.w3c.dom", "org.xml.sax", "org.ietf.jgss", "org.omg.")
_TYPES = ("class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
          "annotation_type_declaration")

SPEC = ts.Spec(
    conditions=("if", "for", "while", "catch", "case", "&&", "||", "?"),
    functions=("method_declaration", "constructor_declaration", "compact_constructor_declaration"),
    classes=_TYPES,
    calls=("method_invocation",),
    news=("object_creation_expression",),
    strings=("string_literal", "text_block"),
    comments=("line_comment", "block_comment"),
    catches=("catch_clause",),
    annotations=("annotation", "marker_annotation"),
    imports=("import_declaration",),
    packages=("package_declaration",),
    loops=("for_statement", "enhanced_for_statement", "while_statement", "do_statement"),
    variables=("variable_declarator", "formal_parameter"),
    throws=("throw_statement",),
    ternaries=("ternary_expression",),  # not the wildcard of `List<?>`
)


def facts(language: str, path: str, data: bytes) -> CodeFacts:
    return ts.analyse(language, path, data, SPEC, _build)


def is_stdlib(name: str) -> bool:
    return (name + ".").startswith(STDLIB)


def jvm_import(source: str, line: int) -> tuple[RawImport, tuple[str, str] | None] | None:
    """``import a.b.C``, ``import static a.b.C.m``, ``import a.b.*``, Kotlin ``import a.b.C as D``."""
    m = re.match(r"^import\s+(static\s+)?([\w.`]+)(\s*\.\s*\*)?(?:\s+as\s+(\w+))?", source.strip())
    if not m:
        return None
    name = m.group(2).replace("`", "").rstrip(".")
    star = bool(m.group(3)) or source.rstrip("; \n").endswith("*")
    raw = RawImport(name, line, 0, ("*",) if star else (("static",) if m.group(1) else ()))
    local = m.group(4) or (None if star else name.rsplit(".", 1)[-1])
    return raw, ((local, name) if local else None)


def _build(caps: dict, data: bytes) -> dict[str, Any]:
    imports, aliases = [], []
    for node in caps.get("import", []):
        found = jvm_import(ts.text(node), ts.line(node))
        if found:
            imports.append(found[0])
            aliases += [found[1]] if found[1] else []
    packages = caps.get("package", [])
    package = re.sub(r"^package\s+|[;\s]", "", ts.text(packages[0])) if packages else ""
    package = re.sub(r"^@\w+(\([^)]*\))?", "", package)
    return dict(imports=tuple(imports), aliases=tuple(aliases), package=package,
                **ts.common(caps, SPEC, data, name_of=_name, class_of=_class, is_method=lambda n: True,
                            params_of=lambda n: ts.count_named(n.child_by_field_name("parameters"),
                                                               ("formal_parameter", "spread_parameter"))))


def _name(node) -> str:
    own = node.child_by_field_name("name")
    return ts.scope_name(node, _TYPES, ts.text(own) if own is not None else "<init>")


def _class(node) -> ClassInfo:
    bases = []
    for field in ("superclass", "interfaces"):
        part = node.child_by_field_name(field)
        if part is not None:
            bases += [ts.dotted(ts.text(t)) for t in part.named_children for t in ([t] if t.type != "type_list" else t.named_children)]
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    annotations = tuple(ts.annotation_name(a) for a in (modifiers.named_children if modifiers is not None else ())
                        if a.type in ("annotation", "marker_annotation"))
    body = node.child_by_field_name("body")
    methods = tuple(ts.text(m.child_by_field_name("name")) for m in (body.named_children if body is not None else ())
                    if m.type == "method_declaration")
    abstract = node.type == "interface_declaration" or (modifiers is not None and "abstract" in ts.text(modifiers).split())
    return ClassInfo(ts.text(node.child_by_field_name("name")), ts.line(node), tuple(bases), methods, abstract, annotations)
