"""GitHub-shaped data as frozen dataclasses: the boundary between the crawler and everything else.

The crawler builds these from raw API JSON (GraphQL nodes or REST objects); the store saves them
together with that raw JSON, so later stages can re-derive anything without asking GitHub again.
Field names here are ours; GitHub's field names appear only in the ``from_*`` constructors.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import UsageError

Kind = Literal["issue", "pull_request"]

_REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


def parse_repo(text: str) -> str:
    """Validate ``OWNER/REPO`` and return it unchanged; raise ``UsageError`` otherwise."""
    text = text.strip()
    if not _REPO_RE.match(text) or text.split("/")[1] in (".", ".."):
        url = re.match(r"^https?://[^/]+/([^/\s]+/[^/\s#?]+)", text)
        if url and _REPO_RE.match(url.group(1).removesuffix(".git")):
            raise UsageError(f"'{text}' is a URL; pass the repository as OWNER/REPO: {url.group(1).removesuffix('.git')}")
        raise UsageError(f"'{text}' is not OWNER/REPO (for example: anthropics/claude-code)")
    return text


@dataclass(frozen=True, order=True)
class IssueRef:
    """A pointer to an issue or pull request, possibly in another repository."""

    repo: str
    number: int

    @property
    def key(self) -> str:
        """Graph node key and the form people write: ``owner/repo#N``."""
        return f"{self.repo}#{self.number}"

    @classmethod
    def from_key(cls, key: str) -> IssueRef:
        repo, _, num = key.rpartition("#")
        if not repo or not num.isdigit():
            raise UsageError(f"'{key}' is not owner/repo#N")
        return cls(parse_repo(repo), int(num))

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Issue:
    """An issue or pull request as crawled. ``crawled`` is False for a stub only seen as a reference."""

    repo: str
    number: int
    kind: Kind
    title: str
    body: str
    state: str  # "open" | "closed"
    state_reason: str | None  # completed | not_planned | duplicate | reopened | None
    author: str | None
    labels: tuple[str, ...]
    created_at: str | None
    updated_at: str | None
    closed_at: str | None
    merged_at: str | None = None
    merged: bool | None = None  # None for issues
    reactions: dict[str, int] = field(default_factory=dict)
    comment_count: int = 0
    url: str | None = None
    node_id: str | None = None
    crawled: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ref(self) -> IssueRef:
        return IssueRef(self.repo, self.number)

    @property
    def key(self) -> str:
        return self.ref.key


@dataclass(frozen=True)
class Comment:
    """An issue or PR conversation comment. ``id`` is GitHub's database id (stable, unique per host)."""

    repo: str
    number: int
    id: int
    author: str | None
    body: str
    created_at: str | None
    updated_at: str | None
    reactions: dict[str, int] = field(default_factory=dict)
    url: str | None = None
    node_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


# Timeline event names are REST's (``cross-referenced``, ``marked_as_duplicate`` …) whichever API
# they came from, so the graph reads one vocabulary.
TIMELINE_EVENTS = (
    "cross-referenced",
    "marked_as_duplicate",
    "unmarked_as_duplicate",
    "connected",
    "disconnected",
    "referenced",
    "closed",
    "reopened",
    "renamed",
    "transferred",
    "labeled",
    "unlabeled",
)


@dataclass(frozen=True)
class TimelineEvent:
    """One timeline item of an issue or PR (comments are stored as ``Comment``, not here).

    ``other`` is the issue this event points at, by event type:
    cross-referenced → the *source* that mentioned this issue; marked/unmarked_as_duplicate → the
    canonical issue; connected/disconnected → the connected subject; closed → the closing PR
    (if a PR closed it); transferred → the new location.
    ``key`` is stable across crawls (GitHub node id, or a hash of the event's fields when the API
    gives none), so re-crawling never doubles an event.
    """

    repo: str
    number: int
    key: str
    event: str
    actor: str | None
    created_at: str | None
    other: IssueRef | None = None
    will_close: bool | None = None
    state_reason: str | None = None
    commit_id: str | None = None
    rename_from: str | None = None
    rename_to: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def issue(self) -> IssueRef:
        return IssueRef(self.repo, self.number)


