"""An issue with no error line of its own joins the issues whose error its text quotes verbatim
(known_messages.py); a message it only mentions next to its own error, a short phrase, or a message
known in another repository does not."""

from __future__ import annotations

import pytest

from issuegraph.graph.cluster import ClusterInput, ExplicitLink, cluster_issues
from issuegraph.graph.known_messages import KnownMessages, searchable
from issuegraph.graph.signatures import issue_signatures

REPO = "acme/tool"


def issue(number: int, title: str, body: str, comments: tuple[str, ...] = (), repo: str = REPO) -> ClusterInput:
    return ClusterInput(key=f"{repo}#{number}", repo=repo, number=number, title=title, body=body, comments=comments)


def together(items: list[ClusterInput], a: int, b: int, links: list[ExplicitLink] | None = None) -> bool:
    by = cluster_issues(items, links or []).by_member()
    return by[f"{REPO}#{a}"].id == by[f"{REPO}#{b}"].id


GIT_BASH = ("Claude Code on Windows requires git-bash (https://git-scm.com/downloads/win). If installed but not in "
            "PATH, set environment variable pointing to your bash.exe, similar to: "
            "CLAUDE_CODE_GIT_BASH_PATH=C:\\Program Files\\Git\\bin\\bash.exe")
# (the issue that pastes the error the way the extractor reads it, the issue that does not)
QUOTED_WITHOUT_A_MARKER = [
    pytest.param(f"```\nError: {GIT_BASH}\n```",
                 f"Install fails:\n```shell\nirm https://claude.ai/install.ps1 | iex\nSetting up Claude Code...\n{GIT_BASH}\n```",
                 id="cli-output-without-error-prefix"),
    pytest.param("```\npanic: value is marked, so must be unmarked first\n\ngoroutine 1 [running]:\n"
                 "github.com/zclconf/go-cty/cty.Value.assertUnmarked(...)\n"
                 "\t/home/runner/go/pkg/mod/github.com/zclconf/go-cty@v1.14.0/cty/value_ops.go:1244 +0x5a\n```",
                 "```\n2023-10-04T18:57:12.9958114Z !!!!!!!!!!!!!!!!!!!!!!!!!!! TERRAFORM CRASH !!!!!!!!!!!!!!!!!!!!!!!\n"
                 "2023-10-04T18:57:12.9958301Z \n2023-10-04T18:57:12.9973941Z value is marked, so must be unmarked first\n```",
                 id="crash-banner-then-bare-message"),
    pytest.param("```\nRangeError: Maximum call stack size exceeded\n```",
                 "The window goes blank with `Maximum call stack size exceeded` after opening a big file.",
                 id="message-quoted-mid-sentence"),
    pytest.param("```\nError: interface veth1d85371 has no carrier on bridge docker0 after restart\n```",
                 "dockerd says interface veth44aa01b has no carrier on bridge docker0 after restart, every time",
                 id="placeholder-glued-to-a-word"),
]


@pytest.mark.parametrize(("pasted", "quoted"), QUOTED_WITHOUT_A_MARKER)
def test_an_issue_quoting_a_known_error_without_a_marker_joins_the_issue_that_reports_it(pasted: str, quoted: str) -> None:
    assert not issue_signatures("it fails", quoted).records  # nothing marks the quoted line as an error
    items = [issue(1, "install fails on windows", pasted), issue(2, "cannot start it", quoted),
             issue(3, "unrelated: dark theme colours", "The sidebar is too bright in the dark theme.")]
    assert together(items, 1, 2)
    assert not together(items, 1, 3)


def test_an_issue_with_its_own_error_does_not_take_on_a_message_it_mentions() -> None:
    mentioned = issue(2, "crash on save", "```\nTypeError: Cannot read properties of undefined (reading 'path')\n"
                      "    at save (/app/src/store.js:10:5)\n```\nUnlike the report where it said "
                      "`MCP error -32000: Connection closed`, this one is a crash on save.")
    items = [issue(1, "mcp", "```\nMcpError: MCP error -32000: Connection closed\n```"), mentioned]
    assert not together(items, 1, 2)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param("mcp error <n>: connection closed", True, id="four-words"),
        pytest.param("connection closed", False, id="a-phrase-is-no-error"),
        pytest.param("<path> <n> <id>", False, id="placeholders-only"),
        pytest.param("value is marked, so must be unmarked first", True, id="sentence"),
    ],
)
def test_only_messages_with_enough_words_are_searched_for(message: str, expected: bool) -> None:
    assert searchable(message) is expected


def test_a_message_known_in_another_repository_is_not_searched_for() -> None:
    items = [issue(1, "crash", "```\nError: ENOSPC: System limit for number of file watchers reached, watch '/a/b'\n```",
                   repo="other/repo"),
             issue(2, "watcher", "It says System limit for number of file watchers reached, watch '/c/d' and stops.")]
    result = cluster_issues(items)
    assert len(result.clusters) == 2


def test_found_records_say_they_were_read_from_text() -> None:
    source = issue_signatures("", "```\nMcpError: MCP error -32000: Connection closed\n```").records
    found = KnownMessages(source).find("It failed with MCP error -32001: connection closed again.")
    assert [(r.key, r.source, r.frames) for r in found] == [(source[0].key, "text", ())]


def test_the_hint_says_a_member_quotes_the_error_rather_than_pasting_it() -> None:
    items = [issue(1, "install fails", f"```\nError: {GIT_BASH}\n```"),
             issue(2, "install fails again", f"```\nError: {GIT_BASH}\n```"),
             issue(3, "cannot start it", f"Setting up Claude Code...\n{GIT_BASH}\n")]
    c = cluster_issues(items).by_member()[f"{REPO}#3"]
    assert c.members == (f"{REPO}#1", f"{REPO}#2", f"{REPO}#3")
    assert "quotes the cluster's error in its text" in c.hints[f"{REPO}#3"]
    assert "reports the cluster's error" in c.hints[f"{REPO}#2"]


@pytest.mark.parametrize("text", [
    "It failed with MCP error -32001: connection closed again.",
    "It failed with MCP ERROR -32001:\nConnection   closed",  # other case, other spacing: the pattern still finds it
    "the connection was closed, mcp said error",  # both words, never as the bigram
    "nothing to see here",
], ids=["verbatim", "case-and-spacing", "words-apart", "prose"])
def test_the_substring_gate_finds_what_tokenising_finds(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import issuegraph.graph.known_messages as km

    source = issue_signatures("", "```\nMcpError: MCP error -32000: Connection closed\n```").records
    known = KnownMessages(source)
    gated = known.find(text)
    monkeypatch.setattr(km, "FEW_BIGRAMS", -1)
    assert gated == known.find(text)
