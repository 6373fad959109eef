"""Names respelt within a document (machine translation's "Leman" after "Fazlur Rehman")."""

from __future__ import annotations

import numpy as np

from garblecheck.text.words import sentence_words
from garblecheck.evidence.names import distance, name_variants, name_words, skeleton
from garblecheck.text.words import sentence_spans

ENGLISH = {"officials", "the", "black", "state", "said", "he", "she", "they", "in", "a", "of", "trade"}


def variants(text: str):
    words, sentence = sentence_words([text[s.start : s.end] for s in sentence_spans(text)])
    names = name_words(words, range(len(words)), lambda ws: np.array([w in ENGLISH for w in ws], dtype=bool))
    return [(words[k], m) for k, m in name_variants(words, sentence, names)]


def test_a_respelt_name_is_flagged_with_the_better_supported_form():
    text = ("The cleric Maulana Fazlur Rehman warned of the danger on Monday. Leman claims the police "
            "cannot go out at night. Officials said the talks would go on.")
    assert variants(text) == [("Leman", "Rehman")]


def test_legitimate_variants_are_left_alone():
    assert variants("Defense Minister Khawaja Asif spoke. Asif said so. Asif's view was clear.") == []
    assert variants("Israel and the Israelis; Pakistan and Pakistani troops; Syria, Syrian.") == []
    assert variants("Jose Valério met Valerio in Lisbon.") == []  # accents only
    # two spellings, each used consistently (or two people)
    assert variants("Baluchestan is in Iran. Balochistan is in Pakistan. Baluchestan again. Balochistan again.") == []
    assert variants("Black Friday came. Block parties followed.") == []  # English words are not names


def test_distance_is_cheap_for_transliteration_and_skeletons_match():
    assert distance("Leman", "Rehman") == 1.0 and distance("Smith", "Smyth") == 0.5
    assert distance("Jason", "Mason") == 1.0 and skeleton("Jason") != skeleton("Mason")
    assert skeleton("Leman") == skeleton("Rehman") and skeleton("Wickremanayake") == skeleton("Wicremanayake")


def test_detector_flags_names_as_mt_and_never_restores_them():
    from garblecheck import Detector

    det = Detector()
    text = ("The cleric Maulana Fazlur Rehman warned of the danger on Monday.\n"
            "Leman's warning came after attacks in the province.")
    (flag,) = [f for f in det.check(text).flags if f.rule == "mt:name"]
    assert (flag.text, flag.suggestions, flag.kind, flag.line, flag.col) == ("Leman", ("Rehman",), "mt", 2, 1)
    assert text[flag.start : flag.end] == "Leman" and det.restore(text) == text
