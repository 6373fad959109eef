"""hypothesis properties of the engine and the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import garblecheck
from garblecheck.cli import cli
from garblecheck.decoding.changes import apply_changes

DET = garblecheck.default_detector()
_WORDS = sorted({w for e in DET.lexicon for w in e.key.split()} | {w for e in DET.lexicon for o in e.originals for w in o.split()})
_EXTRA = ["Kabul", "VOA", "1,000", "12", "Tons", "SAFETY", "Officers", "an", "a", "A", "An", "isn’t", "www.x.org",
          "“", "”", ",", ".", "?", "—", "-", "(", ")", ":", ";", "'"]
_SEPS = [" ", " ", " ", "  ", "\n", "\r\n", "\n\n", "\u00a0", "\t"]

vocab_text = st.lists(
    st.tuples(st.sampled_from(_WORDS + _EXTRA), st.sampled_from(_SEPS)), max_size=60
).map(lambda parts: "".join(w + s for w, s in parts))
any_text = st.one_of(vocab_text, st.text(max_size=300))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(any_text)
def test_check_never_raises_and_flags_point_at_their_text(text):
    r = DET.check(text)
    assert 0.0 <= r.score <= 1.0
    assert r.verdict in {"garbled", "mt", "clean"}
    assert r.mt_score is None or 0.0 <= r.mt_score <= 1.0
    last = -1
    for f in r.flags:
        assert text[f.start : f.end] == f.text
        assert f.start > last
        last = f.end - 1
        assert f.suggestions
    for s in r.sentences:
        assert 0.0 <= s.score <= 1.0 and text[s.start : s.end].strip()


@SETTINGS
@given(any_text)
def test_restore_is_idempotent_and_replay_equals_restore(text):
    restored, changes = DET.restore_and_explain(text)
    assert apply_changes(text, changes) == restored
    assert DET.restore(restored) == restored


@settings(max_examples=60, deadline=None)
@given(st.lists(any_text, max_size=6))
def test_batch_equals_one_at_a_time(texts):
    assert DET.check_many(texts) == [DET.check(t) for t in texts]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_cli_never_crashes_on_arbitrary_bytes(tmp_path_factory, data):
    p = Path(tmp_path_factory.mktemp("bytes")) / "input.txt"
    p.write_bytes(data)
    for args in (["score", str(p)], ["score", "--format", "jsonl", str(p)], ["restore", str(p)]):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code in (0, 1, 2), (args, r.output)
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab Z'’-\u00e9.\n\0x1")), max_size=30), max_size=6))
def test_sentence_words_equal_the_word_regex_sentence_by_sentence(sentences):
    from garblecheck.text.words import WORDS_RE, sentence_words

    words, index = sentence_words(sentences)
    expected = [(k, w.replace("’", "'")) for k, s in enumerate(sentences) for w in WORDS_RE.findall(s.replace("\0", " "))]
    assert list(zip(index.tolist(), words)) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("abcAB Z'’-\u00e9.\0")), max_size=40), max_size=6),
       st.lists(st.text(alphabet=st.sampled_from(list("abczA'’-")), min_size=1, max_size=16), max_size=30))
def test_the_word_pass_places_and_keys_every_word_as_the_regex_and_a_dictionary_would(sentences, vocab):
    """Offsets, capitals and vocabulary ids of :class:`Words` (keys of up to 12 letters, a
    dictionary beyond) against ``WORDS_RE.finditer`` and ``dict.get`` word by word."""
    from garblecheck.text.words import WORDS_RE, Words, key_table

    index = {w: i + 3 for i, w in enumerate(dict.fromkeys(vocab))}
    words = Words(sentences)
    starts = [1000 * k for k in range(len(sentences))]
    found = [(k, m) for k, s in enumerate(sentences) for m in WORDS_RE.finditer(s.replace("\0", " "))]
    assert words.offsets(range(len(words)), starts) == [(starts[k] + m.start(), starts[k] + m.end()) for k, m in found]
    assert words[:] == [m.group().replace("’", "'") for _, m in found] == [words[i] for i in range(len(words))]
    assert words.sentence.tolist() == [k for k, _ in found]
    assert words.capital.tolist() == [m.group()[0].isupper() for _, m in found]
    assert words.upper.tolist() == [m.group() != m.group().lower() for _, m in found]
    expected = [index.get(m.group().lower().replace("’", "'"), -1) for _, m in found]
    assert words.ids(index, key_table(index), -1).tolist() == expected == words.ids(index, None, -1).tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["word", "x" * 700, "Stop.", "\n\n", " ", "é", "a,b"]), max_size=60))
def test_sentences_are_bounded_pieces_of_the_text_in_order(parts):
    from garblecheck.text.words import MAX_SENTENCE, sentence_spans

    text = " ".join(parts)
    spans = sentence_spans(text)
    assert all(0 < s.end - s.start <= MAX_SENTENCE for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    # every word character lies in some sentence: cutting long runs loses nothing
    covered = sum(len(text[s.start : s.end].split()) for s in spans)
    assert covered >= len(text.split())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 15)), max_size=20), st.integers(0, 70), st.integers(1, 15))
def test_taken_flags_answer_as_a_scan_of_them(spans, start, width):
    from garblecheck.detector.batch import Taken, overlaps
    from garblecheck.verdict.report import Flag

    flags = [Flag(start=a, end=a + w, text="", suggestions=(), kind="spin", confidence=1.0, rule="r", line=1, col=1)
             for a, w in spans]
    assert Taken(flags).hits(start, start + width) == overlaps(start, start + width, flags)


@settings(max_examples=200, deadline=None)
@given(st.text("ab c", min_size=1, max_size=30), st.data())
def test_two_rounds_of_changes_compose_into_one_on_the_original(text, data):
    from garblecheck.decoding.changes import Change, apply_changes, compose_changes

    def changes_of(s: str) -> list:
        cuts = sorted(data.draw(st.sets(st.integers(0, len(s)), max_size=6)))
        out = []
        for a, b in zip(cuts[0::2], cuts[1::2]):
            out.append(Change(a, b, s[a:b], data.draw(st.text("xyz", max_size=3)), "r"))
        return out

    first = changes_of(text)
    middle = apply_changes(text, first)
    second = changes_of(middle)
    composed = compose_changes(text, first, second)
    assert apply_changes(text, composed) == apply_changes(middle, second)
    assert all(text[c.start : c.end] == c.before for c in composed)


_SPACES = [" ", "  ", "\t", "\n", "\n\n", "\u00a0", "\u2003", "\u3000", "\x85", "\x1c", ""]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab Z'’-é.\0\t\n\u00a0\u3000\x85\x1c\u2009")), max_size=30), max_size=6),
       st.data())
def test_the_word_pass_counts_words_as_str_split_and_a_part_reads_as_its_own_pass(sentences, data):
    """``Words.counts`` against ``str.split``; ``Words.take`` of some sentences against a word
    pass of those sentences alone (same words, places, keys and counts)."""
    from garblecheck.text.words import Words

    words = Words(sentences)
    assert words.counts.tolist() == [len(s.split()) for s in sentences]
    keep = sorted(data.draw(st.sets(st.integers(0, max(len(sentences) - 1, 0)), max_size=len(sentences))))
    (part, w), alone = words.take(np.array(keep, dtype=np.int64)), Words([sentences[k] for k in keep])
    assert words.start[w].tolist() == part.start.tolist()
    starts = [100 * k for k in range(len(keep))]
    assert part.n_sentences == alone.n_sentences == len(keep)
    assert part[:] == alone[:] and part.offsets(range(len(part)), starts) == alone.offsets(range(len(alone)), starts)
    for name in ("sentence", "capital", "upper", "key", "counts"):
        assert getattr(part, name).tolist() == getattr(alone, name).tolist(), name


LEXICON_ONLY = garblecheck.Detector(model=None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.sampled_from(_WORDS + _EXTRA), st.sampled_from(sorted(e.key for e in DET.lexicon)),
                                    st.sampled_from(["tons2", "-tons", "é", "ab.Cd", "x" * 2100, "\0", "Final-12", "SAFETY FORCES"])),
                          st.sampled_from(_SPACES)), max_size=60).map(lambda parts: "".join(w + s for w, s in parts)))
def test_word_counts_and_lexicon_flags_from_the_word_pass_equal_a_scan_of_the_string(text):
    """The engine counts words and finds lexicon keys on the word pass; a scan of the string
    (``count_words``; every token of every sentence tried by the matcher) finds the same."""
    from garblecheck.text.words import count_words, sentence_spans, tokenize

    r = LEXICON_ONLY.check(text)
    assert r.n_words == count_words(text)
    lexicon = LEXICON_ONLY.lexicon
    expected = []
    for s in sentence_spans(text):
        tokens = tokenize(text, s.start, s.end)
        expected += [(tokens[m.first].start, tokens[m.last].end, m.entry.rule) for m in lexicon.match(text, tokens)]
    assert [(f.start, f.end, f.rule) for f in r.flags] == expected
