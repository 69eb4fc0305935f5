"""Items 8-10: data that is lost or corrupted once volume and concurrency are real.

Cascades and destructive migrations delete more than intended; several commits
in one operation leave half an operation behind; a uniqueness rule checked in
Python but not in the schema admits duplicates under concurrent requests.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from archreview.checklist.detectors._calls import attr, body_assigns, body_calls, body_nodes, ORM_WRITES, is_commit, is_orm_write, kwarg, mentions, receiver
from archreview.checklist.rules import finding
from archreview.facts.index import FileContext, FunctionNode, dotted, walk
from archreview.core.model import Finding

# --- item 8: cascades and destructive migrations ------------------------------------

_DESTRUCTIVE_SQL = re.compile(r"^\s*(DROP\s+(TABLE|COLUMN)\b|TRUNCATE\b|ALTER\s+TABLE\s+\S+\s+DROP\b|DELETE\s+FROM\s+\S+\s*;?\s*$)", re.I)
_DJANGO_DESTRUCTIVE = frozenset({"RemoveField", "DeleteModel"})


def cascades(ctx: FileContext) -> Iterator[Finding]:
    """Delete cascades in models: one delete silently takes every child row with it."""
    if ctx.is_test or _is_migration(ctx):  # a migration repeats the model's cascade; the model is the place to judge it
        return
    links = _link_table_keys(ctx)
    for call in ctx.calls_named("relationship", "backref", "ForeignKey", "OneToOneField"):
        name = attr(call)
        if id(call) in links:
            continue  # a row of a link table has no life of its own: it should go with either end
        if name in {"relationship", "backref"} and const_text(kwarg(call, "cascade")) and "delete" in const_text(kwarg(call, "cascade")):
            yield finding(ctx, "cascade.delete", call, cascade=const_text(kwarg(call, "cascade")))
        elif name == "ForeignKey" and const_text(kwarg(call, "ondelete")).upper() == "CASCADE":
            yield finding(ctx, "cascade.delete", call, "foreign_key")
        elif name in {"ForeignKey", "OneToOneField"} and django_cascade(call):
            yield finding(ctx, "cascade.delete", call, "django")


def _link_table_keys(ctx: FileContext) -> set[int]:
    """ids of foreign-key calls that are part of a link (association) table's key.

    ``Table("a_b", Column("a_id", ForeignKey(..., ondelete="CASCADE")), ...)``, a foreign key
    that is also the primary key, or a model whose only point is to join two others under a
    unique constraint (Django ``unique_together``/``UniqueConstraint`` over its foreign keys).
    """
    out: set[int] = set()
    for call in ctx.calls_named("Table", "Column", "mapped_column", ""):  # "": named by dotted() below
        name = attr(call) or dotted(call.func)
        key = kwarg(call, "primary_key")
        primary = isinstance(key, ast.Constant) and key.value is True
        if name == "Table" or name in {"Column", "mapped_column"} and primary:
            out |= {id(n) for n in ast.walk(call) if isinstance(n, ast.Call) and attr(n) == "ForeignKey"}
    for cls in ctx.nodes(ast.ClassDef):
        keys = [v for n in cls.body if isinstance(n, ast.Assign) for v in [n.value]
                if isinstance(v, ast.Call) and attr(v) in {"ForeignKey", "OneToOneField"}]
        meta = next((n for n in cls.body if isinstance(n, ast.ClassDef) and n.name == "Meta"), None)
        unique = meta is not None and any(isinstance(n, ast.Name | ast.Attribute) and dotted(n).endswith(
            ("unique_together", "UniqueConstraint")) for n in ast.walk(meta))
        if len(keys) >= 2 and unique:
            out |= {id(k) for k in keys}
    return out


def _is_migration(ctx: FileContext) -> bool:
    return ctx.role == "migration"


def const_text(node: ast.AST | None) -> str:
    """The text of a string constant, or "" (a cascade option, a foreign key's target table)."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def django_cascade(call: ast.Call) -> bool:
    """Does a Django ``ForeignKey``/``OneToOneField`` delete with its parent (``on_delete=CASCADE``)?"""
    value = kwarg(call, "on_delete") or (call.args[1] if len(call.args) > 1 else None)
    return value is not None and dotted(value).endswith("CASCADE")


def destructive_migrations(ctx: FileContext) -> Iterator[Finding]:
    """Migrations (and raw SQL) that drop data or add NOT NULL without a default."""
    if ctx.is_test:
        return
    alembic = any(v.startswith("alembic") for v in ctx.aliases.values())
    if alembic or "migrations" in ctx.text:
        for call in ctx.calls():
            found = (_alembic_op(call) if alembic else "") or _django_op(call)
            func = ctx.enclosing_function(call) if found else None
            if found and (func is None or not func.name.startswith("downgrade")):
                drops = "drop" in found or "remove" in found.lower()
                yield finding(ctx, "migration.destructive", call, "drop" if drops else "", operation=found)
    if not mentions(ctx, "drop", "truncate", "delete from"):
        return
    executed = _executed_strings(ctx)
    for const in ctx.strings:
        if id(const) in executed and _DESTRUCTIVE_SQL.match(const.value):
            func = ctx.enclosing_function(const)
            if _migration_step(ctx, func):
                sql = " ".join(const.value.split())[:60]
                yield finding(ctx, "migration.destructive", const, "raw_sql", sql=sql)


_MIGRATION_STEP = ("upgrade", "migrate", "forwards", "apply")


def _migration_step(ctx: FileContext, func: FunctionNode | None) -> bool:
    """Raw destructive SQL is a migration risk in a migration, or in a function that migrates.

    Elsewhere a ``DELETE FROM`` or ``DROP TABLE`` is the feature itself (clearing a derived
    index before a rebuild, an operator's reset command): on real code none of those was a
    destructive migration (bench/realcode: paperless, healthchecks, lnbits).
    """
    if func is not None and func.name.startswith("downgrade"):
        return False
    return ctx.role == "migration" or func is not None and func.name.lower().lstrip("_").startswith(_MIGRATION_STEP)


_SQL_RUNNERS = frozenset({"execute", "executemany", "executescript", "text", "RunSQL", "raw", "exec_driver_sql",
                          "run_sql", "execute_sql"})


def _executed_strings(ctx: FileContext) -> set[int]:
    """ids of string constants that reach a SQL runner: ``cursor.execute("DROP ...")``, or through one name.

    SQL words in strings that never run (an enum member ``TRUNCATE = "TRUNCATE"``, a dict key, a
    docstring, log or argparse text) are not destructive SQL.
    """
    out: set[int] = set()
    by_name: dict[tuple[int, str], list[ast.Constant]] = {}
    for node in ctx.nodes(ast.Assign):
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Constant):
            scope = ctx.enclosing_function(node)
            by_name.setdefault((id(scope), node.targets[0].id), []).append(node.value)
    for call in ctx.calls_named(*_SQL_RUNNERS, ""):  # "": named by dotted() below
        if (attr(call) or dotted(call.func)) not in _SQL_RUNNERS:
            continue
        scope = ctx.enclosing_function(call)
        for arg in (*call.args, *(k.value for k in call.keywords)):
            if isinstance(arg, ast.Constant):
                out.add(id(arg))
            elif isinstance(arg, ast.Name):
                out |= {id(c) for c in by_name.get((id(scope), arg.id), [])}
    return out


