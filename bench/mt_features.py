#!/usr/bin/env python3
"""What each input of the mt stacker tells apart: ROC AUC of every feature (and of ``mt_score``)
for held-out machine translations against the held-out clean-news pages, per translation file.

    python bench/mt_features.py [--model DIR]    (data: ../shared/corpora/clean-news and round-trip)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from garblecheck import Detector
from garblecheck.learn.train import SPLIT_TEST, mt_rows_of, read_corpus, read_translations, split_of

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))
NAMES = ["max v", "mean v", "top-3 v", "share v>0", "log n", "mt flags", "respelt names", "mean surprisal",
         "p90 sentence surprisal", "mean sentence max surprisal", "unseen pairs", "unseen function pairs"]


def rows(det: Detector, texts: list) -> np.ndarray:
    """The mt stacker's input rows, 200 texts at a time."""
    return np.array([r for k in range(0, len(texts), 200) for r in mt_rows_of(det, texts[k : k + 200])])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="default")
    args = ap.parse_args()
    det = Detector(model=args.model)
    seed = int(det.spin_model.manifest.get("training", {}).get("seed", 0))
    docs, _ = read_corpus([str(p) for p in sorted((SHARED / "corpora" / "clean-news").glob("*.jsonl"))])
    clean = rows(det, [d.text for d in docs if split_of(d.id, seed) == SPLIT_TEST])
    translations, _ = read_translations([str(p) for p in sorted((SHARED / "corpora" / "round-trip").glob("*.jsonl.gz"))])
    model = det.spin_model
    for source in sorted({t.source for t in translations}):
        mt = rows(det, [t.text for t in translations if t.source == source and split_of(t.key, seed) == SPLIT_TEST])
        X = np.vstack([clean, mt])
        y = np.r_[np.zeros(len(clean)), np.ones(len(mt))]
        score = 1 / (1 + np.exp(-(X @ model.mt_coef + model.mt_intercept)))
        print(f"{source}: {len(mt)} held-out translations, {len(clean)} held-out clean pages; mt_score ROC AUC "
              f"{roc_auc_score(y, score):.4f}")
        for name, col, coef in zip(NAMES, X.T, model.mt_coef):
            print(f"    {name:28s} AUC {roc_auc_score(y, col):.3f}   stacker weight {coef:+.3f}")


if __name__ == "__main__":
    main()
