"""The ``issuegraph`` command line: thin commands that parse, call one library function, print.

Only this module prints and only this module turns our exceptions into one-line messages and
exit codes (see ``errors.py`` for the tree and the codes).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from . import __version__
from .errors import IssueGraphError
from .store import default_db_path, open_store

app = typer.Typer(
    name="issuegraph",
    help="Crawl a GitHub issue tracker, graph its references, cluster duplicates, write Markdown reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="SQLite store [env: ISSUEGRAPH_DB; default: .issuegraph/issuegraph.db]", show_default=False),
]
RepoFilter = Annotated[str | None, typer.Option("--repo", help="Only this OWNER/REPO.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def user_errors(func: F) -> F:
    """Turn our exceptions (and Ctrl-C) into one line and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except IssueGraphError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted; everything fetched so far is saved, rerun to resume", 130) from None

    return wrapper  # type: ignore[return-value]


def db_path(db: Path | None) -> Path:
    return db if db is not None else default_db_path()


def version_callback(value: bool) -> None:
    if value:
        out.print(f"issuegraph {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """issuegraph: a GitHub project's issue tracker as a graph."""


@app.command()
@user_errors
def stats(db: DbOption = None, as_json: JsonFlag = False) -> None:
    """Print what the store holds: repositories, issues, pull requests, comments, timeline events."""
    path = db_path(db)
    if not path.exists():
        raise fail(f"no store at {path}; run `issuegraph crawl OWNER/REPO` first (or pass --db)", 2)
    with open_store(path) as store:
        data = store.stats()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return
    from rich.table import Table

    table = Table(title=f"issuegraph store {path}")
    for col in ("repository", "issues", "pull requests", "comments", "timeline events", "last crawl", "requests"):
        table.add_column(col, justify="right" if col not in ("repository", "last crawl") else "left")
    for repo, r in data["by_repo"].items():
        table.add_row(
            repo, str(r["issues"]), str(r["pull_requests"]), str(r["comments"]), str(sum(r["timeline"].values())),
            r["last_crawled_at"] or "never", "" if r["last_crawl_requests"] is None else str(r["last_crawl_requests"]),
        )
    out.print(table)
    out.print(
        f"{data['repos']} repositories, {data['issues']} issues, {data['pull_requests']} pull requests, "
        f"{data['comments']} comments, {sum(data['timeline'].values())} timeline events"
        + (f", {data['referenced_only']} issues seen only as references" if data["referenced_only"] else "")
    )


def _single_repo(store: object, repo: str | None) -> str:
    """The repository to report on: ``--repo``, or the only one with a stored clustering."""
    from .models import parse_repo

    if repo:
        return parse_repo(repo)
    repos = [r for r in store.repos() if store.cluster_runs(r)]  # type: ignore[attr-defined]
    if len(repos) == 1:
        return repos[0]
    if not repos:
        raise fail("no clusters in the store; run `issuegraph cluster` first", 2)
    raise fail(f"the store holds clusters for {', '.join(repos)}; pass --repo OWNER/REPO", 2)


OutDir = Annotated[Path, typer.Option("--out", help="Folder for the Markdown archive (created if missing).")]


@app.command()
@user_errors
def report(
    out_dir: OutDir,
    db: DbOption = None,
    repo: RepoFilter = None,
    readme: Annotated[bool, typer.Option("--readme", help="Also write README.md (GitHub's folder view).")] = False,
) -> None:
    """Write Markdown archive reports: one page per duplicate cluster, plus index.md."""
    from .reports.context import build_report_set
    from .reports.write import write_reports

    path = db_path(db)
    if not path.exists():
        raise fail(f"no store at {path}; run `issuegraph crawl OWNER/REPO` first (or pass --db)", 2)
    with open_store(path) as store:
        name = _single_repo(store, repo)
        summary = write_reports(out_dir, build_report_set(store, name), readme=readme)
    out.print(_describe_write(summary, out_dir))


def _describe_write(summary: Any, out_dir: Path) -> str:
    parts = [f"{len(summary.written)} written", f"{summary.unchanged} unchanged"]
    if summary.stubbed:
        parts.append(f"{len(summary.stubbed)} moved-cluster stubs")
    if summary.removed:
        parts.append(f"{len(summary.removed)} stale removed")
    return f"reports in {out_dir}: " + ", ".join(parts)


if __name__ == "__main__":  # pragma: no cover
    app()
