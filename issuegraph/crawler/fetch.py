"""What to ask GitHub, page by page: ``fetch_*`` functions that return or yield raw JSON pages.

Stage: network I/O through ``client.GitHubClient``; no store, no models. ``crawl.py`` decides
what to fetch and saves what comes back.

GraphQL cost (GitHub's documented algorithm, which ghsim implements): each connection costs the
product of its parents' ``first``; the sum is divided by 100 and rounded, minimum 1. A page of
``k`` issues with three nested connections (labels, reactions, timeline items) costs
``round((1 + 3k) / 100)``, so ``k = 49`` is the largest page that still costs exactly 1 point.
Comments ride in the timeline (``ISSUE_COMMENT``) rather than in a fourth connection, for the
same reason. Issues with more than 100 timeline items or reactions get their next pages later,
many issues per query (``node(id:)`` aliases, each alias one connection: 50 aliases still cost 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import GitHubError, NetworkError, NotFoundError
from .client import GitHubClient, RestResponse, ServerBusy

PAGE_SIZE = 49  # issues per bulk page: 1 + 3 * 49 = 148 requests → 1 point (see module docstring)
NESTED = 100  # timeline items / reactions / labels per issue in a bulk page
OVERFLOW_BATCH = 50  # next-page requests per overflow query (one connection each → 1 point)
ISSUE_BATCH = 16  # issues per fetch_issue_batch query (three connections each → 48 → 1 point)
MIN_PAGE = 1
MAX_BUSY_AT_MIN = 3

ITEM_TYPES = (
    "ISSUE_COMMENT CROSS_REFERENCED_EVENT MARKED_AS_DUPLICATE_EVENT UNMARKED_AS_DUPLICATE_EVENT "
    "CONNECTED_EVENT DISCONNECTED_EVENT REFERENCED_EVENT CLOSED_EVENT REOPENED_EVENT RENAMED_TITLE_EVENT "
    "TRANSFERRED_EVENT LABELED_EVENT UNLABELED_EVENT"
).split()
_TYPES = "[" + ", ".join(ITEM_TYPES) + "]"

# The other end of a reference. Issue.state and PullRequest.state are different enums, so the
# PR's is aliased (GraphQL refuses two leaf types under one response name).
STUB = """__typename
  ... on Issue { number title url state repository { nameWithOwner } }
  ... on PullRequest { number title url prState: state merged repository { nameWithOwner } }"""

TIMELINE_NODE = f"""__typename
  ... on IssueComment {{ id databaseId author {{ login }} body createdAt updatedAt url }}
  ... on CrossReferencedEvent {{ id createdAt actor {{ login }} willCloseTarget isCrossRepository source {{ {STUB} }} }}
  ... on MarkedAsDuplicateEvent {{ id createdAt actor {{ login }} canonical {{ {STUB} }} }}
  ... on UnmarkedAsDuplicateEvent {{ id createdAt actor {{ login }} canonical {{ {STUB} }} }}
  ... on ConnectedEvent {{ id createdAt actor {{ login }} subject {{ {STUB} }} }}
  ... on DisconnectedEvent {{ id createdAt actor {{ login }} subject {{ {STUB} }} }}
  ... on ReferencedEvent {{ id createdAt actor {{ login }} isCrossRepository commit {{ oid }} }}
  ... on ClosedEvent {{ id createdAt actor {{ login }} stateReason
        closer {{ __typename ... on Commit {{ oid }}
                  ... on PullRequest {{ number title url prState: state merged repository {{ nameWithOwner }} }} }} }}
  ... on ReopenedEvent {{ id createdAt actor {{ login }} stateReason }}
  ... on RenamedTitleEvent {{ id createdAt actor {{ login }} previousTitle currentTitle }}
  ... on TransferredEvent {{ id createdAt actor {{ login }} fromRepository {{ nameWithOwner }} }}
  ... on LabeledEvent {{ id createdAt actor {{ login }} label {{ name }} }}
  ... on UnlabeledEvent {{ id createdAt actor {{ login }} label {{ name }} }}"""

_CONNECTIONS = f"""
  labels(first: {NESTED}) {{ totalCount nodes {{ name }} }}
  reactions(first: {NESTED}) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ content }} }}
  timelineItems(first: {NESTED}, itemTypes: {_TYPES}) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {TIMELINE_NODE} }} }}"""

ISSUE_FRAGMENT = f"""
fragment IssueFields on Issue {{
  __typename id databaseId number title body url createdAt updatedAt closedAt
  state stateReason(enableDuplicate: true) author {{ login }} repository {{ nameWithOwner }}{_CONNECTIONS}
}}"""
PULL_FRAGMENT = f"""
fragment PullFields on PullRequest {{
  __typename id databaseId number title body url createdAt updatedAt closedAt
  prState: state merged mergedAt isDraft author {{ login }} repository {{ nameWithOwner }}{_CONNECTIONS}
}}"""

RATE = "rateLimit { cost remaining resetAt }"

ISSUES_QUERY = f"""query IssuePage($owner: String!, $name: String!, $first: Int!, $after: String, $since: DateTime) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    issues(first: $first, after: $after, filterBy: {{since: $since}}, orderBy: {{field: UPDATED_AT, direction: ASC}}) {{
      totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ ...IssueFields }}
    }}
  }}
}}{ISSUE_FRAGMENT}"""

# Pull requests have no ``since`` filter: newest-updated first, and the caller stops at its cursor.
PULLS_QUERY = f"""query PullPage($owner: String!, $name: String!, $first: Int!, $after: String) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    pullRequests(first: $first, after: $after, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
      totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ ...PullFields }}
    }}
  }}
}}{PULL_FRAGMENT}"""


@dataclass
class Page:
    """One page of a connection: raw nodes plus where the next page starts."""

    nodes: list[dict[str, Any]]
    end_cursor: str | None
    has_next: bool
    total: int | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, block: dict[str, Any], errors: list[dict[str, Any]] | None = None) -> Page:
        """A connection's ``{totalCount pageInfo nodes}`` block (null nodes, GitHub's partial
        results, are dropped)."""
        info = block.get("pageInfo") or {}
        return cls(nodes=[n for n in block.get("nodes") or [] if n], end_cursor=info.get("endCursor"),
                   has_next=bool(info.get("hasNextPage")), total=block.get("totalCount"), errors=errors or [])


@dataclass(frozen=True)
class OverflowRequest:
    """The next page of one issue's connection (``timelineItems`` or ``reactions``)."""

    node_id: str
    typename: str  # Issue | PullRequest
    connection: str
    after: str | None


