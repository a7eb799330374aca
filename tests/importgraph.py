"""The import graph of a Python package, read with `ast` (nothing is imported or run).

Every `import`/`from ... import` statement counts wherever it stands: at module level, inside a
function or method (a lazy import is still a dependency), inside `try:`; an import under
`if TYPE_CHECKING:` counts too but is marked `type_checking`, so a rule can name the few it
allows. `from a.b import c` is an edge to the module `a.b.c` when that module exists, else to
`a.b`; relative imports are resolved against the importing module. Only edges to modules of the
scanned package are kept.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    path: Path
    line: int
    in_function: bool
    type_checking: bool

    def where(self) -> str:
        kind = " (in a function)" if self.in_function else ""
        kind += " (TYPE_CHECKING)" if self.type_checking else ""
        return f"{self.path.as_posix()}:{self.line} {self.importer} -> {self.imported}{kind}"


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of `package` (under `root`) by dotted name; a package is named by its `__init__`."""
    out: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[ast.Import | ast.ImportFrom, bool, bool]] = []
        self._functions = 0
        self._type_checking = 0

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self._functions += 1
        self.generic_visit(node)
        self._functions -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self._type_checking += 1
            for child in node.body:
                self.visit(child)
            self._type_checking -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.found.append((node, self._functions > 0, self._type_checking > 0))

    visit_Import = visit_ImportFrom = _import


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    if node.level:
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    for alias in node.names:
        yield f"{source}.{alias.name}" if alias.name != "*" else source
        yield source  # fallback when the name is not a module (resolved by the caller)


def scan(root: Path, package: str) -> tuple[dict[str, Path], list[Edge]]:
    modules = module_names(root, package)
    edges: list[Edge] = []
    for name, path in modules.items():
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for node, in_function, type_checking in visitor.found:
            targets = list(_targets(node, name, path.name == "__init__.py"))
            if isinstance(node, ast.ImportFrom):
                # Pairs (source.name, source): the submodule when it exists, else the module itself.
                resolved = [
                    a if a in modules else b for a, b in zip(targets[::2], targets[1::2], strict=True)
                ]
            else:
                resolved = targets
            rel = path.relative_to(root)
            for target in dict.fromkeys(resolved):
                if target in modules:
                    edges.append(Edge(name, target, rel, node.lineno, in_function, type_checking))
    return modules, edges


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    nodes = set(graph) | {w for ws in graph.values() for w in ws}
    for start in sorted(nodes):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def sibling_graphs(modules: Iterable[str], edges: Iterable[Edge]) -> dict[str, dict[str, set[str]]]:
    """For every package, the graph between its direct children (modules and subpackages): an
    import from `p.a.x` of `p.b.y` is an edge a -> b inside `p`."""
    packages = set(modules)
    graphs: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in edges:
        a, b = e.importer.split("."), e.imported.split(".")
        common = 0
        while common < min(len(a), len(b)) and a[common] == b[common]:
            common += 1
        if common == len(a) or common == len(b):
            continue  # a package and its own member: no edge between siblings
        parent = ".".join(a[:common])
        if parent in packages:
            graphs[parent][a[common]].add(b[common])
    return graphs
