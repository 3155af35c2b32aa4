"""The documentation (README.md and docs/*.md) cannot fall behind the code silently.

- every relative link points to a file that exists;
- nothing refers to a specification users never see ("CONTRACT", "§");
- every ``kpitools <verb>`` shown in docs/commands.md exists, and every verb, subcommand and
  option of the CLI is documented;
- every key of a scheme file (the pydantic models of :mod:`kpitools.scheme.spec`, walked
  recursively) and every allowed value of a key with a fixed set of values is written in code
  in some docs/*.md file (other engineers document their own keys in their own files);
- the worked examples of docs/schemes.md run: each ``<!-- payouts: … -->`` table is what the
  ``kpitools simulate`` command above it writes into payouts.csv.

Run ``python tests/test_docs.py`` to print the example tables afresh after a deliberate change.
"""

from __future__ import annotations

import contextlib
import io
import numbers
import re
import shlex
import sys
import typing
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from kpitools.cli import cli, main
from kpitools.scheme import Scheme

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def doc_files() -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_INLINE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def code_of(text: str) -> tuple[list[str], list[str]]:
    """The fenced blocks and the inline code spans of a Markdown text."""
    blocks = _FENCE.findall(text)
    prose = _FENCE.sub("", text)
    return blocks, _INLINE.findall(prose)


# --------------------------------------------------------------------------- links, words
#: Docs written right now on other branches, linked before they land. Once merged, the file
#: exists and its entry here does nothing; remove it then.
PENDING: set[str] = set()


@pytest.mark.parametrize("path", doc_files(), ids=_name)
def test_relative_links_point_to_files_that_exist(path):
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a web address, a mail address, an anchor in the same page
        file = target.split("#", 1)[0]
        if not (path.parent / file).exists() and not (path.parent == DOCS and file in PENDING):
            broken.append(target)
    assert broken == [], f"{_name(path)}: links to missing files: {broken}"


@pytest.mark.parametrize("path", doc_files(), ids=_name)
def test_no_reference_to_a_specification_users_never_see(path):
    text = path.read_text(encoding="utf-8")
    found = [word for word in ("CONTRACT", "§") if word in text]
    assert found == [], f"{_name(path)} mentions {found}: explain it in the docs instead."


def test_the_readme_links_the_documentation_index():
    assert "(docs/README.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- commands
def _commands() -> dict[str, click.Command]:
    """Every command path of the CLI (``data check``, ``simulate`` …) and its command."""
    ctx = click.Context(cli)
    out = {}
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                out[f"{name} {sub}"] = command.get_command(ctx, sub)
        else:
            out[name] = command
    return out


def _shown_commands(text: str) -> list[list[str]]:
    """The words after ``kpitools`` wherever code shows the command being run."""
    blocks, spans = code_of(text)
    lines = [line for block in blocks for line in block.splitlines()] + spans
    shown = []
    for line in lines:
        m = re.match(r"\s*(?:\$ )?kpitools ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", line)
        if m:
            shown.append(m.group(1).split())
    return shown


def test_every_command_shown_in_commands_md_exists():
    commands = _commands()
    groups = {path.split()[0] for path in commands if " " in path}
    wrong = []
    for words in _shown_commands((DOCS / "commands.md").read_text(encoding="utf-8")):
        verb = words[0]
        if verb in groups:
            if len(words) < 2 or f"{verb} {words[1]}" not in commands:
                wrong.append(" ".join(words))
        elif verb not in commands:
            wrong.append(verb)
    assert wrong == []


def test_every_command_and_option_of_the_cli_is_documented():
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    shown = {" ".join(words) for words in _shown_commands(text)}
    everything = "\n".join(p.read_text(encoding="utf-8") for p in doc_files())
    missing = []
    for path, command in _commands().items():
        if not any(s == path or s.startswith(path + " ") for s in shown):
            missing.append(f"kpitools {path}")
        for param in command.params:
            for opt in getattr(param, "opts", []):
                written = re.search(re.escape(opt) + r"(?![\w-])", everything)
                if opt.startswith("--") and not written:
                    missing.append(f"kpitools {path} {opt}")
    assert missing == []


