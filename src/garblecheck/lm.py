"""The language-model interface: every "how likely is this word here?" goes through it.

A language model maps vocabulary ids to log-probabilities, many queries at once::

    lm.ids(words)                    -> vocabulary id per word (0 for an unknown word)
    lm.logp(history, words)          -> log P(word | history) per row; history[:, -1] is the word
                                        just before, -1 marks the sentence start
    lm.prior(words)                  -> log P(word) with no history (the unigram)
    lm.order                         -> how many words a query looks at (history + 1)

:class:`BigramLM` answers from the word statistics of the context model (smoothed bigrams with a
unigram prior, see :mod:`garblecheck.context`). A better model only has to offer the same members
to replace it behind the restorer.
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING, Iterable, Protocol

import numpy as np

if TYPE_CHECKING:
    from .context import ContextModel

__all__ = ["LanguageModel", "BigramLM"]


class LanguageModel(Protocol):
    order: int

    def ids(self, words: Iterable[str]) -> np.ndarray: ...

    def logp(self, history: np.ndarray, words: np.ndarray) -> np.ndarray: ...

    def prior(self, words: np.ndarray) -> np.ndarray: ...


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
