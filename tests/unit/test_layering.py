"""The folders say how data flows, and the imports keep to it.

ingestion (platforms → raw) is plain Python and imports none of the packages above it;
expectations and serving are plain Python beside each other, never Dagster; orchestration
wires them together; devtools (simulator, demo, benchmarks) is never imported by any
package that is deployed. Every import is read from the source (including imports inside
functions), so a late ``import dagster`` in a helper counts too. The deployed packages also
leave ``os.environ`` alone: what a run needs is passed to it (resources, dbt vars).
In dbt, the KPI models read marts, intermediate models, other KPI models and seeds, never
staging or raw.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from ingestion.settings import REPO_ROOT

DEPLOYED = ("ingestion", "expectations", "serving", "orchestration")
DAGSTER = ("dagster", "dagster_dbt", "dagster_webserver", "dagster_duckdb")
# package → the top-level modules it must never import
FORBIDDEN = {
    "ingestion": ("devtools", "tests", "orchestration", "serving", "expectations", *DAGSTER),
    "expectations": ("devtools", "tests", "orchestration", *DAGSTER),
    "serving": ("devtools", "tests", "orchestration", *DAGSTER),
    "orchestration": ("devtools", "tests"),
}
MUTATING = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module the source imports, absolute (relative imports resolved)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".")
                base = package[: len(package) - node.level + (1 if is_package else 0)]
                names.add(".".join([*base, *([node.module] if node.module else [])]))
            else:
                names.add(node.module or "")
    return names


def violations(package: str, files: list[Path]) -> list[str]:
    found = []
    for path in files:
        module = module_name(path)
        source = path.read_text(encoding="utf-8")
        for name in sorted(imported(source, module, path.name == "__init__.py")):
            if name.split(".")[0] in FORBIDDEN[package]:
                found.append(f"{path.relative_to(REPO_ROOT)} imports {name}")
    return found


def environ_writes(source: str) -> list[int]:
    """Lines that change os.environ (assign, delete, a mutating method) or call putenv."""

    def is_environ(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        )

    lines = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Subscript) and is_environ(t.value) for t in targets):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if (func.attr in MUTATING and is_environ(func.value)) or (
                func.attr in ("putenv", "unsetenv")
                and isinstance(func.value, ast.Name)
                and func.value.id == "os"
            ):
                lines.append(node.lineno)
    return sorted(lines)


def files_of(package: str) -> list[Path]:
    files = sorted((REPO_ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    return files


@pytest.mark.parametrize("package", DEPLOYED)
def test_deployed_packages_import_only_what_is_below_them(package: str):
    assert violations(package, files_of(package)) == []


@pytest.mark.parametrize("package", DEPLOYED)
def test_deployed_packages_leave_the_process_environment_alone(package: str):
    written = {
        str(path.relative_to(REPO_ROOT)): lines
        for path in files_of(package)
        if (lines := environ_writes(path.read_text(encoding="utf-8")))
    }
    assert written == {}


def test_the_walker_sees_imports_anywhere_and_environment_writes():
    source = """
import os
from devtools.simulator import harness
def late():
    import dagster as dg
    from orchestration.resources import Warehouse
    from .fingerprints import plan
    os.environ["X"] = "1"
    os.environ.update({})
    del os.environ["X"]
    os.putenv("X", "1")
    return os.environ.get("X"), dict(os.environ)
"""
    names = imported(source, "serving.publishing")
    assert {"devtools.simulator", "dagster", "orchestration.resources"} <= names
    assert "serving.fingerprints" in names
    assert environ_writes(source) == [8, 9, 10, 11]
    # the real tree: orchestration is Dagster wiring, and the simulator is in devtools
    assert any(
        n.startswith("dagster")
        for p in files_of("orchestration")
        for n in imported(p.read_text(encoding="utf-8"), module_name(p))
    )
    assert not (REPO_ROOT / "ingestion" / "simulator").exists()


def test_kpi_models_read_marts_and_intermediate_models_never_staging():
    manifest = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    kpi = [n for n in nodes.values() if n["resource_type"] == "model" and n["schema"] == "kpi"]
    assert len(kpi) >= 17
    below = {"mart", "intermediate", "kpi", "reference"}
    assert [
        f"{n['name']} reads {read}"
        for n in kpi
        for read in n["depends_on"]["nodes"]
        if read not in nodes or nodes[read]["schema"] not in below
    ] == []
