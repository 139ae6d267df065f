"""Stage: the URL walk. Input: one issue or PR, a depth, a node budget, a store and a *fetcher*;
output: the issues it reached saved in the store, and a ``WalkResult`` saying what was visited,
what was fetched or reused, and what could not be reached and why.

Breadth-first, one level at a time, so every level is one batched fetch (the crawler's
``fetch_issues`` asks GraphQL for a whole level in aliased queries). Links are followed both ways:
out of a node through its text (body and comments: references, closing keywords, "Duplicate of")
and its raw ``closingIssuesReferences``, and into it through its timeline (cross-referenced sources,
the canonical it was marked a duplicate of, connected PRs, the PR that closed it, where it was
transferred) and stored events elsewhere that point at it. Repositories are crossed freely.

A node already fetched within ``max_age`` (by an earlier walk, or by a crawl of its repository) is
reused, not fetched. A node the fetcher cannot get (deleted, private, transferred away) becomes a
``problems`` line and the walk goes on; only an unreachable *start* stops it.

The fetcher seam: ``Fetcher = Callable[[list[IssueRef]], dict[IssueRef, str]]`` fetches the refs in
full into the store and returns a status per ref (``ok``, ``not_found``, ``forbidden``, ``gone``,
``error``). The command line binds it to the crawler's ``fetch_issues(client, store, refs)``; tests
bind it to a fake that fills the store from a dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..errors import GoneError, NotFoundError
from ..graph.build import links_of
from ..graph.refs import DEFAULT_HOSTS
from ..models import IssueRef
from ..store import Store

Fetcher = Callable[[list[IssueRef]], dict[IssueRef, str]]

DEFAULT_DEPTH = 2
DEFAULT_MAX_NODES = 200
DEFAULT_MAX_AGE = timedelta(hours=24)

_PROBLEM = {
    "not_found": "not found: deleted, private to this token, or never existed",
    "forbidden": "no access: the repository is private or the token lacks its scope",
    "gone": "deleted (410 Gone)",
    "moved": "transferred or renamed: GitHub answered for another location",
    "error": "GitHub returned an error for it",
}


@dataclass
class WalkResult:
    """What a walk reached. ``depth`` maps each visited ref to its distance from ``start``."""

    start: IssueRef
    depth: dict[IssueRef, int] = field(default_factory=dict)
    fetched: list[IssueRef] = field(default_factory=list)
    reused: list[IssueRef] = field(default_factory=list)
    problems: dict[IssueRef, str] = field(default_factory=dict)
    skipped_over_budget: list[IssueRef] = field(default_factory=list)
    max_depth: int = DEFAULT_DEPTH

    @property
    def visited(self) -> list[IssueRef]:
        """Reached and stored, in BFS order (by depth, then ref)."""
        return sorted(self.depth, key=lambda r: (self.depth[r], r))

    def problem_lines(self) -> list[str]:
        return [f"{ref.key}: {_PROBLEM.get(status, status)}; skipped" for ref, status in sorted(self.problems.items())]


def _is_fresh(store: Store, ref: IssueRef, now: datetime, max_age: timedelta) -> bool:
    issue = store.load_issue(ref.repo, ref.number)
    if issue is None or not issue.crawled:
        return False
    seen = store.load_fetched_at(ref)
    if seen is None or seen[1] != "ok":
        return False
    try:
        when = datetime.fromisoformat(seen[0].replace("Z", "+00:00"))
    except ValueError:
        return False
    return now - when <= max_age


def walk(
    store: Store,
    start: IssueRef,
    fetch: Fetcher,
    *,
    depth: int = DEFAULT_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_age: timedelta = DEFAULT_MAX_AGE,
    hosts: Sequence[str] = DEFAULT_HOSTS,
    now: datetime | None = None,
    on_level: Callable[[int, int, int], None] | None = None,
) -> WalkResult:
    """Walk from ``start`` (see the module docstring). ``on_level(depth, to_fetch, reused)`` is told
    about each level before it is fetched, for progress display.

    Raises ``NotFoundError``/``GoneError`` when the start itself cannot be fetched.
    """
    store.require_writable()
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    result = WalkResult(start=start, max_depth=depth)
    level = [start]
    seen = {start}
    for d in range(depth + 1):
        if not level:
            break
        stale = [r for r in level if not _is_fresh(store, r, now, max_age)]
        fresh = [r for r in level if r not in set(stale)]
        if on_level:
            on_level(d, len(stale), len(fresh))
        statuses = fetch(stale) if stale else {}
        for ref in stale:
            status = statuses.get(ref, "error")
            if status == "ok" and store.load_issue(ref.repo, ref.number) is None:
                status = "moved"
            statuses[ref] = status
        if statuses:
            with store.transaction():
                store.save_fetches({r: s for r, s in statuses.items() if r in set(stale)}, stamp)
        for ref in level:
            status = statuses.get(ref, "ok")
            if status != "ok":
                result.problems[ref] = status
                continue
            result.depth[ref] = d
            (result.fetched if ref in statuses else result.reused).append(ref)
        if start in result.problems:
            status = result.problems[start]
            err = GoneError if status == "gone" else NotFoundError
            raise err(f"cannot walk from {start.key}: {_PROBLEM.get(status, status)}")
        if d == depth:
            break
        nxt: list[IssueRef] = []
        for ref in sorted(r for r in level if r in result.depth):
            for other in links_of(store, ref, hosts):
                if other in seen:
                    continue
                seen.add(other)
                if len(result.depth) + len(result.problems) + len(nxt) >= max_nodes:
                    result.skipped_over_budget.append(other)
                    continue
                nxt.append(other)
        level = nxt
    return result
