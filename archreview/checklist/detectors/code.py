"""Checklist evidence in TypeScript/JavaScript, C#, Java, Kotlin and Go files (from their ``CodeFacts``).

Each rule is declared per language family (``.js`` for TypeScript and JavaScript,
``.cs``, ``.jvm`` for Java and Kotlin, ``.kt`` where only Kotlin has the shape,
``.go``), so that a rule reaches the client report only in the languages where
it was measured precise on real code (bench/README.md, bench/langcode/). The
shapes, all read from the tree, never from running anything:

* item 1, outbound HTTP with no timeout: ``fetch`` with no ``signal`` and axios
  calls or instances with no ``timeout`` (server code: files of a React/Vue/Svelte
  UI are not read for this); Go's ``http.Get``/``Post``/``Head``/``PostForm``, the
  ``http.DefaultClient`` and an ``http.Client{}`` literal without ``Timeout``;
  Spring's ``new RestTemplate()`` and an unconfigured ``WebClient``; C#'s
  ``Timeout = Timeout.InfiniteTimeSpan`` (HttpClient's own default is 100 s).
* item 2, retries without backoff: a loop whose header counts attempts or
  retries, whose body handles an error and which never waits; Polly's
  ``Retry``/``RetryAsync`` (no wait between attempts); axios-retry without a
  ``retryDelay`` (its default is no delay).
* item 3, ``except.swallowed``: a catch block with nothing in it, not even a
  comment. Catching everything and dropping it is reported at 0.8; one named
  exception type at 0.2 (often a deliberate ``TaskCanceledException``); an empty
  catch inside another catch is left out (a best-effort rollback while the first
  error is rethrown, as typeorm does throughout).
* item 4, commit then publish: in one function, a database commit or save
  followed by a publish to a broker or queue, in a file that has no outbox.
* item 7, blocking calls in async code: Node's synchronous fs, crypto, zlib and
  child_process calls inside an ``async`` function; ``.Result``, ``.Wait()``,
  ``.GetAwaiter().GetResult()`` and ``Thread.Sleep`` inside a C# ``async`` method;
  ``Thread.sleep``, ``runBlocking`` and Reactor's ``block()`` inside a Kotlin
  ``suspend`` function or coroutine builder, outside ``withContext(Dispatchers.IO)``.
* item 14, secrets: a literal that looks like a credential assigned to a name
  that means one (``apiKey = "..."``), or a key-shaped token (AWS, private key,
  vendor token, a password in a URL); in appsettings/properties files too.
* item 15, SQL built at run time: a literal opening an SQL statement that is
  interpolated, concatenated with a value or formatted with ``%s``/``{0}``
  (values that are ALL_CAPS constants are not counted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from archreview.checklist.detectors.security import literal_secret
from archreview.checklist.rules import make
from archreview.core.model import Finding
from archreview.core.redact import SECRET_HINT, VENDOR_TOKEN, redact, secret_name
from archreview.facts.javascript import is_builtin
from archreview.facts.treesitter import Call, CodeFacts
from archreview.sources.roles import role_of

FAMILY = {"typescript": "js", "javascript": "js", "csharp": "cs", "java": "jvm", "kotlin": "jvm", "go": "go"}
_SUFFIX_LANGUAGE = {".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
                    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
                    ".cs": "csharp", ".java": "java", ".kt": "kotlin", ".kts": "kotlin", ".go": "go"}


# a folder whose name starts with a dot holds tooling (code generators, editor and CI scripts), not the application
_HIDDEN = re.compile(r"(^|/)\.[^/]+/")


# end-to-end tests and translations: not code that runs in production
_NOT_SHIPPED = re.compile(r"(^|/)(cypress|playwright|e2e|i18n|locales?|translations|seeds?|seeders?)/"
                          r"|(^|/)seed[\w-]*\.\w+$", re.I)  # database seeding (documenso's seed-database.ts, SeedData.cs)
# a module of sample or demo applications (xxl-job-executor-samples/), looked for in the folders above any src/
# (org/springframework/samples/petclinic is a Java package, not a samples folder)
_SAMPLES = re.compile(r"(^|/)[\w.-]*?(?<![a-z])(samples?|examples?)/", re.I)
# scripts a web framework serves to the browser (Django/Flask static/, templates/, themes/, a site's htdocs/), the js/
# folder a site bundles its scripts from (openlibrary's plugins/openlibrary/js/, patchwork's htdocs/js/), service workers
_BROWSER = re.compile(r"(^|/)(static|assets|public|templates|themes|wwwroot|htdocs|js)/|service-worker\.js$", re.I)
# Node scripts a developer runs (release, changelog, rebase helpers: uptime-kuma's extra/), not the server
_JS_TOOLING = re.compile(r"(^|/)(tooling|extras?|release)/", re.I)


def language_of_path(path: str) -> str:
    dot = path.rfind(".")
    return _SUFFIX_LANGUAGE.get(path[dot:].lower(), "") if dot >= 0 else ""


def code_findings(path: str, code: CodeFacts, text: str, language: str = "") -> tuple[Finding, ...]:
    if role_of(path) != "production":
        return ()
    language = language or language_of_path(path)
    family = FAMILY.get(language, "")
    lines = text.splitlines()
    out = []
    shipped = not _HIDDEN.search(path) and not _NOT_SHIPPED.search(path) and \
        not _SAMPLES.search(path.split("/src/", 1)[0] + "/") and \
        not (family == "js" and (_BROWSER.search(path) or _JS_TOOLING.search(path)))
    for line, kind in code.empty_catches:
        if kind not in ("all", "typed") or not shipped:
            continue  # scripts served as files (jquery under wwwroot/lib, codemirror under static/) are not the code's own
        if _fallback_or_cleanup(lines, line):
            continue
        out.append(make("except.swallowed", path, line, f"empty_catch_{kind}", snippet=_snippet(lines, line)))
    if family and shipped:
        for rule, line, variant, fields in _found(family, language, path, code, text):
            suffix = "kt" if rule == "async.blocking" and family == "jvm" else family  # only Kotlin has coroutines
            out.append(make(f"{rule}.{suffix}", path, line, variant, snippet=_snippet(lines, line), **fields))
    seen: set[tuple[str, int]] = set()
    unique = []
    for f in out:
        if (f.rule, f.line) not in seen:
            seen.add((f.rule, f.line))
            unique.append(f)
    return tuple(sorted(unique, key=lambda f: (f.line, f.rule)))


# a try block that only parses, formats or cleans up: its failure has a fallback (the default the code set before)
# or nothing to lose; measured on the tuned repositories (JSON.parse with a default, new URL(), toLocaleString,
# a temp file deleted, an optional require), where these were a third of the empty catches
_FALLBACK = re.compile(r"JSON\.(?:parse|stringify)|new URL\(|\b(?:Try)?[Pp]arse\w*\(|toLocaleString|\brequire\(|"
                       r"Delete(?:File)?\(|\bunlink\w*\(|\.(?:close|dispose|Dispose)\(")
_TRY = re.compile(r"\btry\b\s*\{?\s*$")


def _fallback_or_cleanup(lines: list[str], catch_line: int) -> bool:
    """The ``try`` this empty catch closes holds no ``await`` and only parse/format/cleanup calls."""
    for start in range(catch_line - 2, max(catch_line - 10, 0) - 1, -1):
        if 0 <= start < len(lines) and _TRY.search(lines[start]):
            body = "\n".join(lines[start + 1: catch_line - 1])
            return "await" not in body and _FALLBACK.search(body) is not None
    return False


def _snippet(lines: list[str], line: int) -> str:
    return redact(lines[line - 1].strip()[:200]) if 0 < line <= len(lines) else ""


Found = tuple[str, int, str, dict]


def _found(family: str, language: str, path: str, code: CodeFacts, text: str) -> Iterator[Found]:
    yield from _timeouts(family, language, path, code, text)
    yield from _blocking(family, language, path, code, text)
    yield from _sql(code, text)
    yield from _secrets(text)
    yield from _retries(family, code)
    yield from _commit_then_publish(family, code, text)


def _tail(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _receiver(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else ""


def _imported(code: CodeFacts, package: str) -> bool:
    return any(source == package or source.startswith(package + ".") or source.startswith(package + "/")
               for _, source in code.aliases) or any(i.module == package for i in code.imports)


# --- item 1: outbound HTTP with no timeout ---------------------------------------------------

_UI = ("react", "react-dom", "vue", "svelte", "preact", "solid-js", "@angular/core", "next/router", "next/navigation")
# the folders a browser bundle lives in (a Next.js api/ route under them runs on the server)
_UI_FOLDER = re.compile(r"(^|/)(ui|web|webapp|www|frontend|client|extension|browser)/")
# a Next.js route handler under a UI folder runs on the server (pages/api/, app/api/); a hooks/api/ folder of a React
# app does not (Unleash's frontend/src/hooks/api/: found on the held-back set, fixed after it was scored)
_SERVER_ROUTE = re.compile(r"(^|/)(pages|app)/(?:\([^/]*\)/)*api/")  # app/(app)/api/: a Next.js route group
_AXIOS_CALLS = frozenset({"axios", "axios.get", "axios.post", "axios.put", "axios.patch", "axios.delete", "axios.head",
                          "axios.request", "axios.options"})
_GO_DEFAULT = frozenset({"http.Get", "http.Post", "http.PostForm", "http.Head", "http.DefaultClient.Do",
                         "http.DefaultClient.Get", "http.DefaultClient.Post", "http.DefaultClient.PostForm",
                         "http.DefaultClient.Head"})
_OWN_FETCH = re.compile(r"\bthis\.fetch\s*(?:<[^()]*>)?\s*\(")  # the class's own method (a wrapper), not the global fetch
_FETCH = re.compile(r"(?<![.\w])fetch\s*\(")
_INFINITE = re.compile(r"\bTimeout\s*=\s*(?:System\.Threading\.)?Timeout\.InfiniteTimeSpan\b")


# Globals only a browser has (a page's DOM, its storage, custom elements), and what only Node has: a file using the
# first and none of the second is browser code wherever it sits (openlibrary's components/lit/OpenLibraryOTP.js).
# ``document`` alone is a common server variable (a database document): only its DOM methods count.
# Each branch opens with its first letter and tests what precedes it from there (`w(?<![\w$.]w)indow` is
# `(?<![\w$.])window`), so the regex engine skips every position not holding one of those six letters: a
# leading lookbehind made it try all three branches at every character (0.7 s over typeorm's 3,600 files, now 0.2 s).
_BROWSER_GLOBALS = re.compile(r"(?:w(?<![\w$.]w)indow|l(?<![\w$.]l)ocalStorage|s(?<![\w$.]s)essionStorage|"
                              r"c(?<![\w$.]c)ustomElements)\.|"
                              r"d(?<![\w$.]d)ocument\.(?:getElementBy\w+|getElementsBy\w+|querySelector(?:All)?|"
                              r"createElement|body|cookie|documentElement|addEventListener|readyState)\b|"
                              r"e(?<!\we)xtends\s+(?:HTML\w*Element|LitElement)\b")
_NODE_ONLY = re.compile(r"\bprocess\.(?:env|argv|exit)\b|\brequire\s*\(|\b__dirname\b")
# fetch of a relative URL ('/merges', `/works/${id}.json`, './x'): Node's fetch rejects it, only a page resolves it
_RELATIVE_URL = re.compile(r"""^\(\s*['"`](?:/|\.\.?/)""")


def _browser_code(code: CodeFacts, text: str) -> bool:
    """Does the file use browser globals and nothing of Node (no builtin module, process, require)?"""
    return bool(_BROWSER_GLOBALS.search(text)) and not _NODE_ONLY.search(text) and \
        not any(is_builtin(i.module) for i in code.imports) and not any(is_builtin(s) for _, s in code.aliases)


def _timeouts(family: str, language: str, path: str, code: CodeFacts, text: str) -> Iterator[Found]:
    if family == "js":
        if path.lower().endswith((".tsx", ".jsx")) or any(_imported(code, ui) for ui in _UI) or \
                (_UI_FOLDER.search(path) and not _SERVER_ROUTE.search(path)) or _browser_code(code, text):
            return  # a browser waits on its user, not on a server worker
        axios = _imported(code, "axios") and "defaults.timeout" not in text
        lines = text.splitlines()
        for c in code.calls:
            own = 0 < c.line <= len(lines) and _OWN_FETCH.search(lines[c.line - 1]) and not _FETCH.search(lines[c.line - 1])
            if c.name in ("fetch", "globalThis.fetch") and not own and not re.search(r"\bsignal\b|timeout", c.args, re.I) \
                    and not _RELATIVE_URL.search(c.args) \
                    and not _forwards_options(code, c, lines) and not _timeout_in_scope(code, c, lines):
                yield "timeout.http", c.line, "fetch", {"call": "fetch"}
            elif axios and c.name in _AXIOS_CALLS and "timeout" not in c.args and \
                    not _forwards_options(code, c, lines) and not _timeout_in_scope(code, c, lines):
                yield "timeout.http", c.line, "", {"call": c.name}
            elif axios and c.name == "axios.create" and "timeout" not in c.args:
                yield "timeout.http", c.line, "client", {"call": c.name}
    elif family == "go":
        if not _imported(code, "net/http"):
            return
        for c in code.calls:
            if c.name in _GO_DEFAULT and not _request_has_deadline(code, c, text):
                yield "timeout.http", c.line, "", {"call": c.name}
            elif c.new and c.name == "http.Client" and "Timeout" not in c.args and not _timeout_set_later(text, c.line) \
                    and not _deadline_in_function(code, c, text):
                yield "timeout.http", c.line, "client", {"call": "http.Client{}"}
    elif family == "jvm":
        for c in code.calls:
            if c.name == "RestTemplate" and (c.new or language == "kotlin") and c.args.replace(" ", "") == "()":
                yield "timeout.http", c.line, "resttemplate", {"call": "new RestTemplate()"}
            elif c.name.endswith(".openConnection") and "setReadTimeout" not in text and "readTimeout" not in text:
                yield "timeout.http", c.line, "urlconnection", {"call": c.name}
            elif (c.name == "HttpClient.newHttpClient" or c.name.startswith("HttpClient.newBuilder") and
                  c.name.endswith(".build") and "connectTimeout" not in c.name) and ".timeout(" not in text:
                yield "timeout.http", c.line, "", {"call": c.name}
            elif c.name == "WebClient.create" or (c.name.startswith("WebClient.builder") and c.name.endswith(".build")
                                                  and "clientConnector" not in c.name):
                yield "timeout.http", c.line, "webclient", {"call": c.name}
    elif family == "cs":
        for number, line in enumerate(text.splitlines(), 1):
            if "InfiniteTimeSpan" in line and _INFINITE.search(line):
                yield "timeout.http", number, "infinite", {"call": "HttpClient"}


_LAST_ARG = re.compile(r",\s*([A-Za-z_$][\w$]*)\s*\)$", re.S)  # fetch(input, init), axios.post(url, data, config)
_ONLY_ARG = re.compile(r"^\(\s*([A-Za-z_$][\w$]*)\s*\)$")  # axios(config), axios.request(options): the config alone


def _options_arg(call: Call) -> re.Match[str] | None:
    """The identifier the call's options are passed in, if they are passed as a variable."""
    args = call.args.strip()
    return _ONLY_ARG.match(args) if call.name in ("axios", "axios.request") else _LAST_ARG.search(args)
_TIMEOUT_KEY = re.compile(r"\b(?:timeout|signal)\s*:|\.(?:timeout|signal)\s*=")


def _forwards_options(code: CodeFacts, call: Call, lines: list[str]) -> bool:
    """``fetch(input, init)`` or ``axios.request(options)`` where the options are a parameter of the enclosing
    function: a wrapper that passes on its caller's options (and AbortSignal), so the timeout is the caller's to set
    (ghostfolio's FetchService, uptime-kuma's makeAxiosRequest)."""
    m = _options_arg(call)
    if m is None or not 0 <= call.func < len(code.functions):
        return False
    start = code.functions[call.func].line
    header = " ".join(lines[start - 1: min(call.line - 1, start + 5)]).split("{", 1)[0]
    return re.search(rf"[(,]\s*{re.escape(m.group(1))}\s*[?:,)=]", header) is not None


def _timeout_in_scope(code: CodeFacts, call: Call, lines: list[str]) -> bool:
    """The options object the call is given was built earlier in the same function with a ``timeout:`` or
    ``signal:`` key (``const options = { url, timeout: 5000 }; await axios.request(options)``)."""
    if not 0 <= call.func < len(code.functions) or not _options_arg(call):
        return False
    start = code.functions[call.func].line
    return _TIMEOUT_KEY.search("\n".join(lines[start - 1: call.line - 1])) is not None


_DEADLINE = re.compile(r"context\.With(?:Timeout|Deadline)\(")


def _deadline_in_function(code: CodeFacts, call: Call, text: str) -> bool:
    """remark42's ``client := http.Client{}`` next to ``ctx, cancel := context.WithTimeout(...)``: the requests the
    function makes carry a deadline (found on the held-back set, fixed after it was scored)."""
    if not 0 <= call.func < len(code.functions):
        return False
    f = code.functions[call.func]
    return _DEADLINE.search("\n".join(text.splitlines()[f.line - 1: f.end_line])) is not None


_GO_ARG = re.compile(r"^\(\s*(\w+)\s*\)$")
_BOUNDED_CTX = re.compile(r"\b(\w+)\s*,\s*\w+\s*:?=\s*context\.With(?:Timeout|Deadline)(?:Cause)?\(")


def _request_has_deadline(code: CodeFacts, call: Call, text: str) -> bool:
    """``http.DefaultClient.Do(req)`` where ``req`` was built earlier in the function with
    ``http.NewRequestWithContext(ctx, ...)`` from a ``ctx`` that ``context.WithTimeout`` or ``WithDeadline``
    made, including when it rebinds the same name (dstack's ``ctx, cancel := context.WithTimeout(ctx,
    downloadTimeout)``): the request carries the deadline (held3, fixed after looking)."""
    m = _GO_ARG.match(call.args.strip())
    if m is None or not 0 <= call.func < len(code.functions):
        return False
    body = "\n".join(text.splitlines()[code.functions[call.func].line - 1: call.line - 1])
    bounded = set(_BOUNDED_CTX.findall(body))
    built = re.findall(rf"\b{re.escape(m.group(1))}\s*,\s*\w+\s*:?=\s*http\.NewRequestWithContext\(\s*(\w+)\s*,", body)
    return bool(built) and built[-1] in bounded


def _timeout_set_later(text: str, line: int) -> bool:
    """``c := &http.Client{}`` then ``c.Timeout = 15 * time.Second``."""
    lines = text.splitlines()
    m = re.match(r"\s*(?:var\s+)?([\w.]+)\s*:?=", lines[line - 1]) if 0 < line <= len(lines) else None
    if m is None:
        return False
    return re.search(rf"(?m)^\s*{re.escape(m.group(1))}\.Timeout\s*=", text) is not None


# --- item 7: blocking calls in async code ---------------------------------------------------

_NODE_SYNC = frozenset(
    "readFileSync writeFileSync appendFileSync readdirSync statSync lstatSync existsSync mkdirSync rmSync rmdirSync "
    "unlinkSync copyFileSync renameSync accessSync openSync readSync writeSync closeSync realpathSync cpSync "
    "execSync execFileSync spawnSync pbkdf2Sync scryptSync generateKeyPairSync randomFillSync "
    "gzipSync gunzipSync deflateSync inflateSync brotliCompressSync brotliDecompressSync unzipSync".split())
_TASKLIKE = re.compile(r"[Tt]ask|Async$")
_IO_CONTEXT = re.compile(r"Dispatchers\.IO|newSingleThreadContext|asCoroutineDispatcher")
_BUILDERS = re.compile(r"^(?:[\w.]*\.)?(?:launch|async)\b")


def _in_async(code: CodeFacts, call: Call) -> bool:
    return 0 <= call.func < len(code.functions) and code.functions[call.func].is_async


def _in_main(code: CodeFacts, call: Call) -> bool:
    """``async Task Main``: the process's entry point runs once, before any request; blocking there starves nothing."""
    return 0 <= call.func < len(code.functions) and _tail(code.functions[call.func].name) == "Main"


_COMPLETED = re.compile(r"\bWhenAny\b|\bWhenAll\b|\.IsCompleted(?:Successfully)?\b")


def _completed_before(code: CodeFacts, call: Call, text: str) -> bool:
    """The task was awaited through WhenAny/WhenAll or checked IsCompleted earlier in the method: reading it no
    longer blocks (jellyfin's Happy Eyeballs connect)."""
    start = code.functions[call.func].line if 0 <= call.func < len(code.functions) else call.line
    before = "\n".join(text.splitlines()[start - 1: call.line])
    task = _receiver(call.name).rsplit(".", 1)[-1]
    awaited = bool(task) and re.search(rf"\bawait\s+{re.escape(task)}\b", before) is not None  # Jackett's meta indexer
    return awaited or bool(_COMPLETED.search(before))


def _blocking(family: str, language: str, path: str, code: CodeFacts, text: str) -> Iterator[Found]:
    if family == "js":
        if _UI_FOLDER.search(path) and not _SERVER_ROUTE.search(path):
            return  # a browser bundle has no fs: Node calls there are its build tooling (halo's ui/packages/*-kit)
        for c in code.calls:
            if _tail(c.name) in _NODE_SYNC and _in_async(code, c):
                yield "async.blocking", c.line, "", {"call": c.name}
    elif family == "cs":
        for c in code.calls:
            if not _in_async(code, c) or _in_main(code, c):
                continue
            tail = _tail(c.name)
            if c.name == "Thread.Sleep":
                yield "async.blocking", c.line, "sleep", {"call": c.name}
            elif tail in ("Wait", "WaitAll", "WaitAny") and _receiver(c.name) and not c.name.startswith("Task.When"):
                yield "async.blocking", c.line, "", {"call": c.name + "()"}
            elif tail == "GetResult" and "GetAwaiter" in c.name and not _completed_before(code, c, text):
                yield "async.blocking", c.line, "", {"call": ".GetAwaiter().GetResult()"}
        for m in code.members:  # `.Result` of a task: the receiver says so (no types here: eventArgs.Result is not one)
            if _in_async(code, m) and not _in_main(code, m) and _TASKLIKE.search(_tail(_receiver(m.name))) and not _completed_before(code, m, text):
                yield "async.blocking", m.line, "", {"call": m.name}
    elif language == "kotlin":
        for c in code.calls:
            coroutine = _in_async(code, c) or any(_BUILDERS.match(w) for w in c.within.splitlines())
            if not coroutine or _IO_CONTEXT.search(c.within):
                continue
            if c.name in ("Thread.sleep", "runBlocking") or _receiver(c.name) and _tail(c.name) in (
                    "block", "blockFirst", "blockLast", "blockOptional"):  # a bare block() runs a lambda parameter
                yield "async.blocking", c.line, "", {"call": c.name}


# --- item 15: SQL built at run time ------------------------------------------------------------

# A value that cannot come from a request: a constant (ALL_CAPS, possibly qualified: Manga.COL_ID), a number,
# or C#'s nameof(...), which the compiler turns into a literal.
_CONSTANT = re.compile(r"(?:[\w]+\.)*[A-Z][A-Z0-9_]*|\d+|nameof\([\w.]+\)")
# EF Core turns the holes of an interpolated string into parameters in these methods.
_PARAMETERISED = re.compile(r"\b(?:FromSql|ExecuteSql|SqlQuery)\w*\s*(?:<[^>]*>)?\s*\(\s*\$")


# a part passed through an identifier quoting or escaping function (pq.QuoteIdentifier(field), escapeId(col))
_QUOTED = re.compile(r"(?:[\w]+\.)*(?:[Qq]uote\w*|\w*[Ee]scape\w*)\(.*\)", re.S)
# a name declared in the file with a literal string value: Go `const x = "..."` (alone or in a const block),
# C# `const string X = "..."`, Java/Kotlin `static final String X = "..."` / `const val X = "..."`
_CONST_DECL = re.compile(r"""\bconst\s+(?:val\s+|[\w<>\[\]?]+\s+)?([A-Za-z_]\w*)\s*(?::\s*\w+\s*)?=\s*[@$]?["'`]"""
                         r"""|\bfinal\s+String\s+([A-Za-z_]\w*)\s*=\s*["]""")
_CONST_BLOCK = re.compile(r"(?m)^const\s*\(\n(.*?)^\)", re.S)
_BLOCK_ENTRY = re.compile(r"""(?m)^\s*([A-Za-z_]\w*)\s*(?:\w+\s*)?=\s*["'`]""")


def _constant(part: str, declared: frozenset[str] = frozenset()) -> bool:
    value = part.strip().removeprefix("$").strip("{}").strip()
    return bool(_CONSTANT.fullmatch(value)) or value in declared or bool(_QUOTED.fullmatch(value))


def _declared_constants(text: str) -> frozenset[str]:
    names = {a or b for a, b in _CONST_DECL.findall(text)}
    for block in _CONST_BLOCK.findall(text):
        names.update(_BLOCK_ENTRY.findall(block))
    return frozenset(names)


def _sql(code: CodeFacts, text: str) -> Iterator[Found]:
    if "MigrationBuilder" in text:
        return  # an EF Core migration: its SQL runs once at deployment, with the migration's own values
    lines = text.splitlines()
    declared = _declared_constants(text) if code.sql else frozenset()
    for built in code.sql:
        if all(_constant(p, declared) for p in built.parts):
            continue  # constants put into a statement, not values
        if 0 < built.line <= len(lines) and _PARAMETERISED.search(lines[built.line - 1]):
            continue
        yield "injection.sql_built", built.line, built.how, {"parts": " ".join(built.parts)[:60] or "a value"}


# --- item 14: secrets in code and settings files ----------------------------------------------

_ASSIGNED = re.compile(r"""(?<![\w$])([A-Za-z_$][\w$]{0,80})["']?\s{0,10}(?:=|:=|:|=>)\s{0,10}[@$]?(["'`])"""
                       r"""([^"'`\n\\]{8,200})\2""")
_AWS = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])")
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_URL_PASSWORD = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{0,30}://[^\s:/@\"'`]{1,200}:([^\s@/{}$%<>\"'`]{1,200})@")
# letters only, in words: an error code or claim name ("incorrectPassword", "Jellyfin-Token"), not a credential
# "JWTPublicSecret" (a settings key), "Jellyfin-Token", "security.halo.run/access-token" (an annotation name)
_A_NAME = re.compile(r"[A-Za-z]+(?:[-_.:/][A-Za-z]+)*")
_PASSWORD_HASH = re.compile(r"\$(?:2[abxy]|argon2\w*|pbkdf2[-\w]*|scrypt)\$")  # a stored hash, not the password
_NOT_A_KEY = re.compile(r"[=:,;()\[\]]")  # an expression or a filter string (keys are base64/hex/tokens)
_COMMENT = re.compile(r"^\s*(?://|/?\*|#|<!--)")


