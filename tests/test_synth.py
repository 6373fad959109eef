import random

import pytest
from hypothesis import given, settings, strategies as st

from garblecheck.evidence.lexicon import Lexicon
from garblecheck.learn.synth import NOISE_KINDS, PAGE_FURNITURE, PageNoise, Spinner, SpunText, Thesaurus, is_heldout

TEXT = ("Officials in Islamabad told VOA on Sunday that security forces had killed 12 militants last month. "
        "The government said it would expand trade with both countries, and hundreds of people attended.")


@pytest.fixture(scope="module")
def thesaurus():
    return Thesaurus.load(lexicon=Lexicon.load())


def test_table_is_derived_and_inflected(thesaurus):
    assert len(thesaurus) > 5000
    forms = {f for _, f in thesaurus.candidates("told")}
    assert "stated" in forms or "informed" in forms
    assert ("last", "month") in [w for w, _ in thesaurus.phrases["last"]]


def test_heldout_split_is_disjoint_and_stable(thesaurus):
    lemmas = {lem for rows in thesaurus.table.values() for lem, _ in rows}
    held = {lem for lem in lemmas if is_heldout(lem, 0)}
    assert 0.1 < len(held) / len(lemmas) < 0.3
    assert held == {lem for lem in lemmas if is_heldout(lem, 0)}
    assert held != {lem for lem in lemmas if is_heldout(lem, 1)}
    train = Spinner(thesaurus, "train", 0)
    heldout = Spinner(thesaurus, "heldout", 0)
    for seed in range(20):
        for sp, want in ((train, False), (heldout, True)):
            for _, _, _, lemma in sp.spin(TEXT, 0.4, random.Random(seed)).substitutions:
                assert is_heldout(lemma, 0) == want


def test_spin_keeps_names_numbers_and_records_offsets(thesaurus):
    sp = Spinner(thesaurus, "all", 0)
    out = sp.spin(TEXT, 0.4, random.Random(5))
    assert out.text != TEXT and out.substitutions
    for a, b, original, _ in out.substitutions:
        assert out.text[a:b].lower() != original.lower()
    for keep in ("Islamabad", "VOA", "Sunday", "12"):
        assert keep in out.text
    labels = out.sentence_labels()
    assert len(labels) == 2 and any(y for _, _, y in labels)
    again = sp.spin(TEXT, 0.4, random.Random(5))
    assert again == out


def test_density_controls_how_much_changes(thesaurus):
    sp = Spinner(thesaurus, "all", 0)
    few = sum(len(sp.spin(TEXT, 0.05, random.Random(s)).substitutions) for s in range(30))
    many = sum(len(sp.spin(TEXT, 0.4, random.Random(s)).substitutions) for s in range(30))
    assert many > 3 * few > 0


def test_function_words_are_never_spun_and_wrapping_moves_offsets(thesaurus):
    sp = Spinner(thesaurus, "all", 0)
    assert sp.spin("It is in the and of to.", 1.0, random.Random(0)).substitutions == ()
    out = sp.spin(TEXT, 0.4, random.Random(2))
    page = out.wrapped(PAGE_FURNITURE[0] + "\n\n", "\n\n" + PAGE_FURNITURE[1])
    assert [page.text[a:b] for a, b, _, _ in page.substitutions] == [out.text[a:b] for a, b, _, _ in out.substitutions]
    assert [y for _, _, y in page.sentence_labels()][0] == 0


def test_mt_perturber_damages_function_words_and_marks_each_edit():
    import random

    from garblecheck.evidence.lexicon import Lexicon
    from garblecheck.learn.synth import MT_OPERATIONS, MTPerturber

    text = ("The minister said on Monday that the talks with Pakistan were going well. He has discussed the "
            "issue in detail with officials in Kabul, and the report is due in a week, said Pakistan. The "
            "ministry reported that 12 people were killed in the attacks, according to local officials.")
    p = MTPerturber(Lexicon.load())
    seen = set()
    for seed in range(30):
        out = p.perturb(text, 0.2, random.Random(seed))
        assert out.text != text and out.substitutions
        for a, b, original, op in out.substitutions:
            seen.add(op)
            assert 0 <= a < b <= len(out.text)
        assert "Pakistan were going" in out.text or "Pakistan was going" in out.text  # met first: never respelt
        assert "Kabul" in out.text and "12" in out.text and out.text.startswith("The minister")
    assert seen == {f"mt:{op}" for op in MT_OPERATIONS}
    only = MTPerturber(Lexicon.load(), operations=["agreement"]).perturb(text, 1.0, random.Random(0))
    assert {op for *_, op in only.substitutions} == {"mt:agreement"} and "Pakistan was going well. He have" in only.text


