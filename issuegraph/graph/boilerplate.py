"""Issue-template boilerplate, learned per repository, so only what reporters wrote feeds text scores.

Stage: issue texts of one or more repositories → ``Boilerplate`` (which lines of each repository are
template) → ``strip`` (a text without them). Pure, no I/O; the clusterer uses it for its *text*
vectors only (error extraction reads the full text).

Why: issue forms put the same headings, checklist items and ``label: value`` keys into every report
(``### Preflight Checklist``, ``- [x] I have searched existing issues``, ``**Environment Info**``,
``Feedback ID: …``). Two reports filed through the same form then look alike in text even when they
share nothing else: the GitHub analogue of background errors (dedupe research note §3,
microsoft-ui-xaml's templated-epic false positives). Nothing here is a list of known templates: a
line is boilerplate when it has template *shape* (heading, checklist item, bold or HTML line, table
row, ``label:`` key) and many of the repository's issues carry it. Shape is required because in a
small corpus the lines a real cluster shares (its stack trace, its error line) are frequent too.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_ISSUES = 3  # a line in fewer issues than this is never boilerplate
MIN_SHARE = 0.08  # ... nor one in fewer than this share of the repository's issues

_FENCE = re.compile(r"^\s*(```|~~~)")
_CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+\.)\s*\[[ xX]?\]\s*")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")
_SHAPED = re.compile(
    r"^(?:#{1,6}\s"  # heading
    r"|\*\*[^*]+\*\*:?$|__[^_]+__:?$"  # a bold line ("**Environment Info**")
    r"|</?[a-z][^>]*>"  # an HTML line (<details>, <summary>System Info</summary>)
    r"|\|.*\|$"  # a table row
    r"|\[[ x]?\]\s)"  # a checklist item (bullet already removed)
)
# ``Label: value`` / ``**Label**: value`` / ``- Label: value``: the label is form, the value is content
_LABEL = re.compile(r"^(?:\*\*|__)?([a-z][a-z0-9 ._()/-]{0,40}?)(?:\*\*|__)?\s*:(?:\*\*|__)?(?:\s+(.*))?$")
# an error line (``ImportError: …``, ``panic: …``) has the label shape too, but its label is content
_ERROR_LABEL = re.compile(r"error|exception|warning|fault|panic|fatal|traceback|caused by|npm err")
_MAYBE_SHAPED = re.compile(r"\s*[-*+#_<|\[\d]")
_DIGITS = re.compile(r"\d+")
_WS = re.compile(r"\s+")


def _shape(line: str) -> str:
    """The line's comparable form: lowercased, digits as 0, checklist state dropped, bullets off."""
    s = line.strip().lower()
    if _CHECKBOX.match(s):
        s = "[ ] " + _CHECKBOX.sub("", s)
    else:
        s = _BULLET.sub("", s)
    return _WS.sub(" ", _DIGITS.sub("0", s)).strip()


def _candidates(shape: str) -> Iterable[str]:
    """The boilerplate candidates one prose line offers: the whole line if it has template shape,
    its label if it is a ``label: value`` line."""
    if _SHAPED.match(shape):
        yield "line:" + shape
    m = _LABEL.match(shape)
    if m and len(m.group(1).split()) <= 5 and not _ERROR_LABEL.search(m.group(1)):
        yield "label:" + m.group(1).strip()


def _prose_lines(text: str) -> Iterable[tuple[bool, str]]:
    """(inside a code fence?, line) for each line of a Markdown text."""
    fenced = False
    for line in (text or "").splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        yield fenced, line


@dataclass(frozen=True)
class Boilerplate:
    """Per repository: template line shapes and template labels."""

    lines: dict[str, frozenset[str]] = field(default_factory=dict)

    def strip(self, repo: str, text: str, code_weight: int = 1) -> str:
        """``text`` without its repository's boilerplate lines (a template label is cut, its value
        kept). Lines inside code fences are kept ``code_weight`` times (0 drops them)."""
        known = self.lines.get(repo, frozenset())
        if not known and code_weight == 1:
            return text or ""
        out: list[str] = []
        for fenced, line in _prose_lines(text):
            if fenced:
                out.extend([line] * code_weight)
                continue
            if ":" not in line and not _MAYBE_SHAPED.match(line):
                out.append(line)  # neither template shape nor a label: cheap exit for most prose
                continue
            shape = _shape(line)
            if not shape:
                continue
            if known and "line:" + shape in known:
                continue
            m = _LABEL.match(shape)
            if known and m and "label:" + m.group(1).strip() in known and not _ERROR_LABEL.search(m.group(1)):
                out.append(line.split(":", 1)[1].strip(" *_") if m.group(2) else "")
                continue
            out.append(line)
        return "\n".join(out)


def learn_boilerplate(texts: Iterable[tuple[str, str]]) -> Boilerplate:
    """``texts``: (repository, issue body) pairs, one per issue. A candidate (shaped line or
    label) is boilerplate in a repository when at least ``MIN_ISSUES`` issues and ``MIN_SHARE`` of
    them carry it."""
    df: dict[str, Counter[str]] = defaultdict(Counter)
    n: Counter[str] = Counter()
    for repo, text in texts:
        n[repo] += 1
        seen = {c for fenced, line in _prose_lines(text) if not fenced for c in _candidates(_shape(line))}
        df[repo].update(seen)
    out = {}
    for repo, counts in df.items():
        bar = max(MIN_ISSUES, math.ceil(MIN_SHARE * n[repo]))
        out[repo] = frozenset(c for c, k in counts.items() if k >= bar)
    return Boilerplate(out)


__all__ = ["Boilerplate", "learn_boilerplate"]
