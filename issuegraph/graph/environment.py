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
    facts: dict[str, str] = {}
    tokens = _MD.parse(text)
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
    order = list(ALIASES)
    return dict(sorted(facts.items(), key=lambda kv: order.index(kv[0])))