def test_fronting_moves_a_closing_attribution_or_time_and_lowers_the_opener_unless_a_name():
    import random

    from garblecheck.learn.synth import MTPerturber

    text = ("Officials said the talks went well, according to the ministry. Sharif approved the plan on Tuesday. "
            "The officials met again last week. He spoke, and left.")
    out = MTPerturber(operations=["fronted"]).perturb(text, 1.0, random.Random(0))
    assert out.text == ("According to the ministry, officials said the talks went well. On Tuesday, Sharif approved "
                        "the plan. Last week, the officials met again. He spoke, and left.")
    assert [out.text[a:b].split(",")[0] for a, b, _, _ in out.substitutions] == ["According to the ministry", "On Tuesday",
                                                                                 "Last week"]


def test_register_keeps_case_and_each_rendering_is_from_the_table():
    import random

    from garblecheck.learn.synth import REGISTER, MTPerturber

    p = MTPerturber(operations=["register"])
    renderings = set()
    for seed in range(20):
        out = p.perturb('He said: "People in the country strongly condemned it."', 1.0, random.Random(seed))
        for a, b, original, op in out.substitutions:
            assert out.text[a:b] in REGISTER[original.lower()] or out.text[a:b] in [w.capitalize() for w in REGISTER[original.lower()]]
            renderings.add(out.text[a:b])
        assert out.text.startswith("He ")  # a sentence opener is never replaced
    assert {"Individuals", "Persons", "stated", "nation"} <= renderings
    assert renderings & {"harshly denounced", "harshly condemned"}


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), kinds=st.lists(st.sampled_from(NOISE_KINDS), min_size=1, max_size=3, unique=True))
def test_page_noise_keeps_every_substitution_in_place(seed, kinds):
    rng = random.Random(seed)
    text = ("Officials said the talks would resume. The security forces left at noon, police said.\n\n"
            "Hundreds of people fled the city last month. “We will return,” one man said - and then left.")
    spun = _SPINNER.spin(text, 0.4, rng)
    noisy = PageNoise(kinds).apply(spun, rng, n_kinds=len(kinds))
    assert len(noisy.substitutions) == len(spun.substitutions)
    for (a, b, o, lem), (a2, b2, o2, lem2) in zip(sorted(noisy.substitutions), sorted(spun.substitutions)):
        assert noisy.text[a:b].lower() == spun.text[a2:b2].lower() and (o, lem) == (o2, lem2)


def test_each_kind_of_page_noise_does_what_it_says():
    page = SpunText("The ceasefire in the north began. The din of war stopped, he said, and the people of the valley came back home.\n\nTalks resume “soon” in Geneva.", ())
    apply = lambda kind: PageNoise([kind]).apply(page, random.Random(0), 1).text  # noqa: E731
    assert "began.The" in apply("run_together")
    assert "," not in apply("no_punctuation") and "." not in apply("no_punctuation")
    assert apply("headline").startswith("The Ceasefire In The North Began\n\nThe ceasefire")
    assert "\n" in apply("hard_wrap").split("\n\n")[0]
    assert apply("byline") != page.text and apply("boilerplate") != page.text and apply("entities") != page.text
    with pytest.raises(ValueError):
        PageNoise(["typo"])


_SPINNER = Spinner(Thesaurus.load(lexicon=Lexicon.load()), "all")


def _real_spinner(intensities=(1.0,)):
    import numpy as np

    from garblecheck.decoding.channel import Channel
    from garblecheck.learn.synth import RealSpinner

    return RealSpinner(Channel.default(), intensities, lambda words: np.full(len(words), -8.0))


def test_real_spinner_replays_real_forms_and_keeps_names_and_numbers():
    from garblecheck.decoding.channel import Channel

    channel = Channel.default()
    sp = _real_spinner()
    text = "The price of bitcoin rose to 90,000 dollars, Tim Cook said, and analysts expect the trend to hold."
    seen = set()
    for seed in range(30):
        page = sp.spin(text, 0.1, random.Random(seed))
        for a, b, original, _ in page.substitutions:
            form = page.text[a:b].lower()
            assert original.lower() in channel._real.get(form, {}) or form in channel.phrases, (form, original)
            seen.add(original)
        assert "90,000" in page.text and "Tim Cook" in page.text
    assert {"price", "trend"} <= seen  # replaced by real spinners almost always
    assert _real_spinner((0.0,)).spin(text, 0.1, random.Random(0)).text == text  # intensity 0: a clean page


def test_real_spinner_replaces_a_real_multi_word_original_as_a_whole():
    sp = _real_spinner((1.5,))
    originals = {o for seed in range(40)
                 for _, _, o, _ in sp.spin("It is a chance to sell, according to analysts.", 0.1, random.Random(seed)).substitutions}
    assert any(" " in o for o in originals)
