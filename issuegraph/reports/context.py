"""Report data: cluster runs + the reference graph + the store → plain, sorted dataclasses.

Stage: reports, step 1 of 3 (context → ``markdown`` → ``write``). Inputs are stored facts only: the
current and previous cluster runs of a repository (``store.load_clusters``), the issues and comments
they name, the graph's typed edges around them, and what the error-record and environment extractors
read from the issue text. Output is ``ReportSet``: one ``ClusterReport`` per cluster of two or more
issues, plus an ``IndexReport``, every collection sorted, so rendering is a pure function and two runs
over an unchanged store produce the same bytes. Nothing here reads the clock.

Every number a report prints is computed here from one of those facts, so it can be traced back.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .. import __version__
from ..errors import ReportError
from ..gcpause import gc_paused
from ..models import ClusterRecord, Issue, IssueRef
from ..store import Store

GENERATOR = f"issuegraph {__version__}"

# How many neighbours (issues/PRs outside the cluster) a cluster's Mermaid graph shows: beyond this a
# diagram stops being readable, and the members table already lists everything.
MAX_GRAPH_NEIGHBOURS = 24
# A representative trace longer than this is cut (with a note saying how much was left out).
MAX_TRACE_LINES = 60
MAX_TRACE_CHARS = 6000

RecordExtractor = Callable[[str], Iterable[Any]]
EnvExtractor = Callable[[str], Mapping[str, Any]]


@dataclass(frozen=True)
class Member:
    key: str
    repo: str
    number: int
    url: str
    title: str
    kind: str
    state: str
    state_reason: str | None
    author: str | None
    created_at: str
    closed_at: str | None
    comments: int
    reactions: int
    version: str | None
    platform: str | None
    canonical: bool
    crawled: bool


@dataclass(frozen=True)
class Trace:
    runtime: str
    raw: str
    source: str  # member key the trace was copied from
    omitted_lines: int = 0
    truncated: bool = False


@dataclass(frozen=True)
class LinkedPR:
    key: str
    number: int
    url: str
    title: str
    state: str  # merged | open | closed
    merged_at: str | None
    closes: tuple[str, ...]  # member keys it closes
    relation: str  # closes | connected | mentions | cross_referenced

    @property
    def is_fix(self) -> bool:
        return self.state == "merged" and bool(self.closes)


@dataclass(frozen=True)
class Node:
    key: str
    title: str
    kind: str
    state: str  # open | closed | merged | unknown
    member: bool


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str


@dataclass(frozen=True)
class Background:
    signature: str
    members: tuple[str, ...]  # member keys carrying it
    why: str = ""  # the clusterer's reason for calling it background


@dataclass(frozen=True)
class ClusterReport:
    id: str
    repo: str
    file_name: str
    title: str
    signature: str | None
    canonical: str
    rules_version: str
    members: tuple[Member, ...]
    authors: int
    first_seen: str
    last_seen: str
    open_count: int
    closed_count: int
    traces: tuple[Trace, ...]
    versions: tuple[str, ...]
    platforms: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]  # versions × platforms
    prs: tuple[LinkedPR, ...]
    hints: tuple[tuple[str, str], ...]
    background: tuple[Background, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    weeks: tuple[tuple[str, int], ...]

    @property
    def fix(self) -> LinkedPR | None:
        return next((p for p in self.prs if p.is_fix), None)


@dataclass(frozen=True)
class Change:
    cluster: ClusterReport
    kind: str  # new | grown
    before: int


@dataclass(frozen=True)
class Gone:
    """A cluster of the previous run that no longer exists: its members went elsewhere."""

    id: str
    file_name: str
    members: tuple[str, ...]
    now_in: tuple[tuple[str, str], ...]  # (cluster id, file name) now holding some of its members


@dataclass(frozen=True)
class IndexReport:
    repo: str
    rules_version: str
    issue_count: int
    clusters: tuple[ClusterReport, ...]  # ranked
    has_previous: bool
    changes: tuple[Change, ...]
    gone: tuple[Gone, ...]


@dataclass(frozen=True)
class ReportSet:
    index: IndexReport
    clusters: tuple[ClusterReport, ...]  # by file name
    member_files: Mapping[str, str]  # member key → file name of the cluster now holding it


# -- helpers -------------------------------------------------------------------------------------

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"index", "readme"}


def cluster_file_name(cluster_id: str) -> str:
    """A file name derived from the cluster id only: letters, digits, ``._-``; never hidden, never a
    path, never a reserved name; ids that had to be changed get a short hash so two ids never meet."""
    import hashlib

    base = _SAFE_NAME.sub("-", cluster_id).strip(".-")[:80] or "cluster"
    if base != cluster_id or base.lower() in _RESERVED:
        base = f"{base}-{hashlib.sha1(cluster_id.encode('utf-8')).hexdigest()[:8]}"
    return f"{base}.md"


def _day(ts: str | None) -> str:
    return (ts or "")[:10]


def iso_week(ts: str) -> str:
    dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    year, week, _ = dt.isocalendar()
    return f"{year}-W{week:02d}"


@functools.lru_cache(maxsize=4096)  # a repository states the same few versions thousands of times
def version_key(v: str) -> tuple[Any, ...]:
    """Sort ``2.0.9`` before ``2.0.10``; anything non-numeric after the numbers, alphabetically."""
    parts = re.split(r"[.\-+]", v)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def _issue_url(issue: Issue | None, ref: IssueRef) -> str:
    if issue is not None and issue.url:
        return issue.url
    kind = "pull" if issue is not None and issue.kind == "pull_request" else "issues"
    return f"https://github.com/{ref.repo}/{kind}/{ref.number}"


def _node_state(issue: Issue | None) -> str:
    if issue is None or not issue.crawled:
        return "unknown"
    if issue.kind == "pull_request" and (issue.merged or issue.merged_at):
        return "merged"
    return issue.state


def _lowered_value(lowered: Mapping[str, Any], names: Iterable[str]) -> str | None:
    for name in names:
        v = lowered.get(name)
        if isinstance(v, (list, tuple)):
            v = v[0] if v else None
        if v not in (None, ""):
            return str(v).strip()
    return None


def _default_record_extractor() -> RecordExtractor | None:
    try:
        from ..graph.signatures import extract_error_records
    except ImportError:  # clustering not installed alongside: reports simply carry no traces
        return None
    return extract_error_records


def _default_env_extractor() -> EnvExtractor | None:
    try:
        from ..graph.environment import extract_environment
    except ImportError:
        return None
    return extract_environment


def _default_graph(store: Store, repo: str) -> Any:
    from ..graph.build import build_graph

    return build_graph(store, repo)


@dataclass(frozen=True)
class StoredRecord:
    """The part of an error record a report uses, as the facts cache keeps it."""

    raw: str
    runtime: str
    key: str | None


def facts_version(records: RecordExtractor | None, env: EnvExtractor | None) -> str:
    """Identifies the extractors: their names and their modules' source, so editing a rule (or
    upgrading issuegraph) re-reads every issue instead of reusing stale facts."""
    import hashlib
    import inspect
    import sys

    h = hashlib.sha1(GENERATOR.encode())
    for fn in (records, env):
        if fn is None:
            h.update(b"-")
            continue
        mod = sys.modules.get(getattr(fn, "__module__", "") or "")
        h.update(f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}".encode())
        try:
            h.update(inspect.getsource(mod).encode() if mod else b"")
        except (OSError, TypeError):
            pass
    return h.hexdigest()[:16]


def _signature_of(record: Any) -> str | None:
    """An error record's identity as the clusterer names it (``ErrorRecord.key``: type and normalised
    message), which is what ``ClusterRecord.signature`` and the background list hold."""
    sig = getattr(record, "key", None) or getattr(record, "signature", None)
    return str(sig) if sig is not None else None


def _edge_kind(key: Any, data: Mapping[str, Any]) -> str:
    return str(data.get("kind") or data.get("type") or key)


def _trim(raw: str) -> tuple[str, int, bool]:
    """Cut a pasted trace to what a reader needs; say how much was left out instead of hiding it."""
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")
    kept: list[str] = []
    size = 0
    for line in lines:
        if len(kept) >= MAX_TRACE_LINES or size + len(line) > MAX_TRACE_CHARS:
            break
        kept.append(line)
        size += len(line) + 1
    if not kept:
        kept = [lines[0][:MAX_TRACE_CHARS]]
    truncated = len(kept) < len(lines) or kept[-1] != lines[len(kept) - 1]
    return "\n".join(kept), len(lines) - len(kept), truncated


# -- building ------------------------------------------------------------------------------------

class _Builder:
    def __init__(self, store: Store, repo: str, graph: Any, records: RecordExtractor | None,
                 env: EnvExtractor | None) -> None:
        self.store = store
        self.repo = repo
        self.graph = graph
        self.records = records
        self.env = env
        # one query each instead of one per member: most of the time of a 10,000-cluster archive
        self._issues: dict[str, Issue | None] = {i.key: i for i in store.load_issues(repo, crawled_only=False, with_raw=False)}
        self._comments: dict[str, list[str]] | None = None
        self._records: dict[str, list[Any]] = {}
        self._env: dict[str, Mapping[str, Any]] = {}
        # what the extractors read last time, per issue: reused while the issue's updated_at holds
        self.facts_version = facts_version(records, env)
        self._cached = store.load_report_facts(repo, self.facts_version) if (records or env) else {}
        self.new_facts: list[tuple[int, str | None, Any]] = []

    def issue(self, key: str) -> Issue | None:
        if key not in self._issues:
            ref = IssueRef.from_key(key)
            self._issues[key] = self.store.load_issue(ref.repo, ref.number)
        return self._issues[key]

    def texts(self, key: str) -> list[str]:
        if self._comments is None:
            self._comments = {}
            for c in self.store.load_comments(self.repo):
                if c.body:
                    self._comments.setdefault(f"{c.repo}#{c.number}", []).append(c.body)
        issue = self.issue(key)
        out = [issue.body] if issue is not None and issue.body else []
        if key in self._comments:
            out += self._comments[key]
        else:
            ref = IssueRef.from_key(key)
            if ref.repo != self.repo:
                out += [c.body for c in self.store.load_comments(ref.repo, ref.number) if c.body]
        return out

    def environment_of(self, key: str) -> Mapping[str, Any]:
        if key not in self._env:
            self._read_facts(key)
        return self._env[key]

    def _read_facts(self, key: str) -> None:
        issue = self.issue(key)
        mine = issue is not None and issue.crawled and issue.repo == self.repo
        hit = self._cached.get(issue.number) if mine and issue is not None else None
        if hit is not None and issue is not None and hit[0] == issue.updated_at:
            env, rows = hit[1]["env"], hit[1]["records"]
        else:
            env = dict(self.env(issue.body) or {}) if self.env and issue is not None and issue.body else {}
            rows = [[str(getattr(r, "runtime", None) or "text"), str(getattr(r, "raw", "")), _signature_of(r)]
                    for t in self.texts(key) for r in self.records(t)] if self.records else []
            if mine and issue is not None:
                self.new_facts.append((issue.number, issue.updated_at, {"env": env, "records": rows}))
        self._env[key] = env
        self._records[key] = [StoredRecord(raw, runtime, sig) for runtime, raw, sig in rows]

    def records_of(self, key: str) -> list[StoredRecord]:
        """Error records in a member's body and comments (read once, or reused from the store)."""
        if key not in self._records:
            self._read_facts(key)
        return self._records[key]

    def member(self, key: str, canonical: str) -> Member:
        ref = IssueRef.from_key(key)
        issue = self.issue(key)
        env = self.environment_of(key)
        lowered = {str(k).lower().replace(" ", "_"): v for k, v in env.items()} if env else {}
        return Member(
            key=key, repo=ref.repo, number=ref.number, url=_issue_url(issue, ref),
            title=issue.title if issue else "", kind=issue.kind if issue else "issue",
            state=issue.state if issue else "unknown", state_reason=issue.state_reason if issue else None,
            author=issue.author if issue else None, created_at=(issue.created_at or "") if issue else "",
            closed_at=issue.closed_at if issue else None, comments=issue.comment_count if issue else 0,
            reactions=sum(int(v) for v in (issue.reactions or {}).values()) if issue else 0,
            version=_lowered_value(lowered, ("version", "cli_version", "app_version")),
            platform=_lowered_value(lowered, ("platform", "os")),
            canonical=key == canonical, crawled=bool(issue and issue.crawled),
        )

    def traces(self, members: tuple[Member, ...], signature: str | None,
               background: set[str]) -> tuple[Trace, ...]:
        if self.records is None:
            return ()
        chosen: dict[str, Trace] = {}
        fallback: dict[str, Trace] = {}
        for m in members:  # canonical first: its trace is the one people will quote
            for rec in self.records_of(m.key):
                runtime = str(getattr(rec, "runtime", None) or "text")
                sig = _signature_of(rec)
                if sig is not None and sig in background:
                    continue
                if runtime in chosen or (runtime in fallback and sig != signature):
                    continue
                raw, omitted, cut = _trim(str(getattr(rec, "raw", "")))
                if not raw.strip():
                    continue
                trace = Trace(runtime, raw, m.key, omitted, cut)
                if signature is not None and sig == signature:
                    chosen[runtime] = trace
                else:
                    fallback.setdefault(runtime, trace)
        if not chosen and signature is None:
            chosen = fallback
        return tuple(chosen[r] for r in sorted(chosen))

    def background(self, record: ClusterRecord, members: tuple[Member, ...]) -> tuple[Background, ...]:
        """Background errors the clusterer recorded as ignored for this cluster (``details``:
        ``background_ignored`` with ``background_why``), and which members carry each."""
        sigs = record.details.get("background_ignored") or []
        why = record.details.get("background_why") or {}
        per_member = record.details.get("signatures") or {}
        out = []
        for sig in sorted(map(str, sigs)):
            carriers = []
            for m in members:
                if self.records is not None:
                    found = any(_signature_of(r) == sig for r in self.records_of(m.key))
                else:
                    found = sig in per_member.get(m.key, ())
                if found:
                    carriers.append(m.key)
            out.append(Background(sig, tuple(carriers), str(why.get(sig, "")) if isinstance(why, Mapping) else ""))
        return tuple(out)

    def neighbourhood(self, member_keys: set[str]) -> tuple[tuple[Node, ...], tuple[Edge, ...], tuple[LinkedPR, ...]]:
        g = self.graph
        edges: set[Edge] = set()
        if g is not None:
            # a MultiDiGraph's adjacency dicts ({node: {neighbour: {key: data}}}) read directly:
            # networkx's edge views cost more than the walk itself at 10,000 clusters
            succ, pred = g._succ, g._pred
            for m in member_keys:
                if m not in succ:
                    continue
                for v, keyed in succ[m].items():
                    for k, data in keyed.items():
                        edges.add(Edge(str(m), str(v), _edge_kind(k, data)))
                for u, keyed in pred[m].items():
                    for k, data in keyed.items():
                        edges.add(Edge(str(u), str(m), _edge_kind(k, data)))
        edges = {e for e in edges if e.source != e.target}
        outside = sorted({k for e in edges for k in (e.source, e.target)} - member_keys, key=_key_sort)
        # PRs first: they are what a maintainer looks for; then other issues, in key order
        outside.sort(key=lambda k: 0 if getattr(self.issue(k), "kind", None) == "pull_request" else 1)
        shown = set(outside[:MAX_GRAPH_NEIGHBOURS]) | member_keys
        edges = {e for e in edges if e.source in shown and e.target in shown}
        nodes = []
        for key in sorted(shown, key=_key_sort):
            issue = self.issue(key)
            kind = issue.kind if issue else "issue"
            nodes.append(Node(key, issue.title if issue else "", kind, _node_state(issue), key in member_keys))
        prs = []
        for key in outside:
            issue = self.issue(key)
            if issue is None or issue.kind != "pull_request":
                continue
            mine = [e for e in edges if key in (e.source, e.target)]
            closes = tuple(sorted({e.target for e in mine if e.kind == "closes" and e.source == key
                                   and e.target in member_keys}, key=_key_sort))
            kinds = {e.kind for e in mine}
            relation = next((k for k in ("closes", "connected", "mentions", "cross_referenced") if k in kinds),
                            sorted(kinds)[0] if kinds else "mentions")
            ref = IssueRef.from_key(key)
            prs.append(LinkedPR(key, ref.number, _issue_url(issue, ref), issue.title, _node_state(issue),
                                issue.merged_at, closes, relation))
        prs.sort(key=lambda p: (not p.is_fix, {"merged": 0, "open": 1}.get(p.state, 2), _key_sort(p.key)))
        return tuple(nodes), tuple(sorted(edges, key=lambda e: (_key_sort(e.source), _key_sort(e.target), e.kind))), tuple(prs)

    def cluster(self, record: ClusterRecord, rules_version: str) -> ClusterReport:
        keys = list(dict.fromkeys(record.members))
        if record.canonical not in keys:
            keys.append(record.canonical)
        members = [self.member(k, record.canonical) for k in keys]
        members.sort(key=lambda m: (not m.canonical, m.created_at or "9999", m.repo, m.number))
        mt = tuple(members)
        background = self.background(record, mt)
        dated = sorted(m.created_at for m in mt if m.created_at)
        versions = sorted({m.version or "not stated" for m in mt}, key=lambda v: (v == "not stated", version_key(v)))
        platforms = sorted({m.platform or "not stated" for m in mt}, key=lambda p: (p == "not stated", p.lower(), p))
        cells = Counter((m.version or "not stated", m.platform or "not stated") for m in mt)
        matrix = tuple(tuple(cells[(v, p)] for p in platforms) for v in versions)
        if all(v == "not stated" for v in versions) and all(p == "not stated" for p in platforms):
            versions, platforms, matrix = [], [], ()
        nodes, edges, prs = self.neighbourhood(set(keys))
        canonical = self.issue(record.canonical)
        signature = record.signature
        title = _first_line(signature) if signature else (canonical.title if canonical else record.canonical)
        weeks = _weeks(m.created_at for m in mt if m.created_at)
        return ClusterReport(
            id=record.id, repo=record.repo, file_name=cluster_file_name(record.id), title=title,
            signature=signature, canonical=record.canonical, rules_version=rules_version, members=mt,
            authors=len({m.author for m in mt if m.author}),
            first_seen=_day(dated[0]) if dated else "", last_seen=_day(dated[-1]) if dated else "",
            open_count=sum(m.state == "open" for m in mt), closed_count=sum(m.state == "closed" for m in mt),
            traces=self.traces(mt, signature, {b.signature for b in background}),
            versions=tuple(versions), platforms=tuple(platforms), matrix=matrix, prs=prs,
            hints=tuple((m.key, str(record.hints.get(m.key, ""))) for m in mt), background=background,
            nodes=nodes, edges=edges, weeks=weeks,
        )


