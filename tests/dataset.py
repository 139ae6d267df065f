"""Test helper: ghsim-format datasets (``../shared/ghsim/README.md``) loaded straight into a Store.

This stands in for the crawler in graph, walk and report tests: the same dict can be served by
ghsim to the real crawler, so a test can compare both paths. It knows ghsim's dataset keys, not
GitHub's API shapes.
"""

from __future__ import annotations

import zlib
from typing import Any

from issuegraph.models import Comment, Issue, IssueRef, TimelineEvent
from issuegraph.store import Store


def parse_dataset_ref(value: Any, repo: str) -> IssueRef:
    """ghsim writes references as ``7``, ``"o/r#7"`` or ``{"repo": "o/r", "number": 7}``."""
    if isinstance(value, int):
        return IssueRef(repo, value)
    if isinstance(value, str):
        return IssueRef.from_key(value)
    return IssueRef(value.get("repo", repo), int(value["number"]))


def dataset_issues(data: dict[str, Any]) -> dict[IssueRef, tuple[Issue, list[Comment], list[TimelineEvent]]]:
    """Every issue of the dataset as the models a crawl would save, keyed by ref."""
    out: dict[IssueRef, tuple[Issue, list[Comment], list[TimelineEvent]]] = {}
    for r in data["repos"]:
        repo = f"{r['owner']}/{r['name']}"
        for i in r["issues"]:
            is_pr = bool(i.get("is_pull_request"))
            comments = []
            for idx, c in enumerate(i.get("comments", [])):
                comment_id = zlib.crc32(f"{repo}#{i['number']}:{idx}".encode())  # stable whatever the order
                comments.append(Comment(repo, i["number"], comment_id, c.get("author"), c.get("body", ""),
                                        c.get("created_at"), c.get("updated_at"), dict(c.get("reactions", {}))))
            events = []
            for idx, e in enumerate(i.get("events", [])):
                other_raw = next((e[k] for k in ("source", "duplicate_of", "subject", "closer") if e.get(k) is not None), None)
                events.append(TimelineEvent(
                    repo, i["number"], f"E{i['number']}-{idx}", e["event"], e.get("actor"), e.get("created_at"),
                    other=parse_dataset_ref(other_raw, repo) if other_raw is not None else None,
                    will_close=e.get("will_close_target"), state_reason=e.get("state_reason"),
                    commit_id=e.get("commit_id"), rename_from=e.get("from"), rename_to=e.get("to"),
                ))
            raw: dict[str, Any] = {}
            if is_pr and i.get("closes"):
                refs = [parse_dataset_ref(x, repo) for x in i["closes"]]
                raw["closingIssuesReferences"] = {
                    "nodes": [{"number": x.number, "repository": {"nameWithOwner": x.repo}} for x in refs]
                }
            merged_at = i.get("merged_at")
            issue = Issue(
                repo=repo, number=i["number"], kind="pull_request" if is_pr else "issue", title=i.get("title", ""),
                body=i.get("body", ""), state=i.get("state", "open"), state_reason=i.get("state_reason"),
                author=i.get("author"), labels=tuple(i.get("labels", [])), created_at=i.get("created_at"),
                updated_at=i.get("updated_at") or i.get("created_at"), closed_at=i.get("closed_at"),
                merged_at=merged_at, merged=(merged_at is not None) if is_pr else None,
                reactions=dict(i.get("reactions", {})), comment_count=len(comments),
                url=f"https://github.com/{repo}/{'pull' if is_pr else 'issues'}/{i['number']}", raw=raw,
            )
            out[issue.ref] = (issue, comments, events)
    return out


def save_dataset(store: Store, data: dict[str, Any], only: set[IssueRef] | None = None) -> None:
    """Save the dataset's issues (or just ``only``) with their comments and timelines."""
    with store.transaction():
        for ref, (issue, comments, events) in sorted(dataset_issues(data).items()):
            if only is not None and ref not in only:
                continue
            store.save_issues([issue])
            store.save_comments(comments)
            store.save_timeline_events(events)