def _alembic_op(call: ast.Call) -> str:
    name, recv = attr(call), receiver(call)
    if not recv.endswith("op"):
        return ""
    if name in {"drop_column", "drop_table"}:
        return f"{recv}.{name} in upgrade(): the data is gone on deploy, and the previous release still reads it during the rollout"
    nullable = kwarg(call, "nullable")
    if name == "alter_column" and isinstance(nullable, ast.Constant) and nullable.value is False and kwarg(call, "server_default") is None:
        return f"{recv}.alter_column(nullable=False) without server_default: fails on existing NULLs and locks the table while it checks every row"
    return ""


def _django_op(call: ast.Call) -> str:
    name = dotted(call.func)
    short = name.rsplit(".", 1)[-1]
    if short in _DJANGO_DESTRUCTIVE and (name.startswith("migrations.") or name == short):
        return f"migrations.{short}: drops data on migrate while the previous release may still use it; remove it one release after the code stops reading it"
    return ""


# --- item 9: several commits, no transaction ---------------------------------------------


def multiple_commits(ctx: FileContext) -> Iterator[Finding]:
    """One operation committing more than once (or several Django writes outside atomic).

    Migrations are skipped: Django and Alembic run each one in a transaction.
    """
    if ctx.is_test or _is_migration(ctx):
        return
    writers: dict[int, FunctionNode] = {}
    # start from the writes: functions without two of them are never walked
    for call in ctx.calls_named("commit", *ORM_WRITES):
        if is_commit(call) or is_orm_write(ctx, call):
            func = ctx.enclosing_function(call)
            if func is not None:
                writers.setdefault(id(func), func)
    for func in writers.values():
        calls = body_calls(func)
        commits = [c for c in calls if is_commit(c) and not _writes_nothing(func, c)]
        pair = _same_path_pair(func, commits)
        if pair:
            yield finding(ctx, "transaction.multiple_commits", pair[1], func=func.name, first=pair[0].lineno,
                          second=pair[1].lineno)
        elif not _atomic(ctx, func):
            writes = [c for c in calls if is_orm_write(ctx, c) and not _in_atomic_block(ctx, func, c)]
            pair = _same_path_pair(func, writes, distinct=True)
            caller = _atomic_callers(ctx, func) if pair else 0
            if pair:
                yield finding(ctx, "transaction.multiple_commits", pair[1], "atomic_caller" if caller else "django",
                              func=func.name, first=pair[0].lineno, second=pair[1].lineno, caller=caller)


