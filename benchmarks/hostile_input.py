"""Giant and hostile issue text through every stage that reads text: how long each one takes.

    uv run python benchmarks/hostile_input.py            # all cases, 1x and 2x sizes
    uv run python benchmarks/hostile_input.py --only refs-10k

For each case the body is built at size n and 2n; each stage is timed on both and the ratio
printed: ~2 is linear, ~4 quadratic. Stages: ``refs`` (graph.refs.extract_references), ``env``
(graph.environment.extract_environment), ``errors`` (graph.signatures.extract_error_records:
measured only, it belongs to the clusterer), ``store`` (save + load through SQLite), ``build``
(graph.build.build_graph of a store holding the issue and the issues it references), ``export``
(JSON + Mermaid of its neighbourhood), ``report`` (reports.issue_report build + render).
Everything runs in memory; no network.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from issuegraph.graph.build import build_graph, neighbourhood  # noqa: E402
from issuegraph.graph.environment import extract_environment  # noqa: E402
from issuegraph.graph.export import render_graph  # noqa: E402
from issuegraph.graph.refs import extract_references  # noqa: E402
from issuegraph.graph.signatures import extract_error_records  # noqa: E402
from issuegraph.models import Issue, IssueRef  # noqa: E402
from issuegraph.reports.issue_report import build_issue_report, render_issue_report  # noqa: E402
from issuegraph.store import Store  # noqa: E402

REPO = "acme/widgets"
MB = 1 << 20


def _refs_body(n: int) -> str:
    return "\n".join(f"see acme/other#{i} and #{i} fixes https://github.com/acme/widgets/issues/{i}" for i in range(1, n + 1))


# name -> (builder taking a scale factor 1|2, description)
CASES: dict[str, tuple[Callable[[int], str], str]] = {
    "prose-1MB": (lambda k: ("Lorem ipsum dolor sit amet #12, consectetur.\n" * (k * MB // 46)), "1 MB of prose"),
    "hashes-100k": (lambda k: "#" * (100_000 * k), "100k '#' characters"),
    "headings-100k": (lambda k: "# 1\n" * (25_000 * k), "25k '# 1' headings"),
    "quotes-50k": (lambda k: ">" * (50_000 * k) + " #1", "50k nested '>' quotes"),
    "quote-lines-50k": (lambda k: "".join(">" * i + " #1\n" for i in range(1, 300 * k)), "a staircase of quotes"),
    "line-2MB": (lambda k: ("x#1 " * (k * MB // 2)), "one 2 MB line, no newline"),
    "backticks-10k": (lambda k: "`" * (10_000 * k) + " #1 " + "``x`` " * (2_000 * k), "thousands of backticks"),
    "refs-10k": (lambda k: _refs_body(5_000 * k), "10k owner/repo#N references (x2 at 2x)"),
    "urls-20k": (lambda k: " ".join(f"https://example.com/{i}" for i in range(20_000 * k)), "20k non-issue URLs"),
    "close-words-20k": (lambda k: "fixes " * (20_000 * k) + "#1", "a long run of closing keywords"),
    "nul-bytes": (lambda k: "a\x00#1\x00" * (100_000 * k), "NUL bytes"),
    "surrogates": (lambda k: "\udcff#1 \ud800 " * (50_000 * k), "lone surrogates"),
    "rtl-overrides": (lambda k: "\u202e#1\u202c \u2066acme/x#2\u2069 " * (50_000 * k), "RTL overrides and isolates"),
    "html-comment-open": (lambda k: "<!-- " + "#1 " * (200_000 * k), "an HTML comment that never closes"),
    "env-lines-100k": (lambda k: "OS: Linux\nnode --version\nv20.1.0\n" * (30_000 * k), "env key: value lines"),
    "stack-50k": (lambda k: "TypeError: x is undefined\n" + "    at f (/a/b.js:1:2)\n" * (50_000 * k), "a 50k-frame stack"),
}


def _issue(number: int, body: str, repo: str = REPO) -> Issue:
    return Issue(repo=repo, number=number, kind="issue", title=f"issue {number}", body=body, state="open",
                 state_reason=None, author="someone", labels=("bug",), created_at="2024-01-01T00:00:00Z",
                 updated_at="2024-01-01T00:00:00Z", closed_at=None)


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001  a crash is a finding: print it, go on
        return time.perf_counter() - t0, exc
    return time.perf_counter() - t0, out


def run_case(body: str) -> dict[str, tuple[float, str]]:
    res: dict[str, tuple[float, str]] = {}
    t, out = _timed(lambda: extract_references(body, REPO))
    res["refs"] = (t, f"{len(out)} refs" if isinstance(out, list) else f"CRASH {out!r:.80}")
    t, out = _timed(lambda: extract_environment(body))
    res["env"] = (t, f"{len(out)} facts" if isinstance(out, dict) else f"CRASH {out!r:.80}")
    t, out = _timed(lambda: extract_error_records(body))
    res["errors"] = (t, f"{len(out)} records" if isinstance(out, list) else f"CRASH {out!r:.80}")
    store = Store(":memory:")

    def save_load() -> object:
        with store.transaction():
            store.save_repo(REPO)
            store.save_issues([_issue(1, body)])
        return store.load_issue(REPO, 1)

    t, out = _timed(save_load)
    res["store"] = (t, "ok" if isinstance(out, Issue) else f"CRASH {out!r:.80}")
    t, out = _timed(lambda: build_graph(store))
    graph = out
    res["build"] = (t, f"{out.number_of_nodes()} nodes {out.number_of_edges()} edges"
                    if not isinstance(out, Exception) else f"CRASH {out!r:.80}")
    if not isinstance(graph, Exception):
        def export() -> object:
            near = neighbourhood(graph, f"{REPO}#1", 1)
            size = len(render_graph(graph, "json"))
            if near.number_of_nodes() <= 300:  # mermaid refuses bigger pictures, by design
                size += len(render_graph(near, "mermaid", highlight=f"{REPO}#1"))
            return size

        t, out = _timed(export)
        res["export"] = (t, f"{out} bytes" if isinstance(out, int) else f"CRASH {out!r:.80}")
    t, out = _timed(lambda: render_issue_report(build_issue_report(store, IssueRef(REPO, 1))))
    res["report"] = (t, f"{len(out)} bytes" if isinstance(out, str) else f"CRASH {out!r:.80}")
    store.close()
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only these cases (repeatable)")
    args = parser.parse_args()
    names = args.only or list(CASES)
    stages = ("refs", "env", "errors", "store", "build", "export", "report")
    print(f"{'case':18} {'size':>9}  " + "  ".join(f"{s:>15}" for s in stages))
    for name in names:
        build, what = CASES[name]
        small, big = build(1), build(2)
        r1, r2 = run_case(small), run_case(big)
        cells = []
        for s in stages:
            if s not in r1 or s not in r2:
                cells.append(f"{'-':>15}")
                continue
            t1, t2 = r1[s][0], r2[s][0]
            ratio = t2 / t1 if t1 > 1e-4 else float("nan")
            flag = "!" if ratio > 3.0 and t2 > 0.05 else " "
            cells.append(f"{t1:6.3f}s x{ratio:4.1f}{flag}".rjust(15))
        print(f"{name:18} {len(small):>9,}  " + "  ".join(cells))
        notes = {s: r1[s][1] for s in stages if s in r1}
        crashes = {s: v for s, v in notes.items() if v.startswith("CRASH")}
        print(f"{'':18} {what}; " + ", ".join(f"{s}: {v}" for s, v in notes.items() if s in ("refs", "build"))
              + ("".join(f"; {s} {v}" for s, v in crashes.items())))
    print("\nx = time at 2n / time at n (≈2 linear, ≈4 quadratic); ! marks a ratio above 3 on a stage over 50 ms")


if __name__ == "__main__":
    main()
