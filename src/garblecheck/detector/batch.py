"""The batch every stage reads and extends: the texts, their sentences and word pass, and one
:class:`Page` of evidence per text; and the small span helpers the flag builders share."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any, Iterable, List, Sequence, Tuple

import numpy as np

from ..text.words import LineIndex, Span, Token, Words, sentence_spans, tokenize
from ..verdict.model import doc_features
from ..verdict.report import Flag

NAME_CONFIDENCE = 0.7  # a respelt name; restoration never rewrites names, so this is a suggestion only
DECODE_MIN_SCORE = 0.5  # score decodes a page whose score reaches this (about 3% of clean calibration pages do)
SPUN_NAME_CONFIDENCE = 0.9
RESTORE_ROUNDS = 4  # restore reads its result again at most this often
MT_MIN_WORDS = 100  # a shorter text is never called mt: its style says too little (its mt_score stands)

BATCH_CHARS = 1 << 20  # check_many analyses texts together up to this many characters
DECODE_WORDS = 1 << 14  # the decoder takes at most about this many words at once
LEARN_MIN_TEXTS = 20  # a batch this large teaches the channel its spinner (learn_batch)
LEARN_ITERATIONS = 2
LEARN_FLAG_MIN = 0.9  # a learned channel is surer of itself than it should be: its decisions need more (bench/learn_batch.py)


class Page:
    """What the stages found in one text of a batch, before it is turned into a report."""

    def __init__(self, text: str, spans: List[Span], counts: np.ndarray) -> None:
        self.text = text
        self.spans = spans
        self.counts = counts  # white-space separated words per sentence (the word pass)
        # a word cut between two sentences ("began.The") is one word of the text
        self.n_words = int(counts.sum()) - sum(a.end == b.start for a, b in zip(spans, spans[1:]))
        self.lines = LineIndex(text)  # of the text, shared by every kind of flag
        self.flags: List[List[Flag]] = [[] for _ in spans]  # the lexicon's, per sentence
        self.lex_score = 0.0
        self.logits: Any = None
        self.ctx_evidence: Any = None  # per word type of the page (WordTable.type_evidence)
        self.ctx_flags: List[Flag] = []  # flags of the context model (apart: the scores count lexicon flags)
        self.ctx_max: Any = None
        self.sentence_logits: Any = None
        self.mt_logits: Any = None
        self.fluency: Any = None  # garblecheck.evidence.lm.FLUENCY_COLUMNS per sentence
        self.words: Any = None  # (context word table, first word, end word, first sentence) for the restorer
        self.rates: Any = None  # the page rate (garblecheck.decoding.decode.page_rates), without a context model None
        self.stage1 = 1.0  # stage 1's probability that the page is damaged
        self.stage = 2  # 1: cleared by stage 1 (no context, language-model or meaning evidence read)
        self.unknown_capitals = 0  # capitalised words the vocabulary lacks (stage 2)
        self.profile: Any = None  # the page profile, for a model whose mt stacker reads it

    def features(self) -> Any:
        return doc_features(self.sentence_logits, self.lex_score, self.ctx_evidence, self.ctx_max, self.n_words, self.rates,
                            sum(f.confidence for fl in self.flags for f in fl))

    def tokens(self, j: int) -> List[Token]:
        """The tokens of sentence ``j`` (numbers, URLs, protection: what the lexicon's conditions
        and the flags' guards read), for the few sentences a flag may fall in. Not kept: tokens
        are large objects, and a sentence with both a key and a context flag is rare."""
        return tokenize(self.text, self.spans[j].start, self.spans[j].end)


class Batch:
    """Texts read together: their sentences (``bounds[k]:bounds[k + 1]`` are text ``k``'s), one
    word pass over all of them, and a :class:`Page` per text that the stages fill in."""

    def __init__(self, docs: Sequence[str]) -> None:
        self.docs = list(docs)
        spans = [sentence_spans(t) for t in self.docs]
        self.sentences = [t[s.start : s.end] for t, sp in zip(self.docs, spans) for s in sp]
        self.starts = [s.start for sp in spans for s in sp]  # each sentence's offset in its text
        self.bounds = np.cumsum([0] + [len(sp) for sp in spans])  # each text's first sentence
        self.words = Words(self.sentences)
        counts = self.words.counts
        self.pages = [Page(t, sp, counts[self.bounds[k] : self.bounds[k + 1]]) for k, (t, sp) in enumerate(zip(self.docs, spans))]
        self.looked_up: Any = None  # the word pass's vocabulary ids (ContextModel.lookup), with a context model

    def __len__(self) -> int:
        return len(self.pages)

    def page_of(self, sentence: int) -> Tuple[int, int]:
        """The text of a batch sentence, and the sentence's index within it."""
        k = int(np.searchsorted(self.bounds, sentence, side="right")) - 1
        return k, sentence - int(self.bounds[k])

    def stage2(self) -> List[int]:
        """The texts stage 1 did not clear."""
        return [k for k, p in enumerate(self.pages) if p.stage == 2]


def pieces(d: int, a: Page, size: int) -> List[Tuple[int, int, int, int, int]]:
    """Text ``d`` (page ``a``) in pieces of whole sentences of about ``size`` words (one piece
    for a shorter text): ``(d, first word, end word, first sentence, end sentence)``, words in the
    word table, sentences in the text; every sentence of the text is in one piece."""
    table, lo, hi, first = a.words
    n = len(a.spans)
    if n == 0:
        return [(d, lo, hi, 0, 0)]
    counts = np.bincount(table.sentence[lo:hi] - first, minlength=n)
    before = np.cumsum(counts) - counts  # words of the text before each sentence
    piece = before // size
    cuts = np.flatnonzero(np.diff(piece)) + 1  # sentences that open a new piece
    j = np.r_[0, cuts, n].tolist()
    w = (lo + np.r_[before[j[:-1]], hi - lo]).tolist()
    return [(d, w[i], w[i + 1], j[i], j[i + 1]) for i in range(len(j) - 1)]


def in_address(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies inside a URL or an e-mail address ("https://arab.news/x"), never flagged."""
    lo = max(text.rfind(c, 0, start) for c in " \t\n\r") + 1
    his = [i for i in (text.find(c, end) for c in " \t\n\r") if i >= 0]
    run = text[lo : min(his) if his else len(text)]
    return "://" in run or run.lower().startswith("www.") or "@" in run


def overlaps(start: int, end: int, others: Iterable[Flag]) -> bool:
    """Does ``text[start:end]`` share a character with any of the flags ``others``?"""
    return any(o.start < end and start < o.end for o in others)


class Taken:
    """Flags already placed, for :meth:`hits` ("does ``text[start:end]`` share a character with one
    of them?") in logarithmic time: starts in order, and the furthest end up to each."""

    def __init__(self, flags: Iterable[Flag]) -> None:
        spans = sorted((f.start, f.end) for f in flags)
        self.starts = [a for a, _ in spans]
        self.ends: List[int] = []
        for _, b in spans:
            self.ends.append(max(b, self.ends[-1]) if self.ends else b)

    def hits(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)  # the flags that start before ``end``
        return i > 0 and self.ends[i - 1] > start
