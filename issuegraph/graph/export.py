"""Stage: graph → text. Input: the ``MultiDiGraph`` from ``build.py``; output: one string per format
(``render_*``), and ``load_graph`` to read our JSON/GraphML/GEXF back into the same graph.

- ``json``: networkx node-link data; lists and dicts stay as they are.
- ``graphml`` / ``gexf``: for Gephi, yEd, Cytoscape and networkx. These formats hold scalars only,
  so an attribute whose values are not all one scalar type (``labels`` lists, ``evidence`` dicts,
  a bool that is sometimes None) is written as a JSON string, and the graph-level attribute
  ``issuegraph_json`` lists those names; a None scalar is left out. ``load_graph`` undoes both, so a
  round trip gives back exactly what was written. GEXF reserves an edge's ``type`` for
  directed/undirected, so our ``type`` travels as ``relation`` there.
- ``mermaid`` / ``dot``: pictures of small neighbourhoods (``--around``). Labels are escaped for
  each syntax; the caller is told to narrow the graph when it is too big to draw.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import unescape as xml_unescape

import networkx as nx

from ..errors import UsageError

FORMATS = ("json", "graphml", "gexf", "mermaid", "dot")
DRAWABLE_MAX_NODES = 300  # GitHub stops rendering Mermaid well before this many edges
_JSON_ATTRS = "issuegraph_json"
_NAMES_ATTR = "issuegraph_attributes"
_GEXF_RENAMES = {"type": "relation"}


# --- node-link JSON ---------------------------------------------------------------------------
def render_json(graph: nx.MultiDiGraph) -> str:
    data = nx.node_link_data(graph, edges="edges")
    return json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


# --- GraphML / GEXF ---------------------------------------------------------------------------
def _scalar_type(values: list[Any]) -> type | None:
    """The one scalar type all non-None values share, or None when they must be JSON-encoded."""
    types = {type(v) for v in values if v is not None}
    if len(types) == 1 and next(iter(types)) in (str, int, float, bool):
        return next(iter(types))
    return None if types else str


def _flatten(graph: nx.MultiDiGraph, renames: dict[str, str]) -> nx.MultiDiGraph:
    """A copy whose attributes are all scalars (see module docstring)."""
    node_names = sorted({k for _, d in graph.nodes(data=True) for k in d})
    edge_names = sorted({k for _, _, d in graph.edges(data=True) for k in d})
    encoded = [f"node:{n}" for n in node_names if _scalar_type([d.get(n) for _, d in graph.nodes(data=True)]) is None]
    encoded += [f"edge:{n}" for n in edge_names
                if _scalar_type([d.get(n) for _, _, d in graph.edges(data=True)]) is None]
    enc = set(encoded)

    def clean(prefix: str, attrs: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for k, v in attrs.items():
            if f"{prefix}:{k}" in enc:
                out[renames.get(k, k)] = json.dumps(v, ensure_ascii=False, sort_keys=True)
            elif v is not None:
                out[renames.get(k, k)] = v
        return out

    flat = nx.MultiDiGraph()
    flat.graph[_JSON_ATTRS] = " ".join(encoded)
    flat.graph[_NAMES_ATTR] = json.dumps({"node": node_names, "edge": edge_names})
    for n, d in graph.nodes(data=True):
        flat.add_node(n, **clean("node", d))
    for u, v, k, d in graph.edges(keys=True, data=True):
        flat.add_edge(u, v, key=k, **clean("edge", d))
    return flat


def render_graphml(graph: nx.MultiDiGraph) -> str:
    buf = io.BytesIO()
    nx.write_graphml(_flatten(graph, {}), buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue().decode("utf-8")


def render_gexf(graph: nx.MultiDiGraph) -> str:
    buf = io.BytesIO()
    flat = _flatten(graph, _GEXF_RENAMES)
    for n in flat.nodes:
        flat.nodes[n]["label"] = n
    nx.write_gexf(flat, buf, encoding="utf-8", prettyprint=True)
    # GEXF has no graph attributes: our two travel in <meta><description>, which Gephi shows and
    # load_graph reads. networkx's <meta> carries today's date; replacing it keeps bytes stable.
    meta = json.dumps({k: flat.graph[k] for k in (_JSON_ATTRS, _NAMES_ATTR)}, sort_keys=True)
    text = buf.getvalue().decode("utf-8")
    return re.sub(r"<meta\b.*?</meta>", lambda _m: (
        "<meta>\n    <creator>issuegraph</creator>\n    <description>"
        + xml_escape(meta) + "</description>\n  </meta>"), text, count=1, flags=re.DOTALL)


def load_graph(text: str, fmt: str) -> nx.MultiDiGraph:
    """Read back what ``render_json/graphml/gexf`` wrote, as the graph it came from."""
    if fmt == "json":
        return nx.node_link_graph(json.loads(text), directed=True, multigraph=True, edges="edges")
    if fmt not in ("graphml", "gexf"):
        raise UsageError(f"cannot read {fmt}; only json, graphml and gexf are read back")
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    flat = reader(io.BytesIO(text.encode("utf-8")), **({"force_multigraph": True} if fmt == "graphml" else {}))
    renames = {} if fmt == "graphml" else {v: k for k, v in _GEXF_RENAMES.items()}
    meta = dict(flat.graph)
    if fmt == "gexf":
        m = re.search(r"<description>(.*?)</description>", text, re.DOTALL)
        meta = json.loads(xml_unescape(m.group(1))) if m else {}
    encoded = set(meta.get(_JSON_ATTRS, "").split())
    names = json.loads(meta.get(_NAMES_ATTR, '{"node": [], "edge": []}'))

    def restore(prefix: str, attrs: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name in names[prefix]:
            raw_name = next((r for r, orig in renames.items() if orig == name), name)
            if raw_name not in attrs:
                out[name] = None
            elif f"{prefix}:{name}" in encoded:
                out[name] = json.loads(attrs[raw_name])
            else:
                out[name] = attrs[raw_name]
        return out

    graph = nx.MultiDiGraph()
    for n, d in flat.nodes(data=True):
        graph.add_node(n, **restore("node", d))
    for u, v, k, d in flat.edges(keys=True, data=True):
        key = d.get("networkx_key", k) if fmt == "gexf" else k
        graph.add_edge(u, v, key=key, **restore("edge", d))
    return graph


# --- pictures ---------------------------------------------------------------------------------
_EDGE_LABEL = {"duplicate_of": "duplicate of", "closes": "closes", "connected": "linked",
               "mentions": "mentions", "cross_referenced": "cross-referenced"}


# Explicit bidi controls and other format/control characters: a title carrying U+202E could
# otherwise reverse the rest of a diagram's line when a viewer renders it.
_INVISIBLE_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def short_label(key: str, attrs: dict[str, Any], width: int = 48) -> str:
    """``owner/repo#N: title`` cut to ``width`` characters, plus state; no newlines, no bidi
    or control characters."""
    title = " ".join(_INVISIBLE_CONTROLS.sub("", str(attrs.get("title") or "")).split())
    if len(title) > width:
        title = title[: width - 1].rstrip() + "…"
    state = node_state(attrs)
    return f"{key}: {title} ({state})" if title else f"{key} ({state})"


def node_state(attrs: dict[str, Any]) -> str:
    """open | closed | merged | closed unmerged | unknown (not crawled)."""
    if not attrs.get("crawled") and attrs.get("state") is None:
        return "not crawled"
    if attrs.get("kind") == "pull_request" and attrs.get("state") == "closed":
        return "merged" if attrs.get("merged") else "closed unmerged"
    if attrs.get("state") == "closed" and attrs.get("state_reason") in ("duplicate", "not_planned"):
        return f"closed as {str(attrs['state_reason']).replace('_', ' ')}"
    return str(attrs.get("state") or "unknown")


def _mermaid_text(text: str) -> str:
    """Mermaid entity codes for everything its parser could take as syntax; ``#`` first, since
    ``#N;`` is itself entity syntax."""
    out = text.replace("#", "#35;")
    for ch, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"), ("|", "#124;")):
        out = out.replace(ch, code)
    return out


