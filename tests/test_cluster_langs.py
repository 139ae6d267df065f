"""Clustering the ecosystems of tests/test_signatures_langs.py: one crash reported twice joins; one
message raised at different crash sites, and a bare symptom (a signal, a sanitizer's finding) shared
without agreeing frames, stay apart."""

from __future__ import annotations

import pytest

from issuegraph.graph.cluster import ClusterInput, cluster_issues

REPO = "acme/engine"

ASAN = """==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020000000{addr} at pc 0x4f5e2b bp 0x7ffd sp 0x7ffd
READ of size 4 at 0x6020000000{addr} thread T0
    #0 0x4f5e2a in {fn} /src/lib/{file}:120:9
    #1 0x4f6b3c in {caller} /src/tools/cli.c:33:5
"""

FLUTTER = """E/flutter ( {pid}): [ERROR:flutter/runtime/dart_vm_initializer.cc(41)] Unhandled Exception: Null check operator used on a null value
E/flutter ( {pid}): #0      {fn} (package:shop/pages/{file}:88:27)
E/flutter ( {pid}): #1      StatefulElement.build (package:flutter/src/widgets/framework.dart:4919:27)
"""

RUBY = """NoMethodError: undefined method `name' for nil:NilClass
  /app/models/{file}:10:in `{fn}'
  /app/controllers/{controller}:5:in `show'
"""


def issue(number: int, title: str, body: str) -> ClusterInput:
    return ClusterInput(key=f"{REPO}#{number}", repo=REPO, number=number, title=title, body=body)


def together(items: list[ClusterInput], a: int, b: int) -> bool:
    result = cluster_issues(items)
    return f"{REPO}#{b}" in result.by_member()[f"{REPO}#{a}"].members


CASES = [
    pytest.param(
        issue(1, "use after free in header parser", ASAN.format(addr="10", fn="parse_header", file="parser.c", caller="handle")),
        issue(2, "ASan report on a malformed request", ASAN.format(addr="50", fn="parse_header", file="parser.c", caller="handle")),
        True, id="asan-same-crash-site-joins"),
    pytest.param(
        issue(1, "use after free in header parser", ASAN.format(addr="10", fn="parse_header", file="parser.c", caller="handle")),
        issue(2, "use after free when resetting", ASAN.format(addr="90", fn="release_buffer", file="buffer.c", caller="reset")),
        False, id="asan-same-kind-different-stack-apart"),
    pytest.param(
        issue(1, "use after free in header parser", ASAN.format(addr="10", fn="parse_header", file="parser.c", caller="handle")),
        issue(2, "use after free reading chunks", ASAN.format(addr="50", fn="read_chunk", file="chunk.c", caller="handle")),
        False, id="asan-different-crashing-function-same-caller-apart"),
    pytest.param(
        issue(1, "Login button crashes the app", FLUTTER.format(pid=1234, fn="_LoginPageState._submit", file="login_page.dart")),
        issue(2, "App crashes when tapping sign in", FLUTTER.format(pid=999, fn="_LoginPageState._submit", file="login_page.dart")),
        True, id="flutter-same-widget-joins"),
    pytest.param(
        issue(1, "Login button crashes the app", FLUTTER.format(pid=1234, fn="_LoginPageState._submit", file="login_page.dart")),
        issue(2, "Cart page shows a red screen", FLUTTER.format(pid=4321, fn="_CartPageState.build", file="cart_page.dart")),
        False, id="flutter-null-check-in-another-widget-apart-framework-frames-ignored"),
    pytest.param(
        issue(1, "Profile page returns 500", RUBY.format(file="user.rb", fn="display_name", controller="users_controller.rb")),
        issue(2, "500 on the user profile", RUBY.format(file="user.rb", fn="display_name", controller="users_controller.rb")),
        True, id="ruby-same-crash-site-joins"),
    pytest.param(
        issue(1, "Profile page returns 500", RUBY.format(file="user.rb", fn="display_name", controller="users_controller.rb")),
        issue(2, "Order page returns 500", RUBY.format(file="order.rb", fn="customer_label", controller="orders_controller.rb")),
        False, id="ruby-same-message-different-stack-apart"),
    pytest.param(
        issue(1, "Crash on startup with a large config", "Running the daemon:\n```\nSegmentation fault (core dumped)\n```"),
        issue(2, "Crash when piping input from stdin", "echo foo | app\n```\nSegmentation fault (core dumped)\n```"),
        False, id="bare-segfault-is-a-symptom-not-a-shared-bug"),
]


@pytest.mark.parametrize(("a", "b", "joined"), CASES)
def test_ecosystem_crashes_join_only_on_agreeing_crash_sites(a: ClusterInput, b: ClusterInput, joined: bool) -> None:
    assert together([a, b], a.number, b.number) is joined
