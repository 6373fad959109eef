"""Findings and scores: ``Flag``, ``SentenceScore`` and ``Report``, and the flag-density score.

Score from flags (until a trained model is combined in)::

    density = 100 * sum(flag.confidence) / (n_words + PSEUDO_WORDS)
    score   = 1 - exp(-density / SCALE)

``density`` is confidence-weighted flags per 100 words; ``PSEUDO_WORDS`` keeps one stray flag in
a very short text from deciding the verdict. With the defaults a document is ``garbled`` once it
carries about 0.7 confident flags per 100 words (3 to 4 in a 500-word article).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, NamedTuple, Optional, Tuple

__all__ = ["Flag", "SentenceScore", "Report", "density_score", "DEFAULT_THRESHOLD", "PSEUDO_WORDS", "SCALE"]

DEFAULT_THRESHOLD = 0.5
PSEUDO_WORDS = 50
SCALE = 1.0


def density_score(confidences: Iterable[float], n_words: int) -> float:
    """``1 - exp(-density / SCALE)`` with ``density`` the confidence-weighted flags per 100 words."""
    total = sum(confidences)
    if total <= 0:
        return 0.0
    density = 100.0 * total / (max(n_words, 0) + PSEUDO_WORDS)
    return 1.0 - math.exp(-density / SCALE)


@dataclass(frozen=True)
class Flag:
    """One suspect span: ``text == document[start:end]``, with ranked ``suggestions`` (best first)."""

    start: int
    end: int
    text: str
    suggestions: Tuple[str, ...]
    kind: str
    confidence: float
    rule: str
    line: int = 0
    col: int = 0
    explanation: str = ""  # what the flag rests on, where a rule says more than its name

    def to_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        d["suggestions"] = list(self.suggestions)
        return d


class SentenceScore(NamedTuple):
    """The score of the sentence ``text[start:end]``."""

    start: int
    end: int
    score: float

    def to_dict(self) -> Dict[str, Any]:
        return {"start": self.start, "end": self.end, "score": self.score}


@dataclass(frozen=True)
class Report:
    """The result of checking one text."""

    score: float
    verdict: str  # "garbled" | "mt" (garbled, by machine translation) | "clean"
    threshold: float
    n_words: int
    flags: Tuple[Flag, ...] = field(default_factory=tuple)
    sentences: Tuple[SentenceScore, ...] = field(default_factory=tuple)
    spin_score: Optional[float] = None  # the n-gram classifier's own document probability
    mt_score: Optional[float] = None  # probability of machine-translation damage (None without an mt model)
    decoded: bool = field(default=False, compare=False)  # the restorer's decoder ran (channel flags listed)
    intensity: Optional[float] = None  # how hard a spinner worked the page, by the channel (1: a typical real spun page)
    stage: int = field(default=2, compare=False)  # 1: cleared by the cheap first stage (no context or meaning evidence read)
    round_trip_change: Optional[float] = None  # with --mt-roundtrip, how much the page changed when translated again

    @property
    def garbled(self) -> bool:
        return self.verdict != "clean"

    def to_dict(self) -> Dict[str, Any]:
        """The jsonl record for this text (without ``path`` and ``error``, which the CLI adds)."""
        return {
            "score": self.score,
            "spin_score": self.spin_score,
            "mt_score": self.mt_score,
            "verdict": self.verdict,
            "threshold": self.threshold,
            "n_words": self.n_words,
            "intensity": self.intensity,
            "stage": self.stage,
            **({} if self.round_trip_change is None else {"round_trip_change": self.round_trip_change}),
            "flags": [f.to_dict() for f in self.flags],
            "sentences": [s.to_dict() for s in self.sentences],
        }
