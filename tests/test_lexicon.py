from pathlib import Path

import pytest

from garblecheck.evidence.lexicon import Condition, Lexicon, LexiconError, default_lexicon_dir, hygiene_problems, read_entries
from garblecheck.text.words import tokenize

FILES = sorted(default_lexicon_dir().glob("*.tsv"))


def test_shipped_lexicon_files_exist_with_readme():
    names = {f.name for f in FILES}
    assert {"spin.tsv", "mt.tsv"} <= names
    assert (default_lexicon_dir() / "README.md").exists()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_hygiene_of_each_file(path: Path):
    entries = read_entries(path)
    assert entries
    assert hygiene_problems(entries, path.read_text(encoding="utf-8").splitlines()) == []
    assert {e.kind for e in entries} == {path.stem}


def test_hygiene_across_files_no_duplicate_keys_and_no_chains():
    entries = [e for f in FILES for e in read_entries(f)]
    assert hygiene_problems(entries) == []


def test_at_least_400_entries_with_multiword_and_required_examples():
    lex = Lexicon.load()
    assert len(lex) >= 400
    assert sum(len(e.words) > 1 for e in lex) >= 200
    required = {
        "international locations": "countries",
        "touch upon": "comment on",
        "keep away from": "avoid",
        "tons of": "hundreds of",
        "closely armed": "heavily armed",
        "final month": "last month",
        "going through": "facing",
    }
    for key, orig in required.items():
        e = lex.get(key)
        assert e is not None, key
        assert e.originals[0].lower() == orig
    assert lex.get("going through").condition is not None


def test_hygiene_catches_each_kind_of_problem(tmp_path: Path):
    bad = tmp_path / "bad.tsv"
    bad.write_text(
        "zeta\tbeta\tspin\n"
        "alpha\talpha\tspin\n"
        "beta\tgamma\tspin\n"
        "beta\tdelta\tspin\n",
        encoding="utf-8",
    )
    problems = hygiene_problems(read_entries(bad), bad.read_text().splitlines())
    text = "\n".join(problems)
    assert "identity entry 'alpha'" in text
    assert "replacement 'beta' contains the spin key 'beta'" in text
    assert "duplicate key 'beta'" in text
    assert "not sorted" in text


def test_bad_lines_raise_errors_naming_file_and_line(tmp_path: Path):
    p = tmp_path / "user.tsv"
    p.write_text("# ok\nfoo\tbar\tnonsense\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"user.tsv:2: kind 'nonsense'"):
        read_entries(p)
    p.write_text("foo\tbar\tspin\tnext=\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="user.tsv:1"):
        read_entries(p)
    p.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(LexiconError, match="user.tsv"):
        read_entries(p)


def _ctx(text, i, j):
    from garblecheck.evidence.lexicon import _context

    return _context(text, tokenize(text), i, j)


def test_condition_language():
    c = Condition.parse("prev=#edge|the;next=*ing || next=#num")
    assert c.holds(_ctx("Whereas discussing it", 0, 0))
    assert c.holds(_ctx("the foo doing", 1, 1))
    assert not c.holds(_ctx("a foo doing", 1, 1))
    assert c.holds(_ctx("a foo 12", 1, 1))
    neg = Condition.parse("!prev=public")
    assert not neg.holds(_ctx("public safety", 1, 1))
    assert neg.holds(_ctx("the safety", 1, 1))
    # a comma cuts the context: "safety, forces" has no next word for the condition
    assert not Condition.parse("next=forces").holds(_ctx("safety, forces", 0, 0))
    with pytest.raises(ValueError):
        Condition.parse("nxt=foo")


def test_user_lexicon_overrides_and_ignore(tmp_path: Path):
    user = tmp_path / "mine.tsv"
    user.write_text("blue sky\tclear sky\tspin\t\tmy entry\nfinal month\tpast month\tspin\n", encoding="utf-8")
    lex = Lexicon.load([user])
    assert lex.get("blue sky").category == "mine"
    assert lex.get("final month").originals == ("past month",)
    lex2 = Lexicon.load([user], ignore=["Blue  Sky"])
    toks = tokenize("a blue sky today")
    assert lex2.match("a blue sky today", toks) == []
    assert [m.entry.key for m in lex.match("a blue sky today", toks)] == ["blue sky"]
    only = Lexicon.load([user], default=False)
    assert len(only) == 2


def test_keys_beyond_ascii_letters_are_found_from_the_word_pass(tmp_path: Path):
    """A key may open with a letter the word pass does not read ("été"), hold one inside
    ("naïve") or have none ("çà"): the engine finds each where a scan of every token finds it, in
    any case, and nowhere else."""
    from garblecheck import Detector
    from garblecheck.text.words import sentence_spans

    user = tmp_path / "mine.tsv"
    user.write_text("été chaud\tsummer heat\tspin\nnaïve plan\tsimple plan\tspin\nçà va\tit goes\tmt\n"
                    "l'été\tthe summer\tspin\n", encoding="utf-8")
    det = Detector(model=None, lexicons=[user], default_lexicon=False)
    text = ("The été chaud was long. Çà  va, he said. Naïve plan failed.\n"
            "L’été ends. Été chaud? No: preété chaud, naïveplan and naïve, plan.")
    got = [f.text for f in det.check(text).flags]
    assert got == ["été chaud", "Çà  va", "Naïve plan", "L’été", "Été chaud"]
    scan = []
    for s in sentence_spans(text):
        toks = tokenize(text, s.start, s.end)
        scan += [text[toks[m.first].start : toks[m.last].end] for m in det.lexicon.match(text, toks)]
    assert got == scan
