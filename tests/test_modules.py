"""Module naming and import resolution on small in-memory file sets."""

from __future__ import annotations

import pytest

from archreview.core.model import FileFacts, RawImport
from archreview.repo.modules import absolute, build_modules, name_modules


@pytest.mark.parametrize(
    ("paths", "path", "expected"),
    [
        (["shop/__init__.py", "shop/orders.py"], "shop/orders.py", ("shop.orders", False)),
        (["shop/__init__.py", "shop/orders.py"], "shop/__init__.py", ("shop", True)),
        (["src/shop/__init__.py", "src/shop/api/__init__.py", "src/shop/api/v1.py"], "src/shop/api/v1.py", ("shop.api.v1", False)),
        (["backend/app/__init__.py", "backend/app/db.py"], "backend/app/db.py", ("app.db", False)),
        (["scripts/run.py"], "scripts/run.py", ("scripts.run", False)),
        (["manage.py"], "manage.py", ("manage", False)),
    ],
)
def test_canonical_names(paths, path, expected):
    assert name_modules(paths).by_path[path] == expected


def test_namespace_folder_is_an_alias():
    naming = name_modules(["ns/pkg/__init__.py", "ns/pkg/mod.py"])
    assert naming.index["ns.pkg.mod"] == "pkg.mod"
    assert naming.index["pkg.mod"] == "pkg.mod"


@pytest.mark.parametrize(
    ("raw", "module", "is_package", "expected"),
    [
        (RawImport("os.path", 1), "a.b", False, ["os.path"]),
        (RawImport("", 1, 1, ("x",)), "a.b", False, ["a.x", "a"]),
        (RawImport("c", 1, 1, ("d",)), "a.b", False, ["a.c.d", "a.c"]),
        (RawImport("", 1, 1, ("x",)), "a.b", True, ["a.b.x", "a.b"]),
        (RawImport("z", 1, 2, ("y",)), "a.b.c", False, ["a.z.y", "a.z"]),
        (RawImport("m", 1, 0, ("*",)), "a", False, ["m"]),
    ],
)
def test_relative_imports_resolve_against_the_package(raw, module, is_package, expected):
    assert absolute(raw, module, is_package) == expected


def _facts(path: str, *imports: RawImport) -> FileFacts:
    return FileFacts(path, "python", lines=3, imports=imports)


def test_imports_are_classified():
    files = [
        _facts("app/__init__.py"),
        _facts("app/db.py"),
        _facts("app/svc/__init__.py"),
        _facts(
            "app/svc/orders.py",
            RawImport("", 2, 2, ("db",)),
            RawImport("json", 1),
            RawImport("yaml", 3),
            RawImport("PIL.Image", 4),
            RawImport("app.svc", 5, 0, ("missing_name",)),
            RawImport("typing", 6, 0, ("TYPE_CHECKING",)),
            RawImport("app", 7, 0, ("db",), type_checking=True),
        ),
    ]
    _, modules = build_modules(files)
    orders = next(m for m in modules if m.name == "app.svc.orders")
    got = {(i.line, i.target, i.category, i.distribution) for i in orders.imports}
    assert got == {
        (2, "app.db", "internal", None),
        (1, "json", "stdlib", None),
        (3, "yaml", "third_party", "pyyaml"),
        (4, "PIL", "third_party", "pillow"),
        (5, "app.svc", "internal", None),
        (6, "typing", "stdlib", None),
        (7, "app.db", "internal", None),
    }
    assert [i.type_checking for i in orders.imports if i.line == 7] == [True]


def test_from_package_import_submodules_gives_one_edge_each():
    files = [_facts("p/__init__.py"), _facts("p/a.py"), _facts("p/b.py"), _facts("main.py", RawImport("p", 1, 0, ("a", "b")))]
    _, modules = build_modules(files)
    main = next(m for m in modules if m.name == "main")
    assert [i.target for i in main.imports] == ["p.a", "p.b"]
