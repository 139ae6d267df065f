"""Untrusted text becomes safe Markdown: one table cell stays one cell, no live pings or HTML."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from issuegraph.reports.markdown import WJ, fence, front_matter, inline, mermaid_label

from .mdcheck import parser

INLINE_CASES = [
    ("plain", "Crash on start", "Crash on start"),
    ("pipe", "a | b", r"a \| b"),
    ("newline", "line one\nline two\r\nthree", "line one line two three"),
    ("html", "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("mention", "ping @here and @octocat", f"ping @{WJ}here and @{WJ}octocat"),
    ("email-like is left readable", "a@b.c", f"a@{WJ}b.c"),
    ("issue ref", "same as #12", f"same as \\#{WJ}12"),
    ("cross-repo ref", "see o/r#3", f"see o/r\\#{WJ}3"),
    ("GH ref", "GH-77 again", f"GH-{WJ}77 again"),
    ("colour is not a ref", "#fff", "\\#fff"),
    ("emphasis", "*bold* _it_ `code`", r"\*bold\* \_it\_ \`code\`"),
    ("link syntax", "[x](javascript:alert(1))", r"\[x\](javascript:alert(1))"),
    ("math", "$HOME and $PATH", r"\$HOME and \$PATH"),
    ("bidi override dropped", "abc\u202edef", "abcdef"),
    ("rtl isolated", "שגיאה בהתקנה", "\u2068שגיאה בהתקנה\u2069"),
    ("control chars", "a\x00b\x1bc", "a b c"),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in INLINE_CASES], ids=[c[0] for c in INLINE_CASES])
def test_inline_escapes_untrusted_text(raw: str, expected: str) -> None:
    assert inline(raw) == expected


@pytest.mark.parametrize("raw", [c[1] for c in INLINE_CASES], ids=[c[0] for c in INLINE_CASES])
def test_an_escaped_cell_parses_back_as_one_cell_with_its_text(raw: str) -> None:
    md = f"| a | b |\n| --- | --- |\n| {inline(raw)} | end |\n"
    tokens = parser().parse(md)
    cells = [t for t in tokens if t.type == "inline"]
    assert len(cells) == 4
    assert not any(c.type in ("html_inline", "link_open", "em_open", "strong_open", "code_inline")
                   for c in cells[2].children or [])
    assert cells[3].content == "end"


def test_long_text_is_cut_with_an_ellipsis() -> None:
    assert inline("x" * 500, limit=10) == "x" * 9 + "…"


@pytest.mark.parametrize("content", ["plain", "has ``` inside", "````four````", "`", "trailing ```"])
def test_a_fence_cannot_be_closed_by_its_content(content: str) -> None:
    tokens = [t for t in parser().parse(fence(content) + "\nafter\n") if t.type == "fence"]
    assert len(tokens) == 1 and tokens[0].content == content + "\n"


def test_mermaid_labels_keep_only_safe_characters() -> None:
    assert mermaid_label('#1 "a" [b] <c>;') == "#35;1 #34;a#34; #91;b#93; #60;c#62;#59;"


@pytest.mark.skipif(not hasattr(__import__("yaml"), "CSafeDumper"), reason="PyYAML built without libyaml")
@pytest.mark.parametrize("value", ["plain", "Crash é 🔥 שלום", "a: b # c", "'q' \"dq\"", "\x85\u2028\ufeff", "-", "null"])
def test_front_matter_is_the_same_with_and_without_libyaml(value: str) -> None:
    import yaml

    data = {"title": value, "members": [1, 2], "fix": None}
    kw = {"sort_keys": False, "allow_unicode": False, "width": 10**9, "default_flow_style": False}
    assert yaml.dump(data, Dumper=yaml.CSafeDumper, **kw) == yaml.dump(data, Dumper=yaml.SafeDumper, **kw)
    assert yaml.safe_load(front_matter(data).strip("-\n")) == data


# Strings that sit on PyYAML's style boundaries: indicators first, after a space, at the end; words the
# implicit resolvers read as bools, nulls, numbers, dates; quotes; non-ASCII (PyYAML's own path).
_YAML_EDGE = st.sampled_from(["", " ", "-", "- x", "?", ": ", ":", "a:", "a: b", "a:b", " #", "a #b", "a#b", "#",
                              "'", '"', "''", "---", "...", "--x", "yes", "No", "on", "OFF", "null", "~", "Null",
                              "1", "-1", "0x1f", "1_000", "1.5", ".inf", "-.Inf", ".NaN", "1e3", "2024-01-05",
                              "2024-01-05T10:00:00Z", "=", "<<", "@x", "`x`", "%x", "!x", "&x", "*x", "|", ">",
                              "[a]", "{a}", ",", "a, b", "x ", " x", "é", "\u2028", "\t", "a\\b", "owner/repo#12"])
_YAML_TEXT = st.one_of(_YAML_EDGE, st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
                       st.lists(_YAML_EDGE, max_size=4).map("".join), st.text(max_size=12))
_YAML_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), _YAML_TEXT,
                        st.lists(st.one_of(st.integers(0, 10**6), _YAML_TEXT), max_size=4))


@given(st.dictionaries(st.sampled_from(["title", "cluster", "repo", "members", "open", "fix", "moved", "now_in"]),
                       _YAML_VALUE, min_size=1))
def test_front_matter_writer_gives_pyyamls_bytes(data: dict) -> None:
    """Our writer for the simple shape must give exactly what ``yaml.safe_dump`` gives (else the archive
    would churn when one or the other path is taken), and read back as the same data."""
    expected = yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=False, width=10**9,
                         default_flow_style=False)
    page = front_matter(data)
    assert page == f"---\n{expected}---"
    # PyYAML writes a lone "=" plain and then cannot read it back (its "value" tag): its quirk, same bytes
    if not any(v == "=" or (isinstance(v, list) and "=" in v) for v in data.values()):
        assert yaml.safe_load(page[len("---\n"):-len("---")]) == data
