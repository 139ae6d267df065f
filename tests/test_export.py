"""Exports read back losslessly (json, GraphML, GEXF) and draw safely (Mermaid, DOT)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from issuegraph.cli import app
from issuegraph.errors import UsageError
from issuegraph.graph.build import build_graph
from issuegraph.graph.export import load_graph, render_dot, render_graph, render_mermaid
from issuegraph.store import Store

from .dataset import save_dataset
from .test_build import DATASET

NASTY_TITLE = 'He said "hi" | <b>#12;</b> `x` \\ back\nslash'


def dataset_graph() -> nx.MultiDiGraph:
    data = copy.deepcopy(DATASET)
    data["repos"][0]["issues"][4]["title"] = NASTY_TITLE  # widgets#5
    store = Store()
    save_dataset(store, data)
    return build_graph(store)


def as_lists(g: nx.MultiDiGraph) -> tuple[list, list]:  # type: ignore[type-arg]
    return sorted(g.nodes(data=True)), sorted(g.edges(keys=True, data=True), key=lambda e: e[:3])


@pytest.mark.parametrize("fmt", ["json", "graphml", "gexf"])
def test_export_round_trips_losslessly(fmt: str) -> None:
    g = dataset_graph()
    back = load_graph(render_graph(g, fmt), fmt)
    assert as_lists(back) == as_lists(g)


def test_graphml_is_what_plain_networkx_and_gephi_read() -> None:
    g = dataset_graph()
    text = render_graph(g, "graphml")
    import io

    plain = nx.read_graphml(io.BytesIO(text.encode()), force_multigraph=True)
    assert set(plain.nodes) == set(g.nodes)
    assert plain.nodes["acme/widgets#1"]["title"] == "Issue 1"
    assert json.loads(plain.nodes["acme/widgets#1"]["labels"]) == ["bug"]
    assert plain.nodes["acme/widgets#1"]["reactions"] == 3
    assert {k for _, _, k in plain.edges(keys=True)} == {"mentions", "closes", "duplicate_of", "connected",
                                                         "cross_referenced"}


def test_gexf_edges_are_directed_for_gephi() -> None:
    text = render_graph(dataset_graph(), "gexf")
    assert 'defaultedgetype="directed"' in text
    assert not re.search(r'<edge [^>]*type="(?!directed)', text)


def test_exports_are_byte_stable() -> None:
    for fmt in ("json", "graphml", "gexf", "mermaid", "dot"):
        assert render_graph(dataset_graph(), fmt) == render_graph(dataset_graph(), fmt)


def test_mermaid_labels_cannot_break_the_syntax() -> None:
    text = render_mermaid(dataset_graph(), highlight="acme/widgets#1")
    node_lines = [line for line in text.splitlines() if re.match(r"\s+n\d+\[", line)]
    assert len(node_lines) == 8
    for line in node_lines:
        assert re.fullmatch(r'  n\d+\["[^"`<>|\n]*"\]', line), line
        assert not re.search(r"#(?!35;|quot;|lt;|gt;|96;|124;)", line), line
    assert "He said #quot;hi#quot; #124; #lt;b#gt;#35;12;#lt;/b#gt; #96;x#96;" in text
    assert "  style n1 stroke-width:3px" in text  # widgets#1 is second in sorted order
    assert "n2 ==>|duplicate of| n1" in text


def test_dot_labels_are_quoted() -> None:
    text = render_dot(dataset_graph())
    assert '\\"hi\\"' in text and "\\\\ back slash" in text
    assert '"acme/widgets#3" -> "acme/widgets#1" [label="closes"];' in text
    assert text.startswith("digraph issuegraph {") and text.rstrip().endswith("}")


def test_drawing_a_huge_graph_asks_for_a_neighbourhood() -> None:
    g = nx.MultiDiGraph()
    g.add_nodes_from((f"o/r#{i}", {"crawled": True, "state": "open"}) for i in range(1, 400))
    with pytest.raises(UsageError, match="--around"):
        render_mermaid(g)


def test_cli_export_writes_the_neighbourhood(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Store(db) as store:
        save_dataset(store, DATASET)
    out = tmp_path / "n.json"
    result = CliRunner().invoke(app, ["export", "--db", str(db), "--format", "json", "--around",
                                      "https://github.com/acme/widgets/issues/2", "--depth", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    g = load_graph(out.read_text(), "json")
    assert sorted(g.nodes) == ["acme/widgets#1", "acme/widgets#2"]


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "svg"], "unknown format 'svg'"),
    (["--format", "json", "--around", "https://github.com/acme/widgets/pulls"], "not an issue or pull request page"),
    (["--format", "json", "--around", "acme/widgets#99"], "acme/widgets#99 is not in the store"),
], ids=["bad format", "not an issue page", "unknown issue"])
def test_cli_export_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    db = tmp_path / "s.db"
    with Store(db) as store:
        save_dataset(store, DATASET)
    result = CliRunner().invoke(app, ["export", "--db", str(db), "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_diagram_labels_drop_bidi_overrides_and_control_characters() -> None:
    from issuegraph.graph.export import short_label

    label = short_label("acme/widgets#1", {"title": "crash \u202egnp.exe\u202c on\x07 start", "state": "open",
                                           "crawled": True})
    assert label == "acme/widgets#1: crash gnp.exe on start (open)"
