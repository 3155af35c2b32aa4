"""A click group whose commands are imported the first time they are used.

This is click's documented pattern for lazily loading subcommands: ``get_command`` imports
the module that defines a command only when the command runs (or its ``--help`` is asked
for). The group's own ``--help`` lists every command from a small table of one-line helps
instead, so ``kpitools --help`` and ``kpitools --version`` import no command module, and
none of pandas, scipy or matplotlib.

Examples
--------
>>> group = LazyGroup(
...     "tool", lazy_commands={"hello": LazyCommand("mytool.hello", "hello", "Say hello.")}
... )
>>> group.list_commands(None)
['hello']
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import click

__all__ = ["LazyCommand", "LazyGroup"]


class LazyCommand(NamedTuple):
    """Where a lazily loaded command lives, and what the group's ``--help`` says of it.

    Attributes
    ----------
    module : str
        The module that defines the command, e.g. ``kpitools.cli.simulate``.
    attribute : str
        The click command's name in that module, e.g. ``simulate_command``.
    short_help : str
        The first line of the command's help, shown (shortened to fit) in the group's
        ``--help``. It must match the command's own help: a test checks that it does.
    """

    module: str
    attribute: str
    short_help: str


class LazyGroup(click.Group):
    """A :class:`click.Group` that imports each listed command on first use.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`click.Group`.
    lazy_commands : mapping of str to LazyCommand
        Command name -> where it is defined and its one-line help.
    """

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, LazyCommand] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        """Every command name, loaded or not, sorted."""
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        """The command called ``cmd_name``, importing its module the first time."""
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            command = self.load(cmd_name)
        return command

    def load(self, cmd_name: str) -> click.Command:
        """Import the module of a lazy command and register the command it defines."""
        where = self.lazy_commands[cmd_name]
        command = getattr(importlib.import_module(where.module), where.attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{where.module}.{where.attribute} is not a click command")
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their one-line help, without importing the lazy ones."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name) or click.Command(
                name, help=self.lazy_commands[name].short_help
            )
            if not command.hidden:
                rows.append((name, command))
        if not rows:
            return
        # the same layout as click.Group.format_commands: three times the default spacing
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl(
                [(name, command.get_short_help_str(limit)) for name, command in rows]
            )