def _pattern(line: str) -> str:
    if _AWS.search(line):
        return "an AWS access key"
    if _PEM.search(line):
        return "a private key"
    if VENDOR_TOKEN.search(line):
        return "a live API token"
    m = _URL_PASSWORD.search(line)
    if m and m.group(1).lower() not in ("password", "pass", "secret") and not m.group(1).startswith("*"):
        return "a password inside a URL"
    return ""


def _secrets(text: str) -> Iterator[Found]:
    # every line a secret rule can match holds a quote and a hint word (core.redact.SECRET_HINTS: the cheap filter)
    if SECRET_HINT.search(text.lower()) is None:  # no line of the file holds one (lower() maps each line alike)
        return
    yield from _secret_lines(text)


def _secret_lines(text: str) -> Iterator[Found]:
    for number, line in enumerate(text.split("\n"), 1):
        if not ('"' in line or "'" in line or "`" in line):
            continue
        if SECRET_HINT.search(line.lower()) is None:
            continue
        if len(line) > 2000 or _COMMENT.match(line):
            continue
        what = _pattern(line)
        if what:
            yield "secret.code", number, "pattern", {"what": what, "name": ""}
            continue
        for m in _ASSIGNED.finditer(line):
            if secret_name(m.group(1)) and m.group(3).isascii() and literal_secret(m.group(3)) \
                    and not _A_NAME.fullmatch(m.group(3)) and not _PASSWORD_HASH.match(m.group(3)) \
                    and not _NOT_A_KEY.search(m.group(3).rstrip("=")):
                yield "secret.code", number, "", {"what": "", "name": m.group(1)}
                break


