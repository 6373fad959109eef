"""British and American spellings are both clean English: no flag or restoration swaps them."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

import garblecheck
from garblecheck.text.spelling import abbreviates, spelling_key, spelling_variants

PAIRS = [("defence", "defense"), ("labour", "labor"), ("organisation", "organization"), ("programme", "program"),
         ("colour", "color"), ("centre", "center"), ("travelled", "traveled"), ("analyse", "analyze"),
         ("paediatric", "pediatric"), ("oestrogen", "estrogen"), ("diarrhoea", "diarrhea"), ("licence", "license"),
         ("catalogue", "catalog"), ("theatre", "theater"), ("favourite", "favorite"), ("centred", "centered"),
         ("modelling", "modeling"), ("grey", "gray"), ("behaviour", "behavior"), ("anaemia", "anemia"),
         ("honours", "honors"), ("counsellor", "counselor"), ("manoeuvre", "maneuver"), ("judgement", "judgment")]
DIFFERENT = [("four", "for"), ("filled", "filed"), ("shoe", "she"), ("poet", "pet"), ("fence", "fense"),
             ("hence", "hense"), ("tour", "tor"), ("price", "prize"), ("safety", "security"), ("main", "primary"),
             ("office", "workplace"), ("advice", "advise"), ("hundreds", "tons")]


@pytest.mark.parametrize("british, american", PAIRS)
def test_the_two_spellings_of_a_word_are_variants(british: str, american: str) -> None:
    assert spelling_variants(british, american) and spelling_variants(american, british)
    assert spelling_variants(british.capitalize(), american.upper())
    assert spelling_variants(f"the {british} plan", f"the {american} plan")


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_words_are_not_variants(a: str, b: str) -> None:
    assert not spelling_variants(a, b)


@given(st.text(alphabet="abcdefghilmnorstuvyz", min_size=1, max_size=12), st.text(alphabet="abcdeilmnorstuyz", max_size=12))
def test_variants_are_symmetric_and_never_the_word_itself(a: str, b: str) -> None:
    assert not spelling_variants(a, a)
    assert spelling_variants(a, b) == spelling_variants(b, a)
    same = spelling_key(a) == spelling_key(b) or abbreviates(a, b) or abbreviates(b, a)
    assert spelling_variants(a, b) == (a != b and same)


@pytest.mark.parametrize("short, word", [("pct", "percent"), ("yrs", "years"), ("mln", "million"), ("dlrs", "dollars"),
                                         ("bln", "billion"), ("st", "street")])
def test_a_wire_abbreviation_is_a_spelling_of_its_word(short: str, word: str) -> None:
    assert abbreviates(short, word) and spelling_variants(short, word) and spelling_variants(word.upper(), short)


@pytest.mark.parametrize("short, word", [("act", "action"), ("min", "minute"), ("fly", "flying"), ("try", "trying"),
                                         ("cts", "cats"), ("pct", "percentage points")])
def test_a_short_word_is_no_abbreviation_of_a_longer_one(short: str, word: str) -> None:
    assert not spelling_variants(short, word)


@given(st.text(alphabet="bcdfghklmnprstvwxz", min_size=2, max_size=5), st.text(alphabet="abcdefghiklmnoprstuvwxz", max_size=8))
def test_an_abbreviation_keeps_the_letters_of_its_word_in_order(short: str, filler: str) -> None:
    word = short[0] + "".join(c + filler[i:i + 1] for i, c in enumerate(short[1:])) + "ion"
    assert abbreviates(short, word)
    assert not abbreviates(short + "a", word + "a") and not abbreviates(short, short + "e")
    assert not abbreviates(short, "q" + word[1:]) or short[0] == "q"


BRITISH = ("The defence ministry said the labour programme of the organisation would be reviewed at the centre "
           "in the autumn. Its favourite colour, the analysis of paediatric behaviour and the licence for the "
           "theatre travelled through every catalogue of the defence committee.")
AMERICAN = ("The defense ministry said the labor program of the organization would be reviewed at the center "
            "in the fall. Its favorite color, the analysis of pediatric behavior and the license for the "
            "theater traveled through every catalog of the defense committee.")


@pytest.mark.parametrize("text", [BRITISH, AMERICAN])
def test_no_flag_or_restoration_changes_a_spelling(det: garblecheck.Detector, text: str) -> None:
    report = det.check(text, decode=True)
    for f in report.flags:
        assert not any(spelling_variants(f.text, s) for s in f.suggestions), f
    restored, changes = det.restore_and_explain(text)
    assert not any(spelling_variants(c.before, c.after) for c in changes), changes
    for word in ("defen", "labo", "organi", "progra", "colo", "cent", "theat", "licen"):
        assert restored.count(word) == text.count(word)


def test_the_channel_and_the_thesaurus_offer_no_other_spelling() -> None:
    from garblecheck.decoding.channel import Channel
    from garblecheck.learn.synth import Thesaurus

    channel = Channel.default()
    thesaurus = Thesaurus.load()
    reverse = thesaurus.reverse_single_words()
    for pair in PAIRS:
        for form in pair:
            assert not any(spelling_variants(form, o) for o, *_ in channel._candidates(form))
            assert not any(spelling_variants(form, o) for o in reverse.get(form, ()))
            for _lemma, cands in thesaurus.table.get(form, ()):
                assert not any(spelling_variants(form, c) for c in cands)
