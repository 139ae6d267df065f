"""Archive reports from a hand-made store: golden pages, parsed structure, no churn, stale pages,
hostile input. Golden files live in tests/golden/; regenerate them only on purpose with
``UPDATE_GOLDEN=1 uv run pytest tests/reports`` (or ``--update-golden``), then review the diff."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from issuegraph.models import ClusterRecord, Comment
from issuegraph.reports.context import build_report_set, cluster_file_name
from issuegraph.reports.markdown import render_cluster_report, render_index
from issuegraph.reports.write import write_reports

from .fixtures import REPO, TRACE_A, TRACE_A_PY, fake_env, fake_records, issue, make_graph, make_store
from .mdcheck import assert_well_formed, strip_wj

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def update_golden(request: pytest.FixtureRequest) -> bool:
    try:
        flag = bool(request.config.getoption("--update-golden"))
    except ValueError:
        flag = False
    return flag or os.environ.get("UPDATE_GOLDEN") == "1"


def reports(store=None):  # type: ignore[no-untyped-def]
    return build_report_set(store or make_store(), REPO, graph=make_graph(), extract_records=fake_records,
                            extract_env=fake_env)


def check_golden(request: pytest.FixtureRequest, name: str, text: str) -> None:
    path = GOLDEN / name
    if update_golden(request):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run UPDATE_GOLDEN=1 uv run pytest tests/reports"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


def test_cluster_report_matches_golden(request: pytest.FixtureRequest) -> None:
    rs = reports()
    page = render_cluster_report(next(c for c in rs.clusters if c.id == "c-list-render"))
    check_golden(request, "cluster-c-list-render.md", page)


def test_index_matches_golden(request: pytest.FixtureRequest) -> None:
    check_golden(request, "index.md", render_index(reports().index))


def test_cluster_report_has_every_section_and_traces_verbatim() -> None:
    c = next(c for c in reports().clusters if c.id == "c-list-render")
    p = assert_well_formed(render_cluster_report(c))
    assert [h for lvl, h in p.headings if lvl == 2] == [
        "Signature", "Reports", "Environment", "Linked pull requests", "Why these are together",
        "Ignored background errors", "References", "Reports per week"]
    assert p.meta["members"] == [1, 2, 3] and p.meta["canonical"] == f"{REPO}#1" and p.meta["fix"] == f"{REPO}#7"
    assert (p.meta["first_seen"], p.meta["last_seen"], p.meta["open"], p.meta["closed"]) == (
        "2024-03-01", "2024-03-12", 2, 1)
    fences = dict((content.rstrip("\n"), info) for info, content in p.fences)
    assert fences[TRACE_A] == "text" and fences[TRACE_A_PY] == "text"
    assert any(info == "mermaid" for info, _ in p.fences)
    members, env, prs = p.tables[0], p.tables[1], p.tables[2]
    assert [r[0] for r in members[1:]] == ["#1 (canonical)", "#2", "#3"]
    assert members[2][2] == "closed (duplicate)"
    assert env == [["version \\ platform", "darwin", "linux"], ["1.2.0", "·", "1"], ["1.2.1", "1", "1"]]
    assert prs[1][2] == "merged (the fix)"


def test_index_ranks_by_open_reports_and_reports_what_changed() -> None:
    p = assert_well_formed(render_index(reports().index))
    rows = p.tables[0][1:]
    assert [r[1] for r in rows] == ["list-render-none", "Export fails"]
    text = render_index(reports().index)
    assert "grown: [list-render-none](clusters/c-list-render.md) (2 → 3 reports)" in text
    assert "merged or split: c-old → [c-list-render](clusters/c-list-render.md)" in text


def test_first_run_says_everything_is_new() -> None:
    text = render_index(reports(make_store(second_run=False)).index)
    assert "first clustering stored" in text


def test_every_written_file_parses(tmp_path: Path) -> None:
    write_reports(tmp_path, reports(), readme=True)
    files = sorted(tmp_path.rglob("*.md"))
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "README.md", "clusters/c-export.md", "clusters/c-list-render.md", "index.md"]
    for f in files:
        p = assert_well_formed(f.read_text(encoding="utf-8"))
        for href in p.links:  # every relative link points at a file we wrote
            if not href.startswith("http"):
                assert (f.parent / href).resolve().exists(), (f, href)


def test_a_second_run_changes_no_file(tmp_path: Path) -> None:
    first = write_reports(tmp_path, reports(), readme=True)
    assert len(first.written) == 4
    before = {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in tmp_path.rglob("*.md")}
    second = write_reports(tmp_path, reports(), readme=True)
    assert (second.written, second.stubbed, second.removed, second.unchanged) == ([], [], [], 4)
    assert {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in tmp_path.rglob("*.md")} == before


def test_a_merged_cluster_leaves_a_stub_and_an_emptied_one_is_removed(tmp_path: Path) -> None:
    store = make_store(second_run=False)
    write_reports(tmp_path, reports(store))
    (tmp_path / "clusters" / "notes.md").write_text("my own notes\n")  # not ours: never touched
    assert (tmp_path / "clusters" / "c-old.md").exists()
    # next run: #3 joins c-list-render (c-old is gone), c-export dissolves into single reports
    store.save_cluster_run(REPO, "rules-2024-01", "2024-03-22T00:00:00Z", 6, [
        ClusterRecord("c-list-render", REPO, f"{REPO}#1", (f"{REPO}#1", f"{REPO}#2", f"{REPO}#3"), "list-render-none"),
    ])
    s = write_reports(tmp_path, reports(store))
    assert s.stubbed == ["clusters/c-old.md"] and s.removed == ["clusters/c-export.md"]
    stub = (tmp_path / "clusters" / "c-old.md").read_text()
    p = assert_well_formed(stub)
    assert p.meta["moved"] is True and p.links[0] == "c-list-render.md"
    assert (tmp_path / "clusters" / "notes.md").read_text() == "my own notes\n"
    again = write_reports(tmp_path, reports(store))  # the stub itself is stable
    assert (again.written, again.stubbed, again.removed) == ([], [], [])


@pytest.mark.parametrize(("cluster_id", "expected"), [
    ("c-1a2b", "c-1a2b.md"),
    ("../../etc/passwd", "etc-passwd-"),
    (".hidden", "hidden-"),
    ("index", "index-"),
    ("a/b\\c", "a-b-c-"),
    ("", "cluster-"),
], ids=["plain", "dotdot", "hidden", "reserved", "separators", "empty"])
def test_file_names_come_from_ids_without_path_tricks(cluster_id: str, expected: str) -> None:
    name = cluster_file_name(cluster_id)
    assert name.startswith(expected.removesuffix(".md")) and name.endswith(".md")
    assert "/" not in name and "\\" not in name and not name.startswith(".")


HOSTILE_TITLE = "Crash | on <script>alert(1)</script> `x` @here #1 ../../etc שלום \u202eevil\nnext"


def hostile_store(body_size: int = 1_000_000):  # type: ignore[no-untyped-def]
    store = make_store(second_run=False)
    big = "```js\n" + TRACE_A + "\n```\n" + ("A | B @here <b>x</b> ```` `` \n" * (body_size // 30))
    store.save_issues([
        issue(1, HOSTILE_TITLE, big + "\n- Version: 1.0 | 2 <i>\n- Platform: ../linux\n"),
        issue(2, "@everyone ~~~ | |", "```js\n" + TRACE_A + "\n````` ``` \n```\n- Platform: ltr‏rtl עברית\n"),
    ])
    store.save_comments([Comment(REPO, 1, 5, "mallory", "@here see #2 | <iframe>", "2024-03-05T00:00:00Z", None)])
    store.save_cluster_run(REPO, "rules | <b>", "2024-03-22T00:00:00Z", 6, [
        ClusterRecord("../../evil id", REPO, f"{REPO}#1", (f"{REPO}#1", f"{REPO}#2"),
                      "sig `with` ``` fences\n| and pipes @here",
                      {f"{REPO}#1": "hint with @here | pipe <b>", f"{REPO}#2": "#1 and\nnewline"}),
    ])
    return store


def test_hostile_titles_and_bodies_stay_contained(tmp_path: Path) -> None:
    rs = reports(hostile_store())
    out = tmp_path / "out"
    write_reports(out, rs, readme=True)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files[0:3] == ["README.md", "clusters/c-export.md", "clusters/c-list-render.md"] or files
    assert all(not f.startswith("..") for f in files) and not (tmp_path / "etc").exists()
    evil = [f for f in files if "evil" in f]
    assert len(evil) == 1 and evil[0].startswith("clusters/evil-id-")
    text = (out / evil[0]).read_text(encoding="utf-8")
    p = assert_well_formed(text)
    body = text.split("\n---\n", 1)[1]  # front matter is data (kept as stated); the page is prose
    assert "@here" not in body.split("## Signature")[0] and "@here" not in body.split("## Reports")[1]
    title = p.headings[0][1]
    assert strip_wj(title).startswith("sig `with` ``` fences")
    row = p.tables[0][1]
    assert strip_wj(row[1]) == HOSTILE_TITLE.replace("\u202e", "").replace("\n", " ")
    assert "<script>" not in text and "<iframe>" not in text
    assert len(text) < 60_000  # the 1 MB body is not copied in
    for f in files:
        assert_well_formed((out / f).read_text(encoding="utf-8"))


def test_hostile_reports_are_stable(tmp_path: Path) -> None:
    store = hostile_store(body_size=20_000)
    write_reports(tmp_path, reports(store))
    assert write_reports(tmp_path, reports(store)).written == []


def test_facts_read_once_are_reused_until_the_issue_changes(tmp_path: Path) -> None:
    store = make_store()
    calls: list[str] = []

    def counting_records(text: str):  # type: ignore[no-untyped-def]
        calls.append(text)
        return fake_records(text)

    def pages() -> dict[str, str]:
        rs = build_report_set(store, REPO, graph=make_graph(), extract_records=counting_records, extract_env=fake_env)
        return {c.file_name: render_cluster_report(c) for c in rs.clusters}

    first = pages()
    read = len(calls)
    assert read and pages() == first and len(calls) == read  # second run: all from the store
    old = store.load_issue(REPO, 2)
    assert old is not None
    store.save_issues([dataclasses.replace(old, body=old.body.replace("1.2.1", "1.3.0"),
                                           updated_at="2024-04-01T00:00:00Z")])
    third = pages()
    assert len(calls) == read + 1  # only the changed issue was read again
    assert "| 1.3.0 |" in third["c-list-render.md"]