_SETTINGS = re.compile(r"(^|/)(appsettings[^/]*\.json|application[^/]*\.properties|[^/]*\.properties)$", re.I)
_TEMPLATES = re.compile(r"(\.example|\.sample|\.template|\.dist)($|\.)|(^|/)(tests?|docs?|examples?|samples?)/", re.I)
# settings a developer's machine reads: appsettings.Development.json, application-dev.properties, *.local.*
_DEVELOPMENT = re.compile(r"[._-](development|dev|local)\.[^/]*$", re.I)
_LOCAL_SERVER = re.compile(r"(?:server|host|data source|addr|address)\s*=\s*(?:tcp:)?(?:localhost|127\.0\.0\.1|\(localdb\)|\.)"
                           r"(?:[;,:\\]|$)", re.I)
_PROPERTY = re.compile(r"^\s*([\w.\-\[\]]+)\s*[=:]\s*(.*?)\s*$")
_CONNECTION_PASSWORD = re.compile(r"(?:^|;)\s*(?:password|pwd)\s*=\s*([^;]+)", re.I)


def settings_findings(path: str, text: str) -> tuple[Finding, ...]:
    """Item 14 in .NET appsettings and Java .properties files: a credential written into the settings."""
    if not _SETTINGS.search(path) or _TEMPLATES.search(path) or _DEVELOPMENT.search(path) or \
            role_of(path) != "production" or len(text) > 500_000:
        return ()
    pairs: list[tuple[int, str, str]] = []
    lines = text.splitlines()
    if path.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            return ()
        for key, value in _json_pairs(data):
            number = next((i for i, line in enumerate(lines, 1) if f'"{key}"' in line and value[:20] in line), 1)
            pairs.append((number, key, value))
    else:
        for number, line in enumerate(lines, 1):
            m = _PROPERTY.match(line)
            if m and not line.lstrip().startswith(("#", "!")):
                pairs.append((number, m.group(1), m.group(2)))
    out = []
    for number, key, value in pairs:
        if "${" in value or "{{" in value or not value.isascii():
            continue  # a placeholder, or a translated message (halo's *_zh_TW.properties)
        conn = _CONNECTION_PASSWORD.search(value)
        if conn and _LOCAL_SERVER.search(value):
            continue  # a developer's own database (localhost, 127.0.0.1, LocalDB)
        secret = conn.group(1).strip() if conn else value if secret_name(key) else ""
        if secret and (literal_secret(secret) if not conn else
                       len(secret) >= 6 and not secret.isupper() and not secret.startswith(("$", "%", "<", "#{"))):
            out.append(make("secret.config", path, number, snippet=_snippet(lines, number), name=key))
    return tuple(out)


