"""The two reading stages over a :class:`~garblecheck.detector.batch.Batch`.

Stage 1 reads every text: sentences, the lexicon, the n-gram logits, the page rate and, for a
model whose mt stacker reads it, the page profile; it clears the pages it is sure are clean.
Stage 2 reads the rest: the context model, the language model's fluency, the evidence of meaning
and respelt names. Both read the batch's one word pass; only the sentences where a lexicon key
or a context flag may fall are read again, as tokens (numbers, URLs and protection, which the
flags' guards need)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional, Set, Tuple

import numpy as np

from ..evidence.names import name_words
from ..evidence.translationese import page_profiles
from ..verdict.model import stage1_features
from ..verdict.report import density_score
from ..text.words import Words
from .batch import Batch
from .flags import context_flags, lexicon_flags, meaning_flags, name_flags

if TYPE_CHECKING:
    from .engine import Detector


def read_lexicon(det: "Detector", batch: Batch) -> None:
    """Each page's lexicon flags (per sentence) and its lexicon score."""
    starts: Dict[int, Set[int]] = {}  # sentence of the batch -> where a key may start in its text
    for j, at in det.lexicon.candidates(batch.words, batch.starts):
        starts.setdefault(j, set()).add(at)
    for j, at in starts.items():
        k, i = batch.page_of(j)
        batch.pages[k].flags[i] = lexicon_flags(det.lexicon, batch.pages[k], i, at)
    for a in batch.pages:
        a.lex_score = density_score((f.confidence for fl in a.flags for f in fl), a.n_words)


def read_stage1(det: "Detector", batch: Batch, full: bool) -> None:
    """The model's cheap evidence of every page, and which pages go on to stage 2 (all with ``full``)."""
    model = det.spin_model
    assert model is not None  # the stages run only with a model
    bounds = batch.bounds
    z, z_mt = model.sentence_logits_both(batch.sentences)
    batch.looked_up = model.context.lookup(batch.words) if model.context is not None else None
    rates = page_rates(det, batch)
    profiles = page_profiles(batch.words, bounds) if model.mt_page_profile else None
    for k, a in enumerate(batch.pages):
        lo, hi = bounds[k], bounds[k + 1]
        a.profile = None if profiles is None else profiles[k]
        a.logits = z[lo:hi]
        a.mt_logits = None if z_mt is None else z_mt[lo:hi]
        a.rates = None if rates is None else rates[k]
        a.ctx_max = np.zeros(hi - lo)
        a.stage1 = model.stage1(stage1_features(a.logits, a.lex_score, a.rates, a.mt_logits))
        a.stage = 2 if full or a.stage1 >= det.stage1_bar_ else 1


def page_rates(det: "Detector", batch: Batch) -> Optional[np.ndarray]:
    """:func:`garblecheck.decoding.decode.page_rates` of each page; None without a context model or a channel."""
    if batch.looked_up is None or det.channel is None:
        return None
    from ..decoding.decode import page_rates as rates

    found, lower = batch.looked_up
    det._shipped_rates()
    ids = found[lower].astype(np.int32)
    doc = (np.searchsorted(batch.bounds, batch.words.sentence[lower], side="right") - 1).astype(np.int32)
    return rates(det.get_lm(), det.get_channel(), ids, doc, len(batch), det._options)


def read_stage2(det: "Detector", batch: Batch) -> None:
    """The context model, the language model's fluency and the evidence of meaning for the pages
    stage 1 did not clear; then every page's combined sentence logits."""
    model = det.spin_model
    assert model is not None
    go = batch.stage2()
    if go and batch.looked_up is not None:
        bounds = batch.bounds
        part, w = batch.words.take(np.concatenate([np.arange(bounds[k], bounds[k + 1]) for k in go]))
        _stage2(det, [batch.pages[k] for k in go], part, (batch.looked_up[0][w], batch.looked_up[1][w]))
    for a in batch.pages:
        a.sentence_logits = model.combined_logits(a.logits, a.ctx_max)


def _stage2(det: "Detector", out: list, words: Words, looked_up: Tuple[np.ndarray, np.ndarray]) -> None:
    model = det.spin_model
    assert model is not None and model.context is not None
    ctx = model.context
    lexicon = det.lexicon
    bounds = np.cumsum([0] + [len(a.spans) for a in out])
    n_sentences = int(bounds[-1])
    words = ctx.table(words, [s.start for a in out for s in a.spans], features=False, looked_up=looked_up)
    ctx_max = words.sentence_max()
    word_bounds = np.searchsorted(words.sentence, bounds)
    if model.meaning is not None:  # unexpected pairs of all texts at once
        pairs, expected = model.meaning.collocations(ctx.unigram, ctx.total, ctx._bigram, words.ids, words.known,
                                                     words.sentence)
        pair_bounds = np.searchsorted(pairs, word_bounds)
        lower_proper = model.meaning.lower_proper(words, ctx.index)
    fluency = None
    if model.mt_weights is not None:
        from ..evidence.lm import sentence_fluency

        lower = words.lower
        word_logits = model.mt_word_logits(lower, words.sentence, n_sentences, words.words.capital)
        fluency = sentence_fluency(det.get_lm(), lower, words.sentence, n_sentences, ctx.function_words())
    # names are capitalised and never lower-case vocabulary words (read for all pages at once)
    names = name_words(words.words, np.flatnonzero(~words.known & words.words.capital), ctx.english)
    name_bounds = np.searchsorted(names, word_bounds)
    seen = np.r_[0, np.cumsum(words.words.capital & (words.lower == 0))]
    unknown_capitals = seen[word_bounds[1:]] - seen[word_bounds[:-1]]  # capitalised words the vocabulary lacks, per page
    for k, a in enumerate(out):
        lo, hi = bounds[k], bounds[k + 1]
        w0, w1 = word_bounds[k], word_bounds[k + 1]
        if fluency is not None:
            a.mt_logits = a.mt_logits + word_logits[lo:hi]
            a.fluency = fluency[lo:hi]
        a.ctx_max = ctx_max[lo:hi]
        a.ctx_evidence = words.type_evidence(w0, w1)
        a.unknown_capitals = int(unknown_capitals[k])
        if model.flag_threshold is not None:
            a.ctx_flags = context_flags(lexicon, ctx, a, words, int(lo), w0, w1, model.flag_threshold)
        a.ctx_flags += name_flags(lexicon, a, words, names[name_bounds[k] : name_bounds[k + 1]])
        if model.meaning is not None:
            p0, p1 = pair_bounds[k], pair_bounds[k + 1]
            a.ctx_flags += meaning_flags(lexicon, ctx, model.meaning, a, words, pairs[p0:p1], expected[p0:p1], w0, w1,
                                       lower_proper)
        a.words = (words, int(w0), int(w1), int(lo))
