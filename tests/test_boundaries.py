"""The layers of STYLE.md, checked by reading the imports: a layer that reaches too far fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _offenders(folder: str, banned: tuple[str, ...]) -> list[str]:
    bad = []
    for path in _files(folder):
        for name in _imports(path):
            if any(name == b or name.startswith(b + ".") for b in banned):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


def test_search_package_knows_nothing_of_the_site():
    assert _files("search"), "search/ has no modules"
    assert (
        _offenders("search", ("network", "flask", "flask_sqlalchemy", "sqlalchemy", "wtforms", "app")) == []
    )


def test_only_search_imports_whoosh():
    for folder in ("network", "tests/network", "tests/e2e"):
        assert _offenders(folder, ("whoosh",)) == []


def test_views_never_commit_or_touch_the_index_directly():
    bad = []
    for path in _files("network/views"):
        source = path.read_text(encoding="utf-8")
        if "session.commit" in source or ".commit()" in source:
            bad.append(f"{path.name} commits")
        if "search.whoosh" in source or "import whoosh" in source:
            bad.append(f"{path.name} reaches into the index implementation")
    assert bad == []


def test_models_never_commit():
    assert _files("network/models"), "network/models has no modules"
    for path in _files("network/models"):
        assert "commit(" not in path.read_text(encoding="utf-8"), path.name


def test_services_do_not_read_the_request():
    banned = ("flask_login",)
    assert _offenders("network/services", banned) == []
    for path in _files("network/services"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert not names & {"request", "session", "current_user"}, path.name
