"""Duplicate clusters: issues that report the same problem, with a canonical issue and the why.

Stage: ``ClusterInput`` (plain issue data, from the store or any JSON) + ``ExplicitLink`` (duplicate
evidence people left) → ``ClusterRecord`` (models.py). Pure: same input, same clusters, in any
input order. Imports nothing from ``crawler/``.

The steps, in order (each one's reason is where it is implemented):

1. **Signatures** (``signatures.issue_signatures``): error records of each issue.
2. **Background** (``learn_background``): an error key that appears in many issues, almost
   always *alongside other* errors, and with many *different* partners is noise (the auth error
   thousands of claude-code reports carry next to their real error). It gets zero weight, is
   kept, and is listed as ignored. Learned from the corpus; ``cluster.toml`` can add/remove keys.
3. **Features**: IDF-weighted sparse vectors per issue, an *error* vector (message keys,
   signatures, in-app frames, message shingles) and a *text* vector (title and text words).
4. **Candidates** (``candidate_pairs``): pairs that share an error key (exact buckets) plus
   MinHash-LSH bands over the issues' strongest features (sub-quadratic; numpy MinHash, see
   ``_minhash``), always within one repository.
5. **Verification** (``pair_score``): cosine of the error vectors and of the text vectors, with
   a penalty when the same message comes with different crashing frames (the "same exception,
   different bug" look-alike). A pair is an edge at ``Settings.edge`` or above.
6. **Union with a chaining guard** (``_union``): explicit links merge first; scored edges merge
   strongest first, and two groups merge only if the *average* score over their cross pairs
   stays above ``Settings.link`` (average linkage), so A~B~C never merges A and C that share
   nothing.
7. **Canonical, id, hints** (``_finish``): canonical = root of duplicate-of links among the
   members (cycles broken by age), never a root closed as not planned / stale while an open
   member exists; id derived from the cluster's oldest member (see ``cluster_id``).
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from ..gcpause import gc_paused
from ..models import ClusterRecord
from .boilerplate import learn_boilerplate
from .known_messages import recognise_known_messages
from .signatures import RULES_VERSION as SIGNATURE_RULES
from .signatures import ErrorRecord, IssueSignatures, is_symptom_key, issue_signatures, message_alt_details

CLUSTER_RULES = "cluster-2026-11-24.5"
RULES_VERSION = f"{SIGNATURE_RULES}+{CLUSTER_RULES}"

# duplicate_claim: a comment's prose says so ("closing as a duplicate of #N"); unlike GitHub's
# marking it merges under the chaining guard (_union), since prose can be hedged or mistaken
LINK_KINDS = ("marked_as_duplicate", "duplicate_of_comment", "duplicate_claim", "same_closing_pr")


# ---------------------------------------------------------------------------------------------
# inputs, settings
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClusterInput:
    """One issue as the clusterer needs it; build it from the store or from any JSON."""

    key: str  # owner/repo#N
    repo: str
    number: int
    title: str
    body: str
    comments: tuple[str, ...] = ()
    state: str = "open"
    state_reason: str | None = None
    created_at: str | None = None
    closed_at: str | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExplicitLink:
    """Evidence a person (or GitHub) left: ``source`` is a duplicate of ``target``."""

    source: str
    target: str
    kind: str  # one of LINK_KINDS
    evidence: str = ""


@dataclass(frozen=True)
class Settings:
    """Thresholds, chosen on the dev set for precision first (see benchmarks/quality.py)."""

    edge: float = 0.30  # a verified pair at or above this is an edge
    link: float = 0.22  # average cross score two groups need to merge (chaining guard)
    link_floor: float = 0.10  # ... and no cross pair may score below this (A and C sharing nothing)
    text_only_edge: float = 0.55  # pairs with no shared error evidence need more text agreement
    short_alone_text: float = 0.30  # text agreement a short frameless message needs when it is all that is shared
    background_min_issues: int = 5
    background_max_alone: float = 0.25  # share of its issues where it is the only error
    background_min_partners: int = 4
    background_max_top_partner: float = 0.7
    lsh_bands: int = 24
    lsh_rows: int = 5
    max_bucket: int = 30  # buckets larger than this are sampled (see _bucket_pairs)
    bucket_sample: int = 8
    lsh_min_title_words: int = 6
    strip_boilerplate: bool = True  # text vectors leave out issue-template lines (boilerplate.py)


@dataclass(frozen=True)
class BackgroundConfig:
    """``[background] add = [...]`` / ``remove = [...]``: error keys (or substrings of them)."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


def load_config(path: Path | None) -> BackgroundConfig:
    """Read ``cluster.toml`` (``--config``, or ``.issuegraph/cluster.toml`` when present)."""
    if path is None:
        default = Path(".issuegraph") / "cluster.toml"
        if not default.exists():
            return BackgroundConfig()
        path = default
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"config file {path} does not exist; pass an existing --config or none") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path} is not valid TOML ({exc}); fix it or remove it") from None
    bg = data.get("background", {})
    add, remove = bg.get("add", []), bg.get("remove", [])
    if not isinstance(add, list) or not isinstance(remove, list) or not all(
        isinstance(x, str) for x in [*add, *remove]
    ):
        raise UsageError(f"{path}: [background] add/remove must be lists of strings")
    return BackgroundConfig(tuple(x.lower() for x in add), tuple(x.lower() for x in remove))


# ---------------------------------------------------------------------------------------------
# background
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Background:
    keys: frozenset[str]
    why: dict[str, str] = field(default_factory=dict)

    def __contains__(self, key: object) -> bool:
        return key in self.keys


