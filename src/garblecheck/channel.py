"""The spinner channel: which originals a word on the page can stand for, and how likely a spinner
is to write that word for each of them, ``P_spin(form | original)``.

Three sources, all shipped in ``corpora/channel/``:

- ``links.tsv.gz`` (``tools/build_channel.py``): WordNet and MyThes read across all senses, form ->
  ``original:tier``; tier 1 same synset, 2 similar/also-see/derived/MyThes, 3 hypernyms,
  hyponyms and two-hop synonyms.
- ``function_words.tsv``: prepositions, conjunctions, modals and connectives WordNet does not
  link, read in both directions (tier 0).
- ``real_pairs.tsv``: substitutions real spinners made, with counts.
- ``names.tsv.gz``: two-word capitalised names attested in clean news, for :meth:`Channel.spun_names`.

The thesaurus part gives a fixed probability per tier (``TIER_P``); where real pairs know the
original, ``P_spin = REAL_WEIGHT * c(form, original) / (c(original) + REAL_PRIOR) + (1 - REAL_WEIGHT) * P_tier``.
"""

from __future__ import annotations

import gzip
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union

import numpy as np

__all__ = ["Channel", "TIER_P", "default_channel_dir"]

PathLike = Union[str, Path]
TIER_P = {0: 0.1, 1: 0.022, 2: 0.0033, 3: 0.0017}  # per link, fitted on real pairs (README)
REAL_WEIGHT = 0.7
REAL_PRIOR = 2.0
MAX_CANDIDATES = 150  # per form, the most likely originals only
# real pairs between these are editorial changes of the source, not spinner swaps (real_pairs README)
EDITORIAL = frozenset("a an the this that these those it its my your his her our their which who".split())


NAME_MIN_COUNT = 20  # a repaired name must be attested this often in clean news ...
NAME_MIN_COUNT_REAL = 5  # ... or this often where a real spinner made that very swap
_NAME_PAIR = re.compile(r"([A-Z][a-z]+) ([A-Z][a-z]+)")  # word edges are checked after: much faster
_WORD_BEFORE = re.compile(r"([A-Za-z]+)[ ]\Z")
_WORD_AFTER = re.compile(r"[ ]?([A-Z][a-z]*|\()")
MONTHS = frozenset("January February March April May June July August September October November December "
                   "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split())


def default_channel_dir() -> Path:
    from .resources import data_path

    return data_path("corpora", "channel")


def _rows(path: Path) -> List[List[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return [line.rstrip("\n").split("\t") for line in fh if line.strip() and not line.startswith("#")]


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
    """``candidates(form)``: the originals ``form`` can stand for, with ``log P_spin(form | original)``."""

    def __init__(self, links: Union[Dict[bytes, bytes], Path], tier0: Dict[str, Dict[str, int]],
                 real: Dict[str, Dict[str, float]], real_totals: Dict[str, float],
                 names: Optional[Dict[str, int]] = None) -> None:
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
        self._real = real  # form -> {original: count}
        self._real_totals = real_totals  # original -> count over all forms
        # the decoder keeps what it needs of a form's candidates (decode._Pool), so a small cache serves
        self.candidates = lru_cache(maxsize=4096)(self._candidates)  # type: ignore[method-assign]
        self._close = lru_cache(maxsize=65536)(self._close)  # type: ignore[method-assign]

    @classmethod
    def load(cls, directory: Optional[PathLike] = None, *, real: Union[bool, PathLike] = True,
             thesaurus: bool = True, keep_real: Optional[Callable[[str], bool]] = None) -> "Channel":
        """The shipped channel (or the one in ``directory``). ``real=False`` leaves out the real
        pairs, a path reads them from there; ``keep_real(original)`` keeps only some of them (to
        measure on the others); ``thesaurus=False`` keeps the real pairs alone."""
        d = Path(directory) if directory is not None else default_channel_dir()
        links: Union[Dict[bytes, bytes], Path] = {}
        tier0: Dict[str, Dict[str, int]] = {}
        names = {r[0]: int(r[1]) for r in _rows(d / "names.tsv.gz")} if (d / "names.tsv.gz").exists() else {}
        if thesaurus:
            links = d / "links.tsv.gz"
            if not links.exists():
                raise FileNotFoundError(f"{links}: no such channel file")
            for form, originals, *_ in _rows(d / "function_words.tsv"):
                for o in originals.split("|"):
                    tier0.setdefault(form, {})[o] = 0
                    tier0.setdefault(o, {})[form] = 0
        counts: Dict[str, Dict[str, float]] = {}
        totals: Dict[str, float] = {}
        if real is not False:
            path = d / "real_pairs.tsv" if real is True else Path(real)
            for row in _rows(path):
                spun, original, n = row[0].lower(), row[1].lower(), float(row[2])
                originals = original.split("|")
                for o in originals:
                    if " " in spun or " " in o or (keep_real is not None and not keep_real(o)) or spun == o \
                            or o in EDITORIAL:
                        continue
                    counts.setdefault(spun, {})[o] = counts.get(spun, {}).get(o, 0.0) + n / len(originals)
                    totals[o] = totals.get(o, 0.0) + n / len(originals)
        return cls(links, tier0, counts, totals, names)

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> "Channel":
        """The shipped channel, loaded once per process."""
        return Channel.load()

    def _candidates(self, form: str) -> Tuple[Tuple[str, float], ...]:
        tiers: Dict[str, int] = dict(self._tier0.get(form, {}))
        if self._links is None:
            with gzip.open(self._links_path, "rb") as fh:  # type: ignore[arg-type]
                self._links = _SortedLines(fh.read())  # type: ignore[assignment]
        raw = self._links.get(form.encode("utf-8"))
        if raw:  # links are stored best tier first, most frequent original first within a tier
            for item in raw.decode("utf-8").split("|", MAX_CANDIDATES)[:MAX_CANDIDATES]:
                o, _, t = item.rpartition(":")
                if int(t) < tiers.get(o, 9):
                    tiers[o] = int(t)
        real = self._real.get(form, {})
        out: Dict[str, float] = {}
        for o in [*tiers, *(o for o in real if o not in tiers)]:
            p = TIER_P[tiers[o]] if o in tiers else 0.0
            if o in self._real_totals:
                p = REAL_WEIGHT * real.get(o, 0.0) / (self._real_totals[o] + REAL_PRIOR) + (1 - REAL_WEIGHT) * p
            if p > 0 and o != form:
                out[o] = math.log(p)
        return tuple(sorted(out.items(), key=lambda x: -x[1])[:MAX_CANDIDATES])

    def _close(self, form: str) -> Dict[str, float]:
        """The originals of ``form`` on close links only (a synonym, a function word, a real pair)."""
        strong = math.log(TIER_P[1]) - 1e-9
        return {o: lp for o, lp in self.candidates(form) if lp >= strong and " " not in o}

    def spun_names(self, text: str) -> List[Tuple[int, int, str]]:
        """Names the spinner mangled, as ``(start, end, repaired word)``: a whole two-word
        capitalised name never seen in clean news that becomes a name seen at least
        ``NAME_MIN_COUNT`` times (``NAME_MIN_COUNT_REAL`` for a swap real spinners made) when one
        word goes back to a close original ("White Home" -> "House", "Invoice Gates" -> "Bill"),
        and a month read as a word before a day ("Could 5" -> "May")."""
        from .synth import STOPWORDS

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
            if (before and before.group(1)[0].isupper() and before.group(1) != "The") or _WORD_AFTER.match(text, e2):
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
