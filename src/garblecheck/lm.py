"""The language-model interface: every "how likely is this word here?" goes through it.

A language model maps vocabulary ids to log-probabilities, many queries at once::

    lm.ids(words)                    -> vocabulary id per word (0 for an unknown word)
    lm.logp(history, words)          -> log P(word | history) per row; history[:, -1] is the word
                                        just before, -1 marks the sentence start
    lm.prior(words)                  -> log P(word) with no history (the unigram)
    lm.unseen(history, words)        -> True where the n-gram (history, word) never occurred in the
                                        text the model learned from
    lm.order                         -> how many words a query looks at (history + 1)

:class:`BigramLM` answers from the word statistics of the context model (smoothed bigrams with a
unigram prior, see :mod:`garblecheck.context`). A better model only has to offer the same members
to replace it behind the restorer and the fluency features.

:func:`sentence_fluency` reads a model's opinion of whole sentences (surprisal and unseen n-grams),
which the machine-translation score uses: real MT tends to be grammatical but unidiomatic.
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING, Dict, Iterable, Protocol, Sequence, Tuple

import numpy as np

if TYPE_CHECKING:
    from .context import ContextModel

__all__ = ["LanguageModel", "BigramLM", "TrigramLM", "sentence_fluency", "FLUENCY_COLUMNS"]


class LanguageModel(Protocol):
    order: int

    def ids(self, words: Iterable[str]) -> np.ndarray: ...

    def logp(self, history: np.ndarray, words: np.ndarray) -> np.ndarray: ...

    def prior(self, words: np.ndarray) -> np.ndarray: ...

    def unseen(self, history: np.ndarray, words: np.ndarray) -> np.ndarray: ...


class BigramLM:
    """log P(word | previous word) from the context model's smoothed bigram counts."""

    order = 2

    def __init__(self, context: "ContextModel") -> None:
        self.context = context
        self._unknown = float(np.log(0.5 / max(context.total, 1.0)))

    def ids(self, words: Iterable[str]) -> np.ndarray:
        return np.fromiter(map(self.context.index.get, words, repeat(0)), dtype=np.int64)

    def logp(self, history: np.ndarray, words: np.ndarray) -> np.ndarray:
        prev = np.asarray(history, dtype=np.int64)
        if prev.ndim == 2:
            prev = prev[:, -1]
        words = np.asarray(words, dtype=np.int64)
        # an unknown word is one rare word, not the pooled mass of all of them
        return np.where(words > 0, self.context._lp(prev, words), self._unknown)

    def prior(self, words: np.ndarray) -> np.ndarray:
        words = np.asarray(words, dtype=np.int64)
        return np.where(words > 0, self.context._logp[np.maximum(words, 0)], self._unknown)

    def unseen(self, history: np.ndarray, words: np.ndarray) -> np.ndarray:
        prev = np.asarray(history, dtype=np.int64)
        if prev.ndim == 2:
            prev = prev[:, -1]
        return self.context._bigram(prev, np.asarray(words, dtype=np.int64)) == 0


FLUENCY_COLUMNS = ("words", "surprisal", "max_surprisal", "pairs", "unseen_pairs", "function_pairs", "unseen_function_pairs")


def sentence_fluency(lm: LanguageModel, ids: np.ndarray, sentence: np.ndarray, n_sentences: int,
                     function: np.ndarray) -> np.ndarray:
    """Per sentence, the ``FLUENCY_COLUMNS``: known words (id > 0), their summed and largest
    surprisal ``-log P(word | history)``, pairs of neighbouring known words, how many of those
    ``lm`` never saw, and the same two counts for pairs of function words (``function[id]``)."""
    ids = np.asarray(ids, dtype=np.int64)
    sentence = np.asarray(sentence, dtype=np.int64)
    out = np.zeros((n_sentences, len(FLUENCY_COLUMNS)))
    if not len(ids):
        return out
    prev = np.full(len(ids), -1, dtype=np.int64)
    same = sentence[1:] == sentence[:-1]
    prev[1:] = np.where(same, ids[:-1], -1)
    known = ids > 0
    surprisal = -lm.logp(prev, ids)
    pair = known & (prev > 0)
    unseen = pair & lm.unseen(prev, ids)
    fpair = pair & function[np.maximum(ids, 0)] & function[np.maximum(prev, 0)]
    n = n_sentences
    out[:, 0] = np.bincount(sentence, weights=known, minlength=n)
    out[:, 1] = np.bincount(sentence, weights=np.where(known, surprisal, 0.0), minlength=n)
    np.maximum.at(out[:, 2], sentence[known], surprisal[known])
    out[:, 3] = np.bincount(sentence, weights=pair, minlength=n)
    out[:, 4] = np.bincount(sentence, weights=unseen, minlength=n)
    out[:, 5] = np.bincount(sentence, weights=fpair, minlength=n)
    out[:, 6] = np.bincount(sentence, weights=fpair & unseen, minlength=n)
    return out


