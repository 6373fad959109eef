"""The language-model interface: every "how likely is this word here?" goes through it.

A language model maps vocabulary ids to log-probabilities, many queries at once::

    lm.ids(words)                    -> vocabulary id per word (0 for an unknown word)
    lm.logp(history, words)          -> log P(word | history) per row; history[:, -1] is the word
                                        just before, -1 marks the sentence start
    lm.prior(words)                  -> log P(word) with no history (the unigram)
    lm.unseen(history, words)        -> True where the n-gram (history, word) never occurred in the
                                        text the model learned from
    lm.order                         -> how many words a query looks at (history + 1)

:class:`TrigramLM` (interpolated modified Kneser-Ney, built from clean text with the context
model's vocabulary and stored beside it) is the model the engine uses: the context evidence, its
ranked suggestions, the restorer and the fluency features all ask it.

:func:`sentence_fluency` reads a model's opinion of whole sentences (surprisal and unseen n-grams),
which the machine-translation score uses: real MT tends to be grammatical but unidiomatic.
"""

from __future__ import annotations

from itertools import repeat
from typing import Callable, Dict, Iterable, List, Optional, Protocol, Sequence, Tuple

import numpy as np

__all__ = ["LanguageModel", "TrigramLM", "sentence_fluency", "FLUENCY_COLUMNS"]


class LanguageModel(Protocol):
    order: int

    def ids(self, words: Iterable[str]) -> np.ndarray: ...

    def logp(self, history: np.ndarray, words: np.ndarray) -> np.ndarray: ...

    def prior(self, words: np.ndarray) -> np.ndarray: ...

    def unseen(self, history: np.ndarray, words: np.ndarray) -> np.ndarray: ...


FLUENCY_COLUMNS = ("words", "surprisal", "max_surprisal", "pairs", "unseen_pairs", "function_pairs", "unseen_function_pairs")


def sentence_fluency(lm: LanguageModel, ids: np.ndarray, sentence: np.ndarray, n_sentences: int,
                     function: np.ndarray) -> np.ndarray:
    """Per sentence, the ``FLUENCY_COLUMNS``: known words (id > 0), their summed and largest
    surprisal ``-log P(word | two words before)``, pairs of neighbouring known words, how many of those
    ``lm`` never saw, and the same two counts for pairs of function words (``function[id]``)."""
    from .features import sentence_blocks

    ids = np.asarray(ids, dtype=np.int64)
    sentence = np.asarray(sentence, dtype=np.int64)
    out = np.zeros((n_sentences, len(FLUENCY_COLUMNS)))
    for lo, hi, s0, s1 in sentence_blocks(sentence, n_sentences):  # bounded memory, the same sums
        out[s0:s1] = _fluency_block(lm, ids[lo:hi], sentence[lo:hi] - s0, s1 - s0, function)
    return out


def _fluency_block(lm: LanguageModel, ids: np.ndarray, sentence: np.ndarray, n: int, function: np.ndarray) -> np.ndarray:
    out = np.zeros((n, len(FLUENCY_COLUMNS)))
    if not len(ids):
        return out
    from .features import shifted

    prev, prev2 = shifted(ids, sentence, -1), shifted(ids, sentence, -2)
    known = ids > 0
    surprisal = -lm.logp(np.column_stack([prev2, prev]), ids)
    pair = known & (prev > 0)
    unseen = pair & lm.unseen(prev, ids)
    fpair = pair & function[np.maximum(ids, 0)] & function[np.maximum(prev, 0)]
    out[:, 0] = np.bincount(sentence, weights=known, minlength=n)
    out[:, 1] = np.bincount(sentence, weights=np.where(known, surprisal, 0.0), minlength=n)
    np.maximum.at(out[:, 2], sentence[known], surprisal[known])
    out[:, 3] = np.bincount(sentence, weights=pair, minlength=n)
    out[:, 4] = np.bincount(sentence, weights=unseen, minlength=n)
    out[:, 5] = np.bincount(sentence, weights=fpair, minlength=n)
    out[:, 6] = np.bincount(sentence, weights=fpair & unseen, minlength=n)
    return out


UNK, BOS, EOS = 0, 1, 2  # TrigramLM's ids before the words
QUERY_BLOCK = 1 << 18  # queries answered at once (memory, not results)
SPECIALS = ("<unk>", "<s>", "</s>")