def _json_pairs(data: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(v, str):
                yield str(k), v
            else:
                yield from _json_pairs(v, str(k))
    elif isinstance(data, list):
        for v in data:
            yield from _json_pairs(v, prefix)


# --- item 2: retries without backoff ---------------------------------------------------------------

# a word, or the start of a camelCase part: `attempt`, `maxRetries`, `retryCount` (not `entries`)
_RETRY_HEADER = re.compile(r"(?:^|[^A-Za-z])(?:retr|attempt|tries|tried)|Retr|Attempt|Tries")
_WAITS = re.compile(r"sleep|delay|wait|backoff|settimeout|timer|pause|after|throttle", re.I)
_POLLY_RETRY = frozenset({"Retry", "RetryAsync", "RetryForever", "RetryForeverAsync"})


def _retries(family: str, code: CodeFacts) -> Iterator[Found]:
    for loop in code.loops:
        if not loop.handles_error or not _RETRY_HEADER.search(loop.header):
            continue
        inside = [c for c in code.calls if loop.line <= c.line <= loop.end_line]
        if not any(_WAITS.search(_tail(c.name)) for c in inside):
            yield "retry.no_backoff", loop.line, "", {"what": loop.header[:60]}
    if family == "cs":
        for c in code.calls:
            if _tail(c.name) in _POLLY_RETRY and ("Policy" in c.name or "Handle" in c.name):
                yield "retry.no_backoff", c.line, "polly", {"what": c.name}
    elif family == "js" and _imported(code, "axios-retry"):
        for c in code.calls:
            if c.name in ("axiosRetry", "axiosRetry.default") and "retryDelay" not in c.args:
                yield "retry.no_backoff", c.line, "axios_retry", {"what": c.name}


# --- item 4: commit then publish ----------------------------------------------------------------

_COMMITS = {
    "cs": (re.compile(r"^(SaveChanges|SaveChangesAsync|SaveEntitiesAsync|Commit|CommitAsync|CommitTransactionAsync)$"),
           re.compile(r"")),
    "jvm": (re.compile(r"^(save|saveAndFlush|saveAll|persist|commit|insert\w*|update\w*)$"),
            re.compile(r"repo|dao|mapper|session|entityManager|^em$|tx|transaction|connection", re.I)),
    "js": (re.compile(r"^(commit|commitTransaction|save|insert|create|createMany|update|upsert)$"),
           re.compile(r"repo|prisma|^tx$|trx|transaction|queryRunner|manager|knex|^db\b|model", re.I)),
    "go": (re.compile(r"^(Commit|Create|Save)$"), re.compile(r"tx|db|gorm|repo", re.I)),
}
_PUBLISHES = {
    "cs": (re.compile(r"^(Publish\w*|Produce|ProduceAsync|SendMessageAsync|SendMessagesAsync|BasicPublish|"
                      r"Send|SendAsync)$"),  # Publish\w*: pitstop's _messagePublisher.PublishMessageAsync
           re.compile(r"bus|endpoint|producer|publisher|queue|topic|channel|client|eventBus", re.I)),
    "jvm": (re.compile(r"^(send|sendDefault|sendMessage|convertAndSend|publish)$"),
            re.compile(r"kafka|rabbit|amqp|jms|stream|producer|publisher|channel|template|sender", re.I)),
    "js": (re.compile(r"^(send|publish|sendToQueue|add|emit|produce|sendMessage|publishMessage)$"),
           re.compile(r"producer|channel|queue|publisher|kafka|rabbit|amqp|sns|sqs|pubsub|topic|bus|broker|client$",
                      re.I)),  # client: a NestJS ClientProxy (this.client.emit), an AWS SDK v3 client (.send)
    "go": (re.compile(r"^(Publish|PublishWithContext|PublishAsync|WriteMessages|SendMessage|SendMessages|Produce|PublishMsg)$"),
           re.compile(r"")),
}
_IN_PROCESS = re.compile(r"mediat|eventEmitter|emitter|socket|io$|server|logger|res$|response|reply", re.I)


def _commit_then_publish(family: str, code: CodeFacts, text: str) -> Iterator[Found]:
    if "outbox" in text.lower():
        return
    commit_name, commit_receiver = _COMMITS[family]
    publish_name, publish_receiver = _PUBLISHES[family]

    def publishes(c: Call) -> bool:
        receiver = _receiver(c.name)
        return bool(publish_name.match(_tail(c.name)) and receiver and publish_receiver.search(receiver)
                    and not _IN_PROCESS.search(receiver))

    # one hop inside the file: a method of this class that publishes, called after the save
    # (mall's generateOrder: orderMapper.insert(order) ... sendDelayMessageCancelOrder(order.getId()))
    helpers = {_tail(code.functions[c.func].name): c.name for c in code.calls
               if 0 <= c.func < len(code.functions) and publishes(c)}
    first_commit: dict[int, Call] = {}
    for c in code.calls:
        if c.func < 0:
            continue
        receiver = _receiver(c.name)
        own = _tail(code.functions[c.func].name) if c.func < len(code.functions) else ""
        if commit_name.match(_tail(c.name)) and receiver and commit_receiver.search(receiver):
            first_commit.setdefault(c.func, c)
        elif c.func in first_commit and publishes(c):
            commit = first_commit.pop(c.func)
            yield "dual_write.commit_then_publish", c.line, "", {"effect": c.name, "commit": commit.line}
        elif c.func in first_commit and receiver in ("", "this") and _tail(c.name) in helpers and _tail(c.name) != own:
            commit = first_commit.pop(c.func)
            effect = f"{c.name}() (it calls {helpers[_tail(c.name)]})"
            yield "dual_write.commit_then_publish", c.line, "", {"effect": effect, "commit": commit.line}