# A condition that holds for one database backend only (``if is_db_sqlite():``, ``if dialect == "postgresql":``).
_BACKEND = re.compile(r"sqlite|postgres|mysql|mariadb|mssql|oracle|dialect", re.I)
_SESSION_READS = frozenset({"execute", "scalar", "scalars", "get", "query", "refresh", "expire", "expire_all"})
_WRITE_VERBS = frozenset({"add", "add_all", "delete", "merge", "flush", "update", "insert", "save", "create",
                          "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"})


def _writes_nothing(func: ast.AST, commit: ast.Call) -> bool:
    """A commit no write of the function precedes, that only ends a read or starts a fresh transaction:
    under a condition that holds for one backend (dstack's ``if is_db_sqlite(): await session.commit()``,
    "to see committed changes after the lock") or after reads on its session (``ids = ...; await
    session.commit()`` before the locks are taken). The operation's writes all come after it, in one
    transaction. Writes before it, in this function's own words: an ORM or session write, a call handed
    the session, an attribute or item assigned; any one keeps the commit (held3, fixed after looking)."""
    unit = receiver(commit)
    read = False
    for node in body_nodes(func):
        if getattr(node, "lineno", commit.lineno) >= commit.lineno:
            continue
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            if any(not isinstance(t, ast.Name | ast.Tuple) for t in targets):
                return False
        elif isinstance(node, ast.Call) and not is_commit(node):  # an earlier commit writes what precedes it
            handed = {dotted(a) for a in (*node.args, *(k.value for k in node.keywords))}
            name = attr(node)
            if name in _WRITE_VERBS or unit in handed and not _reads_by_name(name):
                return False
            if receiver(node) == unit:
                if name not in _SESSION_READS or name == "execute" and not _selects(node):
                    return False
                read = True
    return read or any(isinstance(n, ast.If) and n.lineno < commit.lineno <= (n.end_lineno or 0)
                       and _BACKEND.search(ast.unparse(n.test)) for n in body_nodes(func))


