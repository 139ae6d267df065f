"""Properties: whatever the titles and bodies say, two runs write byte-identical, well-formed pages."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuegraph.models import ClusterRecord
from issuegraph.reports.context import build_report_set
from issuegraph.reports.write import write_reports
from issuegraph.store import Store

from .fixtures import REPO, fake_env, fake_records, issue, make_graph
from .mdcheck import assert_well_formed

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


def build(titles: list[str], bodies: list[str], reverse: bool) -> Store:
    store = Store()
    store.save_issues([issue(i + 1, t, b, created=f"2024-0{1 + i % 9}-1{i % 10}T00:00:00Z")
                       for i, (t, b) in enumerate(zip(titles, bodies, strict=True))])
    keys = [f"{REPO}#{i + 1}" for i in range(len(titles))]
    clusters = [ClusterRecord(f"c{k}", REPO, keys[k], (keys[k], keys[k + 1]), titles[k] or None,
                              {keys[k]: bodies[k][:40]}) for k in range(0, len(keys) - 1, 2)]
    store.save_cluster_run(REPO, "r1", "2024-01-01T00:00:00Z", len(keys), clusters[::-1] if reverse else clusters)
    return store


def snapshot(store: Store) -> dict[str, bytes]:
    rs = build_report_set(store, REPO, graph=make_graph(), extract_records=fake_records, extract_env=fake_env)
    with tempfile.TemporaryDirectory() as d:
        write_reports(d, rs, readme=True)
        return {p.relative_to(d).as_posix(): p.read_bytes() for p in Path(d).rglob("*.md")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(texts, texts), min_size=2, max_size=6))
def test_two_runs_write_byte_identical_well_formed_reports(pairs: list[tuple[str, str]]) -> None:
    titles, bodies = [p[0] for p in pairs], [p[1] for p in pairs]
    first = snapshot(build(titles, bodies, reverse=False))
    assert first == snapshot(build(titles, bodies, reverse=True))  # stored order does not matter either
    for text in first.values():
        assert_well_formed(text.decode("utf-8"))
