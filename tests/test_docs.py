"""Documentation runs: every command has help and a README section, and every literal
``uv run issuegraph …`` line in the README's code blocks parses against the real command line.

Data-driven from the typer app, so commands added later are held to the same rule."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from issuegraph.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()
GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]


def readme_code_lines() -> list[str]:
    """``uv run issuegraph …`` lines inside fenced code blocks, shell comments and pipes cut off."""
    lines, fenced = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced and line.lstrip().startswith("uv run issuegraph"):
            lines.append(line.strip())
    return lines


def command_argv(line: str) -> list[str]:
    """The argv after ``issuegraph``: stops at a comment, ``&&``, ``|``, ``>`` or ``&``."""
    words = shlex.split(re.sub(r"(^|\s)#.*$", "", line))  # a shell comment starts a word; OWNER/REPO#N does not
    argv = words[words.index("issuegraph") + 1:]
    for i, w in enumerate(argv):
        if w in ("&&", "|", ">", "&", ";", "||") or w.startswith(">"):
            return argv[:i]
    return argv


def test_the_readme_has_code_lines_to_check() -> None:
    assert len(readme_code_lines()) >= len(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"issuegraph {command}" in result.output, result.output
    assert (GROUP.commands[command].help or "").strip(), f"{command} has no docstring"  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme_with_a_literal_command(command: str) -> None:
    documented = {command_argv(line)[0] for line in readme_code_lines() if command_argv(line)}
    assert command in documented, f"README.md has no code line `uv run issuegraph {command} …`"


@pytest.mark.parametrize("line", readme_code_lines())
def test_readme_command_lines_parse(line: str) -> None:
    argv = command_argv(line)
    name, args = argv[0], argv[1:]
    assert name in GROUP.commands, f"`{line}`: no command {name!r}"  # type: ignore[attr-defined]
    command = GROUP.commands[name]  # type: ignore[attr-defined]
    # a full parse (options, their values and types, arguments) without running the command
    ctx = command.make_context(name, list(args))
    ctx.close()


def test_the_readme_exit_code_table_covers_our_exceptions() -> None:
    from issuegraph import errors

    codes = {cls.exit_code for cls in vars(errors).values()
             if isinstance(cls, type) and issubclass(cls, errors.IssueGraphError) and cls is not errors.IssueGraphError}
    table = set(int(c) for c in re.findall(r"^\| (\d+) \|", README.read_text(encoding="utf-8"), re.MULTILINE))
    assert codes <= table, f"exit codes raised but not in README's table: {sorted(codes - table)}"
