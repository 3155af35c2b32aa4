"""The root of `kpitools`: the contract's verbs, help, exit codes, and verbs loaded lazily."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from kpitools.cli import VERBS, cli, main
from kpitools.cli.lazy import LazyCommand, LazyGroup


def _commands(group: click.Group) -> dict[str, click.Command]:
    ctx = click.Context(group)
    return {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}


def test_cli_has_every_verb_group_of_the_contract():
    commands = _commands(cli)
    assert set(commands) == {
        "demo",
        "data",
        "design",
        "simulate",
        "calibrate",
        "report",
        "batch",
        "app",
    }
    assert set(_commands(commands["data"])) >= {"check", "aggregate"}
    assert set(_commands(commands["design"])) == {"check", "cascade", "suggest"}


def test_every_verb_has_help_with_an_example():
    runner = CliRunner()
    commands = _commands(cli)
    paths = [[name] for name in commands if name not in ("data", "design")]
    paths += [["data", v] for v in _commands(commands["data"])]
    paths += [["design", v] for v in _commands(commands["design"])]
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Example" in result.output, path
        assert "kpitools " + path[0] in result.output, path


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_the_verbs_table_says_what_each_verb_says_of_itself(verb):
    command = cli.get_command(click.Context(cli), verb)
    assert command.help.split("\n\n")[0] == VERBS[verb].short_help
    assert command.get_short_help_str(45) == click.Command(
        verb, help=VERBS[verb].short_help
    ).get_short_help_str(45)


def test_root_help_lists_every_verb_with_its_short_help(capsys):
    assert main(["--help"]) == 0
    assert capsys.readouterr().out == (
        "Usage: kpitools [OPTIONS] COMMAND [ARGS]...\n"
        "\n"
        "  kpitools: design KPI systems and bonus schemes, and report them to clients.\n"
        "\n"
        "  Quick start:\n"
        "    kpitools demo --out reports/demo\n"
        "    kpitools data check data.csv\n"
        "\n"
        "Options:\n"
        "  --version   Show the version and exit.\n"
        "  -h, --help  Show this message and exit.\n"
        "\n"
        "Commands:\n"
        "  app        Serve the what-if dashboard (Voilà, no code) on localhost;...\n"
        "  batch      Make reports for every client of a batch manifest, in parallel.\n"
        "  calibrate  Solve one scheme parameter so that a metric hits a value.\n"
        "  data       Load, check and aggregate historical performance data.\n"
        "  demo       Generate the demo company, check its data and summarise it.\n"
        "  design     Goals, driver cascades and KPI sets per role.\n"
        "  report     Make a client-ready report (HTML, PDF, XLSX) through papermill.\n"
        "  simulate   Run bonus schemes against historical data; print and save...\n"
    )


_LOADED = """\
import json, sys
from kpitools.cli import main
code = main(sys.argv[1:])
heavy = ("pandas", "numpy", "scipy", "matplotlib")
print(json.dumps({
    "code": code,
    "heavy": sorted(m for m in heavy if m in sys.modules),
    "verbs": sorted(m for m in sys.modules if m.startswith("kpitools.cli.")),
}))
"""


def _loaded_after(*argv: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _LOADED, *argv], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["-h"]])
def test_help_and_version_import_no_verb_and_no_pandas(argv):
    assert _loaded_after(*argv) == {
        "code": 0,
        "heavy": [],
        "verbs": ["kpitools.cli.lazy", "kpitools.cli.options"],
    }


def test_a_verb_is_imported_when_it_is_used():
    loaded = _loaded_after("design", "--help")
    assert loaded["code"] == 0
    assert loaded["verbs"] == ["kpitools.cli.design", "kpitools.cli.lazy", "kpitools.cli.options"]


def test_python_m_kpitools_cli_runs_the_command():
    proc = subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("Usage: kpitools [OPTIONS] COMMAND [ARGS]...\n")


def test_an_unknown_verb_is_bad_usage(capsys):
    assert main(["simulat"]) == 2
    assert capsys.readouterr().err == (
        "Usage: kpitools [OPTIONS] COMMAND [ARGS]...\n"
        "Try 'kpitools --help' for help.\n"
        "\n"
        "Error: No such command 'simulat'. Did you mean 'simulate'?\n"
    )


def test_a_command_that_exits_with_a_code_keeps_it():
    @cli.command("_exit_three", hidden=True)
    @click.pass_context
    def _exit_three(ctx):
        ctx.exit(3)

    try:
        assert main(["_exit_three"]) == 3
        assert main(["--version"]) == 0
    finally:
        del cli.commands["_exit_three"]


def test_ctrl_c_exits_130_with_one_line(capsys):
    @cli.command("_interrupted", hidden=True)
    def _interrupted():
        raise KeyboardInterrupt  # what Ctrl-C raises in the middle of any command

    try:
        assert main(["_interrupted"]) == 130
    finally:
        del cli.commands["_interrupted"]
    # click ends the terminal's "^C" line first, then our one line
    assert capsys.readouterr().err == "\nInterrupted.\n"


def test_a_bug_is_one_message_without_a_traceback(capsys, monkeypatch):
    monkeypatch.delenv("KPITOOLS_DEBUG", raising=False)

    @cli.command("_bug", hidden=True)
    def _bug():
        raise ValueError("boom")

    try:
        assert main(["_bug"]) == 3
    finally:
        del cli.commands["_bug"]
    assert capsys.readouterr().err == (
        "Internal error: ValueError: boom\n"
        "This is a bug in kpitools. Run again with KPITOOLS_DEBUG=1 to see the traceback "
        "and report it.\n"
    )


# --------------------------------------------------------------------------- LazyGroup
def _group() -> LazyGroup:
    return LazyGroup(
        "tool",
        lazy_commands={
            "hello": LazyCommand("kpitools.cli.demo", "demo", "Say hello at length, twice."),
            "broken": LazyCommand("kpitools.cli.demo", "run_demo", "Not a command."),
        },
    )


def test_a_lazy_group_lists_its_commands_before_loading_them():
    group = _group()
    assert group.list_commands(None) == ["broken", "hello"]
    assert group.commands == {}
    assert group.get_command(None, "nope") is None


def test_a_lazy_group_loads_a_command_once_and_keeps_it():
    group = _group()
    command = group.get_command(None, "hello")
    assert isinstance(command, click.Command) and group.commands == {"hello": command}
    assert group.get_command(None, "hello") is command


def test_a_lazy_entry_that_is_not_a_command_is_refused():
    with pytest.raises(TypeError) as info:
        _group().get_command(None, "broken")
    assert str(info.value) == "kpitools.cli.demo.run_demo is not a click command"


def test_a_lazy_group_shows_the_table_help_shortened_to_fit():
    group = _group()
    group.lazy_commands.pop("broken")
    formatter = click.HelpFormatter(width=30)
    group.format_commands(click.Context(group), formatter)
    assert formatter.getvalue() == "Commands:\n  hello  Say hello at...\n"
