"""What training may read of a clean corpus, and how its domains are balanced.

- A record whose ``license`` says it is research-only (or of unknown licence) is for measurement
  only: training refuses it (:func:`trainable`).
- The reserved evaluation split of ``../shared/corpora/broad-news`` (``sha1(id) % 10 == 0``) is never
  trained, tuned or calibrated on; training leaves it out of every corpus it reads
  (:func:`in_reserved_split`).
- A record's ``domain`` field names its domain; records without one are ``news``. Training draws its
  pages so that each domain gets an equal share of the words (:func:`balanced`), and cuts long
  documents into pages of at most :data:`PAGE_WORDS` words at paragraph breaks (:func:`pages`), so a
  book chapter weighs like a news page.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from typing import Dict, Iterable, List, Protocol, Sequence, TypeVar

__all__ = ["in_reserved_split", "trainable", "pages", "balanced", "by_domain", "DEFAULT_DOMAIN", "PAGE_WORDS"]

DEFAULT_DOMAIN = "news"
PAGE_WORDS = 800
_NOT_TRAINABLE = ("research-only", "research only", "unknown")


class _HasText(Protocol):
    text: str
    domain: str


D = TypeVar("D", bound=_HasText)


def in_reserved_split(record_id: str) -> bool:
    """Whether a record id falls in the reserved evaluation split (``sha1(id) % 10 == 0``)."""
    return int(hashlib.sha1(record_id.encode()).hexdigest(), 16) % 10 == 0


def trainable(license_text: str) -> bool:
    """Whether a record of this licence may be trained on (research-only and unknown ones may not)."""
    return not license_text.strip().lower().startswith(_NOT_TRAINABLE)


def pages(text: str, max_words: int = PAGE_WORDS) -> List[str]:
    """``text`` cut at paragraph breaks into pages of at most about ``max_words`` words (a longer
    paragraph stands alone); a text of ``max_words`` or fewer is one page."""
    if len(text.split()) <= max_words:
        return [text]
    out: List[str] = []
    cur: List[str] = []
    n = 0
    for para in text.split("\n\n"):
        w = len(para.split())
        if cur and n + w > max_words:
            out.append("\n\n".join(cur))
            cur, n = [], 0
        cur.append(para)
        n += w
    if cur:
        out.append("\n\n".join(cur))
    return out


def by_domain(docs: Iterable[D]) -> Dict[str, List[D]]:
    groups: Dict[str, List[D]] = defaultdict(list)
    for d in docs:
        groups[d.domain].append(d)
    return dict(groups)


def balanced(docs: Sequence[D], n: int, seed: int) -> List[D]:
    """At most ``n`` documents drawn so that every domain gets an equal share of the words: each
    domain's documents in a seeded order, taken from the domain with the fewest words so far until
    ``n`` are taken or every domain is used up. A domain with few words gives all it has."""
    groups = by_domain(docs)
    rng = random.Random(seed)
    queues = {}
    for name in sorted(groups):
        g = list(groups[name])
        rng.shuffle(g)
        queues[name] = g
    words = {name: 0 for name in queues}
    taken: List[D] = []
    while len(taken) < n and queues:
        name = min(queues, key=lambda k: (words[k], k))
        d = queues[name].pop()
        if not queues[name]:
            del queues[name]
        taken.append(d)
        words[name] += len(d.text.split())
    return taken
