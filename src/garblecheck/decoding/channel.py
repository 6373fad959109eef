"""The spinner channel: which originals a word on the page can stand for, and how a real spinner
writes each original: ``P(form on the page | original o)``, learned from real spinners::

    P(w | o) = (1 - s * r_o) [w = o]  +  s * r_o * P(w | o, replaced)

``r_o`` is how often real spinners replace ``o`` (``real_rates.tsv``: seen and replaced counts on
real page pairs), smoothed toward a backoff rate (a logistic function of the word's frequency, of
whether it is a function word and of how often real spinners replaced it elsewhere), ``s`` the
page's intensity (estimated by the decoder per page, 1 for the average real spun page). The
replacement forms come from the real pairs, backed off to the thesaurus links::

    P(w | o, replaced) = (c(w, o) + FORM_STRENGTH * P_tier(w | o)) / (c(o) + FORM_STRENGTH)

The decoder (:mod:`garblecheck.decoding.decode`) weighs these terms and the language model in a log-linear
score whose weights (``weights.json``, :class:`ChannelWeights`) are fitted on real swaps and real
kept words (``garblecheck.learn.channel_fit``). Sources, all shipped in ``corpora/channel/``:

- ``links.tsv.gz`` (``tools/build_channel.py``): WordNet and MyThes read across all senses, form ->
  ``original:tier``; tier 1 same synset, 2 similar/also-see/derived/MyThes, 3 hypernyms,
  hyponyms and two-hop synonyms.
- ``function_words.tsv``: prepositions, conjunctions, modals and connectives WordNet does not
  link, read in both directions (tier 0).
- ``real_pairs.tsv`` and ``real_swaps.tsv``: substitutions real spinners made, with counts (one to
  three words a side; the multi-word rows are the decoder's phrase options).
- ``real_rates.tsv``: how often real spinners replaced each original word, and how often they kept it.
- ``names.tsv.gz``: two-word capitalised names attested in clean news, for :meth:`Channel.spun_names`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..text.io import tsv_rows
from ..text.spelling import spelling_variants
from ..text.wordlists import EDITORIAL, STOPWORDS

__all__ = ["Channel", "ChannelStats", "ChannelWeights", "OPTION_FEATURES", "TIER_P", "default_channel_dir", "real_intensities"]

PathLike = Union[str, Path]
TIER_P = {0: 0.1, 1: 0.022, 2: 0.0033, 3: 0.0017}  # per link, fitted on real pairs (README)
NO_TIER = 9
MEAN_SWAP_SHARE = 0.219  # the share of words real spinners replaced over all real page pairs: intensity 1
MAX_CANDIDATES = 40  # per form, the most likely originals only (links are stored best first)
PAIR_FILES = ("real_pairs.tsv", "real_swaps.tsv")
# the columns of an option's features (decode): the first three and the last depend on the context
# or on the page's intensity; the rest are the channel's facts about the form and the original
OPTION_FEATURES = ("lm", "keep_rate", "replace_rate", "form", "real_count", "thesaurus", "keep", "spun_form", "prior")


@dataclass(frozen=True)
class ChannelWeights:
    """The weights of the decoder's log-linear score (one per ``OPTION_FEATURES`` column), the rate
    model's backoff (intercept, log unigram probability, function word, log1p of the times real
    spinners replaced the word) and smoothing strengths, and the Gamma prior (shape, rate) of a
    page's intensity. Fitted on real swaps by :func:`garblecheck.learn.channel_fit.fit_weights`."""

    lm: float = 0.8
    keep_rate: float = 1.0
    replace_rate: float = 1.0
    form: float = 1.0
    real_count: float = 0.0
    thesaurus: float = 0.0
    keep: float = 0.0
    spun_form: float = 0.0
    prior: float = 0.0
    rate_backoff: Tuple[float, ...] = (-2.0, 0.0, 0.0, 0.0)
    rate_strength: float = 1.0
    form_strength: float = 3.0
    intensity_prior: Tuple[float, float] = (1.0, 2.0)
    fitted_on: Mapping[str, Any] = field(default_factory=dict)

    def vector(self) -> np.ndarray:
        """The ``OPTION_FEATURES`` weights in column order."""
        return np.array([getattr(self, k) for k in OPTION_FEATURES], dtype=np.float64)

    def replace(self, **changes: Any) -> "ChannelWeights":
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return ChannelWeights(**values)

    def with_vector(self, v: Sequence[float]) -> "ChannelWeights":
        return self.replace(**{k: float(x) for k, x in zip(OPTION_FEATURES, v)})

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str = "weights.json") -> "ChannelWeights":
        try:
            raw = json.loads(text)
            known = {f.name for f in fields(cls)}
            values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in raw.items() if k in known}
            w = cls(**values)
            if not np.all(np.isfinite(w.vector())) or len(w.rate_backoff) != 4 or len(w.intensity_prior) != 2:
                raise ValueError("weights are not finite, or a backoff or prior has the wrong length")
            return w
        except (ValueError, TypeError, AttributeError) as e:
            raise ValueError(f"{where}: not a channel weights file ({e})") from None


