"""Clustering cost at scale: wall time and peak RSS for 10k … 100k generated issues, on one core.

    uv run python benchmarks/cluster_scale.py [--sizes 10000,25000,50000,100000] [--ghsim ../shared/ghsim]

Issues come from ghsim's generator (``gen_dataset.py``: heavy-tailed comments, ~20% pull requests,
~10% of issues with a pasted error from a few hundred templates plus, often, the shared background
auth error). ``--sizes`` counts generated items; pull requests are dropped as the CLI does. Each size
runs in a fresh child process pinned to one CPU (``os.sched_setaffinity``) with BLAS threads at 1,
so peak RSS is that run's own. Time covers signature extraction, background learning, candidates,
verification and union; not generation.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GHSIM = ROOT.parent / "shared" / "ghsim"


def child(size: int, ghsim: Path) -> None:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    sys.path.insert(0, str(ghsim))
    sys.path.insert(0, str(ROOT))
    from gen_dataset import generate  # type: ignore[import-not-found]

    from issuegraph.graph.cluster import cluster_issues
    from issuegraph.graph.cluster_load import inputs_from_json

    data = generate(size, 1, "acme/widgets", "acme/upstream")
    rows = [dict(i, repo="acme/widgets") for i in data["repos"][0]["issues"] if not i.get("is_pull_request")]
    del data
    items, links = inputs_from_json(rows)
    del rows
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    result = cluster_issues(items, links)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    multi = [c for c in result.clusters if len(c.members) > 1]
    print(json.dumps({
        "size": size, "issues": len(items), "seconds": round(elapsed, 2), "peak_rss_mb": round(peak / 1024),
        "rss_before_mb": round(rss_before / 1024), "clusters": len(multi),
        "clustered_issues": sum(len(c.members) for c in multi), "background": len(result.background.keys),
    }))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,25000,50000,100000")
    ap.add_argument("--ghsim", type=Path, default=DEFAULT_GHSIM)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.ghsim)
        return
    if not (args.ghsim / "gen_dataset.py").exists():
        sys.exit(f"ghsim's gen_dataset.py not found under {args.ghsim}; pass --ghsim PATH")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    print(f"{'generated':>9} {'issues':>7} {'seconds':>8} {'peak RSS':>9} {'s/1k issues':>11} {'clusters':>8} "
          f"{'in clusters':>11} {'background':>10}")
    prev = None
    for size in [int(s) for s in args.sizes.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--child", str(size), "--ghsim", str(args.ghsim)],
                             env=env, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        growth = "" if prev is None else f"  ×{r['seconds'] / prev['seconds']:.2f} time for ×{r['issues'] / prev['issues']:.2f} issues"
        print(f"{r['size']:>9} {r['issues']:>7} {r['seconds']:>8.2f} {r['peak_rss_mb']:>6} MB {1000 * r['seconds'] / r['issues']:>11.3f} "
              f"{r['clusters']:>8} {r['clustered_issues']:>11} {r['background']:>10}{growth}")
        prev = r


if __name__ == "__main__":
    main()
