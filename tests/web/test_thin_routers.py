"""Routers stay thin: a router module parses, checks permission, calls one domain function and
shapes the response. It never builds or runs SQL itself and never writes the audit log: both
belong to the domain function, which owns the transaction's rows (issue 13, "thin web").

Checked on the syntax tree, so a new router that slips a query in fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import hotline.web

WEB = Path(hotline.web.__file__).parent
MODULES = sorted([*(WEB / "routers").glob("*.py"), WEB / "live.py"])

# Only the session's type may come from SQLAlchemy (to annotate a helper that passes it on).
ALLOWED_SQLALCHEMY = {("sqlalchemy.orm", "Session")}
# Session methods that read or write rows; a router hands the session to the domain instead.
SESSION_CALLS = {
    "execute", "get", "scalar", "scalars", "query", "add", "add_all", "delete", "merge", "flush",
    "refresh", "bulk_save_objects",
}  # fmt: skip
# Audit writers: the domain function records its own change in the same transaction.
AUDIT_MODULES = {"hotline.audit.service", "hotline.audit"}


def _receiver(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def findings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    out: list[str] = []
    where = lambda n: f"{path.name}:{n.lineno}"  # noqa: E731
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "sqlalchemy":
                for alias in node.names:
                    if (node.module, alias.name) not in ALLOWED_SQLALCHEMY:
                        out.append(f"{where(node)} imports {alias.name} from {node.module}")
            if node.module in AUDIT_MODULES and any(a.name in ("record", "service") for a in node.names):
                out.append(f"{where(node)} imports the audit writer from {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy" or alias.name in AUDIT_MODULES:
                    out.append(f"{where(node)} imports {alias.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, receiver = node.func.attr, _receiver(node.func.value)
            if name in SESSION_CALLS and "session" in receiver.lower():
                out.append(f"{where(node)} calls {receiver}.{name}()")
            if name == "record" and receiver == "audit":
                out.append(f"{where(node)} writes the audit log")
    return out


def test_the_check_sees_sql_and_audit(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from sqlalchemy import select\nfrom hotline.audit.service import record\n"
        "def f(session):\n    session.execute(select(X))\n    session.add(1)\n    audit.record(session)\n"
    )
    assert len(findings(bad)) == 5


def test_routers_run_no_sql_and_write_no_audit() -> None:
    found = [f for path in MODULES for f in findings(path)]
    assert found == [], "move these into the owning domain's service/query functions:\n" + "\n".join(found)