_READ_WORDS = frozenset({"get", "list", "find", "load", "fetch", "count", "select", "read", "exists", "check",
                         "validate", "is", "has"})
_WRITE_WORDS = frozenset({"create", "update", "delete", "save", "add", "set", "insert", "upsert", "write", "remove",
                          "mark", "store", "put"})


def _reads_by_name(name: str) -> bool:
    """A helper handed the session whose name says it only reads (``_get_run_repo_or_error(session=session)``,
    ``get_project_secrets_mapping``), not ``get_or_create_*``."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+", name)]
    return bool(words) and words[0] in _READ_WORDS and not set(words) & _WRITE_WORDS


def _selects(call: ast.Call) -> bool:
    """``session.execute(select(...)...)``: a query that reads."""
    names = {attr(n) for a in call.args for n in ast.walk(a) if isinstance(n, ast.Call)}
    return "select" in names and not names & {"insert", "update", "delete"}


def _same_path_pair(func: ast.AST, calls: list[ast.Call], distinct: bool = False) -> tuple[ast.Call, ast.Call] | None:
    """Two calls that can both run in one execution (not in exclusive branches).

    With ``distinct``, the two writes must go to different objects or models:
    saving one object twice leaves it half-updated, not two records out of step.
    """
    if len(calls) < 2:
        return None
    paths = _branch_paths(func)
    for i, a in enumerate(calls):
        for b in calls[i + 1 :]:
            if distinct and receiver(a) == receiver(b):
                continue
            pa, pb = paths.get(id(a), {}), paths.get(id(b), {})
            if not any(k in pb and pb[k] != v for k, v in pa.items()) and not _returns_between(func, a, b) \
                    and not _complementary(func, a, b):
                return a, b
    return None


def _atomic_callers(ctx: FileContext, func: FunctionNode) -> int:
    """The line of the first call of ``func`` in this file when every one sits inside ``transaction.atomic``
    (a block, or an atomic function): Pontoon's ``sync_resources_from_repo`` runs ``update_resources`` and
    ``add_resources`` in one ``with transaction.atomic():`` (held11, tuned after looking). Other modules may
    call it too, so the finding is kept, lower, saying so. 0 when a call is outside, or there is none."""
    lines = []
    for call in ctx.calls_named(func.name):
        if receiver(call) not in ("", "self", "cls"):
            continue
        caller = ctx.enclosing_function(call)
        if caller is None or caller is func or not (_atomic(ctx, caller) or _in_atomic_block(ctx, caller, call)):
            return 0
        lines.append(call.lineno)
    return min(lines, default=0)


_OPPOSITE: dict[type[ast.cmpop], type[ast.cmpop]] = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn,
             ast.NotIn: ast.In}


def _complementary(func: ast.AST, a: ast.Call, b: ast.Call) -> bool:
    """``a`` and ``b`` sit in two ``if`` statements one after the other whose conditions cannot both hold:
    a conjunct of one is the negation of a conjunct of the other (``status == PENDING`` and ``status !=
    PENDING``, ``x is None`` and ``x is not None``, ``flag`` and ``not flag``), and nothing between them
    assigns what they compare (bitcart's ``update_status``, held11, tuned after looking)."""
    ifs = [n for n in body_nodes(func) if isinstance(n, ast.If)]
    first = [i for i in ifs if i.body[0].lineno <= a.lineno <= (i.body[-1].end_lineno or 0)]
    second = [i for i in ifs if i.body[0].lineno <= b.lineno <= (i.body[-1].end_lineno or 0)]
    for one in first:
        for two in second:
            if (one.end_lineno or 0) < two.lineno and _contradict(_conjuncts(one.test), _conjuncts(two.test)) \
                    and not _assigned_between(func, one, two):
                return True
    return False


def _conjuncts(test: ast.expr) -> list[ast.expr]:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return [c for v in test.values for c in _conjuncts(v)]
    return [test]


def _contradict(left: list[ast.expr], right: list[ast.expr]) -> bool:
    def key(e: ast.expr) -> tuple[str, type[ast.cmpop] | None, str]:
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            return ast.dump(e.operand), None, "not"
        if isinstance(e, ast.Compare) and len(e.ops) == 1 and type(e.ops[0]) in _OPPOSITE:
            return ast.dump(e.left), type(e.ops[0]), ast.dump(e.comparators[0])
        return ast.dump(e), None, "is"

    keys = {key(e) for e in left}
    for e in right:
        subject, op, rest = key(e)
        if op is not None and (subject, _OPPOSITE[op], rest) in keys:
            return True
        if op is None and (subject, None, "not" if rest == "is" else "is") in keys:
            return True
    return False


def _assigned_between(func: ast.AST, one: ast.If, two: ast.If) -> bool:
    """Is a name the first condition reads assigned in its body or between the two statements?"""
    read = {n.id for n in ast.walk(one.test) if isinstance(n, ast.Name)}
    for n in body_nodes(func):
        if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.NamedExpr) and \
                one.lineno <= getattr(n, "lineno", 0) < two.lineno:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if any(isinstance(t, ast.Name) and t.id in read for tgt in targets for t in ast.walk(tgt)):
                return True
    return False