@dataclass(frozen=True)
class ClusterRecord:
    """A duplicate cluster as the store keeps it and the reports read it (derived data, not GitHub's).

    ``members`` are node keys (``owner/repo#N``) sorted by number and include ``canonical``;
    ``hints`` say, per member, why it is in (which signature, which evidence, which score);
    ``details`` is JSON the clusterer records for the reports (background signatures ignored,
    scores, evidence edges), so every number a report prints traces back to a recorded fact.
    """

    id: str
    repo: str
    canonical: str
    members: tuple[str, ...]
    signature: str | None
    hints: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Building models from GitHub's JSON. GitHub's field names live here and nowhere else.
# --------------------------------------------------------------------------------------------

# GraphQL ReactionContent → REST reaction keys, so both paths store one vocabulary.
_REACTIONS = {
    "THUMBS_UP": "+1", "THUMBS_DOWN": "-1", "LAUGH": "laugh", "HOORAY": "hooray",
    "CONFUSED": "confused", "HEART": "heart", "ROCKET": "rocket", "EYES": "eyes",
}
_REST_REACTION_KEYS = tuple(_REACTIONS.values())

# GraphQL timeline typename → REST event name.
GRAPHQL_EVENTS = {
    "CrossReferencedEvent": "cross-referenced",
    "MarkedAsDuplicateEvent": "marked_as_duplicate",
    "UnmarkedAsDuplicateEvent": "unmarked_as_duplicate",
    "ConnectedEvent": "connected",
    "DisconnectedEvent": "disconnected",
    "ReferencedEvent": "referenced",
    "ClosedEvent": "closed",
    "ReopenedEvent": "reopened",
    "RenamedTitleEvent": "renamed",
    "TransferredEvent": "transferred",
    "LabeledEvent": "labeled",
    "UnlabeledEvent": "unlabeled",
}


def _login(actor: Any) -> str | None:
    return actor.get("login") if isinstance(actor, dict) else None


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _graphql_state(node: dict[str, Any]) -> tuple[str, bool | None]:
    """GraphQL issues say OPEN/CLOSED; pull requests (aliased ``prState``) also MERGED."""
    if node.get("__typename") == "PullRequest":
        state = node.get("prState") or ("CLOSED" if node.get("closed") else "OPEN")
        return ("open" if state == "OPEN" else "closed"), bool(node.get("merged") or state == "MERGED")
    return ("open" if node.get("state") == "OPEN" else "closed"), None


def ref_from_graphql(node: dict[str, Any] | None) -> IssueRef | None:
    """An Issue/PullRequest node with ``number`` and ``repository{nameWithOwner}``, as a ref."""
    if not isinstance(node, dict) or node.get("number") is None:
        return None
    repo = (node.get("repository") or {}).get("nameWithOwner")
    return IssueRef(repo, int(node["number"])) if repo else None


def stub_from_graphql(node: dict[str, Any]) -> Issue | None:
    """An issue seen only as the other end of a reference (``crawled=False``)."""
    ref = ref_from_graphql(node)
    if ref is None:
        return None
    state, merged = _graphql_state(node)
    kind: Kind = "pull_request" if node.get("__typename") == "PullRequest" else "issue"
    return Issue(
        repo=ref.repo, number=ref.number, kind=kind, title=node.get("title") or "", body="", state=state,
        state_reason=None, author=None, labels=(), created_at=None, updated_at=None, closed_at=None,
        merged=merged, url=node.get("url"), crawled=False, raw=node,
    )


