"""The spinner channel and the decoder that restores a page with it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from garblecheck.decoding.channel import TIER_P, Channel, ChannelWeights
from garblecheck.text.wordlists import EDITORIAL
from garblecheck.decoding.decode import _Lattice, decode


@pytest.fixture(scope="module")
def channel() -> Channel:
    return Channel.default()


def _originals(channel: Channel, form: str) -> dict:
    return {o: lp for o, lp, _, _ in channel.candidates(form)}


def test_candidates_come_from_every_source(channel):
    assert "in" in _originals(channel, "within")  # function words, read both ways
    assert "within" in _originals(channel, "in")
    assert "bill" in _originals(channel, "invoice")  # real pairs and WordNet
    assert "security" in _originals(channel, "safety")
    assert "told" in _originals(channel, "informed")  # inflected like the form
    assert "countries" in _originals(channel, "nations")
    assert _originals(channel, "xqzzy") == {}


def test_real_pairs_outweigh_a_plain_thesaurus_link(channel):
    said = _originals(channel, "stated")["said"]
    assert said > math.log(TIER_P[1])  # the real spinners' favourite beats any tier-1 link
    no_real = Channel.load(real=False)
    assert _originals(no_real, "stated")["said"] < said


def test_real_pairs_can_be_held_out_and_editorial_pairs_never_count(channel):
    held = Channel.load(thesaurus=False, keep_real=lambda o: o != "bill")
    assert "bill" not in _originals(held, "invoice")
    assert "price" in _originals(held, "worth")
    real_only = Channel.load(thesaurus=False)
    assert not any(o in EDITORIAL for form in ("your", "many", "this", "that") for o in _originals(real_only, form))


def test_spun_names_are_repaired_and_real_names_left_alone(channel):
    text = ("The White Home said on Could 5 that Invoice Gates met the Supreme Courtroom. "
            "Senate Democrats and the House agreed, Tim Cook said in New York on May 5.")
    found = {text[a:b]: repl for a, b, repl in channel.spun_names(text)}
    assert found == {"Home": "House", "Could": "May", "Invoice": "Bill", "Courtroom": "Court"}
    # the tail of a longer name ("Department of Emergency Services and White Home") is that name's own
    longer = "The Department of Emergency Services and White Home said so. The White Home said so."
    assert [longer[a:b] for a, b, _ in channel.spun_names(longer)] == ["Home"]
    assert channel.spun_names(longer)[0][0] > longer.index(".")


class _TinyLM:
    """A language model over five words in which "the security forces" is the only likely phrase."""

    order = 2
    vocab = {"the": 1, "security": 2, "forces": 3, "safety": 4, "left": 5}

    def ids(self, words):
        return np.array([self.vocab.get(w, 0) for w in words], dtype=np.int64)

    def logp(self, history, words):
        prev = np.asarray(history)[:, -1]
        good = {(1, 2), (2, 3), (3, 5), (-1, 1)}
        return np.array([-0.5 if (int(a), int(b)) in good else -6.0 for a, b in zip(prev, words)])

    def prior(self, words):
        return np.full(len(words), -2.0)


def _TinyChannel() -> Channel:
    """"safety" and "security" linked both ways, nothing else."""
    return Channel({b"safety": b"security:1", b"security": b"safety:1"}, {}, {}, {})


def test_decoder_restores_a_swap_its_neighbours_reject_and_keeps_a_fitting_word():
    words = ["the", "safety", "forces", "left"]
    decisions, _ = decode(_TinyLM(), _TinyChannel(), words, np.zeros(4, dtype=np.int64), rho=0.2)
    assert [(words[d.word], d.chosen) for d in decisions if d.chosen] == [("safety", "security")]
    kept, _ = decode(_TinyLM(), _TinyChannel(), ["the", "security", "forces", "left"], np.zeros(4, dtype=np.int64), rho=0.2)
    assert not any(d.chosen for d in kept)


def test_the_page_sets_the_rate_and_one_word_cannot_vouch_for_itself():
    one = ["the", "safety", "forces", "left"]
    decisions, rho_one = decode(_TinyLM(), _TinyChannel(), one, np.zeros(4, dtype=np.int64))
    assert not any(d.chosen for d in decisions)  # a lone swap on a short page: decided at the floor rate
    page = one * 6
    decisions, rho_page = decode(_TinyLM(), _TinyChannel(), page, np.repeat(np.arange(6), 4))
    assert [d.chosen for d in decisions if d.chosen] == ["security"] * 6
    assert rho_page > rho_one


def test_names_and_skipped_words_are_never_candidates():
    words = ["the", "Safety", "forces", "left"]  # capitalised inside a sentence: a name
    decisions, _ = decode(_TinyLM(), _TinyChannel(), words, np.zeros(4, dtype=np.int64))
    assert decisions == []
    skip = np.array([False, True, False, False])
    decisions, _ = decode(_TinyLM(), _TinyChannel(), ["the", "safety", "forces", "left"], np.zeros(4, dtype=np.int64), skip)
    assert decisions == []


def _brute_force(unary, pair, linked):
    """Marginals and best path of one chain by enumerating every path."""
    from itertools import product

    K = unary.shape[1]
    paths, scores = [], []
    for path in product(range(K), repeat=len(unary)):
        s = sum(unary[i, c] for i, c in enumerate(path)) + sum(pair[i][path[i], path[i + 1]] for i in range(len(path) - 1))
        paths.append(path)
        scores.append(s)
    scores = np.array(scores)
    p = np.exp(scores - scores.max())
    p /= p.sum()
    marg = np.zeros_like(unary)
    for path, w in zip(paths, p):
        for i, c in enumerate(path):
            marg[i, c] += w
    return marg, list(paths[int(np.argmax(scores))])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.data())
def test_forward_backward_and_viterbi_match_brute_force(n, k, data):
    floats = st.floats(-5, 5, allow_nan=False)
    unary = np.array(data.draw(st.lists(st.lists(floats, min_size=k, max_size=k), min_size=n, max_size=n)))
    pair = np.array(data.draw(st.lists(st.lists(st.lists(floats, min_size=k, max_size=k), min_size=k, max_size=k),
                                       min_size=n, max_size=n)))
    linked = np.r_[np.ones(n - 1, dtype=bool), False]
    no_rate = np.full(unary.shape + (3,), np.nan)
    lattice = _Lattice(unary, no_rate, no_rate, pair, linked, ChannelWeights())
    marg, best = _brute_force(unary, pair, linked)
    assert np.allclose(lattice.marginals(unary), marg, atol=1e-9)
    chosen = lattice.viterbi(unary)
    score = lambda path: sum(unary[i, c] for i, c in enumerate(path)) + sum(  # noqa: E731
        pair[i][path[i], path[i + 1]] for i in range(n - 1))
    assert score(chosen.tolist()) == pytest.approx(score(best))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text("abcé'-", min_size=1, max_size=6), st.text("xyz:|0123", max_size=8), max_size=30),
       st.lists(st.text("abcé'-\0", max_size=8), max_size=10), st.sets(st.text("abcé'-", min_size=1, max_size=6), max_size=5),
       st.integers(0, 40))
def test_the_sorted_link_table_answers_as_a_dictionary(table, asked, bare, switch):
    from garblecheck.decoding.channel import _SortedLines

    raw = {k.encode(): v.encode() for k, v in table.items()}
    lines_ = [k + b"\t" + v for k, v in raw.items()] + [k.encode() for k in bare if k not in table]  # a line without links
    blob = b"\n".join(sorted(lines_, key=lambda x: x.split(b"\t")[0])) + (b"\n" if lines_ else b"")
    lines = _SortedLines(blob)
    lines.ARRAY_AFTER = switch  # the binary search over lines first, then over the byte array
    for form in [*table, *asked, *bare]:
        assert lines.get(form.encode()) == raw.get(form.encode())


def test_real_spinners_replace_some_words_almost_always_and_others_seldom(channel):
    lm = _ShippedLM()
    r = dict(zip(["price", "value", "the", "of"], channel.rates(["price", "value", "the", "of"], lm.prior(["price", "value", "the", "of"]))))
    assert r["price"] > 0.8 and r["value"] > 0.8  # 118 of 122, 86 of 88 on real pages
    assert r["the"] < 0.05 and r["of"] < 0.1
    unseen = channel.rates(["xqzzy", "notwithstanding"], np.array([-16.0, -12.0]))
    assert ((unseen > 0) & (unseen < 1)).all()  # the backoff, for words real pages never showed


class _ShippedLM:
    """The shipped language model's unigram, for the rate backoff."""

    def __init__(self) -> None:
        from garblecheck.detector import Detector

        self.lm = Detector().get_lm()

    def prior(self, words):
        return self.lm.prior(self.lm.ids(words))


