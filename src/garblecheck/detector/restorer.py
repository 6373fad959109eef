"""The decoder's flags: pages read with the language model and the spinner channel
(:mod:`garblecheck.decoding.decode`), in pieces of whole sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Sequence, Tuple

import numpy as np

from ..decoding.changes import match_case
from ..text.words import normalize
from ..verdict.report import Flag
from .batch import DECODE_WORDS, Page, pieces

if TYPE_CHECKING:
    from .engine import Detector

Piece = Tuple[int, int, int, int, int]


def channel_flags(det: "Detector", texts: Sequence[str], pages: Sequence[Page], learn: Any = None) -> List[List[Flag]]:
    """Flags from decoding the texts: each word whose chosen original reaches ``decode.FLAG_MIN``.
    Each text keeps its own intensity; a text of more than ``DECODE_WORDS`` words is decoded in
    pieces of whole sentences of about that many words, each with its own intensity, and texts are
    decoded together up to that many words (memory stays bounded)."""
    from ..text.io import batched_by_size

    out: List[List[Flag]] = [[] for _ in pages]
    todo = (p for d, a in enumerate(pages) for p in pieces(d, a, DECODE_WORDS))
    for group in batched_by_size(todo, DECODE_WORDS, lambda p: p[2] - p[1]):
        _decode(det, texts, pages, group, out, learn)
    return out


def _decode(det: "Detector", texts: Sequence[str], pages: Sequence[Page], group: Sequence[Piece],
            out: List[List[Flag]], learn: Any = None) -> None:
    """Decode the pieces of ``group`` (:func:`batch.pieces`) in one pass; their flags go to ``out[text]``."""
    from ..decoding.decode import FLAG_MIN, decode

    lm = det.get_lm()
    table = pages[0].words[0]  # one word table holds the sentences of every text of the batch
    index = np.concatenate([np.arange(lo, hi) for _, lo, hi, _, _ in group])  # table word of each decoded word
    doc = np.repeat(np.arange(len(group)), [hi - lo for _, lo, hi, _, _ in group])  # its piece
    sentence = table.sentence[index]
    skip = np.zeros(len(index), dtype=bool)
    fixed: Dict[int, int] = {}
    known = np.zeros(len(group))
    at = 0
    for p, (d, lo, hi, j0, j1) in enumerate(group):
        a = pages[d]
        first_sentence = a.words[3]
        local = table.sentence[lo:hi]
        for j in range(j0, j1):  # words under a lexicon flag: read as its replacement
            fl = a.flags[j]
            if not fl:
                continue
            ks = np.arange(*np.searchsorted(local, [first_sentence + j, first_sentence + j + 1]))
            spans = table.offsets((lo + ks).tolist())
            for f in fl:
                inside = [at + int(k) for k, (s, e) in zip(ks, spans) if s < f.end and f.start < e]
                skip[inside] = True
                repl = f.suggestions[0].lower().split() if f.suggestions else []
                if len(repl) == len(inside):
                    fixed.update(zip(inside, lm.ids(repl).tolist()))
                known[p] += f.kind == "spin"
        at += hi - lo
    decisions, _ = decode(lm, det.get_channel(), table.words.strings(index), sentence, skip, fixed, known=known,
                          cache=det._options, doc=doc, learn=learn)
    flag_min = FLAG_MIN if det._flag_min is None else det._flag_min
    chosen = [x for x in decisions if x.chosen is not None and x.confidence >= flag_min]
    firsts = table.offsets([int(index[x.word]) for x in chosen])
    lasts = table.offsets([int(index[x.word + x.span - 1]) for x in chosen])
    for x, (start, _), (_, end) in zip(chosen, firsts, lasts):
        d = group[int(doc[x.word])][0]
        text = texts[d]
        surface = text[start:end]
        if normalize(surface) in det.lexicon.ignore:
            continue
        line, col = pages[d].lines.line_col(start)
        alts = [o for o, p in zip(x.originals, x.posteriors) if o != x.chosen and p >= 0.05][:2]
        out[d].append(Flag(start=start, end=end, text=surface,
                           suggestions=tuple(match_case(surface, o) for o in [x.chosen, *alts]),
                           kind="spin", confidence=round(x.confidence, 4),
                           rule="channel:phrase" if x.span > 1 else "channel:word", line=line, col=col))