def issue_from_graphql(node: dict[str, Any], repo: str | None = None, *, comment_count: int = 0) -> Issue:
    """A crawled Issue or PullRequest node (see ``crawler.fetch`` for the fields asked for).

    ``raw`` keeps the node without its nested connections (comments and events are stored as
    rows of their own; labels and reactions are in columns).
    """
    repo = repo or (node.get("repository") or {}).get("nameWithOwner")
    if not repo:
        raise ValueError("issue node without a repository")
    state, merged = _graphql_state(node)
    reactions: dict[str, int] = {}
    for r in ((node.get("reactions") or {}).get("nodes") or []):
        key = _REACTIONS.get(r.get("content", ""))
        if key:
            reactions[key] = reactions.get(key, 0) + 1
    labels = tuple(sorted(lab["name"] for lab in ((node.get("labels") or {}).get("nodes") or []) if lab))
    raw = {k: v for k, v in node.items() if k not in ("timelineItems", "labels", "reactions")}
    return Issue(
        repo=repo, number=int(node["number"]),
        kind="pull_request" if node.get("__typename") == "PullRequest" else "issue",
        title=node.get("title") or "", body=node.get("body") or "", state=state,
        state_reason=_lower(node.get("stateReason")), author=_login(node.get("author")), labels=labels,
        created_at=node.get("createdAt"), updated_at=node.get("updatedAt"), closed_at=node.get("closedAt"),
        merged_at=node.get("mergedAt"), merged=merged, reactions=reactions, comment_count=comment_count,
        url=node.get("url"), node_id=node.get("id"), crawled=True, raw=raw,
    )


def comment_from_graphql(node: dict[str, Any], repo: str, number: int) -> Comment:
    return Comment(
        repo=repo, number=number, id=int(node["databaseId"]), author=_login(node.get("author")),
        body=node.get("body") or "", created_at=node.get("createdAt"), updated_at=node.get("updatedAt"),
        url=node.get("url"), node_id=node.get("id"), raw=node,
    )


def _xref_key(source: IssueRef | None, created_at: str | None) -> str:
    """Cross-references have no id over REST, so both APIs key them by what they say: the same
    source mentioning the same target at the same moment is one event."""
    import hashlib

    text = f"cross-referenced|{source.key if source else ''}|{created_at or ''}"
    return "xref-" + hashlib.sha1(text.encode()).hexdigest()[:20]


def _event_key(raw: dict[str, Any], event: str, node_id: str | None) -> str:
    if node_id:
        return node_id
    import hashlib

    text = json.dumps({k: raw.get(k) for k in sorted(raw) if k not in ("url",)}, sort_keys=True, default=str)
    return f"h-{event}-" + hashlib.sha1(text.encode()).hexdigest()[:20]


def event_from_graphql(node: dict[str, Any], repo: str, number: int) -> TimelineEvent | None:
    """One timeline node; None for types we do not keep (comments are ``Comment`` rows)."""
    event = GRAPHQL_EVENTS.get(node.get("__typename", ""))
    if event is None:
        return None
    other: IssueRef | None = None
    commit_id = None
    if event == "cross-referenced":
        other = ref_from_graphql(node.get("source"))
    elif event in ("marked_as_duplicate", "unmarked_as_duplicate"):
        other = ref_from_graphql(node.get("canonical"))
    elif event in ("connected", "disconnected"):
        other = ref_from_graphql(node.get("subject"))
    elif event == "closed":
        closer = node.get("closer") or {}
        if closer.get("__typename") == "PullRequest":
            other = ref_from_graphql(closer)
        commit_id = closer.get("oid")
    elif event == "referenced":
        commit_id = (node.get("commit") or {}).get("oid")
    created = node.get("createdAt")
    key = _xref_key(other, created) if event == "cross-referenced" else _event_key(node, event, node.get("id"))
    return TimelineEvent(
        repo=repo, number=number, key=key, event=event, actor=_login(node.get("actor")), created_at=created,
        other=other, will_close=node.get("willCloseTarget") if event == "cross-referenced" else None,
        state_reason=_lower(node.get("stateReason")) if event in ("closed", "reopened") else None,
        commit_id=commit_id, rename_from=node.get("previousTitle"), rename_to=node.get("currentTitle"), raw=node,
    )


def referenced_stubs_from_graphql(node: dict[str, Any]) -> list[Issue]:
    """Stubs for every issue a timeline node points at (source, canonical, subject, closer)."""
    out = []
    for key in ("source", "canonical", "subject", "closer"):
        stub = stub_from_graphql(node.get(key)) if isinstance(node.get(key), dict) else None
        if stub is not None:
            out.append(stub)
    return out