NAME_MIN_COUNT = 20  # a repaired name must be attested this often in clean news ...
NAME_MIN_COUNT_REAL = 5  # ... or this often where a real spinner made that very swap
_NAME_PAIR = re.compile(r"([A-Z][a-z]+) ([A-Z][a-z]+)")  # word edges are checked after: much faster
_WORD_BEFORE = re.compile(r"([A-Za-z]+)[ ]\Z")
_LINK_BEFORE = re.compile(r"[A-Z][A-Za-z]*,? (?:and|of|for|&) \Z")  # "Emergency Services and Public Protection"
_WORD_AFTER = re.compile(r"[ ]?([A-Z][a-z]*|\()")
MONTHS = frozenset("January February March April May June July August September October November December "
                   "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split())


def default_channel_dir() -> Path:
    from ..text.resources import data_path

    return data_path("corpora", "channel")


@lru_cache(maxsize=8)
def channel_fingerprint(directory: Optional[PathLike] = None) -> str:
    """sha256 of a channel folder's files, names and bytes (default: the shipped one): a model's
    vocabulary rates hold for the channel whose fingerprint it records."""
    d = Path(directory) if directory is not None else default_channel_dir()
    h = hashlib.sha256()
    for p in sorted(q for q in d.iterdir() if q.is_file()):
        h.update(p.name.encode("utf-8") + b"\0" + p.read_bytes())
    return h.hexdigest()


class ChannelStats:
    """Expected counts from decoding a batch of pages, for :meth:`Channel.learned`: ``pairs``
    (form, original) -> how often the original stood behind the form; ``replaced`` original -> how
    often it was replaced; ``exposure`` original -> how often it stood on a page, each time weighed
    by the page's intensity (so a clean page teaches no rate)."""

    def __init__(self) -> None:
        self.pairs: Dict[Tuple[str, str], float] = {}
        self.replaced: Dict[str, float] = {}
        self.exposure: Dict[str, float] = {}

    def add(self, form: str, original: str, q: float, intensity: float) -> None:
        """At a place where ``form`` is written, ``original`` stood with posterior ``q``."""
        if q <= 0:
            return
        if original != form:
            self.pairs[(form, original)] = self.pairs.get((form, original), 0.0) + q
            self.replaced[original] = self.replaced.get(original, 0.0) + q
        self.exposure[original] = self.exposure.get(original, 0.0) + q * intensity


def real_intensities(directory: Optional[PathLike] = None) -> List[float]:
    """The intensities of the real spun pages (``real_intensities.tsv``: each page's share of
    swapped words over ``MEAN_SWAP_SHARE``), the spread a simulation draws from."""
    d = Path(directory) if directory is not None else default_channel_dir()
    return [float(r[1]) / MEAN_SWAP_SHARE for r in tsv_rows(d / "real_intensities.tsv")]


class _SortedLines:
    """``form -> links`` over the lines ``form<TAB>links`` of a file sorted by form, without a
    dictionary: a binary search over the lines at first (a short text asks for a few forms), then,
    once many were asked for, over the forms gathered into one fixed-width numpy byte array."""

    ARRAY_AFTER = 5000  # lookups: about where building the array costs what the searches over lines cost

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        b = np.frombuffer(blob, dtype=np.uint8)
        ends = np.flatnonzero(b == 10)
        starts = np.r_[0, ends[ends + 1 < len(blob)] + 1] if len(blob) else np.zeros(0, np.int64)
        # where each line starts and ends (its newline), as lists: the binary search reads them one by one
        self.starts: List[int] = starts.tolist()
        self.ends: List[int] = np.r_[ends, len(blob)][: len(starts)].tolist()
        self.asked = 0
        self.forms: Optional[np.ndarray] = None

    def _form(self, i: int) -> Tuple[bytes, int]:
        """The form of line ``i`` and where it ends (its tab, or the line's end)."""
        s, e = self.starts[i], self.ends[i]
        tab = self.blob.find(b"\t", s, e)
        tab = e if tab < 0 else tab
        return self.blob[s:tab], tab

    def _gather(self) -> None:
        b = np.frombuffer(self.blob, dtype=np.uint8)
        starts, ends = np.array(self.starts, dtype=np.int64), np.array(self.ends, dtype=np.int64)
        tabs = np.r_[np.flatnonzero(b == 9), len(self.blob)]
        self.tabs = np.minimum(tabs[np.searchsorted(tabs, starts)], ends)  # the line's first tab, else its end
        width = int((self.tabs - starts).max(initial=0)) or 1
        forms = np.zeros((len(starts), width), dtype=np.uint8)
        for j in range(width):  # the j-th byte of every form (0 past its end)
            at = starts + j
            inside = np.flatnonzero(at < self.tabs)
            forms[inside, j] = b[at[inside]]
        self.forms = forms.view(f"S{width}").ravel()

    def get(self, form: bytes) -> Optional[bytes]:
        if b"\0" in form:  # (no form holds one; the byte array would read it as padding)
            return None
        self.asked += 1
        if self.forms is None and self.asked > self.ARRAY_AFTER:
            self._gather()
        if self.forms is not None:
            i = int(np.searchsorted(self.forms, form))
            if i == len(self.forms) or self.forms[i] != form:
                return None
            tab = int(self.tabs[i])
        else:
            lo, hi = 0, len(self.starts)
            while lo < hi:
                mid = (lo + hi) // 2
                if self._form(mid)[0] < form:
                    lo = mid + 1
                else:
                    hi = mid
            if lo == len(self.starts):
                return None
            i = lo
            key, tab = self._form(i)
            if key != form:
                return None
        end = self.ends[i]
        return self.blob[tab + 1 : end] if tab < end else None


class Channel:
    """``candidates(form)``: the originals ``form`` can stand for, with ``log P(form | original,
    replaced)``; ``rates(words)``: how often a real spinner replaces each word; ``phrases``: the
    real multi-word substitutions; ``weights``: how the decoder weighs it all."""

    def __init__(self, links: Union[Dict[bytes, bytes], Path], tier0: Dict[str, Dict[str, int]],
                 real: Dict[str, Dict[str, float]], real_totals: Dict[str, float],
                 names: Optional[Dict[str, int]] = None, *, rates: Optional[Dict[str, Tuple[float, float]]] = None,
                 phrases: Optional[Dict[str, Dict[str, float]]] = None, weights: Optional[ChannelWeights] = None) -> None:
        self.names = names or {}  # "White House" -> times seen in clean news
        self._month_forms: Optional["re.Pattern[str]"] = None  # words that stand for a month, before a day
        self._name_by_word: Dict[Tuple[int, str], Dict[str, int]] = {}  # (0, "House") -> {"White": 2072}
        for name, n in self.names.items():
            first, second = name.split(" ", 1)
            self._name_by_word.setdefault((0, second), {})[first] = n
            self._name_by_word.setdefault((1, first), {})[second] = n
        # the words that begin an attested name, and those that end one
        self._name_ends = {w for i, w in self._name_by_word if i == 1}, {w for i, w in self._name_by_word if i == 0}
        # form -> b"original:tier|..." (each parsed on first use); a path is read on the first lookup,
        # so a page whose names need no link never pays for loading them
        self._links: Optional[Dict[bytes, bytes]] = None if isinstance(links, Path) else links
        self._links_path = links if isinstance(links, Path) else None
        self._tier0 = tier0
        self._real = real  # form -> {original: count}, one word each
        self._attested = real  # the same, as real spinners made them (a learned channel adds to _real only)
        self._real_totals = real_totals  # original -> count over all its forms (phrases too)
        self._rates = rates or {}  # word -> (seen, replaced) on real page pairs
        self.phrases = phrases or {}  # spun phrase -> {original phrase: count}, two or more words on a side
        self._phrase_totals: Dict[str, float] = {}  # original phrase -> count over all its forms
        self.weights = weights or ChannelWeights()
        # the decoder keeps what it needs of a form's candidates (decode._Pool), so a small cache serves
        self.candidates = lru_cache(maxsize=4096)(self._candidates)  # type: ignore[method-assign]
        self._close = lru_cache(maxsize=65536)(self._close)  # type: ignore[method-assign]

    @classmethod
    def load(cls, directory: Optional[PathLike] = None, *, real: Any = True, thesaurus: bool = True,
             keep_real: Optional[Callable[[str], bool]] = None, rates: Any = True,
             weights: Optional[ChannelWeights] = None) -> "Channel":
        """The shipped channel (or the one in ``directory``). ``real=False`` leaves out the real
        pairs, a path reads them from that file alone, a sequence of ``(spun, original, count)``
        rows gives them; ``keep_real(original)`` keeps only some originals' pairs and rates (to
        measure on the others); ``thesaurus=False`` keeps the real pairs alone. ``rates``: the
        shipped replace rates (True), none (False), or ``{word: (seen, replaced)}``; ``weights``
        replaces the shipped ``weights.json``."""
        d = Path(directory) if directory is not None else default_channel_dir()
        links: Union[Dict[bytes, bytes], Path] = {}
        tier0: Dict[str, Dict[str, int]] = {}
        names = {r[0]: int(r[1]) for r in tsv_rows(d / "names.tsv.gz")} if (d / "names.tsv.gz").exists() else {}
        if thesaurus:
            links = d / "links.tsv.gz"
            if not links.exists():
                raise FileNotFoundError(f"{links}: no such channel file")
            for form, originals, *_ in tsv_rows(d / "function_words.tsv"):
                for o in originals.split("|"):
                    tier0.setdefault(form, {})[o] = 0
                    tier0.setdefault(o, {})[form] = 0
        if real is True:
            rows: Iterable[Sequence[Any]] = [r for f in PAIR_FILES if (d / f).exists() for r in tsv_rows(d / f)]
        elif real is False:
            rows = []
        elif isinstance(real, (str, Path)):
            rows = tsv_rows(Path(real))
        else:
            rows = real
        counts: Dict[str, Dict[str, float]] = {}
        totals: Dict[str, float] = {}
        phrases: Dict[str, Dict[str, float]] = {}
        phrase_totals: Dict[str, float] = {}
        for row in rows:
            spun, original, n = str(row[0]).lower(), str(row[1]).lower(), float(row[2])
            originals = original.split("|")
            for o in originals:
                if (keep_real is not None and not all(keep_real(x) for x in o.split())) or spun == o or o in EDITORIAL:
                    continue
                share = n / len(originals)
                if " " in spun or " " in o:
                    if " " in spun:
                        phrases.setdefault(spun, {})[o] = phrases.get(spun, {}).get(o, 0.0) + share
                    if " " not in o:  # a word replaced by a phrase: a form of o all the same
                        totals[o] = totals.get(o, 0.0) + share
                    else:
                        phrase_totals[o] = phrase_totals.get(o, 0.0) + share
                    continue
                counts.setdefault(spun, {})[o] = counts.get(spun, {}).get(o, 0.0) + share
                totals[o] = totals.get(o, 0.0) + share
        if rates is True:
            path = d / "real_rates.tsv"
            rate_table = {r[0]: (float(r[1]), float(r[2])) for r in tsv_rows(path)} if path.exists() else {}
        else:
            rate_table = dict(rates) if rates else {}
        if keep_real is not None:
            rate_table = {w: v for w, v in rate_table.items() if keep_real(w)}
        if weights is None:
            path = d / "weights.json"
            weights = ChannelWeights.from_json(path.read_text(encoding="utf-8"), str(path)) if path.exists() else None
        channel = cls(links, tier0, counts, totals, names, rates=rate_table, phrases=phrases, weights=weights)
        channel._phrase_totals = phrase_totals
        return channel

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> "Channel":
        """The shipped channel, loaded once per process."""
        return Channel.load()

    def _tiers(self, form: str) -> Dict[str, int]:
        tiers: Dict[str, int] = dict(self._tier0.get(form, {}))
        if self._links is None:
            with gzip.open(self._links_path, "rb") as fh:  # type: ignore[arg-type]
                self._links = _SortedLines(fh.read())  # type: ignore[assignment]
        raw = self._links.get(form.encode("utf-8"))
        if raw:  # links are stored best tier first, most frequent original first within a tier
            for item in raw.decode("utf-8").split("|", MAX_CANDIDATES)[:MAX_CANDIDATES]:
                o, _, t = item.rpartition(":")
                if int(t) < tiers.get(o, NO_TIER):
                    tiers[o] = int(t)
        return tiers

    def _candidates(self, form: str) -> Tuple[Tuple[str, float, float, int], ...]:
        """``(original, log P(form | original, replaced), times real spinners wrote form for it,
        thesaurus tier or NO_TIER)``, most likely first."""
        tiers = self._tiers(form)
        real = self._real.get(form, {})
        attested = self._attested.get(form, {})
        beta = self.weights.form_strength
        out = []
        for o in [*tiers, *(o for o in real if o not in tiers)]:
            if o == form or spelling_variants(o, form):  # "defence" is no spun "defense": both are clean English
                continue
            t = tiers.get(o, NO_TIER)
            c = real.get(o, 0.0)
            p = (c + beta * TIER_P.get(t, 0.0)) / (self._real_totals.get(o, 0.0) + beta)
            if p > 0:
                out.append((o, math.log(p), attested.get(o, 0.0), t))
        out.sort(key=lambda x: -x[1])
        return tuple(out[:MAX_CANDIDATES])

    def spun_count(self, form: str) -> float:
        """How often real spinners wrote ``form`` for another word."""
        return float(sum(self._attested.get(form, {}).values()))

    def real_count(self, original: str) -> float:
        """How often real spinners replaced ``original`` (by any form)."""
        return self._real_totals.get(original, 0.0)

    def phrase_total(self, original: str) -> float:
        """How often real spinners replaced the multi-word ``original`` (by any form)."""
        return self._phrase_totals.get(original, 0.0)

    def rates(self, words: Sequence[str], log_prior: np.ndarray) -> np.ndarray:
        """The rate at which a real spinner replaces each of ``words`` (lower case), given each
        word's log unigram probability: its real counts, smoothed toward the backoff rate."""
        w = self.weights
        n = len(words)
        seen = np.zeros(n)
        replaced = np.zeros(n)
        real = np.zeros(n)
        function = np.zeros(n)
        for i, word in enumerate(words):
            sr = self._rates.get(word)
            if sr is not None:
                seen[i], replaced[i] = sr
            real[i] = self._real_totals.get(word, 0.0)
            function[i] = word in STOPWORDS
        b = np.asarray(w.rate_backoff, dtype=np.float64)
        z = b[0] + b[1] * np.asarray(log_prior, dtype=np.float64) + b[2] * function + b[3] * np.log1p(real)
        back = 1.0 / (1.0 + np.exp(-z))
        return np.clip((replaced + w.rate_strength * back) / (seen + w.rate_strength), 1e-4, 0.99)

    def learned(self, stats: "ChannelStats") -> "Channel":
        """This channel with a batch's expected counts added (:class:`ChannelStats`, gathered by
        the decoder): a spinner learned from its own pages, starting from what real spinners did.
        The learned counts shape ``P(form | original, replaced)`` and the rates; the feature that
        says a pair was attested keeps to the real spinners' counts."""
        real = {f: dict(o) for f, o in self._real.items()}
        totals = dict(self._real_totals)
        phrases = {f: dict(o) for f, o in self.phrases.items()}
        phrase_totals = dict(self._phrase_totals)
        for (form, original), q in stats.pairs.items():
            if " " in form:
                phrases.setdefault(form, {})[original] = phrases.get(form, {}).get(original, 0.0) + q
            else:
                real.setdefault(form, {})[original] = real.get(form, {}).get(original, 0.0) + q
            if " " in original:
                phrase_totals[original] = phrase_totals.get(original, 0.0) + q
            else:
                totals[original] = totals.get(original, 0.0) + q
        rates = dict(self._rates)
        for word, exposure in stats.exposure.items():
            seen, replaced = rates.get(word, (0.0, 0.0))
            rates[word] = (seen + exposure, replaced + stats.replaced.get(word, 0.0))
        out = Channel(self._links if self._links is not None else self._links_path,  # type: ignore[arg-type]
                      self._tier0, real, totals, self.names, rates=rates, phrases=phrases, weights=self.weights)
        out._phrase_totals = phrase_totals
        out._attested = self._attested
        return out

    def _close(self, form: str) -> Dict[str, float]:
        """The originals of ``form`` on close links only (a synonym, a function word, a real pair)."""
        return {o: lp for o, lp, c, t in self.candidates(form) if (c > 0 or t <= 1) and " " not in o}

    def spun_names(self, text: str) -> List[Tuple[int, int, str]]:
        """Names the spinner mangled, as ``(start, end, repaired word)``: a whole two-word
        capitalised name never seen in clean news that becomes a name seen at least
        ``NAME_MIN_COUNT`` times (``NAME_MIN_COUNT_REAL`` for a swap real spinners made) when one
        word goes back to a close original ("White Home" -> "House", "Invoice Gates" -> "Bill"),
        and a month read as a word before a day ("Could 5" -> "May")."""
        out: List[Tuple[int, int, str]] = []
        by_word = self._name_by_word
        firsts, seconds = self._name_ends
        for m in _NAME_PAIR.finditer(text):
            pair = m.groups()
            if pair[0] == "The":  # "The White Home": the pair after the article
                m = _NAME_PAIR.match(text, m.start(2))  # type: ignore[assignment]
                if m is None:
                    continue
                pair = m.groups()
            if pair[1] not in seconds and pair[0] not in firsts or " ".join(pair) in self.names:
                continue
            (s1, e2), s2 = m.span(), m.start(2)
            if (s1 and text[s1 - 1].isalpha()) or text[e2 : e2 + 1].isalpha() \
                    or pair[0].lower() in STOPWORDS or pair[1].lower() in STOPWORDS:
                continue
            # a whole two-word name only, not a piece of a longer one ("Civil Aviation Organization")
            before = _WORD_BEFORE.search(text, max(0, s1 - 30), s1)
            if (before and before.group(1)[0].isupper() and before.group(1) != "The") or _WORD_AFTER.match(text, e2) \
                    or _LINK_BEFORE.search(text, max(0, s1 - 40), s1):
                continue
            best: Optional[Tuple[int, int, str]] = None
            for i, word in enumerate(pair):
                # names that share the other word: is one of them a close original of this word?
                names = by_word.get((i, pair[1 - i]))
                if not names or word in MONTHS:
                    continue
                real = self._real.get(word.lower(), {})
                common = [(repl, n) for repl, n in names.items()
                          if n >= (NAME_MIN_COUNT_REAL if repl.lower() in real else NAME_MIN_COUNT)]
                close = self._close(word.lower()) if common else {}
                for repl, n in common:
                    if repl.lower() in close and (best is None or n > best[0]):
                        best = (n, i, repl)
            if best is not None:
                start = s1 if best[1] == 0 else s2
                out.append((start, start + len(pair[best[1]]), best[2]))
        if self._month_forms is None:
            forms = {f for table in (self._tier0, self._real) for f, d in table.items()
                     if any(o.capitalize() in MONTHS for o in d)}
            # each form as its first letter, "no word character before it", the rest: a pattern that
            # opens with letters lets the regex engine skip ahead to them (a leading \b would not)
            alts = [re.escape(f[0]) + r"(?<!\w.)" + re.escape(f[1:]) for f in sorted(f.capitalize() for f in forms if f)]
            self._month_forms = re.compile("(" + "|".join(alts or ["(?!)"]) + r") ([0-9]{1,2})\b(?![,.]?[0-9])")
        for m in self._month_forms.finditer(text):
            months = [o.capitalize() for o in self._close(m.group(1).lower()) if o.capitalize() in MONTHS]
            if months and m.group(1) not in MONTHS:
                out.append((m.start(1), m.end(1), months[0]))
        return sorted(out)
