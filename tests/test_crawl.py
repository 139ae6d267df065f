"""The crawler against recorded GitHub traffic (cassettes/test_crawl/, recorded from ghsim).

Each test replays its own cassette; ``uv run pytest --record-mode=rewrite`` records them again
from ``tests/data`` (see tests/conftest.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from issuegraph.crawler.client import GitHubClient
from issuegraph.crawler.crawl import CrawlProgress, crawl_repo, fetch_issues
from issuegraph.errors import NotFoundError, RateLimitError
from issuegraph.models import IssueRef
from issuegraph.store import Store

from .conftest import DATA, TOKEN, FakeSleep, GitHubSide

REPO = "acme/widgets"


def client_for(api: str, sleep: FakeSleep, **kw: Any) -> GitHubClient:
    return GitHubClient(TOKEN, api, sleep=sleep, clock=sleep.clock, **kw)


def tables(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every crawled fact, whole rows, in a stable order: what 'the same store' means."""
    out = {}
    for table, order in (("issues", "repo, number"), ("comments", "repo, id"), ("timeline_events", "repo, number, key")):
        out[table] = [tuple(r) for r in store.db.execute(f"SELECT * FROM {table} ORDER BY {order}")]
    return out


def dataset_counts(name: str, repo: str = REPO) -> dict[str, Any]:
    data = json.loads((DATA / name).read_text())
    owner, rname = repo.split("/")
    r = next(x for x in data["repos"] if (x["owner"], x["name"]) == (owner, rname))
    timeline: dict[str, int] = {}
    for i in r["issues"]:
        for e in i.get("events", []):
            timeline[e["event"]] = timeline.get(e["event"], 0) + 1
    return {
        "issues": sum(1 for i in r["issues"] if not i.get("is_pull_request")),
        "pull_requests": sum(1 for i in r["issues"] if i.get("is_pull_request")),
        "comments": sum(len(i.get("comments", [])) for i in r["issues"]),
        "timeline": dict(sorted(timeline.items())),
    }


def crawled_counts(store: Store, repo: str = REPO) -> dict[str, Any]:
    s = store.stats()["by_repo"][repo]
    return {k: s[k] for k in ("issues", "pull_requests", "comments", "timeline")}