# -- REST ------------------------------------------------------------------------------------

_REPO_FROM_URL = re.compile(r"/repos/([^/]+/[^/]+)/issues/(\d+)(?:$|[/?#])")


def ref_from_rest(issue: dict[str, Any] | None) -> IssueRef | None:
    """A REST issue object (with ``repository`` or an API ``url``) as a ref."""
    if not isinstance(issue, dict) or issue.get("number") is None:
        return None
    repo = (issue.get("repository") or {}).get("full_name")
    if not repo:
        m = _REPO_FROM_URL.search(issue.get("url") or "")
        repo = m.group(1) if m else None
    return IssueRef(repo, int(issue["number"])) if repo else None


def _rest_reactions(obj: dict[str, Any]) -> dict[str, int]:
    r = obj.get("reactions") or {}
    return {k: int(r[k]) for k in _REST_REACTION_KEYS if r.get(k)}


def issue_from_rest(d: dict[str, Any], repo: str | None = None, *, crawled: bool = True) -> Issue:
    """A REST issue (pull requests appear in ``/issues`` with a ``pull_request`` key)."""
    ref = ref_from_rest(d)
    repo = repo or (ref.repo if ref else None)
    if not repo:
        raise ValueError("issue without a repository")
    pr = d.get("pull_request")
    merged_at = pr.get("merged_at") if isinstance(pr, dict) else None
    return Issue(
        repo=repo, number=int(d["number"]), kind="pull_request" if pr else "issue",
        title=d.get("title") or "", body=(d.get("body") or "") if crawled else "", state=d.get("state") or "open",
        state_reason=d.get("state_reason"), author=_login(d.get("user")),
        labels=tuple(sorted((lab["name"] if isinstance(lab, dict) else str(lab)) for lab in d.get("labels") or [])),
        created_at=d.get("created_at"), updated_at=d.get("updated_at"), closed_at=d.get("closed_at"),
        merged_at=merged_at, merged=(merged_at is not None) if pr else None, reactions=_rest_reactions(d),
        comment_count=int(d.get("comments") or 0), url=d.get("html_url"), node_id=d.get("node_id"),
        crawled=crawled, raw=d,
    )


def comment_from_rest(d: dict[str, Any], repo: str) -> Comment:
    m = re.search(r"/issues/(\d+)$", d.get("issue_url") or "")
    if not m:
        raise ValueError("comment without an issue_url")
    return Comment(
        repo=repo, number=int(m.group(1)), id=int(d["id"]), author=_login(d.get("user")), body=d.get("body") or "",
        created_at=d.get("created_at"), updated_at=d.get("updated_at"), reactions=_rest_reactions(d),
        url=d.get("html_url"), node_id=d.get("node_id"), raw=d,
    )


def event_from_rest(d: dict[str, Any], repo: str, number: int) -> TimelineEvent | None:
    """One REST timeline item; None for types we do not keep (``commented`` is a Comment)."""
    event = d.get("event")
    if event not in TIMELINE_EVENTS:
        return None
    other: IssueRef | None = None
    actor = _login(d.get("actor"))
    if event == "cross-referenced":
        other = ref_from_rest((d.get("source") or {}).get("issue"))
    created = d.get("created_at")
    rename = d.get("rename") or {}
    key = _xref_key(other, created) if event == "cross-referenced" else _event_key(d, event, d.get("node_id"))
    return TimelineEvent(
        repo=repo, number=number, key=key, event=event, actor=actor, created_at=created, other=other,
        will_close=None, state_reason=d.get("state_reason") if event in ("closed", "reopened") else None,
        commit_id=d.get("commit_id"), rename_from=rename.get("from"), rename_to=rename.get("to"), raw=d,
    )


def referenced_stubs_from_rest(d: dict[str, Any]) -> list[Issue]:
    src = (d.get("source") or {}).get("issue") if d.get("event") == "cross-referenced" else None
    if isinstance(src, dict) and ref_from_rest(src) is not None:
        return [issue_from_rest(src, crawled=False)]
    return []
