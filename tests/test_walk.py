"""The walk reaches what is linked either way, across repositories, within depth and budget,
fetches each level in one batch, reuses what is fresh, and steps around what it cannot reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from issuegraph.crawler.walk import walk
from issuegraph.errors import GoneError, NotFoundError
from issuegraph.graph.build import links_of
from issuegraph.models import IssueRef
from issuegraph.store import Store

from .dataset import dataset_issues, save_dataset

NOW = datetime(2026, 4, 9, 8, 0, tzinfo=UTC)


def ref(key: str) -> IssueRef:
    return IssueRef.from_key(key)


def issue(number: int, body: str = "", **extra: Any) -> dict[str, Any]:
    return {"number": number, "title": f"T{number}", "body": body, "state": "open", "author": "a",
            "created_at": "2026-04-01T00:00:00Z", **extra}


def xref(source: str, will_close: bool = False) -> dict[str, Any]:
    return {"event": "cross-referenced", "created_at": "2026-04-02T00:00:00Z", "source": source,
            "will_close_target": will_close}


WALK_DATA: dict[str, Any] = {"repos": [
    {"owner": "cc", "name": "app", "issues": [
        issue(1, "Crash on start. Also seen upstream in sdk/core#7.", events=[
            xref("cc/app#2"), xref("cc/app#3", will_close=True), xref("secret/repo#4")]),
        issue(2, "", state="closed", state_reason="duplicate",
              comments=[{"author": "m", "body": "Duplicate of #1", "created_at": "2026-04-02T00:00:00Z"}],
              events=[{"event": "marked_as_duplicate", "created_at": "2026-04-02T00:00:00Z", "duplicate_of": 1}]),
        issue(3, "Fixes #1", is_pull_request=True, state="closed", merged_at="2026-04-03T00:00:00Z", closes=[1]),
        issue(5, "see #1 and #99 and #6"),  # nothing points at #5: the walk must not find it
        issue(6, "gone", events=[xref("cc/app#5")]),
    ]},
    {"owner": "sdk", "name": "core", "issues": [
        issue(7, "Root cause in header validation; tracked in #8", events=[xref("cc/app#1")]),
        issue(8, "deeper", events=[xref("sdk/core#7")]),
    ]},
]}


class FakeFetcher:
    """Fills the store from the dataset, like the crawler's fetch_issues; records each batch."""

    def __init__(self, store: Store, data: dict[str, Any], forbidden: set[str] = frozenset(),  # type: ignore[assignment]
                 gone: set[IssueRef] = frozenset()) -> None:  # type: ignore[assignment]
        self.store, self.data = store, data
        self.known = set(dataset_issues(data))
        self.forbidden, self.gone = forbidden, gone
        self.batches: list[list[IssueRef]] = []

    def __call__(self, refs: list[IssueRef]) -> dict[IssueRef, str]:
        self.batches.append(sorted(refs))
        status = {}
        for r in refs:
            if r.repo in self.forbidden:
                status[r] = "forbidden"
            elif r in self.gone:
                status[r] = "gone"
            elif r in self.known:
                status[r] = "ok"
            else:
                status[r] = "not_found"
        save_dataset(self.store, self.data, only={r for r, s in status.items() if s == "ok"})
        return status


def run(depth: int = 2, max_nodes: int = 200, **fetch_kw: Any):  # type: ignore[no-untyped-def]
    store = Store()
    fetch = FakeFetcher(store, WALK_DATA, **fetch_kw)
    result = walk(store, ref("cc/app#1"), fetch, depth=depth, max_nodes=max_nodes, now=NOW)
    return store, fetch, result


def keys(refs: list[IssueRef]) -> list[str]:
    return [r.key for r in refs]


def test_walk_follows_links_both_ways_across_repositories() -> None:
    _, fetch, result = run(depth=1, forbidden={"secret/repo"})
    assert keys(result.visited) == ["cc/app#1", "cc/app#2", "cc/app#3", "sdk/core#7"]
    assert result.problems == {ref("secret/repo#4"): "forbidden"}
    assert fetch.batches == [[ref("cc/app#1")], [ref("cc/app#2"), ref("cc/app#3"), ref("sdk/core#7"),
                                                 ref("secret/repo#4")]]


def test_walk_goes_deeper_and_steps_around_what_it_cannot_reach() -> None:
    _, fetch, result = run(depth=2, forbidden={"secret/repo"})
    assert keys(result.visited) == ["cc/app#1", "cc/app#2", "cc/app#3", "sdk/core#7", "sdk/core#8"]
    assert len(fetch.batches) == 3  # one batch per level
    assert result.problem_lines() == [
        "secret/repo#4: no access: the repository is private or the token lacks its scope; skipped"]


def test_an_unreachable_node_is_a_line_and_the_walk_goes_on() -> None:
    _, _, result = run(depth=2, gone={ref("sdk/core#7")})
    assert result.problems[ref("sdk/core#7")] == "gone"
    assert result.problems[ref("secret/repo#4")] == "not_found"
    assert "sdk/core#8" not in keys(result.visited)  # only reachable through the gone one
    assert "cc/app#3" in keys(result.visited)


def test_a_second_walk_reuses_fresh_nodes_and_refetches_stale_ones() -> None:
    store, fetch, first = run(depth=2)
    second = walk(store, ref("cc/app#1"), fetch, depth=2, now=NOW + timedelta(hours=1))
    assert fetch.batches[3:] == [[ref("secret/repo#4")]]  # a failure is retried; successes are reused
    assert second.fetched == [] and second.problems == first.problems
    assert second.visited == first.visited
    third = walk(store, ref("cc/app#1"), fetch, depth=2, now=NOW + timedelta(days=2))
    assert sorted(third.fetched) == sorted(first.fetched)


def test_the_node_budget_stops_the_walk() -> None:
    _, _, result = run(depth=2, max_nodes=3)
    assert len(result.visited) + len(result.problems) == 3
    assert result.skipped_over_budget


def test_an_unreachable_start_stops_with_a_clear_error() -> None:
    store = Store()
    with pytest.raises(NotFoundError, match=r"cannot walk from cc/app#404: not found"):
        walk(store, ref("cc/app#404"), FakeFetcher(store, WALK_DATA), now=NOW)
    with pytest.raises(GoneError, match="deleted"):
        walk(store, ref("cc/app#1"), FakeFetcher(store, WALK_DATA, gone={ref("cc/app#1")}), now=NOW)


def test_links_of_reads_text_timeline_and_raw_closing_references() -> None:
    store = Store()
    save_dataset(store, WALK_DATA)
    assert keys(links_of(store, ref("cc/app#1"))) == ["cc/app#2", "cc/app#3", "sdk/core#7", "secret/repo#4"]
    assert keys(links_of(store, ref("cc/app#3"))) == ["cc/app#1"]
    assert keys(links_of(store, ref("cc/app#5"))) == ["cc/app#1", "cc/app#6", "cc/app#99"]
