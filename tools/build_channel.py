#!/usr/bin/env python3
"""Derive the spinner channel's candidate links from Debian's WordNet and MyThes.

    apt-get install wordnet-base mythes-en-us && pip install lemminflect
    python tools/build_channel.py --vocab ../shared/corpora/clean-news/*.jsonl

Output: ``corpora/channel/links.tsv.gz``, one line per spun form::

    form <TAB> original:tier|original:tier|...

A spinner replaces an original word by a synonym of *any* sense, so every original is linked to
the forms of all its WordNet senses (tier 1), to those of similar-to, also-see, derivation and
pertainym links and to MyThes entries read in both directions (tier 2), and to hypernyms,
hyponyms and two-hop synonyms (tier 3). Forms are inflected like the original ("told" ->
"informed"), so the table maps the form on the page to the original in the same inflection.
Originals are the frequent lower-case words of the given corpora (their word list, not their
text); only these derived pairs ship.

Also ``corpora/channel/names.tsv.gz``: two-word capitalised names attested in the corpora
(``name <TAB> count``, at least ``NAME_MIN_COUNT`` times), against which a name the spinner
mangled ("White Home") is restored ("White House"). The build is deterministic (gzip with mtime 0).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import lemminflect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_thesaurus  # noqa: E402  (the sibling tool: the same inflection)

ROOT = Path(__file__).resolve().parents[1]
WN = Path("/usr/share/wordnet")
WN_FILES = {"noun": "NOUN", "verb": "VERB", "adj": "ADJ", "adv": "ADV"}
WN_POS = {"n": "NOUN", "v": "VERB", "a": "ADJ", "s": "ADJ", "r": "ADV"}
TIER2 = {"&", "^", "+", "\\", "="}  # similar to, also see, derivation, pertainym, attribute
TIER3 = {"@", "@i", "~", "~i"}  # hypernym, hyponym
MAX_PER_TIER = {1: 100, 2: 100, 3: 200}  # forms kept per original, by tier, most frequent first
WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")
NAME_PAIR = re.compile(r"(?=\b([A-Z][a-z]+ [A-Z][a-z]+)\b)")
NAME_MIN_COUNT = 5
GOOD = re.compile(r"[a-z]+(?:[' -][a-z]+){0,2}")
Key = Tuple[str, str]  # (lemma, POS)


def wordnet() -> Tuple[Dict[Key, Dict[str, int]], Dict[str, Set[str]]]:
    """(lemma, POS) -> {related lemma: tier}, plus for each lemma (any POS) its synset offsets."""
    synsets: Dict[Tuple[str, str], Tuple[List[str], List[Tuple[str, str, str]]]] = {}
    for name, upos in WN_FILES.items():
        with open(WN / f"data.{name}", encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue
                parts = line.split(" | ")[0].split()
                offset, n = parts[0], int(parts[3], 16)
                words = [re.sub(r"\(.*\)$", "", parts[4 + 2 * i]).replace("_", " ").lower() for i in range(n)]
                k = 4 + 2 * n
                ptrs = []
                for j in range(int(parts[k])):
                    sym, off, pos = parts[k + 1 + 4 * j : k + 4 + 4 * j]
                    ptrs.append((sym, off, WN_POS[pos]))
                synsets[(upos, offset)] = (words, ptrs)
    links: Dict[Key, Dict[str, int]] = collections.defaultdict(dict)

    def add(key: Key, other: str, tier: int) -> None:
        if other != key[0] and tier < links[key].get(other, 9):
            links[key][other] = tier

    for (upos, _), (words, ptrs) in synsets.items():
        for w in words:
            key = (w, upos)
            for o in words:
                add(key, o, 1)
            for sym, off, pos in ptrs:
                tier = 2 if sym in TIER2 else 3 if sym in TIER3 else 0
                if tier and (pos, off) in synsets and (tier == 3 or pos == upos or sym in ("\\", "+")):
                    for o in synsets[(pos, off)][0]:
                        add((w, upos), o, tier)
    return links, {}


def mythes() -> Dict[Key, Dict[str, int]]:
    """MyThes entries, read in both directions (tier 2; generic and related terms tier 3)."""
    out: Dict[Key, Dict[str, int]] = collections.defaultdict(dict)
    for word, upos, terms in build_thesaurus.mythes_entries():
        word = word.lower()
        for s in terms:
            if "antonym" in s:
                continue
            tier = 3 if "(" in s else 2
            s = re.sub(r"\s*\(.*\)$", "", s).lower()
            for a, b in ((word, s), (s, word)):
                if a != b and tier < out[(a, upos)].get(b, 9):
                    out[(a, upos)][b] = tier
    return out


def inflect(phrase: str, upos: str, tag: str) -> str | None:
    """``phrase`` inflected for ``tag`` (a base tag leaves it as it is)."""
    return phrase if tag in ("NN", "VB", "JJ", "RB", "VBP") else build_thesaurus.inflect(phrase, upos, tag)


def vocabulary(paths: List[str], min_count: int) -> Tuple[Dict[str, int], Dict[str, int]]:
    """Lower-case words and two-word capitalised names of the corpora, with their counts."""
    counts: collections.Counter = collections.Counter()
    names: collections.Counter = collections.Counter()
    for p in paths:
        opener = gzip.open if p.endswith(".gz") else open
        with opener(p, "rt", encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line)["text"].replace("’", "'")
                counts.update(WORD.findall(text))
                names.update(NAME_PAIR.findall(text))
    return ({w: c for w, c in counts.items() if c >= min_count},
            {n: c for n, c in names.items() if c >= NAME_MIN_COUNT})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab", nargs="+", required=True, help="JSONL corpora whose frequent lower-case words are originals")
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "corpora" / "channel" / "links.tsv.gz"))
    args = ap.parse_args()

    links, _ = wordnet()
    for key, rel in mythes().items():
        for o, tier in rel.items():
            if tier < links[key].get(o, 9):
                links[key][o] = tier
    # two hops, one of them a synonym (a synonym of a synonym or of a similar word), tier 3
    two_hop: Dict[Key, Dict[str, int]] = {}
    for key, rel in links.items():
        extra = {}
        for o, tier in rel.items():
            if tier <= 2:
                for o2, t2 in links.get((o, key[1]), {}).items():
                    if t2 + tier <= 4 and o2 != key[0] and o2 not in rel:
                        extra[o2] = 3
        two_hop[key] = extra
    for key, extra in two_hop.items():
        links[key].update(extra)

    vocab, names = vocabulary(args.vocab, args.min_count)
    reverse: Dict[str, Dict[str, int]] = collections.defaultdict(dict)
    for original in sorted(vocab):
        if not original.islower():
            continue
        per: Dict[str, int] = {}
        for upos, lemmas in sorted(lemminflect.getAllLemmas(original).items()):
            if upos not in WN_FILES.values():
                continue
            lemma = lemmas[0]
            tags = [t for t, forms in lemminflect.getAllInflections(lemma, upos=upos).items() if original in forms]
            if original == lemma:
                tags.sort(key=lambda t: t not in ("NN", "VB", "JJ", "RB"))
            if not tags:
                continue
            for s, tier in links.get((lemma, upos), {}).items():
                if not GOOD.fullmatch(s) or lemma in s.split(" "):
                    continue
                form = inflect(s, upos, tags[0])
                if form and form != original and GOOD.fullmatch(form) and tier < per.get(form, 9):
                    per[form] = tier
        ranked = sorted(per.items(), key=lambda x: (x[1], -vocab.get(x[0], 0), x[0]))
        kept = collections.Counter()
        for form, tier in ranked:
            kept[tier] += 1
            if kept[tier] <= MAX_PER_TIER[tier]:
                reverse[form][original] = tier
    rows = []
    for form in sorted(reverse):
        rel = sorted(reverse[form].items(), key=lambda x: (x[1], -vocab.get(x[0], 0), x[0]))
        rows.append(form + "\t" + "|".join(f"{o}:{t}" for o, t in rel) + "\n")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as fh:
        fh.write("".join(rows).encode("utf-8"))
    names_out = out.parent / "names.tsv.gz"
    with gzip.GzipFile(names_out, "wb", mtime=0) as fh:
        fh.write("".join(f"{n}\t{c}\n" for n, c in sorted(names.items())).encode("utf-8"))
    print(f"{len(names)} names -> {names_out} ({names_out.stat().st_size} bytes)")
    print(f"{len(rows)} forms, {sum(len(r) for r in reverse.values())} links -> {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
