"""Parsing TypeScript/JavaScript, C#, Java, Kotlin and Go with tree-sitter, and what every language shares.

One grammar package per language (``tree-sitter-typescript``, ``-javascript``,
``-c-sharp``, ``-java``, ``-kotlin``, ``-go``): each wheel carries its compiled
grammar, so nothing is downloaded at run time. A file is parsed once; one
tree-sitter query per grammar (run in C, not a Python walk) collects every
node the analysis needs (imports, functions, decision tokens, calls, strings,
catch clauses, annotations...) and the language module (``javascript``,
``csharp``, ``java``, ``kotlin``, ``golang``) turns them into ``CodeFacts``.

Cyclomatic complexity follows lizard, the reference for these languages: 1 plus
the decision tokens of the function (lizard's per-language sets: ``if``,
``for``, ``while``, ``catch``, ``case``, ``&&``, ``||``, ``?`` and the
language's own like ``??`` or Kotlin's ``?:``), nested functions counted apart, and
lizard's systematic conventions where it has them (``Spec.ternaries``, ``opaque``, ``inline``;
TypeScript's read-past and default values, Kotlin's ``when`` arms and lambdas in their modules).
``bench/lizard_check.py`` compares the two on real repositories.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import importlib
import operator
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from archreview.core.model import ClassInfo, FunctionMetric, RawImport, RawMetrics


class MissingGrammar(Exception):
    """The grammar package for a language is not installed."""


# language -> (package, function returning the grammar); ".tsx" files use "tsx"
GRAMMARS: dict[str, tuple[str, str]] = {
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "javascript": ("tree_sitter_javascript", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
    "java": ("tree_sitter_java", "language"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "go": ("tree_sitter_go", "language"),
}
# The package each language's dependencies come from (manifests, catalogue entries).
ECOSYSTEM_OF = {"typescript": "npm", "javascript": "npm", "csharp": "nuget", "java": "maven", "kotlin": "maven",
              "go": "go", "python": "pypi"}


def grammar_of(language: str, path: str) -> str:
    return "tsx" if language == "typescript" and path.lower().endswith(".tsx") else language


@functools.cache
def _language(grammar: str):
    import tree_sitter

    package, function = GRAMMARS[grammar]
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise MissingGrammar(f"no tree-sitter grammar for {grammar}: install {package.replace('_', '-')}") from exc
    return tree_sitter.Language(getattr(module, function)())


@functools.cache
def _parser(grammar: str):
    import tree_sitter

    return tree_sitter.Parser(_language(grammar))


def parse(grammar: str, data: bytes):
    """The syntax tree of ``data`` (tree-sitter never fails: broken code gives ERROR nodes)."""
    return _parser(grammar).parse(data)


def first_error_line(tree) -> int | None:
    """The line of the first syntax error, or None when the file parsed cleanly."""
    root = tree.root_node
    if not root.has_error:
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node.start_point[0] + 1
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing or c.is_error]))
    return root.start_point[0] + 1


# --- one query per grammar ---------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """The node types of one language that the shared extraction reads (types a grammar lacks are ignored)."""

    conditions: tuple[str, ...]  # lizard's decision tokens
    functions: tuple[str, ...]
    classes: tuple[str, ...]
    calls: tuple[str, ...]  # call nodes whose arguments node ends the callee
    news: tuple[str, ...]  # object creation
    strings: tuple[str, ...]
    comments: tuple[str, ...]
    catches: tuple[str, ...]
    annotations: tuple[str, ...]
    imports: tuple[str, ...]
    packages: tuple[str, ...] = ()
    arguments: tuple[str, ...] = ("arguments", "argument_list", "value_arguments", "call_suffix")
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()  # more (capture name, node types) for the language module
    loops: tuple[str, ...] = ()
    interpolations: tuple[str, ...] = ("template_substitution", "interpolation")
    dollar_holes: bool = False  # Kotlin: "$name" in a string is a value put in (the grammar leaves it as text)
    nesting: bool = False  # record the calls around each call (Kotlin: a coroutine builder's or withContext's lambda)
    patterns: str = ""  # query patterns written out, e.g. with a predicate (one a line)
    # (capture name, node type, text): nodes of that type whose text is exactly that word, found where the word
    # occurs in the file rather than by the query (a query predicate tests every node of the type: TypeScript's
    # `.catch` among 160,000 property names cost a fifth of typeorm's query)
    words: tuple[tuple[str, str, str], ...] = ()
    variables: tuple[str, ...] = ()  # declarations of variables, fields and parameters (their names: style)
    throws: tuple[str, ...] = ()  # throw statements and expressions (error-handling style)
    # Decision tokens as lizard reads them: a `?` counts only under one of these parents (a conditional, C#'s `?.`;
    # empty: every `?`), nothing inside an interpolation or an ``opaque`` node counts (lizard reads a string, or a
    # preprocessor line, as one token), and the decisions of an ``inline`` function count in the enclosing one too.
    ternaries: tuple[str, ...] = ()
    opaque: tuple[str, ...] = ()
    inline: tuple[str, ...] = ()


@functools.cache
def _query(grammar: str, spec: Spec):
    import tree_sitter

    lang = _language(grammar)
    groups = {"cond": spec.conditions, "function": spec.functions, "class": spec.classes, "call": spec.calls,
              "new": spec.news, "string": spec.strings, "comment": spec.comments, "catch": spec.catches,
              "annotation": spec.annotations, "import": spec.imports, "package": spec.packages, "loop": spec.loops,
              "var": spec.variables, "throw": spec.throws, "opaque": spec.interpolations + spec.opaque,
              **dict(spec.extra)}
    patterns = []
    for name, types in groups.items():
        tokens = name == "cond"  # decision tokens are anonymous nodes (keywords, operators); the rest are named
        named = [] if tokens else [f"({t})" for t in types if lang.id_for_node_kind(t, True)]
        anonymous = ['"' + t.replace('"', '\\"') + '"' for t in types if tokens and lang.id_for_node_kind(t, False)]
        if named or anonymous:
            patterns.append(f"[{' '.join(named + anonymous)}] @{name}")
    # a written pattern whose (first) node type this grammar lacks is left out, as the types above are
    # (TypeScript's `(required_parameter value: ...)` where the same Spec reads JavaScript)
    written = [p for p in spec.patterns.splitlines()
               if not (m := _OPENING_TYPE.match(p)) or lang.id_for_node_kind(m.group(1), True)]
    return tree_sitter.Query(lang, "\n".join(patterns + written) + "\n")


_OPENING_TYPE = re.compile(r"\s*\((\w+)")


def prepare(grammar: str, spec: Spec) -> None:
    """Load the grammar and compile the query now (raises ``MissingGrammar``)."""
    _query(grammar, spec)


def captures(grammar: str, spec: Spec, tree, data: bytes) -> dict[str, list]:
    """Every captured node by capture name, in source order, the outer of two starting at one byte first (``data``: the parsed source)."""
    import tree_sitter

    found = tree_sitter.QueryCursor(_query(grammar, spec)).captures(tree.root_node)
    # py-tree-sitter gathers each name's nodes in a set, so their order varies from process to process
    # (py-tree-sitter #450): sorted by (start, -end), the outer of two nodes starting at one byte first
    # (``a.b(x).c(y)`` before ``a.b(x)``), two stable sorts in C rather than a key tuple per node
    out = {}
    for name, nodes in found.items():
        nodes.sort(key=_END, reverse=True)
        nodes.sort(key=_START)
        out[name] = nodes
    for name, kind, word in spec.words:
        if nodes := _word_nodes(tree.root_node, kind, word.encode(), data):
            out[name] = nodes
    return out


def _word_nodes(root, kind: str, word: bytes, data: bytes) -> list:
    """The nodes of type ``kind`` whose text is ``word``, in source order: each such node spans one
    occurrence of the word, and the smallest node spanning an occurrence is the node itself."""
    out = []
    at = data.find(word)
    while at >= 0:
        node = root.descendant_for_byte_range(at, at + len(word))
        if node is not None and node.type == kind and node.start_byte == at and node.end_byte == at + len(word):
            out.append(node)
        at = data.find(word, at + 1)
    return out


_START = operator.attrgetter("start_byte")
_END = operator.attrgetter("end_byte")


# --- values --------------------------------------------------------------------


class Call(NamedTuple):
    """One call (or object creation) in a file. A named tuple, not a frozen dataclass: a file has hundreds
    (typeorm 82,000 in all) and a frozen dataclass's ``__init__`` cost 2.1 us of the 6 us spent on each."""

    name: str  # the callee as written, normalised: ``a.b().c(x)`` -> "a.b.c"; ``new X<T>()`` -> "X"
    line: int
    first: str = ""  # the first argument when it is a string literal
    new: bool = False
    args: str = ""  # the argument list's text (first 300 characters)
    func: int = -1  # index in ``CodeFacts.functions`` of the innermost function holding the call; -1 at top level
    within: str = ""  # the calls around this one inside its function, innermost first, one per line (60 characters
    #                   each): ``withContext(Dispatchers.IO) {`` around a Kotlin call, ``new Promise(`` around a JS one


