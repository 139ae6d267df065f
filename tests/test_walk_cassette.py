"""The URL walk against recorded GitHub traffic (cassettes/test_walk_cassette/, recorded from ghsim
serving ``tests/data/walk.json``, the same dataset as tests/test_walk.py's fake fetcher).

``uv run pytest --record-mode=rewrite tests/test_walk_cassette.py`` records it again (needs
``../shared/ghsim``); by default it replays, with no network.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from issuegraph.crawler.client import GitHubClient
from issuegraph.crawler.crawl import fetch_issues
from issuegraph.crawler.walk import walk
from issuegraph.models import IssueRef
from issuegraph.reports.issue_report import build_issue_report, render_issue_report
from issuegraph.store import Store

from .conftest import ROOT, TOKEN, FakeSleep, GitHubSide

NOW = datetime(2026, 4, 9, 8, 0, tzinfo=UTC)
CASSETTE = ROOT / "cassettes" / "test_walk_cassette" / "test_a_cross_repo_walk_steps_around_a_missing_node.yaml"


@pytest.mark.vcr
def test_a_cross_repo_walk_steps_around_a_missing_node(github: GitHubSide, fake_sleep: FakeSleep) -> None:
    api = github.serve("walk.json")
    client = GitHubClient(TOKEN, api, sleep=fake_sleep, clock=fake_sleep.clock)
    store = Store()
    start = IssueRef("cc/app", 1)
    result = walk(store, start, lambda refs: fetch_issues(client, store, refs), depth=2,
                  max_age=timedelta(hours=24), now=NOW)

    assert [r.key for r in result.visited] == [
        "cc/app#1",                                   # depth 0
        "cc/app#2", "cc/app#3", "sdk/core#7",         # depth 1: duplicate, closing PR, other repo
        "sdk/core#8",                                 # depth 2: reached through the other repo
    ]
    assert result.problems == {IssueRef("secret/repo", 4): "not_found"}  # a private / deleted source
    assert result.fetched == result.visited and not result.reused
    # one batched GraphQL query per level, whatever the number of issues in it
    assert client.requests == 3 and client.points == 3
    report = render_issue_report(build_issue_report(store, start, result))
    assert "secret/repo" in report and "not found: deleted, private" in report and "sdk/core" in report

    # a second walk within --max-age reuses every issue and asks again only for the one it could not get
    again = walk(store, start, lambda refs: fetch_issues(client, store, refs), depth=2, now=NOW + timedelta(hours=1))
    assert again.visited == result.visited and again.fetched == [] and again.reused == result.visited
    assert again.problems == result.problems and client.requests == 4


def test_the_walk_cassette_holds_one_post_per_level_and_no_token() -> None:
    """The recording itself: four GraphQL POSTs (levels 0, 1, 2, then the second walk's retry of the
    missing node), no Authorization header, no token in any body, hosts rewritten to api.github.com."""
    if not CASSETTE.exists():
        pytest.skip("record with --record-mode=rewrite")
    text = CASSETTE.read_text()
    data = yaml.safe_load(text)
    requests = [i["request"] for i in data["interactions"]]
    assert [(r["method"], r["uri"]) for r in requests] == [("POST", "https://api.github.com/graphql")] * 4
    assert all("authorization" not in {k.lower() for k in r["headers"]} for r in requests)
    assert TOKEN not in text and "127.0.0.1" not in text
