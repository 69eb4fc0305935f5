"""Conventions of one TypeScript/JavaScript, C#, Java, Kotlin or Go file (input to the fit test).

The same ``StyleFacts`` as a Python file (``archreview.facts.style``), read from
the facts the language module already extracted (``CodeFacts``): no second
parse. Naming is recorded per kind of name (function, method, type, variable)
and case, so the fit test can hold a change to each language's conventions and
to the codebase's own: camelCase functions and variables in TypeScript, Java,
Kotlin and Go (where an exported name is PascalCase), PascalCase methods in C#,
PascalCase types everywhere.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from archreview.core.model import ClassInfo, FunctionMetric, StyleFacts
from archreview.facts.style import SQL_STATEMENT
from archreview.facts.treesitter import CodeFacts

_UPPER = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_CAMEL = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$")
_PASCAL = re.compile(r"^[A-Z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$")
_WORD = re.compile(r"^[a-z][a-z0-9]*$")

# The cases each language's style guide allows, by kind of name. "word" is a single lower-case word (`run`),
# which camelCase and snake_case share; "upper" an ALL_CAPS constant or acronym.
CONVENTIONS: dict[str, dict[str, frozenset[str]]] = {
    "python": {"function": frozenset({"snake", "word"}), "method": frozenset({"snake", "word"}),
               "type": frozenset({"pascal", "upper"}), "variable": frozenset({"snake", "word", "upper"})},
    # a PascalCase function is a React component or a constructor function
    "typescript": {"function": frozenset({"camel", "word", "pascal"}), "method": frozenset({"camel", "word"}),
                   "type": frozenset({"pascal", "upper"}), "variable": frozenset({"camel", "word", "upper", "pascal"})},
    "java": {"function": frozenset({"camel", "word"}), "method": frozenset({"camel", "word"}),
             "type": frozenset({"pascal", "upper"}), "variable": frozenset({"camel", "word", "upper"})},
    # methods, local functions and types are PascalCase; locals, parameters and _fields camelCase
    "csharp": {"function": frozenset({"pascal"}), "method": frozenset({"pascal"}), "type": frozenset({"pascal", "upper"}),
               "variable": frozenset({"camel", "word", "pascal", "upper"})},
    # exported names are PascalCase, unexported ones camelCase: both are Go's mixedCaps
    "go": {"function": frozenset({"camel", "word", "pascal"}), "method": frozenset({"camel", "word", "pascal"}),
           "type": frozenset({"pascal", "camel", "word", "upper"}),
           "variable": frozenset({"camel", "word", "pascal", "upper"})},
}
CONVENTIONS["javascript"] = CONVENTIONS["typescript"]
CONVENTIONS["kotlin"] = CONVENTIONS["java"]

_PRINTS = {
    "typescript": ("console.log", "console.info", "console.warn", "console.error", "console.debug"),
    "csharp": ("Console.WriteLine", "Console.Write", "Console.Error.WriteLine", "Debug.WriteLine"),
    "java": ("System.out.println", "System.out.print", "System.err.println", "System.out.printf", "printStackTrace"),
    "kotlin": ("println", "print", "System.out.println", "System.err.println", "printStackTrace"),
    "go": ("fmt.Println", "fmt.Printf", "fmt.Print", "println", "print"),
}
_PRINTS["javascript"] = _PRINTS["typescript"]
# logging libraries by import (a prefix of the module, namespace or package imported)
_LOGGERS = (
    ("winston", "winston"), ("pino", "pino"), ("bunyan", "bunyan"), ("log4js", "log4js"), ("loglevel", "loglevel"),
    ("@nestjs/common", "nest-logger"),
    ("Microsoft.Extensions.Logging", "ilogger"), ("Serilog", "serilog"), ("NLog", "nlog"), ("log4net", "log4net"),
    ("org.slf4j", "slf4j"), ("mu.KotlinLogging", "kotlin-logging"), ("io.github.oshai.kotlinlogging", "kotlin-logging"),
    ("org.apache.logging.log4j", "log4j"), ("org.apache.log4j", "log4j"), ("java.util.logging", "java.util.logging"),
    ("org.apache.commons.logging", "commons-logging"),
    ("log/slog", "slog"), ("go.uber.org/zap", "zap"), ("github.com/sirupsen/logrus", "logrus"),
    ("github.com/rs/zerolog", "zerolog"), ("log", "log"),
)
_LOGGER_STARTS = tuple(sorted({prefix.split(".")[0].split("/")[0] for prefix, _ in _LOGGERS}))
_SQL_OPENINGS = ("select", "insert", "update", "delete", "create", "alter", "drop", "with")
_LOG_ANNOTATIONS = {"Slf4j": "slf4j", "Log4j2": "log4j", "CommonsLog": "commons-logging"}
# calls that open a database connection or client of their own
_ENGINES = frozenset({"PrismaClient", "DataSource", "createConnection", "createPool", "Pool", "knex",
                      "drizzle", "Sequelize", "MongoClient", "mongoose.connect", "SqlConnection", "NpgsqlConnection",
                      "MySqlConnection", "SqliteConnection", "sql.Open", "gorm.Open", "sqlx.Connect", "sqlx.Open",
                      "pgxpool.New", "pgx.Connect", "mongo.Connect", "DriverManager.getConnection",
                      "HikariDataSource", "DataSourceBuilder.create", "Database.connect"})
_ENGINE_NEW_ONLY = frozenset({"Pool", "DataSource"})  # too common a name to count without `new`
_ORM_CALLS = frozenset({"SaveChanges", "SaveChangesAsync", "getRepository", "persist", "flush", "createQueryBuilder",
                        "findMany", "findUnique", "findFirst", "AddAsync", "saveAndFlush"})
_EXCEPTION_BASES = ("Error", "Exception", "Throwable")
# the languages' and runtimes' own exception types: throwing one of these is not the codebase's own error
BUILTIN_EXCEPTIONS = frozenset({
    "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError",
    "Exception", "Throwable", "RuntimeException", "IllegalArgumentException", "IllegalStateException",
    "UnsupportedOperationException", "NullPointerException", "IndexOutOfBoundsException", "NoSuchElementException",
    "IOException", "UncheckedIOException", "ArithmeticException", "ClassCastException", "NumberFormatException",
    "ArgumentException", "ArgumentNullException", "ArgumentOutOfRangeException", "InvalidOperationException",
    "NotImplementedException", "NotSupportedException", "KeyNotFoundException", "FormatException",
    "ApplicationException", "SystemException", "TimeoutException", "OperationCanceledException",
    "UnauthorizedAccessException", "ObjectDisposedException", "NotImplementedError",
})


@functools.lru_cache(maxsize=4096)
def name_case(name: str) -> str:
    """"camel", "pascal", "snake", "upper", "word" or "other" (leading underscores and ``$`` ignored)."""
    bare = name.lstrip("_$")
    if not bare:
        return "other"
    for case, pattern in (("word", _WORD), ("upper", _UPPER), ("snake", _SNAKE), ("camel", _CAMEL),
                          ("pascal", _PASCAL)):
        if pattern.match(bare):
            return case
    if "_" not in bare and bare[0].isupper():
        return "pascal"  # acronyms inside: `HTTPServer`, `XMLParser`
    if "_" not in bare and bare[0].islower():
        return "camel"  # `parseHTTPResponse`
    return "other"


def naming(functions: Sequence[FunctionMetric], classes: Sequence[ClassInfo],
           variables: Iterable[tuple[str, int]] = ()) -> tuple[tuple[str, str, int, str, int], ...]:
    """(kind, case, count, first name, its line) for the names a file defines.

    A constructor named after its class (C#, Java) is the class's name, not a method's; anonymous
    functions and Kotlin's back-quoted test names have no name to judge.
    """
    types = {c.name for c in classes}
    found: list[tuple[str, str, int]] = [("type", c.name, c.line) for c in classes]
    for f in functions:
        own = f.name.rsplit(".", 1)[-1]
        if own in types or own.startswith(("(", "<")) or " " in own or "`" in own:
            continue
        found.append(("method" if f.is_method else "function", own, f.line))
    found += [("variable", n, line) for n, line in variables]
    counts: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], tuple[int, str]] = {}
    for kind, name, line in found:
        if not name or not name.strip("_$"):
            continue
        key = (kind, name_case(name))
        counts[key] += 1
        if key not in first or line < first[key][0]:
            first[key] = (line, name)
    return tuple(sorted((kind, case, n, first[(kind, case)][1], first[(kind, case)][0])
                        for (kind, case), n in counts.items()))


def code_style(language: str, code: CodeFacts) -> StyleFacts:
    """Data access, error handling, logging and naming of one file, from its extracted facts."""
    seen: dict[str, int] = {}
    family = "typescript" if language == "javascript" else language
    prints = _PRINTS.get(family, ())
    for imp in code.imports:
        if not imp.module.startswith(_LOGGER_STARTS):
            continue
        for prefix, label in _LOGGERS:
            if imp.module == prefix or imp.module.startswith((prefix + "/", prefix + ".")):
                _note(seen, "log:" + label, imp.line)
                break
    for name, line in code.annotations:
        if name in _LOG_ANNOTATIONS:
            _note(seen, "log:" + _LOG_ANNOTATIONS[name], line)
    for call in code.calls:
        name = call.name
        receiver, _, last = name.rpartition(".")
        if name in prints or (last == "printStackTrace" and "printStackTrace" in prints):
            _note(seen, "log:print", call.line)
        elif (name in _ENGINES or last in _ENGINES) and (call.new or last not in _ENGINE_NEW_ONLY):
            _note(seen, "data:own-engine", call.line)
        elif "epository" in receiver and "repository" in receiver.lower():
            _note(seen, "data:repository", call.line)
        elif last in _ORM_CALLS:
            _note(seen, "data:orm-session", call.line)
        first = call.first
        if len(first) >= 12 and first.lstrip()[:6].lower().startswith(_SQL_OPENINGS) and SQL_STATEMENT.match(first):
            _note(seen, "data:raw-sql", call.line)
    for built in code.sql:
        _note(seen, "data:raw-sql", built.line)
    raises = 0
    for kind, line in code.throws:
        if kind:  # a rethrow keeps whatever style the caller has
            raises += 1
            _note(seen, "error:raises-builtin" if kind.rsplit(".", 1)[-1] in BUILTIN_EXCEPTIONS
                  else "error:raises-custom", line)
    nones = codes = 0
    for kind, line in code.catch_returns:
        nones += kind == "none"
        codes += kind == "code"
        _note(seen, "error:returns-none" if kind == "none" else "error:returns-code", line)
    customs = []
    for c in code.classes:
        if c.name.endswith(("Repository", "Repo")):
            _note(seen, "data:repository", c.line)
        if any(b.rsplit(".", 1)[-1].endswith(_EXCEPTION_BASES) for b in c.bases) or (
                family == "go" and c.name.endswith(("Error", "Err"))):
            customs.append(c.name)
            _note(seen, "error:defines-exceptions", c.line)
    return StyleFacts(
        data_access=_labels(seen, "data"), error_handling=_labels(seen, "error"), logging=_labels(seen, "log"),
        custom_exceptions=tuple(sorted(customs)), lines=tuple(sorted(seen.items())), raises=raises,
        returns_none_on_error=nones, returns_code_on_error=codes,
        naming=naming(code.functions, code.classes, code.variables),
    )


def _note(seen: dict[str, int], label: str, line: int) -> None:
    if label not in seen or line < seen[label]:
        seen[label] = line


def _labels(seen: dict[str, int], family: str) -> tuple[str, ...]:
    return tuple(sorted(label.split(":", 1)[1] for label in seen if label.startswith(family + ":")))