def learn_background(
    issue_keys: Sequence[Sequence[str]], settings: Settings = Settings(), config: BackgroundConfig = BackgroundConfig(),
    issue_signatures_: Sequence[Sequence[str]] | None = None,
) -> Background:
    """Error keys that are noise: seen in several issues, nearly always next to *other* errors,
    and next to many different ones. DF alone is not enough (it would also drop the real error
    of a very large cluster, which mostly appears alone or with one partner), so the test is
    co-occurrence diversity, as in the dedupe research note §7.5."""
    df: Counter[str] = Counter()
    alone: Counter[str] = Counter()
    partners: dict[str, Counter[str]] = defaultdict(Counter)
    # partners are counted by full signature (message + frames): two template errors that differ
    # only in their frames are different errors next to the noise
    sig_lists = issue_signatures_ if issue_signatures_ is not None else issue_keys
    for keys, sigs in zip(issue_keys, sig_lists, strict=True):
        ks = set(keys)
        for k in ks:
            df[k] += 1
            if len(ks) == 1:
                alone[k] += 1
            for other in set(sigs):
                if not other.startswith(k + " |") and other != k:
                    partners[k][other] += 1
    found: dict[str, str] = {}
    for k, n in df.items():
        if n < settings.background_min_issues:
            continue
        p = partners.get(k, Counter())
        if alone[k] / n > settings.background_max_alone or len(p) < settings.background_min_partners:
            continue
        top = p.most_common(1)[0][1] / max(1, n - alone[k])
        if top > settings.background_max_top_partner:
            continue
        found[k] = f"in {n} issues, alone in {alone[k]}, next to {len(p)} different errors"
    for k in list(found):
        if any(r in k for r in config.remove):
            del found[k]
    for k in df:
        if any(a in k for a in config.add) and k not in found:
            found[k] = "listed in [background] add"
    return Background(frozenset(found), found)


# ---------------------------------------------------------------------------------------------
# features
# ---------------------------------------------------------------------------------------------
_WORD = re.compile(r"[a-z][a-z0-9_]{2,30}")
_STOP = frozenset(
    """the and for are but not you your with this that from have has had was were will would can could
    should there their them they then than when what which who why how all any each into out about
    after before again also just only very more most some such same other over under been being
    does did doing done get got its it's i'm ive i've dont don't im one two use used using like
    bug issue error errors problem please thanks thank help need want know see seems still try tried
    work working works happen happens happened getting now here way make time expected actual
    behavior behaviour steps reproduce description version info information environment""".split()
)
_MSG_TOKEN = re.compile(r"<\w+>|[a-z_][a-z0-9_]*|[^\sa-z0-9_<>]")


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def _record_features(rec: ErrorRecord) -> dict[str, float]:
    """The features of one record: message key, type, full signature, in-app frames and the words
    and word bigrams of the message (so a message cut short, reworded by a proxy, or printed in
    another form, ``529 Overloaded`` vs ``overloaded_error``, still overlaps)."""
    feats: dict[str, float] = {}

    def put(f: str, w: float) -> None:
        feats[f] = max(feats.get(f, 0.0), w)

    put("k:" + rec.key, 1.0)
    for k in rec.alt_keys:
        put("k:" + k, ALT_KEY_WEIGHT)
    put("t:" + rec.type.lower(), 0.3)
    if rec.top_frames:
        put("s:" + rec.signature, 0.5)
    for f in rec.top_frames:
        put("f:" + f, 0.6)
    toks = [t for t in _MSG_TOKEN.findall(rec.normalized_message) if t.isalpha() and len(t) > 2 and t not in _STOP]
    for t in toks:
        put("u:" + t, 0.25)
    for a, b in zip(toks, toks[1:], strict=False):
        put(f"m:{a} {b}", 0.35)
    return feats


_ALT_PREFIXES = ("~", "os:", "kind:", "stack:")
ALT_KEY_WEIGHT = 0.8  # a head clause or OS code (signatures.message_alt_keys): the same error in another form


def _record_weight(rec: ErrorRecord) -> float:
    """Typed errors (exceptions, API bodies, panics) and records with frames are strong evidence;
    an error phrase read from prose (type ``failure``/``Error``) is weaker."""
    base = 1.0 if rec.frames or rec.type not in ("failure", "Error", "npm ERR!") else 0.75
    if rec.top_frames:
        return base
    # no frames: only the message identifies it, so a bare "NullPointerException" or "fetch
    # failed" says little; weight grows with the message's informative words
    words = [t for t in _MSG_TOKEN.findall(rec.normalized_message) if t.isalpha() and len(t) > 2 and t not in _STOP]
    return base * min(1.0, 0.25 + 0.15 * len(words))


MAX_RECORDS_SCORED = 10
TEXT_ONLY_WEIGHT = 0.75  # a pair judged on its text alone scores this share of the text cosine


@dataclass
class Profile:
    """What the clusterer knows about one issue."""

    item: ClusterInput
    sigs: IssueSignatures
    error: dict[str, float]  # union of its records' features (raw weights, IDF applied later)
    text: dict[str, float]
    records: list[tuple[dict[str, float], float]]  # per record: features, record weight
    keys: tuple[str, ...]  # non-background error keys
    background: tuple[str, ...]  # background keys this issue carries


def build_profiles(items: Sequence[ClusterInput], config: BackgroundConfig, settings: Settings
                   ) -> tuple[list[Profile], Background]:
    sigs = [issue_signatures(i.title, i.body, i.comments) for i in items]
    background = learn_background([[r.key for r in s.records] for s in sigs], settings, config,
                                  [[r.signature for r in s.records] for s in sigs])
    # template lines of each repository's issue forms say nothing about the problem (boilerplate.py)
    boiler = learn_boilerplate((i.repo, i.body) for i in items if settings.strip_boilerplate)
    # an issue with no error line of its own may still carry, verbatim, a message its repository's
    # other issues report as an error (known_messages.py)
    own = [[r for r in s.records if r.key not in background] for s in sigs]
    found = recognise_known_messages([i.repo for i in items], ["\n".join((i.body, *i.comments)) for i in items],
                                     own, [not recs for recs in own])
    sigs = [IssueSignatures(s.records + tuple(f), s.title) if f else s for s, f in zip(sigs, found, strict=True)]
    profiles = []
    for item, s in zip(items, sigs, strict=True):
        error: dict[str, float] = {}
        keys: list[str] = []
        bg: list[str] = []
        recs: list[tuple[dict[str, float], float]] = []
        chosen = [(r, _record_weight(r)) for r in s.records]
        if s.title is not None:
            chosen.append((s.title, 0.8 * _record_weight(s.title)))  # titles paraphrase: weaker
        for rec, weight in chosen:
            if rec.key in background:
                bg.append(rec.key)
                continue
            keys.append(rec.key)
            keys.extend(rec.alt_keys)
            feats = _record_features(rec)
            if len(recs) < MAX_RECORDS_SCORED:
                recs.append((feats, weight))
            for f, w in feats.items():
                error[f] = max(error.get(f, 0.0), w)
        # title words weigh 1, body words 0.5, comment words 0.25 per occurrence: counted per word, then
        # weighed (the same sums as adding per occurrence, since quarters add exactly) in the same key
        # order (first occurrence: title, then body, then comments), at a fraction of the cost
        title_n = Counter(_words(item.title))
        body_n = Counter(_words(boiler.strip(item.repo, item.body)))
        comment_n = Counter(w for c in item.comments for w in _words(boiler.strip(item.repo, c)))
        text: dict[str, float] = {"t:" + w: float(n) for w, n in title_n.items()}
        for w, n in body_n.items():
            text["w:" + w] = 0.5 * n + 0.25 * comment_n.get(w, 0)
        for w, n in comment_n.items():
            if w not in body_n:
                text["w:" + w] = 0.25 * n
        text = {k: 1.0 + math.log(v) if v > 1 else v for k, v in text.items()}
        profiles.append(Profile(item, s, error, dict(text), recs, tuple(dict.fromkeys(keys)), tuple(dict.fromkeys(bg))))
    return profiles, background