def _not_found(errors: list[dict[str, Any]], field: str) -> bool:
    """A NOT_FOUND for ``field`` itself, not for something nested under it."""
    return any(e.get("type") == "NOT_FOUND" and e.get("path") == [field] for e in errors)


def _raise_query_errors(errors: list[dict[str, Any]]) -> None:
    msg = "; ".join(str(e.get("message", e)) for e in errors[:3])
    raise GitHubError(f"GitHub rejected the query: {msg}")


class PageSizer:
    """Halves the page on 502/504/timeouts (GitHub's 10-second limit), grows it back slowly."""

    def __init__(self, size: int) -> None:
        self.max = size
        self.size = size
        self.busy_at_min = 0
        self.ok_streak = 0

    def shrink(self, exc: ServerBusy) -> None:
        if self.size <= MIN_PAGE:
            self.busy_at_min += 1
            if self.busy_at_min >= MAX_BUSY_AT_MIN:
                raise NetworkError(f"GitHub keeps failing even on the smallest page ({exc}); try again later") from None
        self.size = max(MIN_PAGE, self.size // 2)
        self.ok_streak = 0

    def ask(self, client: GitHubClient, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]] | None:
        """One query at the current size: ``(data, errors)``, or None after a 502/504/timeout
        (the size is then halved; the caller rebuilds the query and asks again)."""
        try:
            answer = client.graphql(query, variables)
        except ServerBusy as exc:
            self.shrink(exc)
            return None
        self.success()
        return answer

    def success(self) -> None:
        self.busy_at_min = 0
        self.ok_streak += 1
        if self.ok_streak >= 5 and self.size < self.max:
            self.size = min(self.max, self.size * 2)
            self.ok_streak = 0


