"""Who publishes and who subscribes to each catalogued topic, read from the source (no imports run).

An AST walk over `hotline/`: a publish site is `<...bus>.publish(event)`, `get_bus().publish(event)`
or `publish_on_commit(session, event)`, where `event` must be built right there (or assigned in the
same function) by a catalogued type or by a factory function of a `topics.py` module; anything
else (a topic string, a dict, an event from nowhere) is a problem the catalogue test reports. A
subscriber is a `subscribe`/`queue` call naming an event type or a topic pattern, a plug-in's
`subscriptions` returning (type or pattern, handler) pairs, or a module that names an event type
without building it (`SomeEvent.TOPIC` in the live socket's topic sets, a tuple of types). The
console's listeners are the topics quoted in `frontend/src`. `hotline.events.doc` turns this into
docs/events.md.
"""

from __future__ import annotations

import ast
import fnmatch
import inspect
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from hotline.events import BusEvent, catalogue

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Sites:
    publishers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    subscribers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    console: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    problems: list[str] = field(default_factory=list)


def _makers() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Event class name -> its topic, and topics.py factory name -> the topics it may build."""
    cat = catalogue()
    classes = {cls.__name__: {topic} for topic, cls in cat.items()}
    factories: dict[str, set[str]] = {}
    modules = {cls.__module__ for cls in cat.values()}
    for module_name in modules:
        module = __import__(module_name, fromlist=["_"])
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module_name:
                continue
            annotation = fn.__annotations__.get("return")  # a string: `from __future__ import annotations`
            returns = getattr(module, annotation, None) if isinstance(annotation, str) else annotation
            if isinstance(returns, type) and issubclass(returns, BusEvent):
                factories[name] = {t for t, cls in cat.items() if issubclass(cls, returns)}
    return classes, factories


def _is_bus(node: ast.expr) -> bool:
    text = ast.unparse(node)
    return text == "get_bus()" or text == "bus" or text.endswith(".bus") or text.endswith("_bus")


def _callee(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


class _Walker(ast.NodeVisitor):
    def __init__(self, where: str, sites: Sites, makers: dict[str, set[str]], topics: list[str]) -> None:
        self.where, self.sites, self.makers, self.topics = where, sites, makers, topics
        self.scopes: list[dict[str, set[str]]] = [{}]
        self.called: set[int] = set()  # ids of the nodes called (constructors: publishers' side)
        self.classes = {name for name, topics in makers.items() if name[:1].isupper()}

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        bound: dict[str, set[str]] = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign | ast.AnnAssign) and sub.value is not None:
                name = _callee(sub.value)
                if name in self.makers:
                    targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                    for target in targets:
                        if isinstance(target, ast.Name):
                            bound.setdefault(target.id, set()).update(self.makers[name])
        if node.name == "subscriptions":  # a plug-in's (event type or pattern, handler) pairs
            for sub in ast.walk(node):
                if isinstance(sub, ast.Tuple) and len(sub.elts) == 2:
                    self._subscribed(sub.lineno, sub.elts[0])
        self.scopes.append(bound)
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _resolve(self, node: ast.expr) -> set[str] | None:
        name = _callee(node)
        if name is not None:
            return self.makers.get(name)
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id]
        return None

    def _published(self, node: ast.Call, arg: ast.expr | None) -> None:
        topics = self._resolve(arg) if arg is not None else None
        if not topics:
            shown = ast.unparse(arg) if arg is not None else "nothing"
            self.sites.problems.append(
                f"{self.where}:{node.lineno}: publishes {shown[:60]!r}, not a catalogued event type"
            )
            return
        for topic in topics:
            self.sites.publishers[topic].add(self.where)

    def _subscribed(self, lineno: int, what: ast.expr) -> None:
        if isinstance(what, ast.Constant) and isinstance(what.value, str):
            if what.value == "*":
                return  # everything (the live socket filters by its own topic sets, read below)
            matched = fnmatch.filter(self.topics, what.value)
            if not matched:
                self.sites.problems.append(
                    f"{self.where}:{lineno}: subscribes to {what.value!r}, which matches no topic"
                )
            for topic in matched:
                self.sites.subscribers[topic].add(self.where)
            return
        name = (
            what.id if isinstance(what, ast.Name) else what.attr if isinstance(what, ast.Attribute) else None
        )
        for topic in self.makers.get(name or "", ()):
            self.sites.subscribers[topic].add(self.where)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        self.called.add(id(func))
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name == "publish_on_commit":
            self._published(node, node.args[1] if len(node.args) > 1 else None)
        elif isinstance(func, ast.Attribute) and func.attr == "publish":
            first = node.args[0] if node.args else None
            stringly = isinstance(first, ast.Constant | ast.JoinedStr | ast.Dict)
            if _is_bus(func.value) or stringly:
                self._published(node, first)
        elif self._subscribes(func) and node.args:
            self._subscribed(node.lineno, node.args[0])
        self.generic_visit(node)

    @staticmethod
    def _subscribes(func: ast.expr) -> bool:
        return isinstance(func, ast.Attribute) and func.attr in ("subscribe", "queue") and _is_bus(func.value)

    def visit_Name(self, node: ast.Name) -> None:
        # An event type named but not built here (a plug-in's tuple of types it subscribes to, an
        # isinstance check): this module reads that event.
        if node.id in self.classes and id(node) not in self.called and isinstance(node.ctx, ast.Load):
            for topic in self.makers[node.id]:
                self.sites.subscribers[topic].add(self.where)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in self.classes and id(node) not in self.called:  # `topics.WorkOrderDispatched`
            for topic in self.makers[node.attr]:
                self.sites.subscribers[topic].add(self.where)
        self.generic_visit(node)


def _skipped(path: Path, root: Path) -> bool:
    return path.name == "topics.py" or path.relative_to(root / "hotline").parts[0] == "events"


def scan(root: Path = ROOT) -> Sites:
    classes, factories = _makers()
    makers = {**classes, **factories}
    topics = list(catalogue())
    sites = Sites()
    for path in sorted((root / "hotline").rglob("*.py")):
        if _skipped(path, root):
            continue
        where = path.relative_to(root).as_posix()
        _Walker(where, sites, makers, topics).visit(ast.parse(path.read_text(), where))
    quoted = re.compile(r"""(?<!t\()['"]([a-z]+\.[a-z_]+)['"]""")  # not an i18n key: t('emergency.ended')
    known = set(topics)
    for path in sorted((root / "frontend" / "src").rglob("*")):
        if path.suffix in (".ts", ".vue"):
            for topic in quoted.findall(path.read_text()):
                if topic in known:
                    sites.console[topic].add(path.relative_to(root).as_posix())
    return sites
