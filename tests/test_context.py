"""The context model's own flags, on a tiny context model built here from text we wrote."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from garblecheck import Detector
from garblecheck.evidence.context import ContextModel
from garblecheck.verdict.model import N_SPIN_FEATURES, SpinModel

CLEAN = [
    "Security forces guarded the border. The security forces left at noon.",
    "Police said security forces arrested two men. Security forces said the road was closed.",
    "Public safety comes first, the mayor said. The new law improves public safety.",
    "The close ally of the president spoke. A close ally of the party said so.",
    "Officials said the talks would go on. The officials said nothing more.",
] * 3
REVERSE = {"safety": ["security"], "shut": ["close"], "officers": ["officials"], "stated": ["said"]}


@pytest.fixture(scope="module")
def det() -> Detector:
    context = ContextModel.build(CLEAN, REVERSE, min_count=1)  # no token scorer: evidence is the gain
    model = SpinModel(np.zeros(1 << 10, dtype=np.float32), 0.0, np.zeros(N_SPIN_FEATURES), 0.0,
                      context=context, flag_threshold=1.0)
    return Detector(model=model, default_lexicon=False, channel=None)  # the context flags alone


def _flags(det: Detector, text: str):
    return [(f.text, f.suggestions[0], f.rule) for f in det.check(text).flags]


def test_a_word_that_breaks_a_collocation_is_flagged_with_its_synonym(det):
    assert _flags(det, "The safety forces left at noon.") == [("safety", "security", "context:word")]
    assert _flags(det, "The new law improves public safety.") == []


def test_case_is_kept_and_names_are_never_candidates(det):
    assert _flags(det, "Safety forces guarded the border.") == [("Safety", "Security", "context:word")]
    assert _flags(det, "Mr Jones met Safety forces chiefs.") == []  # capitalised inside a sentence: a name
    assert _flags(det, "See www.safety.org/forces or mail safety@forces.org now.") == []


def test_two_spun_neighbours_are_fixed_as_one_phrase(det):
    (flag,) = det.check("The officers stated nothing more.").flags
    assert (flag.text, flag.suggestions[0], flag.rule) == ("officers stated", "officials said", "context:phrase")
    assert det.restore("The officers stated nothing more.") == "The officials said nothing more."


def test_quotations_are_judged_like_the_rest(det):
    assert _flags(det, "“The safety forces left at noon,” he said.") == [("safety", "security", "context:word")]


def test_ignored_words_and_models_without_a_flag_threshold_give_no_context_flags(det):
    quiet = Detector(model=det.spin_model, default_lexicon=False, ignore=["safety"])
    assert _flags(quiet, "The safety forces left at noon.") == []
    model = dataclasses.replace(det.spin_model, flag_threshold=None)
    assert _flags(Detector(model=model, default_lexicon=False), "The safety forces left at noon.") == []


def test_batch_equals_one_at_a_time(det):
    texts = ["The safety forces left at noon.", "", "The officers stated nothing more.", "Public safety first."]
    assert [r.flags for r in det.check_many(texts)] == [det.check(t).flags for t in texts]


def test_ranked_alternatives_fit_better_than_the_word(det):
    context = det.spin_model.context
    table = context.table(["The safety forces left at noon."])
    k = [i for i, w in enumerate(table.ids) if context.vocab[w] == "safety"][0]
    (best, gain), *_ = context.ranked(table, k, k)
    assert best == ("security",) and gain > 1.0
    left, right = table.around(k, k)
    assert left == (-1, int(table.ids[k - 1])) and right == (int(table.ids[k + 1]), int(table.ids[k + 2]))
    assert gain == pytest.approx(context.lm.chain(left, [context.index["security"]], right)
                                 - context.lm.chain(left, [int(table.ids[k])], right))
