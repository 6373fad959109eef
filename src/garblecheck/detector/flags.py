"""Flags of one page from the evidence the stages gathered: the lexicon's matches, context words,
respelt names, evidence of meaning and names the spinner mangled; each placed in the text with its
line and column and ranked suggestions."""

from __future__ import annotations

from typing import Any, Dict, List, Set

import numpy as np

from ..decoding.changes import match_case
from ..evidence.lexicon import Lexicon
from ..text.words import normalize
from ..verdict.report import Flag
from .batch import NAME_CONFIDENCE, SPUN_NAME_CONFIDENCE, Page, Taken, in_address, overlaps


def lexicon_flags(lexicon: Lexicon, a: Page, j: int, starts: Set[int]) -> List[Flag]:
    """The lexicon's flags in sentence ``j`` of a page, matched at the word pass's candidate
    ``starts`` (:meth:`Lexicon.candidates`)."""
    text, tokens = a.text, a.tokens(j)
    found: List[Flag] = []
    for m in lexicon.match(text, tokens, starts):
        start, end = tokens[m.first].start, tokens[m.last].end
        surface = text[start:end]
        line, col = a.lines.line_col(start)
        found.append(Flag(start=start, end=end, text=surface,
                          suggestions=tuple(match_case(surface, o) for o in m.entry.originals),
                          kind=m.entry.kind, confidence=m.entry.confidence, rule=m.entry.rule, line=line, col=col))
    return found


def context_flags(lexicon: Lexicon, context: Any, a: Page, table: Any, first_sentence: int, lo: int, hi: int,
                  tau: float) -> List[Flag]:
    """Flags for the words of one page (``lo..hi`` in ``table``) whose evidence reaches ``tau``.

    Two such words next to each other are one flag, fixed as a unit. A word inside a lexicon
    flag, a protected token (name, number, URL) or an ignored phrase is never flagged.
    """
    text = a.text
    hits = lo + np.flatnonzero(table.evidence[lo:hi] >= tau)
    if not len(hits):
        return []
    where = dict(zip(hits.tolist(), table.offsets(hits)))  # word -> (start, end) in text
    tokens: Dict[int, Dict[int, Any]] = {}  # sentence -> token start -> token
    runs: List[List[int]] = []
    for k, (start, end) in where.items():
        j = int(table.sentence[k]) - first_sentence
        if j not in tokens:
            tokens[j] = {t.start: t for t in a.tokens(j)}
        tok = tokens[j].get(start)
        if tok is None or tok.end != end or tok.protected or tok.kind != "word" \
                or overlaps(start, end, a.flags[j]):
            continue
        prev = runs[-1] if runs else None
        if prev and len(prev) == 1 and prev[0] == k - 1 and table.sentence[k - 1] == table.sentence[k] \
                and not text[where[prev[0]][1] : start].strip():
            prev.append(k)
        else:
            runs.append([k])
    found: List[Flag] = []
    for run in runs:
        start, end = where[run[0]][0], where[run[-1]][1]
        surface = text[start:end]
        if normalize(surface) in lexicon.ignore:
            continue
        ranked = context.ranked(table, run[0], run[-1])
        if not ranked:
            continue
        line, col = a.lines.line_col(start)
        found.append(Flag(
            start=start, end=end, text=surface,
            suggestions=tuple(match_case(surface, " ".join(words)) for words, _ in ranked[:3]),
            kind="spin", confidence=round(float(table.evidence[run].min()), 4),
            rule="context:phrase" if len(run) > 1 else "context:word", line=line, col=col,
        ))
    return found


def name_flags(lexicon: Lexicon, a: Page, table: Any, names: np.ndarray) -> List[Flag]:
    """``mt`` flags for names respelt within the page (garblecheck.evidence.names) among its
    ``names`` (words of ``table``, :func:`garblecheck.evidence.names.name_words`)."""
    from ..evidence.names import name_variants

    text = a.text
    found = name_variants(table.words, table.sentence, names)
    out = []
    for (k, suggestion), (start, end) in zip(found, table.offsets([k for k, _ in found])):
        surface = text[start:end]
        if surface.endswith(("'s", "’s")):
            end -= 2
            surface = surface[:-2]
        if normalize(surface) in lexicon.ignore:
            continue
        line, col = a.lines.line_col(start)
        out.append(Flag(start=start, end=end, text=surface, suggestions=(suggestion,), kind="mt",
                        confidence=NAME_CONFIDENCE, rule="mt:name", line=line, col=col))
    return out


def meaning_flags(lexicon: Lexicon, context: Any, meaning: Any, a: Page, table: Any, ks: np.ndarray,
                  expected: np.ndarray, lo: int, hi: int, lower_proper: np.ndarray) -> List[Flag]:
    """``mt`` flags for evidence of meaning (:mod:`garblecheck.evidence.meaning`) in one page (words
    ``lo:hi`` of ``table``); ``ks`` are the words of ``table`` that end an unexpected pair,
    ``expected`` their expectation; ``lower_proper`` (``MeaningModel.lower_proper``) of the table."""
    from ..evidence.meaning import CONFIDENCE, Finding

    text = a.text
    found = meaning.find(text) + meaning.cases(text, table, lo, hi, context.index, lower_proper)
    if len(ks):
        for k, (s1, e1), (s2, e2), x in zip(ks.tolist(), table.offsets((ks - 1).tolist()), table.offsets(ks.tolist()), expected):
            if text[e1:s2].strip():
                continue  # punctuation between them
            pair = f"{text[s1:e1]} {text[s2:e2]}"
            alts = context.pair_alternatives(int(table.ids[k - 1]), int(table.ids[k]))
            if alts:  # a flag without a suggestion would point at the pair and offer nothing
                found.append(Finding(s1, e2, "mt:collocation", match_case(pair, alts[0]),
                                     f'clean news never writes "{pair.lower()}" though its words would meet {x:.0f} times'))
    taken = Taken([f for fl in a.flags for f in fl] + a.ctx_flags)  # lexicon, context and name flags come first
    out: List[Flag] = []
    for f in sorted(found):  # by start, so only the last one kept can overlap the next
        surface = text[f.start : f.end]
        if normalize(surface) in lexicon.ignore or taken.hits(f.start, f.end) or (out and out[-1].end > f.start) \
                or in_address(text, f.start, f.end):
            continue
        line, col = a.lines.line_col(f.start)
        out.append(Flag(start=f.start, end=f.end, text=surface,
                        suggestions=(f.suggestion,), kind="mt",
                        confidence=CONFIDENCE[f.rule], rule=f.rule, line=line, col=col, explanation=f.explanation))
    return out


def spun_name_flags(lexicon: Lexicon, channel: Any, a: Page, flags: List[Flag]) -> List[Flag]:
    """Flags for names the spinner mangled ("White Home" -> "White House"), which restoration
    repairs; every other name stays untouched."""
    text = a.text
    out = []
    taken = Taken(flags)
    for start, end, repl in channel.spun_names(text):
        if taken.hits(start, end) or normalize(text[start:end]) in lexicon.ignore:
            continue
        line, col = a.lines.line_col(start)
        out.append(Flag(start=start, end=end, text=text[start:end], suggestions=(repl,), kind="spin",
                        confidence=SPUN_NAME_CONFIDENCE, rule="name:spun", line=line, col=col))
    return out
