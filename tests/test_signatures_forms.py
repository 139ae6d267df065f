"""One error printed in the forms programs really print it must meet in a key (its ``key`` or one of
its ``alt_keys``); different errors printed alike must not. Each row is one printing convention,
with real-shaped lines."""

from __future__ import annotations

import pytest

from issuegraph.graph.signatures import extract_error_records


def _keys(text: str) -> set[str]:
    return {k for r in extract_error_records(text) for k in r.all_keys}


SAME_ERROR = [
    pytest.param(
        "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory",
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        id="v8-oom-gc-phase-varies",
    ),
    pytest.param(
        "FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory",
        "FATAL ERROR: MarkCompactCollector: young object promotion failed Allocation failed - JavaScript heap out of memory",
        id="v8-oom-allocation-site-varies",
    ),
]

DIFFERENT_ERRORS = [
    pytest.param(
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        "FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal.",
        id="v8-oom-vs-other-v8-abort",
    ),
]


@pytest.mark.parametrize(("a", "b"), SAME_ERROR)
def test_one_error_in_two_printed_forms_shares_a_key(a: str, b: str) -> None:
    assert _keys(a) & _keys(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_ERRORS)
def test_different_errors_printed_alike_share_no_key(a: str, b: str) -> None:
    assert _keys(a) and _keys(b)
    assert not _keys(a) & _keys(b)
