"""Render report data as GitHub-flavoured Markdown: ``render_cluster_report``, ``render_index``,
``render_readme``, ``render_moved_stub`` → str.

Stage: reports, step 2 of 3 (``context`` → markdown → ``write``). Pure functions: the same
``ClusterReport`` always gives the same bytes, and nothing here reads the clock, so a nightly rerun
over an unchanged store rewrites nothing.

Text copied from issues is untrusted; how it is made safe, in one place (``inline`` and ``fence``):

* **Tables and headings.** Newlines and tabs become spaces, ``|`` and every character Markdown
  gives meaning to inline (`` \\ ` * _ [ ] # ~ $ ``) are backslash-escaped, ``& < >`` become
  entities, so a title can neither break a table row nor inject raw HTML, links or math.
* **Mentions and issue links.** GitHub turns ``@user`` into a notification and ``#123`` /
  ``GH-123`` into a cross-reference where its autolinker runs (issues, PRs, comments, and anything a
  maintainer pastes there from these reports). We insert U+2060 WORD JOINER after ``@``, after ``#``
  and after ``GH-`` when a name or number follows: invisible when read, but no longer a mention or
  a reference. Text inside code fences (traces, signatures) is left verbatim: GitHub never
  autolinks code. Links *we* make (member numbers) are ordinary links.
* **Right-to-left text.** Explicit bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/F) are
  dropped from copied text, and any text that contains right-to-left letters is wrapped in
  U+2068 FIRST STRONG ISOLATE … U+2069 POP DIRECTIONAL ISOLATE, so it cannot reorder the table
  around it.
* **Code fences.** Traces are fenced verbatim with a backtick fence one longer than the longest
  backtick run inside (at least three), so no pasted fence can close ours.
* **Mermaid.** Node ids are generated (``n0``, ``n1`` …); labels keep ``[A-Za-z0-9 ,.:_/-]`` and
  write every other character as a Mermaid entity (``#35;``), so no title can inject syntax.
* **Front matter** is data for docs sites, written with PyYAML's safe dumper (fixed key order, no
  line wrapping, non-ASCII escaped) from cleaned one-line strings; values are kept as stated (no
  word joiners), since YAML is not rendered as prose.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence

import yaml

from .context import GENERATOR, ClusterReport, Gone, IndexReport, LinkedPR, Member, iso_week

WJ = "\u2060"
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_WS = re.compile(r"\s+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~$])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_HASHREF = re.compile(r"#(?=\d)")
_GHREF = re.compile(r"(?i)\b(GH-)(?=\d)")
_BACKTICKS = re.compile(r"`+")
_MAX_CELL = 200
_PLAIN = re.compile(r"[A-Za-z0-9 ,.:;()'/+=-]*")


# Blocks whose letters are right-to-left (Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic,
# their presentation forms, and the RTL ranges of the supplementary planes); checked by a regex first
# because it runs over every cell of every page.
_RTL_BLOCKS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")


def _has_rtl(text: str) -> bool:
    return bool(_RTL_BLOCKS.search(text)) and any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def clean_text(text: str) -> str:
    """One line, no control or bidi-override characters: safe for YAML values and as a base for
    ``inline``."""
    text = _BIDI_CONTROLS.sub("", text or "")
    text = _CONTROL.sub(" ", text)
    return _WS.sub(" ", text).strip()


def neutralise_refs(text: str) -> str:
    """Stop ``@user``, ``#123`` and ``GH-123`` from pinging or linking (see the module docstring)."""
    text = _MENTION.sub("@" + WJ, text)
    text = _HASHREF.sub("#" + WJ, text)
    return _GHREF.sub(lambda m: m.group(1) + WJ, text)


