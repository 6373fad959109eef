"""The one engine every front end calls: text -> sentences/tokens -> candidates -> scores -> report."""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .lexicon import Lexicon
from .report import DEFAULT_THRESHOLD, Flag, Report, SentenceScore, density_score
from .restore import RESTORE_MIN_CONFIDENCE, Change, apply_changes, match_case, plan_changes
from .text import LineIndex, count_words, sentence_spans, tokenize

__all__ = ["Detector"]

PathLike = Union[str, Path]


def _require_str(text: Any) -> str:
    if isinstance(text, (bytes, bytearray, memoryview)):
        raise TypeError("garblecheck works on str, not bytes: decode first, e.g. data.decode('utf-8')")
    if not isinstance(text, str):
        raise TypeError(f"garblecheck works on str, not {type(text).__name__}")
    return text


class Detector:
    """Load the lexicon once, then check and restore any number of texts.

    Parameters follow scikit-learn's convention: they are stored as given and returned by
    :meth:`get_params`.
    """

    def __init__(
        self,
        *,
        lexicons: Sequence[PathLike] = (),
        ignore: Iterable[str] = (),
        default_lexicon: bool = True,
        threshold: Optional[float] = None,
        restore_min_confidence: float = RESTORE_MIN_CONFIDENCE,
    ) -> None:
        self.lexicons = tuple(lexicons)
        self.ignore = tuple(ignore)
        self.default_lexicon = default_lexicon
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        self.restore_min_confidence = restore_min_confidence
        self.lexicon = Lexicon.load(self.lexicons, default=default_lexicon, ignore=self.ignore)

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        return {
            "lexicons": self.lexicons,
            "ignore": self.ignore,
            "default_lexicon": self.default_lexicon,
            "threshold": self.threshold,
            "restore_min_confidence": self.restore_min_confidence,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"Detector({args})"

    # -- detection ---------------------------------------------------------------------------

    def _find(self, text: str) -> Tuple[List[Flag], List[Tuple[int, int, List[Flag]]]]:
        """Flags, and each sentence with the flags inside it."""
        lines: Optional[LineIndex] = None
        flags: List[Flag] = []
        per_sentence: List[Tuple[int, int, List[Flag]]] = []
        spans = sentence_spans(text)
        starts = [s.start for s in spans]
        candidate = set()
        for pos in self.lexicon.candidate_starts(text):
            candidate.add(bisect_right(starts, pos) - 1)
        for k, span in enumerate(spans):
            found: List[Flag] = []
            if k in candidate:
                tokens = tokenize(text, span.start, span.end)
                for m in self.lexicon.match(text, tokens):
                    if lines is None:
                        lines = LineIndex(text)
                    start, end = tokens[m.first].start, tokens[m.last].end
                    surface = text[start:end]
                    line, col = lines.line_col(start)
                    found.append(
                        Flag(
                            start=start,
                            end=end,
                            text=surface,
                            suggestions=tuple(match_case(surface, o) for o in m.entry.originals),
                            kind=m.entry.kind,
                            confidence=m.entry.confidence,
                            rule=m.entry.rule,
                            line=line,
                            col=col,
                        )
                    )
            flags.extend(found)
            per_sentence.append((span.start, span.end, found))
        return flags, per_sentence

    def check(self, text: str) -> Report:
        """Score one text and list its flags."""
        text = _require_str(text)
        flags, per_sentence = self._find(text)
        n_words = count_words(text)
        score = density_score((f.confidence for f in flags), n_words)
        sentences = tuple(
            SentenceScore(a, b, density_score((f.confidence for f in fl), count_words(text, a, b)) if fl else 0.0)
            for a, b, fl in per_sentence
        )
        verdict = "garbled" if score >= self.threshold else "clean"
        return Report(score, verdict, self.threshold, n_words, tuple(flags), sentences)

    def check_many(self, texts: Iterable[str]) -> List[Report]:
        """``[check(t) for t in texts]``; the same results as one text at a time."""
        return [self.check(t) for t in texts]

    # -- restoration -------------------------------------------------------------------------

    def restore_and_explain(self, text: str, report: Optional[Report] = None) -> Tuple[str, List[Change]]:
        """The restored text and the changes that produce it from ``text``.

        Pass the ``report`` of ``text`` if you already have it, to skip checking it again.
        """
        text = _require_str(text)
        if report is None:
            report = self.check(text)
        changes = plan_changes(text, report.flags, self.restore_min_confidence)
        return apply_changes(text, changes), changes

    def restore(self, text: str) -> str:
        """``text`` with every confident flag replaced by its top suggestion."""
        return self.restore_and_explain(text)[0]
