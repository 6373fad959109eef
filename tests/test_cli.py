"""The command line: formats, exit codes (pinned), inputs, and atomic --write."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from garblecheck.cli import cli

SPUN = "Tons of Pakistanis died final month in cross-border assaults on safety forces, officers stated.\n"
CLEAN = "Hundreds of Pakistanis died last month in cross-border attacks on security forces, officials said.\n"
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def files(tmp_path: Path):
    (tmp_path / "spun.txt").write_text(SPUN, encoding="utf-8")
    (tmp_path / "clean.txt").write_text(CLEAN, encoding="utf-8")
    return tmp_path


def test_exit_0_for_clean_1_for_garbled_2_for_unreadable(files: Path):
    assert run("score", str(files / "clean.txt")).exit_code == 0
    assert run("score", str(files / "spun.txt")).exit_code == 1
    assert run("score", str(files / "clean.txt"), str(files / "missing.txt")).exit_code == 2
    # an unreadable input does not stop the others
    r = run("score", str(files / "missing.txt"), str(files / "spun.txt"))
    assert r.exit_code == 2
    assert "spun.txt: score" in r.output
    assert "missing.txt: error: no such file" in r.stderr


def test_usage_errors_exit_2(files: Path):
    assert run("score").exit_code == 2
    assert run("score", "--format", "xml", str(files)).exit_code == 2
    assert run("score", "--threshold", "2", str(files)).exit_code == 2
    assert run("restore", "--write", "-").exit_code == 2


def test_text_format_lines(files: Path):
    r = run("score", str(files / "spun.txt"))
    lines = r.stdout.splitlines()
    p = str(files / "spun.txt")
    assert lines[0] == f"{p}:1:1: Tons of ==> Hundreds of [lexicon:spin]"
    assert f"{p}:1:25: final month ==> last month [lexicon:spin]" in lines
    assert lines[-1].startswith(f"{p}: score ") and " garbled (6 flags, 14 words" in lines[-1]
    q = run("score", "--quiet", str(files / "spun.txt"))
    assert len(q.stdout.splitlines()) == 1


def test_jsonl_schema(files: Path):
    r = run("score", "--format", "jsonl", str(files / "spun.txt"), str(files / "clean.txt"), str(files / "nope.txt"))
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [Path(x["path"]).name for x in recs] == ["spun.txt", "clean.txt", "nope.txt"]
    spun, clean, err = recs
    for rec in recs:
        assert set(rec) >= {"path", "score", "verdict", "error", "flags", "sentences"}
        assert isinstance(rec["score"], float)
    assert spun["verdict"] == "garbled" and spun["error"] is None
    assert clean["verdict"] == "clean" and clean["flags"] == []
    assert err["verdict"] == "error" and "no such file" in err["error"]
    text = SPUN
    for f in spun["flags"]:
        assert set(f) == {"start", "end", "line", "col", "text", "suggestions", "kind", "confidence", "rule", "explanation"}
        assert text[f["start"] : f["end"]] == f["text"]
    for s in spun["sentences"]:
        assert set(s) == {"start", "end", "score"}


def test_json_format_is_one_array(files: Path):
    r = run("score", "--format", "json", str(files))
    data = json.loads(r.stdout)
    assert sorted(Path(d["path"]).name for d in data) == ["clean.txt", "spun.txt"]


def test_stdin_path_is_dash():
    r = run("score", "--format", "jsonl", "-", input=SPUN.encode())
    rec = json.loads(r.stdout)
    assert rec["path"] == "-" and rec["verdict"] == "garbled"


def test_directories_recurse_with_include_and_exclude(files: Path):
    sub = files / "sub" / ".hidden"
    sub.mkdir(parents=True)
    (files / "sub" / "deep.md").write_text(SPUN, encoding="utf-8")
    (sub / "secret.txt").write_text(SPUN, encoding="utf-8")
    (files / "data.json").write_text(SPUN, encoding="utf-8")
    names = lambda r: sorted(Path(json.loads(x)["path"]).name for x in r.stdout.splitlines())  # noqa: E731
    assert names(run("score", "--format", "jsonl", str(files))) == ["clean.txt", "deep.md", "spun.txt"]
    assert names(run("score", "--format", "jsonl", "--include", "*.json", str(files))) == ["data.json"]
    assert names(run("score", "--format", "jsonl", "--exclude", "sub/*", str(files))) == ["clean.txt", "spun.txt"]


def test_symlink_loop_does_not_recurse(files: Path):
    os.symlink(files, files / "loop")
    r = run("score", "--format", "jsonl", str(files))
    assert len(r.stdout.splitlines()) == 2


def test_bad_inputs_get_clear_errors(tmp_path: Path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02 binary")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin.txt").write_bytes("Tons of people fled the caf\xe9.".encode("latin-1"))
    (tmp_path / "u16.txt").write_bytes("Tons of people fled.".encode("utf-16"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfTons of people fled.")
    r = run("score", "--format", "jsonl", str(tmp_path))
    recs = {Path(json.loads(x)["path"]).name: json.loads(x) for x in r.stdout.splitlines()}
    assert recs["bin.txt"]["verdict"] == "error" and "binary" in recs["bin.txt"]["error"]
    assert recs["empty.txt"]["verdict"] == "error" and "empty" in recs["empty.txt"]["error"]
    for name in ("latin.txt", "u16.txt", "bom.txt"):
        assert recs[name]["verdict"] in ("garbled", "clean") and recs[name]["error"] is None, name
        assert recs[name]["flags"][0]["text"] == "Tons of" and recs[name]["flags"][0]["start"] == 0
    assert "latin.txt: not valid UTF-8" in r.stderr
    assert r.exit_code == 2
    r2 = run("score", "--max-bytes", "100", "-", input=b"word " * 100)
    assert r2.exit_code == 2 and "larger than 100 bytes" in r2.stderr


def test_files_over_max_bytes_are_scored_in_chunks_with_the_same_flags(tmp_path: Path):
    big = tmp_path / "big.txt"
    big.write_text(("Officials met in the city. " * 8 + "\n\n") * 30 + "Tons of people fled final month.\n"
                   + "  Tons of them came back, officers stated.\n", encoding="utf-8")
    whole = json.loads(run("score", "--format", "jsonl", str(big)).stdout)
    chunked = json.loads(run("score", "--format", "jsonl", "--max-bytes", "300", str(big)).stdout)
    assert chunked["chunked"] is True and chunked["sentences"] == [] and "chunked" not in whole
    assert [(f["start"], f["end"], f["line"], f["col"], f["text"]) for f in chunked["flags"]] == \
        [(f["start"], f["end"], f["line"], f["col"], f["text"]) for f in whole["flags"]]
    assert len(whole["flags"]) >= 3 and chunked["n_words"] == whole["n_words"]
    text = big.read_text(encoding="utf-8")
    assert all(text[f["start"] : f["end"]] == f["text"] for f in chunked["flags"])
    line = tmp_path / "line.txt"  # one long line: chunks end at spaces, columns carry over
    line.write_text("Officials met in the city. " * 40 + "Tons of people fled final month. " * 3, encoding="utf-8")
    whole = json.loads(run("score", "--format", "jsonl", str(line)).stdout)
    chunked = json.loads(run("score", "--format", "jsonl", "--max-bytes", "200", str(line)).stdout)
    # the decoder reads each chunk on its own: its flags may differ, the lexicon's never do
    lex = lambda r: [(f["start"], f["line"], f["col"]) for f in r["flags"] if f["rule"].startswith("lexicon:")]  # noqa: E731
    assert lex(chunked) == lex(whole) and len(lex(whole)) == 6


def test_restore_prints_text_diff_and_exit_code(files: Path):
    r = run("restore", str(files / "spun.txt"))
    assert r.exit_code == 1
    assert r.stdout == "Hundreds of Pakistanis died last month in cross-border attacks on security forces, officials said.\n"
    d = run("restore", "--diff", str(files / "spun.txt"))
    assert d.stdout.startswith("--- a/") and "-Tons of" in d.stdout and "+Hundreds of" in d.stdout
    assert run("restore", str(files / "clean.txt")).stdout == CLEAN
    assert run("restore", str(files / "clean.txt")).exit_code == 0
    assert run("restore", "-", input=SPUN.encode()).stdout.startswith("Hundreds of")


def test_restore_write_is_atomic_keeps_mode_and_encoding(files: Path):
    p = files / "spun.txt"
    p.write_bytes(b"\xef\xbb\xbf" + SPUN.replace("\n", "\r\n").encode())
    os.chmod(p, 0o640)
    r = run("restore", "--write", str(p))
    assert r.exit_code == 1
    data = p.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfHundreds of") and data.endswith(b"officials said.\r\n")
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    assert [x.name for x in files.iterdir() if x.name.endswith(".tmp")] == []
    assert run("restore", "--write", str(p)).exit_code == 0  # already restored: nothing garbled


def test_restore_write_refuses_binary_and_leaves_it_untouched(tmp_path: Path):
    p = tmp_path / "blob.txt"
    payload = b"Tons of\x00 bytes"
    p.write_bytes(payload)
    r = run("restore", "--write", str(p))
    assert r.exit_code == 2 and "binary" in r.stderr
    assert p.read_bytes() == payload


def test_restore_write_failure_leaves_original(files: Path, monkeypatch):
    import garblecheck.text.io as gio

    p = files / "spun.txt"

    def boom(fd, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gio.os, "fsync", boom)
    r = run("restore", "--write", str(p))
    assert r.exit_code == 2 and "No space left" in r.stderr
    assert p.read_text(encoding="utf-8") == SPUN
    assert [x.name for x in files.iterdir() if x.name.endswith(".tmp")] == []


def test_lexicon_and_ignore_options(files: Path, tmp_path: Path):
    lex = tmp_path / "extra.tsv"
    lex.write_text("hundreds of\tscores of\tspin\n", encoding="utf-8")
    r = run("score", "--no-default-lexicon", "--lexicon", str(lex), str(files / "clean.txt"))
    assert "Hundreds of ==> Scores of [lexicon:extra]" in r.stdout
    ign = tmp_path / "ignore.txt"
    ign.write_text("# mine\ntons of\nfinal month\n", encoding="utf-8")
    r = run("score", "--format", "jsonl", "--ignore-file", str(ign), "--ignore", "safety", str(files / "spun.txt"))
    texts = [f["text"] for f in json.loads(r.stdout)["flags"]]
    assert "Tons of" not in texts and "final month" not in texts and "safety" not in texts and texts
    bad = tmp_path / "bad.tsv"
    bad.write_text("x\ty\tweird\n", encoding="utf-8")
    r = run("score", "--lexicon", str(bad), str(files / "spun.txt"))
    assert r.exit_code == 2 and "bad.tsv:1" in r.stderr


@pytest.mark.parametrize(
    "argv",
    [
        [sys.executable, "-m", "garblecheck"],
        [sys.executable, str(ROOT / "cli.py")],
        [str(Path(sys.executable).with_name("garblecheck"))],
    ],
    ids=["python -m", "cli.py", "console script"],
)
def test_three_ways_to_run_give_the_same_output(argv, files: Path):
    if not Path(argv[0]).exists():
        pytest.skip(f"{argv[0]} is not installed next to this interpreter")
    p = subprocess.run(argv + ["score", "--format", "jsonl", str(files / "spun.txt")], capture_output=True, text=True)
    assert p.returncode == 1, p.stderr
    assert json.loads(p.stdout) == json.loads(run("score", "--format", "jsonl", str(files / "spun.txt")).stdout)


def test_restore_learn_batch_restores_every_page_of_the_batch(tmp_path: Path):
    pages = []
    for k in range(22):  # a batch large enough to teach the channel (Detector.LEARN_MIN_TEXTS)
        p = tmp_path / f"page{k:02d}.txt"
        p.write_text(SPUN.replace("Pakistanis", f"Pakistanis ({k})"), encoding="utf-8")
        pages.append(str(p))
    r = run("restore", "--learn-batch", "--write", *pages)
    assert r.exit_code == 1, r.output
    for k, p in enumerate(pages):
        text = Path(p).read_text(encoding="utf-8")
        assert text.startswith(f"Hundreds of Pakistanis ({k}) died last month") and "security forces" in text
    assert not [x for x in tmp_path.iterdir() if x.name.endswith(".tmp")]


def test_the_filter_hook_carries_learn_batch_through_pickling():
    import pickle

    from garblecheck.hook import PreIngestFilter

    f = PreIngestFilter(action="restore", learn_batch=True)
    g = pickle.loads(pickle.dumps(f))
    assert g.get_params()["learn_batch"] is True and g.detector.learn_batch is True


def test_sigterm_stops_filter_like_ctrl_c_and_leaves_no_temporary_file(tmp_path: Path):
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "in.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for k in range(4000):
            fh.write(json.dumps({"id": k, "text": CLEAN.strip() + f" Item {k}. " + SPUN}) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    cmd = [sys.executable, "-m", "garblecheck", "filter", str(src), "--accepted", str(out / "a.jsonl"),
           "--rejected", str(out / "r.jsonl"), "--batch-size", "16"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob("*.tmp")) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.poll() is None, "the filter finished before it could be stopped"
    time.sleep(0.5)  # well inside the work
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGTERM, err
    assert b"stopped by signal" in err
    assert list(out.iterdir()) == []  # neither a temporary file nor a partial output


def test_the_false_positive_rates_and_stages_are_options(files: Path):
    import garblecheck

    spun = str(files / "spun.txt")
    base = json.loads(run("score", "--format", "jsonl", spun).stdout)
    loose = json.loads(run("score", "--format", "jsonl", "--mt-fpr", "0.05", "--stage1-miss", "0.2", spun).stdout)
    assert base["verdict"] == loose["verdict"] == "garbled" and base["stage"] == 2
    det = garblecheck.Detector(mt_fpr=0.05)
    assert det.mt_threshold_ <= garblecheck.default_detector().mt_threshold_
    assert garblecheck.Detector(stage1_miss=0.2).stage1_bar_ >= garblecheck.default_detector().stage1_bar_
    full = json.loads(run("score", "--format", "jsonl", "--full", str(files / "clean.txt")).stdout)
    assert full["stage"] == 2 and full["mt_score"] is not None
    assert run("score", "--mt-fpr", "1.5", spun).exit_code == 2
