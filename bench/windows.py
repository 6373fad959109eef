#!/usr/bin/env python3
"""Restoration measured on real spinner output: every real one-word swap and a sample of the
words real spinners kept, each with one token of the spun page on each side
(``../shared/real-spins/windows.tsv`` and ``kept.tsv``).

    python bench/windows.py [--real-spins ../shared/real-spins] [--confidence 0.7] [--half measure]

The shipped decoder weights (``corpora/channel/weights.json``) were fitted on the even pages, so
this measures the odd ones (``--half measure``), with a channel built from the earlier real pairs
and the even pages' swaps and rates only: no odd page is in it. For each swap: is the original among
the decoder's options, ranked first among them, and does the decoder, at the page's intensity,
change the word to it (restored) or to something else (wrong, a share of the changes); for each
kept word: would the decoder change it. Overall and per domain.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from garblecheck import Detector
from garblecheck.decoding.channel import Channel
from garblecheck.learn.channel_fit import RealSpins, measure
from garblecheck.decoding.decode import FLAG_MIN

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real-spins", default=str(ROOT.parent / "shared" / "real-spins"))
    ap.add_argument("--confidence", type=float, default=FLAG_MIN, help="a change is a chosen original this likely")
    ap.add_argument("--half", choices=("measure", "tune"), default="measure")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    spins = RealSpins(args.real_spins)
    other = "tune" if args.half == "measure" else "measure"
    lm = Detector().get_lm()
    channel = spins.channel(spins.half(other), Channel.default().weights)
    result = measure(lm, channel, spins, spins.half(args.half), args.confidence)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"real swaps of the {args.half} half ({len(spins.half(args.half))} pages), channel from the other half; "
          f"a change is a chosen original of posterior >= {args.confidence}")
    for key, m in sorted(result.items(), key=lambda kv: kv[0] != "all"):
        print(f"{key:8s} one-word swaps {m['swaps']:5d}: original offered {m['offered']:.3f}, ranked first {m['first']:.3f}, "
              f"restored {m['restored']:.3f} ({m['changed']} changes, {m['wrong']:.3f} of them wrong); "
              f"kept words changed {m['kept_changed']:.4f} of {m['kept_words']}")


if __name__ == "__main__":
    main()
