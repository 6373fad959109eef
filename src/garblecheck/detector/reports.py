"""From a read batch to reports: the verdict's scores of the pages, the mt score, each page's
flags in order and the verdict that names ``clean``, ``garbled`` or ``mt``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

import numpy as np

from ..verdict.model import mt_features, sigmoid
from ..verdict.report import Flag, Report, SentenceScore, density_score
from .batch import MT_MIN_WORDS, Page, Taken
from .flags import spun_name_flags

if TYPE_CHECKING:
    from .engine import Detector

Scores = Tuple[float, Optional[float]]


def score_pages(det: "Detector", pages: Sequence[Page]) -> List[Scores]:
    """``(score, spin_score)`` of each page (the verdict reads the stage-2 pages at once)."""
    if det.spin_model is None:
        return [(a.lex_score, None) for a in pages]
    out: List[Scores] = [(a.stage1, None) for a in pages]
    full = [k for k, a in enumerate(pages) if a.stage == 2]
    if full:
        score, spin = det.spin_model.scores_many(np.array([pages[k].features() for k in full]))
        for k, s, p in zip(full, score.tolist(), spin.tolist()):
            out[k] = (s, p)
    return out


def report_page(det: "Detector", a: Page, page_scores: Scores, decoded_flags: Optional[List[Flag]] = None) -> Report:
    """The report of one page; ``decoded_flags`` from the decoder, None where it did not run (then
    the context model's own flags stand)."""
    decoded = decoded_flags is not None
    found = [f for fl in a.flags for f in fl] + (decoded_flags or [])
    decoded_at = Taken(decoded_flags or ())
    found += [f for f in a.ctx_flags if not (decoded and f.rule.startswith("context:"))
              and not decoded_at.hits(f.start, f.end)]
    if det.channel is not None and a.stage == 2:  # a page stage 1 clears has no spun name to repair
        found += spun_name_flags(det.lexicon, det.get_channel(), a, found)
    all_flags = tuple(sorted(found, key=lambda f: (f.start, f.end)))
    lex_sentence = [density_score((f.confidence for f in fl), n) if fl else 0.0
                    for n, fl in zip(a.counts.tolist(), a.flags)]
    score, spin_score = page_scores
    mt_score: Optional[float] = None
    model = det.spin_model
    if model is None:
        sent_scores = lex_sentence
    else:
        p = sigmoid(a.sentence_logits)
        sent_scores = (1.0 - (1.0 - p) * (1.0 - np.asarray(lex_sentence, dtype=np.float64))).tolist()
        if a.mt_logits is not None and a.stage == 2:
            mt_score = model.mt_score(mt_features(a.mt_logits, all_flags, a.n_words, a.fluency, a.unknown_capitals,
                                                  a.profile))
    sentences = tuple(map(SentenceScore, [s.start for s in a.spans], [s.end for s in a.spans], sent_scores))
    verdict = "clean" if a.stage == 1 else verdict_of(det, score, mt_score, a.n_words)  # stage 1 clears clean pages only
    return Report(score, verdict, det.threshold_, a.n_words, all_flags, sentences,
                  spin_score, mt_score, decoded=decoded, intensity=None if a.rates is None else float(a.rates[0]),
                  stage=a.stage)


def verdict_of(det: "Detector", score: float, mt_score: Optional[float], n_words: int) -> str:
    """``garbled`` or ``mt`` when a score reaches its threshold (``mt`` when the mt score is
    further past its own, in log-odds, in a text of ``MT_MIN_WORDS`` words or more), else ``clean``."""
    def margin(p: float, t: float) -> float:
        p, t = min(max(p, 1e-12), 1 - 1e-12), min(max(t, 1e-12), 1 - 1e-12)
        return float(np.log(p / (1 - p)) - np.log(t / (1 - t)))

    spin = margin(score, det.threshold_)
    mt_t = det.mt_threshold_
    mt = margin(mt_score, mt_t) if mt_score is not None and mt_t is not None and n_words >= MT_MIN_WORDS else -np.inf
    if mt >= 0 and mt > spin:
        return "mt"
    return "garbled" if score >= det.threshold_ else "clean"


def round_trips(det: "Detector", docs: Sequence[str], reports: List[Report]) -> List[Report]:
    """The reports with the mt score of every page in the round-trip rule's band moved by how
    much the page changes when translated again (``verdict.roundtrip``)."""
    from ..evidence.roundtrip import round_trip_change

    rule, t = det.spin_model.mt_roundtrip, det.mt_threshold_  # type: ignore[union-attr]
    todo = [k for k, r in enumerate(reports)
            if r.mt_score is not None and r.n_words >= MT_MIN_WORDS and rule.applies(r.mt_score, t)]
    for k, c in zip(todo, round_trip_change([docs[k] for k in todo], *det._legs).tolist()):
        r = reports[k]
        mt = rule.apply(r.mt_score, c)
        reports[k] = replace(r, mt_score=mt, verdict=verdict_of(det, r.score, mt, r.n_words),
                             round_trip_change=None if np.isnan(c) else c)
    return reports
