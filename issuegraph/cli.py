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
from typer.core import TyperGroup

from . import __version__
from .errors import IssueGraphError
from .store import default_db_path, open_store


def _secrets(args: list[str]) -> list[str]:
    """Token values a usage error could echo back: after ``--token`` on the command line, or in the env."""
    import os

    found = [os.environ.get(name, "") for name in ("GITHUB_TOKEN", "GH_TOKEN")]
    for i, arg in enumerate(args):
        if arg == "--token" and i + 1 < len(args):
            found.append(args[i + 1])
        elif arg.startswith("--token="):
            found.append(arg.partition("=")[2])
    return sorted({s for s in found if len(s.strip()) >= 4}, key=len, reverse=True)


class _RedactingGroup(TyperGroup):
    """Usage errors quote the arguments they could not place ("Got unexpected extra argument(s)
    (ghp_…)" after ``--api-url $UNSET --token ghp_…``): the token is blanked before they print."""

    argv: list[str] | None = None

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        self.argv = [str(a) for a in args] if args is not None else sys.argv[1:]
        return super().main(args, *rest, **kwargs)

    def _redact(self, exc: typer.TyperException) -> None:
        message = getattr(exc, "message", None)
        if isinstance(message, str):
            for secret in _secrets(self.argv if self.argv is not None else sys.argv[1:]):
                message = message.replace(secret, "***")
            exc.message = message  # type: ignore[attr-defined]

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.TyperException as exc:
            self._redact(exc)
            raise

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except typer.TyperException as exc:
            self._redact(exc)
            raise


app = typer.Typer(
    cls=_RedactingGroup,
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


TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar=["GITHUB_TOKEN", "GH_TOKEN"], show_default=False,
                 help="GitHub token (without one: 60 requests an hour, REST only)."),
]
ApiUrlOption = Annotated[
    str | None,
    typer.Option("--api-url", envvar="GITHUB_API_URL", show_default=False,
                 help="API root [default: https://api.github.com; Enterprise: https://HOST/api/v3]."),
]


MaxWaitOption = Annotated[
    float, typer.Option("--max-wait", min=0, help="Longest wait for a rate-limit reset, in seconds; "
                        "beyond it stop with exit code 75 (progress is saved).")
]


class _CrawlDisplay:
    """A rich progress bar on a terminal; plain log lines otherwise (CI, cron, pipes)."""

    def __init__(self, repo: str, bar: bool = True) -> None:
        self.repo = repo
        self.tty = err.is_terminal and bar
        self.progress: Any = None
        self.task: Any = None
        self.last_wait_line = 0.0
        if self.tty:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), console=err, transient=False,
            )
            self.task = self.progress.add_task(f"crawl {repo}", total=None, detail="connecting…")
            self.progress.start()

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()

    def notice(self, message: str) -> None:
        err.print(f"[yellow]warning:[/] {message}", markup=True, highlight=False)

    def page(self, p: Any) -> None:
        import time as _time

        left = "" if p.remaining is None else f", {p.remaining} left"
        reset = "" if not p.reset_at else _time.strftime(" (resets %H:%M UTC)", _time.gmtime(p.reset_at))
        detail = f"{p.stream}: {p.pages} pages, {p.requests} requests, {p.points} points{left}{reset}"
        if self.progress is not None:
            self.progress.update(self.task, completed=p.items, total=p.total, detail=detail)
        else:
            total = f"/{p.total}" if p.total is not None else ""
            err.print(f"crawl {self.repo}: {p.items}{total} items, {detail}", markup=False, highlight=False)

    def wait(self, seconds: float, reason: str) -> None:
        import time as _time

        text = f"{reason}: waiting {int(seconds) // 60}:{int(seconds) % 60:02d}"
        if self.progress is not None:
            self.progress.update(self.task, detail=text if seconds > 0 else "resuming…")
        elif seconds > 0 and _time.monotonic() - self.last_wait_line >= 60:
            self.last_wait_line = _time.monotonic()
            err.print(f"{self.repo}: {text}", markup=False, highlight=False)


