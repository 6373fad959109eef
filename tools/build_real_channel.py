#!/usr/bin/env python3
"""Derive the channel's real-spinner tables and fit the decoder's weights on real swaps.

    python tools/build_real_channel.py [--real-spins ../shared/real-spins]

Reads the real-spins folder (facts mined from real spun pages aligned with their sources) and
writes only derived tables to ``corpora/channel/``:

- ``real_swaps.tsv``: ``spun <TAB> original <TAB> count``, the swaps of the newer page pairs
  (``windows.tsv``, one to three words a side), beside the earlier pairs of ``real_pairs.tsv``;
- ``real_rates.tsv``: ``word <TAB> seen <TAB> replaced``, from ``originals.tsv``;
- ``real_intensities.tsv``: ``domain <TAB> share`` of each page pair (swapped words / words), the
  spread ``eval --simulate real`` draws page intensities from;
- ``weights.json``: the decoder's log-linear weights and the rate model's backoff, fitted on the
  *tune* half of the pages (even numbers) with the shipped language model, so that
  ``bench/windows.py`` measures them on the other half (odd numbers) honestly.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from garblecheck.decoding.channel import Channel, ChannelWeights  # noqa: E402
from garblecheck.learn.channel_fit import RealSpins, fit_rate_backoff, fit_weights  # noqa: E402
from garblecheck.verdict.model import SpinModel, default_model_dir  # noqa: E402

WORDS = re.compile(r"[a-z]+(?:['-][a-z]+)*(?: [a-z]+(?:['-][a-z]+)*)*\Z")
OUT = ROOT / "corpora" / "channel"
HEADER = "# Derived from ../shared/real-spins ({}) by tools/build_real_channel.py: counts only, no page text.\n"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real-spins", default=str(ROOT.parent / "shared" / "real-spins"))
    args = ap.parse_args()
    spins = RealSpins(args.real_spins)
    src = Path(args.real_spins)

    # rows of words only (the windows split "'ll" and numbers into tokens the engine never reads as one form)
    swaps = Counter((w.word, w.original) for w in spins.swaps if WORDS.match(w.word) and WORDS.match(w.original or ""))
    with open(OUT / "real_swaps.tsv", "w", encoding="utf-8") as fh:
        fh.write(HEADER.format("windows.tsv, 76 page pairs"))
        for (s, o), n in sorted(swaps.items()):
            fh.write(f"{s}\t{o}\t{n}\n")
    with open(OUT / "real_rates.tsv", "w", encoding="utf-8") as fh:
        fh.write(HEADER.format("originals.tsv"))
        for word, (seen, replaced) in sorted(spins.originals.items()):
            fh.write(f"{word}\t{int(seen)}\t{int(replaced)}\n")
    with open(OUT / "real_intensities.tsv", "w", encoding="utf-8") as fh:
        fh.write(HEADER.format("pages.tsv"))
        for p in sorted(spins.pages.values(), key=lambda p: p["page"]):
            fh.write(f"{p['domain']}\t{int(p['swapped_words']) / int(p['words']):.4f}\n")

    lm = SpinModel.load(default_model_dir()).context.lm  # type: ignore[union-attr]
    tune = spins.half("tune")
    earlier = Channel.load(OUT, rates=False, real=OUT / "real_pairs.tsv")
    backoff = fit_rate_backoff(lm, spins.rates(tune), earlier._real_totals)
    weights = ChannelWeights(rate_backoff=backoff)
    for _ in range(2):  # the options offered depend on the weights: fit again with the fitted ones
        weights = fit_weights(lm, spins, tune, weights, directory=OUT)
    weights = weights.replace(fitted_on={
        "pages": "tune half (even page numbers) of ../shared/real-spins; bench/windows.py measures the odd half",
        "files": {f: _sha(src / f) for f in ("windows.tsv", "kept.tsv", "pages.tsv", "originals.tsv")},
        "language_model_sha256": _sha(default_model_dir() / "lm.npz"),
    })
    (OUT / "weights.json").write_text(weights.to_json(), encoding="utf-8")
    print(weights)


if __name__ == "__main__":
    main()