def fetch_bulk_pages(
    client: GitHubClient, repo: str, kind: str, *, after: str | None = None, since: str | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[Page]:
    """:calls: ``POST /graphql`` ``repository.issues`` (``kind='issues'``, ``filterBy: {since}``,
    oldest-updated first) or ``repository.pullRequests`` (``kind='pull_requests'``, newest first).

    Yields pages of Issue/PullRequest nodes with their nested labels, reactions and first 100
    timeline items (comments included). Partial data is kept: ``Page.errors`` lists what GitHub
    could not resolve (for example a cross-reference from a deleted repository).
    """
    owner, name = repo.split("/", 1)
    query = ISSUES_QUERY if kind == "issues" else PULLS_QUERY
    conn = "issues" if kind == "issues" else "pullRequests"
    sizer = PageSizer(page_size)
    while True:
        variables: dict[str, Any] = {"owner": owner, "name": name, "first": sizer.size, "after": after}
        if kind == "issues":
            variables["since"] = since
        answer = sizer.ask(client, query, variables)
        if answer is None:
            continue
        data, errors = answer
        if _not_found(errors, "repository") or not (data or {}).get("repository"):
            if _not_found(errors, "repository"):
                raise NotFoundError(f"{repo} not found, or private and the token cannot see it")
            _raise_query_errors(errors)
        page = Page.of(data["repository"][conn], errors)  # type: ignore[index]
        yield page
        if not page.has_next:
            return
        after = page.end_cursor


def _overflow_selection(req: OverflowRequest, var: str) -> str:
    if req.connection == "timelineItems":
        body = (f"timelineItems(first: {NESTED}, after: ${var}, itemTypes: {_TYPES}) "
                f"{{ pageInfo {{ hasNextPage endCursor }} nodes {{ {TIMELINE_NODE} }} }}")
    else:
        body = f"reactions(first: {NESTED}, after: ${var}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ content }} }}"
    return f"... on {req.typename} {{ {body} }}"


def fetch_overflow(client: GitHubClient, reqs: list[OverflowRequest]) -> tuple[list[Page | None], list[dict[str, Any]]]:
    """:calls: ``POST /graphql`` with one ``node(id:)`` alias per request (several issues' next
    pages in one query). Returns one Page per request (None if GitHub could not resolve it)."""
    if not reqs:
        return [], []
    sizer = PageSizer(len(reqs))
    out: list[Page | None] = []
    errors_all: list[dict[str, Any]] = []
    i = 0
    while i < len(reqs):
        chunk = reqs[i:i + sizer.size]
        decl = ", ".join(f"$id{j}: ID!, $after{j}: String" for j in range(len(chunk)))
        body = "\n".join(
            f"  o{j}: node(id: $id{j}) {{ {_overflow_selection(r, f'after{j}')} }}" for j, r in enumerate(chunk)
        )
        query = f"query Overflow({decl}) {{\n  {RATE}\n{body}\n}}"
        variables: dict[str, Any] = {}
        for j, r in enumerate(chunk):
            variables[f"id{j}"] = r.node_id
            variables[f"after{j}"] = r.after
        answer = sizer.ask(client, query, variables)
        if answer is None:
            continue
        data, errors = answer
        if data is None:
            _raise_query_errors(errors)
        errors_all.extend(errors)
        for j, r in enumerate(chunk):
            node = (data or {}).get(f"o{j}") or {}
            block = node.get(r.connection)
            if not isinstance(block, dict):
                out.append(None)
                continue
            out.append(Page.of(block))
        i += len(chunk)
    return out, errors_all


def fetch_issue_batch(client: GitHubClient, refs: list[tuple[str, int]]) -> tuple[list[dict[str, Any] | None], list[dict[str, Any]]]:
    """:calls: ``POST /graphql`` with one ``repository{issueOrPullRequest(number:)}`` alias per
    issue (any repositories). Returns the nodes in order (None where GitHub had nothing) and the
    errors, whose ``path[0]`` names the alias (``i0``, ``i1`` …)."""
    out: list[dict[str, Any] | None] = []
    errors_all: list[dict[str, Any]] = []
    sizer = PageSizer(ISSUE_BATCH)
    i = 0
    while i < len(refs):
        chunk = refs[i:i + sizer.size]
        base = len(out)
        decl = ", ".join(f"$o{j}: String!, $n{j}: String!, $k{j}: Int!" for j in range(len(chunk)))
        body = "\n".join(
            f"  i{base + j}: repository(owner: $o{j}, name: $n{j}) "
            f"{{ issueOrPullRequest(number: $k{j}) {{ ...IssueFields ...PullFields }} }}"
            for j in range(len(chunk))
        )
        query = f"query Issues({decl}) {{\n  {RATE}\n{body}\n}}{ISSUE_FRAGMENT}{PULL_FRAGMENT}"
        variables: dict[str, Any] = {}
        for j, (repo, number) in enumerate(chunk):
            owner, name = repo.split("/", 1)
            variables.update({f"o{j}": owner, f"n{j}": name, f"k{j}": number})
        answer = sizer.ask(client, query, variables)
        if answer is None:
            continue
        data, errors = answer
        if data is None and errors:
            _raise_query_errors(errors)
        errors_all.extend(errors)
        for j in range(len(chunk)):
            out.append(((data or {}).get(f"i{base + j}") or {}).get("issueOrPullRequest"))
        i += len(chunk)
    return out, errors_all


# -- REST ------------------------------------------------------------------------------------

def fetch_rest_pages(client: GitHubClient, path: str, params: dict[str, Any] | None, *, url: str | None = None) -> Iterator[tuple[RestResponse, str | None]]:
    """:calls: ``GET {path}`` and its ``Link: rel="next"`` pages. Yields ``(response, next_url)``;
    pass a saved ``next_url`` back as ``url`` to resume."""
    resp = client.rest_get(url, None) if url else client.rest_get(path, params)
    while True:
        yield resp, resp.next_url
        if not resp.next_url:
            return
        resp = client.rest_get(resp.next_url, None)


def fetch_rest_issue_pages(client: GitHubClient, repo: str, since: str | None, url: str | None = None) -> Iterator[tuple[RestResponse, str | None]]:
    """:calls: ``GET /repos/{owner}/{repo}/issues?state=all&sort=updated&direction=asc&since=…``
    (pull requests included, with a ``pull_request`` key)."""
    params: dict[str, Any] = {"state": "all", "sort": "updated", "direction": "asc", "per_page": 100}
    if since:
        params["since"] = since
    return fetch_rest_pages(client, f"/repos/{repo}/issues", params, url=url)


def fetch_rest_comment_pages(client: GitHubClient, repo: str, since: str | None, url: str | None = None) -> Iterator[tuple[RestResponse, str | None]]:
    """:calls: ``GET /repos/{owner}/{repo}/issues/comments?sort=updated&direction=asc&since=…``"""
    params: dict[str, Any] = {"sort": "updated", "direction": "asc", "per_page": 100}
    if since:
        params["since"] = since
    return fetch_rest_pages(client, f"/repos/{repo}/issues/comments", params, url=url)


def fetch_rest_timeline_page(client: GitHubClient, url: str, etag: str | None) -> RestResponse:
    """:calls: ``GET /repos/{owner}/{repo}/issues/{number}/timeline`` (conditional with ``etag``)."""
    return client.rest_get(url, None, etag=etag)
