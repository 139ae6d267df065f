"""A small hand-made store with two cluster runs, a hand-built graph and simple extractors, so the
report tests do not depend on how the clusterer or the graph builder evolve."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import networkx as nx

from issuegraph.models import ClusterRecord, Comment, Issue
from issuegraph.store import Store

REPO = "acme/widgets"

TRACE_A = ("TypeError: Cannot read properties of undefined (reading 'map')\n"
           "    at renderList (file:///app/dist/ui.js:10:5)\n    at main (file:///app/dist/cli.js:2:1)")
TRACE_A_PY = ('Traceback (most recent call last):\n  File "/srv/app/ui.py", line 3, in render\n'
              "    items.map()\nAttributeError: 'NoneType' object has no attribute 'map'")
BACKGROUND = "Warning: config file not found, using defaults"


@dataclass(frozen=True)
class Record:
    raw: str
    runtime: str
    signature: str


_FENCE = re.compile(r"```(\w*)\n(.*?)\n```", re.S)


def fake_records(text: str) -> list[Record]:
    """Fenced blocks are error records; the info string is the runtime, the first line the signature."""
    out = []
    for m in _FENCE.finditer(text):
        first = m.group(2).split("\n", 1)[0]
        sig = "background-config" if first.startswith("Warning: config") else "list-render-none"
        out.append(Record(m.group(2), m.group(1) or "text", sig))
    return out


def fake_env(text: str) -> dict[str, str]:
    env = {}
    for key in ("Version", "Platform"):
        m = re.search(rf"^- {key}: (.+)$", text, re.M)
        if m:
            env[key.lower()] = m.group(1).strip()
    return env


def issue(n: int, title: str, body: str, *, state: str = "open", reason: str | None = None,
          created: str = "2024-03-01T10:00:00Z", author: str = "alice", kind: str = "issue",
          merged: bool | None = None, reactions: dict[str, int] | None = None, comments: int = 0) -> Issue:
    return Issue(
        repo=REPO, number=n, kind=kind, title=title, body=body, state=state, state_reason=reason,  # type: ignore[arg-type]
        author=author, labels=(), created_at=created, updated_at=created,
        closed_at="2024-03-20T00:00:00Z" if state == "closed" else None,
        merged_at="2024-03-20T00:00:00Z" if merged else None, merged=merged, reactions=reactions or {},
        comment_count=comments, url=f"https://github.com/{REPO}/{'pull' if kind == 'pull_request' else 'issues'}/{n}",
    )


def body(trace: str, lang: str, version: str | None, platform: str | None, *, noise: bool = False) -> str:
    env = "".join(f"- {k}: {v}\n" for k, v in (("Version", version), ("Platform", platform)) if v)
    extra = f"\n```text\n{BACKGROUND}\n```\n" if noise else ""
    return f"It crashes when the list is empty.\n\n```{lang}\n{trace}\n```\n{extra}\n{env}"


def make_store(*, second_run: bool = True) -> Store:
    store = Store()
    store.save_issues([
        issue(1, "List view crashes on empty project", body(TRACE_A, "js", "1.2.0", "linux", noise=True),
              created="2024-03-01T10:00:00Z", reactions={"+1": 3}, comments=1),
        issue(2, "Crash: cannot read 'map' of undefined", body(TRACE_A, "js", "1.2.1", "darwin"),
              created="2024-03-04T09:00:00Z", author="bob", state="closed", reason="duplicate"),
        issue(3, "Python client: NoneType has no attribute map", body(TRACE_A_PY, "python", "1.2.1", "linux", noise=True),
              created="2024-03-12T09:00:00Z", author="carol"),
        issue(4, "Export fails", "Export fails, no trace.", created="2024-02-01T00:00:00Z", author="dave"),
        issue(5, "Export broken again", "Duplicate of #4, I think.", created="2024-02-02T00:00:00Z",
              author="erin", state="closed", reason="duplicate"),
        issue(6, "Unrelated feature request", "Please add dark mode.", created="2024-01-01T00:00:00Z"),
        issue(7, "Guard the list renderer against undefined", "Fixes #1", kind="pull_request", state="closed",
              merged=True, created="2024-03-15T00:00:00Z", author="maintainer"),
    ])
    store.save_comments([Comment(REPO, 1, 1001, "bob", "Same here.", "2024-03-02T00:00:00Z", None)])
    first = [
        ClusterRecord("c-list-render", REPO, f"{REPO}#1", (f"{REPO}#1", f"{REPO}#2"), "list-render-none",
                      {f"{REPO}#1": "canonical: oldest open report", f"{REPO}#2": "same signature list-render-none"},
                      {"background_ignored": ["background-config"], "background_why": {"background-config": "seen with 40 different errors in 310 issues"}}),
        ClusterRecord("c-export", REPO, f"{REPO}#4", (f"{REPO}#4", f"{REPO}#5"), None,
                      {f"{REPO}#4": "canonical", f"{REPO}#5": "marked duplicate of #4 by a maintainer"}, {}),
        ClusterRecord("c-old", REPO, f"{REPO}#3", (f"{REPO}#3", f"{REPO}#6"), None,
                      {f"{REPO}#3": "canonical", f"{REPO}#6": "title similarity 0.71"}, {}),
    ]
    store.save_cluster_run(REPO, "rules-2024-01", "2024-03-20T00:00:00Z", 6, first)
    if second_run:
        second = [
            ClusterRecord("c-list-render", REPO, f"{REPO}#1", (f"{REPO}#1", f"{REPO}#2", f"{REPO}#3"),
                          "list-render-none",
                          {f"{REPO}#1": "canonical: oldest open report", f"{REPO}#2": "same signature list-render-none",
                           f"{REPO}#3": "signature list-render-none (python), score 0.93"},
                          {"background_ignored": ["background-config"], "background_why": {"background-config": "seen with 40 different errors in 310 issues"}}),
            first[1], ClusterRecord("s-6", REPO, f"{REPO}#6", (f"{REPO}#6",), None, {}, {}),
        ]
        store.save_cluster_run(REPO, "rules-2024-01", "2024-03-21T00:00:00Z", 6, second)
    return store


def make_graph() -> Any:
    g = nx.MultiDiGraph()
    for n in range(1, 8):
        g.add_node(f"{REPO}#{n}")
    g.add_edge(f"{REPO}#7", f"{REPO}#1", key="closes", kind="closes")
    g.add_edge(f"{REPO}#7", f"{REPO}#1", key="mentions", kind="mentions")
    g.add_edge(f"{REPO}#2", f"{REPO}#1", key="duplicate_of", kind="duplicate_of")
    g.add_edge(f"{REPO}#5", f"{REPO}#4", key="duplicate_of", kind="duplicate_of")
    g.add_edge("other/repo#9", f"{REPO}#3", key="cross_referenced", kind="cross_referenced")
    return g