@dataclass(frozen=True, slots=True)
class BuiltSql:
    """A string literal that opens an SQL statement and is completed at run time."""

    line: int
    how: str  # "interpolated" (`${x}`, $"{x}", "$x"), "concatenated" ("..." + x) or "formatted" (Sprintf/format %s)
    parts: tuple[str, ...]  # the values put in, as written (each cut to 120 characters)
    func: int = -1


@dataclass(frozen=True, slots=True)
class Loop:
    """A loop statement: where it is, its header as written, and whether its body handles an error."""

    line: int
    end_line: int
    header: str  # ``for (let attempt = 0; attempt < 3; attempt++)`` (first 200 characters)
    handles_error: bool  # a catch clause inside, or Go's ``if err != nil``
    func: int = -1


@dataclass(frozen=True, slots=True)
class CodeFacts:
    """What the language modules extract from one tree, for signals, detectors and style."""

    imports: tuple[RawImport, ...] = ()
    functions: tuple[FunctionMetric, ...] = ()
    classes: tuple[ClassInfo, ...] = ()
    calls: tuple[Call, ...] = ()
    annotations: tuple[tuple[str, int], ...] = ()  # (name, line): @Bean, [ApiController], @Injectable()
    strings: tuple[tuple[str, int], ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # local name -> what it was imported as
    package: str = ""  # Java/Kotlin package, C# namespace, Go package name
    empty_catches: tuple[tuple[int, str], ...] = ()  # (line, "all" | "typed" | "nested") of catches with an empty block
    members: tuple[Call, ...] = ()  # member reads the detectors look at (C# ``task.Result``), as calls without arguments
    sql: tuple[BuiltSql, ...] = ()  # SQL text built from values at run time
    loops: tuple[Loop, ...] = ()
    variables: tuple[tuple[str, int], ...] = ()  # (name, line) of declared variables, fields and parameters
    throws: tuple[tuple[str, int], ...] = ()  # (type thrown, "" for a rethrow or a value; line)
    catch_returns: tuple[tuple[str, int], ...] = ()  # ("none" | "code", line): errors turned into return values
    raw: RawMetrics | None = None
    error_line: int | None = None


def text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def line(node) -> int:
    return node.start_point[0] + 1


_GROUPS = re.compile(r"\([^()]*\)|<[^<>]*>|\[[^\[\]]*\]")


_SIMPLE = re.compile(r"[\w$.]+")
_SPACE = re.compile(r"\s+")
_OWN = re.compile(r"^(this|self|base|super)\.")
_OPENING_QUOTE = re.compile(r'^[@$uUrRbBfF]*("""|\'\'\'|["\'`])')


@functools.lru_cache(maxsize=16384)  # a worker meets the same callees and decorators file after file
def dotted(source: str) -> str:
    """``this.a.b(x).c<T>`` -> "a.b.c": calls, generics and indexing looked through, spaces dropped."""
    if _SIMPLE.fullmatch(source):  # most callees: nothing to look through
        return source[5:] if source.startswith("this.") else source
    s = _SPACE.sub("", source[:400])
    for _ in range(8):
        s, n = _GROUPS.subn("", s)
        if not n:
            break
    s = s.replace("?.", ".").replace("!!", "").replace("!.", ".").replace("::", ".").replace("->", ".")
    s = _OWN.sub("", s)
    return s.strip(".")


def string_value(node) -> str:
    """A string literal's text without its quotes or prefixes (interpolations kept as written)."""
    raw = text(node)
    m = _OPENING_QUOTE.match(raw)
    if not m:
        return raw
    q = m.group(1)
    return raw[m.end():-len(q)] if raw.endswith(q) and len(raw) >= m.end() + len(q) else raw[m.end():]


def arguments_of(node, spec: Spec):
    found = node.child_by_field_name("arguments")
    if found is not None:
        return found
    return next((child for child in node.children if child.type in spec.arguments), None)


_FIRST_STRING = re.compile(r'^[(\s]*(?:[\w$]+\s*[:=]\s*)?[@$]?(?:"""|["\'`])([^"\'`]{0,300})')


def call_of(node, spec: Spec, data: bytes, new: bool = False, func: int = -1,
            names: dict[bytes, str] | None = None) -> Call | None:
    """The call at ``node``, in the function of index ``func`` (see ``calls_of``); ``data`` is the file's
    source (slices of it are cheaper than ``node.text``); ``names``: the callees already read in this file,
    by their text (``dotted`` of each written form once)."""
    args = node.child_by_field_name("arguments")
    if args is None:
        args = next((child for child in node.children if child.type in spec.arguments), None)
    if new:
        callee = node.child_by_field_name("constructor") or node.child_by_field_name("type")
        if callee is None:  # `new X()` without a field: the first named child after `new`
            callee = next((c for c in node.named_children if c.type not in spec.arguments), None)
        name = dotted(text(callee))
    else:
        start = node.start_byte
        end = args.start_byte if args is not None else node.end_byte
        written = data[start: end if end < start + 400 else start + 400]
        found = names.get(written) if names is not None else None
        if found is None:
            found = dotted(written.decode("utf-8", "replace"))
            if names is not None:
                names[written] = found
        name = found
    if not name:
        return None
    if args is not None:
        at = args.start_byte
        end = args.end_byte
        args_text = data[at: end if end < at + 300 else at + 300].decode("utf-8", "replace")
    else:
        args_text = ""
    # the first argument is a string literal only if the text holds a quote (most calls: none, no regex)
    first = _FIRST_STRING.match(args_text) if ('"' in args_text or "'" in args_text or "`" in args_text) else None
    return _new_call(Call, (name, node.start_point[0] + 1, first.group(1) if first else "", new, args_text, func,
                            _within(node, spec, data) if spec.nesting else ""))


BY_LINE = operator.itemgetter(1)  # a Call's line: the key calls are sorted by
_new_call = tuple.__new__  # a Call from its seven fields, without NamedTuple's argument handling (0.4 us, not 0.8)


def calls_of(nodes: Sequence, functions: Sequence, spec: Spec, data: bytes, new: bool = False) -> list[tuple]:
    """(node, Call) of each call at ``nodes`` that names a callee, with the function (of ``functions``) that
    holds it and, for ``spec.nesting``, the calls around it: each ``Call`` made once, complete."""
    names: dict[bytes, str] = {}
    return [(node, call) for node, func in zip(nodes, owners(functions, nodes))
            if (call := call_of(node, spec, data, new, func, names)) is not None]


def raw_metrics(source: bytes, comments: Sequence) -> RawMetrics:
    """Line counts: blank lines, lines holding only comments, the rest is source."""
    lines = source.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    total = len(lines)
    blank = total - sum(map(bool, map(bytes.strip, lines)))  # counted in C: no set of blank lines
    comment_only: set[int] = set()  # 0-based line numbers
    multi = 0
    for c in comments:
        first, at = c.start_point
        last, end = c.end_point
        if first == last:  # most comments: one line
            if first < total:
                s = lines[first]
                if s.strip() and not s[:at].strip() and not s[end:].strip():
                    comment_only.add(first)
            continue
        multi += 1
        for n in range(first, min(last + 1, total)):
            s = lines[n]
            if s.strip() and (n != first or not s[:at].strip()) and (n != last or not s[end:].strip()):
                comment_only.add(n)
    sloc = total - blank - len(comment_only)
    return RawMetrics(loc=total, lloc=sloc, sloc=sloc, comments=len(comment_only), multi=multi, blank=blank)


def owners(functions: Sequence, points: Sequence) -> list[int]:
    """For each node in ``points``, the index in ``functions`` (sorted by start) of the innermost one holding it, or -1."""
    if not functions:
        return [-1] * len(points)
    starts = [f.start_byte for f in functions]
    ends = [f.end_byte for f in functions]
    out = []
    for p in points:
        i = bisect.bisect_right(starts, p.start_byte) - 1
        if i >= 0:
            end = p.end_byte
            while i >= 0 and ends[i] < end:
                i -= 1
        out.append(i)
    return out


def complexity(functions: Sequence, conditions: Sequence, inline: Collection[str] = ()) -> list[int]:
    """lizard's cyclomatic complexity of each function: 1 + its own decision tokens, and those of the
    ``inline`` functions it holds (C# local functions, which lizard reads as part of the method)."""
    counts = [1] * len(functions)
    parents = _parents(functions) if any(f.type in inline for f in functions) else []
    for owner in owners(functions, conditions):
        while owner >= 0:
            counts[owner] += 1
            owner = parents[owner] if parents and functions[owner].type in inline else -1
    return counts


def _parents(functions: Sequence) -> list[int]:
    """For each function (sorted by start), the index of the innermost other function holding it, or -1."""
    out: list[int] = []
    stack: list[int] = []
    for i, f in enumerate(functions):
        while stack and functions[stack[-1]].end_byte < f.end_byte:
            stack.pop()
        out.append(stack[-1] if stack else -1)
        stack.append(i)
    return out


def decisions(caps: dict, spec: Spec) -> list:
    """The decision tokens lizard counts: a `?` only under ``spec.ternaries`` (not a nullable type or a
    wildcard), nothing inside an interpolation or an opaque node."""
    spans = _merged(caps.get("opaque", ()))
    out = []
    for token in caps.get("cond", []):
        if token.type == "?" and spec.ternaries and (token.parent is None or token.parent.type not in spec.ternaries):
            continue
        if spans and in_spans(spans, token.start_byte):
            continue
        out.append(token)
    return out


def _merged(nodes: Sequence) -> list[tuple[int, int]]:
    return merged_spans([(n.start_byte, n.end_byte) for n in nodes])


def merged_spans(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) byte spans, sorted, overlapping ones merged."""
    spans: list[tuple[int, int]] = []
    for start, end in sorted(pairs):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def in_spans(spans: list[tuple[int, int]], at: int) -> bool:
    i = bisect.bisect_right(spans, (at, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= at < spans[i][1]


def enclosing(node, types: Collection[str]):
    """The nearest ancestor of one of ``types``, or None."""
    parent = node.parent
    while parent is not None and parent.type not in types:
        parent = parent.parent
    return parent


_CATCH_ALL = frozenset({"", "Exception", "System.Exception", "Throwable", "java.lang.Exception", "java.lang.Throwable",
                        "any", "unknown", "error", "RuntimeException"})


def empty_catches(catches: Sequence, comment_types: Sequence[str]) -> tuple[tuple[int, str], ...]:
    """(line, kind) of catch clauses whose block holds no statement and no comment (a comment is a
    decision written down). kind: "all" (any error, or no type), "typed" (one named exception type), or
    "nested" (inside another catch: best-effort cleanup while the first error goes on)."""
    out = []
    for c in catches:
        body = c.child_by_field_name("body") or next((x for x in reversed(c.named_children) if x.type in
                                                      ("block", "statement_block")), None)
        if body is None:
            continue
        inner = [x for x in body.named_children if x.type not in ("statement_list",)] + [
            y for x in body.named_children if x.type == "statement_list" for y in x.named_children]
        if inner:
            continue
        if enclosing(c, (c.type,)) is not None:
            out.append((line(c), "nested"))
            continue
        out.append((line(c), "all" if _caught_type(c) in _CATCH_ALL else "typed"))
    return tuple(out)


def _caught_type(clause) -> str:
    """The exception type a catch clause names ("" for none: JavaScript, a bare C# ``catch``)."""
    for child in clause.named_children:
        if child.type in ("catch_declaration", "catch_formal_parameter"):
            kind = child.child_by_field_name("type") or next(
                (c for c in child.named_children if c.type in ("catch_type", "identifier", "qualified_name")), None)
            return dotted(text(kind)) if kind is not None else ""
        if child.type == "user_type":  # Kotlin: catch (e: IOException)
            return dotted(text(child))
        if child.type == "type_annotation":  # TypeScript: catch (e: unknown)
            return text(child).lstrip(": ").strip()
    return ""


def function_metrics(functions: Sequence, conditions: Sequence, name_of: Callable, is_method: Callable,
                     params_of: Callable, async_of: Callable, inline: Collection[str] = ()) -> tuple[FunctionMetric, ...]:
    ccs = complexity(functions, conditions, inline)
    out = []
    for node, cc in zip(functions, ccs):
        out.append(FunctionMetric(name=name_of(node), line=_first_line(node), end_line=node.end_point[0] + 1, cc=cc,
                                  is_method=is_method(node), is_async=async_of(node), args=params_of(node)))
    return tuple(out)


def _first_line(node) -> int:
    """Where a function starts for the reader (and lizard): its name, after annotations and modifiers."""
    if node.type in _NAMELESS:  # no name to look for (an arrow function's parameter is not one)
        return line(node)
    name = node.child_by_field_name("name") or next((c for c in node.named_children if c.type in ("identifier", "simple_identifier")), None)
    return line(name if name is not None else node)


_NAMELESS = frozenset({"arrow_function", "func_literal", "lambda_expression"})


def count_named(node, types: Sequence[str]) -> int:
    return sum(1 for c in node.named_children if c.type in types) if node is not None else 0


def analyse(language: str, path: str, data: bytes, spec: Spec, build: Callable[[dict, bytes], dict[str, Any]]) -> CodeFacts:
    """Parse once, query once, and let the language module's ``build`` read the captures (it gives
    the language's own fields of ``CodeFacts``; the ones every language reads alike are added here)."""
    grammar = grammar_of(language, path)
    tree = parse(grammar, data)
    caps = captures(grammar, spec, tree, data)
    return CodeFacts(**build(caps, data), raw=raw_metrics(data, caps.get("comment", ())),
                     error_line=first_error_line(tree), variables=variables_of(caps.get("var", ())),
                     throws=throws_of(caps.get("throw", ())),
                     catch_returns=catch_returns(caps.get("catch", ()), spec.functions))


_THROWN = re.compile(r"^throw\s+(?:new\s+)?([A-Za-z_$][\w$.]*)\s*[(<{]")
_NONE_VALUES = frozenset({"", "null", "nil", "undefined", "default", "None", "Optional.empty()", "Result.failure"})
_CODE_VALUE = re.compile(r"^(?:true|false|-?\d+|\"[^\"]*\"|'[^']*')$")
_RETURNS = ("return_statement", "return_expression")


def throws_of(nodes: Sequence) -> tuple[tuple[str, int], ...]:
    """(exception type, line) of each throw; the type is "" for ``throw;``, ``throw e`` or a thrown value."""
    out = []
    for node in nodes:
        m = _THROWN.match(text(node)[:200])
        out.append((dotted(m.group(1)) if m else "", line(node)))
    return tuple(out)


def catch_returns(catches: Sequence, function_types: Collection[str]) -> tuple[tuple[str, int], ...]:
    """Returns of null/None/default ("none") or of a constant ("code") inside catch blocks, nested
    functions left out: the error becomes a value the caller must check."""
    out = []
    for clause in catches:
        stack = list(clause.named_children)
        while stack:
            node = stack.pop()
            if node.type in function_types:
                continue
            if node.type in _RETURNS:
                value = text(node)[6:].strip().rstrip(";").strip()
                if value in _NONE_VALUES:
                    out.append(("none", line(node)))
                elif _CODE_VALUE.match(value):
                    out.append(("code", line(node)))
                continue
            stack.extend(node.named_children)
    return tuple(sorted(out, key=lambda r: r[1]))


_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_NAME_TYPES = frozenset({"identifier", "simple_identifier", "shorthand_property_identifier_pattern"})


def variables_of(nodes: Sequence) -> tuple[tuple[str, int], ...]:
    """(name, line) of each declared variable, field or parameter (destructuring patterns left out)."""
    out = []
    for node in nodes:
        own = node.child_by_field_name("name") or node.child_by_field_name("pattern")
        if own is None:
            left = node.child_by_field_name("left")  # Go's `a, err := ...`
            found = left.named_children if left is not None else [c for c in node.named_children if c.type in _NAME_TYPES][:1]
        else:
            found = [own]
        for name in found:
            value = text(name)
            if _IDENTIFIER.fullmatch(value) and value != "_":
                out.append((value, line(name)))
    return tuple(out)


def common(caps: dict, spec: Spec, data: bytes, *, name_of: Callable, class_of: Callable, conditions: Sequence | None = None,
           is_method: Callable = lambda n: False, params_of: Callable = lambda n: 0,
           async_of: Callable = lambda n: False) -> dict:
    """The fields every language reads the same way (functions, calls, strings, classes, annotations, catches)."""
    functions = caps.get("function", [])
    calls = [c for _, c in calls_of(caps.get("call", []), functions, spec, data)]
    calls += [c for _, c in calls_of(caps.get("new", []), functions, spec, data, new=True)]
    return dict(
        members=placed([(n, Call(dotted(text(n)), line(n))) for n in caps.get("member", [])], functions, spec, data),
        sql=built_sql(caps, spec, data),
        loops=loops_of(caps, spec, data),
        functions=function_metrics(functions, decisions(caps, spec) if conditions is None else conditions,
                                   name_of, is_method, params_of, async_of, spec.inline),
        classes=tuple(c for n in caps.get("class", []) if (c := class_of(n)) is not None),
        calls=tuple(sorted(calls, key=BY_LINE)),
        annotations=tuple((annotation_name(a), line(a)) for a in caps.get("annotation", [])),
        strings=strings_of(caps, data),
        empty_catches=empty_catches(caps.get("catch", []), spec.comments),
    )


def strings_of(caps: dict, data: bytes) -> tuple[tuple[str, int], ...]:
    """String literals that name something to connect to (a URL): the ones the signals read."""
    if b"://" not in data:  # most files: no literal can hold one
        return ()
    return tuple((string_value(s), line(s)) for s in caps.get("string", [])
                 if s.end_byte - s.start_byte < 400 and b"://" in s.text)


def annotation_name(node) -> str:
    """``@Bean``, ``@KafkaListener(topics = ...)``, ``[Authorize(Roles = "x")]`` -> the dotted name."""
    name = node.child_by_field_name("name")
    source = text(name) if name is not None else text(node).lstrip("@[")
    return dotted(re.split(r"[(\s]", source, maxsplit=1)[0]).removesuffix("Attribute")


def scope_name(node, scopes: Sequence[str], own: str) -> str:
    """``Outer.Inner.method``: the names of the enclosing types before the function's own name."""
    names = []
    parent = enclosing(node, scopes)
    while parent is not None:
        found = parent.child_by_field_name("name") or next((c for c in parent.named_children
                                                            if c.type in ("identifier", "type_identifier")), None)
        names.append(text(found) or "(anonymous)")
        parent = enclosing(parent, scopes)
    return ".".join([*reversed(names), own])


# --- what the checklist detectors read: where a call runs, SQL built at run time, loops ----------


def placed(pairs: Sequence[tuple], functions: Sequence, spec: Spec, data: bytes) -> list[Call]:
    """The calls of ``pairs`` ((node, Call)) with the function that holds each and the calls around it."""
    where = owners(functions, [n for n, _ in pairs])
    return [Call(c.name, c.line, c.first, c.new, c.args, func, _within(node, spec, data) if spec.nesting else "")
            for (node, c), func in zip(pairs, where)]


def _within(node, spec: Spec, data: bytes) -> str:
    found: list[str] = []
    parent, steps = node.parent, 0
    while parent is not None and parent.type not in spec.functions and steps < 40 and len(found) < 4:
        if parent.type in spec.calls or parent.type in spec.news:
            head = data[parent.start_byte: min(parent.end_byte, parent.start_byte + 60)].decode("utf-8", "replace")
            found.append(head.split("\n", 1)[0])
        parent, steps = parent.parent, steps + 1
    return "\n".join(found)


# A literal that opens an SQL statement (lower case too: Go and Kotlin code writes it so).
SQL_START = re.compile(r"^[\s(]*(?:select\s[\s\S]*?\bfrom\b|insert\s+into\s|update\s+[\w.\"`\[\]]+\s+set\s|"
                       r"delete\s+from\s|merge\s+into\s)", re.I)
_SQL_VERBS = (b"select", b"insert", b"update", b"delete", b"merge")
_FORMAT_HOLE = re.compile(r"%[-+ #0-9.]*[sqv]|\{\d+\}")
_KOTLIN_HOLE = re.compile(r"(?<!\\)\$[A-Za-z_{]")
_KOTLIN_WORD = re.compile(r"(?<!\\)\$(?:\{[^{}]{0,120}\}|[A-Za-z_]\w*)")
_ARGUMENT_WRAPPERS = frozenset({"argument", "value_argument", "arguments", "argument_list", "value_arguments", "call_suffix"})
_FORMATTERS = ("Sprintf", "format", "Format", "formatted", "Fprintf", "sprintf")


def built_sql(caps: dict, spec: Spec, data: bytes) -> tuple[BuiltSql, ...]:
    """SQL statements completed at run time: interpolated, concatenated or formatted with values."""
    functions = caps.get("function", [])
    found: list[tuple[object, BuiltSql]] = []
    # SQL_START needs one of these words, and in ASCII text no other letter folds onto them: a string
    # holding none of the file's occurrences is no SQL (five passes of bytes.find over the lower-cased file)
    verbs = _occurrences(data.lower(), _SQL_VERBS) if data.isascii() else None
    for node in caps.get("string", []):
        if node.end_byte - node.start_byte > 4000:
            continue
        if verbs is not None:
            i = bisect.bisect_left(verbs, node.start_byte)
            if i == len(verbs) or verbs[i] >= node.end_byte:
                continue
        value = string_value(node)
        if not SQL_START.match(value):
            continue
        holes = [c for c in node.named_children if c.type in spec.interpolations]
        if holes or (spec.dollar_holes and _KOTLIN_HOLE.search(value)):
            if node.parent is not None and node.parent.type in spec.calls:
                continue  # a tagged template (sql`...${x}`, Prisma's $queryRaw`...`): the tag makes the values parameters
            parts = tuple(text(h)[:120] for h in holes) or tuple(m.group(0) for m in _KOTLIN_WORD.finditer(value))
            found.append((node, BuiltSql(line(node), "interpolated", parts)))
            continue
        chain = _plus_chain(node)
        if chain is not None:
            others = tuple(text(x)[:120] for x in _leaves(chain) if x.type not in spec.strings or
                           any(c.type in spec.interpolations for c in x.named_children))
            if others:
                found.append((node, BuiltSql(line(node), "concatenated", others)))
            continue
        call = node.parent
        while call is not None and call.type in _ARGUMENT_WRAPPERS:
            call = call.parent
        if call is not None and call.type in spec.calls and _FORMAT_HOLE.search(value):
            callee = call.child_by_field_name("name") or call.child_by_field_name("function") or \
                (call.named_children[0] if call.named_children else None)
            if callee is not None and callee.id != node.id and dotted(text(callee)).rsplit(".", 1)[-1] in _FORMATTERS:
                args = arguments_of(call, spec)
                rest = tuple(text(a)[:120] for a in (args.named_children if args is not None else ())
                             if not a.start_byte <= node.start_byte < a.end_byte)
                found.append((node, BuiltSql(line(node), "formatted", rest)))
    where = owners(functions, [n for n, _ in found])
    return tuple(dataclasses.replace(b, func=f) for (_, b), f in zip(found, where))


def _occurrences(text: bytes, words: Sequence[bytes]) -> list[int]:
    """Where each of ``words`` starts in ``text``, every occurrence, sorted."""
    out = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            out.append(at)
            at = text.find(word, at + 1)
    return sorted(out)


def _is_plus(node) -> bool:
    return node is not None and node.type in ("binary_expression", "additive_expression") and \
        any(c.type == "+" for c in node.children)


def _plus_chain(node):
    """The outermost ``a + b + ...`` whose first operand is ``node``, or None."""
    top, child = None, node
    parent = node.parent
    while parent is not None and (_is_plus(parent) or parent.type == "parenthesized_expression"):
        if _is_plus(parent) and parent.named_children and parent.named_children[0].id != child.id and top is None:
            return None  # the literal is not the first operand: its statement starts elsewhere
        if _is_plus(parent):
            top = parent
        child, parent = parent, parent.parent
    return top


def _leaves(node) -> list:
    if _is_plus(node) or node.type == "parenthesized_expression":
        return [x for c in node.named_children for x in _leaves(c)]
    return [node]


def loops_of(caps: dict, spec: Spec, data: bytes) -> tuple[Loop, ...]:
    loops = caps.get("loop", [])
    if not loops:
        return ()
    catches = [c.start_byte for c in caps.get("catch", [])]
    where = owners(caps.get("function", []), loops)
    out = []
    for node, func in zip(loops, where):
        body = node.child_by_field_name("body") or (node.named_children[-1] if node.named_children else None)
        end = body.start_byte if body is not None and body.start_byte > node.start_byte else node.start_byte + 200
        header = data[node.start_byte: min(end, node.start_byte + 200)].decode("utf-8", "replace")
        inside = data[node.start_byte: node.end_byte]
        handles = any(node.start_byte < c < node.end_byte for c in catches) or b"err != nil" in inside
        out.append(Loop(line(node), node.end_point[0] + 1, " ".join(header.split()), handles, func))
    return tuple(out)
