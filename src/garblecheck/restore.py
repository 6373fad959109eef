"""Restoration: turn confident flags into ``Change`` steps, and replay steps on a text.

As in ftfy's ``fix_and_explain``, the steps are the explanation: ``apply_changes(text, changes)``
reproduces the restored text exactly.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Dict, List, Sequence

from .report import Flag

__all__ = ["Change", "apply_changes", "plan_changes", "match_case", "RESTORE_MIN_CONFIDENCE", "SUGGESTION_ONLY"]

RESTORE_MIN_CONFIDENCE = 0.5
SUGGESTION_ONLY = frozenset({"mt:name", "mt:title", "mt:joined", "mt:article", "mt:collocation", "mt:pronoun", "mt:case",
                             "mt:dropcap"})
_ARTICLE_RE = re.compile(r"(?<![\w'’\-])(an?)(\s+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Change:
    """Replace ``text[start:end]`` (which equals ``before``) by ``after``."""

    start: int
    end: int
    before: str
    after: str
    rule: str

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def match_case(src: str, repl: str) -> str:
    """Give ``repl`` the case pattern of ``src``: ``TONS OF``→upper, ``Tons of``→first capital,
    ``International Locations``→each word capitalised, lower case otherwise left as written."""
    letters = [c for c in src if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return repl.upper()
    if src[:1].isupper():
        words = src.split()
        if len(words) > 1 and all(w[:1].isupper() for w in words if w[:1].isalpha()):
            return " ".join(w[:1].upper() + w[1:] for w in repl.split(" "))
        return repl[:1].upper() + repl[1:]
    return repl


def apply_changes(text: str, changes: Sequence[Change]) -> str:
    """Replay non-overlapping changes on ``text``; raises ``ValueError`` if one does not fit."""
    out: List[str] = []
    pos = 0
    for c in sorted(changes, key=lambda c: c.start):
        if c.start < pos or text[c.start : c.end] != c.before:
            raise ValueError(f"change {c} does not apply at offset {c.start}")
        out.append(text[pos : c.start])
        out.append(c.after)
        pos = c.end
    out.append(text[pos:])
    return "".join(out)


@lru_cache(maxsize=1)
def _inflect_engine() -> Any:
    import inflect  # imported on first use: it is slow to import and only restoration needs it

    return inflect.engine()


@lru_cache(maxsize=4096)
def _article_for(word: str) -> str:
    """``"a"`` or ``"an"`` for ``word``, by sound ("an hour", "a university", "an FBI")."""
    return _inflect_engine().a(word).split(" ", 1)[0].lower()


def plan_changes(text: str, flags: Sequence[Flag], min_confidence: float = RESTORE_MIN_CONFIDENCE) -> List[Change]:
    """One change per confident flag (top suggestion, case kept); an adjacent "a"/"an" that the
    change would make wrong is rewritten in the same step. Names are never rewritten, and the
    evidence of machine translation (``SUGGESTION_ONLY``: a respelt name, a title, a run-together
    word, an article, a collocation) keeps its suggestion for a person to check."""
    changes: List[Change] = []
    prev_end = 0
    for f in sorted(flags, key=lambda f: f.start):
        if f.confidence < min_confidence or not f.suggestions or f.start < prev_end or f.rule in SUGGESTION_ONLY:
            continue
        start, after = f.start, f.suggestions[0]
        m = _ARTICLE_RE.search(text, max(prev_end, f.start - 8), f.start)
        if m:
            first = after.split(" ", 1)[0]
            old_art = m.group(1)
            new_art = _article_for(first)
            if new_art != old_art.lower():
                start = m.start(1)
                after = match_case(old_art, new_art) + m.group(2) + after
        if after != text[start : f.end]:
            changes.append(Change(start, f.end, text[start : f.end], after, f.rule))
        prev_end = f.end
    return changes
