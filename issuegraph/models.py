"""GitHub-shaped data as frozen dataclasses: the boundary between the crawler and everything else.

The crawler builds these from raw API JSON (GraphQL nodes or REST objects); the store saves them
together with that raw JSON, so later stages can re-derive anything without asking GitHub again.
Field names here are ours; GitHub's field names appear only in the ``from_*`` constructors.
"""

from __future__ import annotations

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
