import math

import pytest

import garblecheck
from garblecheck import Detector
from garblecheck.detector.reports import verdict_of
from garblecheck.verdict.report import DEFAULT_THRESHOLD, PSEUDO_WORDS, density_score


def test_context_decides_ambiguous_words(det):
    assert [f.text for f in det.check("Militants attacked safety forces near the border.").flags] == ["safety"]
    assert det.check("The new law improves public safety near the border.").flags == ()
    assert [f.suggestions[0] for f in det.check("It is a shut ally of Kabul.").flags] == ["close"]
    assert det.check("The shops were shut on Friday.").flags == ()
    # a sure swap on the page ("army motion") raises its intensity: "stated", which real spinners
    # write for "said" (30 of 31 times), goes back too, where a clean sentence keeps it (the last line)
    assert [f.text for f in det.check("The army stated that the army motion was over.").flags] == ["stated", "army motion"]
    assert det.check("The army said it had killed four soldiers.").flags == ()
    assert [f.text for f in det.check("They met final month in Doha.").flags] == ["final month"]
    assert det.check("It was the final month of his term.").flags == ()
    assert [f.text for f in det.check("At least 4,000 members are lively in Afghanistan.").flags] == ["lively"]
    assert det.check("The debate was lively and long.").flags == ()
    assert [f.text for f in det.check("The attack the army stated had killed four men.").flags] == ["stated"]
    assert det.check("The military stated that the fatalities occurred during raids.").flags == ()


def test_names_numbers_and_urls_are_never_flagged(det):
    text = "Leaders met in Safety Harbor and at the Energy Department on 12 May; see www.safety-forces.org."
    assert det.check(text).flags == ()


def test_never_matches_across_a_sentence_boundary(det):
    assert det.check("They spoke of international. Locations were unclear.").flags == ()
    assert [f.text for f in det.check("They met leaders of international locations.").flags] == ["international locations"]


def test_flag_fields_and_offsets(det):
    text = "Line one is clean.\r\nTons of Pakistanis died, officials said.\n"
    r = det.check(text)
    (f,) = r.flags
    assert text[f.start : f.end] == f.text == "Tons of"
    assert (f.line, f.col) == (2, 1)
    assert f.suggestions[0] == "Hundreds of"
    assert f.kind == "spin" and f.rule == "lexicon:spin"
    assert 0.5 <= f.confidence <= 1.0
    d = f.to_dict()
    assert set(d) >= {"start", "end", "line", "col", "text", "suggestions", "kind", "confidence", "rule"}
    assert isinstance(d["suggestions"], list)


def test_score_formula_and_verdict():
    assert density_score([], 100) == 0.0
    expected = 1 - math.exp(-100 * 0.9 / (100 + PSEUDO_WORDS))
    assert density_score([0.9], 100) == pytest.approx(expected)
    assert density_score([0.9, 0.9], 100) > density_score([0.9], 100) > density_score([0.9], 1000)
    text = "Tons of Pakistanis died final month in safety forces raids."
    lexicon_only = Detector(model=None, threshold=0.99)
    r = lexicon_only.check(text)
    assert r.score == pytest.approx(density_score([f.confidence for f in r.flags], r.n_words))
    assert r.score >= DEFAULT_THRESHOLD and r.verdict == "clean" and r.spin_score is None  # above 0.5, below 0.99
    assert Detector(model=None).check(text).verdict == "garbled"
    assert Detector().check(text).verdict == "garbled"


def test_sentence_scores_cover_each_sentence(det):
    text = "This is clean. Tons of people fled safety forces. Also clean here."
    r = Detector(model=None).check(text)
    assert [text[s.start : s.end] for s in r.sentences] == [
        "This is clean.",
        "Tons of people fled safety forces.",
        "Also clean here.",
    ]
    assert r.sentences[0].score == 0 and r.sentences[2].score == 0
    assert r.sentences[1].score > 0.5
    with_model = det.check(text).sentences
    assert [(s.start, s.end) for s in with_model] == [(s.start, s.end) for s in r.sentences]
    assert with_model[1].score > 0.5 > max(with_model[0].score, with_model[2].score)


def test_report_is_frozen_and_serialisable(det):
    r = det.check("Officers in Islamabad say the talks failed.")
    with pytest.raises(Exception):
        r.score = 1.0  # type: ignore[misc]
    d = r.to_dict()
    assert d["verdict"] in {"garbled", "clean"}
    assert d["flags"][0]["suggestions"] == ["Officials"]


