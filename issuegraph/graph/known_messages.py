"""Known error messages recognised in issues whose text has no error line of their own.

Why: people describe an error the tool printed without pasting it the way the extractor reads
errors. A CLI that prints its complaint with no ``Error:`` prefix under "Setting up…", a crash
banner followed by a bare message line, an API body pasted without its status prefix, a message
quoted mid-sentence without its exception type: the words are verbatim, but nothing marks the line
as an error. Once *another* issue of the same repository reports that message as an error, the
corpus knows it is one, and its verbatim occurrence is evidence of the same error.

Only issues with no error record of their own (background noise aside) are searched: an issue that
pasted its own error already says what failed, and a message it merely mentions ("unlike #12,
which fails with …") must not add a second identity. A message is only searched for when it has
enough words of its own (``MIN_WORDS``): "connection closed" in prose is not a report of
``McpError: … connection closed``.

Cost: one word-bigram index per repository over the known messages (each filed under its rarest
bigram), one set intersection per searched issue, and a compiled pattern run only where the bigram
occurs, so the step stays linear in the corpus.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

from .signatures import ErrorRecord

MIN_WORDS = 4  # informative words outside placeholders a message needs to be searched for
MIN_LITERAL = 24  # ... and characters of literal text
FEW_BIGRAMS = 64  # up to this many indexed bigrams, a text is first tested for their words as substrings

_PLACEHOLDER = re.compile(r"<\w+>|…|~")
_TOKEN = re.compile(r"[a-z0-9_]+")
_WORD = re.compile(r"[a-z][a-z_]{2,}")
_STOP = frozenset("the and for with not from this that was were has have been are you your can could".split())
_GAP = r"[^\n]{0,160}?"  # what a placeholder stood for: a path, a number, an id (one line at most)


def _safe_tokens(message: str) -> list[list[str]]:
    """Runs of tokens that appear whole in the raw text: a token glued to a placeholder
    (``veth<hex>`` from ``veth1d85371``) is not a token of the raw text, so it ends a run."""
    runs: list[list[str]] = []
    pieces = _PLACEHOLDER.split(message)
    for n, piece in enumerate(pieces):
        run: list[str] = []
        for m in _TOKEN.finditer(piece):
            glued = (m.start() == 0 and n > 0) or (m.end() == len(piece) and n < len(pieces) - 1)
            if glued:
                if len(run) > 1:
                    runs.append(run)
                run = []
                continue
            run.append(m.group())
        if len(run) > 1:
            runs.append(run)
    return runs


def searchable(message: str) -> bool:
    """Enough words and literal text to be recognised without an error marker."""
    literal = _PLACEHOLDER.sub(" ", message)
    words = [w for w in _WORD.findall(literal) if w not in _STOP]
    return len(words) >= MIN_WORDS and len(literal.replace(" ", "")) >= MIN_LITERAL and bool(_safe_tokens(message))


@lru_cache(maxsize=1 << 14)
def _pattern(message: str) -> re.Pattern[str]:
    parts = []
    for piece in _PLACEHOLDER.split(message):
        words = piece.split()
        lit = r"\s+".join(re.escape(w) for w in words)
        if piece[:1].isspace() and lit:
            lit = r"\s*" + lit
        if piece[-1:].isspace() and lit:
            lit += r"\s*"
        parts.append(lit)
    return re.compile(_GAP.join(parts))


class KnownMessages:
    """The searchable messages of one repository's error records, indexed by word bigram."""

    def __init__(self, records: Iterable[ErrorRecord]) -> None:
        by_message: dict[str, ErrorRecord] = {}
        for rec in records:
            msg = rec.normalized_message
            if msg and msg not in by_message and searchable(msg):
                by_message[msg] = rec
        bigrams = {msg: {(a, b) for run in _safe_tokens(msg) for a, b in zip(run, run[1:], strict=False)}
                   for msg in by_message}
        df: Counter[tuple[str, str]] = Counter(bg for bgs in bigrams.values() for bg in bgs)
        self.index: dict[tuple[str, str], list[str]] = defaultdict(list)
        for msg in sorted(by_message):
            if bigrams[msg]:
                rarest = min(bigrams[msg], key=lambda bg: (df[bg], bg))
                self.index[rarest].append(msg)
        self.records = by_message
        # the first words of the indexed bigrams: a text with none of them needs no bigram set
        self.first_words = frozenset(a for a, _b in self.index)

    def find(self, text: str) -> list[ErrorRecord]:
        """Records of the known messages that occur verbatim (placeholders aside) in ``text``,
        re-sourced as ``text``, in the order of their first occurrence."""
        if not self.index or not text:
            return []
        low = text.lower()
        # a bigram's two tokens are substrings of any text that holds it: with few bigrams indexed,
        # testing that spares tokenising the texts that hold none (most of them)
        if len(self.index) <= FEW_BIGRAMS and not any(a in low and b in low for a, b in self.index):
            return []
        toks = _TOKEN.findall(low)
        if self.first_words.isdisjoint(toks):
            return []
        hits = self.index.keys() & set(zip(toks, toks[1:], strict=False))
        found: list[tuple[int, str]] = []
        for bg in hits:
            for msg in self.index[bg]:
                m = _pattern(msg).search(low)
                if m is not None:
                    found.append((m.start(), msg))
        out = []
        for start, msg in sorted(found):
            rec = self.records[msg]
            raw = low[start:start + 300].split("\n", 1)[0]
            out.append(replace(rec, raw=raw, frames=(), source="text", wrapped=False))
        return out


def recognise_known_messages(repos: Sequence[str], texts: Sequence[str], own: Sequence[Sequence[ErrorRecord]],
                             searched: Sequence[bool]) -> list[list[ErrorRecord]]:
    """For each issue flagged in ``searched``, the known messages of its repository (from every
    issue's ``own`` records) found in its ``texts``; an empty list for the others."""
    by_repo: dict[str, list[ErrorRecord]] = defaultdict(list)
    for repo, recs in zip(repos, own, strict=True):
        by_repo[repo].extend(recs)
    known: dict[str, KnownMessages] = {}
    out: list[list[ErrorRecord]] = []
    for repo, text, flag in zip(repos, texts, searched, strict=True):
        if not flag:
            out.append([])
            continue
        if repo not in known:
            known[repo] = KnownMessages(by_repo[repo])
        out.append(known[repo].find(text))
    return out
