"""TypeScript and JavaScript files: ES imports, ``require``, dynamic ``import()``, functions, calls.

``import type`` (TypeScript) never runs, so it is marked like Python's
``if TYPE_CHECKING`` imports: drawn in the graph, never part of a cycle.
``require`` and ``import()`` inside a function are local imports.
"""

from __future__ import annotations

from typing import Any

from archreview.core.model import ClassInfo, RawImport
from archreview.facts import treesitter as ts
from archreview.facts.treesitter import CodeFacts

# Node's built-in modules (``node:`` prefixed or not): the standard library of the ecosystem.
NODE_BUILTINS = frozenset(
    "assert async_hooks buffer child_process cluster console constants crypto dgram diagnostics_channel dns "
    "domain events fs http http2 https inspector module net os path perf_hooks process punycode querystring "
    "readline repl stream string_decoder sys test timers tls trace_events tty url util v8 vm wasi "
    "worker_threads zlib".split()
)

SPEC = ts.Spec(
    conditions=("if", "for", "while", "catch", "case", "&&", "||", "??", "?", "??=", "||=", "&&="),
    functions=("function_declaration", "generator_function_declaration", "method_definition", "arrow_function",
               "function_expression", "function", "generator_function"),
    classes=("class_declaration", "abstract_class_declaration", "class"),
    calls=("call_expression",),
    news=("new_expression",),
    strings=("string", "template_string"),
    comments=("comment",),
    catches=("catch_clause",),
    annotations=("decorator",),
    imports=("import_statement", "export_statement"),
    loops=("for_statement", "for_in_statement", "while_statement", "do_statement"),
    variables=("variable_declarator", "required_parameter", "optional_parameter"),
    throws=("throw_statement",),
    extra=(("default", ("assignment_pattern", "object_assignment_pattern")), ("paren", ("parenthesized_expression",))),
    words=(("property", "property_identifier", "catch"),),  # `.catch(`: a decision to lizard
    # a parameter's default value: the query keeps the 1% of parameters that have one (typeorm: 148 of 14,395)
    patterns="(required_parameter value: (_)) @default\n(optional_parameter value: (_)) @default\n",
)
_FUNCTIONS = frozenset(SPEC.functions)
_CLASSES = SPEC.classes


def facts(language: str, path: str, data: bytes) -> CodeFacts:
    return ts.analyse(language, path, data, SPEC, _build)


def is_builtin(specifier: str) -> bool:
    return specifier.startswith("node:") or specifier.split("/")[0] in NODE_BUILTINS


def package_name(specifier: str) -> str:
    """The npm package a bare specifier names: ``@scope/pkg/sub`` -> ``@scope/pkg``, ``lodash/fp`` -> ``lodash``."""
    parts = specifier.split("/")
    return "/".join(parts[:2]) if specifier.startswith("@") and len(parts) > 1 else parts[0]


def _build(caps: dict, data: bytes) -> dict[str, Any]:
    functions = caps.get("function", [])
    lost = _read_past(caps.get("paren", []), data)
    conditions = [c for c in ts.decisions(caps, SPEC) if _counts(c, lost)]  # nothing inside `${...}`, as lizard
    conditions += [c for c in caps.get("property", []) if _counts(c, lost)]  # `.catch(`: lizard counts it too
    # a default value (`a = 1` in parameters, `{ b = 2 } = o` in a destructuring pattern) is a decision to lizard
    conditions += caps.get("default", [])
    imports, aliases = [], []
    for node in caps.get("import", []):
        source = node.child_by_field_name("source")
        if source is None:
            continue
        spec = ts.string_value(source)
        type_only = data.startswith((b"import type", b"export type"), node.start_byte)
        names = []
        for clause in (c for c in node.named_children if c.type == "import_clause"):
            for part in clause.named_children:
                if part.type == "identifier":
                    aliases.append((ts.text(part), spec))
                    names.append("default")
                elif part.type == "namespace_import":
                    local = next((ts.text(c) for c in part.named_children if c.type == "identifier"), "")
                    aliases.append((local, spec))
                    names.append("*")
                elif part.type == "named_imports":
                    for item in part.named_children:
                        if item.type == "import_specifier":
                            name = ts.text(item.child_by_field_name("name"))
                            alias = item.child_by_field_name("alias")
                            aliases.append((ts.text(alias) if alias is not None else name, f"{spec}.{name}"))
                            names.append(name)
        imports.append(RawImport(spec, ts.line(node), 0, tuple(names), type_only, False))
    calls = []
    for node, call in ts.calls_of(caps.get("call", []), functions, SPEC, data):
        if call.name in ("require", "import") and call.first and not call.args.lstrip("(").startswith("`"):
            in_function = ts.enclosing(node, _FUNCTIONS) is not None
            imports.append(RawImport(call.first, call.line, 0, (), False, in_function))
            holder = node.parent
            if holder is not None and holder.type == "variable_declarator":
                name = holder.child_by_field_name("name")
                if name is not None and name.type == "identifier":
                    aliases.append((ts.text(name), call.first))
        calls.append(call)
    calls += [c for _, c in ts.calls_of(caps.get("new", []), functions, SPEC, data, new=True)]
    classes = []
    for node in caps.get("class", []):
        name = ts.text(node.child_by_field_name("name")) or "(anonymous)"
        heritage = next((c for c in node.named_children if c.type == "class_heritage"), None)
        bases = tuple(ts.dotted(ts.text(x)) for h in ([heritage] if heritage is not None else [])
                      for clause in h.named_children for x in clause.named_children) if heritage is not None else ()
        body = node.child_by_field_name("body")
        methods = tuple(ts.text(m.child_by_field_name("name")) for m in (body.named_children if body else ())
                        if m.type == "method_definition")
        holder = node.parent if node.parent is not None and node.parent.type == "export_statement" else node
        decorators = tuple(ts.dotted(ts.text(d).lstrip("@")) for d in (*holder.named_children, *node.named_children)
                           if d.type == "decorator")
        abstract = node.type == "abstract_class_declaration"
        classes.append(ClassInfo(name, ts.line(node), bases, methods, abstract, decorators))
    metrics = ts.function_metrics(functions, conditions, _name, lambda n: n.type == "method_definition",
                                  _params, lambda n: data.startswith(b"async", n.start_byte))  # not the whole body's text
    return dict(
        imports=tuple(imports), functions=metrics, classes=tuple(classes),
        calls=tuple(sorted(calls, key=ts.BY_LINE)),
        sql=ts.built_sql(caps, SPEC, data), loops=ts.loops_of(caps, SPEC, data),
        annotations=tuple((ts.dotted(ts.text(d).lstrip("@")), ts.line(d)) for d in caps.get("annotation", [])),
        strings=ts.strings_of(caps, data),
        aliases=tuple(aliases), empty_catches=ts.empty_catches(caps.get("catch", []), SPEC.comments),
    )


