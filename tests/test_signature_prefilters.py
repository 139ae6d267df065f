"""The extraction shortcuts (fast gates in front of the line rules) answer exactly as the rules they
stand for: a gate may only skip work, never change a result. benchmarks/check_equivalence.py checks
whole outputs against saved references; these properties check the gates themselves."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuegraph.graph import signatures as sig

# fragments that sit on the edges of the gates: needle words in odd cases, shapes, non-ASCII
# look-alikes (Kelvin sign, long s, dotted I) and plain prose
FRAGMENTS = [
    "error", "ERROR", "Error:", "eRRor[", "fatal!", "FATAL]", "fails", "failed to", "FAILED TO", "could not",
    "Couldn't", "cannot", "can't", "unable to", "denied", "no such file", "not valid", "timed out",
    "does not exist", "not recognized", "not permitted", "not supported", "not allowed", "traceback",
    "ENOENT", "Eaccess", "every", "API", "api", "rapid", "DbLocked", "locked", "at foo (", "at x.js:1",
    "main.go:12", "lib.rs:3", "panic", "Exception", "Fault", "{", "] ", ": ", "npm ", "File \"a.py\"",
    "K", "ſ", "İ", "é", "\n", "  ", "\t", "word", "the crash", "login build", "(", ")", "@", ".py:", "`x`",
    # needles that overlap or contain one another (the one-scan rule selection must see them all)
    "fatal error: ", " error: ", "Fatal error", "Error]: ", "Error[", "panicked", "::", "):", "\\", ".go:",
    "Segmentation fault", ".php line ", "EXC_", "Sanitizer: ", "Unhandled Exception: ", "npm error code",
]
texts = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_may_hold_error_agrees_with_its_regex(text: str) -> None:
    assert sig._may_hold_error(text) == (sig._MAY_HOLD_ERROR.search(text) is not None)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_errorish_needle_agrees_with_its_regex(text: str) -> None:
    assert sig._may_be_errorish(text) == (sig._ERRORISH_NEEDLE.search(text) is not None)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_message_rules_gate_only_skips_rules_that_cannot_match(text: str) -> None:
    line = text.replace("\n", " ")
    for name, rx, _build in sig.MESSAGE_RULES:
        needles = sig._NEEDLES.get(name)
        if needles and rx.search(line[:2000]):
            assert any(n in line for n in needles), name


@settings(max_examples=400, deadline=None)
@given(texts)
def test_one_needle_scan_selects_exactly_the_rules_whose_needles_occur(text: str) -> None:
    line = text.replace("\n", " ")
    expected = tuple((rx, build) for name, rx, build in sig.MESSAGE_RULES
                     if name not in sig._NEEDLES or any(n in line for n in sig._NEEDLES[name]))
    assert sig.message_rules_for(line) == expected


@pytest.mark.parametrize(("words", "text", "found"), [
    (["Error", "Error:", "rror:"], "x Error: y", ["Error:", "rror:"]),  # the longest at each position
    (["panic", "panic: ", "panicked"], "panicked at panic: x", ["panicked", "panic: "]),
    (["ab", "abc", "b"], "abd", ["ab", "b"]),  # a longer word that fails falls back to the one that ends
    (["::", ":"], "a:::b", ["::", "::", ":"]),
], ids=["prefix-and-suffix", "shared-stem", "fallback", "overlapping"])
def test_literal_trie_finds_the_longest_word_at_each_position(words: list[str], text: str, found: list[str]) -> None:
    import re

    assert re.findall("(?=(" + sig.literal_trie(words) + "))", text) == found


FRAME_LINES = [
    "   at Ns.Class.Method(String s) in C:\\src\\File.cs:line 42",
    "\tat com.example.Worker.run(Worker.java:10)",
    "    at async handler (file:///usr/lib/node_modules/tool/cli.js:1:2)",
    "    at /usr/lib/app.js:10:5",
    "fn@https://example.com/app.js:1:2",
    '  File "/usr/lib/python3.12/site-packages/pkg/mod.py", line 3, in run',
    "  3  ~/poetry/utils/password_manager.py:51 in get_credential",
    "example.com/pkg/p1.(*T).Step(...)",
    "\t/go/src/example.com/pkg/t.go:12 +0x1f",
    "  12: tokio::runtime::task::harness::poll::h0123456789abcdef",
]


@pytest.mark.parametrize("line", FRAME_LINES)
def test_every_frame_rule_example_passes_the_frame_gate(line: str) -> None:
    assert sig._FRAME_GATE is not None
    assert sig._FRAME_GATE.search(line)
    assert sig.match_frame(line) is not None


def test_every_frame_rule_names_its_needles() -> None:
    """A rule without needles would switch the frame gate off (correct, but slow): say so here."""
    assert {name for name, *_ in sig.FRAME_RULES} <= set(sig._FRAME_NEEDLES)
