#!/usr/bin/env python3
"""How often the channel proposes the real original for a real spinner's one-word swap.

    python bench/channel_coverage.py [--pairs ../shared/real-spins/substitutions.tsv]

Counts the one-word rows of the real-spins table by occurrence, first with the channel's own
sources only (WordNet, MyThes, the function-word map; the real pairs left out), then with the
shipped real pairs too, and lists the most frequent misses.
"""

from __future__ import annotations

import argparse
import collections
import csv
from pathlib import Path

from garblecheck.decoding.channel import Channel

ROOT = Path(__file__).resolve().parents[1]


def coverage(channel: Channel, rows: list) -> tuple:
    total = hit = 0.0
    misses: collections.Counter = collections.Counter()
    for r in rows:
        spun, originals = r["spun"].lower(), r["original"].lower().split("|")
        if " " in spun or any(" " in o for o in originals):
            continue
        n = int(r["occurrences"])
        total += n
        found = {o for o, *_ in channel.candidates(spun)}
        if any(o in found for o in originals):
            hit += n
        else:
            misses[(spun, r["original"])] += n
    return hit / total, int(total), misses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", default=str(ROOT.parent / "shared" / "real-spins" / "substitutions.tsv"))
    args = ap.parse_args()
    with open(args.pairs, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    share, total, misses = coverage(Channel.load(real=False), rows)
    print(f"coverage without the real pairs: {share:.3f} of {total} one-word swaps (by occurrence)")
    print("most frequent misses: " + ", ".join(f"{s}->{o} ({n})" for (s, o), n in misses.most_common(15)))
    share, total, _ = coverage(Channel.load(), rows)
    print(f"coverage with the shipped real pairs: {share:.3f} of {total}")


if __name__ == "__main__":
    main()
