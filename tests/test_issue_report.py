"""The one-issue report renders as well-formed GitHub Markdown and prints only stored facts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from markdown_it import MarkdownIt

from issuegraph.crawler.walk import walk
from issuegraph.models import ClusterRecord, IssueRef
from issuegraph.reports.issue_report import build_issue_report, render_issue_report
from issuegraph.reports.markdown import WJ
from issuegraph.store import Store

from .dataset import save_dataset
from .test_walk import FakeFetcher

# Error strings from the seed pages (facts, not prose): claude-code#45035 (Bun) and #45264 (Node).
AUTH_BUN = (
    "Error: Could not resolve authentication method. Expected either apiKey or authToken to be set. Or for one "
    'of the "X-Api-Key" or "Authorization" headers to be explicitly omitted\n'
    "    at validateHeaders (/$bunfs/root/claude:527:935)\n"
    "    at buildHeaders (/$bunfs/root/claude:527:8438)\n"
    "    at async buildRequest (/$bunfs/root/claude:527:7504)\n"
    "    at async makeRequest (/$bunfs/root/claude:527:3332)\n"
    "    at processTicksAndRejections (native:7:39)"
)
USAGE_BUN = (
    'Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"You\'re out of extra usage. '
    'Add more at claude.ai/settings/usage and keep going."},"request_id":"req_011CZqnhxmvEeZuvqSVpXWT8"}\n'
    "    at generate (/$bunfs/root/claude:382:26098)\n"
    "    at makeRequest (/$bunfs/root/claude:527:5356)\n"
    "    at processTicksAndRejections (native:7:39)"
)
USAGE_NODE = (
    'Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"You\'re out of extra usage. '
    'Add more at claude.ai/settings/usage and keep going."},"request_id":"req_011CZrBCEV5A1eaXXXXXXXXX"}\n'
    "    at uy.makeRequest (file:///usr/local/lib/node_modules/@anthropic-ai/claude-code/cli.js:357:5356)"
)

BODY_45035 = (
    "## Bug Description\nAPI Error: 400 out of extra usage while the quota shows room left.\n\n"
    "**Environment Info**\n\n- Platform: darwin\n- Terminal: vscode\n- Version: 2.0.32\n"
    "- Feedback ID: 7b502d34-0f67-401d-9047-e0010c66adfa\n\n"
    f"**Errors**\n\n```\n{AUTH_BUN}\n{USAGE_BUN}\n```\n"
)
BODY_45264 = (
    "## Bug Description\n400 invalid request, extra usage.\n\n**Environment Info**\n\n- Platform: linux\n"
    f"- Terminal: xterm\n- Version: 2.0.28\n\n**Errors**\n\n```\n{USAGE_NODE}\n```\n"
)
CC = "anthropics/claude-code"
TITLE = "[Bug] Anthropic API Error: Out of extra usage | quota `left` <b>"


def seed_like_dataset() -> dict[str, Any]:
    return {"repos": [{"owner": "anthropics", "name": "claude-code", "issues": [
        {"number": 45035, "title": TITLE, "body": BODY_45035, "state": "open", "author": "reporter1",
         "labels": ["bug", "area:api"], "created_at": "2026-04-08T05:57:00Z", "reactions": {"+1": 4, "eyes": 2},
         "events": [
             {"event": "labeled", "label": "bug", "created_at": "2026-04-08T06:00:00Z"},
             {"event": "cross-referenced", "created_at": "2026-04-08T11:00:00Z", "source": f"{CC}#45264"},
             {"event": "cross-referenced", "created_at": "2026-04-09T01:00:00Z", "source": f"{CC}#45300",
              "will_close_target": True},
         ]},
        {"number": 45264, "title": "[Bug] 400 Invalid Request - Out of Extra Usage", "body": BODY_45264,
         "state": "closed", "state_reason": "duplicate", "author": "reporter2", "created_at": "2026-04-08T10:52:00Z",
         "closed_at": "2026-04-09T00:00:00Z",
         "comments": [{"author": "bot", "body": f"Duplicate of #45035\n\n```\n{USAGE_BUN}\n```",
                       "created_at": "2026-04-08T11:00:00Z"}]},
        {"number": 45300, "title": "Fix extra-usage check", "body": "Fixes #45035", "state": "open",
         "is_pull_request": True, "author": "dev", "created_at": "2026-04-09T01:00:00Z"},
    ]}]}


def fence_blocks(text: str, _where: str) -> list[str]:
    """A stand-in extractor for the structural tests: every fenced block, verbatim."""
    return [t.content.rstrip("\n") for t in MarkdownIt("commonmark").parse(text) if t.type == "fence"]


def report_for(extract: Any = fence_blocks, clusters: bool = True) -> str:
    store = Store()
    data = seed_like_dataset()
    fetch = FakeFetcher(store, data)
    start = IssueRef(CC, 45035)
    result = walk(store, start, fetch, depth=2, now=datetime(2026, 4, 9, 9, 0, tzinfo=UTC))
    if clusters:
        store.save_cluster_run(CC, "test-rules", "2026-04-09T09:00:00Z", 3, [ClusterRecord(
            id="out-of-extra-usage-1a2b", repo=CC, canonical=f"{CC}#45035", members=(f"{CC}#45035", f"{CC}#45264"),
            signature="400 invalid_request_error: You're out of extra usage", hints={f"{CC}#45035": "canonical"})])
    report = build_issue_report(store, start, result, clusters_link="../clusters", extract_errors=extract)
    return render_issue_report(report)


GFM = MarkdownIt("commonmark").enable("table")


def parse(text: str) -> list[Any]:
    return GFM.parse(text)


def headings(tokens: list[Any]) -> list[str]:
    """Heading text as a reader sees it (escapes decoded, invisible word joiners dropped)."""
    return ["".join(c.content for c in tokens[i + 1].children).replace(WJ, "")
            for i, t in enumerate(tokens) if t.type == "heading_open"]


def tables(tokens: list[Any]) -> list[list[list[str]]]:
    """Each table as rows of cell texts; a malformed row would change a row's width."""
    out, rows, row = [], [], []
    for i, t in enumerate(tokens):
        if t.type == "table_open":
            rows = []
        elif t.type == "tr_open":
            row = []
        elif t.type == "inline" and tokens[i - 1].type in ("th_open", "td_open"):
            row.append(t.content.replace(WJ, ""))
        elif t.type == "tr_close":
            rows.append(row)
        elif t.type == "table_close":
            out.append(rows)
    return out