def _counts(token, lost: list[tuple[int, int]]) -> bool:
    """A decision token as lizard counts it: `?` of a ternary only (`x?: T` is an optional name), and not
    where lizard reads past (``lost``, from ``_read_past``)."""
    if token.type == "?" and (token.parent is None or token.parent.type != "ternary_expression"):
        return False
    return not (lost and ts.in_spans(lost, token.start_byte))


def _read_past(parens: list, data: bytes) -> list[tuple[int, int]]:
    """Where lizard reads past decisions: a value opening with a parenthesis (``x = (a || b) ?? c``,
    ``key: (a ? b : c)``, ``{ ...(a && {}) }``) is taken for an arrow function's parameters, and when no
    ``=>`` or ``{`` follows, that function is dropped with the decisions inside the parentheses and the
    token just after them. Spans (start, end) of the bytes whose decisions are lost."""
    out = []
    for paren in parens:
        if len(paren.children) > 1 and data[paren.children[1].start_byte: paren.children[1].start_byte + 1] == b"(":
            continue  # `((`: lizard reads a grouped expression, and counts
        if not _opens_value(paren):
            continue
        after = paren.end_byte
        while after < len(data) and data[after] in b" \t\r\n":
            after += 1
        out.append((paren.start_byte, after + 1))
    return ts.merged_spans(out)


def _opens_value(paren) -> bool:
    """``paren`` is the first thing in the value of ``name = ...``, ``key: ...`` or an object's ``...``."""
    node = paren
    while node.parent is not None and node.parent.type not in _FUNCTIONS:
        holder = node.parent
        if holder.type == "variable_declarator" and holder.child_by_field_name("value") == node:
            return holder.child_by_field_name("name").type == "identifier"
        if holder.type == "assignment_expression" and holder.child_by_field_name("right") == node:
            return holder.child_by_field_name("left").type == "identifier"  # not `a.b = (`: lizard reads a call there
        if holder.type == "pair" and holder.child_by_field_name("value") == node:
            return holder.child_by_field_name("key").type == "property_identifier"
        if holder.type == "spread_element":
            return holder.parent is not None and holder.parent.type == "object"
        if holder.start_byte != paren.start_byte:
            return False
        node = holder
    return False


def _name(node) -> str:
    own = node.child_by_field_name("name")
    if own is None:
        holder = node.parent
        while holder is not None and holder.type in ("parenthesized_expression", "as_expression", "await_expression"):
            holder = holder.parent
        if holder is not None and holder.type in ("variable_declarator", "public_field_definition", "field_definition"):
            own = holder.child_by_field_name("name") or holder.child_by_field_name("property")
        elif holder is not None and holder.type == "pair":
            own = holder.child_by_field_name("key")
        elif holder is not None and holder.type == "assignment_expression":
            own = holder.child_by_field_name("left")
    name = ts.dotted(ts.text(own)) if own is not None else "(anonymous)"
    cls = ts.enclosing(node, _CLASSES) if node.type == "method_definition" else None
    if cls is not None:
        return f"{ts.text(cls.child_by_field_name('name')) or '(anonymous)'}.{name}"
    return name


def _params(node) -> int:
    params = node.child_by_field_name("parameters")
    if params is None:
        return 1 if node.child_by_field_name("parameter") is not None else 0
    return params.named_child_count  # not a list of every parameter's node