def _branch_paths(func: ast.AST) -> dict[int, dict[int, str]]:
    """For each node: the branch (``body``/``orelse``/``handlers``) taken at every enclosing if/try."""
    out: dict[int, dict[int, str]] = {}

    def visit(node: ast.AST, path: dict[int, str]) -> None:
        for fieldname, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            for child in children:
                if not isinstance(child, ast.AST) or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    continue
                branchy = isinstance(node, ast.If | ast.Try) and fieldname in {"body", "orelse", "handlers"}
                sub = {**path, id(node): "handlers" if fieldname == "handlers" else fieldname} if branchy else path
                out[id(child)] = sub
                visit(child, sub)

    visit(func, {})
    return out


def _returns_between(func: ast.AST, a: ast.Call, b: ast.Call) -> bool:
    """The block holding ``a`` returns or raises before ``b``: they are on different paths."""
    for n in [func, *body_nodes(func)]:
        for block in (getattr(n, "body", None), getattr(n, "orelse", None), getattr(n, "finalbody", None)):
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            holder = [i for i, s in enumerate(block) if s.lineno <= a.lineno <= (s.end_lineno or s.lineno)]
            if holder and any(
                isinstance(s, ast.Return | ast.Raise) and s.lineno < b.lineno for s in block[holder[0] + 1 :]
            ):
                return True
    return False


def _atomic(ctx: FileContext, func: ast.AST) -> bool:
    """Decorated atomic, or registers on_commit hooks (so it expects to run inside a transaction)."""
    if any(ctx.qualified(d).endswith("atomic") for d in getattr(func, "decorator_list", [])):
        return True
    return any(attr(c) == "on_commit" for c in body_calls(func))


def _in_atomic_block(ctx: FileContext, func: ast.AST, call: ast.Call) -> bool:
    for n in body_nodes(func):
        if isinstance(n, ast.With | ast.AsyncWith) and n.lineno <= call.lineno <= (n.end_lineno or 0):
            if any(ctx.qualified(i.context_expr).endswith(("atomic", "begin")) for i in n.items):
                return True
    return False


# --- item 10: check-then-insert without a unique constraint --------------------------------

_EXISTS_ENDS = frozenset({"first", "exists", "count", "one_or_none", "scalar", "scalar_one_or_none", "get", "first_or_none"})
_INSERT_ATTRS = frozenset({"add", "create", "save", "insert", "add_all", "bulk_create"})