@pytest.mark.vcr
def test_full_crawl_pages_through_everything_and_keeps_every_reference(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("small.json")
    store = Store()
    result = crawl_repo(client_for(api, fake_sleep), store, REPO, page_size=2)

    assert crawled_counts(store) == dataset_counts("small.json")
    assert (result.mode, result.api, result.items) == ("full", "graphql", 7)
    # 5 issues in pages of 2 → 3 pages; 2 PRs → 1 page (+1 empty-final is not needed)
    assert result.requests == result.points == 4
    dup = store.load_issue(REPO, 2)
    assert dup is not None and (dup.state, dup.state_reason) == ("closed", "duplicate")
    [marked] = [e for e in store.load_timeline_events(REPO, 2) if e.event == "marked_as_duplicate"]
    assert marked.other == IssueRef(REPO, 1)
    first = store.load_issue(REPO, 1)
    assert first is not None
    assert (first.labels, first.reactions, first.comment_count) == (("bug",), {"+1": 3, "heart": 1}, 2)
    by_event = {(e.event, e.other.key if e.other else None) for e in store.load_timeline_events(REPO, 1)}
    assert ("cross-referenced", "acme/gadgets#10") in by_event  # a source in another repository
    assert ("closed", "acme/widgets#3") in by_event  # closed by the pull request
    [xref] = [e for e in store.load_timeline_events(REPO, 1) if e.other == IssueRef(REPO, 3) and e.event == "cross-referenced"]
    assert xref.will_close is True
    pr = store.load_issue(REPO, 3)
    assert pr is not None and (pr.kind, pr.merged, pr.merged_at) == ("pull_request", True, "2024-01-04T00:00:00Z")
    # sources in other repositories are stubs: in the graph, never counted as issues
    stubs = {i.key for i in store.load_issues(crawled_only=False) if not i.crawled}
    assert stubs == {"acme/gadgets#10", "other/elsewhere#5"}
    assert store.stats()["referenced_only"] == 2
    renamed = [e for e in store.load_timeline_events(REPO, 5) if e.event == "renamed"]
    assert [(e.rename_from, e.rename_to) for e in renamed] == [("Settings", "Settings window too small")]


@pytest.mark.vcr
def test_issues_with_long_timelines_get_their_next_pages_in_one_batched_query(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("overflow.json")
    store = Store()
    result = crawl_repo(client_for(api, fake_sleep), store, "acme/busy")
    counts = {i.number: i.comment_count for i in store.load_issues("acme/busy")}
    assert counts == {1: 230, 2: 1, 3: 101}
    assert len(store.load_comments("acme/busy")) == 332
    issue = store.load_issue("acme/busy", 1)
    assert issue is not None and issue.reactions == {"+1": 130, "eyes": 2}
    # 1 issues page + 1 PR page + overflow: round 1 batches #1's timeline, #1's reactions and
    # #3's timeline in one query; round 2 fetches #1's third timeline page.
    assert result.requests == 4


@pytest.mark.vcr
def test_second_run_asks_only_for_what_changed(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    store = Store()
    first = crawl_repo(client_for(github.serve("small.json"), fake_sleep), store, REPO)
    unchanged = crawl_repo(client_for(github.serve("small.json"), fake_sleep), store, REPO)
    assert unchanged.mode == "incremental" and unchanged.since == first.next_since
    assert (unchanged.items, unchanged.requests) == (0, 2)

    # the same repository later: a comment on #2 and on PR #6, a new issue #8 that mentions #1
    changed = crawl_repo(client_for(github.serve("small_v2.json"), fake_sleep), store, REPO)
    assert changed.items == 3
    expected = dataset_counts("small_v2.json")
    # Known limit, by design: #1 itself did not change (an inbound cross-reference does not bump
    # updated_at, on GitHub as in ghsim), so its new cross-referenced event is not re-read.
    # The edge is not lost: it is on the source side, in #8's text, which the graph parses.
    expected["timeline"]["cross-referenced"] -= 1
    assert crawled_counts(store) == expected
    new = store.load_issue(REPO, 8)
    assert new is not None and "#1" in new.body


class Boom(Exception):
    pass


@pytest.mark.vcr
@pytest.mark.parametrize("where", ["after_commit", "inside_transaction"])
def test_a_killed_crawl_resumes_to_exactly_the_store_a_clean_crawl_gives(
    github: GitHubSide, fake_sleep: FakeSleep, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = github.serve("small.json")
    clean = Store()
    crawl_repo(client_for(api, fake_sleep), clean, REPO, page_size=2)

    store = Store()
    pages = {"n": 0}
    if where == "after_commit":
        def progress(p: CrawlProgress) -> None:
            pages["n"] += 1
            if pages["n"] == 2:
                raise Boom
        with pytest.raises(Boom):
            crawl_repo(client_for(api, fake_sleep), store, REPO, page_size=2, progress=progress)
    else:
        real = Store.set_progress

        def failing(self: Store, repo: str, stream: str, *a: Any, **kw: Any) -> None:
            if stream == "pull_requests":
                raise Boom  # dies mid-page: the whole page must roll back
            real(self, repo, stream, *a, **kw)

        monkeypatch.setattr(Store, "set_progress", failing)
        with pytest.raises(Boom):
            crawl_repo(client_for(api, fake_sleep), store, REPO, page_size=2)
        monkeypatch.setattr(Store, "set_progress", real)
    assert store.get_progress(REPO, "run") is not None
    partial = tables(store)
    assert 0 < len([r for r in partial["issues"] if r[-2] == 1]) < 7

    resumed = crawl_repo(client_for(api, fake_sleep), store, REPO, page_size=2)
    assert resumed.resumed and resumed.items == 7
    assert tables(store) == tables(clean)
    assert store.get_progress(REPO, "run") is None


@pytest.mark.vcr
@pytest.mark.parametrize("rest", [False, True], ids=["graphql", "rest"])
def test_an_exhausted_rate_limit_is_waited_out_then_the_crawl_goes_on(
    github: GitHubSide, fake_sleep: FakeSleep, rest: bool
) -> None:
    api = github.serve("small.json", "--graphql-rate-limit", "2", "--rate-limit", "3")
    waits: list[tuple[float, str]] = []

    def on_wait(left: float, why: str) -> None:
        if not waits or waits[-1][1] != why:
            github.refill()  # recording: what the hour's wait does on GitHub
        waits.append((left, why))

    store = Store()
    result = crawl_repo(client_for(api, fake_sleep, on_wait=on_wait), store, REPO, page_size=2, rest=rest)
    assert crawled_counts(store)["issues"] == 5 and result.items == 7
    assert fake_sleep.slept > 60  # waited for the reset (ghsim resets hourly), without sleeping
    assert 60 < waits[0][0] <= 3601  # computed from the server's reset and Date headers


@pytest.mark.vcr
def test_a_reset_further_than_max_wait_stops_cleanly_with_the_state_saved(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("small.json", "--graphql-rate-limit", "2")
    store = Store()
    with pytest.raises(RateLimitError) as info:
        crawl_repo(client_for(api, fake_sleep, max_wait=10), store, REPO, page_size=2)
    assert info.value.exit_code == 75 and "rerun" in str(info.value) and fake_sleep.slept == 0
    assert len(store.load_issues(REPO)) == 4  # two pages of 2 saved before the budget ran out
    github.refill()
    resumed = crawl_repo(client_for(api, fake_sleep, max_wait=10), store, REPO, page_size=2)
    assert resumed.resumed and crawled_counts(store) == dataset_counts("small.json")


@pytest.mark.vcr
def test_unresolvable_references_are_errors_beside_the_data_not_instead_of_it(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("partial.json")
    store = Store()
    result = crawl_repo(client_for(api, fake_sleep), store, REPO)
    assert result.partial_errors >= 1
    assert len(store.load_issues(REPO)) == 7  # the page with the broken event was kept
    assert [e.event for e in store.load_timeline_events(REPO, 7)] == ["closed"]


@pytest.mark.vcr
def test_fetch_issues_gets_several_issues_across_repositories_and_reports_each(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("small.json")
    store = Store()
    refs = [IssueRef(REPO, 1), IssueRef("acme/gadgets", 10), IssueRef(REPO, 99), IssueRef("nobody/nothing", 1)]
    status = fetch_issues(client_for(api, fake_sleep), store, refs)
    assert status == {IssueRef(REPO, 1): "ok", IssueRef("acme/gadgets", 10): "ok",
                      IssueRef(REPO, 99): "not_found", IssueRef("nobody/nothing", 1): "not_found"}
    one = store.load_issue(REPO, 1)
    assert one is not None and one.crawled and one.comment_count == 2
    assert len(store.load_timeline_events(REPO, 1)) == 5
    gadget = store.load_issue("acme/gadgets", 10)
    assert gadget is not None and gadget.crawled


@pytest.mark.vcr
def test_fetch_issues_follows_long_timelines(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("overflow.json")
    store = Store()
    assert fetch_issues(client_for(api, fake_sleep), store, [IssueRef("acme/busy", 1)]) == {IssueRef("acme/busy", 1): "ok"}
    issue = store.load_issue("acme/busy", 1)
    assert issue is not None and issue.comment_count == 230 and len(store.load_comments("acme/busy", 1)) == 230


@pytest.mark.vcr
def test_server_errors_shrink_the_page_and_the_crawl_completes(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("small.json", "--fail-kinds", "502", "--fail-rate", "0.4", "--seed", "3")
    store = Store()
    client = client_for(api, fake_sleep)
    result = crawl_repo(client, store, REPO, page_size=4)
    assert crawled_counts(store) == dataset_counts("small.json")
    assert result.requests > result.pages  # some queries failed and were asked again, smaller


@pytest.mark.vcr
def test_rest_path_gets_the_same_issues_comments_and_references(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("small.json")
    store = Store()
    result = crawl_repo(client_for(api, fake_sleep), store, REPO, rest=True)
    assert result.api == "rest" and result.points == 0
    counts = crawled_counts(store)
    expected = dataset_counts("small.json")
    assert {k: counts[k] for k in ("issues", "pull_requests", "comments")} == {
        k: expected[k] for k in ("issues", "pull_requests", "comments")}
    xrefs = {e.other.key for e in store.load_timeline_events(REPO, 1) if e.event == "cross-referenced" and e.other}
    assert xrefs == {"acme/widgets#3", "acme/gadgets#10"}
    # REST timelines carry no canonical for a duplicate: the comment "Duplicate of #1" does
    assert any(c.body == "Duplicate of #1" for c in store.load_comments(REPO, 2))

    # nothing changed: two empty list pages, no timeline requests
    again = crawl_repo(client_for(api, fake_sleep), store, REPO, rest=True)
    assert (again.items, again.requests) == (0, 2)
    # everything again: timelines are revalidated with their ETags (304s, free when authorized)
    before = tables(store)
    full = crawl_repo(client_for(api, fake_sleep), store, REPO, rest=True, full=True)
    assert full.items == 7 and tables(store) == before


@pytest.mark.vcr
def test_an_unknown_repository_is_not_found(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("small.json")
    with pytest.raises(NotFoundError, match="acme/nothing not found, or private"):
        crawl_repo(client_for(api, fake_sleep), Store(), "acme/nothing")
