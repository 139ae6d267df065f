"""Check that a speed change altered no output: extraction, clustering and the quality report.

    uv run python benchmarks/check_equivalence.py save  [--ref DIR]   # before the change
    uv run python benchmarks/check_equivalence.py check [--ref DIR]   # after it: exit 1 on any difference

Three references, written as plain text so a difference can be read with ``diff``:

* ``quality.txt``: ``benchmarks/quality.py --failures`` output (its one timing figure blanked);
* ``records.jsonl`` / ``environment.jsonl``: every field of every ``extract_error_records`` record
  (frames included) and ``extract_environment`` facts, for every title, body and comment of the dev
  set (``../shared/data/dev/issues.jsonl``) and of a generated 10k-item dataset;
* ``clusters.jsonl``: the whole ``cluster_issues`` result (ids, members, canonical, signature,
  hints, details, background) for a generated 20k-item dataset.

Needs ``../shared`` (the dev set and ghsim's generator). A rule change is *meant* to change these:
re-save the references from the state you start from, then check every speed change against it.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV = SHARED / "data" / "dev" / "issues.jsonl"
GHSIM = SHARED / "ghsim"
DEFAULT_REF = ROOT / "benchmarks" / ".data" / "equivalence"

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(GHSIM))


def _generated(size: int) -> list[dict]:
    from gen_dataset import generate  # type: ignore[import-not-found]

    return [dict(i, repo="acme/widgets") for i in generate(size, 1, "acme/widgets", "acme/upstream")["repos"][0]["issues"]]


def _texts() -> Iterator[tuple[str, str]]:
    """(label, text) for every title, body and comment of the dev set and a generated 10k dataset."""
    dev = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    for name, rows in (("dev", dev), ("gen10k", _generated(10_000))):
        for r in rows:
            base = f"{name}:{r['repo']}#{r['number']}"
            yield f"{base}:title", str(r.get("title") or "")
            yield f"{base}:body", str(r.get("body") or "")
            for n, c in enumerate(r.get("comments") or (), 1):
                yield f"{base}:comment:{n}", c["body"] if isinstance(c, dict) else str(c)


def part_quality() -> list[str]:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "quality.py"), "--failures"],
                         capture_output=True, text=True, check=True).stdout
    return [re.sub(r"issuegraph took [\d.]+s", "issuegraph took <t>s", line) for line in out.splitlines()]


def part_records() -> tuple[list[str], list[str]]:
    from issuegraph.graph.environment import extract_environment
    from issuegraph.graph.signatures import extract_error_records

    records, env = [], []
    for label, text in _texts():
        recs = [dataclasses.asdict(r) for r in extract_error_records(text, label.rsplit(":", 1)[-1])]
        records.append(json.dumps([label, recs], ensure_ascii=False, sort_keys=True))
        env.append(json.dumps([label, extract_environment(text)], ensure_ascii=False))
    return records, env


def part_clusters() -> list[str]:
    from issuegraph.graph.cluster import cluster_issues
    from issuegraph.graph.cluster_load import inputs_from_json

    rows = [r for r in _generated(20_000) if not r.get("is_pull_request")]
    items, links = inputs_from_json(rows)
    result = cluster_issues(items, links)
    out = [json.dumps({"rules_version": result.rules_version, "background": sorted(result.background.keys),
                       "background_why": result.background.why}, sort_keys=True)]
    out += [json.dumps(dataclasses.asdict(c), sort_keys=True, ensure_ascii=False) for c in result.clusters]
    return out


def compute() -> dict[str, list[str]]:
    records, env = part_records()
    return {"quality.txt": part_quality(), "records.jsonl": records, "environment.jsonl": env,
            "clusters.jsonl": part_clusters()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["save", "check"])
    ap.add_argument("--ref", type=Path, default=DEFAULT_REF)
    args = ap.parse_args()
    if not DEV.exists() or not (GHSIM / "gen_dataset.py").exists():
        sys.exit(f"needs the dev set ({DEV}) and ghsim ({GHSIM}); run from a checkout with ../shared beside it")
    current = compute()
    if args.mode == "save":
        args.ref.mkdir(parents=True, exist_ok=True)
        for name, lines in current.items():
            (args.ref / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"saved {name}: {len(lines)} lines")
        return
    failed = False
    for name, lines in current.items():
        ref = (args.ref / name).read_text(encoding="utf-8").splitlines()
        if ref == lines:
            print(f"{name}: identical ({len(lines)} lines)")
            continue
        failed = True
        diff = list(difflib.unified_diff(ref, lines, "reference", "now", n=0, lineterm=""))
        print(f"{name}: DIFFERENT ({len(diff)} diff lines); first ones:")
        for line in diff[:12]:
            print("  " + line[:300])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
