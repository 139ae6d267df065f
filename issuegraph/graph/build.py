"""Stage: store → reference graph. Input: a ``Store`` (read only); output: a
``networkx.MultiDiGraph`` whose nodes are issues and PRs (key ``owner/repo#N``) and whose edges are
typed links, each carrying the evidence it was built from. Pure: the same store gives the same graph,
nodes and edges inserted in sorted order, evidence sorted.

Edge types (the edge *key* is the type, so a pair has at most one edge of each type) and direction:

====================  =====================================================================
``duplicate_of``      A → B: A is a duplicate of B. Evidence: a ``marked_as_duplicate`` event on
                      A (its ``other`` is the canonical), or "Duplicate of #B" written on A.
``closes``            A → B: pull request A closes (or will close) issue B. Evidence: a closing
                      keyword in A's *body* (GitHub ignores keywords in comments and in issues),
                      a ``cross-referenced`` event on B from A with ``will_close``, a ``closed``
                      event on B naming A, or A's ``closingIssuesReferences`` in the raw JSON.
``connected``         PR → issue: linked by hand in the Development sidebar (``connected``
                      events; a later ``disconnected`` undoes it).
``mentions``          A → B: A's text (body or a comment) refers to B. If GitHub's timeline also
                      recorded it (a ``cross-referenced`` event on B whose source is A), that event
                      is a second piece of evidence on the same edge.
``cross_referenced``  A → B: GitHub recorded that A referred to B, but no stored text of A says
                      so (A was not crawled, is private, or the text was edited since). When the
                      text turns up the link becomes ``mentions``: one logical link, one edge.
====================  =====================================================================

Reference evidence (text mentions and cross-referenced events) between a pair that already has a
``duplicate_of`` or ``closes`` edge is attached to that edge instead of making a second one: "Fixes
#12" in the body and GitHub's cross-reference on #12 are the same fact. Self-references are dropped.

Every evidence item is a plain dict: ``source`` (``body`` | ``comment`` | ``timeline`` | ``raw``),
``issue`` (the key of the issue whose text or timeline holds it), and as known ``comment_id``,
``event`` (timeline event type), ``event_key``, ``at``, ``author``, ``quoted``, ``text`` (the
reference as written) and ``target_comment_id`` (for a link to a ``#issuecomment-N``). The edge's
``time`` is the earliest ``at`` among its evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import networkx as nx

from ..models import Comment, Issue, IssueRef, TimelineEvent
from ..store import Store
from .refs import DEFAULT_HOSTS, extract_references

EDGE_TYPES = ("duplicate_of", "closes", "connected", "mentions", "cross_referenced")
# Stronger relations absorb reference evidence between the same ordered pair (see module docstring).
_ABSORBING = ("duplicate_of", "closes")

Evidence = dict[str, Any]
_Pair = tuple[IssueRef, IssueRef]
_TEXT_RELATION = {"mention": "mentions", "closes": "closes", "duplicate_of": "duplicate_of"}


def _evidence(source: str, where: IssueRef, **fields: Any) -> Evidence:
    item: Evidence = {"source": source, "issue": where.key}
    item.update({k: v for k, v in fields.items() if v is not None})
    return item


def _evidence_sort_key(e: Evidence) -> tuple[str, str, str, int, str, str]:
    return (
        e.get("at") or "", e["source"], e["issue"], e.get("comment_id") or 0, e.get("event_key") or "",
        e.get("text") or "",
    )


def node_attrs(issue: Issue | None, ref: IssueRef) -> dict[str, Any]:
    """A node's attributes. An issue never stored at all (only seen in someone's text) gets the
    same keys with empty values, so every node has the same shape."""
    if issue is None:
        return {
            "repo": ref.repo, "number": ref.number, "kind": None, "title": None, "state": None,
            "state_reason": None, "labels": [], "author": None, "created_at": None, "closed_at": None,
            "merged_at": None, "merged": None, "comment_count": 0, "reactions": 0, "url": None,
            "crawled": False, "transferred_to": None,
        }
    return {
        "repo": issue.repo, "number": issue.number, "kind": issue.kind, "title": issue.title,
        "state": issue.state, "state_reason": issue.state_reason, "labels": list(issue.labels),
        "author": issue.author, "created_at": issue.created_at, "closed_at": issue.closed_at,
        "merged_at": issue.merged_at, "merged": issue.merged, "comment_count": issue.comment_count,
        "reactions": sum(v for k, v in issue.reactions.items() if k != "total_count"),
        "url": issue.url, "crawled": issue.crawled, "transferred_to": None,
    }


def closing_refs_from_raw(issue: Issue) -> list[IssueRef]:
    """``closingIssuesReferences`` as GraphQL returns it, when the crawler kept it in ``raw``."""
    conn = issue.raw.get("closingIssuesReferences") if isinstance(issue.raw, dict) else None
    nodes = conn.get("nodes") if isinstance(conn, dict) else None
    out = []
    for node in nodes or ():
        if not isinstance(node, dict) or not isinstance(node.get("number"), int):
            continue
        repo = (node.get("repository") or {}).get("nameWithOwner") or issue.repo
        out.append(IssueRef(repo, node["number"]))
    return out


class _Collector:
    """Evidence gathered per (source, target) and relation before it becomes edges."""

    def __init__(self) -> None:
        self.by_pair: dict[_Pair, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))

    def add(self, src: IssueRef, dst: IssueRef, relation: str, evidence: Evidence) -> None:
        if src != dst:
            self.by_pair[(src, dst)][relation].append(evidence)

    def remove_undone(self, undone: set[tuple[_Pair, str]]) -> None:
        for pair, relation in undone:
            self.by_pair.get(pair, {}).pop(relation, None)

    def edges(self) -> Iterable[tuple[IssueRef, IssueRef, str, list[Evidence]]]:
        for (src, dst) in sorted(self.by_pair):
            rel = self.by_pair[(src, dst)]
            text_refs = rel.pop("mentions", [])
            timeline_refs = rel.pop("cross_referenced", [])
            absorbing = next((r for r in _ABSORBING if rel.get(r)), None)
            if absorbing:
                rel[absorbing] = rel[absorbing] + text_refs + timeline_refs
            elif text_refs:
                rel["mentions"] = text_refs + timeline_refs
            elif timeline_refs:
                rel["cross_referenced"] = timeline_refs
            for relation in EDGE_TYPES:
                if rel.get(relation):
                    yield src, dst, relation, sorted(rel[relation], key=_evidence_sort_key)


def _collect_text(c: _Collector, issue: Issue, hosts: Sequence[str]) -> None:
    here = issue.ref
    for ref in extract_references(issue.body, issue.repo, hosts):
        relation = _TEXT_RELATION[ref.kind]
        if relation == "closes" and issue.kind != "pull_request":
            relation = "mentions"  # "fixes #12" in an issue closes nothing on GitHub
        c.add(here, ref.target, relation, _evidence(
            "body", here, at=issue.created_at, author=issue.author, quoted=ref.quoted or None, text=ref.text,
            target_comment_id=ref.comment_id,
        ))
    for ref in closing_refs_from_raw(issue):
        c.add(here, ref, "closes", _evidence("raw", here, text="closingIssuesReferences"))


def _collect_comments(c: _Collector, comments: Iterable[Comment], hosts: Sequence[str]) -> None:
    for com in comments:
        here = IssueRef(com.repo, com.number)
        for ref in extract_references(com.body, com.repo, hosts):
            # keywords in comments close nothing; "Duplicate of #N" in a comment is GitHub's syntax
            relation = "duplicate_of" if ref.kind == "duplicate_of" else "mentions"
            c.add(here, ref.target, relation, _evidence(
                "comment", here, comment_id=com.id, at=com.created_at, author=com.author,
                quoted=ref.quoted or None, text=ref.text, target_comment_id=ref.comment_id,
            ))


def _collect_timeline(c: _Collector, events: list[TimelineEvent], kinds: dict[IssueRef, str | None]) -> None:
    # Toggle pairs (marked/unmarked, connected/disconnected): the latest event per pair wins.
    latest: dict[tuple[_Pair, str], str] = {}
    for ev in sorted(events, key=lambda e: (e.created_at or "", e.key)):
        here, other = ev.issue, ev.other
        if other is None:
            continue
        ev_fields = {"event": ev.event, "event_key": ev.key, "at": ev.created_at, "author": ev.actor}
        if ev.event == "cross-referenced":
            if ev.will_close and kinds.get(other) in ("pull_request", None):
                c.add(other, here, "closes", _evidence("timeline", here, **ev_fields))
            else:
                c.add(other, here, "cross_referenced", _evidence("timeline", here, **ev_fields))
        elif ev.event == "closed":
            c.add(other, here, "closes", _evidence("timeline", here, **ev_fields))
        elif ev.event in ("marked_as_duplicate", "unmarked_as_duplicate"):
            pair = (here, other)
            latest[(pair, "duplicate_of")] = ev.event
            if ev.event == "marked_as_duplicate":
                c.add(here, other, "duplicate_of", _evidence("timeline", here, **ev_fields))
        elif ev.event in ("connected", "disconnected"):
            pair = (here, other)
            if kinds.get(other) == "pull_request" and kinds.get(here) != "pull_request":
                pair = (other, here)
            latest[(pair, "connected")] = ev.event
            if ev.event == "connected":
                c.add(*pair, "connected", _evidence("timeline", here, **ev_fields))
    c.remove_undone({key for key, last in latest.items() if last in ("unmarked_as_duplicate", "disconnected")})


def build_graph(
    store: Store, repo: str | None = None, hosts: Sequence[str] = DEFAULT_HOSTS,
    *, only: Collection[IssueRef] | None = None,
) -> nx.MultiDiGraph:
    """The reference graph of everything in ``store``; with ``repo``, only that repository's
    issues and PRs, their edges and the nodes at the other end of those edges (evidence is still
    read from the whole store, so an edge looks the same whichever way the graph is cut).

    With ``only`` (the walk's visited set), evidence is read from those issues alone — their text,
    their timelines and stored events pointing at them — so a walk's graph costs what it visited,
    not what the store holds. ``hosts`` are the html hosts whose URLs count as references.
    """
    if only is None:
        issues = {i.ref: i for i in store.load_issues(crawled_only=False)}
        comments = store.load_comments()
        events = store.load_timeline_events()
    else:
        issues, comments, events = _load_only(store, only)
    kinds: dict[IssueRef, str | None] = {ref: i.kind for ref, i in issues.items()}
    for ev in events:  # the far end's kind decides which way a connected edge points
        if only is not None and ev.other is not None and ev.other not in kinds:
            far = store.load_issue(ev.other.repo, ev.other.number)
            kinds[ev.other] = far.kind if far else None
    c = _Collector()
    for issue in issues.values():
        if issue.crawled:
            _collect_text(c, issue, hosts)
    _collect_comments(c, comments, hosts)
    _collect_timeline(c, events, kinds)

    graph = nx.MultiDiGraph()
    edges = list(c.edges())
    refs = set(issues)
    for src, dst, _rel, _ev in edges:
        refs.update((src, dst))
    for ref in sorted(refs):
        stored = issues.get(ref) if only is None else (issues.get(ref) or store.load_issue(ref.repo, ref.number))
        graph.add_node(ref.key, **node_attrs(stored, ref))
    for ev in events:
        if ev.event == "transferred" and ev.other is not None and ev.issue.key in graph:
            graph.nodes[ev.issue.key]["transferred_to"] = ev.other.key
    for src, dst, relation, evidence in edges:
        times = sorted(e["at"] for e in evidence if e.get("at"))
        graph.add_edge(src.key, dst.key, key=relation, type=relation, evidence=evidence,
                       time=times[0] if times else None)
    if repo is None:
        return graph
    home = {n for n, d in graph.nodes(data=True) if d["repo"] == repo}
    sub = nx.MultiDiGraph()
    sub.add_nodes_from((n, graph.nodes[n]) for n in home)
    for u, v, k, d in graph.edges(keys=True, data=True):
        if u in home or v in home:
            sub.add_node(u, **graph.nodes[u])
            sub.add_node(v, **graph.nodes[v])
            sub.add_edge(u, v, key=k, **d)
    return _sorted_copy(sub)


def _load_only(
    store: Store, refs: Collection[IssueRef]
) -> tuple[dict[IssueRef, Issue], list[Comment], list[TimelineEvent]]:
    issues: dict[IssueRef, Issue] = {}
    comments: list[Comment] = []
    events: dict[tuple[str, int, str], TimelineEvent] = {}
    for ref in sorted(set(refs)):
        issue = store.load_issue(ref.repo, ref.number)
        if issue is None:
            continue
        issues[ref] = issue
        comments.extend(store.load_comments(ref.repo, ref.number))
        for ev in store.load_timeline_events(ref.repo, ref.number) + store.load_events_pointing_at(ref):
            events[(ev.repo, ev.number, ev.key)] = ev
    return issues, comments, [events[k] for k in sorted(events)]


def links_of(store: Store, ref: IssueRef, hosts: Sequence[str] = DEFAULT_HOSTS) -> list[IssueRef]:
    """Every issue a stored issue links to or is linked from, either way, sorted; not itself."""
    issue = store.load_issue(ref.repo, ref.number)
    if issue is None:
        return []
    found: set[IssueRef] = set()
    for r in extract_references(issue.body, issue.repo, hosts):
        found.add(r.target)
    for com in store.load_comments(ref.repo, ref.number):
        found.update(r.target for r in extract_references(com.body, com.repo, hosts))
    found.update(closing_refs_from_raw(issue))
    for ev in store.load_timeline_events(ref.repo, ref.number):
        if ev.other is not None and ev.event not in ("unmarked_as_duplicate", "disconnected"):
            found.add(ev.other)
    for ev in store.load_events_pointing_at(ref):
        found.add(ev.issue)
    found.discard(ref)
    return sorted(found)


def _node_sort_key(key: str) -> tuple[str, int]:
    ref = IssueRef.from_key(key)
    return (ref.repo, ref.number)


def _sorted_copy(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with nodes and edges inserted in sorted order (so exports are stable)."""
    out = nx.MultiDiGraph()
    out.graph.update(graph.graph)
    for n in sorted(graph.nodes, key=_node_sort_key):
        out.add_node(n, **graph.nodes[n])
    for u, v, k, d in sorted(graph.edges(keys=True, data=True),
                             key=lambda e: (_node_sort_key(e[0]), _node_sort_key(e[1]), EDGE_TYPES.index(e[2]))):
        out.add_edge(u, v, key=k, **d)
    return out


def neighbourhood(graph: nx.MultiDiGraph, center: str, depth: int) -> nx.MultiDiGraph:
    """Nodes within ``depth`` links of ``center``, following edges either way, with the edges
    among them. Raises ``KeyError`` when ``center`` is not in the graph."""
    if center not in graph:
        raise KeyError(center)
    nodes = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), center, cutoff=depth)
    return _sorted_copy(graph.subgraph(nodes))