UNK, BOS, EOS = 0, 1, 2  # TrigramLM's ids before the words


def _discounts(counts: np.ndarray) -> np.ndarray:
    """Modified Kneser-Ney discounts [0, D1, D2, D3+] from the count-of-counts of ``counts``."""
    n = [int((counts == k).sum()) for k in (1, 2, 3, 4)]
    if min(n) == 0:
        return np.array([0.0, 0.5, 1.0, 1.5])
    y = n[0] / (n[0] + 2 * n[1])
    d = [1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2]]
    return np.array([0.0] + [min(max(x, 0.0), k) for x, k in zip(d, (1, 2, 3))])


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``values`` at ``queries`` in the sorted ``keys``; 0 where a query is missing."""
    if not len(keys):
        return np.zeros(len(queries), dtype=values.dtype)
    pos = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[pos] == queries, values[pos], 0)


class TrigramLM:
    """Interpolated modified Kneser-Ney trigram model over lower-case words (``context.WORDS_RE``).

    Ids: 0 ``<unk>`` (words seen fewer than ``min_count`` times), 1 sentence start, 2 sentence end,
    then the vocabulary in sorted order. Trigram counts are kept as sorted keys
    ``(a * V + b) * V + c``; lower orders use continuation counts, as Kneser-Ney does.
    """

    order = 3

    def __init__(self, vocab: Sequence[str], arrays: Dict[str, np.ndarray]) -> None:
        self.vocab = list(vocab)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.a = arrays
        self.V = len(self.vocab)

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 2, prune: int = 0) -> "TrigramLM":
        """Count the sentences of ``texts`` (each text split by ``text.sentence_spans``). Trigrams
        seen ``prune`` times or fewer are dropped after counting; their discounted mass goes to
        their context's backoff, so every history still gives a distribution."""
        from collections import Counter

        from .context import corpus_words

        words, sentence, n = corpus_words(texts)
        counts = Counter(words)
        vocab = ["<unk>", "<s>", "</s>"] + sorted(w for w, c in counts.items() if c >= min_count)
        index = {w: i for i, w in enumerate(vocab)}
        ids = np.fromiter((index.get(w, UNK) for w in words), dtype=np.int64, count=len(words))
        return cls(vocab, cls._count(ids, sentence, n, len(vocab), prune))

    @staticmethod
    def _count(ids: np.ndarray, sentence: np.ndarray, n_sentences: int, V: int, prune: int = 0) -> Dict[str, np.ndarray]:
        from .features import padded_sentences

        seq, owner = padded_sentences(ids, sentence, n_sentences, BOS, EOS, n_start=2)  # <s> <s> words </s>
        ok = owner[:-2] == owner[2:]
        tri = ((seq[:-2] * V + seq[1:-1]) * V + seq[2:])[ok]
        k3, c3 = np.unique(tri, return_counts=True)
        d3 = _discounts(c3)
        # trigram contexts ab: total count, and the mass left to the backoff: the discounts, plus
        # the discounted counts of pruned trigrams
        ab, first_ab = np.unique(k3 // V, return_index=True)
        cut = c3 <= prune
        ab_backoff = np.add.reduceat(d3[np.minimum(c3, 3)] + np.where(cut, c3 - d3[np.minimum(c3, 3)], 0.0), first_ab)
        ab_total = np.add.reduceat(c3, first_ab)
        # bigram continuation counts N(. b c): distinct a before each b c (before pruning)
        k2, n2 = np.unique(k3 % (V * V), return_counts=True)
        d2 = _discounts(n2)
        b_of = k2 // V
        b_total = np.bincount(b_of, weights=n2, minlength=V)
        b_backoff = np.bincount(b_of, weights=d2[np.minimum(n2, 3)], minlength=V)
        # unigram continuation counts N(. c): distinct b before c
        u = np.bincount(k2 % V, minlength=V).astype(np.float64)
        d1 = _discounts(u[u > 0].astype(np.int64))
        p_uni = (np.maximum(u - d1[np.minimum(u, 3).astype(np.int64)], 0.0) + d1[np.minimum(u, 3).astype(np.int64)].sum() / V) / u.sum()
        return {"k3": k3[~cut], "c3": c3[~cut].astype(np.int32), "ab": ab, "ab_total": ab_total.astype(np.int32),
                "ab_backoff": ab_backoff, "k2": k2, "n2": n2.astype(np.int32), "b_total": b_total, "b_backoff": b_backoff,
                "p_uni": p_uni, "d3": d3, "d2": d2}

    # -- the LanguageModel interface ----------------------------------------------------------

    def ids(self, words: Iterable[str]) -> np.ndarray:
        return np.fromiter(map(self.index.get, words, repeat(UNK)), dtype=np.int64)

    def _bi(self, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        a = self.a
        d = a["d2"]
        n = _lookup(a["k2"], a["n2"], b * self.V + c).astype(np.float64)
        tot = a["b_total"][b]
        p_uni = a["p_uni"][c]
        p = (np.maximum(n - d[np.minimum(n, 3).astype(np.int64)], 0.0) + a["b_backoff"][b] * p_uni) / np.maximum(tot, 1.0)
        return np.where(tot > 0, p, p_uni)

    def prob(self, a_: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """P(c | a b) for arrays of ids."""
        a = self.a
        d = a["d3"]
        V = self.V
        n = _lookup(a["k3"], a["c3"], (a_ * V + b) * V + c).astype(np.float64)
        ctx = a_ * V + b
        tot = _lookup(a["ab"], a["ab_total"], ctx).astype(np.float64)
        backoff = _lookup(a["ab"], a["ab_backoff"], ctx)
        p_bi = self._bi(b, c)
        p = (np.maximum(n - d[np.minimum(n, 3).astype(np.int64)], 0.0) + backoff * p_bi) / np.maximum(tot, 1.0)
        return np.where(tot > 0, p, p_bi)

    def _history(self, history: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        h = np.asarray(history, dtype=np.int64)
        if h.ndim == 1:
            h = h[:, None]
        b = h[:, -1]
        a_ = h[:, -2] if h.shape[1] >= 2 else np.full(len(h), BOS)
        a_ = np.where(b < 0, BOS, np.where(a_ < 0, BOS, a_))
        return a_, np.where(b < 0, BOS, b)

    def logp(self, history: np.ndarray, words: np.ndarray) -> np.ndarray:
        a_, b = self._history(history)
        return np.log(self.prob(a_, b, np.asarray(words, dtype=np.int64)))

    def prior(self, words: np.ndarray) -> np.ndarray:
        return np.log(self.a["p_uni"][np.asarray(words, dtype=np.int64)])

    def unseen(self, history: np.ndarray, words: np.ndarray) -> np.ndarray:
        a_, b = self._history(history)
        return _lookup(self.a["k3"], self.a["c3"], (a_ * self.V + b) * self.V + np.asarray(words, dtype=np.int64)) == 0

    # -- persistence ----------------------------------------------------------------------------

    def arrays(self) -> Dict[str, np.ndarray]:
        return {"lm_vocab": np.frombuffer("\n".join(self.vocab).encode("utf-8"), dtype=np.uint8),
                **{f"lm_{k}": v for k, v in self.a.items()}}

    @classmethod
    def from_arrays(cls, arrays: Dict[str, np.ndarray]) -> "TrigramLM":
        vocab = arrays["lm_vocab"].tobytes().decode("utf-8").split("\n")
        return cls(vocab, {k[3:]: v for k, v in arrays.items() if k.startswith("lm_") and k != "lm_vocab"})
