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


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Clusterer config (TOML, [background] add/remove) [default: .issuegraph/cluster.toml if present]",
                 show_default=False),
]


def _open_existing(db: Path | None):  # type: ignore[no-untyped-def]
    path = db_path(db)
    if not path.exists():
        raise fail(f"no store at {path}; run `issuegraph crawl OWNER/REPO` first (or pass --db)", 2)
    return open_store(path)


def _repos(store: Any, repo: str | None) -> list[str]:
    from .models import parse_repo

    if repo:
        return [parse_repo(repo)]
    return store.repos()


@app.command()
@user_errors
def cluster(db: DbOption = None, repo: RepoFilter = None, config: ConfigOption = None) -> None:
    """Group duplicate issues by error signature and store the clusters (with the rule-set version)."""
    from datetime import UTC, datetime

    from .graph.cluster import load_config
    from .graph.cluster_load import update_clusters

    cfg = load_config(config)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with _open_existing(db) as store:
        repos = _repos(store, repo)
        if not repos:
            raise fail("the store holds no crawled repository; run `issuegraph crawl OWNER/REPO` first", 2)
        for r in repos:
            run_id, result = update_clusters(store, r, cfg, now)
            multi = [c for c in result.clusters if len(c.members) > 1]
            issues = sum(len(c.members) for c in result.clusters)
            out.print(
                f"{r}: {issues} issues → {len(multi)} duplicate clusters covering "
                f"{sum(len(c.members) for c in multi)} issues, {len(result.clusters) - len(multi)} singletons; "
                f"{len(result.background.keys)} background errors ignored; run {run_id}, rules {result.rules_version}"
            )


@app.command()
@user_errors
def clusters(db: DbOption = None, repo: RepoFilter = None, as_json: JsonFlag = False) -> None:
    """Print the stored clusters (every crawled issue, singletons included; pull requests are not clustered)."""
    with _open_existing(db) as store:
        records = [c for r in _repos(store, repo) for c in store.load_clusters(r)]
    if as_json:
        data = [
            {"id": c.id, "repo": c.repo, "canonical": c.canonical, "members": list(c.members),
             "signature": c.signature, "hints": c.hints}
            for c in records
        ]
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    if not records:
        raise fail("no clusters stored; run `issuegraph cluster` first", 2)
    from rich.table import Table

    table = Table(title="duplicate clusters (singletons omitted; --json lists all)")
    for col in ("id", "canonical", "members", "signature"):
        table.add_column(col)
    multi = sorted((c for c in records if len(c.members) > 1), key=lambda c: (-len(c.members), c.id))
    for c in multi:
        others = ", ".join("#" + m.rpartition("#")[2] for m in c.members if m != c.canonical)
        table.add_row(c.id, c.canonical, f"{len(c.members)}: {others}", (c.signature or "")[:90])
    out.print(table)
    out.print(f"{len(multi)} clusters with duplicates, {len(records) - len(multi)} singletons")


@app.command()
@user_errors
def similar(
    target: Annotated[str, typer.Argument(help="Issue URL or OWNER/REPO#N")],
    top: Annotated[int, typer.Option("--top", min=1, help="How many to list.")] = 10,
    db: DbOption = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Rank likely duplicates of one issue, with scores and reasons (advisory: nothing is changed)."""
    from .graph.cluster import load_config
    from .graph.cluster_load import find_similar, parse_issue_target

    ref = parse_issue_target(target)
    cfg = load_config(config)
    with _open_existing(db) as store:
        ranked = find_similar(store, ref, top, cfg)
    if as_json:
        sys.stdout.write(json.dumps([{"issue": s.key, "score": s.score, "reason": s.reason} for s in ranked],
                                    indent=2, ensure_ascii=False) + "\n")
        return
    if not ranked:
        out.print(f"no other issue of {ref.repo} looks like {ref.key}")
        return
    for s in ranked:
        out.print(f"{s.score:5.2f}  {s.key}  {s.reason}", markup=False)


if __name__ == "__main__":  # pragma: no cover
    app()
