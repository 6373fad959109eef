"""Name consistency within a document: "Leman" a line after "Maulana Fazlur Rehman".

Machine translation often respells a name it met earlier in the same text. Names here are
capitalised words that are not English words (so "Officials" opening a sentence, or "Black" in a
title, are not names). A name is a *variant* of another name of the same document when

* both reduce to the same transliteration skeleton (:func:`skeleton`: r/l, v/w, i/e/y/j, o/u,
  k/q/c, s/z, t/d and b/p merged, h and doubled letters dropped), and
* their transliteration-aware edit distance (:func:`distance`, where those confusions, a silent h
  and a doubled letter cost half) is at most ``MAX_DISTANCE``, and
* the other form has more support (occurrences, counting twice those inside a longer name).

Allowed, never flagged: a surname alone after the full name (equal, so no variant), possessives
(``'s`` is stripped), forms that differ only in their last two letters (plurals and demonyms),
spellings that differ only in accents ("Valerio", "Valério"), and two spellings that each occur at
least twice (a consistent choice, or two people). Names shorter than ``MIN_LENGTH`` letters
(initials, titles) are not compared.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from operator import itemgetter
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

import numpy as np

__all__ = ["name_words", "name_variants", "distance", "skeleton"]

_CHEAP = {frozenset(p) for p in ("rl", "vw", "ie", "iy", "ey", "ij", "ou", "kq", "kc", "cq", "sz", "td", "bp")}
_CLASS = str.maketrans("lwyejuqczdp", "rviiiokksbb")
MIN_LENGTH = 4
MAX_DISTANCE = 1.0


def _key(word: str) -> str:
    for s in ("'s", "’s"):
        if word.endswith(s):
            return word[: -len(s)]
    return word


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def skeleton(name: str) -> str:
    """The name with transliteration confusions merged, h and doubled letters dropped."""
    s = _plain(name).translate(_CLASS).replace("h", "")
    return "".join(c for i, c in enumerate(s) if i == 0 or c != s[i - 1])


def distance(a: str, b: str) -> float:
    """Edit distance of two names (case-folded) where transliteration confusions, dropping an h and
    dropping a doubled letter cost 0.5."""
    a, b = a.lower(), b.lower()
    prev = [j * 1.0 for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        cur = [i * 1.0] + [0.0] * len(b)
        for j in range(1, len(b) + 1):
            x, y = a[i - 1], b[j - 1]
            sub = 0.0 if x == y else (0.5 if frozenset((x, y)) in _CHEAP else 1.0)
            dela = 0.5 if x == "h" or (i > 1 and a[i - 2] == x) else 1.0
            delb = 0.5 if y == "h" or (j > 1 and b[j - 2] == y) else 1.0
            cur[j] = min(prev[j - 1] + sub, prev[j] + dela, cur[j - 1] + delb)
        prev = cur
    return prev[-1]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.lower(), b.lower()):
        if x != y:
            break
        n += 1
    return n


def name_words(words: Sequence[str], candidates: Sequence[int], english: Callable[[Iterable[str]], np.ndarray]) -> np.ndarray:
    """The indices among ``candidates`` of words that are names: capitalised, not ALL CAPS, and,
    without a possessive ``'s``, not English (``english(lower-case words)`` gives a bool array)."""
    cand = np.asarray(candidates, dtype=np.int64)
    if not len(cand):
        return cand
    forms = list(map(words.__getitem__, cand.tolist()))
    capital = np.fromiter(map(str.isupper, map(itemgetter(0), forms)), dtype=bool, count=len(forms))
    cand = cand[capital]
    forms = [f for f, c in zip(forms, capital.tolist()) if c]
    all_upper = np.fromiter(map(str.isupper, forms), dtype=bool, count=len(forms))
    keys = [_key(w) if "'" in w else w for w in forms]
    return cand[~all_upper & ~english(map(str.lower, keys))]


def name_variants(words: Sequence[str], sentence: np.ndarray, names: np.ndarray) -> List[Tuple[int, str]]:
    """``(word index, the form it should probably be)`` for each of the ``names`` (sorted indices
    into ``words``, see :func:`name_words`; ``sentence`` gives each word's sentence) that looks like
    a respelling of a better-supported name."""
    if len(names) < 2:
        return []
    names = np.asarray(names, dtype=np.int64)
    # a name next to another name in the same sentence is part of a longer name
    joined = (names[1:] == names[:-1] + 1) & (sentence[names[1:]] == sentence[names[:-1]])
    alone = np.ones(len(names), dtype=bool)
    alone[1:] &= ~joined
    alone[:-1] &= ~joined
    keys = [_key(words[k]) for k in names.tolist()]
    count: Counter = Counter(keys)
    support: Counter = Counter(keys)
    support.update(k for k, a in zip(keys, alone.tolist()) if not a)  # inside a longer name counts twice
    groups: Dict[str, List[str]] = {}
    for key in count:
        if len(key) >= MIN_LENGTH:
            groups.setdefault(skeleton(key), []).append(key)
    fix: Dict[str, str] = {}
    for forms in groups.values():
        if len(forms) < 2:
            continue
        top = max(forms, key=lambda f: (support[f], count[f], f))
        for v in forms:
            if v == top or support[v] >= support[top] or (count[v] >= 2 and count[top] >= 2):
                continue
            if _plain(v) == _plain(top) or _common_prefix(v, top) >= min(len(v), len(top)) - 2:
                continue
            if distance(v, top) <= MAX_DISTANCE:
                fix[v] = top
    if not fix:
        return []
    return [(int(k), fix[key]) for k, key, a in zip(names.tolist(), keys, alone.tolist()) if a and key in fix]