def _weeks(dates: Iterable[str], max_span: int = 104) -> tuple[tuple[str, int], ...]:
    """Reports per ISO week, quiet weeks included (up to two years of span; beyond that only the
    weeks with reports, or the table would be mostly zeros)."""
    counts = Counter(iso_week(d) for d in dates)
    if not counts:
        return ()
    first, last = min(counts), max(counts)
    start = datetime.fromisocalendar(int(first[:4]), int(first[6:]), 1)
    end = datetime.fromisocalendar(int(last[:4]), int(last[6:]), 1)
    span = (end - start).days // 7
    if span > max_span:
        return tuple(sorted(counts.items()))
    out = []
    for k in range(span + 1):
        y, w, _ = (start + timedelta(weeks=k)).isocalendar()
        label = f"{y}-W{w:02d}"
        out.append((label, counts.get(label, 0)))
    return tuple(out)


def _first_line(text: str, limit: int = 120) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


@functools.lru_cache(maxsize=65536)  # each key is sorted several times per cluster (members, nodes, edges)
def _key_sort(key: str) -> tuple[str, int]:
    repo, _, num = key.rpartition("#")
    return (repo, int(num) if num.isdigit() else 0)


def rank_clusters(clusters: Iterable[ClusterReport]) -> tuple[ClusterReport, ...]:
    """Most open reports first, then the most recently seen, then by id (a total, stable order)."""
    return tuple(sorted(clusters, key=lambda c: (-c.open_count, _neg_day(c.last_seen), -len(c.members), c.id)))