def test_bytes_raise_type_error_that_says_decode():
    with pytest.raises(TypeError, match="decode"):
        garblecheck.check(b"Tons of people")
    with pytest.raises(TypeError):
        garblecheck.restore(None)  # type: ignore[arg-type]


def test_detector_params_and_bad_threshold():
    d = Detector(ignore=["tons of"], threshold=0.7)
    assert d.get_params()["threshold"] == 0.7
    assert d.check("Tons of people fled.").flags == ()
    with pytest.raises(ValueError):
        Detector(threshold=1.5)


def test_check_many_matches_single_checks(det):
    texts = ["Tons of people fled.", "", "All clean here.", "They met final month."]
    assert det.check_many(texts) == [det.check(t) for t in texts]


def test_module_level_api_uses_the_default_detector():
    assert garblecheck.check("Tons of people fled.") == garblecheck.default_detector().check("Tons of people fled.")
    assert garblecheck.restore("Tons of people fled.") == "Hundreds of people fled."


def test_verdict_mt_when_mt_evidence_dominates():
    det = Detector(model=None, threshold=0.5)
    det.mt_threshold_ = 0.6
    assert verdict_of(det, 0.3, 0.9, 500) == "mt"  # only the mt score is past its threshold
    assert verdict_of(det, 0.99, 0.7, 500) == "garbled"  # both past, spin by far more (log-odds)
    assert verdict_of(det, 0.55, 0.99, 500) == "mt"
    assert verdict_of(det, 0.2, 0.5, 500) == "clean" and verdict_of(det, 0.2, None, 500) == "clean"
    assert verdict_of(det, 0.3, 0.99, 99) == "clean"  # too short to be called mt
    assert verdict_of(det, 0.6, 0.99, 99) == "garbled"
    det.mt_threshold_ = None
    assert verdict_of(det, 0.3, 0.99, 500) == "clean"


SPUN_PARAGRAPH = ("The new premier assumed workplace final month after a vote in parliament. Tons of residents "
                  "informed reporters that the safety forces had left the area. Officers in the capital stated the "
                  "talks would resume quickly. He stated the federal government would assist the households of the victims.")


def test_a_long_text_is_decoded_in_pieces_of_whole_sentences(det, monkeypatch):
    """Pieces cover every word and sentence once, in order; texts decoded together or apart flag
    the same words; a text decoded in pieces still flags words at their places."""
    import garblecheck.detector.restorer as restorer
    from garblecheck.detector.batch import pieces as pieces_of

    spun = "\n\n".join([SPUN_PARAGRAPH] * 5)
    texts = [spun, "Officers in Islamabad said the safety forces would assist them.", SPUN_PARAGRAPH]
    whole = [r.flags for r in det.check_many(texts, decode=True)]
    assert any(f.rule == "channel:word" for f in whole[0]) and any(f.rule == "channel:word" for f in whole[2])
    a = det.read([spun])[0]
    for size in (1, 7, 40, 10 ** 6):
        pieces = pieces_of(0, a, size)
        assert [p[1] for p in pieces[1:]] == [p[2] for p in pieces[:-1]] and pieces[0][1] == a.words[1] and pieces[-1][2] == a.words[2]
        assert [p[3] for p in pieces[1:]] == [p[4] for p in pieces[:-1]] and pieces[0][3] == 0 and pieces[-1][4] == len(a.spans)
        assert (len(pieces) == 1) == (size >= a.words[2] - a.words[1])
    # one decoding pass per text (the limit below any two texts together): the same flags
    monkeypatch.setattr(restorer, "DECODE_WORDS", max(len(t.split()) for t in texts) + 1)
    assert [r.flags for r in det.check_many(texts, decode=True)] == whole
    # pieces of a few sentences, each with its own rate: lexicon flags unchanged, every flag in place
    monkeypatch.setattr(restorer, "DECODE_WORDS", 40)
    parts = det.check(spun, decode=True).flags
    assert [f for f in parts if f.rule.startswith("lexicon")] == [f for f in whole[0] if f.rule.startswith("lexicon")]
    assert all(spun[f.start : f.end] == f.text for f in parts) and any(f.rule == "channel:word" for f in parts)


