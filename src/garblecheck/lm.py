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
from typing import TYPE_CHECKING, Iterable, Protocol

import numpy as np

if TYPE_CHECKING:
    from .context import ContextModel

__all__ = ["LanguageModel", "BigramLM", "sentence_fluency", "FLUENCY_COLUMNS"]


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
