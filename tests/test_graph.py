"""The module graph, cycles, package view, coupling and the DSM."""

from __future__ import annotations

from archreview.repo.graph import build_graph, dsm
from archreview.core.model import Import, Module


def _m(name: str, *targets: str, checking: tuple[str, ...] = ()) -> Module:
    imports = tuple(Import(t, n + 1, "internal") for n, t in enumerate(targets))
    imports += tuple(Import(t, 99, "internal", type_checking=True) for t in checking)
    return Module(name, name.replace(".", "/") + ".py", 10, imports)


def test_cycles_get_a_short_example_path():
    modules = [_m("p.a", "p.b"), _m("p.b", "p.c"), _m("p.c", "p.a", "p.d"), _m("p.d", "p.c"), _m("p.e", "p.a")]
    g = build_graph(modules, depth=1)
    assert g.cycles == (("p.a", "p.b", "p.c", "p.a"),)


def test_type_checking_imports_do_not_make_cycles():
    g = build_graph([_m("a", "b"), _m("b", checking=("a",))], depth=1)
    assert g.cycles == ()
    assert ("b", "a") in g.edges


def test_package_view_and_coupling():
    modules = [_m("web.views", "svc.orders", "svc.users"), _m("svc.orders", "db.session"), _m("svc.users", "db.session"),
               _m("db.session")]
    g = build_graph(modules, depth=1)
    assert g.package_edges == (("svc", "db", 2), ("web", "svc", 2))
    coupling = {c.package: (c.afferent, c.efferent, c.instability) for c in g.coupling}
    assert coupling == {"db": (1, 0, 0.0), "svc": (1, 1, 0.5), "web": (0, 1, 1.0)}


def test_dsm_orders_dependencies_before_dependents():
    modules = [_m("web.v", "svc.o"), _m("svc.o", "db.s"), _m("db.s")]
    labels, matrix = dsm(build_graph(modules, depth=1))
    assert labels == ("db", "svc", "web")
    assert matrix == ((0, 0, 0), (1, 0, 0), (0, 1, 0))
