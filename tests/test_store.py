"""The store round-trips what the crawler saves and keeps writes idempotent and atomic."""

from __future__ import annotations

import sqlite3

import pytest

from issuegraph.errors import StoreCorruptError
from issuegraph.models import Comment, Issue, IssueRef, TimelineEvent
from issuegraph.store import Store


def make_issue(number: int, *, crawled: bool = True, title: str = "A bug", kind: str = "issue") -> Issue:
    return Issue(
        repo="acme/widgets", number=number, kind=kind, title=title, body="body", state="open",  # type: ignore[arg-type]
        state_reason=None, author="alice", labels=("bug",), created_at="2024-01-01T00:00:00Z",
        updated_at="2024-01-02T00:00:00Z", closed_at=None, reactions={"+1": 2}, comment_count=1,
        crawled=crawled, raw={"number": number},
    )


def test_issue_round_trips_through_the_store() -> None:
    store = Store()
    issue = make_issue(1)
    store.save_issues([issue])
    assert store.load_issue("acme/widgets", 1) == issue
    assert store.load_issue("acme/widgets", 1).raw == {"number": 1}  # type: ignore[union-attr]


def test_saving_the_same_page_twice_stores_it_once() -> None:
    store = Store()
    comment = Comment("acme/widgets", 1, 101, "bob", "me too", "2024-01-02T00:00:00Z", None)
    event = TimelineEvent("acme/widgets", 1, "E1", "cross-referenced", "carol", "2024-01-03T00:00:00Z",
                          other=IssueRef("acme/gadgets", 7))
    for _ in range(2):
        with store.transaction():
            store.save_issues([make_issue(1)])
            store.save_comments([comment])
            store.save_timeline_events([event])
    s = store.stats()
    assert (s["issues"], s["comments"], s["timeline"]) == (1, 1, {"cross-referenced": 1})
    assert store.load_events_pointing_at(IssueRef("acme/gadgets", 7)) == [event]


def test_a_reference_stub_never_overwrites_a_crawled_issue() -> None:
    store = Store()
    store.save_issues([make_issue(1, title="real")])
    store.save_issues([make_issue(1, crawled=False, title="stub")])
    assert store.load_issue("acme/widgets", 1).title == "real"  # type: ignore[union-attr]


def test_stubs_are_not_counted_as_issues() -> None:
    store = Store()
    store.save_issues([make_issue(1), make_issue(2, crawled=False), make_issue(3, kind="pull_request")])
    s = store.stats()
    assert (s["issues"], s["pull_requests"], s["referenced_only"]) == (1, 1, 1)


def test_a_failed_transaction_leaves_nothing_behind() -> None:
    store = Store()
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.save_issues([make_issue(1)])
            store.set_progress("acme/widgets", "issues", "cursor-1")
            raise RuntimeError("killed mid-page")
    assert store.load_issues() == []
    assert store.get_progress("acme/widgets", "issues") is None


def test_a_file_that_is_not_a_database_is_reported_as_corrupt(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreCorruptError, match="not a usable issuegraph database"):
        Store(path)


def test_the_store_is_a_plain_sqlite_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.save_issues([make_issue(5)])
    assert sqlite3.connect(path).execute("SELECT number FROM issues").fetchall() == [(5,)]


def test_the_newest_cluster_run_is_loaded_and_the_previous_kept() -> None:
    from issuegraph.models import ClusterRecord

    store = Store()
    first = ClusterRecord("c-1", "acme/widgets", "acme/widgets#1", ("acme/widgets#1", "acme/widgets#2"), "sig",
                          {"acme/widgets#2": "same signature"}, {"score": 0.9})
    store.save_cluster_run("acme/widgets", "rules-1", "2024-01-01T00:00:00Z", 2, [first])
    second = ClusterRecord("c-2", "acme/widgets", "acme/widgets#3", ("acme/widgets#3",), None)
    store.save_cluster_run("acme/widgets", "rules-1", "2024-01-02T00:00:00Z", 3, [second])
    store.save_cluster_run("acme/widgets", "rules-1", "2024-01-03T00:00:00Z", 3, [first, second])
    runs = store.cluster_runs("acme/widgets")
    assert len(runs) == 2
    assert store.load_clusters("acme/widgets") == [first, second]
    assert store.load_clusters("acme/widgets", runs[1]["id"]) == [second]


def test_issues_can_be_loaded_without_their_raw_json() -> None:
    store = Store()
    store.save_issues([make_issue(1), make_issue(2, crawled=False)])
    full = store.load_issues(crawled_only=False)
    lean = store.load_issues(crawled_only=False, with_raw=False)
    assert [i.raw for i in lean] == [{}, {}]
    assert lean == full  # raw is not part of equality: every other field is the same
