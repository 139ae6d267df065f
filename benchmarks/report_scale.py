"""How fast are archive reports at scale? Writes reports for N synthetic clusters (default 10,000).

    uv run python benchmarks/report_scale.py [--clusters 10000] [--out DIR] [--seed 1]

Builds a store in a temporary SQLite file with N clusters of 2-6 issues each (bodies with a pasted
JS or Python trace, an environment block, a background error in a third of them, comments), one
merged fixing PR for every tenth cluster and a graph of their links, then times:

* cold: ``build_report_set`` reading every member's text (error records, environment), then render
  and write every page into an empty folder;
* warm, empty folder: the same with those facts reused from the store (``report_facts``, kept per
  issue until its ``updated_at`` changes), i.e. what writing 10,000 reports costs;
* warm, unchanged folder: a nightly rerun (nothing should be written).

Who caches what: only ``build_report_set`` fills ``report_facts`` (error records and environment
per issue, kept until the issue's ``updated_at`` or the extractors' source changes). ``cluster``
reads every issue's error records too (``graph.cluster.build_profiles``) but keeps them to itself,
so in the real pipeline the first ``report`` after a fresh crawl pays the cold line; later nightly
runs pay the warm lines plus the cold cost of the issues that changed. No line here includes the
clustering itself.

Goal: 10,000 clusters' reports in ≤ 10 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from issuegraph.models import ClusterRecord, Comment, Issue  # noqa: E402
from issuegraph.reports.context import _default_env_extractor, _default_record_extractor, build_report_set  # noqa: E402
from issuegraph.reports.write import write_reports  # noqa: E402
from issuegraph.store import Store  # noqa: E402

REPO = "bench/tracker"
PLATFORMS = ["darwin", "linux", "win32"]
BACKGROUND = ('Error: Could not resolve authentication method. Expected either apiKey or authToken to be set.\n'
              '    at validateHeaders (/$bunfs/root/claude:527:935)\n    at buildHeaders (/$bunfs/root/claude:527:8438)')


def trace(rng: random.Random, k: int) -> str:
    if k % 2:
        return (f"TypeError: Cannot read properties of undefined (reading 'field{k}')\n"
                f"    at handler{k} (file:///usr/lib/node_modules/tool/cli.js:{rng.randint(1, 900)}:{rng.randint(1, 9999)})\n"
                f"    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)")
    return (f'Traceback (most recent call last):\n  File "/home/u{rng.randint(1, 99)}/venv/lib/python3.12/site-packages/'
            f'tool/mod{k}.py", line {rng.randint(1, 400)}, in run{k}\n    step()\n'
            f"ValueError: invalid value for option_{k}")


def synthesize(store: Store, n_clusters: int, seed: int) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    issues, comments, clusters = [], [], []
    graph = nx.MultiDiGraph()
    number = 0
    for k in range(n_clusters):
        size = rng.choice([2, 2, 2, 3, 3, 4, 6])
        keys = []
        for j in range(size):
            number += 1
            key = f"{REPO}#{number}"
            keys.append(key)
            day = 1 + (number // 40) % 28
            month = 1 + (number // 1200) % 12
            body = (f"Started failing after the update.\n\n```\n{trace(rng, k)}\n```\n"
                    + (f"\n```\n{BACKGROUND}\n```\n" if rng.random() < 0.33 else "")
                    + f"\n- Platform: {rng.choice(PLATFORMS)}\n- Version: 1.{rng.randint(0, 9)}.{rng.randint(0, 20)}\n")
            state = rng.choice(["open", "open", "closed"])
            issues.append(Issue(REPO, number, "issue", f"Crash in handler {k} (report {j})", body, state,
                                "completed" if state == "closed" else None, f"user{rng.randint(1, 5000)}", ("bug",),
                                f"2024-{month:02d}-{day:02d}T10:00:00Z", f"2024-{month:02d}-{day:02d}T12:00:00Z",
                                None, reactions={"+1": rng.randint(0, 5)}, comment_count=1,
                                url=f"https://github.com/{REPO}/issues/{number}"))
            comments.append(Comment(REPO, number, number, "helper", "Same here on my machine.",
                                    f"2024-{month:02d}-{day:02d}T11:00:00Z", None))
            graph.add_node(key)
            if j:
                graph.add_edge(key, keys[0], key="mentions", kind="mentions")
        if k % 10 == 0:
            number += 1
            pr = f"{REPO}#{number}"
            issues.append(Issue(REPO, number, "pull_request", f"Fix handler {k}", f"Fixes #{keys[0].split('#')[1]}",
                                "closed", None, "maintainer", (), "2024-12-01T00:00:00Z", "2024-12-02T00:00:00Z",
                                "2024-12-02T00:00:00Z", "2024-12-02T00:00:00Z", True,
                                url=f"https://github.com/{REPO}/pull/{number}"))
            graph.add_edge(pr, keys[0], key="closes", kind="closes")
        clusters.append(ClusterRecord(f"c{k:05d}", REPO, keys[0], tuple(keys), f"handler{k}: TypeError field{k}",
                                      {key: f"same signature handler{k}" for key in keys}, {}))
    with store.transaction():
        store.save_issues(issues)
        store.save_comments(comments)
    store.save_cluster_run(REPO, "bench", "2024-12-31T00:00:00Z", number, clusters)
    return graph


def _no_records(text: str) -> list:
    return []


def _no_env(text: str) -> dict:
    return {}


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="folder to write into (default: a temporary one)")
    ap.add_argument("--no-extract", action="store_true",
                    help="skip error-record and environment extraction (measures context + render + write alone)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "docs"
        store = Store(Path(tmp) / "bench.db")
        t = time.perf_counter()
        graph = synthesize(store, args.clusters, args.seed)
        print(f"synthesized {args.clusters} clusters, {store.stats()['issues']} issues in {time.perf_counter() - t:.1f} s")
        records, env = _default_record_extractor(), _default_env_extractor()
        if args.no_extract:
            records, env = _no_records, _no_env
        print(f"error-record extraction: {'off' if args.no_extract else 'graph.signatures' if records else 'not installed'}; "
              f"environment: {'off' if args.no_extract else 'graph.environment' if env else 'not installed'}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print("facts cache (report_facts): filled by `report` only, empty before the cold line; clustering not timed")

        def timed(label: str, folder: Path) -> object:
            t0, c0 = time.perf_counter(), _cpu()
            rs = build_report_set(store, REPO, graph=graph, extract_records=records, extract_env=env)
            t1 = time.perf_counter()
            result = write_reports(folder, rs, readme=True)
            t2 = time.perf_counter()
            n = len(result.written)
            print(f"{label:<40} context {t1 - t0:6.2f} s + render/write {t2 - t1:5.2f} s = {t2 - t0:6.2f} s "
                  f"({_cpu() - c0:5.2f} s CPU); {n} written, {result.unchanged} unchanged, "
                  f"{(n or result.unchanged) / (t2 - t0):,.0f} files/s")
            return result

        timed("cold (every issue's text read)", out)
        timed("warm facts, empty folder", Path(tmp) / "docs2")
        timed("warm facts, unchanged folder (nightly)", out)
        pages = list(out.rglob("*.md"))
        print(f"archive: {sum(p.stat().st_size for p in pages) / 1e6:.1f} MB in {len(pages)} files")
        store.close()


if __name__ == "__main__":
    main()
