"""The graph has exactly the edges a dataset implies, one per logical link, with its evidence."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuegraph.graph.build import build_graph, neighbourhood
from issuegraph.models import IssueRef
from issuegraph.store import Store

from .dataset import save_dataset

T0 = "2024-01-01T00:00:00Z"


def issue(number: int, body: str = "", **extra: Any) -> dict[str, Any]:
    return {"number": number, "title": f"Issue {number}", "body": body, "state": "open", "author": "alice",
            "created_at": f"2024-01-{number:02d}T00:00:00Z", **extra}


DATASET: dict[str, Any] = {"repos": [
    {"owner": "acme", "name": "widgets", "issues": [
        issue(1, "Crashes on start.\n\n```\nat foo (#7)\n```\ncolour #fff", labels=["bug"], reactions={"+1": 3},
              events=[
                  # GitHub's record of #3 closing this one (agrees with #3's body)
                  {"event": "cross-referenced", "actor": "carol", "created_at": "2024-01-03T01:00:00Z",
                   "source": {"repo": "acme/widgets", "number": 3}, "will_close_target": True},
                  # gadgets#10 mentions us in its comment: agrees with that text
                  {"event": "cross-referenced", "actor": "zed", "created_at": "2024-01-10T02:00:00Z",
                   "source": "acme/gadgets#10"},
                  # a source we never saw (private repo): timeline only
                  {"event": "cross-referenced", "actor": "erin", "created_at": "2024-02-01T00:00:00Z",
                   "source": "other/private#5"},
                  {"event": "closed", "created_at": "2024-01-04T00:00:00Z", "closer": 3},
              ]),
        issue(2, "Same crash", state="closed", state_reason="duplicate",
              comments=[{"author": "maint", "body": "Duplicate of #1", "created_at": "2024-01-02T05:00:00Z"}],
              events=[{"event": "marked_as_duplicate", "actor": "maint", "created_at": "2024-01-02T05:00:00Z",
                       "duplicate_of": 1}]),
        issue(3, "Fixes #1\n\nAlso fixes acme/widgets#4 and see #5.", is_pull_request=True, state="closed",
              merged_at="2024-01-04T00:00:00Z", closes=[1],
              events=[{"event": "connected", "actor": "carol", "created_at": "2024-01-03T00:00:00Z", "subject": 4},
                      {"event": "connected", "actor": "carol", "created_at": "2024-01-03T00:00:01Z", "subject": 5},
                      {"event": "disconnected", "actor": "carol", "created_at": "2024-01-03T00:00:02Z", "subject": 5}]),
        issue(4, "This fixes #5 maybe? <!-- #6 --> `#6`", comments=[
            {"author": "bob", "body": "> see #6\n\nno, https://github.com/acme/widgets/issues/6#issuecomment-9",
             "created_at": "2024-01-05T00:00:00Z"}]),
        issue(5, "standalone"),
        issue(6, "marked then unmarked", events=[
            {"event": "marked_as_duplicate", "created_at": "2024-01-06T01:00:00Z", "duplicate_of": 5},
            {"event": "unmarked_as_duplicate", "created_at": "2024-01-06T02:00:00Z", "duplicate_of": 5}]),
    ]},
    {"owner": "acme", "name": "gadgets", "issues": [
        issue(10, "Gadget bug", comments=[{"author": "zed", "body": "Upstream: acme/widgets#1",
                                           "created_at": "2024-01-10T02:00:00Z"}]),
    ]},
]}

W, G = "acme/widgets", "acme/gadgets"

# (source, target, type) → the evidence sources expected on that edge
EXPECTED_EDGES = {
    (f"{W}#2", f"{W}#1", "duplicate_of"): ["comment", "timeline"],
    (f"{W}#3", f"{W}#1", "closes"): ["body", "raw", "timeline", "timeline"],
    (f"{W}#3", f"{W}#4", "closes"): ["body"],
    (f"{W}#3", f"{W}#4", "connected"): ["timeline"],
    (f"{W}#3", f"{W}#5", "mentions"): ["body"],
    (f"{W}#4", f"{W}#5", "mentions"): ["body"],  # "fixes" in an issue closes nothing
    (f"{W}#4", f"{W}#6", "mentions"): ["comment"],  # quoted #6 and the comment URL: one reference
    (f"{G}#10", f"{W}#1", "mentions"): ["comment", "timeline"],
    ("other/private#5", f"{W}#1", "cross_referenced"): ["timeline"],
}


def graph_of(data: dict[str, Any], repo: str | None = None):  # type: ignore[no-untyped-def]
    store = Store()
    save_dataset(store, data)
    return build_graph(store, repo)


def edge_table(graph) -> dict[tuple[str, str, str], list[str]]:  # type: ignore[no-untyped-def]
    return {(u, v, k): sorted(e["source"] for e in d["evidence"]) for u, v, k, d in graph.edges(keys=True, data=True)}


def test_graph_has_exactly_the_edges_the_dataset_implies() -> None:
    assert edge_table(graph_of(DATASET)) == EXPECTED_EDGES


def test_nodes_carry_issue_facts_and_stubs_are_marked() -> None:
    g = graph_of(DATASET)
    assert g.nodes[f"{W}#1"] | {} == {
        "repo": W, "number": 1, "kind": "issue", "title": "Issue 1", "state": "open", "state_reason": None,
        "labels": ["bug"], "author": "alice", "created_at": "2024-01-01T00:00:00Z", "closed_at": None,
        "merged_at": None, "merged": None, "comment_count": 0, "reactions": 3,
        "url": "https://github.com/acme/widgets/issues/1", "crawled": True, "transferred_to": None,
    }
    assert g.nodes[f"{W}#3"]["kind"] == "pull_request" and g.nodes[f"{W}#3"]["merged"] is True
    assert g.nodes["other/private#5"]["crawled"] is False and g.nodes["other/private#5"]["title"] is None


def test_timeline_and_text_evidence_share_one_edge_with_its_earliest_time() -> None:
    g = graph_of(DATASET)
    edge = g.edges[f"{G}#10", f"{W}#1", "mentions"]
    assert [(e["source"], e["issue"]) for e in edge["evidence"]] == [("comment", f"{G}#10"), ("timeline", f"{W}#1")]
    assert edge["time"] == "2024-01-10T02:00:00Z"
    assert edge["evidence"][0]["comment_id"] > 0 and edge["evidence"][1]["event"] == "cross-referenced"


def test_a_comment_url_keeps_the_comment_it_points_at() -> None:
    g = graph_of(DATASET)
    (evidence,) = g.edges[f"{W}#4", f"{W}#6", "mentions"]["evidence"]
    assert evidence["target_comment_id"] == 9 and "quoted" not in evidence


def test_repo_filter_keeps_edges_touching_the_repo_and_their_far_ends() -> None:
    g = graph_of(DATASET, repo=G)
    assert list(g.nodes) == [f"{G}#10", f"{W}#1"]
    assert edge_table(g) == {(f"{G}#10", f"{W}#1", "mentions"): ["comment", "timeline"]}


def test_same_store_same_graph_whatever_the_save_order() -> None:
    a = Store()
    save_dataset(a, DATASET)
    b = Store()
    reversed_data = {"repos": [dict(r, issues=list(reversed(r["issues"]))) for r in reversed(DATASET["repos"])]}
    save_dataset(b, reversed_data)
    ga, gb = build_graph(a), build_graph(b)
    dump = lambda g: json.dumps([list(g.nodes(data=True)), list(g.edges(keys=True, data=True))])  # noqa: E731
    assert dump(ga) == dump(gb)


def test_neighbourhood_follows_edges_both_ways() -> None:
    g = graph_of(DATASET)
    near = neighbourhood(g, f"{W}#2", 1)
    assert list(near.nodes) == [f"{W}#1", f"{W}#2"]
    assert len(neighbourhood(g, f"{W}#2", 2)) == 5  # + #3, gadgets#10, other/private#5


# --- generated datasets: whatever references we write, we find exactly those -------------------
STYLES = ("short", "cross", "url", "comment_url", "gh")


def render_ref(style: str, repo: str, number: int, home: str) -> str:
    return {
        "short": f"#{number}" if repo == home else f"{repo}#{number}",
        "cross": f"{repo}#{number}",
        "url": f"https://github.com/{repo}/issues/{number}",
        "comment_url": f"https://github.com/{repo}/issues/{number}#issuecomment-{number * 7}",
        "gh": f"GH-{number}" if repo == home else f"{repo}#{number}",
    }[style]


REPOS = ("acme/widgets", "acme/gadgets")
ref_plan = st.tuples(st.sampled_from(REPOS), st.integers(1, 6), st.sampled_from(STYLES), st.booleans())
issue_plan = st.lists(ref_plan, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(issue_plan, min_size=6, max_size=6), st.lists(issue_plan, min_size=6, max_size=6))
def test_generated_dataset_edges_match_the_references_written(
    widgets_plan: list[list[tuple[str, int, str, bool]]], gadgets_plan: list[list[tuple[str, int, str, bool]]]
) -> None:
    data: dict[str, Any] = {"repos": []}
    expected: set[tuple[str, str, str]] = set()
    for repo, plan in zip(REPOS, (widgets_plan, gadgets_plan), strict=True):
        owner, name = repo.split("/")
        issues = []
        for number, refs in enumerate(plan, start=1):
            body, comment = ["Noise: `#9` #fff :12:34 &#39;\n\n```\nsee #8\n```"], []
            for target_repo, target, style, in_comment in refs:
                text = f"Related: {render_ref(style, target_repo, target, repo)}."
                (comment if in_comment else body).append(text)
                if (target_repo, target) != (repo, number):
                    expected.add((f"{repo}#{number}", f"{target_repo}#{target}", "mentions"))
            comments = [{"author": "x", "body": "\n\n".join(comment), "created_at": T0}] if comment else []
            issues.append(issue(number, "\n\n".join(body), comments=comments))
        data["repos"].append({"owner": owner, "name": name, "issues": issues})
    g = graph_of(data)
    assert set(g.edges(keys=True)) == expected
    assert all(IssueRef.from_key(n) for n in g.nodes)
