"""`garblecheck lexicon mine|stats|check` and the functions behind them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from garblecheck.cli import cli
from garblecheck.evidence.lexicon import Lexicon, format_entries, hygiene_problems, mine_pairs, parse_line, read_entries

ORIGINAL = ("The harbour board told reporters on Monday that 12 cranes were damaged. "
            "Officials said the storm hit the port of Dunmore last week, and the ferry crews helped.")
SPUN = ("The harbour board informed reporters on Monday that 14 cranes were broken. "
        "Officers stated the storm hit the port of Dunmouth final week, and the ferry crews helped.")


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_mine_finds_word_and_phrase_swaps_but_not_names_or_numbers():
    pairs = {(s, o) for s, o, _ in mine_pairs(ORIGINAL, SPUN)}
    assert pairs == {("informed", "told"), ("broken", "damaged"), ("officers stated", "officials said"),
                     ("final", "last")}


def test_mined_lines_are_valid_clean_lexicon_lines(tmp_path: Path):
    lines = format_entries(mine_pairs(ORIGINAL + " " + ORIGINAL, SPUN + " " + SPUN))
    entries = [parse_line(ln, "mined", f"mined:{i}") for i, ln in enumerate(lines, 1)]
    assert [e.key for e in entries] == sorted(e.key for e in entries)
    assert entries[0].key == "broken" and entries[0].originals == ("damaged",) and "seen 2x" in entries[0].note
    assert hygiene_problems(entries, lines) == []


def test_cli_mine_leaves_out_what_the_lexicon_has(tmp_path: Path):
    (tmp_path / "a.txt").write_text(ORIGINAL, encoding="utf-8")
    (tmp_path / "b.txt").write_text(SPUN, encoding="utf-8")
    r = run("lexicon", "mine", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert r.exit_code == 0
    keys = [ln.split("\t")[0] for ln in r.stdout.splitlines()]
    lex = Lexicon.load()
    assert "broken" in keys and all(lex.get(k) is None or k == "broken" for k in keys)
    assert "already in the shipped lexicon" in r.stderr
    everything = run("lexicon", "mine", "--all", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert len(everything.stdout.splitlines()) == 4
    missing = run("lexicon", "mine", str(tmp_path / "nope.txt"), str(tmp_path / "b.txt"))
    assert missing.exit_code == 2 and "nope.txt" in missing.stderr


def test_cli_stats_counts_per_kind_and_file(tmp_path: Path):
    user = tmp_path / "mine.tsv"
    user.write_text("ablaze word\tburning word\tspin\t\t\nzz top\tzz bottom\tmt\tnext=x\t\n", encoding="utf-8")
    r = run("lexicon", "stats", "--no-default-lexicon", str(user))
    assert r.exit_code == 0
    rows = {ln[:28].strip(): ln[28:].split() for ln in r.stdout.splitlines()[1:]}
    assert rows["kind spin"] == ["1", "0", "1", "1"] and rows["kind mt"] == ["1", "1", "1", "1"]
    assert rows["file mine.tsv"] == ["2", "1", "2", "2"] and rows["total"] == ["2"]
    shipped = run("lexicon", "stats")
    assert shipped.stdout.splitlines()[-1].split() == ["total", str(len(Lexicon.load()))]


def test_cli_check_exit_codes(tmp_path: Path):
    good = tmp_path / "good.tsv"
    good.write_text("alpha\tbeta\tspin\t\t\ngamma\tdelta\tspin\t\t\n", encoding="utf-8")
    assert run("lexicon", "check", str(good)).exit_code == 0
    bad = tmp_path / "bad.tsv"
    bad.write_text("gamma\tgamma\tspin\t\t\nalpha\tbeta\tspin\t\t\n", encoding="utf-8")
    r = run("lexicon", "check", str(bad))
    assert r.exit_code == 1 and "identity entry 'gamma'" in r.stdout and "not sorted" in r.stdout
    both = run("lexicon", "check", str(good), str(tmp_path / "good.tsv"))
    assert both.exit_code == 1 and "duplicate key" in both.stdout
    broken = tmp_path / "broken.tsv"
    broken.write_text("only one column\n", encoding="utf-8")
    r = run("lexicon", "check", str(broken))
    assert r.exit_code == 2 and "broken.tsv:1" in r.stderr
    shipped = sorted(Path(__file__).resolve().parents[1].joinpath("corpora", "lexicon").glob("*.tsv"))
    assert run("lexicon", "check", *map(str, shipped)).exit_code == 0
    assert len(read_entries(good)) == 2
