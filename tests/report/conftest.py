"""Shared fixtures of the report tests: small notebooks and their inputs, written once.

Reports run real notebooks in real kernels; a small purpose-built notebook keeps the tests
fast (the shipped report notebook is exercised in test_report_notebook.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from kpitools.report import file_sha256

#: A flat bonus: 1,000 × attainment against a fixed target of 100 (payouts easy to work by hand).
FLAT_SCHEME = """\
name: Flat bonus
period: month
on_target_pay: 1000
components:
  - kpi: revenue
    weight: 1
    target: {method: fixed, value: 100}
    curve: {points: [[0, 0], [2, 2]]}
"""

SETUP = """\
import warnings
warnings.filterwarnings("ignore")
import html, sys
import pandas as pd
import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display
from kpitools.report import write_xlsx
"""

PARAMETERS = """\
from typing import Optional
client: str = "Demo"  # client name
data: str = ""  # historical data
design: str = ""  # design file
schemes: list[str] = []  # scheme files
budget: Optional[float] = None  # per period
currency: str = "RUB"
seed: int = 42
branding: dict = {}
xlsx_path: str = ""
"""

LOAD = """\
df = pd.read_csv(data, dtype={"employee": str})
if not pd.api.types.is_numeric_dtype(df["actual"]):
    raise ValueError("column 'actual' of the data is not numeric")
display(Markdown(f"Report for **{html.escape(client)}**"))
print("a warning that must not reach the report", file=sys.stderr)
display(HTML(df.to_html(index=False)))
"""

FIGURE = """\
display(Markdown("## Payout distribution\\n\\nHow payouts spread."))
fig, ax = plt.subplots(figsize=(4, 2.5))
ax.hist(df["actual"])
plt.show()
"""

XLSX = """\
if xlsx_path:
    write_xlsx({"payouts": df, "metrics": df.describe().reset_index()}, xlsx_path,
               currency=currency)
"""


def _test_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    secret = nbformat.v4.new_code_cell("print('KERNEL', sys.executable)")
    secret.metadata["tags"] = ["remove_cell"]
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP),
        params,
        nbformat.v4.new_markdown_cell("## Executive summary\n\nThe short story."),
        secret,
        nbformat.v4.new_code_cell(LOAD),
        nbformat.v4.new_code_cell(FIGURE),
        nbformat.v4.new_code_cell(XLSX),
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def report_inputs(tmp_path_factory):
    """A small report notebook (``parameters`` cell, a figure, the workbook) and its inputs."""
    root = tmp_path_factory.mktemp("inputs")
    data = pd.DataFrame(
        {
            "employee": ["001", "=cmd()", "003"],
            "period": ["2025-01"] * 3,
            "kpi": ["revenue"] * 3,
            "actual": [1234567.5, 2000.0, 30.25],
            "target": [1_000_000.0, 2000.0, 30.0],
        }
    )
    data.to_csv(root / "data.csv", index=False)
    # good data to kpitools (2,000 with a thousands separator: 2000), which reports check
    # before the notebook runs; the notebook's plain pandas reads text and stops: a failure
    # only the notebook sees
    bad = data.astype({"actual": str})
    bad.loc[1, "actual"] = "2,000"
    bad.to_csv(root / "bad.csv", index=False)
    (root / "design.yaml").write_text("client: Acme\n")
    (root / "scheme.yaml").write_text(FLAT_SCHEME)
    return {
        "root": root,
        "notebook": _test_notebook(root / "report.ipynb"),
        "data": root / "data.csv",
        "bad": root / "bad.csv",
        "design": root / "design.yaml",
        "scheme": root / "scheme.yaml",
    }


# --------------------------------------------------------------------------- batches
BATCH_PARAMETERS = """\
from typing import Optional
client: str = "Demo"
data: str = ""
design: str = ""
schemes: list[str] = []
budget: Optional[float] = None
currency: str = "RUB"
branding: dict = {}
xlsx_path: str = ""
"""

BATCH_BODY = """\
import html
import pandas as pd
from IPython.display import HTML, Markdown, display
from kpitools.report import write_xlsx

df = pd.read_csv(data, dtype={"employee": str})
if not pd.api.types.is_numeric_dtype(df["actual"]):
    raise ValueError("column 'actual' of the data is not numeric")
display(Markdown(f"## Payouts of {html.escape(client)}"))
display(HTML(df.to_html(index=False)))
if xlsx_path:
    write_xlsx({"payouts": df}, xlsx_path, currency=currency)
"""


KERNEL = """\
import os, sys
print("KERNEL", os.getpid(), os.getppid(), "seaborn" in sys.modules, globals().get("LEAK"))
LEAK = client
"""


def _notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell(BATCH_PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    kernel = nbformat.v4.new_code_cell(KERNEL)
    kernel.metadata["tags"] = ["remove_cell"]
    nb.cells = [params, nbformat.v4.new_code_cell(BATCH_BODY), kernel]
    nbformat.write(nb, path)
    return path


def _write_inputs(root: Path, clients: list[dict], formats: str = "html,xlsx") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _notebook(root / "nb.ipynb")
    good = pd.DataFrame(
        {
            "employee": ["001", "002"],
            "period": ["2025-01", "2025-01"],
            "kpi": ["revenue", "revenue"],
            "actual": [1500.0, 2500.0],
        }
    )
    (root / "data").mkdir(exist_ok=True)
    good.to_csv(root / "data" / "good.csv", index=False)
    good.assign(actual=["1500", "lots"]).to_csv(root / "data" / "bad.csv", index=False)
    (root / "design.yaml").write_text("client: x\n")
    (root / "scheme.yaml").write_text("name: s\n")
    manifest = {
        "defaults": {
            "design": "design.yaml",
            "schemes": ["scheme.yaml"],
            "notebook": "nb.ipynb",
            "formats": formats,
            "currency": "EUR",
        },
        "clients": clients,
    }
    path = root / "manifest.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False))
    return path


def _complete(folder: Path) -> bool:
    """A client folder is complete when its manifest lists files that all match."""
    manifest = json.loads((folder / "manifest.json").read_text())
    return all(
        file_sha256(folder / item["file"]) == item["sha256"] for item in manifest["outputs"]
    ) and sorted(p.name for p in folder.iterdir()) == sorted(
        [item["file"] for item in manifest["outputs"]] + ["manifest.json"]
    )


@pytest.fixture(scope="session")
def batch_inputs():
    """``batch_inputs(root, clients, formats="html,xlsx")`` writes a batch's inputs.

    A small notebook, good and bad data, a design, a scheme and ``manifest.yaml`` (returned)
    with these clients and defaults for the rest.
    """
    return _write_inputs


@pytest.fixture(scope="session")
def complete_report():
    """``complete_report(folder)``: True when a client folder's manifest lists all its files."""
    return _complete


@pytest.fixture(scope="session")
def write_flat_scheme():
    """Write :data:`FLAT_SCHEME` to a path (folders made) and return the path."""

    def write(path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(FLAT_SCHEME)
        return path

    return write


@pytest.fixture(scope="session")
def write_two_units():
    """Write one January export of two business units to a CSV path and return the path:
    East a1 80, a2 140; West b1 150, b2 50 (revenue, a ``region`` column)."""

    def write(path: Path) -> Path:
        pd.DataFrame(
            {
                "employee": ["a1", "a2", "b1", "b2"],
                "period": ["2025-01"] * 4,
                "kpi": ["revenue"] * 4,
                "actual": [80.0, 140.0, 150.0, 50.0],
                "region": ["East", "East", "West", "West"],
            }
        ).to_csv(path, index=False)
        return path

    return write
