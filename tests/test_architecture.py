"""The shape of the house (docs/architecture.md), checked on every ``make test``.

Layers and acyclic modules are import-linter contracts in pyproject.toml; complexity and
docstrings are ruff rules (C901, D); sizes, imports inside functions and private names used
across subpackages are read here from the source with ``ast``.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kpitools"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
# Modules that are mostly data (tables of constants), not logic: their size is their content.
DATA_TABLES: set[str] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    return str(found) if found.exists() else (shutil.which(name) or name)


def test_import_linter_contracts_hold():
    """Layers run one way and no subpackage has a cycle between its modules."""
    proc = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_is_clean_with_complexity_and_docstring_rules():
    proc = subprocess.run(
        [_tool("ruff"), "check", "kpitools", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _long_functions(tree: ast.AST) -> list[tuple[str, int]]:
    return [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_are_small(module):
    source = MODULES[module].read_text(encoding="utf-8")
    lines = source.count("\n") + 1
    if module not in DATA_TABLES:
        assert lines <= MAX_MODULE_LINES, f"{module}: {lines} lines; split it by job"
    assert _long_functions(ast.parse(source)) == []


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_kpitools_import_inside_a_function_and_no_private_name_across_subpackages(module):
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    inside, private, reasonless = [], [], []
    lines = path.read_text(encoding="utf-8").split("\n")
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is None:
                continue
            target = (
                _resolve(node, module, is_package)
                if isinstance(node, ast.ImportFrom)
                else node.names[0].name
                if isinstance(node, ast.Import)
                else ""
            )
            if target.split(".")[0] == "kpitools":
                inside.append(f"{func.name}: {target} (line {node.lineno})")
            elif target and "#" not in lines[node.lineno - 1]:
                reasonless.append(f"{func.name}: {target} (line {node.lineno})")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, is_package)
            if target.split(".")[0] != "kpitools" or _subpackage(target) == _subpackage(module):
                continue
            private += [
                f"{target}.{a.name}"
                for a in node.names
                if a.name.startswith("_") and not a.name.startswith("__")
            ]
    assert inside == [], "import at the top of the module (layers prevent cycles)"
    assert reasonless == [], "an import inside a function needs a one-line reason comment"
    assert private == [], "make it public in its subpackage, or keep it inside"


def test_import_kpitools_stays_light():
    code = (
        "import sys, kpitools; "
        "print(sorted(m for m in ('pandas', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