def _neg_day(day: str) -> tuple[int, ...]:
    digits = [int(x) for x in day.split("-")] if day else [0, 0, 0]
    return tuple(-d for d in digits)


def build_report_set(store: Store, repo: str, *, graph: Any = None, extract_records: RecordExtractor | None = None,
                     extract_env: EnvExtractor | None = None, min_size: int = 2) -> ReportSet:
    """Everything the Markdown of one repository's archive needs, from the store's newest cluster run
    (and the one before it, for "new since last run")."""
    with gc_paused():
        return _build_report_set(store, repo, graph, extract_records, extract_env, min_size)


def _build_report_set(store: Store, repo: str, graph: Any, extract_records: RecordExtractor | None,
                      extract_env: EnvExtractor | None, min_size: int) -> ReportSet:
    runs = store.cluster_runs(repo)
    if not runs:
        raise ReportError(f"no clusters stored for {repo}; run `issuegraph cluster --repo {repo}` first")
    current, previous = runs[0], (runs[1] if len(runs) > 1 else None)
    records = [c for c in store.load_clusters(repo, current["id"]) if len(set(c.members)) >= min_size]
    if graph is None:
        graph = _default_graph(store, repo)
    builder = _Builder(store, repo, graph,
                       extract_records if extract_records is not None else _default_record_extractor(),
                       extract_env if extract_env is not None else _default_env_extractor())
    reports = [builder.cluster(r, str(current["rules_version"])) for r in records]
    if builder.new_facts:
        store.save_report_facts(repo, builder.facts_version, builder.new_facts)
    by_file: dict[str, ClusterReport] = {}
    for rep in reports:
        if rep.file_name in by_file:  # two ids that sanitise alike: keep both, deterministically
            raise ReportError(f"cluster ids {by_file[rep.file_name].id!r} and {rep.id!r} map to one file name")
        by_file[rep.file_name] = rep
    member_files = {m.key: rep.file_name for rep in reports for m in rep.members}

    changes: list[Change] = []
    gone: list[Gone] = []
    if previous is not None:
        before = {c.id: c for c in store.load_clusters(repo, previous["id"])}
        for rep in reports:
            old = before.get(rep.id)
            old_n = len(set(old.members)) if old else 0
            if old is None or old_n < min_size:
                changes.append(Change(rep, "new", old_n))
            elif len(rep.members) > old_n:
                changes.append(Change(rep, "grown", old_n))
        current_ids = {r.id for r in reports}
        for old in before.values():
            if old.id in current_ids or len(set(old.members)) < min_size:
                continue
            dests = sorted({member_files[m] for m in old.members if m in member_files})
            gone.append(Gone(old.id, cluster_file_name(old.id), tuple(sorted(set(old.members), key=_key_sort)),
                             tuple((by_file[f].id, f) for f in dests)))
    ranked = rank_clusters(reports)
    rank_of = {id(c): i for i, c in enumerate(ranked)}
    changes.sort(key=lambda c: (c.kind != "new", rank_of[id(c.cluster)]))
    index = IndexReport(
        repo=repo, rules_version=str(current["rules_version"]), issue_count=int(current["issue_count"]),
        clusters=ranked, has_previous=previous is not None, changes=tuple(changes),
        gone=tuple(sorted(gone, key=lambda g: g.id)),
    )
    return ReportSet(index, tuple(sorted(reports, key=lambda r: r.file_name)), member_files)