def inline(text: str | None, limit: int = _MAX_CELL) -> str:
    """Untrusted text as one safe line of inline Markdown (a table cell, a heading, a list item)."""
    if (text and len(text) <= limit and _PLAIN.fullmatch(text) and "  " not in text and text == text.strip()
            and not _GHREF.search(text)):
        return text  # nothing to escape: the common case, kept fast
    text = clean_text(text or "")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = neutralise_refs(text)
    if _has_rtl(text):
        text = "\u2068" + text + "\u2069"
    return text


def fence(text: str, info: str = "text") -> str:
    """A fenced code block that no backtick run inside ``text`` can close."""
    body = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    longest = max((len(m.group(0)) for m in _BACKTICKS.finditer(body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{body}\n{ticks}"


# libyaml's safe dumper when PyYAML has it (PyPI wheels do): ten times faster than the pure-Python one,
# which is most of the time a 10,000-page archive takes. With ``allow_unicode=False`` both emit the same
# bytes (non-ASCII as \u escapes; a test checks it), so the archive does not churn between machines.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def front_matter(data: dict[str, object]) -> str:
    dumped = _dump_simple(data)
    if dumped is None:
        dumped = yaml.dump(data, Dumper=_YAML_DUMPER, sort_keys=False, allow_unicode=False, width=10**9,
                           default_flow_style=False)
    return f"---\n{dumped}---"


# Front matter is a flat mapping of ASCII strings, ints, None, bools and lists of those; for that
# shape the emitter's choices are few, so we make them here (a tenth of the time PyYAML's representer
# takes) and hand anything else to PyYAML. ``tests/reports/test_front_matter.py`` checks with
# hypothesis that both give the same bytes. The rules are PyYAML's (``Emitter.analyze_scalar`` and
# ``choose_scalar_style``): a string is plain unless an implicit resolver would read it as another type
# or an indicator makes it ambiguous; otherwise single-quoted (printable ASCII always can be).
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_PRINTABLE_ASCII = re.compile(r"[ -~]*")
_BLOCK_INDICATOR = re.compile(r"[#,\[\]{}&*!|>'\"%@`]|[?:-](?: |$)|---|\.\.\.|.*(?:: |:$| #)| |.* $")


@functools.lru_cache(maxsize=4096)  # keys, repo, generator, versions: the same few strings on every page
def _yaml_str(s: str) -> str | None:
    if not _PRINTABLE_ASCII.fullmatch(s):
        return None  # non-ASCII and control characters: escaped, double-quoted; PyYAML's business
    if s and not _BLOCK_INDICATOR.match(s) and not any(rx.match(s) for _, rx in _IMPLICIT.get(s[0], ())):
        return s
    return "'" + s.replace("'", "''") + "'"


def _yaml_scalar(v: object) -> str | None:
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    if type(v) is int:
        return str(v)
    if type(v) is str:
        return _yaml_str(v)
    return None


def _dump_simple(data: dict[str, object]) -> str | None:
    """``data`` as PyYAML's block-style safe dump would write it, or None if it is not the simple shape."""
    if not data or None in _IMPLICIT:
        return None
    out = []
    for key, value in data.items():
        if type(key) is not str or _yaml_str(key) != key:
            return None
        if type(value) is list:
            if not value:
                out.append(f"{key}: []\n")
                continue
            out.append(f"{key}:\n")
            for item in value:
                text = _yaml_scalar(item)
                if text is None:
                    return None
                out.append(f"- {text}\n")
            continue
        text = _yaml_scalar(value)
        if text is None:
            return None
        out.append(f"{key}: {text}\n")
    return "".join(out)


def table(header: Sequence[str], rows: Iterable[Sequence[str]], align: Sequence[str] | None = None) -> str:
    """A GFM table; cells must already be safe (``inline`` or our own text)."""
    align = align or ["l"] * len(header)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _ref_text(key: str, repo: str) -> str:
    """``#12`` inside the cluster's repository, ``owner/repo#12`` outside it."""
    r, _, n = key.rpartition("#")
    return f"#{n}" if r == repo else key


def _link(text: str, url: str) -> str:
    return f"[{text}]({url.replace(' ', '%20').replace(')', '%29')})"


def _state(m: Member) -> str:
    if m.state == "closed" and m.state_reason and m.state_reason != "completed":
        return f"closed ({m.state_reason.replace('_', ' ')})"
    if m.state == "closed":
        return "closed (completed)" if m.state_reason == "completed" else "closed"
    return m.state


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def summary_line(c: ClusterReport) -> str:
    seen = (f"first seen {c.first_seen}, last seen {c.last_seen}" if c.first_seen != c.last_seen
            else f"seen {c.first_seen}")
    return (f"{_plural(len(c.members), 'report')} by {_plural(c.authors, 'author')}, {seen}; "
            f"{c.open_count} open, {c.closed_count} closed.")


# -- cluster report ----------------------------------------------------------------------------

def cluster_front_matter(c: ClusterReport) -> dict[str, object]:
    return {
        "title": clean_text(c.title),
        "cluster": c.id,
        "repo": c.repo,
        "canonical": c.canonical,
        "members": [m.number if m.repo == c.repo else m.key for m in c.members],
        "signature": clean_text(c.signature) if c.signature else None,
        "first_seen": c.first_seen or None,
        "last_seen": c.last_seen or None,
        "open": c.open_count,
        "closed": c.closed_count,
        "fix": c.fix.key if c.fix else None,
        "rules_version": c.rules_version,
        "generator": GENERATOR,
    }


def _members_section(c: ClusterReport) -> str:
    rows = []
    for m in c.members:
        num = _link(_ref_text(m.key, c.repo), m.url) + (" (canonical)" if m.canonical else "")
        rows.append([num, inline(m.title) or "_not crawled_", _state(m), m.created_at[:10], str(m.comments),
                     str(m.reactions), inline(m.version, 40) or "–", inline(m.platform, 40) or "–"])
    return table(["issue", "title", "state", "opened", "comments", "reactions", "version", "platform"], rows,
                 ["l", "l", "l", "l", "r", "r", "l", "l"])


def _environment_section(c: ClusterReport) -> str:
    if not c.versions:
        return "None of the reports states a version or platform."
    header = ["version \\\\ platform"] + [inline(p, 40) for p in c.platforms]
    rows = [[inline(v, 40)] + [str(n) if n else "·" for n in row] for v, row in zip(c.versions, c.matrix, strict=True)]
    return ("Reports per version and platform, as the issues state them.\n\n"
            + table(header, rows, ["l"] + ["r"] * len(c.platforms)))


def _pr_row(p: LinkedPR, repo: str) -> list[str]:
    state = "merged (the fix)" if p.is_fix else p.state
    closes = neutralise_refs(", ".join(_ref_text(k, repo) for k in p.closes)) or "–"
    return [_link(_ref_text(p.key, repo), p.url), inline(p.title), state, p.relation.replace("_", " "), closes]


def _prs_section(c: ClusterReport) -> str:
    if not c.prs:
        return "No pull request references these reports."
    return table(["pull request", "title", "state", "link", "closes"], [_pr_row(p, c.repo) for p in c.prs])


def _hints_section(c: ClusterReport) -> str:
    lines = []
    for key, hint in c.hints:
        label = _ref_text(key, c.repo) + (" (canonical)" if key == c.canonical else "")
        member = next(m for m in c.members if m.key == key)
        lines.append(f"- {_link(label, member.url)}: {inline(hint, 600) or 'no hint recorded'}")
    return "\n".join(lines)


def _background_section(c: ClusterReport) -> str:
    parts = ["These errors also appear in many unrelated reports, so they were ignored when grouping:"]
    for b in c.background:
        carried = neutralise_refs(", ".join(_ref_text(k, c.repo) for k in b.members))
        parts.append(fence(b.signature))
        notes = ([f"Carried by {carried}."] if carried else []) + ([f"Why ignored: {inline(b.why, 300)}."] if b.why else [])
        if notes:
            parts.append(" ".join(notes))
    return "\n\n".join(parts)


def _traces_section(c: ClusterReport) -> str:
    parts = []
    if c.signature:
        parts.append("Normalised signature:\n\n" + fence(c.signature))
    for t in c.traces:
        src = next((m for m in c.members if m.key == t.source), None)
        where = _link(_ref_text(t.source, c.repo), src.url) if src else t.source
        note = ""
        if t.truncated:
            note = f"\n\n_Shortened: {_plural(t.omitted_lines, 'more line')} in the original._" if t.omitted_lines \
                else "\n\n_Shortened: the original line is longer._"
        parts.append(f"Representative trace ({inline(t.runtime, 40)}), from {where}:\n\n{fence(t.raw)}{note}")
    if not parts:
        return "No error signature: these reports were grouped on explicit evidence (see below)."
    return "\n\n".join(parts)


_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 ,.:_/\-]")


def mermaid_label(text: str) -> str:
    return _MERMAID_UNSAFE.sub(lambda m: f"#{ord(m.group())};", text)


def _mermaid(c: ClusterReport) -> str:
    ids = {n.key: f"n{i}" for i, n in enumerate(c.nodes)}
    lines = ["graph LR"]
    for n in c.nodes:
        title = clean_text(n.title)
        title = title if len(title) <= 40 else title[:39].rstrip() + "…"
        label = mermaid_label(_ref_text(n.key, c.repo) + (f" {title}" if title else ""))
        shape = f'(["{label}"])' if n.kind == "pull_request" else f'["{label}"]'
        lines.append(f"  {ids[n.key]}{shape}")
    arrows = {"duplicate_of": "-.->", "closes": "==>"}
    for e in c.edges:
        lines.append(f"  {ids[e.source]} {arrows.get(e.kind, '-->')}|{e.kind.replace('_', ' ')}| {ids[e.target]}")
    lines += [
        "  classDef member stroke-width:3px",
        "  classDef open fill:#dafbe1,stroke:#1a7f37",
        "  classDef closed fill:#f6f8fa,stroke:#57606a",
        "  classDef merged fill:#fbefff,stroke:#8250df",
    ]
    for state in ("open", "closed", "merged"):
        members = [ids[n.key] for n in c.nodes if n.state == state]
        if members:
            lines.append(f"  class {','.join(members)} {state}")
    mem = [ids[n.key] for n in c.nodes if n.member]
    if mem:
        lines.append(f"  class {','.join(mem)} member")
    return fence("\n".join(lines), "mermaid")


def _timeline(c: ClusterReport) -> str:
    if not c.weeks:
        return "No dates recorded."
    peak = max(n for _, n in c.weeks)
    rows = [[w, str(n), "█" * max(1, round(20 * n / peak)) if n else ""] for w, n in c.weeks]
    return table(["week", "reports", ""], rows, ["l", "r", "l"])


def render_cluster_report(c: ClusterReport) -> str:
    """One cluster's archive page."""
    sections = [
        front_matter(cluster_front_matter(c)),
        f"# {inline(c.title, 160)}",
        summary_line(c),
        "## Signature\n\n" + _traces_section(c),
        "## Reports\n\n" + _members_section(c),
        "## Environment\n\n" + _environment_section(c),
        "## Linked pull requests\n\n" + _prs_section(c),
        "## Why these are together\n\n" + _hints_section(c),
    ]
    if c.background:
        sections.append("## Ignored background errors\n\n" + _background_section(c))
    if c.nodes:
        sections.append("## References\n\n" + _mermaid(c))
    sections.append("## Reports per week\n\n" + _timeline(c))
    sections.append(f"[All clusters](../index.md) · generated by {GENERATOR}, rules {inline(c.rules_version, 60)}")
    return "\n\n".join(sections) + "\n"


# -- index, readme, stubs ----------------------------------------------------------------------

def _cluster_link(c: ClusterReport) -> str:
    return _link(inline(c.title, 100), f"clusters/{c.file_name}")


def _index_rows(index: IndexReport) -> list[list[str]]:
    rows = []
    for rank, c in enumerate(index.clusters, 1):
        fix = _link(_ref_text(c.fix.key, c.repo), c.fix.url) if c.fix else "–"
        canonical = next(m for m in c.members if m.canonical)
        rows.append([str(rank), _cluster_link(c), _link(_ref_text(c.canonical, c.repo), canonical.url),
                     str(len(c.members)), str(c.open_count), str(c.closed_count), c.last_seen or "–", fix])
    return rows


def _changes(index: IndexReport) -> str:
    if not index.has_previous:
        return "This is the first clustering stored for this repository: every cluster is new."
    lines = []
    for ch in index.changes:
        if ch.kind == "new":
            lines.append(f"- new: {_cluster_link(ch.cluster)} ({_plural(len(ch.cluster.members), 'report')})")
        else:
            lines.append(f"- grown: {_cluster_link(ch.cluster)} ({ch.before} → {len(ch.cluster.members)} reports)")
    for g in index.gone:
        where = ", ".join(_link(inline(cid, 80), f"clusters/{f}") for cid, f in g.now_in) or "no cluster (all single reports now)"
        lines.append(f"- merged or split: {inline(g.id, 80)} → {where}")
    return "\n".join(lines) if lines else "Nothing new since the previous run."


def render_index(index: IndexReport) -> str:
    """The archive's front page: clusters ranked by open reports and recency."""
    covered = sum(len(c.members) for c in index.clusters)
    head = front_matter({"title": f"Duplicate clusters: {index.repo}", "repo": index.repo,
                         "clusters": len(index.clusters), "rules_version": index.rules_version,
                         "generator": GENERATOR})
    intro = (f"{_plural(len(index.clusters), 'cluster')} of two or more reports, covering "
             f"{covered} of {index.issue_count} issues in {_link(inline(index.repo), 'https://github.com/' + index.repo)}. "
             "Ranked by open reports, then by the most recent report.")
    body = table(["#", "cluster", "canonical", "reports", "open", "closed", "last seen", "fix"], _index_rows(index),
                 ["r", "l", "l", "r", "r", "r", "l", "l"]) if index.clusters else "No clusters of two or more reports."
    return "\n\n".join([
        head,
        f"# Duplicate clusters: {inline(index.repo)}",
        intro,
        "## New since the last run\n\n" + _changes(index),
        "## Clusters\n\n" + body,
        f"Generated by {GENERATOR}, rules {inline(index.rules_version, 60)}.",
    ]) + "\n"


def render_readme(index: IndexReport) -> str:
    """``README.md`` for GitHub's folder view: the same page as ``index.md``."""
    return render_index(index)


def render_moved_stub(old_id: str, members: Sequence[str], now_in: Sequence[tuple[str, str]], repo: str) -> str:
    """What stays at a cluster's old address after it merged into or split across other clusters."""
    fm = front_matter({"title": f"Cluster {clean_text(old_id)} moved", "cluster": old_id, "moved": True,
                       "members": list(members), "now_in": [cid for cid, _ in now_in], "generator": GENERATOR})
    targets = "\n".join(f"- {_link(inline(cid, 80), f)}" for cid, f in now_in)
    refs = neutralise_refs(", ".join(_ref_text(k, repo) for k in members))
    return (f"{fm}\n\n# Cluster {inline(old_id, 80)} has moved\n\n"
            f"Its reports ({refs}) now belong to:\n\n{targets}\n\n[All clusters](../index.md)\n")


__all__ = [
    "render_cluster_report", "render_index", "render_readme", "render_moved_stub", "inline", "fence",
    "neutralise_refs", "clean_text", "mermaid_label", "summary_line", "iso_week", "Gone",
]