def _discounts(counts: np.ndarray) -> np.ndarray:
    """Modified Kneser-Ney discounts [0, D1, D2, D3+] from the count-of-counts of ``counts``; fixed
    ones where the count-of-counts cannot give them (too few counts, or counts that are not a
    natural sample, such as text repeated to weight it)."""
    n = [int((counts == k).sum()) for k in (1, 2, 3, 4)]
    d = [0.0]
    if min(n) > 0:
        y = n[0] / (n[0] + 2 * n[1])
        d = [1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2]]
    if min(d) <= 0:
        return np.array([0.0, 0.5, 1.0, 1.5])
    return np.array([0.0] + [min(x, k) for x, k in zip(d, (1, 2, 3))])


def _blockwise(fn: Callable[..., np.ndarray], *columns: np.ndarray) -> np.ndarray:
    """``fn(*columns)`` answered ``QUERY_BLOCK`` rows at a time: the same rows, small temporaries."""
    return np.concatenate([fn(*(c[i : i + QUERY_BLOCK] for c in columns)) for i in range(0, len(columns[0]), QUERY_BLOCK)])


def _edges(p2: np.ndarray, p1: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> Tuple[np.ndarray, ...]:
    """The two words before and the two after as model ids: -1 before is ``<s>`` (and hides the
    word before it), -1 after is ``</s>``."""
    return (np.where((p1 < 0) | (p2 < 0), BOS, p2), np.where(p1 < 0, BOS, p1),
            np.where(n1 < 0, EOS, n1), np.where(n2 < 0, EOS, n2))


def _sorting(values: np.ndarray) -> np.ndarray:
    """The permutation that sorts ``values`` (read as unsigned), by a radix sort over 16-bit digits,
    least significant first: numpy's stable sort of 16-bit values is a radix sort, several times
    faster than a comparison sort of 64-bit values."""
    u = values.view(np.uint64)
    order: Optional[np.ndarray] = None
    for shift in range(0, max(int(u.max(initial=0)).bit_length(), 1), 16):
        digit = ((u if order is None else u[order]) >> np.uint64(shift)).astype(np.uint16)
        step = np.argsort(digit, kind="stable")
        order = step if order is None else order[step]
    return order  # type: ignore[return-value]


def _find_many(tables: Sequence[Tuple[np.ndarray, int]], queries: np.ndarray) -> List[Tuple[np.ndarray, np.ndarray]]:
    """For each ``(keys, divisor)``: the positions of ``queries // divisor`` in the sorted ``keys``
    and whether each was found there. The queries are sorted once for all the tables (dividing
    keeps their order): sorted queries walk a table in order, several times faster."""
    queries = np.asarray(queries, dtype=np.int64)
    order = _sorting(queries) if len(queries) > 256 else None
    ordered = queries if order is None else queries[order]
    out = []
    for keys, divisor in tables:
        q = ordered // divisor if divisor != 1 else ordered
        if not len(keys):
            out.append((np.zeros(len(q), dtype=np.int64), np.zeros(len(q), dtype=bool)))
            continue
        if order is not None:  # sorted: each distinct query is searched once
            new = np.empty(len(q), dtype=bool)
            new[:1] = True
            np.not_equal(q[1:], q[:-1], out=new[1:])
            distinct = q[new]
            pos = np.minimum(np.searchsorted(keys, distinct), len(keys) - 1)[np.cumsum(new) - 1]
        else:
            pos = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
        found = keys[pos] == q
        if order is not None:
            pos[order], found[order] = pos.copy(), found.copy()
        out.append((pos, found))
    return out


def _find(keys: np.ndarray, queries: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Positions of ``queries`` in the sorted ``keys`` and whether each was found there."""
    return _find_many([(keys, 1)], queries)[0]


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``values`` at ``queries`` in the sorted ``keys``; 0 where a query is missing."""
    pos, found = _find(keys, queries)
    return np.where(found, values[pos], 0) if len(keys) else np.zeros(len(queries), dtype=values.dtype)


def _discounted(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.maximum(n - d[np.minimum(n, 3).astype(np.int64)], 0.0)


# sorted keys, stored as their differences: the low 32 bits of each, plus the high bits of the few
# that need them (``_hi_at``, ``_hi``); counts in the smallest unsigned type that holds them
_DELTA_KEYS = ("k3", "k2", "ab")
_COUNTS = ("c3", "c2", "n2", "ab_total", "uni", "unk_types")


def _pack_keys(name: str, keys: np.ndarray) -> Dict[str, np.ndarray]:
    d = np.diff(keys, prepend=np.int64(0))
    big = np.flatnonzero(d >> 32)
    return {name: (d & 0xFFFFFFFF).astype(np.uint32), f"{name}_hi_at": big, f"{name}_hi": (d[big] >> 32).astype(np.uint32)}


def _unpack_keys(name: str, arrays: Dict[str, np.ndarray]) -> np.ndarray:
    d = arrays[name].astype(np.int64)
    d[arrays[f"{name}_hi_at"]] += arrays[f"{name}_hi"].astype(np.int64) << 32
    return np.cumsum(d)


class TrigramLM:
    """Interpolated modified Kneser-Ney trigram model over lower-case words (``context.WORDS_RE``).

    Ids: 0 ``<unk>`` (words outside the vocabulary), 1 sentence start, 2 sentence end, then the
    vocabulary. Trigram counts are kept as sorted keys ``(a * V + b) * V + c``; lower orders use
    continuation counts, as Kneser-Ney does. A query with one word of history gets the interpolated
    Kneser-Ney bigram of the raw bigram counts; with two or more, the trigram.
    """

    order = 3

    def __init__(self, vocab: Sequence[str], arrays: Dict[str, np.ndarray]) -> None:
        if tuple(vocab[:3]) != SPECIALS:
            raise ValueError("a language-model vocabulary starts with <unk>, <s>, </s>")
        self.vocab = list(vocab)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.a = arrays
        self.V = len(self.vocab)
        u = arrays["uni"].astype(np.float64)
        self._prior = np.log((u + 0.5) / (u.sum() + 0.5 * self.V))
        self._unk_share = float(np.log(arrays["unk_types"][0]))

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 2, prune: int = 0) -> "TrigramLM":
        """Count the sentences of ``texts`` (each text split by ``text.sentence_spans``); the
        vocabulary is every word seen ``min_count`` times. See :meth:`from_ids` for ``prune``."""
        from collections import Counter

        from ..text.words import corpus_words

        words, sentence, n = corpus_words(texts)
        counts = Counter(words)
        vocab = [*SPECIALS] + sorted(w for w, c in counts.items() if c >= min_count)
        index = {w: i for i, w in enumerate(vocab)}
        ids = np.fromiter((index.get(w, UNK) for w in words), dtype=np.int64, count=len(words))
        return cls.from_ids(vocab, ids, sentence, n, prune, unk_types=sum(1 for w in counts if w not in index))

    @classmethod
    def from_ids(cls, vocab: Sequence[str], ids: np.ndarray, sentence: np.ndarray, n_sentences: int,
                 prune: int = 0, unk_types: int = 1) -> "TrigramLM":
        """The model of the word ids ``ids`` (into ``vocab``) of sentences ``sentence``. Trigrams
        seen ``prune`` times or fewer are dropped after counting; their discounted mass goes to
        their context's backoff, so every history still gives a distribution. ``unk_types``: how
        many different words ``<unk>`` stands for (:meth:`logp` gives an unknown word its share)."""
        from .features import padded_sentences

        V = len(vocab)
        seq, owner = padded_sentences(ids, sentence, n_sentences, BOS, EOS, n_start=2)  # <s> <s> words </s>
        ok = owner[:-2] == owner[2:]
        tri = ((seq[:-2] * V + seq[1:-1]) * V + seq[2:])[ok]
        k3, c3 = np.unique(tri, return_counts=True)
        d3 = _discounts(c3)
        # trigram contexts ab: total count, and the mass left to the backoff: the discounts, plus
        # the discounted counts of pruned trigrams
        ab, first_ab = np.unique(k3 // V, return_index=True)
        cut = c3 <= prune
        kept = d3[np.minimum(c3, 3)]
        ab_backoff = np.add.reduceat(kept + np.where(cut, c3 - kept, 0.0), first_ab)
        ab_total = np.add.reduceat(c3, first_ab)
        # bigrams b c: continuation counts N(. b c) (distinct a before b c) and raw counts C(b c)
        k2, inverse, n2 = np.unique(k3 % (V * V), return_inverse=True, return_counts=True)
        c2 = np.bincount(inverse.ravel(), weights=c3, minlength=len(k2))
        d2, e2 = _discounts(n2), _discounts(c2.astype(np.int64))
        b_of = k2 // V
        # unigram continuation counts N(. c): distinct b before c
        u = np.bincount(k2 % V, minlength=V).astype(np.float64)
        d1 = _discounts(u[u > 0].astype(np.int64))
        p_uni = (_discounted(u, d1) + d1[np.minimum(u, 3).astype(np.int64)].sum() / V) / u.sum()
        return cls(vocab, {
            "k3": k3[~cut], "c3": c3[~cut].astype(np.int32), "ab": ab, "ab_total": ab_total.astype(np.int32),
            "ab_backoff": ab_backoff.astype(np.float32), "k2": k2, "n2": n2.astype(np.int32), "c2": c2.astype(np.int32),
            "b_total": np.bincount(b_of, weights=n2, minlength=V), "b_backoff": np.bincount(b_of, weights=d2[np.minimum(n2, 3)], minlength=V),
            "b_count": np.bincount(b_of, weights=c2, minlength=V), "b_backoff_raw": np.bincount(b_of, weights=e2[np.minimum(c2, 3).astype(np.int64)], minlength=V),
            "p_uni": p_uni, "uni": np.bincount(ids, minlength=V).astype(np.int32), "unk_types": np.array([max(unk_types, 1)]), "d3": d3, "d2": d2, "e2": e2})

    # -- probabilities ----------------------------------------------------------------------------

    def _bi(self, b: np.ndarray, c: np.ndarray, raw: bool = False) -> np.ndarray:
        """P(c | b): the continuation bigram below the trigram, or with ``raw`` the bigram of raw counts."""
        if len(c) > QUERY_BLOCK:
            return _blockwise(lambda b_, c_: self._bi(b_, c_, raw), b, c)
        a = self.a
        pos, found = _find(a["k2"], b * self.V + c)
        n = np.where(found, a["c2" if raw else "n2"][pos], 0).astype(np.float64)
        tot = a["b_count" if raw else "b_total"][b]
        p_uni = a["p_uni"][c]
        p = (_discounted(n, a["e2" if raw else "d2"]) + a["b_backoff_raw" if raw else "b_backoff"][b] * p_uni) / np.maximum(tot, 1.0)
        return np.where(tot > 0, p, p_uni)

    def prob(self, a_: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """P(c | a b) for arrays of ids."""
        if len(c) > QUERY_BLOCK:
            return _blockwise(self.prob, a_, b, c)
        a = self.a
        V = self.V
        (p3, f3), (pos, found) = _find_many([(a["k3"], 1), (a["ab"], V)], (a_ * V + b) * V + c)
        n = np.where(f3, a["c3"][p3], 0).astype(np.float64)
        tot = np.where(found, a["ab_total"][pos], 0).astype(np.float64)
        backoff = np.where(found, a["ab_backoff"][pos], 0.0)
        p_bi = self._bi(b, c)
        p = (_discounted(n, a["d3"]) + backoff * p_bi) / np.maximum(tot, 1.0)
        return np.where(tot > 0, p, p_bi)

    def count(self, before: np.ndarray, words: np.ndarray, after: np.ndarray) -> np.ndarray:
        """How often each trigram (word before, word, word after) occurred, -1 before or after read as the sentence edge."""
        if len(words) > QUERY_BLOCK:
            return _blockwise(self.count, before, words, after)
        a_ = np.where(before < 0, BOS, before)
        c = np.where(after < 0, EOS, after)
        return _lookup(self.a["k3"], self.a["c3"], (a_ * self.V + words) * self.V + c)

    # -- the LanguageModel interface ----------------------------------------------------------

    def ids(self, words: Iterable[str]) -> np.ndarray:
        return np.fromiter(map(self.index.get, words, repeat(UNK)), dtype=np.int64)

    @staticmethod
    def _history(history: np.ndarray) -> Tuple[Optional[np.ndarray], np.ndarray]:
        """(word two before or None for a one-word history, word before), -1 read as sentence start."""
        h = np.asarray(history, dtype=np.int64)
        if h.ndim == 1:
            h = h[:, None]
        b = np.where(h[:, -1] < 0, BOS, h[:, -1])
        if h.shape[1] < 2:
            return None, b
        return np.where((h[:, -1] < 0) | (h[:, -2] < 0), BOS, h[:, -2]), b

    def logp(self, history: np.ndarray, words: np.ndarray) -> np.ndarray:
        """log P(word | history); an unknown word is one of the words ``<unk>`` pools, not all of them."""
        a_, b = self._history(history)
        words = np.asarray(words, dtype=np.int64)
        return self._log(self._bi(b, words, raw=True) if a_ is None else self.prob(a_, b, words), words)

    def _log(self, p: np.ndarray, words: np.ndarray) -> np.ndarray:
        return np.log(p) - np.where(words == UNK, self._unk_share, 0.0)

    def prior(self, words: np.ndarray) -> np.ndarray:
        return self._prior[np.asarray(words, dtype=np.int64)]

    def unseen(self, history: np.ndarray, words: np.ndarray) -> np.ndarray:
        a_, b = self._history(history)
        words = np.asarray(words, dtype=np.int64)
        if a_ is None:
            return ~_find(self.a["k2"], b * self.V + words)[1]
        return ~_find(self.a["k3"], (a_ * self.V + b) * self.V + words)[1]

    def chain(self, left: Sequence[int], words: Sequence[int], right: Sequence[int]) -> float:
        """log P of ``words`` and of the two words after them, given the two words before:
        ``left`` = (second word before, word before) and ``right`` = (word after, second word
        after), -1 for past the sentence edge. The first edge past the end is ``</s>`` and counts."""
        a_, b, c, d = (int(x[0]) for x in _edges(*(np.array([v]) for v in (*left, *right))))
        x = np.array([a_, b, *words, c] + ([d] if right[0] >= 0 else []), dtype=np.int64)
        return float(self._log(self.prob(x[:-2], x[1:-1], x[2:]), x[2:]).sum())

    def window(self, p2: np.ndarray, p1: np.ndarray, w: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
        """:meth:`chain` of one word ``w`` for arrays of windows, row by row."""
        a_, b, c, d = _edges(p2, p1, n1, n2)
        more = n1 >= 0
        n, k = len(w), int(more.sum())
        # the three trigrams of every window in one query
        x, y, z = np.r_[a_, b, w[more]], np.r_[b, w, c[more]], np.r_[w, c, d[more]]
        lp = self._log(self.prob(x, y, z), z)
        out = lp[:n] + lp[n : 2 * n]
        if k:
            out[more] += lp[2 * n :]
        return out

    # -- persistence ----------------------------------------------------------------------------

    def arrays(self) -> Dict[str, np.ndarray]:
        """The model as arrays, packed (``_DELTA_KEYS``, ``_COUNTS``): a smaller file that loads faster."""
        out = {"vocab": np.frombuffer("\n".join(self.vocab).encode("utf-8"), dtype=np.uint8)}
        for k, v in self.a.items():
            if k in _DELTA_KEYS:
                out.update(_pack_keys(k, v))
            else:
                out[k] = v.astype(np.min_scalar_type(int(v.max()) if len(v) else 0)) if k in _COUNTS else v
        return {f"lm_{k}": v for k, v in out.items()}

    @classmethod
    def from_arrays(cls, arrays: Dict[str, np.ndarray]) -> "TrigramLM":
        """The model from :meth:`arrays`; ``ValueError`` (or ``KeyError``, ``IndexError``) when they
        do not make one."""
        stored = {k[3:]: v for k, v in arrays.items() if k.startswith("lm_")}
        vocab = stored.pop("vocab").tobytes().decode("utf-8").split("\n")
        a = {k: _unpack_keys(k, stored) for k in _DELTA_KEYS}
        packed = {f"{k}{part}" for k in _DELTA_KEYS for part in ("", "_hi_at", "_hi")}
        a.update({k: v for k, v in stored.items() if k not in packed})
        if any(a[k].dtype.kind not in "ui" for k in _COUNTS):
            raise ValueError("language-model counts are not integers")
        V = len(vocab)
        if any(np.any(a[k][1:] <= a[k][:-1]) or (len(a[k]) and a[k][0] < 0) for k in _DELTA_KEYS) \
                or len(a["k3"]) != len(a["c3"]) or len(a["k2"]) != len(a["n2"]) or len(a["k2"]) != len(a["c2"]) \
                or len(a["ab"]) != len(a["ab_total"]) or any(len(a[k]) != V for k in ("p_uni", "uni", "b_total", "b_count")) \
                or (len(a["k3"]) and a["k3"][-1] >= V ** 3) or a["unk_types"].shape != (1,) or a["unk_types"][0] < 1:
            raise ValueError("language-model arrays are inconsistent")
        return cls(vocab, a)
