"""Stage: environment facts stated in an issue's text. Input: one Markdown text; output: an ordered
``dict`` of canonical fact name → value as written (``{"Version": "2.0.32", "Platform": "darwin"}``).

Only what the reporter wrote, never a guess: a fact is read from a ``Key: value`` line (bullets,
bold keys, ``/doctor``-style output inside code), a two-column table row, an issue-form heading
followed by its answer (``### Claude Code Version`` / ``2.0.32``), or a ``tool --version`` command
followed by its output. Keys go through ``ALIASES`` so "OS", "Operating System" and "OS version"
are one fact; keys not listed there (Feedback ID, Steps…) are ignored. The first statement of a fact
wins, since bodies put the environment before the noise.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

# canonical name → the spellings seen in bug templates (lower case, no trailing colon)
ALIASES: dict[str, tuple[str, ...]] = {
    "Version": ("version", "claude code version", "app version", "cli version", "package version",
                "extension version", "plugin version", "release", "build version"),
    "Platform": ("platform",),
    "OS": ("os", "operating system", "os version", "system", "os/version", "operating system version"),
    "Terminal": ("terminal", "terminal app", "terminal emulator", "terminal/shell", "terminal application"),
    "Shell": ("shell",),
    "Node.js": ("node", "node version", "node.js", "node.js version", "nodejs", "nodejs version"),
    "Python": ("python", "python version"),
    "Architecture": ("arch", "architecture", "cpu architecture"),
    "IDE": ("ide", "editor", "ide version", "editor version"),
    "Browser": ("browser", "browser version"),
    "Model": ("model", "model used"),
}
_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
# `tool --version` → which fact its output states
_VERSION_TOOLS = {"node": "Node.js", "python": "Python", "python3": "Python"}

# Block structure only: facts are read from block tokens' ``content`` (inline text as written), never
# from inline children, so the inline pass (a third of the parse time) is switched off.
_MD = MarkdownIt("commonmark").enable(["table"]).disable(["inline", "text_join"])
_KEY_VALUE_RE = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*([A-Za-z][A-Za-z0-9 ./()-]{0,40}?)\s*"
                           r"(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.+?)\s*$")
_VERSION_CMD_RE = re.compile(r"(?:^|[\s$>])([A-Za-z][\w.-]*)\s+(?:--version|-v|-V|version)\s*$")
_VERSION_VALUE_RE = re.compile(r"^\s*v?\d+(?:\.\d+)+\S*(?:\s.{0,40})?$")
_EMPTY = {"", "-", "n/a", "na", "none", "_no response_", "no response", "unknown", "?"}
MAX_VALUE = 120


def _clean(value: str) -> str:
    value = re.sub(r"[`*_]{1,3}(.+?)[`*_]{1,3}", r"\1", value.strip())
    value = value.strip(" `*_")
    return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"


def _canonical(key: str) -> str | None:
    return _BY_ALIAS.get(re.sub(r"\s+", " ", key.strip(" *_`:").lower()))


def _put(facts: dict[str, str], name: str | None, value: str) -> None:
    if name is None or name in facts:
        return
    value = _clean(value)
    if value.lower() not in _EMPTY:
        facts[name] = value


def _scan_lines(facts: dict[str, str], text: str) -> None:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        # each regex only where it can match: a key needs its colon, a command line (stripped) ends
        # in its version flag; most lines are neither, and the unanchored command search is slow
        m = _KEY_VALUE_RE.match(line) if ":" in line else None
        if m and not m.group(2).startswith("//"):  # "http://…" is not "http: value"
            _put(facts, _canonical(m.group(1)), m.group(2))
        stripped = line.strip()
        cmd = _VERSION_CMD_RE.search(stripped) if stripped.endswith(("version", "-v", "-V")) else None
        if cmd and i + 1 < len(lines) and _VERSION_VALUE_RE.match(lines[i + 1]):
            tool = cmd.group(1).lower()
            _put(facts, _VERSION_TOOLS.get(tool, "Version"), lines[i + 1])


def extract_environment(text: str | None) -> dict[str, str]:
    """Environment facts the text states, in ``ALIASES`` order (see the module docstring)."""
    if not text:
        return {}
    blocks = _simple_blocks(text)
    facts: dict[str, str] = {}
    if blocks is None:
        _facts_from_tokens(facts, _MD.parse(text))
    else:
        _facts_from_blocks(facts, blocks)
    order = list(ALIASES)
    return dict(sorted(facts.items(), key=lambda kv: order.index(kv[0])))


def _facts_from_tokens(facts: dict[str, str], tokens: list) -> None:
    row: list[str] = []
    answer_for: str | None = None  # an issue-form heading waiting for its answer block
    for i, tok in enumerate(tokens):
        parent = tokens[i - 1].type if i else ""
        if tok.type == "inline" and parent == "heading_open":
            answer_for = _canonical(tok.content)
            continue
        if tok.type == "inline" and parent in ("th_open", "td_open"):
            row.append(tok.content)
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and len(row) >= 2:
            _put(facts, _canonical(row[0]), row[1])
        elif tok.type in ("inline", "fence", "code_block"):
            if answer_for and tok.content.strip():
                _put(facts, answer_for, tok.content.strip().splitlines()[0])
            _scan_lines(facts, tok.content)
        if tok.type in ("inline", "fence", "code_block", "table_open", "bullet_list_open", "ordered_list_open"):
            answer_for = None


# -- the fast path ---------------------------------------------------------------------------------
# Most bodies are paragraphs, flat ``-`` lists, ATX headings and fenced code at the left margin. For
# those, the blocks markdown-it would produce (and so the facts) follow from the lines alone, about
# twenty times faster than a parse. Anything else (indented lines, tabs, tables, quotes, HTML,
# ordered lists, thematic breaks, setext headings, link definitions…) takes the markdown-it path, so
# the fast path only has to be right for what it accepts; ``benchmarks/check_equivalence.py`` and
# ``tests/test_environment.py`` compare the two on every text they hold.
_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})(.*)")
_HEADING = re.compile(r"(#{1,6})(?:[ \t].*)?$")
_BULLET = re.compile(r"[-*+]( {1,4})(\S.*)")
_NOT_PLAIN = re.compile(r"[ \t>|<\[=]|[-*+](?:[ \t]|$)|[-*_](?:[ \t]*[-*_]){2,}[ \t]*$|-+[ \t]*$|\d{1,9}[.)](?:[ \t]|$)|#{1,6}(?:[ \t]|$)|```|~~~")
_HR = re.compile(r"([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_ODD = re.compile("[\x00\t|\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_NEWLINES = re.compile(r"\r\n?")


def _simple_blocks(text: str) -> list[tuple[str, str]] | None:
    """``(kind, content)`` blocks in document order (``heading``, ``para``, ``item``, ``fence``), or
    None when the text holds anything the fast path does not model."""
    if "\x00" in text:
        return None
    lines = _NEWLINES.sub("\n", text).split("\n")
    if lines[-1] == "":  # a final line break ends the last line; it does not start another
        lines.pop()
    blocks: list[tuple[str, str]] = []
    para: list[str] | None = None  # the open paragraph (or list item's paragraph): lazy lines join it
    kind = "para"
    i, n = 0, len(lines)

    def close() -> None:
        nonlocal para
        if para is not None:
            blocks.append((kind, "\n".join(para).strip()))
            para = None

    while i < n:
        line = lines[i]
        i += 1
        if not line.strip(" \t"):
            close()
            continue
        fm = _FENCE_OPEN.match(line)
        if fm:
            marker, info = fm.group(1), fm.group(2)
            if marker[0] == "`" and "`" in info:
                return None
            close()
            closer = re.compile(" {0,3}" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}[ \t]*$")
            body: list[str] = []
            while i < n and not closer.match(lines[i]):
                body.append(lines[i])
                i += 1
            i += 1  # the closing line (or past the end: an unclosed fence runs to the end)
            blocks.append(("fence", "".join(b + "\n" for b in body)))
            continue
        if _ODD.search(line):
            return None
        hm = _HEADING.match(line)
        if hm:
            close()
            rest = line[len(hm.group(1)):].rstrip(" \t")
            cut = rest.rstrip("#")
            if cut and cut[-1] in " \t":
                rest = cut
            blocks.append(("heading", rest.strip()))
            continue
        bm = _BULLET.match(line)
        if bm:
            content = bm.group(2)
            if _NOT_PLAIN.match(content):
                return None
            close()
            para, kind = [content], "item"
            continue
        if _NOT_PLAIN.match(line) or _HR.match(line):
            return None
        if para is None:
            para, kind = [line], "para"
        else:
            para.append(line)
    close()
    return blocks


def _facts_from_blocks(facts: dict[str, str], blocks: list[tuple[str, str]]) -> None:
    answer_for: str | None = None
    for kind, content in blocks:
        if kind == "heading":
            answer_for = _canonical(content)
            continue
        if kind == "item":  # its list opened (or the previous item's text ran) since any heading
            answer_for = None
        if answer_for and content.strip():
            _put(facts, answer_for, content.strip().splitlines()[0])
        _scan_lines(facts, content)
        answer_for = None