def render_mermaid(graph: nx.MultiDiGraph, highlight: str | None = None) -> str:
    """A ``flowchart LR`` of the graph (without the fence). Node ids are ``n0…`` in graph order,
    so the text is stable; ``highlight`` gets a thick border."""
    _check_drawable(graph, "mermaid")
    ids = {n: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for n, d in graph.nodes(data=True):
        lines.append(f'  {ids[n]}["{_mermaid_text(short_label(n, d))}"]')
    for u, v, k in graph.edges(keys=True):
        arrow = "-.->" if k in ("mentions", "cross_referenced") else "==>" if k == "duplicate_of" else "-->"
        lines.append(f"  {ids[u]} {arrow}|{_mermaid_text(_EDGE_LABEL.get(k, k))}| {ids[v]}")
    classes = {"open": [], "closed": [], "merged": [], "stub": []}
    for n, d in graph.nodes(data=True):
        state = node_state(d)
        cls = "stub" if state == "not crawled" else "merged" if state == "merged" else \
            "open" if state == "open" else "closed"
        classes[cls].append(ids[n])
    styles = {"open": "fill:#dafbe1,stroke:#1a7f37", "closed": "fill:#eaeef2,stroke:#57606a",
              "merged": "fill:#fbefff,stroke:#8250df", "stub": "fill:#ffffff,stroke:#8c959f,stroke-dasharray:3 3"}
    for cls, members in classes.items():
        if members:
            lines.append(f"  classDef {cls} {styles[cls]}")
            lines.append(f"  class {','.join(members)} {cls}")
    if highlight in ids:
        lines.append(f"  style {ids[highlight]} stroke-width:3px")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "") + '"'