@app.command()
@user_errors
def crawl(
    repo: Annotated[str, typer.Argument(help="OWNER/REPO, for example anthropics/claude-code.", show_default=False)],
    db: DbOption = None,
    api_url: ApiUrlOption = None,
    token: TokenOption = None,
    rest: Annotated[bool, typer.Option("--rest", help="Use the REST API instead of GraphQL.")] = False,
    max_wait: MaxWaitOption = 3900.0,
    full: Annotated[bool, typer.Option("--full", help="Fetch everything again, not only what changed.")] = False,
) -> None:
    """Crawl OWNER/REPO's issues, pull requests, comments and timeline references into the store.

    The first run fetches everything; later runs only what changed. A killed run resumes.
    """
    from .crawler.client import GitHubClient
    from .crawler.crawl import crawl_repo
    from .models import parse_repo

    repo = parse_repo(repo)
    display = _CrawlDisplay(repo)
    try:
        client = GitHubClient(token, api_url, max_wait=max_wait, on_wait=display.wait, on_notice=display.notice)
        with open_store(db_path(db)) as store:
            result = crawl_repo(client, store, repo, rest=rest, full=full, progress=display.page)
    finally:
        display.stop()
    how = "GraphQL" if result.api == "graphql" else "REST"
    out.print(
        f"crawled {result.repo} ({result.mode}{', resumed' if result.resumed else ''}, {how}): "
        f"{result.items} issues and pull requests saved, {result.requests} requests, {result.points} points; "
        f"the next run asks for changes since {result.next_since}",
        markup=False, highlight=False,
    )


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


HtmlHostOption = Annotated[
    list[str] | None,
    typer.Option(
        "--html-host",
        help="Web host whose issue URLs count as references, besides github.com (GitHub Enterprise); repeatable.",
        envvar="ISSUEGRAPH_HTML_HOST",
        show_default=False,
    ),
]


