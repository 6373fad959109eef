"""What training reads of a corpus: licences, the reserved split, pages, and balanced domains."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hypothesis import given, strategies as st

from garblecheck.learn.corpora import PAGE_WORDS, balanced, in_reserved_split, pages, trainable


@dataclass(frozen=True)
class D:
    text: str
    domain: str


@given(st.text(min_size=1, max_size=40))
def test_the_reserved_split_is_sha1_of_the_id_mod_10(record_id: str):
    assert in_reserved_split(record_id) == (int(hashlib.sha1(record_id.encode()).hexdigest(), 16) % 10 == 0)


def test_research_only_and_unknown_licences_are_not_trainable():
    assert not trainable("research-only (Reuters Ltd. copyright)")
    assert not trainable("Research-only: article text copyright BBC")
    assert not trainable("unknown: rekt.news articles")
    assert trainable("CC BY 4.0 (MedQuAD)") and trainable("public domain (US Federal Reserve work)") and trainable("")


paragraph = st.lists(st.sampled_from(["rates", "rose", "the", "bank", "said"]), min_size=1, max_size=300).map(" ".join)


@given(st.lists(paragraph, min_size=1, max_size=12), st.integers(20, 900))
def test_pages_cut_at_paragraph_breaks_and_keep_every_paragraph(paras, max_words):
    text = "\n\n".join(paras)
    out = pages(text, max_words)
    assert "\n\n".join(out) == text
    if len(text.split()) <= max_words:
        assert out == [text]
    for p in out:
        assert len(p.split()) <= max_words or "\n\n" not in p  # only a single long paragraph is longer
    assert pages(text) == pages(text, PAGE_WORDS)


@given(st.dictionaries(st.sampled_from(["news", "health", "crypto", "finance"]), st.integers(1, 60), min_size=1),
       st.integers(1, 200), st.integers(0, 5))
def test_balanced_draws_give_every_domain_an_equal_share_of_the_words(sizes, n, seed):
    docs = [D(" ".join(["w"] * (10 + k % 7)), name) for name, count in sizes.items() for k in range(count)]
    taken = balanced(docs, n, seed)
    assert len(taken) == min(n, len(docs)) and len(set(map(id, taken))) == len(taken)
    assert balanced(docs, n, seed) == taken  # seeded
    words = {name: sum(len(d.text.split()) for d in taken if d.domain == name) for name in sizes}
    left = {name for name in sizes if sum(d.domain == name for d in taken) < sizes[name]}
    # a domain with documents left never trails a domain by more than one document's words
    for a in left:
        for b in sizes:
            assert words[a] >= words[b] - 16