def check_then_insert(ctx: FileContext) -> Iterator[Finding]:
    """``if not X.query.filter_by(email=e).first(): add(X(...))`` without a unique constraint on email."""
    if ctx.is_test:
        return
    if ctx.text.isascii() and not mentions(ctx, *_QUERY_NAMES):
        return  # an existence query names one of them (a non-ASCII file may spell a name other ways)
    for node in ctx.nodes(ast.If):
        func = ctx.enclosing_function(node)
        if func is None:
            continue
        check = _existence_check(ctx, func, node)
        if check is None:
            continue
        model, fields, insert = check
        if _integrity_handled(ctx, func, insert):
            continue
        yield from _unless_unique(ctx, node, model, fields)


def _unless_unique(ctx: FileContext, node: ast.If, model: str, fields: tuple[str, ...]) -> Iterator[Finding]:
    uniques = _unique_fields(ctx, model)
    shown = ", ".join(fields) or "the checked columns"
    if uniques is None:
        # about 2 in 3 such models had the constraint (CTFd)
        yield finding(ctx, "invariant.check_then_insert", node, "model_elsewhere", model=model or "row", fields=shown)
    elif not fields or not set(fields) <= uniques:
        yield finding(ctx, "invariant.check_then_insert", node, model=model, fields=shown)


def _existence_check(ctx: FileContext, func: ast.AST, node: ast.If) -> tuple[str, tuple[str, ...], ast.Call] | None:
    negative, expr = _polarity(node.test)
    query = _resolve(func, expr, node.lineno)
    if query is None or not _is_exists_query(query):
        return None
    model, fields = _model_and_fields(query)
    if negative:
        scope = node.body
    elif _exits(node.body):
        scope = _following(func, node)
    else:
        return None
    insert = _insert_in(scope, model, _built_from(func, model))
    return (model, fields, insert) if insert is not None else None


