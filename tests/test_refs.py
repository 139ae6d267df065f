"""References are found in prose only, in the forms GitHub autolinks, and nowhere else."""

from __future__ import annotations

import pytest

from issuegraph.errors import UsageError
from issuegraph.graph.refs import duplicate_targets, extract_references, parse_issue_url, ref_from_url
from issuegraph.models import IssueRef

REPO = "anthropics/claude-code"
HOSTS = ("github.com", "github.example.com")


def found(body: str) -> list[tuple[str, str, bool]]:
    return [(r.target.key, r.kind, r.quoted) for r in extract_references(body, REPO, HOSTS)]


def cc(n: int) -> str:
    return f"{REPO}#{n}"


# (id, body, expected [(target, kind, quoted)])
CASES = [
    ("bare number", "Same as #123, happens on every start.", [(cc(123), "mention", False)]),
    ("GH- prefix", "Looks like GH-45 again", [(cc(45), "mention", False)]),
    ("cross repo short form", "Upstream: microsoft/vscode#2001.", [("microsoft/vscode#2001", "mention", False)]),
    ("issue URL", "See https://github.com/anthropics/claude-code/issues/45264 for the Node build",
     [(cc(45264), "mention", False)]),
    ("pull URL with files tail", "Fixed by https://github.com/o/r/pull/9/files#diff-abc",
     [("o/r#9", "mention", False)]),
    ("comment URL refers to its issue",
     "as said in https://github.com/anthropics/claude-code/issues/45035#issuecomment-4210987654",
     [(cc(45035), "mention", False)]),
    ("URL with query string and anchor",
     "https://github.com/o/r/issues/77?utm_source=x&q=%23999#issuecomment-1",
     [("o/r#77", "mention", False)]),
    ("URL in trailing parentheses", "(details in https://github.com/o/r/issues/5).", [("o/r#5", "mention", False)]),
    ("enterprise host URL", "https://github.example.com/team/tool/issues/12", [("team/tool#12", "mention", False)]),
    ("other host URL is not a reference", "https://gitlab.com/o/r/issues/12", []),
    ("markdown link href counts", "[this bug](https://github.com/o/r/issues/3) again",
     [("o/r#3", "mention", False)]),
    ("link text is not scanned again", "[#12](https://github.com/o/r/issues/12)", [("o/r#12", "mention", False)]),
    ("keyword before a link", "Fixes [that one](https://github.com/o/r/issues/12)", [("o/r#12", "closes", False)]),
    ("keyword before an autolink", "Closes <https://github.com/o/r/issues/2>", [("o/r#2", "closes", False)]),
    ("autolink counts once", "<https://github.com/o/r/pull/4>", [("o/r#4", "mention", False)]),
    ("html anchor href counts", '<p>see <a href="https://github.com/o/r/issues/8">here</a></p>',
     [("o/r#8", "mention", False)]),
    ("closing keyword", "Fixes #12", [(cc(12), "closes", False)]),
    ("closing keyword any case with colon", "RESOLVED: #13", [(cc(13), "closes", False)]),
    ("closing keyword cross repo", "closes octo/lib#7", [("octo/lib#7", "closes", False)]),
    ("closing keyword with URL", "Closed https://github.com/o/r/issues/2", [("o/r#2", "closes", False)]),
    ("keyword applies to the next ref only", "Fixes #1, #2", [(cc(1), "closes", False), (cc(2), "mention", False)]),
    ("each keyword closes its own ref", "fix #3 and resolves #4", [(cc(3), "closes", False), (cc(4), "closes", False)]),
    ("keyword across a soft line break", "This PR fixes\n#14", [(cc(14), "closes", False)]),
    ("prefix word is not a keyword", "hotfixes #15 and prefixes #16", [(cc(15), "mention", False), (cc(16), "mention", False)]),
    ("duplicate syntax", "Duplicate of #44", [(cc(44), "duplicate_of", False)]),
    ("duplicate syntax mid-line is a mention", "I think this is a duplicate of #44", [(cc(44), "mention", False)]),
    ("duplicate syntax cross repo URL", "duplicate of https://github.com/o/r/issues/1", [("o/r#1", "duplicate_of", False)]),
    ("same target two kinds", "Fixes #5. Also see #5", [(cc(5), "closes", False), (cc(5), "mention", False)]),
    ("repeated mention is one reference", "#6 #6 #6", [(cc(6), "mention", False)]),
    ("quoted reply", "> Same as #10\n\nThanks!", [(cc(10), "mention", True)]),
    ("quoted then unquoted is unquoted", "> #10\n\n#10 too", [(cc(10), "mention", False)]),
    ("code span is not a reference", "run `git log #12` then", []),
    ("fenced code is not a reference", "```\nat foo (#12)\nError #13\n```\n", []),
    ("indented code is not a reference", "Log:\n\n    issue #12 in code\n", []),
    ("html comment is not a reference", "<!-- Please search for duplicates, e.g. #12 -->\nreal #13",
     [(cc(13), "mention", False)]),
    ("inline html comment is not a reference", "text <!-- #12 --> more", []),
    ("pre block in html is code", "<pre>\n#12\n</pre>", []),
    ("line anchor is not a reference", "https://github.com/o/r/blob/main/cli.js#L123 and #L123", []),
    ("entity is not a reference", "it&#39;s broken", []),
    ("escaped hash is not a reference", "step &#35;12 and \\#13", []),
    ("heading is not a reference", "# 1\n\n## 2 Steps", []),
    ("colour code is not a reference", "color: #fff; background #000000", []),
    ("line:col is not a reference", "at validateHeaders (/$bunfs/root/claude:527:935)", []),
    ("number glued to letters is not a reference", "abc#12 #12abc #12-3", []),
    ("zero is not a reference", "#0", []),
    ("commit URL is not a reference", "https://github.com/o/r/commit/abc123", []),
    ("issues list URL is not a reference", "https://github.com/o/r/issues?q=is%3Aopen+%2312", []),
    ("number in a stack frame after a path", "File \"a.py\", line 12, in <module> #\n", []),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_references_in_markdown(body: str, expected: list[tuple[str, str, bool]]) -> None:
    assert found(body) == expected


# Limits we know about: (id, body, what GitHub does, what we return)
KNOWN_WRONG = [
    # GitHub links #N only if issue N exists; we cannot know that from text.
    ("nonexistent number still counts", "step #99999999", [], [(cc(99999999), "mention", False)]),
]


@pytest.mark.parametrize(("body", "desired", "actual"), [c[1:] for c in KNOWN_WRONG], ids=[c[0] for c in KNOWN_WRONG])
def test_known_wrong_references(body: str, desired: object, actual: object) -> None:
    assert found(body) == actual
    assert actual != desired


def test_a_real_looking_bug_report_yields_only_its_real_references() -> None:
    body = (
        "### Bug Description\n"
        'API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"You\'re out of extra '
        'usage. Add more at claude.ai/settings/usage and keep going."},"request_id":"req_011CZqnhxmvEeZuvqSVpXWT8"}\n\n'
        "### Environment Info\n\n- Platform: darwin\n- Terminal: vscode\n- Version: 2.0.32\n\n"
        "### Errors\n\n```json\n"
        '[{"error":"Error: Could not resolve authentication method.\\n    at validateHeaders '
        '(/$bunfs/root/claude:527:935)","timestamp":"2026-04-08T05:51:00.556Z"}]\n```\n\n'
        "Possibly related to #44810 and https://github.com/anthropics/claude-code/issues/45264#issuecomment-1.\n"
    )
    assert found(body) == [(cc(44810), "mention", False), (cc(45264), "mention", False)]


def test_comment_url_keeps_the_comment_id() -> None:
    (ref,) = extract_references("https://github.com/o/r/issues/3#issuecomment-42", REPO)
    assert (ref.target, ref.comment_id) == (IssueRef("o/r", 3), 42)


def test_duplicate_targets_ignores_quoted_claims() -> None:
    assert duplicate_targets("> Duplicate of #1\n\nDuplicate of #2", REPO) == [IssueRef(REPO, 2)]


def test_empty_body_has_no_references() -> None:
    assert extract_references(None, REPO) == [] and extract_references("", REPO) == []


URLS = [
    ("issue", "https://github.com/o/r/issues/5", IssueRef("o/r", 5)),
    ("pull", "https://github.com/o/r/pull/6", IssueRef("o/r", 6)),
    ("comment anchor", "https://github.com/o/r/issues/7#issuecomment-99", IssueRef("o/r", 7)),
    ("query string", "https://github.com/o/r/pull/8?notification_referrer_id=x", IssueRef("o/r", 8)),
    ("www and http", "http://www.github.com/o/r/issues/9", IssueRef("o/r", 9)),
    ("enterprise", "https://github.example.com/o/r/issues/10", IssueRef("o/r", 10)),
    ("key form", "o/r#11", IssueRef("o/r", 11)),
]


@pytest.mark.parametrize(("url", "ref"), [u[1:] for u in URLS], ids=[u[0] for u in URLS])
def test_parse_issue_url(url: str, ref: IssueRef) -> None:
    assert parse_issue_url(url, HOSTS) == ref


BAD_URLS = [
    ("pulls list", "https://github.com/o/r/pulls", "not an issue or pull request page"),
    ("wiki", "https://github.com/o/r/wiki/Home", "not an issue or pull request page"),
    ("commit", "https://github.com/o/r/commit/0123abc", "not an issue or pull request page"),
    ("other host", "https://gitlab.com/o/r/issues/1", "--html-host gitlab.com"),
    ("not a url", "hello", "not an issue or pull request"),
    ("bare number", "#12", "not an issue or pull request"),
]


@pytest.mark.parametrize(("url", "message"), [u[1:] for u in BAD_URLS], ids=[u[0] for u in BAD_URLS])
def test_parse_issue_url_says_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("-", r"\-")):
        parse_issue_url(url, HOSTS)


def test_ref_from_url_ignores_non_issue_urls() -> None:
    assert ref_from_url("https://github.com/o/r/discussions/3") is None
