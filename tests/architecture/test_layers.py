"""The layers hold: which package may import which (docs/architecture.md), and no import circle.

`lint-imports` checks the contracts in pyproject.toml. Each check is also shown able to fail, on a
copy of the package with a violation planted in it.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.audit  # database-independent: CI runs it once


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    """lint-imports over the summit/ package at ``where``, with the contracts in its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(where), "COLUMNS": "300"}  # one line per contract
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=where, capture_output=True,
                          text=True, timeout=300, env=env)


def broken_contracts(output: str) -> list[str]:
    """The names of the contracts lint-imports reports broken ("NAME BROKEN", perhaps "(3 ignored imports)")."""
    return sorted(m[1] for m in re.finditer(r"^(.+) BROKEN(?: \(\d+ ignored imports?\))?$", output, re.MULTILINE))


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "summit", tmp_path / "summit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def plant(tree: Path, module: str, line: str) -> None:
    path = tree.joinpath(*module.split(".")).with_suffix(".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # planted\n", encoding="utf-8")


def test_the_contracts_hold():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"Contracts: [1-9]\d* kept, 0 broken", run.stdout), run.stdout


LAYERS, APP_FACTORY = "Layers:", "Only the worker"


@pytest.mark.parametrize("module, line, broken", [
    ("summit.web.public", "from ..api import serialise", [LAYERS]),              # web imports api
    ("summit.api.public", "from ..web import forms", [LAYERS]),                  # api imports web
    ("summit.services.visits.capacity", "from ...web import forms", [LAYERS]),   # a rule imports a face
    ("summit.models.delegate", "from ..services.visits import capacity", [LAYERS]),  # a table imports a rule
    ("summit.plumbing.urls", "from ..services.calendar import tokens", [LAYERS]),  # plumbing imports a rule
    ("summit.plumbing.database", "from .. import models", [LAYERS]),            # plumbing imports a table
    ("summit.cli", "from . import create_app", [APP_FACTORY]),                   # only the worker builds the app
    ("summit.services.badges.jobs", "from ... import create_app", [LAYERS, APP_FACTORY]),  # ... and above all no service
])
def test_a_planted_violation_breaks_its_contract(tmp_path, module, line, broken):
    tree = copy_of_the_package(tmp_path)
    plant(tree, module, line)
    run = lint_imports(tree)
    assert run.returncode == 1, run.stdout + run.stderr
    found = broken_contracts(run.stdout)
    assert len(found) == len(broken) and all(name.startswith(start) for name, start in zip(found, broken)), run.stdout
    assert f"{module} -> " in run.stdout  # the planted import is the one named


# ---------------------------------------------------------------- import circles

def module_level_imports(package_dir: Path) -> dict[str, set[str]]:
    """Every module of the package, and the package's modules it imports when it is itself imported.

    Counts the imports that run at import time: at the top of a module, inside module-level ``if``,
    ``try`` and ``with`` blocks and class bodies; not those inside functions, nor under
    ``if TYPE_CHECKING:``. ``from a import b`` counts as importing ``a.b`` when that is a module.
    """
    root = package_dir.name
    files = {}
    for path in package_dir.rglob("*.py"):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path

    def statements(body):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node
            elif isinstance(node, ast.If):
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    yield from statements(node.body)
                yield from statements(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                    yield from statements(block)
            elif isinstance(node, (ast.With, ast.ClassDef)):
                yield from statements(node.body)

    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in statements(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in files else source
                           for alias in node.names]
            for target in targets:
                while target and target not in files:  # `import a.b.c` of a name inside a module
                    target = target.rpartition(".")[0]
                if target and target != name and target.split(".")[0] == root:
                    imported.add(target)
        graph[name] = imported
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each set of modules that import one another in a circle (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            members = []
            while not members or members[-1] != module:
                members.append(stack.pop())
            if len(members) > 1:
                circles.append(sorted(members))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return circles


def test_no_module_imports_in_a_circle():
    graph = module_level_imports(ROOT / "summit")
    assert len(graph) > 80 and "summit.services.visits.capacity" in graph["summit.services.registration.delegates"]
    assert import_circles(graph) == []


def test_the_circle_check_finds_a_planted_circle(tmp_path):
    tree = copy_of_the_package(tmp_path)
    plant(tree, "summit.plumbing.errors", "from ..services.visits import capacity")  # capacity imports errors
    plant(tree, "summit.web.console.blueprint", "from . import audit")  # a view's own package, via its blueprint
    assert sorted(import_circles(module_level_imports(tree / "summit"))) == [
        ["summit.plumbing.errors", "summit.services.visits.capacity"],
        ["summit.web.console.audit", "summit.web.console.blueprint"],
    ]


# ---------------------------------------------------------------- the README's map of the tree

def layout_paths() -> list[str]:
    """The paths the README's Layout block names, in its first column ("a/, b/  what they are")."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    assert "(docs/architecture.md)" in section  # the layers, written down
    block = section.split("```", 2)[1]
    paths = []
    for line in block.splitlines():
        first_column = re.split(r"\s{2,}", line.strip())[0] if line and not line.startswith(" ") else ""
        paths += [word for word in first_column.replace(",", " ").split() if not word.startswith(("(", "rest)"))]
    return paths


def test_the_readme_layout_matches_the_tree():
    paths = layout_paths()
    assert [path for path in paths if not list(ROOT.glob(path.rstrip("/")))] == []  # nothing named that is gone
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    folders = {path.split("/")[0] for path in tracked if "/" in path}
    folders |= {"summit/" + path.split("/")[1] for path in tracked if path.startswith("summit/") and path.count("/") > 1}
    assert sorted(f for f in folders if not any(p.rstrip("/") == f or p.startswith(f + "/") for p in paths)) == []