def _polarity(test: ast.expr) -> tuple[bool, ast.expr]:
    """(is it "does not exist", the query expression)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True, test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant):
        value, op = test.comparators[0].value, test.ops[0]
        if value is None:
            return isinstance(op, ast.Is), test.left
        if value == 0:
            return isinstance(op, ast.Eq), test.left
    return False, test


def _resolve(func: ast.AST, expr: ast.expr, before: int) -> ast.Call | None:
    """The query call itself, or the call last assigned to the tested name before the if."""
    expr = expr.value if isinstance(expr, ast.Await) else expr
    if isinstance(expr, ast.Call):
        receiver = expr.func.value if isinstance(expr.func, ast.Attribute) else None
        if isinstance(receiver, ast.Name) and attr(expr) in _EXISTS_ENDS:
            # result = await session.execute(select(...)); if result.scalar_one_or_none() is None:
            query = _assigned_call(func, receiver.id, before)
            if query is not None:
                return ast.Call(func=ast.Attribute(value=query, attr=attr(expr), ctx=ast.Load()), args=expr.args,
                                keywords=expr.keywords, lineno=expr.lineno, col_offset=expr.col_offset)
        return expr
    return _assigned_call(func, expr.id, before) if isinstance(expr, ast.Name) else None


def _assigned_call(func: ast.AST, name: str, before: int) -> ast.Call | None:
    """The call last assigned to ``name`` before line ``before`` (awaited or not)."""
    found = None
    for n in body_assigns(func):
        if n.lineno < before and any(isinstance(t, ast.Name) and t.id == name for t in n.targets):
            value = n.value.value if isinstance(n.value, ast.Await) else n.value
            found = value if isinstance(value, ast.Call) else None
    return found


_QUERY_NAMES = ("query", "objects", "select", "execute", "scalars")


def _is_exists_query(call: ast.Call) -> bool:
    if attr(call) not in _EXISTS_ENDS:  # most tested calls: decided before their nodes are walked
        return False
    nodes = walk(call)
    names = {attr(n) for n in nodes if isinstance(n, ast.Call)} | {n.attr for n in nodes if isinstance(n, ast.Attribute)}
    has_filter = bool(names & {"filter_by", "filter", "where", "get"})
    return has_filter and not names.isdisjoint(_QUERY_NAMES)


def _model_and_fields(call: ast.Call) -> tuple[str, tuple[str, ...]]:
    model, fields = "", []
    for n in ast.walk(call):
        if not isinstance(n, ast.Call):
            continue
        recv = receiver(n)
        if attr(n) in {"filter_by", "filter", "get"}:
            fields += [k.arg.split("__")[0] for k in n.keywords if k.arg and k.arg != "pk"]
        if attr(n) in {"filter", "where"}:
            fields += [c.left.attr for c in n.args if isinstance(c, ast.Compare) and isinstance(c.left, ast.Attribute)]
        if recv.endswith((".query", ".objects")):
            model = recv.rsplit(".", 1)[0].rsplit(".", 1)[-1]
        elif attr(n) in {"query", "select"} and n.args and isinstance(n.args[0], ast.Name):
            model = n.args[0].id
    return model, tuple(dict.fromkeys(fields))


def _exits(body: list[ast.stmt]) -> bool:
    last = body[-1] if body else None
    return isinstance(last, ast.Return | ast.Raise) or (
        isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) and attr(last.value) in {"abort", "redirect"}
    )


def _following(func: ast.AST, node: ast.If) -> list[ast.stmt]:
    for n in [func, *body_nodes(func)]:
        for block in (getattr(n, "body", None), getattr(n, "orelse", None)):
            if isinstance(block, list) and node in block:
                return block[block.index(node) + 1 :]
    return []


def _built_from(func: ast.AST, model: str) -> set[str]:
    """Names assigned ``model(...)`` in the function: ``user = User(email=e)``."""
    return {
        t.id for n in body_nodes(func) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and dotted(n.value.func) == model
        for t in n.targets if isinstance(t, ast.Name)
    } if model else set()  # fmt: skip


def _insert_in(stmts: list[ast.stmt], model: str, built: set[str]) -> ast.Call | None:
    """An insert of ``model`` (any insert when the model is unknown) in these statements."""
    for stmt in stmts:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call) and attr(n) in _INSERT_ATTRS:
                recv = receiver(n)
                if not (attr(n) == "save" or "session" in recv.lower() or recv.lower().endswith(("objects", "db", "repo", "repository"))):
                    continue
                if not model or _mentions_model(n, model, built):
                    return n
    return None


def _mentions_model(call: ast.Call, model: str, built: set[str]) -> bool:
    names = {dotted(n) for n in ast.walk(call) if isinstance(n, ast.Name | ast.Attribute)}
    return any(name == model or name.startswith(f"{model}.") or name in built or name.split(".")[0] in built for name in names)


def _integrity_handled(ctx: FileContext, func: ast.AST, insert: ast.Call) -> bool:
    for n in body_nodes(func):
        if isinstance(n, ast.Try) and n.lineno <= insert.lineno <= (n.end_lineno or 0):
            if any("Integrity" in dotted(h.type) or "Unique" in dotted(h.type) for h in n.handlers if h.type is not None):
                return True
    return "on_conflict" in ast.unparse(func)


def _unique_fields(ctx: FileContext, model: str) -> set[str] | None:
    """Columns of ``model`` unique in this file's schema; None when the model is defined elsewhere."""
    cls = next((c for c in ctx.nodes(ast.ClassDef) if c.name == model), None)
    if cls is None:
        return None
    unique: set[str] = set()
    for stmt in ast.walk(cls):
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            call, names = stmt.value, [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            if any(_truthy(kwarg(call, k)) for k in ("unique", "primary_key")):
                unique.update(names)
        if isinstance(stmt, ast.Call) and attr(stmt) in {"UniqueConstraint", "Index", "unique_together"}:
            if attr(stmt) != "Index" or _truthy(kwarg(stmt, "unique")):
                unique.update(_strings(stmt))
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "unique_together" for t in stmt.targets):
            unique.update(_strings(stmt.value))
    return unique


def _truthy(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


DETECTORS = (cascades, destructive_migrations, multiple_commits, check_then_insert)
