"""Environment facts are read from what reporters actually write, and nothing is guessed."""

from __future__ import annotations

import pytest

from issuegraph.graph.environment import extract_environment

CASES = [
    ("claude-code environment bullets",
     "**Environment Info**\n\n- Platform: darwin\n- Terminal: vscode\n- Version: 2.0.32\n"
     "- Feedback ID: 7b502d34-0f67-401d-9047-e0010c66adfa\n",
     {"Version": "2.0.32", "Platform": "darwin", "Terminal": "vscode"}),
    ("issue form headings",
     "### Claude Code Version\n\n2.0.28 (Claude Code)\n\n### Operating System\n\nmacOS 14.2\n\n"
     "### Terminal/Shell\n\niTerm2\n\n### Steps\n\n1. run it",
     {"Version": "2.0.28 (Claude Code)", "OS": "macOS 14.2", "Terminal": "iTerm2"}),
    ("issue form without an answer", "### Operating System\n\n_No response_\n", {}),
    ("table", "| Key | Value |\n|---|---|\n| OS | Ubuntu 22.04 |\n| Node version | v20.11.0 |\n",
     {"OS": "Ubuntu 22.04", "Node.js": "v20.11.0"}),
    ("version commands in code",
     "```\n$ claude --version\n1.0.44 (Claude Code)\n$ node --version\nv22.1.0\n```",
     {"Version": "1.0.44 (Claude Code)", "Node.js": "v22.1.0"}),
    ("bold keys and code values", "**OS:** Windows 11\n**Version**: `0.3.1`", {"Version": "0.3.1", "OS": "Windows 11"}),
    ("first statement wins", "- OS: Windows 11\n\nLater someone said OS: Linux", {"OS": "Windows 11"}),
    ("error lines are not facts", "Error: Could not resolve authentication method\nTypeError: x is undefined", {}),
    ("a URL is not a key", "Platform: https://example.com/x", {"Platform": "https://example.com/x"}),
    ("http scheme is not a key", "http://example.com/version", {}),
    ("unknown keys are ignored", "- Feedback ID: abc\n- Steps: run", {}),
    ("empty text", "", {}),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_environment_facts(text: str, expected: dict[str, str]) -> None:
    assert extract_environment(text) == expected


def test_facts_come_in_a_fixed_order() -> None:
    facts = extract_environment("- Terminal: kitty\n- OS: Arch Linux\n- Version: 1.2.3")
    assert list(facts) == ["Version", "OS", "Terminal"]


KNOWN_WRONG = [
    # prose sentences with a colon after a known word read as a fact
    ("sentence after a known key", "Version: I think it was the latest one", {},
     {"Version": "I think it was the latest one"}),
]


@pytest.mark.parametrize(("text", "desired", "actual"), [c[1:] for c in KNOWN_WRONG], ids=[c[0] for c in KNOWN_WRONG])
def test_known_wrong_environment(text: str, desired: dict[str, str], actual: dict[str, str]) -> None:
    assert extract_environment(text) == actual != desired
