"""Clustering quality on hand-labelled real issues, side by side with baselines.

    uv run python benchmarks/quality.py [--data ../shared/data/dev/issues.jsonl] [--failures]

Loads the labelled issues (``cluster`` = the gold family), clusters them with issuegraph (within
each repository), and prints pairwise and B-cubed precision/recall/F1 for issuegraph and for three
baselines run on the same data: normalised-title match, an exact Sentry-style fingerprint (type +
parameterised message + top-3 frames of the first error), and TF-IDF cosine (connected components,
best threshold on this data, which flatters it). Then lists the wrong merges and missed pairs with
the clusterer's own reason, so a change can be judged by what it gets wrong, not only by a number.
The labels are used for scoring only, never as input.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from issuegraph.graph.cluster import (  # noqa: E402
    Background,
    BackgroundConfig,
    ClusterInput,
    ClusterResult,
    PairScore,
    Scorer,
    Settings,
    build_profiles,
    cluster_issues,
)
from issuegraph.graph.cluster_load import inputs_from_json  # noqa: E402
from issuegraph.graph.signatures import issue_signatures  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev" / "issues.jsonl"


# -- metrics ----------------------------------------------------------------------------------
def pairs_of(assign: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for k, c in assign.items():
        groups[c].append(k)
    out = set()
    for ms in groups.values():
        ms.sort()
        out.update((a, b) for i, a in enumerate(ms) for b in ms[i + 1:])
    return out


def scores(pred: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    pp, gp = pairs_of(pred), pairs_of(gold)
    tp = len(pp & gp)
    p = tp / len(pp) if pp else 1.0
    r = tp / len(gp) if gp else 1.0
    pc: dict[str, set[str]] = defaultdict(set)
    gc: dict[str, set[str]] = defaultdict(set)
    for k in gold:
        pc[pred[k]].add(k)
        gc[gold[k]].add(k)
    bp = sum(len(pc[pred[k]] & gc[gold[k]]) / len(pc[pred[k]]) for k in gold) / len(gold)
    br = sum(len(pc[pred[k]] & gc[gold[k]]) / len(gc[gold[k]]) for k in gold) / len(gold)
    f = lambda a, b: 2 * a * b / (a + b) if a + b else 0.0  # noqa: E731
    return {"pP": p, "pR": r, "pF": f(p, r), "bP": bp, "bR": br, "bF": f(bp, br), "clusters": len(set(pred.values()))}


# -- baselines --------------------------------------------------------------------------------
def components(keys: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    parent = {k: k for k in keys}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {k: find(k) for k in keys}


def baseline_title(items: Sequence[ClusterInput]) -> dict[str, str]:
    def norm(t: str) -> str:
        t = re.sub(r"^\s*(?:\[[^\]]*\]\s*)+", "", t.lower())
        return " ".join(re.findall(r"[a-z0-9]+", t))

    return {i.key: f"{i.repo}|{norm(i.title) or i.key}" for i in items}


def baseline_fingerprint(items: Sequence[ClusterInput]) -> dict[str, str]:
    out = {}
    for i in items:
        s = issue_signatures(i.title, i.body, i.comments)
        out[i.key] = f"{i.repo}|{s.records[0].signature}" if s.records else i.key
    return out


def tfidf_vectors(items: Sequence[ClusterInput]) -> list[dict[str, float]]:
    docs = [Counter(re.findall(r"[a-z0-9_]{2,}", (i.title + " " + i.body + " " + " ".join(i.comments)).lower()))
            for i in items]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    vecs = []
    for d in docs:
        v = {t: (1 + math.log(c)) * math.log((n + 1) / (df[t] + 1)) for t, c in d.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vecs.append({t: x / norm for t, x in v.items()})
    return vecs


def baseline_tfidf(items: Sequence[ClusterInput], gold: dict[str, str]) -> tuple[float, dict[str, str]]:
    # per repository, like issuegraph's runs: each repository's issues are their own corpus
    vecs = [{} for _ in items]
    for repo in {i.repo for i in items}:
        idx = [n for n, i in enumerate(items) if i.repo == repo]
        for n, v in zip(idx, tfidf_vectors([items[n] for n in idx]), strict=True):
            vecs[n] = v
    sims = []
    for a in range(len(items)):
        for b in range(a + 1, len(items)):
            if items[a].repo != items[b].repo:
                continue
            va, vb = vecs[a], vecs[b]
            if len(va) > len(vb):
                va, vb = vb, va
            sims.append((sum(w * vb.get(t, 0.0) for t, w in va.items()), items[a].key, items[b].key))
    best = (-1.0, 0.0, {})
    keys = [i.key for i in items]
    for th in [x / 100 for x in range(10, 96, 2)]:
        pred = components(keys, ((a, b) for s, a, b in sims if s >= th))
        f = scores(pred, gold)["bF"]
        if f > best[0]:
            best = (f, th, pred)
    return best[1], best[2]


# -- main -------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--failures", action="store_true", help="list every wrong merge and missed pair")
    ap.add_argument("--split", default="", metavar="REPO,REPO",
                    help="also score issuegraph on these repositories and on the rest separately (a held-out check: "
                         "a rule tuned on one half should not be flat on the other); repo names or their last part")
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"no labelled data at {args.data}; pass --data PATH")
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    items, links = inputs_from_json(rows)
    gold = {f"{r['repo']}#{r['number']}": f"{r['repo']}|{r['cluster'] or r['number']}" for r in rows}

    # one run per repository, as `issuegraph cluster` does: a repository's own issues are its corpus
    # (its word and error frequencies). Pooling all repositories into one run made same-repository
    # texts look more alike than they do in a real tracker (a word every pip issue uses is rare among
    # 318 issues of 14 projects) and scored 0.01 higher than what the CLI gives.
    t0 = time.perf_counter()
    results = [cluster_issues([i for i in items if i.repo == repo], [lk for lk in links if lk.source.startswith(repo + "#")])
               for repo in sorted({i.repo for i in items})]
    elapsed = time.perf_counter() - t0
    result = ClusterResult([c for r in results for c in r.clusters],
                           Background(frozenset().union(*(r.background.keys for r in results)),
                                      {k: v for r in results for k, v in r.background.why.items()}))
    pred = {m: c.id for c in result.clusters for m in c.members}

    th, tf = baseline_tfidf(items, gold)
    table = [
        ("issuegraph", pred),
        ("normalised title", baseline_title(items)),
        ("sentry fingerprint", baseline_fingerprint(items)),
        (f"tf-idf cosine @{th:.2f}", tf),
    ]
    repos = len({i.repo for i in items})
    print(f"{len(items)} issues, {repos} repositories, {len(set(gold.values()))} gold clusters; "
          f"issuegraph took {elapsed:.2f}s; {len(links)} explicit links read from comments")
    print(f"{'method':<24} {'pairP':>6} {'pairR':>6} {'pairF1':>6}   {'B3-P':>6} {'B3-R':>6} {'B3-F1':>6}  clusters")
    for name, p in table:
        s = scores(p, gold)
        print(f"{name:<24} {s['pP']:6.3f} {s['pR']:6.3f} {s['pF']:6.3f}   {s['bP']:6.3f} {s['bR']:6.3f} {s['bF']:6.3f}"
              f"  {s['clusters']:>5}")
    if args.split:
        names = {n.strip() for n in args.split.split(",") if n.strip()}
        inside = {i.repo for i in items if i.repo in names or i.repo.split("/")[-1] in names}
        for label, keep in (("split: named", lambda r: r in inside), ("split: the rest", lambda r: r not in inside)):
            g = {k: v for k, v in gold.items() if keep(v.split("|")[0])}
            s = scores({k: pred[k] for k in g}, g)
            print(f"{label:<24} {s['pP']:6.3f} {s['pR']:6.3f} {s['pF']:6.3f}   {s['bP']:6.3f} {s['bR']:6.3f} "
                  f"{s['bF']:6.3f}  {s['clusters']:>5}  ({len(g)} issues)")
    text_only = [(e["a"], e["b"]) for c in result.clusters
                 for e in c.details["evidence"] if e["kind"] == "similar"]
    if text_only:
        good = sum(gold[a] == gold[b] for a, b in text_only)
        print(f"links without a shared error key (text only): {len(text_only)}, {good} right "
              f"(edge precision {good / len(text_only):.3f})")
    print(f"background error keys learned: {len(result.background.keys)}")
    for k in sorted(result.background.keys):
        print(f"  - {k[:110]}  ({result.background.why[k]})")

    # where it still fails, with the clusterer's own reasons
    scorers: dict[str, tuple[Scorer, dict[str, int]]] = {}
    for repo in sorted({i.repo for i in items}):
        profiles, _ = build_profiles(sorted((i for i in items if i.repo == repo), key=lambda i: i.number),
                                     BackgroundConfig(), Settings())
        scorers[repo] = (Scorer(profiles, Settings()), {p.item.key: n for n, p in enumerate(profiles)})

    def pair_score(a: str, b: str) -> PairScore:
        scorer, index = scorers[a.rpartition("#")[0]]
        return scorer.score(index[a], index[b])
    pp, gp = pairs_of(pred), pairs_of(gold)
    wrong = sorted(pp - gp)
    missed = sorted(gp - pp)
    by_member = result.by_member()
    print(f"\nwrong merges: {len(wrong)} pairs")
    shown = wrong if args.failures else wrong[:25]
    for a, b in shown:
        s = pair_score(a, b)
        print(f"  {a} ~ {b}  [gold {gold[a].split('|')[1]} vs {gold[b].split('|')[1]}]  "
              f"{by_member[a].hints.get(b, '')[:60]} | pair: {s.reason()}")
    print(f"missed pairs: {len(missed)} (grouped by gold family)")
    fam: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, b in missed:
        fam[gold[a]].append((a, b))
    for g, ps in sorted(fam.items(), key=lambda kv: -len(kv[1])):
        size = sum(1 for v in gold.values() if v == g)
        print(f"  {g}: {len(ps)} of {size * (size - 1) // 2} pairs missed")
        if args.failures:
            for a, b in ps:
                s = pair_score(a, b)
                print(f"     {a} ~ {b}: {s.reason()}")


if __name__ == "__main__":
    main()
