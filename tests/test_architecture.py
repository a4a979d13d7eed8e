"""The architecture is checked, not just drawn: the import contracts (pyproject.toml, import-linter) hold and
fail when broken, ruff is clean, the kernel's functions stay short, the core stays light, and the
education cap is checked in one place."""
from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "simulation"
# the modules of the Numba kernel (pyproject.toml's "The kernel's modules" contract, states.py apart: plain enums)
KERNEL_MODULES = ("counts", "kernel", "step", "allocation", "hazards", "places", "rules", "rng", "schema")

needs_import_linter = pytest.mark.skipif(importlib.util.find_spec("importlinter") is None,
                                         reason="import-linter is not installed: pip install -e '.[test]'")


def _lint_imports(cwd: Path, extra_path: Path | None = None) -> subprocess.CompletedProcess:
    env = None
    if extra_path is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(extra_path)}
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@needs_import_linter
def test_import_contracts_are_kept():
    r = _lint_imports(ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "broken" in r.stdout and " 0 broken" in r.stdout


@needs_import_linter
def test_breaking_a_contract_on_purpose_fails_it(tmp_path):
    """A copy of the package whose core imports a figure module: the layers contract must catch it."""
    copy = tmp_path / "simulation"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    states = copy / "core" / "states.py"
    states.write_text(states.read_text() + "\nfrom simulation.present import labels  # noqa: E402,F401\n")
    r = _lint_imports(tmp_path, extra_path=tmp_path)
    assert r.returncode != 0
    assert "simulation.core.states -> simulation.present.labels" in r.stdout


def test_every_top_level_module_is_in_the_layers_contract():
    """Each module directly in simulation/ has a layer: the commands share the top one, and simulation.cli
    (what the commands do on a fault or Ctrl-C) is a layer of its own just below them, as they all import it."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    listed = {name.strip() for layer in config["layers"] for name in re.split(r"[:|]", layer)}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert modules == listed - packages, \
        f"add to the layers: {sorted(modules - listed)}; remove: {sorted(listed - packages - modules)}"


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed: pip install -e '.[test]'")
def test_ruff_is_clean():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "simulation", "tests", "benchmarks"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]


def test_no_kernel_function_is_longer_than_60_lines():
    long = []
    for name in KERNEL_MODULES:
        tree = ast.parse((PACKAGE / "core" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 60:
                long.append(f"core/{name}.py:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, long


def test_the_education_cap_is_checked_in_one_place():
    """The cap's limit (3 + 1 years) is compared with the days used only in rules.education_cap_reached."""
    hits = []
    for path in (PACKAGE / "core").glob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if re.search(r"(cap_days|extension_days|limit)\s*[<>]=?|[<>]=?\s*(kp\.)?(cap_days|limit)\b", code):
                hits.append(f"{path.name}:{n}: {line.strip()}")
    assert len(hits) == 1 and hits[0].startswith("rules.py"), hits


def test_importing_the_core_loads_neither_mesa_nor_hydra_nor_pandas():
    """Every module of simulation.core, imported together (scipy is not checked: Numba itself loads it)."""
    core = sorted(p.stem for p in (PACKAGE / "core").glob("*.py") if p.stem != "__init__")
    assert {"kernel", "params", "population", "economy", "config"} <= set(core)
    code = textwrap.dedent(f"""
        import importlib, sys
        import simulation
        for name in {core!r}:
            importlib.import_module("simulation.core." + name)
        print(",".join(m for m in ("mesa", "hydra", "pandas", "matplotlib") if m in sys.modules))
    """)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_the_public_api_is_loaded_on_first_use():
    import simulation

    assert callable(simulation.run) and callable(simulation.load_config) and callable(simulation.write_outputs)
    with pytest.raises(AttributeError):
        simulation.no_such_thing  # noqa: B018
