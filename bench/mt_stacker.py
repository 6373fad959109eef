#!/usr/bin/env python3
"""The mt stacker refit on calibration pages with more page features, and what each feature set
gives on held-out pages (real MT output, real clean text): the experiment behind the page
profiles of issue 31.

    python tools/make_chains.py --out ../mtchains
    python bench/mt_stacker.py [--model DIR] [--chains ../mtchains] [--fit-chains en-pt-es-en,...]
                               [--per-domain 150] [--max-docs 60] [--cache /tmp/mt_stacker]

Fit: clean pages of the calibration split (``split_of == 1``) of the trainable files of clean-news
and broad-news (never the reserved split), ``--per-domain`` first pages a domain, against the
calibration split of the round trips and of the ``--fit-chains``. Threshold: 0.5% of the clean
calibration pages of any domain above it, as training sets it. Held out: the clean pages of
``bench/mt_chains.py`` (reserved broad-news, clean-news test split), the test split of the
translation files fitted on, every document of the chains not fitted on, and the seeds. Each
feature set is a logistic regression on the engine's mt stacker inputs, with or without the
translationese page profiles (``garblecheck.evidence.translationese``), standardised first.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import garblecheck
from garblecheck.evidence.translationese import PROFILE_NAMES, page_profiles
from garblecheck.learn.pages import clean_pages, translated_pages
from garblecheck.learn.train import SPLIT_CALIB, SPLIT_TEST, mt_rows_of
from garblecheck.text.words import Words, sentence_spans

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))
FPR = 0.005


def features(det: garblecheck.Detector, texts: List[str]) -> np.ndarray:
    """Each text's mt stacker inputs followed by its page profile, 200 texts at a time."""
    out = []
    for k in range(0, len(texts), 200):
        part = texts[k : k + 200]
        spans = [sentence_spans(t) for t in part]
        words = Words([t[s.start : s.end] for t, sp in zip(part, spans) for s in sp])
        profile = page_profiles(words, np.cumsum([0] + [len(sp) for sp in spans]))
        out.append(np.hstack([np.array(mt_rows_of(det, part)), profile]))
    return np.vstack(out) if out else np.zeros((0, 0))


def pages_of(args: argparse.Namespace, seed: int) -> Dict[str, Tuple[str, List[str]]]:
    """Every group of pages the experiment reads: name -> (role, texts)."""
    broad = sorted((SHARED / "corpora" / "broad-news").glob("*.jsonl*"))
    files = sorted((SHARED / "corpora" / "clean-news").glob("*.jsonl*")) + broad
    groups: Dict[str, Tuple[str, List[str]]] = {}
    for dom, texts in sorted(clean_pages(files, seed, SPLIT_CALIB, args.per_domain, broad).items()):
        groups[f"clean-cal:{dom}"] = ("clean-cal", texts)
    for dom, texts in sorted(clean_pages(files, seed, SPLIT_TEST, args.max_docs, broad).items()):
        groups[f"clean-test:{dom}"] = ("clean-test", texts)
    fit = {"apertium-en-es-en", "bergamot-en-pt-en"} | set(filter(None, args.fit_chains.split(",")))
    for f in sorted((SHARED / "corpora" / "round-trip").glob("*.jsonl.gz")) + sorted(args.chains.glob("*.jsonl.gz")):
        name = f.name.split(".")[0]
        if name in fit:
            groups[f"mt-cal:{name}"] = ("mt-cal", translated_pages(f, seed, SPLIT_CALIB, args.max_docs * 4))
            groups[f"mt-test:{name}"] = ("mt-test", translated_pages(f, seed, SPLIT_TEST, args.max_docs * 4))
        else:
            groups[f"mt-held-out:{name}"] = ("mt-test", translated_pages(f, seed, None, args.max_docs * 4))
    seeds = sorted((SHARED / "seeds").glob("00[0-3]_*.txt"))
    groups["seeds"] = ("seeds", [p.read_text(encoding="utf-8") for p in seeds])
    return groups


