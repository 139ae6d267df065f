"""Inputs for the clusterer: ``ClusterInput`` and ``ExplicitLink`` from the store or from JSON.

Stage: store (or a JSON list of issues) → plain clusterer input. The clusterer itself never reads
the store, so it can be fed from any JSON of issues (``inputs_from_json``).

Explicit evidence read here:
- ``marked_as_duplicate`` timeline events (``other`` = the canonical), minus ones later undone by
  ``unmarked_as_duplicate``;
- "Duplicate of #N" written in a comment (GitHub's own closing phrase);
- ``closed`` events whose closer is a pull request (same closing PR).

"Duplicate of #N" is read by ``graph/refs.py`` (the same parser the reference graph uses).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import UsageError
from ..models import IssueRef
from ..store import Store
from .cluster import (
    BackgroundConfig,
    ClusterInput,
    ClusterResult,
    ExplicitLink,
    Similar,
    cluster_issues,
    rank_similar,
)
from .refs import duplicate_targets


def duplicate_of_mentions(text: str, repo: str) -> list[IssueRef]:
    """Targets of "Duplicate of #N" lines in one comment (``refs.duplicate_targets``: Markdown
    tokens, so code and quotes are not claims)."""
    return duplicate_targets(text or "", repo)


def inputs_from_json(rows: Iterable[Mapping[str, Any]]) -> tuple[list[ClusterInput], list[ExplicitLink]]:
    """Issues as JSON objects (``repo``, ``number``, ``title``, ``body``, ``comments`` as strings
    or ``{"body": ...}`` objects, optional ``state``, ``state_reason``, ``created_at``,
    ``closed_at``, ``labels``). Links come from "Duplicate of #N" comments only."""
    items: list[ClusterInput] = []
    links: list[ExplicitLink] = []
    for r in rows:
        repo, number = str(r["repo"]), int(r["number"])
        comments = tuple(c["body"] if isinstance(c, Mapping) else str(c) for c in r.get("comments") or ())
        key = IssueRef(repo, number).key
        items.append(ClusterInput(
            key=key, repo=repo, number=number, title=str(r.get("title") or ""), body=str(r.get("body") or ""),
            comments=comments, state=str(r.get("state") or "open"), state_reason=r.get("state_reason"),
            created_at=r.get("created_at"), closed_at=r.get("closed_at"), labels=tuple(r.get("labels") or ()),
        ))
        links.extend(_comment_links(key, repo, comments))
    return items, links


def _comment_links(key: str, repo: str, comments: Iterable[str]) -> list[ExplicitLink]:
    out = []
    for c in comments:
        for ref in duplicate_of_mentions(c, repo):
            if ref.key != key:
                out.append(ExplicitLink(key, ref.key, "duplicate_of_comment", f"comment: Duplicate of {ref.key}"))
    return out


def load_cluster_inputs(store: Store, repo: str) -> tuple[list[ClusterInput], list[ExplicitLink]]:
    """Crawled issues of ``repo`` (pull requests are fixes, not reports: left out) with their
    comments, and the explicit duplicate evidence stored for them."""
    issues = [i for i in store.load_issues(repo) if i.kind == "issue"]
    comments: dict[int, list[str]] = {}
    for c in store.load_comments(repo):
        comments.setdefault(c.number, []).append(c.body)
    items: list[ClusterInput] = []
    links: list[ExplicitLink] = []
    for i in issues:
        cs = tuple(comments.get(i.number, ()))
        items.append(ClusterInput(
            key=i.key, repo=i.repo, number=i.number, title=i.title, body=i.body, comments=cs, state=i.state,
            state_reason=i.state_reason, created_at=i.created_at, closed_at=i.closed_at, labels=i.labels,
        ))
        links.extend(_comment_links(i.key, i.repo, cs))
    marked: dict[tuple[str, str], bool] = {}
    for e in store.load_timeline_events(repo):
        if e.other is None:
            continue
        src = IssueRef(e.repo, e.number).key
        if e.event in ("marked_as_duplicate", "unmarked_as_duplicate"):
            marked[(src, e.other.key)] = e.event == "marked_as_duplicate"  # events come in time order
        elif e.event == "closed":
            links.append(ExplicitLink(src, e.other.key, "same_closing_pr", f"closed by {e.other.key}"))
    for (src, target), on in sorted(marked.items()):
        if on:
            links.append(ExplicitLink(src, target, "marked_as_duplicate", f"marked as duplicate of {target}"))
    return items, links


def update_clusters(store: Store, repo: str, config: BackgroundConfig, created_at: str) -> tuple[int, ClusterResult]:
    """Cluster ``repo``'s crawled issues and save the run (with ``RULES_VERSION``) as current."""
    items, links = load_cluster_inputs(store, repo)
    result = cluster_issues(items, links, config=config)
    run_id = store.save_cluster_run(repo, result.rules_version, created_at, len(items), result.clusters)
    return run_id, result


def parse_issue_target(text: str) -> IssueRef:
    """``https://github.com/OWNER/REPO/issues/N`` (or ``/pull/N``) or ``OWNER/REPO#N``."""
    m = re.match(r"^\s*https?://[^/]+/([^/]+/[^/]+)/(?:issues|pull)/(\d+)\b", text)
    if m:
        return IssueRef(m.group(1), int(m.group(2)))
    try:
        return IssueRef.from_key(text.strip())
    except UsageError:
        raise UsageError(f"'{text}' is neither an issue URL nor OWNER/REPO#N (for example: "
                         "anthropics/claude-code#45035)") from None


def find_similar(store: Store, target: IssueRef, top: int, config: BackgroundConfig) -> list[Similar]:
    """Likely duplicates of ``target`` among its repository's crawled issues, best first."""
    items, _ = load_cluster_inputs(store, target.repo)
    if not any(i.key == target.key for i in items):
        issue = store.load_issue(target.repo, target.number)
        if issue is None or not issue.crawled:
            raise UsageError(f"{target.key} is not in the store; run `issuegraph crawl {target.repo}` first")
        items.append(ClusterInput(key=issue.key, repo=issue.repo, number=issue.number, title=issue.title,
                                  body=issue.body, comments=tuple(c.body for c in store.load_comments(
                                      issue.repo, issue.number)), state=issue.state))
    return rank_similar(items, target.key, top, config=config)
