#!/usr/bin/env python3
"""Held-out perplexity of the language models on clean news, per training source.

The current bigram statistics (the shipped model's context) against Kneser-Ney trigram models
(``garblecheck.evidence.lm.TrigramLM``) built from the clean-news training split alone and with the
speeches added (all years, or from 1990 on). Test text: the test split (seed 0) of the
wikinews-2019-2020 file and of all clean news. Perplexity per word (no sentence end), over all
words (each model's unknown-word probability) and over the words every model knows.

The judged task (``--judge``): held-out thesaurus substitutions (the spinner of ``garblecheck eval
--simulate heldout``, density 0.1) on the test split, and the ROC AUC of the context evidence
(``fit(best alternative) - fit(word)``, before the token scorer) over every word that has
alternatives (none skipped as settled, so every model judges the same words), with the evidence drawn from each language model on the context vocabulary: the
previous bigram formula, the trigram of clean news (unpruned as shipped, and pruned), and the
trigram of clean news plus the speeches from 1990 on, news counted once or four times.

    python bench/lm.py [--speeches] [--judge]
        --speeches  also builds the two speech-augmented models and mixtures of a news and a
                    speeches-from-1990 model (minutes, GBs)
        --judge     the judged task above (with --speeches: the speech-augmented models too)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from pathlib import Path

import numpy as np

from garblecheck.text.words import sentence_words
from garblecheck.evidence.lm import BOS, TrigramLM
from garblecheck.verdict.model import SpinModel, default_model_dir
from garblecheck.text.words import sentence_spans
from garblecheck.learn.train import read_corpus, split_of

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))


def speeches(min_year: int):
    for f in sorted((SHARED / "corpora" / "speeches").glob("*.jsonl.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if int(rec.get("year") or 0) >= min_year:
                    yield rec["text"]


def test_words(texts):
    """Per sentence, its lower-case words."""
    out = []
    for t in texts:
        spans = sentence_spans(t)
        ws, sent = sentence_words([t[s.start : s.end] for s in spans])
        for k in range(len(spans)):
            out.append([w.lower() for w, s in zip(ws, sent) if s == k])
    return [s for s in out if s]


def trigram_p(lm: TrigramLM, sents):
    ids = [lm.ids(s) for s in sents]
    a = np.concatenate([np.r_[BOS, BOS, x[:-2]] if len(x) > 1 else np.array([BOS]) for x in ids])
    b = np.concatenate([np.r_[BOS, x[:-1]] for x in ids])
    c = np.concatenate(ids)
    return lm.prob(a, b, c), c == 0


def trigram_logp(lm: TrigramLM, sents):
    p, unk = trigram_p(lm, sents)
    return np.log(p), unk


def mixture_logp(news: TrigramLM, other: TrigramLM, weight: float, sents):
    """log of weight * P_news + (1 - weight) * P_other (each model with its own vocabulary)."""
    (p, unk), (q, unk2) = trigram_p(news, sents), trigram_p(other, sents)
    return np.log(weight * p + (1 - weight) * q), unk | unk2


def size_mb(lm: TrigramLM) -> float:
    return sum(v.nbytes for v in lm.arrays().values()) / 1e6


class PreviousBigram:
    """The bigram statistics the engine used before the trigram model: smoothed bigram counts of
    the context model with a unigram backoff, ``log((C(a b) + 2 P(b)) / (C(a) + 2))``."""

    def __init__(self, context) -> None:
        self.c = context
        u = context.unigram
        self.logp1 = np.log((u + 0.5) / (u.sum() + 0.5 * len(u)))

    def lp(self, a, b):
        pb = np.exp(self.logp1[np.maximum(b, 0)])
        lp = np.log((self.c._bigram(a, b) + 2.0 * pb) / (self.c.unigram[np.maximum(a, 0)] + 2.0))
        return np.where(a >= 0, lp, np.log(pb))

    def count(self, before, words, after):  # nothing is settled: every model judges the same words
        return np.zeros(len(words))

    def window(self, p2, p1, w, n1, n2):  # what ContextModel.table asks: the old chain a -> w -> b
        return self.lp(p1, w) + self.lp(w, n1) * (n1 >= 0)


def bigram_logp(context, sents):
    old = PreviousBigram(context)
    ids = [np.array([context.index.get(w, 0) for w in s], dtype=np.int64) for s in sents]
    prev = np.concatenate([np.r_[-1, x[:-1]] for x in ids])
    c = np.concatenate(ids)
    return np.where(c > 0, old.lp(prev, c), np.log(0.5 / context.total)), c == 0


def judge(docs, with_speeches: bool) -> None:
    """ROC AUC of the context evidence on held-out substitutions under each language model."""
    import random

    from sklearn.metrics import roc_auc_score

    import garblecheck.evidence.context as ctx_module
    from garblecheck.evidence.context import ContextModel, corpus_words
    from garblecheck.evidence.lexicon import Lexicon
    from garblecheck.learn.synth import Spinner, Thesaurus
    from garblecheck.learn.train import token_dataset

    thesaurus = Thesaurus.load(lexicon=Lexicon.load())
    train = [d.text for d in docs if split_of(d.id, 0) >= 2]
    t = time.perf_counter()
    context = ContextModel.build(train, thesaurus.reverse_single_words())
    print(f"\njudged task: context and trigram built in {time.perf_counter() - t:.0f} s")
    test = [d for d in docs if split_of(d.id, 0) == 0][:600]
    rng = random.Random(0)
    spinner = Spinner(thesaurus, "heldout", 0)
    spun = [spinner.spin(d.text, 0.1, rng) for d in test]
    texts = [s.text for s in spun]

    def ids_of(texts_):
        words, sentence, n = corpus_words(texts_)
        return np.fromiter((context.index.get(w, 0) for w in words), dtype=np.int64, count=len(words)), sentence, n

    news = ids_of(train)
    variants = {"previous bigram formula": PreviousBigram(context), "trigram, clean news, unpruned (shipped)": context.lm,
                "trigram, clean news, trigrams seen once pruned": TrigramLM.from_ids(context.vocab, *news, prune=1)}
    if with_speeches:
        talk = ids_of(speeches(1990))
        for times in (1, 4):
            parts = [news] * times + [talk]
            offsets = np.cumsum([0] + [p[2] for p in parts[:-1]])
            ids = np.concatenate([p[0] for p in parts])
            sentence = np.concatenate([p[1] + o for p, o in zip(parts, offsets)])
            variants[f"trigram, clean news x{times} + speeches from 1990, pruned 1"] = TrigramLM.from_ids(
                context.vocab, ids, sentence, int(offsets[-1] + parts[-1][2]), prune=1)
    shipped, settled = context.lm, ctx_module.SETTLED
    ctx_module.SETTLED = float("inf")
    for name, lm in variants.items():
        context.lm = lm
        X, y = token_dataset(context, texts, spun)
        print(f"  {name:60s} evidence ROC AUC {roc_auc_score(y, X[:, 0]):.4f} over {len(y)} words with alternatives "
              f"({int(y.sum())} substituted)")
    context.lm, ctx_module.SETTLED = shipped, settled


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--speeches", action="store_true")
    ap.add_argument("--judge", action="store_true")
    args = ap.parse_args()
    docs, _ = read_corpus([str(p) for p in sorted((SHARED / "corpora" / "clean-news").glob("*.jsonl"))])
    if args.judge:
        judge(docs, args.speeches)
        return
    train = [d.text for d in docs if split_of(d.id, 0) >= 2]
    tests = {"wikinews-2019-2020 test": test_words([d.text for d in docs if split_of(d.id, 0) == 0 and "2019-2020" in d.id]),
             "all clean-news test": test_words([d.text for d in docs if split_of(d.id, 0) == 0])}
    models = {}
    t = time.perf_counter()
    models["trigram KN, clean news"] = TrigramLM.build(train)
    print(f"built trigram on clean news in {time.perf_counter() - t:.0f} s")
    models["trigram KN, clean news, trigrams seen once pruned"] = TrigramLM.build(train, prune=1)
    if args.speeches:
        for year in (1990, 0):
            t = time.perf_counter()
            models[f"trigram KN, clean news + speeches from {year or 'all years'}"] = TrigramLM.build(
                [*train, *speeches(year)])
            print(f"built trigram with speeches >= {year} in {time.perf_counter() - t:.0f} s")
    mixtures = {}
    if args.speeches:
        t = time.perf_counter()
        talk = TrigramLM.build(speeches(1990))
        print(f"built trigram on speeches from 1990 alone in {time.perf_counter() - t:.0f} s")
        news = models["trigram KN, clean news"]
        mixtures = {f"mixture: {w:.2f} news + {1 - w:.2f} speeches from 1990": (news, talk, w) for w in (0.9, 0.8, 0.7, 0.5)}
    for k, m in models.items():
        print(f"{k}: {size_mb(m):.1f} MB of arrays")
    context = SpinModel.load(default_model_dir()).context
    for name, sents in tests.items():
        scored = {"previous bigram formula (shipped context counts)": bigram_logp(context, sents)}
        scored.update({k: trigram_logp(m, sents) for k, m in models.items()})
        scored.update({k: mixture_logp(*v, sents) for k, v in mixtures.items()})
        known = ~np.logical_or.reduce([unk for _, unk in scored.values()])
        n = sum(len(s) for s in sents)
        print(f"\n{name}: {len(sents)} sentences, {n} words, {known.mean():.3f} known to every model")
        base = None
        for k, (lp, unk) in scored.items():
            ppl_all, ppl_known = np.exp(-lp.mean()), np.exp(-lp[known].mean())
            base = base or ppl_known
            vocab = len(m.vocab) if (m := models.get(k)) else len(mixtures[k][1].vocab) if k in mixtures else len(context.vocab)
            print(f"  {k:55s} vocab {vocab:7d}  unknown {unk.mean():.3f}  perplexity {ppl_all:8.1f} (all words) "
                  f"{ppl_known:8.1f} (words all know, {100 * (ppl_known / base - 1):+.1f}%)")


if __name__ == "__main__":
    main()
