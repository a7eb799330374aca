"""The layers of `hotline/`, checked on its import graph (`tests/importgraph.py`, read with `ast`).

Layers, bottom to top:
- foundation: settings, errors, logging and masking, the bus and its event types, storage, jobs,
  the audit log, the plug-in contract (`FOUNDATION`);
- the telephony engine: `hotline.sip` and `hotline.media` (`ENGINE`);
- domains: every other package (people, acd, ivr, calls, workorders, channels, knowledge, ...);
- the application: the web app, the CLI, demo data and start-up checks (`APP`).

Rules:
1. the engine imports only the engine and the foundation (no domain, no app);
2. the foundation imports only the foundation;
3. no domain (and nothing below) imports the app: a domain names its routers by dotted string;
4. no cycle between the top-level packages;
5. no cycle between the files (or subpackages) of any package.

Every import counts: at module level or inside a function alike, so a cycle cannot be hidden in a
lazy import. An import under `if TYPE_CHECKING:` counts too, unless it is listed in
`TYPE_CHECKING_ALLOWED` with its reason (for a type hint only; keep that list minimal: a Protocol
in the lower module is the usual way out).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.importgraph import Edge, cycles, scan, sibling_graphs

ROOT = Path(__file__).resolve().parents[1]

FOUNDATION = (
    "hotline",  # the package's own __init__ (its version)
    "hotline.config",
    "hotline.errors",
    "hotline.logs",
    "hotline.masking",
    "hotline.schemas",
    "hotline.exports",
    "hotline.bus",
    "hotline.events",
    "hotline.store",
    "hotline.jobs",
    "hotline.audit",
    "hotline.plugins",
    "hotline.redisbus",
)
ENGINE = ("hotline.sip", "hotline.media")
APP = ("hotline.web", "hotline.cli", "hotline.demo", "hotline.banner", "hotline.safety")

# Importers outside the layer their package is in, with why.
MIGRATIONS = "hotline.store.migrations.versions"
OUTSIDE_FOUNDATION = {
    # Each revision belongs to its domain's Alembic branch (branch_labels = domain) and may run that
    # domain's code for a data migration (e.g. reindexing work orders): a domain's, not storage's.
    MIGRATIONS: "domain migrations",
}

# (importer, imported) -> why a TYPE_CHECKING-only import is allowed. Empty today.
TYPE_CHECKING_ALLOWED: dict[tuple[str, str], str] = {}


def _within(name: str, prefixes: tuple[str, ...] | str) -> bool:
    """`name` is one of `prefixes` or inside one ("hotline" itself means only the root module)."""
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(name == p or (p != "hotline" and name.startswith(p + ".")) for p in prefixes)


def layer(module: str) -> str:
    if any(_within(module, p) for p in OUTSIDE_FOUNDATION):
        return "domain"
    if _within(module, FOUNDATION):
        return "foundation"
    if _within(module, ENGINE):
        return "engine"
    if _within(module, APP):
        return "app"
    return "domain"


MODULES, ALL_EDGES = scan(ROOT, "hotline")


def _counted(edges: list[Edge]) -> list[Edge]:
    return [e for e in edges if not (e.type_checking and (e.importer, e.imported) in TYPE_CHECKING_ALLOWED)]


EDGES = _counted(ALL_EDGES)


def _report(bad: list[Edge]) -> str:
    return "\n".join(e.where() for e in bad)


def test_the_graph_is_read() -> None:
    """Guards the rules below against passing on an empty or half-read graph."""
    assert len(MODULES) > 150
    pairs = {(e.importer, e.imported) for e in ALL_EDGES}
    assert ("hotline.sip.engine", "hotline.sip.inbound") in pairs
    assert ("hotline.calls.routing", "hotline.ivr.interpreter") in pairs
    # A lazy import inside a function is found (the CLI imports its commands' modules lazily).
    assert any(e.in_function for e in ALL_EDGES if e.importer == "hotline.cli")


def test_the_engine_imports_no_domain() -> None:
    bad = [
        e
        for e in EDGES
        if layer(e.importer) == "engine" and layer(e.imported) not in ("engine", "foundation")
    ]
    assert not bad, "the telephony engine must not import a domain or the app:\n" + _report(bad)


def test_foundation_imports_only_foundation() -> None:
    bad = [e for e in EDGES if layer(e.importer) == "foundation" and layer(e.imported) != "foundation"]
    assert not bad, "foundation modules must not import the engine, a domain or the app:\n" + _report(bad)


def test_nothing_below_the_app_imports_it() -> None:
    bad = [e for e in EDGES if layer(e.importer) != "app" and layer(e.imported) == "app"]
    assert not bad, (
        "domains (and the engine, the foundation) must not import the web app or CLI:\n" + _report(bad)
    )


def _unit(module: str) -> str:
    """A top-level package or module; domain migrations count as their own unit (see above)."""
    if _within(module, MIGRATIONS):
        return MIGRATIONS
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = {}
    for e in EDGES:
        a, b = _unit(e.importer), _unit(e.imported)
        if a != b:
            graph.setdefault(a, set()).add(b)
    found = cycles(graph)
    detail = [
        e.where()
        for c in found
        for e in EDGES
        if _unit(e.importer) in c and _unit(e.imported) in c and _unit(e.importer) != _unit(e.imported)
    ]
    assert not found, f"package cycles {found}:\n" + "\n".join(detail)


PACKAGES = sorted(m for m, path in MODULES.items() if m.count(".") == 1 and path.name == "__init__.py")


@pytest.mark.parametrize("package", PACKAGES)
def test_no_cycle_between_files_of_a_package(package: str) -> None:
    graphs = sibling_graphs(MODULES, [e for e in EDGES if _within(e.importer, package)])
    found = {parent: c for parent, g in graphs.items() if parent != "hotline" and (c := cycles(g))}
    detail = [
        e.where()
        for parent, comps in found.items()
        for comp in comps
        for e in EDGES
        if e.importer.startswith(parent + ".")
        and e.imported.startswith(parent + ".")
        and e.importer[len(parent) + 1 :].split(".")[0] in comp
        and e.imported[len(parent) + 1 :].split(".")[0] in comp
    ]
    assert not found, f"file cycles inside {package}: {found}\n" + "\n".join(detail)


def test_type_checking_allowances_are_still_needed() -> None:
    """An allowance whose import is gone is stale: remove it, so the list only shrinks."""
    present = {(e.importer, e.imported) for e in ALL_EDGES if e.type_checking}
    assert set(TYPE_CHECKING_ALLOWED) <= present, set(TYPE_CHECKING_ALLOWED) - present


def test_the_scanner_counts_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "toy"
    (pkg / "inner").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "inner" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from toy import b\n")
    (pkg / "b.py").write_text("def f():\n    from toy.inner import c\n    return c\n")
    (pkg / "inner" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import a\n"
    )
    modules, edges = scan(tmp_path, "toy")
    got = {(e.importer, e.imported, e.in_function, e.type_checking) for e in edges}
    assert got == {
        ("toy.a", "toy.b", False, False),
        ("toy.b", "toy.inner.c", True, False),
        ("toy.inner.c", "toy.a", False, True),
    }
    assert cycles(sibling_graphs(modules, edges)["toy"]) == [["a", "b", "inner"]]
