"""The packaging promises: conda and pip environments agree, a wheel carries its files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return requirement.strip().replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): _spec(r) for r in project["dependencies"]}
    wanted.update({_name(r): _spec(r) for r in project["optional-dependencies"]["test"]})

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and _name(dep) not in ("python", "pip"):
            conda[_name(dep)] = _spec(dep)

    assert conda == wanted


def test_pyproject_uses_lower_bounds_not_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        assert "==" not in requirement, requirement
        assert ">=" in requirement, f"{requirement} has no lower bound"


def test_every_public_name_resolves():
    import kpitools

    missing = [name for name in kpitools.__all__ if getattr(kpitools, name, None) is None]
    assert missing == []


def test_importing_kpitools_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, kpitools; "
        "print(sorted(m for m in ('pandas', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # pandas, scipy and matplotlib load when a function needs them, not on `import kpitools`
    assert out.stdout.strip() == "[]"


_INSTALLED = """\
import json, kpitools
from kpitools.data import library
from kpitools import report
from kpitools.whatif import app
print(json.dumps({
    "package": kpitools.__file__,
    "library": str(library.default_library_path()),
    "notebook": str(report.default_notebook_path()),
    "template": str(report.default_template_dir() / "index.html.j2"),
    "whatif": str(app.default_notebook()),
    "scheme": str(app.resolve_template("team_pool.yaml")),
    "kpis": len(library.load_library()),
}))
"""


def test_a_wheel_carries_templates_and_notebooks(tmp_path):
    import json
    import os
    import shutil
    import subprocess
    import sys

    from kpitools.data import load_library

    source = tmp_path / "src"  # built from a copy: an in-tree build would leave build/ behind
    for part in ("kpitools", "templates", "notebooks"):
        shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, source / part)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", str(source), "--no-deps", "-w", str(tmp_path / "dist")],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("kpitools-*.whl"))
    site = tmp_path / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    (source / "templates").rename(tmp_path / "moved")  # nothing may come from the source copy
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", _INSTALLED],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout)
    package = site / "kpitools"
    assert found == {
        "package": str(package / "__init__.py"),
        "library": str(package / "templates" / "kpi_library.yaml"),
        "notebook": str(package / "notebooks" / "03_client_report.ipynb"),
        "template": str(package / "templates" / "report" / "index.html.j2"),
        "whatif": str(package / "notebooks" / "02_scheme_whatif.ipynb"),
        "scheme": str(package / "templates" / "schemes" / "team_pool.yaml"),
        "kpis": len(load_library()),
    }
    assert all(Path(found[key]).is_file() for key in ("library", "notebook", "template"))