def test_report_structure_is_well_formed_gfm() -> None:
    text = report_for()
    tokens = parse(text)
    assert headings(tokens) == [
        f"{CC}#45035: {TITLE}",
        "Stats", "Errors", "Environment", "Linked issues and pull requests", "Neighbourhood (depth 2)",
        "Duplicate cluster", "Walk"]
    stats, env, links = tables(tokens)
    assert all(len(r) == 2 for r in stats) and all(len(r) == 2 for r in env) and all(len(r) == 6 for r in links)
    assert stats[1:] == [["Comments", "0"], ["Participants", "1 (@reporter1)"],
                         ["Reactions", "6 (+1 ×4, eyes ×2)"], ["Timeline events", "3 (cross-referenced ×2, labeled ×1)"]]
    assert env[1:] == [["Version", "2.0.32"], ["Platform", "darwin"], ["Terminal", "vscode"]]
    assert [r[:4] for r in links[1:]] == [
        ["has duplicate", f"[{CC}\\#45264](https://github.com/{CC}/issues/45264)", "issue", "closed as duplicate"],
        ["closing PR", f"[{CC}\\#45300](https://github.com/{CC}/pull/45300)", "PR", "open"],
    ]
    assert links[2][5] == f"{CC}\\#45035"  # the PR's row says what it closes
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.info for f in fences] == ["text", "mermaid"]
    assert fences[0].content == f"{AUTH_BUN}\n{USAGE_BUN}\n"  # verbatim
    assert "[out-of-extra-usage-1a2b](../clusters/out-of-extra-usage-1a2b.md)" in text


def test_report_is_byte_stable() -> None:
    assert report_for() == report_for()


def test_report_without_clusters_has_no_cluster_section() -> None:
    assert "## Duplicate cluster" not in report_for(clusters=False)


def test_report_prints_no_advice() -> None:
    text = report_for().lower()
    for phrase in ("tl;dr", "guidance", "recommendation", "try ", "you should", "workaround"):
        assert phrase not in text


def test_report_errors_from_the_signature_extractor() -> None:
    pytest.importorskip("issuegraph.graph.signatures", reason="the clusterer's signatures module is not merged yet")
    from issuegraph.reports.issue_report import signature_errors

    tokens = parse(report_for(extract=signature_errors))
    blocks = [t.content for t in tokens if t.type == "fence" and t.info == "text"]
    assert any("validateHeaders (/$bunfs/root/claude:527:935)" in b for b in blocks)
    assert any("You're out of extra usage" in b for b in blocks)


def test_report_of_an_issue_not_in_the_store_says_what_to_do() -> None:
    from issuegraph.errors import ReportError

    with pytest.raises(ReportError, match=re.escape("run `issuegraph walk o/r#1` first")):
        build_issue_report(Store(), IssueRef("o/r", 1))


def test_dataset_saves_without_a_walk() -> None:
    store = Store()
    save_dataset(store, seed_like_dataset())
    report = build_issue_report(store, IssueRef(CC, 45264), extract_errors=fence_blocks)
    assert [r.relation for r in report.links] == ["duplicate of"]