def _idf(vectors: Iterable[dict[str, float]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    n = 0
    for v in vectors:
        n += 1
        df.update(v.keys())
    return {f: math.log((n + 1) / (c + 0.5)) for f, c in df.items()}


def _weigh(v: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    out = {f: w * idf.get(f, 0.0) for f, w in v.items()}
    norm = math.sqrt(sum(x * x for x in out.values())) or 1.0
    return {f: x / norm for f, x in out.items() if x > 0}


def _cos(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum([w * b[f] for f, w in a.items() if f in b])  # a list sums faster than a generator, same order


# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PairScore:
    score: float
    error: float
    text: float
    shared: tuple[str, ...]  # shared non-background error keys
    conflict: bool  # same message, different crashing frames

    def reason(self) -> str:
        parts = []
        if self.shared:
            parts.append(f"shares `{self.shared[0]}`")
        parts.append(f"error {self.error:.2f}, text {self.text:.2f}")
        if self.conflict:
            parts.append("different crashing frames")
        return "; ".join(parts)


class Scorer:
    """IDF-weighted vectors for a corpus and the pair score over them (cached)."""

    def __init__(self, profiles: Sequence[Profile], settings: Settings) -> None:
        self.settings = settings
        self.profiles = profiles
        err_idf = _idf(p.error for p in profiles)
        txt_idf = _idf(p.text for p in profiles)
        self.err = [_weigh(p.error, err_idf) for p in profiles]
        self.recs = [[(_weigh(f, err_idf), w) for f, w in p.records] for p in profiles]
        self.txt = [_weigh(p.text, txt_idf) for p in profiles]
        self.key_df: Counter[str] = Counter(k for p in profiles for k in p.keys)
        self.ambiguous = ambiguous_keys(profiles)
        self._cache: dict[tuple[int, int], PairScore] = {}

    def score(self, i: int, j: int) -> PairScore:
        if i > j:
            i, j = j, i
        hit = self._cache.get((i, j))
        if hit is None:
            hit = self._cache[(i, j)] = self._score(i, j)
        return hit

    def _score(self, i: int, j: int) -> PairScore:
        a, b = self.profiles[i], self.profiles[j]
        err = max((_cos(va, vb) * min(wa, wb) for va, wa in self.recs[i] for vb, wb in self.recs[j]), default=0.0)
        txt = _cos(self.txt[i], self.txt[j])
        b_keys = set(b.keys)
        shared = tuple(k for k in a.keys if k in b_keys)
        conflict = _frames_conflict(a.sigs, b.sigs, set(shared))
        # a message known to be raised by different code only counts when the frames agree; so does one
        # that names only a kind of fault (a signal, a sanitizer finding: ``is_symptom_key``)
        unconfirmed = [k for k in shared if (k in self.ambiguous or is_symptom_key(k)) and not _frames_agree(a.sigs, b.sigs, k)]
        # a short message (``OutOfMemoryError: Java heap space``) names a kind of failure: printed with
        # in-app frames on one side and none on the other, nothing says the two failed in the same place.
        # Not an API error: the server raised it, the frames are only the client's request path.
        unconfirmed += [k for k in shared if _is_short_message(k) and k not in unconfirmed
                        and _one_sided_frames(a.sigs, b.sigs, k)]
        # a message that names the code it complains about (a watchdog's or linter's warning: ``… at
        # pkg/x.py, line 85``) carries its crashing frame inline: two different places are two bugs,
        # as with conflicting frames
        elsewhere = [k for k in shared if _places_disagree(a.sigs, b.sigs, k)]
        conflict = conflict or bool(elsewhere)
        unconfirmed += [k for k in elsewhere if k not in unconfirmed]
        # an error sentence read from prose ends at the first quote or after a few words; when the
        # line goes on, the rest is what it failed on and why: two different causes, two bugs
        unconfirmed += [k for k in shared if k not in unconfirmed and not _tails_agree(a.sigs, b.sigs, k)]
        # a head clause is a wrapper's wording: two different causes under it are two bugs
        unconfirmed += [k for k in shared if k.startswith("~") and k not in unconfirmed
                        and not _details_agree(a.sigs, b.sigs, k)]
        # one stack, two messages that each name something the other does not: the same code path
        # failing two ways (a server's two different faults behind one client call)
        unconfirmed += [k for k in shared if k.startswith("stack:") and k not in unconfirmed
                        and not _stack_messages_agree(a.sigs, b.sigs, k)]
        # ... printed with frames on neither side, a short message is all the two have in common (two
        # heap exhaustions, two ``Killed``): alone, it needs the reports' words to agree as well
        # (a short cause under a short wrapper is not alone: two messages, the same chain)
        if (shared and txt < self.settings.short_alone_text
                and len([k for k in shared if not k.startswith(_ALT_PREFIXES)]) <= 1
                and all(_is_short_message(k) and not _key_frames(a.sigs, k) and not _key_frames(b.sigs, k)
                        for k in shared)):
            unconfirmed += [k for k in shared if k not in unconfirmed]
        if unconfirmed:
            shared = tuple(k for k in shared if k not in unconfirmed)
            if not shared:
                err *= 0.5
        for k in shared:
            if k.startswith(_ALT_PREFIXES):
                # one error in two printed forms: as strong as the forms' shared head, whatever the detail
                wa = max((w for f, w in a.records if "k:" + k in f), default=0.0)
                wb = max((w for f, w in b.records if "k:" + k in f), default=0.0)
                err = max(err, ALT_KEY_WEIGHT * min(wa, wb))
        if err > 0:
            score = 0.6 * err + 0.4 * txt
        else:
            score = TEXT_ONLY_WEIGHT * txt  # one side has no error record: text alone, discounted
        if conflict:
            score *= 0.4
        return PairScore(round(score, 4), round(err, 4), round(txt, 4), shared, conflict)

    def is_edge(self, s: PairScore) -> bool:
        # No shared key (message, head clause or OS code): a near-match error alone is no edge. Since
        # the alternative keys catch one error printed in other forms, what still scored high on the
        # error vector without sharing a key was look-alikes (dev set: every such pair, 0 of 2 right).
        if s.shared:
            return s.score >= self.settings.edge
        # ... and, for the same reason, a near-match error does not lift a text-only pair to an edge:
        # the texts must agree on their own (dev set: the one such edge left was a look-alike)
        return min(s.score, TEXT_ONLY_WEIGHT * s.text) >= self.settings.text_only_edge


def _key_frames(sigs: IssueSignatures, key: str) -> set[str]:
    """The crashing functions under ``key`` in one issue. Functions, not ``module:function``
    labels: the module part depends on how the path was printed (``pip`` vs ``pip3`` scripts, a
    bundle with or without its package path), the function does not."""
    return {f.rpartition(":")[2] for r in sigs.records if r.top_frames and key in r.all_keys for f in r.top_frames}


def _details(sigs: IssueSignatures, head_key: str) -> frozenset[str]:
    """The informative words around a head clause (``~…`` key) over the records of one issue that have it."""
    out: set[str] = set()
    for r in sigs.all_records:
        if head_key in r.alt_keys:
            out |= _informative(message_alt_details(r.key)[head_key])
    return frozenset(out)


def _informative(text: str) -> set[str]:
    return {t for t in _MSG_TOKEN.findall(text) if _DETAIL_WORD.fullmatch(t) and t not in _STOP}


_DETAIL_WORD = re.compile(r"[a-z][a-z_]*[a-z]")  # posix_spawnp, not_found: one word each


def _details_agree(a: IssueSignatures, b: IssueSignatures, head_key: str) -> bool:
    """Two prints of one head agree unless each names something the other does not (a cause, a
    quoted value): all the detail each issue prints after the head is compared, so a missing, cut
    short or localised detail (no words; a subset of the other's) is no disagreement, and a wrapper
    or logger prefix before the head does not count."""
    x, y = _details(a, head_key), _details(b, head_key)
    return x <= y or y <= x


def _stack_messages_agree(a: IssueSignatures, b: IssueSignatures, stack_key: str) -> bool:
    """The messages of the records behind a shared ``stack:`` key agree when one's informative
    words are a subset of the other's (a path or a value printed on one side only is fine)."""
    x = {w for r in a.all_records if stack_key in r.alt_keys for w in _informative(r.normalized_message)}
    y = {w for r in b.all_records if stack_key in r.alt_keys for w in _informative(r.normalized_message)}
    return x <= y or y <= x


SHORT_MESSAGE_WORDS = 3
_HTTP_STATUS_KEY = re.compile(r"[1-5]\d\d:")


@lru_cache(maxsize=1 << 16)
def _is_short_message(key: str) -> bool:
    """A primary key (not a head or OS code, not an API status) of at most ``SHORT_MESSAGE_WORDS`` words."""
    if key.startswith(_ALT_PREFIXES) or _HTTP_STATUS_KEY.match(key):
        return False
    return len(_informative(key.partition(": ")[2])) <= SHORT_MESSAGE_WORDS


# ``folder/file.ext, line N`` (Python's warnings, runtime watchdogs) or ``folder/file.ext:N`` (Go, Node,
# compilers) inside a message: where the reported code is. The folder is kept (``__init__.py`` alone
# says little), the line is not (it moves between releases).
_MESSAGE_PLACE = re.compile(r"([\w.@-]+[\\/][\w.@-]+\.(?:py|pyx|js|mjs|cjs|ts|tsx|jsx|go|rs|java|kt|scala|rb|php|cs|"
                            r"c|cc|cpp|h|hpp|m|swift|dart|lua|ex|exs))(?:\"?,? line |:)\d+")


@lru_cache(maxsize=1 << 16)
def _message_place(message: str) -> str | None:
    """The first source location a message names (see ``_MESSAGE_PLACE``), or None. Only the first:
    later ones are usually the runtime call the complaint ends in (``offender: …/ssl.py, line 722``),
    the same for every report."""
    if ".py" not in message and ":" not in message:
        return None
    m = _MESSAGE_PLACE.search(message)
    return m.group(1).replace("\\", "/").lower() if m else None


def _places_disagree(a: IssueSignatures, b: IssueSignatures, key: str) -> bool:
    """Both issues print ``key`` with a source location in the message, and no location is common."""
    pa = {p for r in a.records if key in r.all_keys and (p := _message_place(r.message))}
    if not pa:
        return False
    pb = {p for r in b.records if key in r.all_keys and (p := _message_place(r.message))}
    return bool(pb) and not pa & pb


_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`|“[^”]*”")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


@lru_cache(maxsize=1 << 16)
def _line_tail(raw: str, message: str) -> frozenset[str]:
    """The informative words with which the line goes on after an error sentence read from prose,
    when the sentence was cut short (at a quoted argument, or at the reader's length limit): the
    rest of that sentence, quoted values left out (a pod, a container, a file the reporter named:
    instance names, not the cause). Nothing when the sentence was quoted or ended: what follows is
    the reporter's prose or the tool's advice."""
    line = raw.split("\n", 1)[0]
    at = line.find(message)
    if at < 0:
        return frozenset()
    if at > 0 and line[at - 1] in "\"'`“":
        return frozenset()
    rest = _QUOTED.sub(" ", line[at + len(message):])
    if _SENTENCE_END.match(rest):
        return frozenset()
    end = _SENTENCE_END.search(rest)
    return frozenset(_informative((rest[:end.start()] if end else rest).lower()))


def _tails_agree(a: IssueSignatures, b: IssueSignatures, key: str) -> bool:
    """Like ``_details_agree``, for what follows a sentence read from prose (``failure`` records) on
    its line: a line that stops with the sentence, or prints a subset of the other's words, agrees."""
    x = {w for r in a.all_records if r.type == "failure" and key in r.all_keys for w in _line_tail(r.raw, r.message)}
    if not x:
        return True
    y = {w for r in b.all_records if r.type == "failure" and key in r.all_keys for w in _line_tail(r.raw, r.message)}
    return not y or x <= y or y <= x


def _one_sided_frames(a: IssueSignatures, b: IssueSignatures, key: str) -> bool:
    return bool(_key_frames(a, key)) != bool(_key_frames(b, key))


def _frames_agree(a: IssueSignatures, b: IssueSignatures, key: str) -> bool:
    return bool(_key_frames(a, key) & _key_frames(b, key))


def ambiguous_keys(profiles: Sequence[Profile], limit: int = 40) -> frozenset[str]:
    """Error keys the corpus shows raised by *different code*: two issues carry the message with
    in-app frames that share nothing (``panic: value is marked, so must be unmarked first`` from
    ``AsString`` in one, ``LengthInt`` in another). Such a message names a kind of failure, not a
    bug, so sharing it proves nothing unless the frames agree too. Learned per corpus; only the
    first ``limit`` distinct frame sets of a key are compared, so the cost stays linear."""
    frame_sets: dict[str, list[frozenset[str]]] = defaultdict(list)
    # A message printed with a cause under it (``TypeError: fetch failed`` … ``cause: connect
    # ECONNREFUSED``) is a wrapper: the cause is the bug, and different causes wear the same wrapper.
    out = {k for p in profiles for r in p.sigs.records if r.wrapped for k in (r.key, *r.alt_keys)}
    for p in profiles:
        for k in p.keys:
            fs = frozenset(_key_frames(p.sigs, k))
            if fs and fs not in frame_sets[k] and len(frame_sets[k]) < limit:
                frame_sets[k].append(fs)
    for k, sets in frame_sets.items():
        if any(not (x & y) for n, x in enumerate(sets) for y in sets[n + 1:]):
            out.add(k)
    out |= banner_keys(profiles, limit)
    return frozenset(out)


def banner_keys(profiles: Sequence[Profile], limit: int = 40) -> set[str]:
    """Error keys the corpus shows printed *above different errors*: a message without frames whose
    carriers each report another typed error (an exception, a panic), and two carriers' other
    errors have little in common (``An unexpected Turbopack error occurred`` over one panic here and
    another there). Like a wrapper, such a banner names where the failure surfaced, not the bug, so
    it counts only with agreeing frames. Companions are compared by their words, not their keys, so
    one error printed two ways (``rename '…'`` vs ``rename '...'``) still agrees."""
    companions: dict[str, list[frozenset[str]]] = defaultdict(list)
    for p in profiles:
        recs = [r for r in p.sigs.records if r.key in p.keys]
        for r in recs:
            if r.top_frames:
                continue
            # a record sharing a key with this one (the same error printed again with or without its
            # advice suffix) is this error, not a companion
            others = frozenset(t for o in recs if o.type not in _UNTYPED and o.all_keys.isdisjoint(r.all_keys)
                               for t in _MSG_TOKEN.findall(o.key) if t.isalpha() and len(t) > 2 and t not in _STOP)
            for k in (r.key, *r.alt_keys):
                if others and others not in companions[k] and len(companions[k]) < limit:
                    companions[k].append(others)
    found = {k for k, sets in companions.items()
             if any(len(x & y) < BANNER_OVERLAP * len(x | y) for n, x in enumerate(sets) for y in sets[n + 1:])}
    # A message that says no more than a banner head (the head, then advice in a later sentence:
    # ``… error occurred. Please report the content of <file> to <url>``) is that banner, even when
    # too few of its own carriers print another error to show it: whether the reporter pasted the
    # panic under it or not, the banner names where the failure surfaced, not the bug.
    if found:
        for p in profiles:
            for r in p.sigs.records:
                if r.key not in found and not found.isdisjoint(r.alt_keys) and any(
                        h in found and not _informative(d) for h, d in message_alt_details(r.key).items()):
                    found.add(r.key)
    return found


_UNTYPED = ("failure", "Error")
BANNER_OVERLAP = 0.34  # companions sharing less than this share of their words are different errors


def _frames_conflict(a: IssueSignatures, b: IssueSignatures, shared: set[str]) -> bool:
    """Both issues carry the same message with in-app frames, and the frames share nothing: the
    same exception type raised by different code (dev-set look-alikes: Go nil-pointer panics in
    different functions, NPEs in different classes)."""
    if not shared:
        return False
    fa = {f for r in a.records if r.top_frames and not shared.isdisjoint(r.all_keys) for f in r.top_frames}
    if not fa:
        return False
    fb = {f for r in b.records if r.top_frames and not shared.isdisjoint(r.all_keys) for f in r.top_frames}
    if not fa or not fb or fa & fb:
        return False
    # frames on either side that are only positions (Go file lines) do not count as a disagreement
    return any(":" in f for f in fa) and any(":" in f for f in fb)


# ---------------------------------------------------------------------------------------------
# candidates: exact buckets + MinHash LSH (numpy, vectorised)
# ---------------------------------------------------------------------------------------------
_P = np.uint64((1 << 61) - 1)


def _stable_hash(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") & ((1 << 61) - 2)


def _minhash(sets: Sequence[Sequence[int]], num_perm: int, seed: int = 7) -> np.ndarray:
    """MinHash signatures for many small sets at once: (a·x + b) mod p over all elements, then a
    per-set minimum with ``np.minimum.reduceat``. ~50× faster than hashing set by set (datasketch's
    ``MinHash.update``), which is what lets 100k issues fit the one-core budget."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 1 << 31, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, 1 << 31, size=num_perm, dtype=np.uint64)
    out = np.full((len(sets), num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    nonempty = [k for k, s in enumerate(sets) if s]
    chunk = 4096
    for start in range(0, len(nonempty), chunk):
        idx = nonempty[start:start + chunk]
        lens = np.array([len(sets[k]) for k in idx])
        flat = np.fromiter((h for k in idx for h in sets[k]), dtype=np.uint64, count=int(lens.sum()))
        offsets = np.concatenate(([0], np.cumsum(lens)[:-1]))
        x = flat & np.uint64((1 << 31) - 1)  # keep products inside 64 bits
        hv = (x[:, None] * a[None, :] + b[None, :]) % _P
        out[idx] = np.minimum.reduceat(hv, offsets, axis=0)
    return out


def candidate_pairs(profiles: Sequence[Profile], scorer: Scorer, settings: Settings) -> set[tuple[int, int]]:
    by_repo: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(profiles):
        by_repo[p.item.repo].append(i)
    pairs: set[tuple[int, int]] = set()
    for idxs in by_repo.values():
        # exact buckets: issues sharing a non-background error key
        buckets: dict[str, list[int]] = defaultdict(list)
        for i in idxs:
            for k in profiles[i].keys:
                buckets[k].append(i)
        for members in buckets.values():
            members = sorted(members, key=lambda i: profiles[i].item.number)
            pairs.update(_bucket_pairs(members, settings.max_bucket, settings.bucket_sample))
        # LSH over each issue's strongest features
        sets = []
        for i in idxs:
            # error features and title words: body words are too many and too common to band on
            pool = {**scorer.err[i], **{f: w for f, w in scorer.txt[i].items() if f.startswith("t:")}}
            if not scorer.err[i] and len(pool) < settings.lsh_min_title_words:
                pool = {}  # a few title words alone collide everywhere; such issues meet by error only
            feats = sorted(pool.items(), key=lambda kv: (-kv[1], kv[0]))[:24]
            sets.append([_stable_hash(f) for f, _ in feats])
        if len(idxs) < 2:
            continue
        sig = _minhash(sets, settings.lsh_bands * settings.lsh_rows)
        for band in range(settings.lsh_bands):
            cols = sig[:, band * settings.lsh_rows:(band + 1) * settings.lsh_rows]
            table: dict[bytes, list[int]] = defaultdict(list)
            for row, local in enumerate(idxs):
                if sets[row]:
                    table[cols[row].tobytes()].append(local)
            for members in table.values():
                # a band shared by very many issues is a common word set, not a near-duplicate
                if 1 < len(members) <= settings.max_bucket:
                    pairs.update(_bucket_pairs(members, settings.max_bucket, settings.bucket_sample))
    return pairs


def _bucket_pairs(members: list[int], small: int, sample: int) -> Iterable[tuple[int, int]]:
    """All pairs of a small bucket; in a large one each member meets the bucket's oldest ``small``
    members and its ``sample`` predecessors, so the pair count grows linearly (union-find then
    carries transitivity, under the chaining guard)."""
    if len(members) <= small:
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                yield (min(i, j), max(i, j))
        return
    for x, j in enumerate(members):
        for i in {*members[:min(x, sample)], *members[max(0, x - sample):x]}:
            yield (min(i, j), max(i, j))


# ---------------------------------------------------------------------------------------------
# union with a chaining guard
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Edge:
    a: int
    b: int
    kind: str  # "signature" | "similar" | one of LINK_KINDS
    score: float
    reason: str


CROSS_LIMIT = 12  # members per side that the chaining guard compares (oldest first)


class _Groups:
    """Union-find over issue indices. Each group also keeps its ``CROSS_LIMIT`` oldest members in
    number order, merged on union: sorting a whole group for every candidate edge made the chaining
    guard quadratic in the size of big clusters (the slowdown from 50k to 100k issues)."""

    def __init__(self, n: int, numbers: Sequence[int]) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.numbers = numbers
        self.oldest: dict[int, list[int]] = {i: [i] for i in range(n)}

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        merged = self.oldest[ra] + self.oldest.pop(rb)
        self.oldest[ra] = sorted(merged, key=self.numbers.__getitem__)[:CROSS_LIMIT]


def _cross_scores(scorer: Scorer, sa: list[int], sb: list[int]) -> list[float]:
    """Scores over cross pairs of the two groups' oldest ``CROSS_LIMIT`` members (``_Groups.oldest``),
    so the cost stays bounded for big clusters."""
    return [scorer.score(i, j).score for i in sa for j in sb]


def _union(n: int, scorer: Scorer, edges: list[Edge], settings: Settings) -> tuple[_Groups, list[Edge]]:
    groups = _Groups(n, [p.item.number for p in scorer.profiles])
    used: list[Edge] = []
    def firm(e: Edge) -> bool:
        # GitHub's marking and its "Duplicate of #N" are a maintainer's act; a prose claim is firm
        # only when the claiming issue (``a``) reports no error of its own that could contradict it
        # (an empty "same crash" report): otherwise it merges under the chaining guard below
        return e.kind in ("marked_as_duplicate", "duplicate_of_comment") or (
            e.kind == "duplicate_claim" and not scorer.profiles[e.a].keys)
    explicit = [e for e in edges if firm(e)]
    for e in explicit:
        if groups.find(e.a) != groups.find(e.b):
            groups.union(e.a, e.b)
        used.append(e)
    # A report that a maintainer marked as a duplicate and that carries no error of its own (a
    # "same here" issue) has nothing to agree or disagree with: it must not veto its group joining
    # another that shares the group's error, so the guard leaves it out of the cross scores.
    vouched = {i for e in explicit for i in (e.a, e.b) if not scorer.profiles[i].keys}

    def sides(r: int) -> list[int]:
        kept = [i for i in groups.oldest[r] if i not in vouched]
        return kept or groups.oldest[r]
    # the guard's verdict depends only on the two oldest-member lists: two big groups that meet
    # through many candidate edges are compared once until one of those lists changes
    verdicts: dict[tuple[tuple[int, ...], tuple[int, ...]], bool] = {}
    scored = sorted((e for e in edges if not firm(e)),
                    key=lambda e: (-e.score, scorer.profiles[e.a].item.number, scorer.profiles[e.b].item.number))
    for e in scored:
        ra, rb = groups.find(e.a), groups.find(e.b)
        if ra == rb:
            used.append(e)
            continue
        ga, gb = groups.members[ra], groups.members[rb]
        if len(ga) > 1 or len(gb) > 1:
            sa, sb = sides(ra), sides(rb)
            pair = (tuple(sa), tuple(sb))
            ok = verdicts.get(pair)
            if ok is None:
                cross = _cross_scores(scorer, sa, sb)
                ok = verdicts[pair] = not (sum(cross) / len(cross) < settings.link or min(cross) < settings.link_floor)
            if not ok:
                continue
        groups.union(e.a, e.b)
        used.append(e)
    return groups, used


# ---------------------------------------------------------------------------------------------
# the whole run
# ---------------------------------------------------------------------------------------------
@dataclass
class ClusterResult:
    clusters: list[ClusterRecord]
    background: Background
    rules_version: str = RULES_VERSION

    def by_member(self) -> dict[str, ClusterRecord]:
        return {m: c for c in self.clusters for m in c.members}


def cluster_id(repo: str, oldest_number: int) -> str:
    """A cluster's id is derived from its oldest member (lowest number). Why: it never changes when
    unrelated issues arrive or the input order changes; when a newer issue joins, the id stays;
    when two clusters merge, the merged cluster keeps the older one's id (the newer id retires).
    A signature-derived id would change whenever the representative signature did."""
    digest = hashlib.sha1(f"{repo}#{oldest_number}".encode()).hexdigest()[:10]
    return f"{repo.split('/')[-1]}-{oldest_number}-{digest[:6]}"


def cluster_issues(
    items: Sequence[ClusterInput],
    links: Sequence[ExplicitLink] = (),
    *,
    config: BackgroundConfig = BackgroundConfig(),
    settings: Settings = Settings(),
) -> ClusterResult:
    """Cluster ``items`` (any number of repositories; clusters never cross one)."""
    with gc_paused():
        return _cluster_issues(items, links, config, settings)


def _cluster_issues(items: Sequence[ClusterInput], links: Sequence[ExplicitLink], config: BackgroundConfig,
                    settings: Settings) -> ClusterResult:
    items = sorted({i.key: i for i in items}.values(), key=lambda i: (i.repo, i.number))
    profiles, background = build_profiles(items, config, settings)
    scorer = Scorer(profiles, settings)
    index = {p.item.key: n for n, p in enumerate(profiles)}

    edges: list[Edge] = []
    requests = {n for n, p in enumerate(profiles) if is_feature_request(p.item)}
    for i, j in sorted(candidate_pairs(profiles, scorer, settings)):
        if i in requests or j in requests:
            continue
        s = scorer.score(i, j)
        if scorer.is_edge(s):
            edges.append(Edge(i, j, "signature" if s.shared else "similar", s.score, s.reason()))
    closing: dict[str, list[int]] = defaultdict(list)
    # sources declared duplicates of one issue that is not among the inputs (not crawled, deleted,
    # another repository's walk stub): duplicates of one issue are duplicates of each other
    absent: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for link in sorted(links, key=lambda lk: (lk.source, lk.target, lk.kind)):
        if link.kind == "same_closing_pr":
            if link.source in index:
                closing[link.target].append(index[link.source])
            continue
        a, b = index.get(link.source), index.get(link.target)
        if a is not None and b is None and link.target.partition("#")[0] == profiles[a].item.repo:
            absent[link.target].append((a, link.kind))
        if a is None or b is None or a == b or profiles[a].item.repo != profiles[b].item.repo:
            continue
        edges.append(Edge(a, b, link.kind, 1.0, link.evidence or link.kind.replace("_", " ")))
    for target, declared in sorted(absent.items()):
        first, first_kind = min(declared)
        for x, kind in sorted(set(declared)):
            if x != first:
                # as firm as the weaker of the two declarations (a prose claim stays a claim)
                weaker = "duplicate_claim" if "duplicate_claim" in (kind, first_kind) else kind
                edges.append(Edge(first, x, weaker, 1.0, f"both declared duplicates of {target}"))
    for pr, members in sorted(closing.items()):
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                s = scorer.score(i, j)
                # one PR can fix several different bugs: the shared fix is evidence, not proof
                if s.score >= settings.edge / 2 and profiles[i].item.repo == profiles[j].item.repo:
                    edges.append(Edge(i, j, "same_closing_pr", s.score + 0.5, f"both closed by {pr}; {s.reason()}"))

    groups, used = _union(len(profiles), scorer, edges, settings)
    edges_of: dict[int, list[Edge]] = defaultdict(list)
    for e in used:
        if groups.find(e.a) == groups.find(e.b):
            edges_of[groups.find(e.a)].append(e)
    links_of: dict[int, list[ExplicitLink]] = defaultdict(list)
    for lk in links:
        a, b = index.get(lk.source), index.get(lk.target)
        if a is not None and b is not None and groups.find(a) == groups.find(b):
            links_of[groups.find(a)].append(lk)
    clusters = [
        _finish(sorted(members, key=lambda i: profiles[i].item.number), profiles, scorer, edges_of[root],
                links_of[root], background)
        for root, members in groups.members.items()
    ]
    clusters.sort(key=lambda c: (c.repo, int(c.members[0].rpartition("#")[2])))
    return ClusterResult(clusters, background)


# A feature request quotes an error as its motivation ("suggest a clearer message for …", "make
# this error say what to do"): it asks for a change, it does not report the failure, so a shared
# error never makes it a duplicate of the reports. Only explicit links (a maintainer's marking) join it.
# the whole label, or its value after a ``kind/``-style prefix: ``area:feature-flags`` names a component
_REQUEST_LABEL = re.compile(r"(?i)(?:^|[:/]\s*)(?:enhancement|improvement|feature(?:[- ]request)?|proposal|suggestion|rfe|"
                            r"idea)s?$")
_BUG_LABEL = re.compile(r"(?i)(?:^|[:/]\s*)(?:bug|defect|crash|regression)s?$")
_REQUEST_TITLE = re.compile(r"(?i)^\s*(?:\[(?:feature|feature request|enhancement|fr|rfe|proposal|suggestion)\]|"
                            r"feature request\b|suggest(?:ion)?\b|proposal\b|rfe\b)")


def is_feature_request(item: ClusterInput) -> bool:
    """Labelled as a feature/enhancement (``enhancement``, ``kind/feature``, ``type: feature request``)
    or titled as one (``[Feature] …``, ``Suggest …``, ``Feature request: …``)."""
    if _REQUEST_TITLE.match(item.title) is not None:
        return True
    labels = [lb.strip(" \t✨🚀💡🐛") for lb in item.labels]
    # labelled both ways ("bug" and "enhancement"): a maintainer saw a failure in it, so it is a report
    return any(_REQUEST_LABEL.search(lb) for lb in labels) and not any(_BUG_LABEL.search(lb) for lb in labels)


_STALE = ("not_planned", "stale", "inactive", "duplicate")


def _canonical(members: list[int], profiles: Sequence[Profile], links: Sequence[ExplicitLink]) -> tuple[int, str]:
    keys = {profiles[i].item.key: i for i in members}
    dup_of: dict[str, str] = {}
    for lk in sorted(links, key=lambda lk: (lk.source, lk.target)):
        if lk.kind != "same_closing_pr" and lk.source in keys and lk.target in keys and lk.source != lk.target:
            dup_of.setdefault(lk.source, lk.target)

    def root(k: str) -> str:
        seen = [k]
        while k in dup_of and dup_of[k] not in seen:
            k = dup_of[k]
            seen.append(k)
        if k in dup_of:  # a cycle: its oldest member is the root
            cyc = seen[seen.index(dup_of[k]):]
            return min(cyc, key=lambda x: profiles[keys[x]].item.number)
        return k

    roots = Counter(root(profiles[i].item.key) for i in members)
    oldest = min(members, key=lambda i: profiles[i].item.number)
    if roots and dup_of:
        best = min(roots, key=lambda k: (-roots[k], profiles[keys[k]].item.number))
        choice, why = keys[best], "root of the duplicate-of links"
    else:
        choice, why = oldest, "oldest report"
    c = profiles[choice].item
    if c.state == "closed" and (c.state_reason or "").lower() in _STALE:
        open_members = [i for i in members if profiles[i].item.state == "open"]
        if open_members:
            choice = min(open_members, key=lambda i: profiles[i].item.number)
            why = f"oldest open report ({c.key} was closed as {c.state_reason})"
    return choice, why


def _finish(members: list[int], profiles: Sequence[Profile], scorer: Scorer, used: list[Edge],
            links: Sequence[ExplicitLink], background: Background) -> ClusterRecord:
    first = profiles[members[0]].item
    canon, canon_why = _canonical(members, profiles, links)
    edges = used  # the edges inside this cluster
    best_edge: dict[int, Edge] = {}
    for e in edges:
        for end in (e.a, e.b):
            cur = best_edge.get(end)
            if cur is None or (e.kind in LINK_KINDS, e.score) > (cur.kind in LINK_KINDS, cur.score):
                best_edge[end] = e
    key_count: Counter[str] = Counter(k for i in members for k in profiles[i].keys)
    shared = [k for k, n in key_count.most_common() if n > 1]
    signature = None
    if len(members) > 1 and shared:
        signature = min(shared, key=lambda k: (-key_count[k], k))
    elif len(members) == 1 and profiles[members[0]].keys:
        signature = profiles[members[0]].keys[0]
    hints: dict[str, str] = {}
    scores: dict[str, float] = {}
    for i in members:
        key = profiles[i].item.key
        if len(members) == 1:
            hints[key] = "no other issue reports the same error" if profiles[i].keys else "no error signature; no similar issue"
            continue
        best = best_edge.get(i)
        if i == canon:
            hints[key] = f"canonical: {canon_why}"
            if best is not None:
                other = profiles[best.b if best.a == i else best.a].item.key
                hints[key] += f"; {best.reason} with {other}"
            continue
        if best is None:
            hints[key] = "joined through the cluster's other members"
            continue
        other = profiles[best.b if best.a == i else best.a].item.key
        if best.kind in LINK_KINDS:
            hints[key] = f"{best.kind.replace('_', ' ')} → {other}" + (f" ({best.reason})" if best.reason else "")
        else:
            hints[key] = f"score {best.score:.2f} with {other}: {best.reason}"
        scores[key] = best.score
    if signature is not None and len(members) > 1:
        # A member's best link can be to one side of the cluster only (a marked duplicate, say);
        # saying which members carry the cluster's error is what ties the sides together.
        for i in members:
            if signature in profiles[i].keys:
                quoted = all(r.source == "text" for r in profiles[i].sigs.records if signature in r.all_keys)
                hints[profiles[i].item.key] += ("; quotes the cluster's error in its text (no error line of its own)"
                                                if quoted else "; reports the cluster's error")
    bg = sorted({k for i in members for k in profiles[i].background})
    details: dict[str, Any] = {
        "rules_version": RULES_VERSION,
        "signatures": {profiles[i].item.key: list(profiles[i].keys) for i in members},
        "scores": scores,
        "background_ignored": bg,
        "background_why": {k: background.why.get(k, "") for k in bg},
        "canonical_reason": canon_why,
        "evidence": [
            {"a": profiles[e.a].item.key, "b": profiles[e.b].item.key, "kind": e.kind, "score": round(e.score, 4),
             "reason": e.reason}
            for e in sorted(edges, key=lambda e: (profiles[e.a].item.number, profiles[e.b].item.number, e.kind))
        ],
    }
    return ClusterRecord(
        id=cluster_id(first.repo, first.number), repo=first.repo, canonical=profiles[canon].item.key,
        members=tuple(profiles[i].item.key for i in members), signature=signature, hints=hints, details=details,
    )


# ---------------------------------------------------------------------------------------------
# advisory: rank likely duplicates of one issue
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Similar:
    key: str
    score: float
    reason: str


def rank_similar(items: Sequence[ClusterInput], target: str, top: int = 10, *,
                 config: BackgroundConfig = BackgroundConfig(), settings: Settings = Settings()) -> list[Similar]:
    """Other issues of ``target``'s repository ranked by pair score (advisory triage: no threshold,
    the reader judges)."""
    items = sorted({i.key: i for i in items}.values(), key=lambda i: (i.repo, i.number))
    profiles, _ = build_profiles(items, config, settings)
    scorer = Scorer(profiles, settings)
    idx = next((n for n, p in enumerate(profiles) if p.item.key == target), None)
    if idx is None:
        raise UsageError(f"{target} is not in the store; crawl its repository first")
    repo = profiles[idx].item.repo
    out = []
    for j, p in enumerate(profiles):
        if j != idx and p.item.repo == repo:
            s = scorer.score(idx, j)
            if s.score > 0:
                out.append(Similar(p.item.key, s.score, s.reason()))
    out.sort(key=lambda s: (-s.score, s.key))
    return out[:top]
