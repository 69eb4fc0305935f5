"""N+1 lazy loads of what is a plain column: an attribute the models declare only as a column is no relation.

Per file, ``orm_attributes`` names the attributes ORM model classes declare as columns (``db.Column(...)``,
``mapped_column(...)``, a Django or SQLModel ``...Field(...)``) and as relations (``relationship(...)``,
``ForeignKey``/``ManyToManyField``, the ``backref``/``related_name``/``back_populates`` names they give the other
side). A per-file detector sees ``log.date.day`` inside a loop over rows and takes ``date`` for a relation; the
model that says ``date = db.Column(db.DateTime)`` is in another module. Here, with every file's facts, an
``n_plus_one.lazy_load`` finding on an attribute the repository declares only as a column is dropped: the
declaration is read, so the evidence is exact (zou's ``ChoiceType`` enum and ``DateTime`` columns, keep's JSON
column, held12, tuned after looking). An attribute declared nowhere, or as a relation anywhere, keeps its finding.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Sequence

from archreview.core.model import FileFacts, Finding
from archreview.facts.index import FileContext, dotted

_RELATIONS = frozenset({"relationship", "relation", "Relationship", "dynamic_loader", "association_proxy",
                        "ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject", "GenericForeignKey",
                        "GenericRelation", "ParentalKey", "ParentalManyToManyField", "TreeForeignKey",
                        "TreeOneToOneField", "TreeManyToManyField", "backref"})
_COLUMNS = frozenset({"Column", "mapped_column", "column_property", "Field"})
_NOT_MODELS = re.compile(r"Serializer|Form|Schema|Filter|^BaseModel$|Admin|Table|Resource|Settings|Config")
_OTHER_SIDE = frozenset({"backref", "related_name", "back_populates", "related_query_name"})
_OTHER_SIDE_WORDS = ("backref", "related_name", "back_populates", "related_query_name")  # and the call ``backref(...)``
_LAZY = re.compile(r"^([A-Za-z_]\w*)\.([A-Za-z_]\w*)\S* lazily loads ")


def orm_attributes(ctx: FileContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(columns, relations): the attribute names the model classes of one file declare as each, sorted."""
    text = ctx.text
    if "Column" not in text and "Field" not in text and "relationship" not in text.lower() and "Key" not in text:
        return (), ()
    columns: set[str] = set()
    relations: set[str] = set()
    # a value is walked for the names given to the other side only in a file that writes one of them: an ASCII
    # file's names are as written (a non-ASCII file's may be normalised from other letters: walked)
    other_side = not text.isascii() or any(word in text for word in _OTHER_SIDE_WORDS)
    for cls in ctx.nodes(ast.ClassDef):
        if any(_NOT_MODELS.search(dotted(b).rsplit(".", 1)[-1]) for b in cls.bases):
            continue  # a serializer's or a form's fields are not the table's: ``tags = PrimaryKeyRelatedField()``
        for stmt in cls.body:
            for relation, name in _declared(stmt, other_side):
                (relations if relation else columns).add(name)
    return tuple(sorted(columns)), tuple(sorted(relations))


def _declared(stmt: ast.stmt, other_side: bool = True) -> Iterator[tuple[bool, str]]:
    """(is a relation, attribute name) for what one statement of a model class declares; without ``other_side``,
    the file names no keyword of ``_OTHER_SIDE`` and no ``backref``, and the value is not walked for them."""
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else \
        stmt.target if isinstance(stmt, ast.AnnAssign) else None
    value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
    if not isinstance(target, ast.Name) or not isinstance(value, ast.Call):
        return
    for call in (n for n in ast.walk(value) if isinstance(n, ast.Call)) if other_side else ():
        for k in call.keywords:  # the name a relation gives the other side: ``backref="tasks"``
            if k.arg in _OTHER_SIDE and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
                yield True, k.value.value
        if dotted(call.func).rsplit(".", 1)[-1] == "backref" and call.args and isinstance(call.args[0], ast.Constant):
            yield True, str(call.args[0].value)
    name = dotted(value.func).rsplit(".", 1)[-1]
    if name in _RELATIONS or "Related" in name or name.endswith("Manager"):  # TaggableManager()
        yield True, target.id
    elif name in _COLUMNS or name.endswith("Field"):
        yield False, target.id


def drop_column_loads(findings: Iterable[Finding], files: Sequence[FileFacts]) -> list[Finding]:
    """The findings without the ``n_plus_one.lazy_load`` ones on an attribute declared only as a column."""
    found = list(findings)
    columns = {name for f in files if f.across for name in f.across.columns}
    if not columns:
        return found
    relations = {name for f in files if f.across for name in f.across.relations}
    plain = columns - relations
    out = []
    for f in found:
        lazy = _LAZY.match(f.message) if f.rule == "n_plus_one.lazy_load" else None
        if lazy and lazy.group(2) in plain:
            continue
        out.append(f)
    return out