# --------------------------------------------------------------------------- scheme keys
def _models(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _literals(annotation) -> list[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    return [v for arg in typing.get_args(annotation) for v in _literals(arg)]


def scheme_keys() -> tuple[set[str], set[str]]:
    """Every key of a scheme file and every allowed value of a key with fixed values."""
    keys, values, seen = set(), set(), set()

    def walk(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            keys.add(field.alias or name)
            values.update(_literals(field.annotation))
            for sub in _models(field.annotation):
                walk(sub)

    walk(Scheme)
    return keys, values


def documented(*, keys: bool) -> set[str]:
    """What docs/*.md write in code: keys (``key:``, or a span that is just ``key``), or words."""
    found = set()
    for path in sorted(DOCS.glob("*.md")):
        blocks, spans = code_of(path.read_text(encoding="utf-8"))
        for code in blocks + spans:
            if keys:
                found.update(re.findall(r"(?<![\w.-])([A-Za-z_]\w*)\s*:", code))
            else:
                found.update(re.findall(r"[A-Za-z_]\w*", code))
        if keys:
            found.update(s for s in spans if re.fullmatch(r"[A-Za-z_]\w*", s))
    return found


def test_every_scheme_key_is_documented():
    keys, _ = scheme_keys()
    assert {"name", "components", "min_attainment", "extrapolate", "budget"} <= keys
    assert sorted(keys - documented(keys=True)) == []


def test_every_allowed_value_of_a_scheme_key_is_documented():
    _, values = scheme_keys()
    assert {"same_period_last_year", "retroactive", "peer_median"} <= values
    assert sorted(values - documented(keys=False)) == []


# --------------------------------------------------------------------------- worked examples
_MARKER = re.compile(r'^<!-- payouts: rows="([^"]*)" cols="([^"]*)" -->\n', re.M)


def _show(value) -> str:
    """A cell as the tables of docs/schemes.md write it: 1,234.5678 at most, true/false."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        text = f"{round(float(value), 4):,.4f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def render(payouts: pd.DataFrame, rows: str, cols: str) -> str:
    """The rows (a pandas query) and columns of a payout table as a Markdown table."""
    names = [c.strip() for c in cols.split(",")]
    table = payouts.query(rows) if rows else payouts
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for record in table[names].itertuples(index=False):
        lines.append("| " + " | ".join(_show(v) for v in record) + " |")
    return "\n".join(lines)


def run_example(command: str, out: Path) -> pd.DataFrame:
    """Run a documented ``kpitools simulate`` command with ``--out`` set to ``out``."""
    argv = shlex.split(command.replace("\\\n", " "))[1:]
    argv[argv.index("--out") + 1] = str(out)
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
    return pd.read_csv(out / "payouts.csv", dtype={"employee": str, "period": str})


def examples(text: str) -> list[tuple[str, str, str, str]]:
    """``(command, rows, cols, table as written)`` for each payouts marker."""
    found = []
    for m in _MARKER.finditer(text):
        before = text[: m.start()]
        command = re.findall(r"```bash\n(kpitools simulate.*?)\n```", before, re.S)[-1]
        table = re.match(r"((?:\|.*\n)+)", text[m.end() :]).group(1).rstrip("\n")
        found.append((command, m.group(1), m.group(2), table))
    return found


_SCHEMES_MD = (DOCS / "schemes.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "command, rows, cols, written", examples(_SCHEMES_MD), ids=lambda v: str(v)[:60]
)
def test_worked_examples_of_schemes_md_are_what_kpitools_pays(
    command, rows, cols, written, tmp_path
):
    assert render(run_example(command, tmp_path), rows, cols) == written


def test_schemes_md_has_worked_examples():
    assert len(examples(_SCHEMES_MD)) >= 10


if __name__ == "__main__":  # print every example table afresh, for pasting into schemes.md
    import tempfile

    for command, rows, cols, _ in examples(_SCHEMES_MD):
        with tempfile.TemporaryDirectory() as folder:
            print(command, f'\n<!-- payouts: rows="{rows}" cols="{cols}" -->')
            print(render(run_example(command, Path(folder)), rows, cols), "\n", file=sys.stdout)