def test_channel_weights_round_trip_and_a_bad_file_names_itself(tmp_path):
    w = ChannelWeights(lm=0.5, rate_backoff=(-3.0, 0.1, -1.0, 1.0))
    assert ChannelWeights.from_json(w.to_json()) == w
    assert np.allclose(w.with_vector(w.vector() * 2).vector(), w.vector() * 2)
    for bad in ("{", '{"lm": "x"}', '{"rate_backoff": [1, 2]}', '{"lm": NaN}'):
        with pytest.raises(ValueError, match="weights.json"):
            ChannelWeights.from_json(bad)


class _PhraseLM(_TinyLM):
    """"the" then "several" then "forces" is the likely sentence; "a number of" fits nowhere."""

    vocab = {"the": 1, "several": 2, "forces": 3, "a": 4, "number": 5, "of": 6, "left": 7}

    def logp(self, history, words):
        prev = np.asarray(history)[:, -1]
        good = {(-1, 2), (2, 3), (3, 7), (-1, 4), (4, 5), (5, 6)}
        return np.array([-0.5 if (int(a), int(b)) in good else -6.0 for a, b in zip(prev, words)])


def test_a_real_multi_word_swap_is_one_option_of_the_decoder():
    channel = Channel({}, {}, {}, {}, phrases={"a number of": {"several": 5.0}})
    words = ["a", "number", "of", "forces", "left"]
    decisions, _ = decode(_PhraseLM(), channel, words, np.zeros(5, dtype=np.int64), rho=1.0)
    chosen = [(d.word, d.span, d.chosen) for d in decisions if d.chosen]
    assert chosen == [(0, 3, "several")]


def test_a_batch_teaches_the_channel_a_pair_it_did_not_know():
    from garblecheck.decoding.channel import ChannelStats

    channel = _TinyChannel()
    stats = ChannelStats()
    for _ in range(5):
        stats.add("safety", "security", 0.8, 1.0)
        stats.add("safety", "safety", 0.2, 1.0)
        stats.add("security", "security", 1.0, 0.0)  # a clean page: no intensity, no lesson
    learned = channel.learned(stats)
    before = {o: lp for o, lp, _, _ in channel.candidates("safety")}["security"]
    after = {o: lp for o, lp, c, _ in learned.candidates("safety")}["security"]
    assert after > before
    assert {o: c for o, _, c, _ in learned.candidates("safety")}["security"] == 0.0  # attested counts stay real
    lp = np.array([-8.0])
    assert learned.rates(["security"], lp)[0] > channel.rates(["security"], lp)[0]
    assert channel.candidates("safety") == _TinyChannel().candidates("safety")  # the base channel is untouched
