#!/usr/bin/env python3
"""Derive garblecheck's substitution table from Debian's WordNet and MyThes thesaurus.

    apt-get install wordnet-base mythes-en-us && pip install lemminflect
    python tools/build_thesaurus.py --vocab ../shared/corpora/clean-news/*.jsonl

Output: ``corpora/thesaurus/substitutions.tsv.gz`` with one line per surface form::

    surface <TAB> lemma <TAB> POS <TAB> candidate|candidate|...

Candidates are synonyms of the lemma in that part of speech, inflected like the surface form
("told" -> "informed|advised", "countries" -> "nations|states"). Only these derived pairs ship;
no WordNet or MyThes text does. The vocabulary (which surface forms get a row) is the set of
frequent lower-case words of the given JSONL corpora; no corpus text is stored.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
from pathlib import Path

import lemminflect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from garblecheck.text.wordlists import STOPWORDS  # noqa: E402

WN = Path("/usr/share/wordnet")
MYTHES = Path("/usr/share/mythes/th_en_US_v2.dat")
WN_POS = {"noun": "NOUN", "verb": "VERB", "adj": "ADJ", "adv": "ADV"}
SENSES = 3  # synonyms from a lemma's three most frequent senses only
MAX_CANDIDATES = 12
WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
GOOD = re.compile(r"[a-z]{3,}(?:[ -][a-z]{3,})?")


def wordnet_synonyms() -> dict:
    """(lemma, POS) -> synonyms in sense order, from index.* and data.*."""
    out: dict = collections.defaultdict(list)
    for name, upos in WN_POS.items():
        words_at = {}
        with open(WN / f"data.{name}", encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue
                parts = line.split()
                n = int(parts[3], 16)
                words_at[parts[0]] = [re.sub(r"\(.*\)$", "", parts[4 + 2 * i]).replace("_", " ").lower() for i in range(n)]
        with open(WN / f"index.{name}", encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue
                parts = line.split()
                lemma = parts[0].replace("_", " ")
                n_synsets, n_ptr = int(parts[2]), int(parts[3])
                offsets = parts[4 + n_ptr + 2 :][:n_synsets]
                for off in offsets[:SENSES]:
                    for w in words_at.get(off, []):
                        if w != lemma and w not in out[(lemma, upos)]:
                            out[(lemma, upos)].append(w)
    return out


def mythes_entries():
    """(word, POS, terms) for each meaning in MyThes; terms keep their "(generic term)"-style notes."""
    with open(MYTHES, encoding="utf-8", errors="replace") as fh:
        fh.readline()
        while True:
            head = fh.readline()
            if not head:
                break
            word, count = head.rstrip("\n").rsplit("|", 1)
            for _ in range(int(count)):
                parts = fh.readline().rstrip("\n").split("|")
                upos = WN_POS.get(parts[0].strip("()"))
                if upos is not None:
                    yield word, upos, parts[1:]


def mythes_synonyms() -> dict:
    out: dict = collections.defaultdict(list)
    for word, upos, terms in mythes_entries():
        for s in terms:
            if "(" in s:
                continue
            s = s.lower()
            if s != word and s not in out[(word.lower(), upos)]:
                out[(word.lower(), upos)].append(s)
    return out


def inflect(phrase: str, upos: str, tag: str) -> str | None:
    words = phrase.split(" ")
    head = len(words) - 1 if upos == "NOUN" else 0
    forms = lemminflect.getInflection(words[head], tag=tag)
    if not forms:
        return None
    words[head] = forms[0]
    return " ".join(words)


def vocabulary(paths: list, min_count: int, limit: int) -> list:
    counts: collections.Counter = collections.Counter()
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                counts.update(w for w in WORD.findall(json.loads(line)["text"]) if w not in STOPWORDS and len(w) > 2)
    return [w for w, c in counts.most_common(limit) if c >= min_count]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab", nargs="+", required=True, help="JSONL corpora whose frequent words get a row")
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--limit", type=int, default=40000)
    ap.add_argument("--out", default=str(ROOT / "corpora" / "thesaurus" / "substitutions.tsv.gz"))
    args = ap.parse_args()

    syn = wordnet_synonyms()
    for k, v in mythes_synonyms().items():
        syn[k] = syn.get(k, []) + [s for s in v if s not in syn.get(k, [])]
    rows = []
    for surface in sorted(vocabulary(args.vocab, args.min_count, args.limit)):
        for upos, lemmas in sorted(lemminflect.getAllLemmas(surface).items()):
            if upos not in WN_POS.values():
                continue
            lemma = lemmas[0]
            tags = [t for t, forms in lemminflect.getAllInflections(lemma, upos=upos).items() if surface in forms]
            if surface == lemma:  # a mass noun is listed as its own plural too: prefer the base tag
                tags.sort(key=lambda t: t not in ("NN", "VB", "JJ", "RB"))
            if not tags:
                continue
            cands = []
            for s in syn.get((lemma, upos), []):
                if not GOOD.fullmatch(s) or lemma in s.split(" "):
                    continue
                c = inflect(s, upos, tags[0])
                if c and c != surface and c not in cands and GOOD.fullmatch(c):
                    cands.append(c)
                if len(cands) >= MAX_CANDIDATES:
                    break
            if cands:
                rows.append(f"{surface}\t{lemma}\t{upos}\t{'|'.join(cands)}\n")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as fh:  # mtime=0: the same input gives the same bytes
        fh.write("".join(rows).encode("utf-8"))
    print(f"{len(rows)} rows -> {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
