#!/usr/bin/env python3
"""The decoder's language-model weight, chosen on calibration pages only.

Calibration documents (split 1, seed 0) of the clean news, each as written and spun by the
held-out thesaurus spinner at density 0.1 (**simulated** spins), restored with
``check_many(..., decode=True)`` under each ``decode.LM_WEIGHT``: the share of substituted words
restored exactly, the share of changes that are right, and the changes per 10,000 words of the
clean pages (the budget: at most 1).

    python bench/decode_tuning.py [--model DIR] [--docs 400] [--weights 0.5,0.75,1,1.5]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import SHARED  # noqa: E402

import garblecheck.decode as decode  # noqa: E402
from garblecheck import Detector  # noqa: E402
from garblecheck.lexicon import Lexicon  # noqa: E402
from garblecheck.synth import Spinner, SpunText, Thesaurus  # noqa: E402
from garblecheck.train import read_corpus, restoration_metrics, split_of  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--docs", type=int, default=400)
    ap.add_argument("--weights", default="0.5,0.75,1,1.5")
    args = ap.parse_args()
    docs, _ = read_corpus(sorted(str(p) for p in (SHARED / "corpora" / "clean-news").glob("*.jsonl")))
    calib = sorted((d for d in docs if split_of(d.id, 0) == 1), key=lambda d: d.id)[: args.docs]
    spinner = Spinner(Thesaurus.load(lexicon=Lexicon.load()), "heldout", 0)
    rng = random.Random(0)
    spun = [spinner.spin(d.text, 0.1, rng) for d in calib] + [SpunText(d.text, ()) for d in calib]
    texts = [s.text for s in spun]
    print(f"{len(calib)} calibration documents, spun (simulated) and clean; baseline {decode.RHO_BASELINE}")
    for w in (float(x) for x in args.weights.split(",")):
        decode.LM_WEIGHT = w
        det = Detector(model=args.model or "default")
        r = restoration_metrics(texts, det.check_many(texts, decode=True), spun, det)
        a = r["all"]
        print(f"  LM_WEIGHT {w:4.2f}: restored {a['restored_share']:.4f} of {a['substitutions']}, "
              f"right {a['changes_right'] or 0:.4f} of {a['changes']} changes, "
              f"clean changes per 10k words {r['clean_changes_per_10k_words']:.2f}")


if __name__ == "__main__":
    main()
