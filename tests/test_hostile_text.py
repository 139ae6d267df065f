"""Giant and hostile issue text goes through store → graph → export → report without crashing and
with the references a person would see. Sizes are kept small enough for a fast suite; timings at
full size are ``benchmarks/hostile_input.py``'s job."""

from __future__ import annotations

import json

import pytest

from issuegraph.graph.build import build_graph, links_of
from issuegraph.graph.export import render_graph
from issuegraph.graph.refs import KEYWORD_WINDOW, extract_references
from issuegraph.models import Issue, IssueRef
from issuegraph.reports.issue_report import MAX_LINKS, build_issue_report, render_issue_report
from issuegraph.store import Store

REPO = "acme/widgets"


def issue(number: int, body: str, title: str = "t") -> Issue:
    return Issue(repo=REPO, number=number, kind="issue", title=title, body=body, state="open", state_reason=None,
                 author="eve", labels=(), created_at="2024-01-01T00:00:00Z", updated_at=None, closed_at=None)


# name: (body, the refs (key, kind) that must be found, exactly)
HOSTILE = {
    "hashes": ("#" * 20_000, set()),
    "headings": ("# 1\n" * 2_000, set()),
    "deep-quotes": (">" * 5_000 + " #3", set()),  # past markdown-it's nesting limit: not prose
    "long-line": ("x#1 " * 50_000 + "see #3", {("acme/widgets#3", "mention")}),
    "backticks": ("`" * 3_000 + " #3 " + "``#4``", {("acme/widgets#3", "mention")}),
    "nul-bytes": ("a\x00#3\x00 fixes #4 " * 500, {("acme/widgets#3", "mention"), ("acme/widgets#4", "closes")}),
    "rtl": ("\u202e#3\u202c \u2066acme/other#2\u2069", {("acme/widgets#3", "mention"), ("acme/other#2", "mention")}),
    "unclosed-comment": ("#3\n\n<!-- #4 " * 300, {("acme/widgets#3", "mention")}),
    "keyword-far-away": ("fixes" + " " * (KEYWORD_WINDOW + 10) + "#3", {("acme/widgets#3", "mention")}),
    "keyword-near": ("fixes" + " " * 20 + "#3", {("acme/widgets#3", "closes")}),
}


@pytest.mark.parametrize("name", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_bodies_yield_exactly_the_visible_references(name: str) -> None:
    body, expected = HOSTILE[name]
    assert {(r.target.key, r.kind) for r in extract_references(body, REPO)} == expected


@pytest.mark.parametrize("name", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_bodies_survive_store_graph_export_and_report(name: str) -> None:
    body, expected = HOSTILE[name]
    with Store(":memory:") as store:
        with store.transaction():
            store.save_repo(REPO)
            store.save_issues([issue(1, body, title="\u202ehostile\u202c"), issue(3, "x")])
        assert store.load_issue(REPO, 1).body == body  # type: ignore[union-attr]
        graph = build_graph(store)
        assert {v for _, v in graph.out_edges(f"{REPO}#1")} == {k for k, _ in expected}
        json.loads(render_graph(graph, "json"))
        text = render_issue_report(build_issue_report(store, IssueRef(REPO, 1)))
        assert text.startswith("---") or text.startswith("#")


def test_lone_surrogates_are_stored_as_replacement_characters_not_a_crash() -> None:
    """JSON's "\\udcff" decodes to a lone surrogate, which SQLite (UTF-8) cannot take."""
    body = json.loads('"\\udcff#3 \\ud800 and a real pair \\ud83d\\ude00"')
    with Store(":memory:") as store:
        with store.transaction():
            store.save_issues([issue(1, body, title=body)])
        got = store.load_issue(REPO, 1)
        assert got is not None and got.body == "\ufffd#3 \ufffd and a real pair \U0001f600" == got.title
        assert [r.target.key for r in extract_references(got.body, REPO)] == ["acme/widgets#3"]


def test_a_body_with_thousands_of_references_makes_a_bounded_report() -> None:
    n = MAX_LINKS + 300
    body = "\n".join(f"see acme/other#{i}" for i in range(1, n + 1))
    with Store(":memory:") as store:
        with store.transaction():
            store.save_issues([issue(1, body)])
        assert len(links_of(store, IssueRef(REPO, 1))) == n  # the walk's budget caps what it follows
        report = build_issue_report(store, IssueRef(REPO, 1))
        assert len(report.links) == MAX_LINKS and report.links_not_shown == 300
        assert "300 more links are not listed" in render_issue_report(report)
