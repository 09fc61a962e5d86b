"""The house rules of README's layout section, checked by reading the code: one-way dependencies in
`network/`, the bridge as the only door to the index, and modules of a readable size.

Each check is a function of a source folder, so a planted violation in a throw-away tree proves it
fails when it should.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A module should stay under TARGET_LINES; the test fails over MAX_LINES, except for these, each with
# the reason it is allowed to be longer.
TARGET_LINES = 500
MAX_LINES = 600
LONG_MODULES: dict[str, str] = {}
# The bridge between the site's records and the index: the only modules of network/ that open one.
BRIDGE = ("network/indexing",)


def _module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(root: Path, package: str) -> dict[str, Path]:
    return {_module_name(root, p): p for p in sorted((root / package).rglob("*.py"))}


def _imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The known modules `path` imports (anywhere in it, late imports too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module → the modules importing it runs. Importing `a.b.c` runs the packages `a` and `a.b` too,
    unless the importer is itself inside them (a submodule importing its siblings)."""
    known = _modules(root, package)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        edges = set()
        for target in _imported(name, path, known):
            parts = target.split(".")
            for depth in range(1, len(parts) + 1):
                step = ".".join(parts[:depth])
                if step in known and step != name and not name.startswith(step + "."):
                    edges.add(step)
        graph[name] = edges
    return graph


def import_cycles(root: Path, package: str) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    graph = import_graph(root, package)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def importers_of(root: Path, folder: str, target: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Modules under `folder` (outside the `allowed` prefixes) that import `target` or a module in it."""
    bad = []
    for path in sorted((root / folder).rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(allowed):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            if any(n == target or n.startswith(target + ".") for n in names):
                bad.append(relative)
                break
    return bad


def index_openers(root: Path, folder: str) -> list[str]:
    """Modules under `folder` outside the bridge that could open an index: they import `open_index`
    or call it through a module."""
    bad = []
    for path in sorted((root / folder).rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(BRIDGE):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # Importing the opener (under any name) or calling it, e.g. search.open_index(None).
            imported = isinstance(node, ast.ImportFrom) and any(a.name == "open_index" for a in node.names)
            called = isinstance(node, ast.Attribute) and node.attr == "open_index"
            if imported or called:
                bad.append(relative)
                break
    return bad


def long_modules(root: Path, folders: tuple[str, ...], limit: int) -> dict[str, int]:
    found = {}
    for folder in folders:
        target = root / folder
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > limit:
                found[path.relative_to(root).as_posix()] = lines
    return found


APPLICATION = ("app.py", "network", "search")


# -- the rules on the project -------------------------------------------------------------------


def test_no_import_cycles_in_network():
    assert import_cycles(ROOT, "network") == []


def test_nothing_outside_the_views_imports_them():
    assert importers_of(ROOT, "network", "network.views", allowed=("network/views/",)) == []
    assert importers_of(ROOT, "search", "network") == []


def test_views_reach_the_index_only_through_the_services_and_the_bridge():
    assert importers_of(ROOT, "network/views", "search") == []


def test_only_the_bridge_opens_an_index():
    assert index_openers(ROOT, "network") == []


def test_modules_stay_readable():
    too_long = long_modules(ROOT, APPLICATION, MAX_LINES)
    assert {path: n for path, n in too_long.items() if path not in LONG_MODULES} == {}
    assert len(LONG_MODULES) <= 2, "at most two named exceptions"


# -- each check fails on a planted violation ------------------------------------------------------


def _plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_planted_cycle_through_a_package_is_found(tmp_path):
    root = _plant(
        tmp_path,
        {
            "network/__init__.py": "",
            "network/forms.py": "from network.views import labels\n",
            "network/views/__init__.py": "from network.views import needs\n",
            "network/views/labels.py": "",
            "network/views/needs.py": "from network import forms\n",
        },
    )
    assert import_cycles(root, "network") == [["network.forms", "network.views", "network.views.needs"]]
    (root / "network/forms.py").write_text("from network import labels\n", encoding="utf-8")
    (root / "network/labels.py").write_text("", encoding="utf-8")
    assert import_cycles(root, "network") == []


def test_a_late_import_cycle_is_found(tmp_path):
    root = _plant(
        tmp_path,
        {
            "network/__init__.py": "",
            "network/a.py": "def f():\n    from network.b import g\n",
            "network/b.py": "from network import a\n",
        },
    )
    assert import_cycles(root, "network") == [["network.a", "network.b"]]


def test_a_planted_upward_import_is_found(tmp_path):
    root = _plant(
        tmp_path,
        {
            "network/serializers.py": "from network.views.labels import STAGES\n",
            "network/views/api.py": "from network.views import labels\n",
            "search/index.py": "import network.models\n",
        },
    )
    assert importers_of(root, "network", "network.views", allowed=("network/views/",)) == [
        "network/serializers.py"
    ]
    assert importers_of(root, "search", "network") == ["search/index.py"]


def test_a_view_importing_search_is_found(tmp_path):
    root = _plant(tmp_path, {"network/views/search.py": "from search import SearchUnavailable\n"})
    assert importers_of(root, "network/views", "search") == ["network/views/search.py"]


def test_an_index_opened_outside_the_bridge_is_found(tmp_path):
    root = _plant(
        tmp_path,
        {
            "network/indexing/handle.py": "from search import open_index\nindex = open_index(folder)\n",
            "network/services/notices.py": "import search\nindex = search.open_index(None)\n",
            "network/services/alias.py": "from search import open_index as fresh\nindex = fresh(None)\n",
        },
    )
    assert index_openers(root, "network") == ["network/services/alias.py", "network/services/notices.py"]


@pytest.mark.parametrize("lines", [MAX_LINES + 1, 2 * MAX_LINES])
def test_a_long_module_is_found(tmp_path, lines):
    root = _plant(tmp_path, {"network/big.py": "x = 1\n" * lines, "network/small.py": "x = 1\n"})
    assert long_modules(root, ("network",), MAX_LINES) == {"network/big.py": lines}
