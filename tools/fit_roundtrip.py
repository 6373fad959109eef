#!/usr/bin/env python3
"""Fit a model's round-trip rule (``garblecheck.verdict.roundtrip``) and write it into its manifest,
which ``--mt-roundtrip`` reads. Needs ``pip install 'garblecheck[mtgen]'``.

    python tools/fit_roundtrip.py --model trained [--per-domain 150] [--translations 300] [--dry-run]

Pages: the calibration split (``split_of == 1``) of the trainable clean-news and broad-news files
(never the reserved split), first pages, against the calibration split of the round-trip files the
model trained on. The band: the mt score above which ``BAND_SHARE`` of the clean calibration pages
lie (what the option translates again). The rule: weight and center from a grid, the most
translations called ``mt`` at the model's mt threshold while no clean calibration page is called
``mt`` that was not without the rule. Real text, real engine output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

import garblecheck
from garblecheck.detector import MT_MIN_WORDS
from garblecheck.evidence.roundtrip import bergamot, round_trip_change
from garblecheck.learn.pages import clean_pages, translated_pages
from garblecheck.learn.train import SPLIT_CALIB
from garblecheck.text.io import atomic_write_bytes
from garblecheck.verdict.roundtrip import RoundTripRule

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))
BAND_SHARE = 0.2
WEIGHTS = (0.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=ROOT / "trained")
    ap.add_argument("--per-domain", type=int, default=150)
    ap.add_argument("--translations", type=int, default=300, help="pages of each round-trip file")
    ap.add_argument("--dry-run", action="store_true", help="print the rule, leave the manifest as it is")
    args = ap.parse_args()
    det = garblecheck.Detector(model=str(args.model))
    m = det.spin_model
    if m is None or det.mt_threshold_ is None:
        sys.exit("needs a model with an mt threshold")
    training = m.manifest.get("training") or {}
    seed = int(training.get("seed", 0))
    broad = sorted((SHARED / "corpora" / "broad-news").glob("*.jsonl*"))
    clean = clean_pages(sorted((SHARED / "corpora" / "clean-news").glob("*.jsonl*")) + broad, seed, SPLIT_CALIB,
                        args.per_domain, broad)
    mt_files = [SHARED / "corpora" / "round-trip" / f["path"] for f in training.get("mt_files", [])]
    mt = [p for f in mt_files if f.exists() for p in translated_pages(f, seed, SPLIT_CALIB, args.translations)]
    texts = [t for v in clean.values() for t in v] + mt
    domain = np.array([d for d, v in clean.items() for _ in v] + ["mt"] * len(mt))
    reports = det.check_many(texts, decode=False)
    score = np.array([r.mt_score if r.mt_score is not None and r.n_words >= MT_MIN_WORDS else 0.0 for r in reports])
    t = det.mt_threshold_
    cs = np.sort(score[domain != "mt"])
    band = float(cs[int(np.floor(len(cs) * (1 - BAND_SHARE)))])
    todo = np.flatnonzero((score >= band) & (score < t))
    print(f"{len(cs)} clean pages ({', '.join(clean)}), {len(mt)} translations; band [{band:.4f}, {t:.4f}): "
          f"{int((domain[todo] != 'mt').sum())} clean, {int((domain[todo] == 'mt').sum())} translations")
    start = time.perf_counter()
    change = np.full(len(texts), np.nan)
    change[todo] = round_trip_change([texts[k] for k in todo], bergamot("en-pt"), bergamot("pt-en"))
    spent = time.perf_counter() - start
    print(f"round trips: {len(todo)} pages in {spent:.0f} s ({spent / max(len(todo), 1):.2f} s a page)")
    base = score >= t
    best = (float(base[domain == "mt"].mean()), RoundTripRule(band, 0.0, 0.0))
    centers = np.unique(np.nanquantile(change[todo], np.linspace(0.05, 0.95, 19))) if len(todo) else []
    for w in WEIGHTS[1:]:
        for c in centers:
            rule = RoundTripRule(band, w, float(c))
            moved = score.copy()
            moved[todo] = [rule.apply(s, x) for s, x in zip(score[todo].tolist(), change[todo].tolist())]
            called = moved >= t
            if not (called & ~base & (domain != "mt")).any():
                recall = float(called[domain == "mt"].mean())
                if recall > best[0]:
                    best = (recall, rule)
    recall, rule = best
    print(f"rule: {rule}; translations called mt at the mt threshold: "
          f"{float((score[domain == 'mt'] >= t).mean()):.3f} -> {recall:.3f} (calibration pages, real)")
    if args.dry_run:
        return
    manifest_path = args.model / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["mt_roundtrip"] = rule.to_json()
    atomic_write_bytes(manifest_path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    print(f"wrote mt_roundtrip into {manifest_path}")


if __name__ == "__main__":
    main()
