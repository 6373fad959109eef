import pytest

import garblecheck
from garblecheck.decoding.changes import Change, apply_changes, match_case


@pytest.mark.parametrize(
    "src,repl,out",
    [
        ("Officers", "officials", "Officials"),
        ("TONS OF", "hundreds of", "HUNDREDS OF"),
        ("Tons of", "hundreds of", "Hundreds of"),
        ("International Locations", "countries", "Countries"),
        ("Elevated Collaboration", "increased cooperation", "Increased Cooperation"),
        ("safety", "security", "security"),
        ("the USA army", "the United States military", "the United States military"),
    ],
)
def test_match_case(src, repl, out):
    assert match_case(src, repl) == out


def test_restore_keeps_case_and_text_around_it(det):
    assert det.restore("Officers in Islamabad say so.") == "Officials in Islamabad say so."
    assert det.restore("TONS OF PEOPLE FLED THE CITY.") == "HUNDREDS OF PEOPLE FLED THE CITY."
    text = "He left final month, “despatched” by the  safety forces.\r\n"
    assert det.restore(text) == "He left last month, “sent” by the  security forces.\r\n"


def test_a_an_agreement_is_fixed_when_a_change_breaks_it(det):
    assert det.restore("It was a lively debate.") == "It was a lively debate."
    assert det.restore("He was an lively member.") == "He was an active member."  # already an/active agree
    assert det.restore("It is a lively volcano.") == "It is an active volcano."
    assert det.restore("A lively volcano erupted.") == "An active volcano erupted."
    restored, changes = det.restore_and_explain("It is a lively volcano.")
    assert [(c.before, c.after) for c in changes] == [("a lively", "an active")]


def test_restore_and_explain_replays(det):
    text = "Tons of Pakistanis have died final month. Officers stated safety forces were hit."
    restored, changes = garblecheck.restore_and_explain(text)
    assert restored == "Hundreds of Pakistanis have died last month. Officials said security forces were hit."
    assert apply_changes(text, changes) == restored
    assert all(isinstance(c, Change) and text[c.start : c.end] == c.before for c in changes)
    assert changes[0].to_dict()["rule"] == "lexicon:spin"


def test_clean_text_is_unchanged_and_restore_is_idempotent(det):
    clean = "Hundreds of Pakistanis have died in attacks on security forces, officials said last month."
    assert det.restore(clean) == clean
    spun = "Tons of Pakistanis have died in assaults towards safety forces, officers stated final month."
    once = det.restore(spun)
    assert once != spun
    assert det.restore(once) == once


def test_apply_changes_rejects_changes_that_do_not_fit():
    with pytest.raises(ValueError):
        apply_changes("abc", [Change(0, 1, "x", "y", "r")])
    with pytest.raises(ValueError):
        apply_changes("abcdef", [Change(0, 3, "abc", "X", "r"), Change(2, 4, "cd", "Y", "r")])


def test_low_confidence_flags_are_not_restored(tmp_path):
    det = garblecheck.Detector(restore_min_confidence=0.99)
    text = "Tons of people fled."
    assert det.check(text).flags and det.restore(text) == text


def test_restore_repairs_words_no_lexicon_lists_and_spun_names(det):
    text = ("The White Home informed reporters on Could 5 that safety forces had been despatched to the area, "
            "and Invoice Gates additionally said the talks would go on.")
    restored = det.restore(text)
    for wire in ("White House", "May 5", "Bill Gates", "told reporters", "security forces", "also said"):
        assert wire in restored, (wire, restored)
    rules = {f.rule for f in det.check(text, decode=True).flags}
    assert {"name:spun", "channel:word"} <= rules


def test_a_clean_sentence_is_left_as_it_is(det):
    for text in ("Officials said the talks in Geneva would resume next week.",
                 "The company reported higher profits within the first quarter of the year.",
                 "Prime Minister Shehbaz Sharif met Bill Gates at the White House on May 5."):
        assert det.restore(text) == text