def html_hosts(extra: list[str] | None) -> tuple[str, ...]:
    from .graph.refs import DEFAULT_HOSTS

    hosts = list(DEFAULT_HOSTS)
    for h in extra or ():
        h = h.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
        if h and h not in hosts:
            hosts.append(h)
    return tuple(hosts)


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (``-`` is stdout)."""
    if str(path) == "-":
        sys.stdout.write(text)
        return
    from .errors import ReportError

    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror}; check the path and free space") from None

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
    if repo:
        return [_known_repo(store, repo)]
    return store.repos()


def _known_repo(store: Any, repo: str) -> str:
    """``--repo`` must name a repository the store holds, or the command would quietly do nothing."""
    from .models import parse_repo

    name = parse_repo(repo)
    if name not in store.repos():
        held = ", ".join(store.repos()) or "none"
        raise fail(f"the store holds no crawl of {name} (it holds: {held}); run `issuegraph crawl {name}` first", 2)
    return name

def _single_repo(store: object, repo: str | None) -> str:
    """The repository to report on: ``--repo``, or the only one with a stored clustering."""
    if repo:
        return _known_repo(store, repo)
    repos = [r for r in store.repos() if store.cluster_runs(r)]  # type: ignore[attr-defined]
    if len(repos) == 1:
        return repos[0]
    if not repos:
        raise fail("no clusters in the store; run `issuegraph cluster` first", 2)
    raise fail(f"the store holds clusters for {', '.join(repos)}; pass --repo OWNER/REPO", 2)


OutDir = Annotated[Path, typer.Option("--out", help="Folder for the Markdown archive (created if missing).")]


@app.command()
@user_errors
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="json | graphml | gexf | mermaid | dot")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write ('-' for stdout).")],
    db: DbOption = None,
    repo: RepoFilter = None,
    around: Annotated[
        str | None, typer.Option("--around", help="Only the neighbourhood of this issue: URL or OWNER/REPO#N.")
    ] = None,
    depth: Annotated[int, typer.Option("--depth", min=0, help="Links to follow from --around.")] = 1,
    html_host: HtmlHostOption = None,
) -> None:
    """Export the reference graph for Gephi, networkx, Mermaid or Graphviz."""
    from .graph.build import build_graph, neighbourhood
    from .graph.export import FORMATS, render_graph
    from .graph.refs import parse_issue_url

    if fmt not in FORMATS:
        raise fail(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}", 2)
    hosts = html_hosts(html_host)
    center = parse_issue_url(around, hosts).key if around else None
    path = db_path(db)
    if not path.exists():
        raise fail(f"no store at {path}; run `issuegraph crawl OWNER/REPO` or `issuegraph walk URL` first", 2)
    with open_store(path) as store:
        graph = build_graph(store, _known_repo(store, repo) if repo else None, hosts)
    if center is not None:
        if center not in graph:
            raise fail(f"{center} is not in the store; run `issuegraph walk {around}` first", 2)
        graph = neighbourhood(graph, center, depth)
    write_output(out, render_graph(graph, fmt, highlight=center))
    if str(out) != "-":
        err.print(f"wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges to {out}")


@app.command("walk")
@user_errors
def walk_command(
    url: Annotated[str, typer.Argument(help="Issue or PR URL (any #issuecomment anchor or query), or OWNER/REPO#N.",
                                       show_default=False)],
    depth: Annotated[int, typer.Option("--depth", min=0, help="Links to follow from the start.")] = 2,
    max_nodes: Annotated[int, typer.Option("--max-nodes", min=1, help="Stop adding issues after this many.")] = 200,
    max_age: Annotated[
        float, typer.Option("--max-age", min=0, help="Reuse issues fetched less than this many hours ago (0: refetch all).")
    ] = 24.0,
    report: Annotated[Path | None, typer.Option("--report", help="Write the one-issue Markdown report here.")] = None,
    clusters_link: Annotated[
        str, typer.Option("--clusters-dir", help="Where cluster reports live, relative to the report (for its link).")
    ] = "clusters",
    db: DbOption = None,
    api_url: ApiUrlOption = None,
    token: TokenOption = None,
    html_host: HtmlHostOption = None,
    max_wait: MaxWaitOption = 3900.0,
) -> None:
    """Walk from one issue or PR through its references, both ways, across repositories."""
    from datetime import timedelta

    from .crawler.client import GitHubClient, resolve_token
    from .crawler.crawl import fetch_issues
    from .crawler.walk import walk
    from .graph.refs import parse_issue_url

    hosts = html_hosts(html_host)
    start = parse_issue_url(url, hosts)
    if resolve_token(token) is None:
        raise fail("walk fetches over GraphQL, which needs a token: pass --token or set GITHUB_TOKEN "
                   "(a token with no scopes is enough for public repositories)", 2)
    display = _CrawlDisplay(start.key, bar=False)
    client = GitHubClient(token, api_url, max_wait=max_wait, on_wait=display.wait, on_notice=display.notice)

    def on_level(level: int, to_fetch: int, reused: int) -> None:
        err.print(f"depth {level}: fetching {to_fetch}, reusing {reused}", markup=False, highlight=False)

    with open_store(db_path(db)) as store:
        result = walk(store, start, lambda refs: fetch_issues(client, store, refs), depth=depth,
                      max_nodes=max_nodes, max_age=timedelta(hours=max_age), hosts=hosts, on_level=on_level)
        for line in result.problem_lines():
            err.print(f"warning: {line}", markup=False, highlight=False)
        if report is not None:
            from .reports.issue_report import build_issue_report, render_issue_report

            data = build_issue_report(store, start, result, hosts=hosts, clusters_link=clusters_link)
            write_output(report, render_issue_report(data))
    extra = f", {len(result.skipped_over_budget)} left out by --max-nodes" if result.skipped_over_budget else ""
    out.print(
        f"walked {start.key}: {len(result.visited)} issues and pull requests up to depth {depth} "
        f"({len(result.fetched)} fetched, {len(result.reused)} reused, {len(result.problems)} unreachable{extra}), "
        f"{client.requests} requests" + (f"; report written to {report}" if report else ""),
        markup=False, highlight=False,
    )


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
    html_host: HtmlHostOption = None,
) -> None:
    """Rank likely duplicates of one issue, with scores and reasons (advisory: nothing is changed)."""
    from .graph.cluster import load_config
    from .graph.cluster_load import find_similar, parse_issue_target

    ref = parse_issue_target(target, html_hosts(html_host))
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

    with _open_existing(db) as store:
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


def _print_summary(s: Any) -> None:
    """The few lines a nightly log needs."""
    crawls = ", ".join(f"{c.repo} {c.mode} ({c.items} items)" for c in s.crawls)
    out.print(f"crawl: {crawls}; {s.requests} requests, {s.points} GraphQL points", markup=False, highlight=False)
    out.print(f"issues: {s.issues_after} ({s.new_issues:+d} since the last run)", markup=False, highlight=False)
    grown = ", ".join(f"{cid} {a}→{b}" for cid, a, b in s.grown_clusters) or "none"
    new = "all (first run)" if s.first_run else (", ".join(s.new_clusters) or "none")
    out.print(f"clusters: {s.clusters}; new: {new}; grown: {grown}"
              + (f"; merged or split: {', '.join(s.gone_clusters)}" if s.gone_clusters else ""),
              markup=False, highlight=False)
    out.print(_describe_write(s.write, s.out_dir), markup=False, highlight=False)


@app.command()
@user_errors
def nightly(
    repo: Annotated[str, typer.Argument(help="OWNER/REPO, for example anthropics/claude-code.", show_default=False)],
    out_dir: OutDir,
    db: DbOption = None,
    api_url: ApiUrlOption = None,
    token: TokenOption = None,
    readme: Annotated[bool, typer.Option("--readme", help="Also write README.md (GitHub's folder view).")] = False,
    config: ConfigOption = None,
    max_wait: Annotated[
        float, typer.Option("--max-wait", min=0, help="Longest wait for a rate-limit reset, in seconds; "
                            "beyond it stop with exit code 75 (progress is saved).")
    ] = 3900.0,
) -> None:
    """The scheduled job: crawl what changed, cluster, and update the Markdown archive in --out."""
    from .crawler.client import GitHubClient
    from .graph.cluster import load_config
    from .models import parse_repo
    from .pipeline import run_nightly

    repo = parse_repo(repo)
    cfg = load_config(config)
    display = _CrawlDisplay(repo)
    try:
        client = GitHubClient(token, api_url, max_wait=max_wait, on_wait=display.wait, on_notice=display.notice)
        with open_store(db_path(db)) as store:
            summary = run_nightly(client, store, repo, out_dir, readme=readme, config=cfg, progress=display.page)
    finally:
        display.stop()
    _print_summary(summary)


@app.command()
@user_errors
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo's Markdown archive.")] = Path(
        "docs/issuegraph-demo"),
    db: Annotated[Path | None, typer.Option("--db", help="Keep the demo's store here (default: a temporary file).",
                                            show_default=False)] = None,
) -> None:
    """Run the whole pipeline offline on the bundled sample (no token, no network) and write its reports."""
    import tempfile

    from .pipeline import SAMPLE_REPO, SEED_PAIR, run_demo

    with tempfile.TemporaryDirectory(prefix="issuegraph-demo-") as tmp:
        with open_store(db if db is not None else Path(tmp) / "demo.db") as store:
            summary = run_demo(store, out_dir)
    _print_summary(summary)
    seed = summary.member_files.get(SEED_PAIR[0])
    out.print(f"open {out_dir / 'index.md'} for {SAMPLE_REPO}'s duplicate clusters"
              + (f"; the seed pair's cluster is {seed}" if seed else ""), markup=False, highlight=False)


if __name__ == "__main__":  # pragma: no cover
    app()
