"""Stage: the one-issue report. Input: the store (after a walk), the issue, the walk's result;
output: Markdown (``render_issue_report``), built from plain data (``build_issue_report``).

Everything printed is a stored fact or counted from stored facts: title, state, labels; comment,
participant, reaction and timeline counts; the error records the text contains, verbatim; the
environment it states; the issues and PRs linked to it with relation, state and title (PRs with
what they close); a Mermaid picture of the neighbourhood; and its duplicate cluster, when the repo
has been clustered, linked to that cluster's report. No advice: the reader has the facts.

Markdown safety follows ``reports/markdown.py`` (``inline``, ``fence``, ``table``): cells are one
line with Markdown and HTML escaped and mentions/references neutralised; fences are longer than any
backtick run inside them. Same store, same bytes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx

from ..errors import ReportError
from ..graph.build import build_graph, links_of, neighbourhood
from ..graph.environment import extract_environment
from ..graph.export import node_state, render_mermaid
from ..graph.refs import DEFAULT_HOSTS
from ..models import Issue, IssueRef
from ..store import Store
from .context import cluster_file_name
from .markdown import fence, inline, table

if TYPE_CHECKING:  # plain data from the walk; the report never calls the crawler
    from ..crawler.walk import WalkResult

MAX_ERRORS = 8
MAX_DIAGRAM_NODES = 40
# A hub issue (a tracking issue listing 10k others) would make a report of megabytes; the table
# keeps the first MAX_LINKS rows in its usual order (duplicates and closing PRs first) and says
# how many more there are. The export command has them all.
MAX_LINKS = 200

# (text, where) → verbatim error blocks found in it
ErrorExtractor = Callable[[str, str], list[str]]


def signature_errors(text: str, where: str) -> list[str]:
    """Verbatim error records as the clusterer sees them (``graph.signatures``)."""
    from ..graph.signatures import extract_error_records

    return [r.raw for r in extract_error_records(text, source=where)]


@dataclass(frozen=True)
class ErrorBlock:
    text: str
    where: str  # "body" or "comment by @x on 2026-04-08"
    times: int  # how many texts of this issue carry it


@dataclass(frozen=True)
class LinkRow:
    relation: str
    key: str
    url: str | None
    kind: str
    state: str
    title: str
    closes: tuple[str, ...]


@dataclass(frozen=True)
class ClusterInfo:
    id: str
    link: str
    canonical: str
    size: int
    signature: str | None
    hint: str | None


@dataclass
class IssueReport:
    issue: Issue
    comments: int
    participants: list[str]
    reactions: dict[str, int]
    timeline: dict[str, int]
    errors: list[ErrorBlock]
    errors_not_shown: int
    environment: dict[str, str]
    links: list[LinkRow]
    mermaid: str
    diagram_depth: int
    cluster: ClusterInfo | None
    walk_lines: list[str] = field(default_factory=list)
    links_not_shown: int = 0


# relation of the *other* node to this one, by (edge type, direction)
_RELATION = {
    ("duplicate_of", "out"): "duplicate of", ("duplicate_of", "in"): "has duplicate",
    ("closes", "out"): "closes", ("closes", "in"): "closing PR",
    ("connected", "out"): "linked to", ("connected", "in"): "linked PR",
    ("mentions", "out"): "mentions", ("mentions", "in"): "mentioned by",
    ("cross_referenced", "out"): "references", ("cross_referenced", "in"): "referenced by",
}
_RELATION_ORDER = list(_RELATION.values())


def _day(ts: str | None) -> str:
    return ts[:10] if ts else "?"


def _collect_errors(store: Store, issue: Issue, extract: ErrorExtractor) -> tuple[list[ErrorBlock], int]:
    found: dict[str, tuple[str, int]] = {}
    texts = [(issue.body, "body")] + [
        (c.body, f"comment by @{c.author or 'ghost'} on {_day(c.created_at)}")
        for c in store.load_comments(issue.repo, issue.number)
    ]
    for text, where in texts:
        for raw in dict.fromkeys(extract(text or "", where)):
            block = raw.strip("\n")
            where0, times = found.get(block, (where, 0))
            found[block] = (where0, times + 1)
    blocks = [ErrorBlock(t, w, n) for t, (w, n) in found.items()]
    return blocks[:MAX_ERRORS], max(0, len(blocks) - MAX_ERRORS)


def _links(graph: nx.MultiDiGraph, center: str) -> list[LinkRow]:
    rows = []
    for direction, edges in (("out", graph.out_edges(center, keys=True)), ("in", graph.in_edges(center, keys=True))):
        for u, v, k in edges:
            other = v if direction == "out" else u
            d = graph.nodes[other]
            closes = tuple(sorted((t for _, t, kk in graph.out_edges(other, keys=True) if kk == "closes"),
                                  key=lambda key: IssueRef.from_key(key))) if d.get("kind") == "pull_request" else ()
            rows.append(LinkRow(_RELATION[(k, direction)], other, d.get("url"),
                                {"pull_request": "PR", "issue": "issue"}.get(d.get("kind") or "", "?"),
                                node_state(d), d.get("title") or "", closes))
    return sorted(set(rows), key=lambda r: (_RELATION_ORDER.index(r.relation), IssueRef.from_key(r.key)))


def _cluster(store: Store, issue: Issue, clusters_link: str) -> ClusterInfo | None:
    for c in store.load_clusters(issue.repo):
        if issue.key in c.members and len(set(c.members)) > 1:  # single reports get no archive page
            name = cluster_file_name(c.id)  # the archive's own file name for this id (sanitised)
            link = f"{clusters_link.rstrip('/')}/{name}" if clusters_link else name
            return ClusterInfo(c.id, link, c.canonical, len(c.members), c.signature, c.hints.get(issue.key))
    return None


def build_issue_report(
    store: Store,
    ref: IssueRef,
    walk_result: WalkResult | None = None,
    *,
    hosts: Sequence[str] = DEFAULT_HOSTS,
    clusters_link: str = "clusters",
    extract_errors: ErrorExtractor = signature_errors,
) -> IssueReport:
    """Gather the report's facts for ``ref`` from the store. ``clusters_link`` is where cluster
    reports (``<cluster-id>.md``) live, relative to the report file."""
    issue = store.load_issue(ref.repo, ref.number)
    if issue is None or not issue.crawled:
        raise ReportError(f"{ref.key} is not in the store; run `issuegraph walk {ref.key}` first")
    comments = store.load_comments(ref.repo, ref.number)
    participants = sorted({a for a in [issue.author, *(c.author for c in comments)] if a}, key=str.lower)
    timeline = Counter(e.event for e in store.load_timeline_events(ref.repo, ref.number))
    errors, not_shown = _collect_errors(store, issue, extract_errors)

    only = set(walk_result.visited) if walk_result else {ref, *links_of(store, ref, hosts)}
    graph = build_graph(store, hosts=hosts, only=only)
    depth = walk_result.max_depth if walk_result else 1
    near = neighbourhood(graph, ref.key, depth)
    while depth > 1 and near.number_of_nodes() > MAX_DIAGRAM_NODES:
        depth -= 1
        near = neighbourhood(graph, ref.key, depth)
    if near.number_of_nodes() > MAX_DIAGRAM_NODES:  # a hub: keep the strongest links
        keep = [ref.key] + sorted((n for n in near if n != ref.key), key=lambda n: IssueRef.from_key(n))
        near = near.subgraph(keep[:MAX_DIAGRAM_NODES]).copy()
    links = _links(graph, ref.key)
    walk_lines = []
    if walk_result:
        walk_lines = [
            f"Walked {len(walk_result.visited)} issues and pull requests up to depth {walk_result.max_depth} "
            f"({len(walk_result.fetched)} fetched, {len(walk_result.reused)} already fresh in the store).",
            *walk_result.problem_lines(),
        ]
        if walk_result.skipped_over_budget:
            walk_lines.append(f"{len(walk_result.skipped_over_budget)} more linked issues were left out by the node budget.")
    return IssueReport(
        issue=issue, comments=len(comments), participants=participants,
        reactions={k: v for k, v in sorted(issue.reactions.items()) if k != "total_count" and v},
        timeline=dict(sorted(timeline.items(), key=lambda kv: (-kv[1], kv[0]))),
        errors=errors, errors_not_shown=not_shown, environment=extract_environment(issue.body),
        links=links[:MAX_LINKS], links_not_shown=max(0, len(links) - MAX_LINKS), mermaid=render_mermaid(near, highlight=ref.key), diagram_depth=depth,
        cluster=_cluster(store, issue, clusters_link), walk_lines=walk_lines,
    )


# --- Markdown (the escaping rules are reports/markdown.py's: one place for all reports) ----------
def md_code(text: str) -> str:
    """Inline code that survives any backticks inside it."""
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _link(text: str, url: str | None) -> str:
    return f"[{inline(text)}]({url})" if url else inline(text)


def _participants(names: list[str], shown: int = 12) -> str:
    if not names:
        return "0"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{len(names)} ({', '.join('@' + p for p in names[:shown])}{more})"


def render_issue_report(report: IssueReport) -> str:
    i = report.issue
    kind = "pull request" if i.kind == "pull_request" else "issue"
    state = node_state({"kind": i.kind, "state": i.state, "state_reason": i.state_reason, "merged": i.merged,
                        "crawled": True})
    out = [f"# {inline(i.key)}: {inline(i.title)}", ""]
    head = [f"{kind.capitalize()} · **{state}** · opened {_day(i.created_at)} by {inline('@' + (i.author or 'ghost'))}"]
    if i.closed_at:
        head.append(f"closed {_day(i.closed_at)}")
    if i.url:
        head.append(f"[view on GitHub]({i.url})")
    out += [" · ".join(head), ""]
    if i.labels:
        out += ["Labels: " + ", ".join(md_code(label) for label in i.labels), ""]

    out += ["## Stats", ""]
    stats = [
        ("Comments", report.comments),
        ("Participants", _participants(report.participants)),
        ("Reactions", f"{sum(report.reactions.values())}" + (
            f" ({', '.join(f'{k} ×{v}' for k, v in report.reactions.items())})" if report.reactions else "")),
        ("Timeline events", f"{sum(report.timeline.values())}" + (
            f" ({', '.join(f'{k} ×{v}' for k, v in report.timeline.items())})" if report.timeline else "")),
    ]
    out += [table(["", "count"], [(inline(k), inline(str(v))) for k, v in stats]), ""]

    out += ["## Errors", ""]
    if not report.errors:
        out += ["No error messages or stack traces found in the text.", ""]
    for n, block in enumerate(report.errors, start=1):
        seen = f", in {block.times} texts" if block.times > 1 else ""
        out += [f"{n}. From the {inline(block.where)}{seen}:", "", fence(block.text), ""]
    if report.errors_not_shown:
        out += [f"{report.errors_not_shown} more distinct error records are not shown.", ""]

    out += ["## Environment", ""]
    if report.environment:
        out += [table(["fact", "value"], [(inline(k), inline(v)) for k, v in report.environment.items()]), ""]
    else:
        out += ["The text states no version, platform, terminal or OS.", ""]

    out += ["## Linked issues and pull requests", ""]
    if report.links:
        rows = [(inline(r.relation), _link(r.key, r.url), inline(r.kind), inline(r.state), inline(r.title),
                 inline(", ".join(r.closes))) for r in report.links]
        out += [table(["relation", "issue", "kind", "state", "title", "closes"], rows), ""]
        if report.links_not_shown:
            out += [f"{report.links_not_shown} more links are not listed; "
                    "`issuegraph export --format json --around …` has them all.", ""]
    else:
        out += ["Nothing links to or from this issue.", ""]

    out += [f"## Neighbourhood (depth {report.diagram_depth})", "", fence(report.mermaid, "mermaid"), ""]

    if report.cluster:
        c = report.cluster
        out += ["## Duplicate cluster", "",
                f"Part of cluster [{inline(c.id)}]({c.link}) with {c.size} issues; canonical: {inline(c.canonical)}.", ""]
        if c.signature:
            out += ["Signature: " + md_code(c.signature), ""]
        if c.hint:
            out += ["Why this issue is in it: " + inline(c.hint), ""]
    if report.walk_lines:
        out += ["## Walk", ""] + [f"- {inline(line)}" for line in report.walk_lines] + [""]
    return "\n".join(out).rstrip("\n") + "\n"
