#!/usr/bin/env python3
"""Learning the spinner from a batch of its pages (``--learn-batch``), on the realistic
simulation (SIMULATED: clean test pages spun by ``synth.RealSpinner`` with the real spinners'
rates, forms and page intensities).

    python bench/learn_batch.py [--pages 200 1000] [--seed 0]

Half of the originals (``lemma_u(original) < 0.5``) are held out of the channel (their real pairs
and rates), as in ``eval --simulate real``; the figures are reported for the held-out half and the
rest apart: the share of substituted words restored exactly and the share of changes that are
right, without learning and after learning from the batch itself.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import SHARED  # noqa: E402

from garblecheck import Detector  # noqa: E402
from garblecheck.decoding.channel import Channel, real_intensities  # noqa: E402
from garblecheck.learn.synth import RealSpinner, lemma_u  # noqa: E402
from garblecheck.learn.train import read_corpus, restoration_metrics, split_of  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    docs, _ = read_corpus([str(p) for p in sorted((SHARED / "corpora" / "clean-news").glob("*.jsonl"))])
    docs = [d for d in docs if split_of(d.id, 0) == 0]  # the model's test pages
    random.Random(args.seed + 1).shuffle(docs)

    def heldout(original: str) -> bool:
        return lemma_u(original, args.seed) < 0.5

    det = Detector()
    lm = det.get_lm()
    spinner = RealSpinner(Channel.default(), real_intensities(), lambda words: lm.prior(lm.ids(words)))
    det.channel = Channel.load(keep_real=lambda o: not heldout(o))
    for n in args.pages:
        rng = random.Random(args.seed)
        spun = [spinner.spin(d.text, 0.0, rng) for d in docs[:n]]
        texts = [s.text for s in spun]
        for learn in (False, True):
            det.learn_batch = learn
            det._channel = det.channel
            t = time.perf_counter()
            reports = det.check_many(texts, decode=True)
            took = time.perf_counter() - t
            m = restoration_metrics(texts, reports, spun, det, heldout)
            parts = ", ".join(f"{k} {m[k]['restored_share']:.3f} restored / {m[k]['changes_right'] or 0:.3f} right "
                              f"(of {m[k]['substitutions']})" for k in ("heldout", "seen", "all"))
            print(f"{n} spun pages, {'learned from the batch' if learn else 'shipped channel      '}: {parts}; {took:.0f} s",
                  flush=True)


if __name__ == "__main__":
    main()