def render_dot(graph: nx.MultiDiGraph, highlight: str | None = None) -> str:
    """Graphviz DOT: ``dot -Tsvg graph.dot > graph.svg``."""
    _check_drawable(graph, "dot")
    lines = ["digraph issuegraph {", "  rankdir=LR;", '  node [shape=box, style="rounded"];']
    for n, d in graph.nodes(data=True):
        attrs = [f"label={_dot_quote(short_label(n, d))}"]
        if d.get("url"):
            attrs.append(f"URL={_dot_quote(str(d['url']))}")
        if not d.get("crawled"):
            attrs.append('style="rounded,dashed"')
        if n == highlight:
            attrs.append("penwidth=3")
        lines.append(f"  {_dot_quote(n)} [{', '.join(attrs)}];")
    for u, v, k in graph.edges(keys=True):
        style = ', style="dashed"' if k in ("mentions", "cross_referenced") else ""
        lines.append(f"  {_dot_quote(u)} -> {_dot_quote(v)} [label={_dot_quote(_EDGE_LABEL.get(k, k))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _check_drawable(graph: nx.MultiDiGraph, fmt: str) -> None:
    if graph.number_of_nodes() > DRAWABLE_MAX_NODES:
        raise UsageError(
            f"{graph.number_of_nodes()} nodes is too many to draw as {fmt} (limit {DRAWABLE_MAX_NODES}); "
            "pick a neighbourhood with --around URL --depth N, or export json/graphml"
        )


def render_graph(graph: nx.MultiDiGraph, fmt: str, highlight: str | None = None) -> str:
    """The graph in ``fmt`` (one of ``FORMATS``)."""
    if fmt == "json":
        return render_json(graph)
    if fmt == "graphml":
        return render_graphml(graph)
    if fmt == "gexf":
        return render_gexf(graph)
    if fmt == "mermaid":
        return render_mermaid(graph, highlight)
    if fmt == "dot":
        return render_dot(graph, highlight)
    raise UsageError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
