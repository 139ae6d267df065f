"""Inputs for the clusterer: ``ClusterInput`` and ``ExplicitLink`` from the store or from JSON.

Stage: store (or a JSON list of issues) → plain clusterer input. The clusterer itself never reads
the store, so it can be fed from any JSON of issues (``inputs_from_json``).

Explicit evidence read here:
- ``marked_as_duplicate`` timeline events (``other`` = the canonical), minus ones later undone by
  ``unmarked_as_duplicate``;
- "Duplicate of #N" written in a comment (GitHub's own closing phrase);
- a duplicate claim in a comment's prose ("Closing as a duplicate of #N", "I believe this is a
  duplicate of <url>", "dupe of #N", "This is the same as #N"): weaker, a *claim* the clusterer
  weighs under its chaining guard (``duplicate_claim``);
- ``closed`` events whose closer is a pull request (same closing PR).

"Duplicate of #N" is read by ``graph/refs.py`` (the same parser the reference graph uses).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
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
from .refs import DEFAULT_HOSTS, Reference, duplicate_targets, extract_references, parse_issue_url


def duplicate_of_mentions(text: str, repo: str) -> list[IssueRef]:
    """Targets of "Duplicate of #N" lines in one comment (``refs.duplicate_targets``: Markdown
    tokens, so code and quotes are not claims)."""
    return duplicate_targets(text or "", repo)


# The words right before a reference that make a comment's prose claim *this* issue duplicates it.
# The subject must be this issue (``this``/``it``, closing it, or the sentence's start): "#12 was
# closed as a duplicate of #3" is about #12. A negation anywhere before it in the sentence voids it.
_CLAIM_BEFORE = re.compile(
    r"(?ix)(?:^|[.!?:;(]\s*|\b(?:this|it)\s+(?:is|was|seems|looks|appears)\b[\w\s',-]{0,30}?|\bclos(?:e|ing)"
    r"(?:\s+(?:this|it))?\s+(?:one\s+)?as\s+|\b(?:believe|think|probably|likely|maybe|perhaps)\s+(?:this\s+is\s+)?)"
    r"(?:an?\s+)?(?:exact\s+|possible\s+|likely\s+)?(?:duplicate|dupe?)\s+(?:of|to)\s*:?\s*$"
    r"|(?:^|[.!?]\s*|\b(?:this|it)\s+(?:is|seems|looks)\s+(?:to\s+be\s+)?(?:exactly\s+)?)the\s+same\s+(?:issue\s+|bug\s+|problem\s+)?as\s*:?\s*$"
)
_NEGATED = re.compile(r"(?i)\b(?:not|isn't|isnt|wasn't|never|no longer)\b")


def duplicate_claims(text: str, repo: str, refs: Sequence[Reference] | None = None) -> list[IssueRef]:
    """Issues a comment's prose says this issue duplicates (beyond GitHub's ``Duplicate of #N``),
    unquoted and outside code (``refs.extract_references`` decides what is prose; pass its result
    as ``refs`` when you have it)."""
    out: list[IssueRef] = []
    for ref in extract_references(text or "", repo) if refs is None else refs:
        if ref.quoted or ref.kind != "mention" or ref.target in out:
            continue
        at = text.find(ref.text)
        if at < 0:
            continue
        line = text[text.rfind("\n", 0, at) + 1:at]
        sentence = re.split(r"[.!?]\s", line)[-1]
        if line.lstrip().startswith(">") or _NEGATED.search(sentence):
            continue
        if _CLAIM_BEFORE.search(line[-80:]):
            out.append(ref.target)
    return out


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
        refs = extract_references(c or "", repo)  # one Markdown parse serves both readings
        declared = [r.target for r in refs if r.kind == "duplicate_of" and not r.quoted]
        for ref in declared:
            if ref.key != key:
                out.append(ExplicitLink(key, ref.key, "duplicate_of_comment", f"comment: Duplicate of {ref.key}"))
        for ref in duplicate_claims(c, repo, refs):
            if ref.key != key and ref not in declared:
                out.append(ExplicitLink(key, ref.key, "duplicate_claim", f"comment says it duplicates {ref.key}"))
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


def parse_issue_target(text: str, hosts: Sequence[str] = DEFAULT_HOSTS) -> IssueRef:
    """``https://github.com/OWNER/REPO/issues/N`` (or ``/pull/N``, or an Enterprise host in
    ``hosts``) or ``OWNER/REPO#N``: the same parsing ``walk`` uses, so a URL on another site is
    refused rather than read as a GitHub issue."""
    return parse_issue_url(text, hosts)


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