def threshold(scores_by_domain: Dict[str, np.ndarray]) -> float:
    """Training's rule: just above the ``1 - FPR`` quantile of every domain's clean scores, at least 0.5."""
    t = 0.5
    for s in scores_by_domain.values():
        s = np.sort(s)
        t = max(t, float(s[min(len(s) - 1, int(np.floor(len(s) * (1 - FPR))))] + 1e-6))
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--chains", type=Path, default=ROOT.parent / "mtchains")
    ap.add_argument("--fit-chains", default="", help="chains (file stems) whose calibration split the stacker fits on")
    ap.add_argument("--per-domain", type=int, default=150)
    ap.add_argument("--max-docs", type=int, default=60)
    ap.add_argument("--cache", type=Path, help="a folder that keeps each group's features, read back when present")
    args = ap.parse_args()
    det = garblecheck.Detector(model=args.model)
    if det.spin_model is None:
        sys.exit("needs a model")
    seed = int((det.spin_model.manifest.get("training") or {}).get("seed", 0))
    groups = pages_of(args, seed)
    X = {}
    for k, (_, texts) in groups.items():
        kept = args.cache / f"{k.replace(':', '__')}.npy" if args.cache else None
        if kept is not None and kept.exists():
            X[k] = np.load(kept, allow_pickle=False)
            continue
        X[k] = features(det, texts)
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            np.save(kept, X[k], allow_pickle=False)
    n_base = len(det.spin_model.mt_coef)
    sets = {"engine inputs": np.arange(n_base), "engine inputs + page profile": np.arange(n_base + len(PROFILE_NAMES)),
            "page profile alone": np.arange(n_base, n_base + len(PROFILE_NAMES))}
    role = {k: r for k, (r, _) in groups.items()}
    cal0 = [k for k in X if role[k] == "clean-cal"]
    cal1 = [k for k in X if role[k] == "mt-cal"]
    y = np.r_[np.zeros(sum(len(X[k]) for k in cal0)), np.ones(sum(len(X[k]) for k in cal1))]
    print(f"fit on {int((y == 0).sum())} clean calibration pages ({', '.join(k.split(':')[1] for k in cal0)}) and "
          f"{int(y.sum())} translations ({', '.join(k.split(':')[1] for k in cal1)})")
    model = det.spin_model
    for name, cols in [("the model's own stacker", np.arange(n_base)), *sets.items()]:
        if name.startswith("the model"):
            p = {k: 1 / (1 + np.exp(-(v[:, :n_base] @ model.mt_coef + model.mt_intercept))) for k, v in X.items()}
        else:
            clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=seed))
            clf.fit(np.vstack([X[k] for k in cal0 + cal1])[:, cols], y)
            p = {k: clf.predict_proba(v[:, cols])[:, 1] if len(v) else np.zeros(0) for k, v in X.items()}
        t = threshold({k: p[k] for k in cal0})
        ct = np.concatenate([p[k] for k in X if role[k] == "clean-test"])
        print(f"\n== {name} (threshold {t:.3f})")
        print("  clean test pages called mt: " + ", ".join(f"{k.split(':')[1]} {np.mean(p[k] >= t):.3f} of {len(p[k])}"
                                                         for k in X if role[k] == "clean-test"))
        for k in X:
            if role[k] == "mt-test" and len(p[k]):
                auc = roc_auc_score(np.r_[np.zeros(len(ct)), np.ones(len(p[k]))], np.r_[ct, p[k]])
                print(f"  {k:40s} {len(p[k]):4d} called mt {np.mean(p[k] >= t):.3f}  AUC {auc:.3f}")
        print("  seeds 000-003: " + ", ".join(f"{s:.3f}" for s in p["seeds"]))
        if name == "engine inputs + page profile":
            coef = clf[-1].coef_[0]
            names = [f"engine {i}" for i in range(n_base)] + PROFILE_NAMES
            print("  largest weights: " + ", ".join(f"{names[i]} {coef[i]:+.2f}" for i in np.argsort(-np.abs(coef))[:8]))
    seeds = X["seeds"][:, n_base:]
    ref = np.vstack([X[k] for k in cal0])[:, n_base:]
    z = (seeds - ref.mean(0)) / np.maximum(ref.std(0), 1e-9)
    print("\nseeds' page profiles against the clean calibration pages (z-scores):")
    for i, nm in enumerate(PROFILE_NAMES):
        print(f"  {nm:32s} " + " ".join(f"{v:+6.2f}" for v in z[:, i]))


if __name__ == "__main__":
    main()
