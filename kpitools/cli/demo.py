"""``kpitools demo``: write the demo company's files, check its data, print its summary."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from .._util.format import number, text_table
from ..data import DataQualityReport, check, load_library
from ..demo import DEFAULT_SEED, DemoCompany, format_summary, make_demo_company
from ..errors import KpitoolsError
from .options import CONTEXT

__all__ = ["demo", "run_demo"]


@click.command(context_settings=CONTEXT)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="reports/demo",
    show_default=True,
    help="Folder for the demo company's files.",
)
def demo(out: str) -> None:
    """Generate the demo company, check its data and summarise it.

    \b
    Example:
      kpitools demo --out reports/demo
    """
    run_demo(out, echo=click.echo)


def run_demo(
    out: str | os.PathLike = "reports/demo",
    *,
    echo: Callable[[str], Any] = print,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Generate the demo company, write its files, check the data and print a summary.

    This is what ``make demo`` and ``kpitools demo`` run.

    Parameters
    ----------
    out : path, default "reports/demo"
        Output folder.
    echo : callable, default print
        Where the summary lines go (``click.echo`` from the command line).
    seed : int, default 2027
        Random seed.

    Returns
    -------
    dict
        ``company`` (:class:`~kpitools.demo.DemoCompany`), ``files`` (name -> path),
        ``check`` (the :class:`~kpitools.data.DataQualityReport` of ``data.csv``, checked
        against the KPI library), ``summary`` (the printed text), ``out`` (the folder).

    Raises
    ------
    KpitoolsError
        If ``out`` is a file, or (a bug) the generated data fails its check.

    Examples
    --------
    >>> result = run_demo("reports/demo")  # doctest: +SKIP
    Northstar Components - demo company (seed 2027)
    ...
    Output folder: reports/demo
    >>> result["check"].ok  # doctest: +SKIP
    True
    """
    company = make_demo_company(seed)
    files = company.write(out)
    report = check(files["data"], library=load_library())
    text = "\n".join(
        [
            format_summary(company),
            *check_lines(report),
            "",
            *file_lines(company, files),
            f"Output folder: {out}",
        ]
    )
    for line in text.splitlines():
        echo(line)
    if not report.ok:
        raise KpitoolsError(
            f"The demo company's data failed its own check ({files['data']}).\n"
            "This is a bug in kpitools: please report it with the output above."
        )
    return {"company": company, "files": files, "check": report, "summary": text, "out": Path(out)}


def check_lines(report: DataQualityReport) -> list[str]:
    """The data check's verdict in one line, then the report itself when it failed."""
    n_issues = len(report.issues)
    lines = [
        f"Data check: {'OK' if report.ok else 'FAILED'} - {number(report.rows_read)} rows read, "
        f"{number(report.rows_kept)} kept, {n_issues} issue{'s' if n_issues != 1 else ''}"
    ]
    if not report.ok:
        lines += str(report).splitlines()
    return lines


def file_lines(company: DemoCompany, files: Mapping[str, Path]) -> list[str]:
    """``Files:`` and one line per file written, with its number of rows."""
    frames = {
        "data": company.data,
        "deals": company.deals,
        "employees": company.employees,
        "roster": company.roster,
    }
    counts = {key: len(frame) for key, frame in frames.items()}
    rows = [(str(path), number(counts.get(key, 0))) for key, path in files.items()]
    table = text_table(["file", "rows"], rows, right={"rows"}, indent=2, header=False)
    return ["Files:", *table.splitlines()]
