"""Restoration: turn confident flags into ``Change`` steps, and replay steps on a text.

As in ftfy's ``fix_and_explain``, the steps are the explanation: ``apply_changes(text, changes)``
reproduces the restored text exactly.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, List, Sequence

if TYPE_CHECKING:  # flags come from the verdict stage above; only their fields are read here
    from ..verdict.report import Flag

__all__ = ["Change", "apply_changes", "compose_changes", "plan_changes", "match_case", "RESTORE_MIN_CONFIDENCE", "SUGGESTION_ONLY"]

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


def compose_changes(text: str, first: Sequence[Change], second: Sequence[Change]) -> List[Change]:
    """The changes that take ``text`` where ``first`` and then ``second`` (changes of the text
    ``first`` makes) take it, on ``text``'s offsets: changes of both rounds that touch join into one."""
    first = sorted(first, key=lambda c: c.start)
    second = sorted(second, key=lambda c: c.start)
    middle = apply_changes(text, first)
    # every change as a region of the middle text, with the first round's on the original beside it
    regions: List[List[Any]] = []  # [lo, hi, original start, original end, rule]
    shift = 0
    for c in first:
        regions.append([c.start + shift, c.start + shift + len(c.after), c.start, c.end, c.rule])
        shift += len(c.after) - (c.end - c.start)
    firsts = list(regions)

    def back(pos: int) -> int:
        """An offset of the middle text outside every first-round change, on ``text``."""
        return pos - sum(hi - lo - (e - s) for lo, hi, s, e, _ in firsts if hi <= pos)

    regions += [[c.start, c.end, None, None, c.rule] for c in second]
    regions.sort(key=lambda r: (r[0], r[1]))
    merged: List[List[Any]] = []
    for r in regions:  # regions that overlap or touch an insertion at the same place are one change
        if merged and (r[0] < merged[-1][1] or r[0] == merged[-1][0] == merged[-1][1] or r[0] == r[1] == merged[-1][1]):
            m = merged[-1]
            m[1] = max(m[1], r[1])
            m.append(r)
        else:
            merged.append([r[0], r[1], r])
    out: List[Change] = []
    for m in merged:
        lo, hi, parts = m[0], m[1], m[2:]
        starts = [x[2] for x in parts if x[2] is not None and x[0] == lo]
        ends = [x[3] for x in parts if x[3] is not None and x[1] == hi]
        start = min(starts) if starts else back(lo)
        end = max(ends) if ends else back(hi)
        inner = [c for c in second if lo <= c.start and c.end <= hi]
        after = apply_changes(middle[lo:hi], [Change(c.start - lo, c.end - lo, c.before, c.after, c.rule) for c in inner])
        rule = inner[-1].rule if inner else parts[0][4]
        out.append(Change(start, end, text[start:end], after, rule))
    return out


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
