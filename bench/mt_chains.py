#!/usr/bin/env python3
"""Whole translated documents against clean ones, per translation file: the share called ``mt``
at the model's default verdict, and the ROC AUC of ``mt_score`` against clean pages of every
domain (real MT output, real clean text).

    python tools/make_chains.py --out ../mtchains          # the chains (issue 31)
    python bench/mt_chains.py [--model DIR] [--chains ../mtchains] [--max-docs 60] [--mt-roundtrip]

Translated documents: of the shared round trips and of every chain the model trained on, those of
the test split (``split_of(source, seed) == 0``); of a chain the model never read (not among its
``mt_files``), all of them, which measures the chain as held out. Clean: the reserved split of
``broad-news`` and the test split of ``clean-news`` (``--max-docs`` of each source), first pages.
Also the seeds 000-003.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

import garblecheck
from garblecheck.learn.corpora import in_reserved_split, pages
from garblecheck.learn.train import read_corpus, read_translations, split_of

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--chains", type=Path, default=ROOT.parent / "mtchains")
    ap.add_argument("--max-docs", type=int, default=60)
    ap.add_argument("--mt-roundtrip", action="store_true", help="score with the round-trip option (needs [mtgen])")
    args = ap.parse_args()
    det = garblecheck.Detector(model=args.model, mt_roundtrip=args.mt_roundtrip)
    if det.spin_model is None:
        sys.exit("needs a model")
    manifest = det.spin_model.manifest
    seed = int((manifest.get("training") or {}).get("seed", 0))
    trained_on = {f["path"] for f in (manifest.get("training") or {}).get("mt_files", [])}

    def score(texts):
        reports = det.check_many(texts, decode=False)
        return np.array([r.mt_score or 0.0 for r in reports]), [r.verdict for r in reports]

    clean_by = collections.defaultdict(list)
    for sub in ("broad-news", "clean-news"):
        for p in sorted((SHARED / "corpora" / sub).glob("*.jsonl*")):
            docs, _ = read_corpus([str(p)])
            keep = [d for d in docs if (in_reserved_split(d.id.split(":", 1)[1]) if sub == "broad-news"
                                        else split_of(d.id, seed) == 0)]
            for d in keep[: args.max_docs]:
                clean_by[d.domain].append(pages(d.text)[0])
    clean_scores = []
    print(f"{'clean pages (domain)':32s} {'docs':>5s} {'called mt':>9s}")
    for dom, texts in sorted(clean_by.items()):
        s, v = score(texts)
        clean_scores.append(s)
        print(f"{dom:32s} {len(texts):5d} {np.mean([x == 'mt' for x in v]):9.3f}")
    clean = np.concatenate(clean_scores)
    files = sorted((SHARED / "corpora" / "round-trip").glob("*.jsonl.gz")) + sorted(args.chains.glob("*.jsonl.gz"))
    print(f"\n{'translations':32s} {'docs':>5s} {'called mt':>9s} {'AUC':>6s}  split")
    for f in files:
        ts, _ = read_translations([str(f)])
        held_in = f.name in trained_on
        ts = [t for t in ts if split_of(t.key, seed) == 0] if held_in else ts
        ts = ts[: args.max_docs * 4]
        s, v = score([pages(t.text)[0] for t in ts])
        auc = roc_auc_score(np.r_[np.zeros(len(clean)), np.ones(len(s))], np.r_[clean, s])
        print(f"{f.name.split('.')[0]:32s} {len(ts):5d} {np.mean([x == 'mt' for x in v]):9.3f} {auc:6.3f}  "
              + ("test split" if held_in else "whole chain, never trained on"))
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("00[0-3]_*.txt"))}
    if seeds:
        s, v = score(list(seeds.values()))
        print("\nseeds: " + ", ".join(f"{k} {x:.3f} {vv}" for k, x, vv in zip(seeds, s, v))
              + f" (mt threshold {det.mt_threshold_:.3f})")


if __name__ == "__main__":
    main()
