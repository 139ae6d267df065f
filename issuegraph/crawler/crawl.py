"""Crawl a repository (or a handful of issues) into the store: what to fetch, cursors, resume.

Stage: crawler orchestration. Input: a ``GitHubClient`` and a ``Store``. Output: rows in the
store (issues, comments, timeline events, reference stubs) and a ``CrawlResult`` with the cost.

Guarantees:
- **Incremental.** ``repos.crawl_since`` is set only when a crawl completes, to the crawl's start
  (the server's clock) minus ``SKEW``; the next run asks only for what was updated since. Nothing
  updated during a crawl is missed, at the price of seeing a few items twice (upserts).
- **Resumable.** Every page is written in one transaction together with its page cursor and the
  run's state, so a crawl killed at any moment (kill -9) and rerun resumes from the last page
  and ends with exactly the store a clean crawl gives: nothing lost, nothing doubled.
- **Edges from the source side.** A new inbound cross-reference does not bump the target's
  ``updated_at``, so an incremental crawl never revisits the target. Nothing is lost because the
  source *was* updated (its body or a comment mentions the target): the graph parses each crawled
  issue's text for references, and timeline cross-references are stored on the target when the
  target itself is crawled. Sources in other repositories are saved as stubs (``crawled=False``)
  so the graph has the node; stubs are never counted as issues.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ..errors import GoneError, NotFoundError, StoreError
from ..models import (
    Comment,
    Issue,
    IssueRef,
    TimelineEvent,
    comment_from_graphql,
    comment_from_rest,
    event_from_graphql,
    event_from_rest,
    issue_from_graphql,
    issue_from_rest,
    parse_repo,
    referenced_stubs_from_graphql,
    referenced_stubs_from_rest,
)
from ..store import Store
from .client import GitHubClient, GraphQLUnavailable
from .fetch import (
    OVERFLOW_BATCH,
    PAGE_SIZE,
    OverflowRequest,
    fetch_bulk_pages,
    fetch_issue_batch,
    fetch_overflow,
    fetch_rest_comment_pages,
    fetch_rest_issue_pages,
    fetch_rest_timeline_page,
)

SKEW = 120  # seconds subtracted from the crawl's start: requests in flight, clock edges


@dataclass
class CrawlProgress:
    """What a progress display needs, after every page."""

    repo: str
    stream: str  # issues | pull_requests | overflow | rest_issues | rest_comments | rest_timelines
    pages: int
    items: int
    total: int | None
    requests: int
    points: int
    remaining: int | None  # requests or points left in the current bucket
    reset_at: float | None  # epoch seconds


@dataclass
class CrawlResult:
    repo: str
    mode: str  # full | incremental
    api: str  # graphql | rest
    items: int  # issues and pull requests saved
    pages: int
    requests: int
    points: int
    since: str | None  # what this crawl asked for (None: everything)
    next_since: str  # the cursor the next crawl will use
    resumed: bool
    partial_errors: int  # GraphQL errors kept as partial results (e.g. unresolvable references)


ProgressCallback = Callable[[CrawlProgress], None]


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now_iso() -> str:
    return _iso(time.time())


def _cache_key(url: str) -> str:
    """ETag cache key: path and query only (never a host's credentials)."""
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def number_repeats(ev: TimelineEvent, seen: dict[str, int]) -> TimelineEvent:
    """Cross-references are keyed by (source, time) so REST and GraphQL agree (REST gives them no
    id); the rare second reference from the same source at the same second gets ``-1``, ``-2`` …
    in timeline order, so it is kept, not merged. ``seen`` carries the counts across pages."""
    if ev.event != "cross-referenced":
        return ev
    n = seen.get(ev.key, 0)
    seen[ev.key] = n + 1
    return replace(ev, key=f"{ev.key}-{n}") if n else ev


class _Saver:
    """Turns raw GraphQL nodes into rows and keeps the overflow queue (issues whose timeline or
    reactions did not fit in the nested page)."""

    def __init__(self, store: Store, client: GitHubClient, home_repo: str | None) -> None:
        self.store = store
        self.client = client
        self.home_repo = home_repo  # stubs are saved for references outside it (None: all)
        self.pending: list[dict[str, Any]] = []
        self.partial_errors = 0

    def _timeline_rows(self, nodes: list[dict[str, Any]], repo: str, number: int,
                       seen: dict[str, int]) -> tuple[list[Comment], list[TimelineEvent], list[Issue]]:
        comments, events, stubs = [], [], []
        for node in nodes:
            if node.get("__typename") == "IssueComment":
                if node.get("databaseId") is not None:
                    comments.append(comment_from_graphql(node, repo, number))
                continue
            ev = event_from_graphql(node, repo, number)
            if ev is None:
                continue
            events.append(number_repeats(ev, seen))
            stubs.extend(s for s in referenced_stubs_from_graphql(node) if s.repo != self.home_repo)
        return comments, events, stubs

    def save_nodes(self, nodes: list[dict[str, Any]]) -> list[Issue]:
        """Save Issue/PullRequest nodes (call inside a transaction); queue their overflow."""
        saved = []
        for node in nodes:
            repo = (node.get("repository") or {}).get("nameWithOwner") or self.home_repo
            number = int(node["number"])
            tl = node.get("timelineItems") or {}
            seen: dict[str, int] = {}
            comments, events, stubs = self._timeline_rows([n for n in tl.get("nodes") or [] if n], repo, number, seen)
            issue = issue_from_graphql(node, repo, comment_count=len(comments))
            self.store.save_issues([issue, *stubs])
            self.store.save_comments(comments)
            self.store.save_timeline_events(events)
            saved.append(issue)
            ids = [c.id for c in comments]
            info = tl.get("pageInfo") or {}
            if info.get("hasNextPage"):
                self.pending.append({"id": node["id"], "type": node["__typename"], "conn": "timelineItems",
                                     "after": info.get("endCursor"), "repo": repo, "number": number, "comments": ids,
                                     "seen": seen})
            else:
                self.store.delete_comments_not_in(repo, number, ids)
            rinfo = (node.get("reactions") or {}).get("pageInfo") or {}
            if rinfo.get("hasNextPage"):
                self.pending.append({"id": node["id"], "type": node["__typename"], "conn": "reactions",
                                     "after": rinfo.get("endCursor"), "repo": repo, "number": number,
                                     "reactions": issue.reactions})
        return saved

    def _finish(self, entry: dict[str, Any]) -> None:
        issue = self.store.load_issue(entry["repo"], entry["number"])
        if entry["conn"] == "timelineItems":
            self.store.delete_comments_not_in(entry["repo"], entry["number"], entry["comments"])
            if issue is not None:
                self.store.save_issues([replace(issue, comment_count=len(set(entry["comments"])))])
        elif issue is not None:
            self.store.save_issues([replace(issue, reactions=dict(sorted(entry["reactions"].items())))])

    def drain_batch(self) -> None:
        """Fetch the next pages of up to ``OVERFLOW_BATCH`` queued issues in one query and save
        them (call inside a transaction, after which ``self.pending`` is the new queue)."""
        batch, rest = self.pending[:OVERFLOW_BATCH], self.pending[OVERFLOW_BATCH:]
        reqs = [OverflowRequest(e["id"], e["type"], e["conn"], e["after"]) for e in batch]
        pages, errors = fetch_overflow(self.client, reqs)
        self.partial_errors += len(errors)
        for entry, page in zip(batch, pages, strict=True):
            entry = dict(entry)
            if page is None:  # the issue vanished between pages: keep what we have
                continue
            if entry["conn"] == "timelineItems":
                seen = dict(entry.get("seen") or {})
                comments, events, stubs = self._timeline_rows(page.nodes, entry["repo"], entry["number"], seen)
                entry["seen"] = seen
                self.store.save_issues(stubs)
                self.store.save_comments(comments)
                self.store.save_timeline_events(events)
                entry["comments"] = entry["comments"] + [c.id for c in comments]
            else:
                counts = dict(entry["reactions"])
                for n in page.nodes:
                    key = {"THUMBS_UP": "+1", "THUMBS_DOWN": "-1"}.get(n.get("content", ""), str(n.get("content", "")).lower())
                    counts[key] = counts.get(key, 0) + 1
                entry["reactions"] = counts
            if page.has_next:
                entry["after"] = page.end_cursor
                rest.append(entry)
            else:
                self._finish(entry)
        self.pending = rest


class _Run:
    """One invocation of ``crawl_repo``: the run state lives in the store's ``crawl_progress``
    (stream ``run``) and is rewritten in every page's transaction."""

    def __init__(self, client: GitHubClient, store: Store, repo: str, state: dict[str, Any],
                 progress: ProgressCallback | None, page_size: int) -> None:
        self.client, self.store, self.repo, self.state = client, store, repo, state
        self.progress = progress
        self.page_size = page_size
        self.base_requests = int(state.get("requests", 0))
        self.base_points = int(state.get("points", 0))
        self.client_start = (client.requests, client.points)  # a client may serve several crawls
        self.saver = _Saver(store, client, repo)
        prog = store.get_progress(repo, "overflow")
        self.saver.pending = list(prog[1].get("pending", [])) if prog else []
        self.total: int | None = None
        self.stream = ""

    # -- bookkeeping -----------------------------------------------------------------------
    @property
    def requests(self) -> int:
        return self.base_requests + self.client.requests - self.client_start[0]

    @property
    def points(self) -> int:
        return self.base_points + self.client.points - self.client_start[1]

    def save_state(self, pages: int = 0, items: int = 0) -> None:
        if self.state.get("started_at") is None:
            started = self.client.server_time or time.time()
            self.state["started_at"] = _iso(started)
        self.state["pages"] = int(self.state.get("pages", 0)) + pages
        self.state["items"] = int(self.state.get("items", 0)) + items
        self.state["requests"] = self.requests
        self.state["points"] = self.points
        self.store.set_progress(self.repo, "run", None, self.state)
        self.store.set_progress(self.repo, "overflow", None, {"pending": self.saver.pending})

    def report(self) -> None:
        if self.progress is None:
            return
        bucket = self.client.budgets.get("graphql" if self.state["api"] == "graphql" else "core")
        self.progress(CrawlProgress(
            repo=self.repo, stream=self.stream, pages=int(self.state.get("pages", 0)),
            items=int(self.state.get("items", 0)), total=self.total, requests=self.requests, points=self.points,
            remaining=bucket.remaining if bucket else None, reset_at=bucket.reset if bucket else None,
        ))

    # -- GraphQL ---------------------------------------------------------------------------
    def crawl_graphql(self) -> None:
        since = self.state.get("since")
        totals: dict[str, int] = {}
        for kind in ("issues", "pull_requests"):
            prog = self.store.get_progress(self.repo, kind)
            if prog and prog[1].get("done"):
                continue
            self.stream = kind
            after = prog[0] if prog else None
            for page in fetch_bulk_pages(self.client, self.repo, kind, after=after,
                                         since=since if kind == "issues" else None, page_size=self.page_size):
                if page.total is not None and kind not in totals:
                    totals[kind] = page.total
                    self.total = sum(totals.values()) if not (since and kind == "pull_requests") else None
                nodes, stop = page.nodes, False
                if kind == "pull_requests" and since:
                    keep = [n for n in nodes if (n.get("updatedAt") or "") >= since]
                    stop, nodes = len(keep) < len(nodes), keep
                self.saver.partial_errors += len(page.errors)
                with self.store.transaction():
                    self.saver.save_nodes(nodes)
                    self.store.set_progress(self.repo, kind, page.end_cursor, {"done": stop or not page.has_next})
                    self.save_state(pages=1, items=len(nodes))
                self.report()
                while len(self.saver.pending) >= OVERFLOW_BATCH:
                    self.drain_overflow_batch()
                if stop:
                    break
        while self.saver.pending:
            self.drain_overflow_batch()

    def drain_overflow_batch(self) -> None:
        self.stream = "overflow"
        with self.store.transaction():
            self.saver.drain_batch()
            self.save_state(pages=1)
        self.report()

    # -- REST ------------------------------------------------------------------------------
    def crawl_rest(self) -> None:
        since = self.state.get("since")
        for stream, fetch, save in (
            ("rest_issues", fetch_rest_issue_pages, self._save_rest_issues),
            ("rest_comments", fetch_rest_comment_pages, self._save_rest_comments),
        ):
            prog = self.store.get_progress(self.repo, stream)
            if prog and prog[1].get("done"):
                continue
            self.stream = stream
            try:
                for resp, next_url in fetch(self.client, self.repo, since, prog[0] if prog else None):
                    items = resp.data or []
                    with self.store.transaction():
                        n = save(items)
                        self.store.set_progress(self.repo, stream, next_url, {"done": next_url is None})
                        self.save_state(pages=1, items=n)
                    self.report()
            except NotFoundError:
                raise NotFoundError(f"{self.repo} not found, or private and the token cannot see it") from None
        self._crawl_rest_timelines(since)

    def _save_rest_issues(self, items: list[dict[str, Any]]) -> int:
        self.store.save_issues([issue_from_rest(d, self.repo) for d in items])
        return len(items)

    def _save_rest_comments(self, items: list[dict[str, Any]]) -> int:
        self.store.save_comments([comment_from_rest(d, self.repo) for d in items])
        return 0

    def _crawl_rest_timelines(self, since: str | None) -> None:
        """Per-issue timelines, only for issues that changed, each page revalidated with its
        stored ETag (an authorized 304 costs nothing)."""
        self.stream = "rest_timelines"
        prog = self.store.get_progress(self.repo, "rest_timelines")
        after = int(prog[0]) if prog and prog[0] else None
        for number in self.store.load_issue_numbers(self.repo, updated_since=since, after=after):
            url: str | None = f"/repos/{self.repo}/issues/{number}/timeline?per_page=100"
            events: list[TimelineEvent] = []
            stubs: list[Issue] = []
            seen: dict[str, int] = {}
            cache: list[tuple[str, str, str]] = []
            while url:
                key = _cache_key(url)
                cached = self.store.get_cached(key)
                try:
                    resp = fetch_rest_timeline_page(self.client, url, cached[0] if cached else None)
                except (NotFoundError, GoneError):
                    break  # deleted or transferred since it was listed
                if resp.status == 304 and cached:
                    url = json.loads(cached[1]).get("next")
                    continue
                for d in resp.data or []:
                    ev = event_from_rest(d, self.repo, number)
                    if ev is not None:
                        events.append(number_repeats(ev, seen))
                        stubs.extend(s for s in referenced_stubs_from_rest(d) if s.repo != self.repo)
                if resp.etag:
                    cache.append((key, resp.etag, json.dumps({"next": resp.next_url})))
                url = resp.next_url
            with self.store.transaction():
                self.store.save_issues(stubs)
                self.store.save_timeline_events(events)
                for key, etag, body in cache:
                    self.store.put_cached(key, etag, body)
                self.store.set_progress(self.repo, "rest_timelines", str(number), {})
                self.save_state(pages=1)
            self.report()


def crawl_repo(
    client: GitHubClient,
    store: Store,
    repo: str,
    *,
    rest: bool = False,
    full: bool = False,
    progress: ProgressCallback | None = None,
    page_size: int = PAGE_SIZE,
) -> CrawlResult:
    """Bring the store up to date with ``repo``: everything on the first run (or with ``full``),
    then only what changed since the last completed run; resume an interrupted run first.

    GraphQL is the bulk path; ``rest=True`` (or a host without GraphQL, or no token) uses the
    REST path. Raises our ``GitHubError``/``StoreError`` subclasses; the progress is saved.
    """
    repo = parse_repo(repo)
    saved = store.get_progress(repo, "run")
    if saved and full and saved[1].get("since") is not None:
        with store.transaction():
            store.clear_progress(repo)
        saved = None
    resumed = saved is not None
    if saved is not None:
        state = dict(saved[1])
    else:
        state = {"since": None if full else store.get_repo_cursor(repo), "started_at": None,
                 "requests": 0, "points": 0, "pages": 0, "items": 0, "api": "graphql"}
    if rest or not client.authenticated:
        state["api"] = "rest"
    mode = "incremental" if state.get("since") else "full"
    with store.transaction():
        store.save_repo(repo)
        run_id = store.start_run(repo, mode, state.get("since"), _now_iso())
    run = _Run(client, store, repo, state, progress, page_size)
    try:
        if state["api"] == "graphql":
            try:
                run.crawl_graphql()
            except GraphQLUnavailable as exc:
                client.on_notice(f"{exc}; using the REST API instead")
                state["api"] = "rest"
                run.crawl_rest()
        else:
            run.crawl_rest()
        started = datetime.strptime(state["started_at"] or _now_iso(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        next_since = _iso(started.timestamp() - SKEW)
        with store.transaction():
            store.finish_repo_crawl(repo, since=next_since, finished_at=_now_iso(),
                                    requests=run.requests, points=run.points)
            store.clear_progress(repo)
            store.update_run(run_id, finished_at=_now_iso(), status="done", requests=run.requests,
                             points=run.points, items=int(state.get("items", 0)))
    except BaseException as exc:
        try:
            store.update_run(run_id, finished_at=_now_iso(),
                             status="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                             requests=run.requests, points=run.points, items=int(state.get("items", 0)))
        except StoreError:
            pass
        raise
    return CrawlResult(
        repo=repo, mode=mode, api=state["api"], items=int(state.get("items", 0)), pages=int(state.get("pages", 0)),
        requests=run.requests, points=run.points, since=state.get("since"), next_since=next_since, resumed=resumed,
        partial_errors=run.saver.partial_errors,
    )


def fetch_issues(client: GitHubClient, store: Store, refs: list[IssueRef]) -> dict[IssueRef, str]:
    """Fetch several issues or pull requests (any repositories) in full — fields, every comment,
    the timeline items — in batched alias queries, and save them. For the URL walk.

    Returns a status per ref: ``'ok'``, ``'not_found'`` (unknown, deleted, or private to this
    token), ``'forbidden'``, or ``'error'``. One bad ref never raises; each batch is saved in one
    transaction with its overflow pages, so a saved issue is always complete.
    """
    unique = sorted(set(refs))
    if not unique:
        return {}
    nodes, errors = fetch_issue_batch(client, [(r.repo, r.number) for r in unique])
    status: dict[IssueRef, str] = {}
    by_alias: dict[str, str] = {}
    for e in errors:
        path = e.get("path") or []
        if path and isinstance(path[0], str) and len(path) <= 2:
            by_alias[path[0]] = {"NOT_FOUND": "not_found", "FORBIDDEN": "forbidden"}.get(str(e.get("type")), "error")
    saver = _Saver(store, client, None)
    with store.transaction():
        found = []
        for i, (ref, node) in enumerate(zip(unique, nodes, strict=True)):
            if node is None:
                status[ref] = by_alias.get(f"i{i}", "not_found")
                continue
            found.append(node)
            status[ref] = "ok"
        saver.save_nodes(found)
        while saver.pending:
            saver.drain_batch()
    return status