def test_the_page_rate_tells_a_real_spinners_page_from_its_source(det):
    source = ("The price of bitcoin rose on Tuesday as investors bought more coins, and analysts said the "
              "trend shows that traders expect a higher value by the end of the month.")
    spun = ("The worth of bitcoin rose on Tuesday as buyers purchased extra cash, and analysts mentioned the "
            "pattern exhibits that merchants anticipate a better worth by the top of the month.")
    clean, garbled = det.check(source), det.check(spun)
    assert garbled.intensity > 0.5 > clean.intensity
    assert garbled.to_dict()["intensity"] == garbled.intensity


def test_a_page_stage_one_clears_reads_no_further_unless_full():
    from garblecheck.verdict.model import SpinModel, default_model_dir

    model = SpinModel.load(default_model_dir())
    model.stage1_bar = 1.01  # stage 1 clears every page
    text = "He left final month, and the committee met on Monday to approve the budget for next year."
    cleared, full = Detector(model=model).check(text), Detector(model=model, full=True).check(text)
    assert cleared.stage == 1 and full.stage == 2
    assert cleared.verdict == "clean" and cleared.mt_score is None and full.mt_score is not None
    assert cleared.score < model.stage1_bar
    assert [f.rule for f in cleared.flags] == ["lexicon:spin"]  # the lexicon is stage 1's; no decoder, no context
    assert Detector(model=model, full=True).check(text).flags == full.flags
    model.stage1_bar = 0.0  # no page is cleared
    assert Detector(model=model).check(text).stage == 2


def test_a_page_rate_without_support_cannot_call_a_page():
    import numpy as np

    from garblecheck.verdict.model import N_SPIN_FEATURES, doc_features

    z = np.array([-3.0, -2.5])
    alone = doc_features(z, 0.0, np.zeros(40), np.zeros(2), 40, rates=[0.8, 0.3, 40])
    backed = doc_features(z, 0.4, np.zeros(40), np.zeros(2), 40, rates=[0.8, 0.3, 40], lexicon_sum=1.8)
    assert alone[N_SPIN_FEATURES + 1] == 0 and alone[N_SPIN_FEATURES + 2] == 0  # intensity and ratio gated to 0
    assert backed[N_SPIN_FEATURES + 1] == pytest.approx(0.8 * (1 - math.exp(-1.8)))
    sure = doc_features(z, 0.0, np.r_[np.zeros(38), 0.9, 0.7], np.zeros(2), 40, rates=[0.8, 0.3, 40])
    assert sure[N_SPIN_FEATURES + 1] == pytest.approx(0.8 * (1 - math.exp(-2)))  # two confident swaps


def test_more_evidence_never_lowers_the_score(det):
    from hypothesis import given, settings, strategies as st
    import numpy as np

    from garblecheck.verdict.model import VERDICT_EVIDENCE, doc_features

    model = det.spin_model
    assert model.verdict is not None and set(VERDICT_EVIDENCE) <= set(range(5, 13))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.floats(-6, 4), min_size=1, max_size=30), st.lists(st.floats(0, 1), max_size=60),
           st.floats(0, 1.5), st.floats(-0.2, 0.4), st.integers(20, 2000), st.floats(0, 5), st.floats(0.1, 5))
    def check(z, e, s, llr, n, lex, more):
        e = np.array(e)
        before = doc_features(np.array(z), density_score([lex], n), e, e[: len(z)], n, [s, llr, n], lex)
        after = doc_features(np.array(z), density_score([lex + more], n), np.r_[e, 0.9], e[: len(z)], n, [s, llr, n],
                             lex + more)
        assert model.scores(after)[0] >= model.scores(before)[0] - 1e-3

    check()


def test_many_confident_flags_call_a_page_garbled_whatever_the_ngrams_say(det):
    clean = ("The committee met on Tuesday to review the budget and the schedule for the coming year. "
             "Members asked questions about the costs of the new building and the plans for the park. ") * 3
    spun = clean.replace("review", "assessment").replace("coming year", "coming yr").replace("costs", "prices") + (
        "Tons of residents mentioned the plan at the very least twice. Greater than half of them informed officers "
        "the finish of the yr was close. Enterprise leaders from international locations agreed. ")
    r = det.check(spun)
    assert sum(f.kind == "spin" for f in r.flags) >= 8
    assert r.verdict == "garbled"


def test_evidence_of_meaning_is_never_read_inside_a_url(det):
    text = ("The minister spoke in the city on Monday and said the talks would go on. See https://arab.news/4cukm "
            "and www.arab.example for more.")
    assert not [f for f in det.check(text).flags if "arab" in f.text]
