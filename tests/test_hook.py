"""The pre-ingest hook and `garblecheck filter`: decisions, streaming, order, parallel runs, atomic outputs."""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garblecheck import Detector
from garblecheck.cli import cli
from garblecheck.hook import PreIngestFilter

SPUN = "Tons of Pakistanis died final month in assaults on safety forces, officers stated."
CLEAN = "Hundreds of Pakistanis died last month in attacks on security forces, officials said."


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def read_jsonl(path: Path):
    return [json.loads(x) for x in path.read_bytes().splitlines()]


def test_decisions_for_str_and_dict_and_each_action():
    reject = PreIngestFilter()
    d = reject(SPUN)
    assert (d.keep, d.text, d.record) == (False, SPUN, None) and d.reason.startswith("garbled: score")
    assert reject(CLEAN).keep and reject.filter(CLEAN)[0] is True
    rec = reject({"id": 7, "text": CLEAN})
    assert rec.record["id"] == 7 and rec.record["garblecheck"]["verdict"] == "clean"
    restored = PreIngestFilter(action="restore")({"id": 1, "text": SPUN})
    assert restored.keep and restored.record["text"] == restored.text != SPUN
    assert restored.record["garblecheck"]["original_text"] == SPUN and restored.text.startswith("Hundreds of")
    tagged = PreIngestFilter(action="tag")({"body": SPUN})
    assert tagged.keep is False and tagged.reason == "error: missing field 'text'"
    tagged = PreIngestFilter(action="tag", text_field="body")({"body": SPUN})
    assert tagged.keep and tagged.record["body"] == SPUN and tagged.record["garblecheck"]["verdict"] == "garbled"
    for bad, why in (({"text": 5}, "is int, not a string"), (3.5, "not float"), ({"text": "a\ud800"}, "lone surrogates")):
        d = reject(bad)
        assert not d.keep and d.error and why in d.reason and d.report is None
    with pytest.raises(ValueError):
        PreIngestFilter(action="drop")


def test_scoring_is_separate_from_deciding():
    tag = PreIngestFilter(action="tag")
    report = tag.score(SPUN)
    strict, lenient = PreIngestFilter(threshold=0.5), PreIngestFilter()
    assert strict.decide(SPUN, report).keep is False  # decided later, from the stored report
    assert PreIngestFilter(action="tag").decide(SPUN, report).keep is True
    assert lenient.score(SPUN) == report
    with pytest.raises(ValueError):
        tag.score({"id": 1})


def test_the_filter_pickles_without_its_model_and_matches_the_detector():
    f = PreIngestFilter(threshold=0.7)
    f(CLEAN)  # loads the model
    blob = pickle.dumps(f)
    assert len(blob) < 1000 and pickle.loads(blob).get_params() == f.get_params()
    assert f.score(SPUN) == Detector(threshold=0.7).check(SPUN)


def test_filter_many_keeps_order_in_parallel():
    texts = [SPUN if i % 3 == 0 else CLEAN for i in range(40)] + [{"id": "x"}]
    f = PreIngestFilter()
    serial = list(f.filter_many(texts, batch_size=7))
    parallel = list(f.filter_many(texts, batch_size=7, n_jobs=2))
    assert [d.keep for d in serial] == [i % 3 != 0 for i in range(40)] + [False]
    assert [(d.keep, d.reason, d.text) for d in parallel] == [(d.keep, d.reason, d.text) for d in serial]


def _mixed_stream(n: int, seed: int) -> list:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        r = rng.random()
        if r < 0.1:
            lines.append(b'{"id": %d, "text": "cut off' % i)
        elif r < 0.2:
            lines.append(json.dumps({"id": i}).encode())
        elif r < 0.3:
            lines.append(json.dumps({"id": i, "text": ["not", "a", "string"]}).encode())
        else:
            lines.append(json.dumps({"id": i, "text": SPUN if r < 0.6 else CLEAN}).encode())
    return lines


def test_every_line_of_a_stream_with_30_percent_bad_lines_lands_once_in_order(tmp_path: Path):
    lines = _mixed_stream(2000, 0)
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    r = run("filter", str(src), "--accepted", str(tmp_path / "ok.jsonl"), "--rejected", str(tmp_path / "no.jsonl"))
    assert r.exit_code == 0
    ok, no = read_jsonl(tmp_path / "ok.jsonl"), read_jsonl(tmp_path / "no.jsonl")
    assert len(ok) + len(no) == 2000
    for out in (ok, no):
        numbers = [x["garblecheck"]["line"] for x in out]
        assert numbers == sorted(numbers)
    assert sorted(x["garblecheck"]["line"] for x in ok + no) == list(range(1, 2001))
    errors = [x for x in no if x["garblecheck"]["verdict"] == "error"]
    assert len(errors) == sum(1 for ln in lines if b'"text": "' not in ln or b"cut off" in ln)
    assert all(x["garblecheck"]["reason"].startswith("error:") and "raw" in x for x in errors)
    assert all(x["text"] == CLEAN and x["garblecheck"]["verdict"] == "clean" for x in ok)
    assert "2000 records" in r.stderr and f"{len(errors)} could not be read" in r.stderr


def test_jobs_2_gives_byte_identical_outputs(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(_mixed_stream(300, 1)))
    outs = []
    for jobs in ("1", "2"):
        a, b = tmp_path / f"a{jobs}.jsonl", tmp_path / f"b{jobs}.jsonl"
        r = run("filter", str(src), "--accepted", str(a), "--rejected", str(b), "--jobs", jobs, "--batch-size", "16",
                "--action", "restore")
        assert r.exit_code == 0
        outs.append((a.read_bytes(), b.read_bytes()))
    assert outs[0] == outs[1] and outs[0][0].count(b"original_text") > 50


def test_score_jobs_2_matches_the_serial_run(tmp_path: Path):
    for i in range(40):
        (tmp_path / f"doc{i:02d}.txt").write_text(SPUN if i % 4 == 0 else CLEAN, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    serial = run("score", "--format", "jsonl", str(tmp_path), str(tmp_path / "missing.txt"))
    parallel = run("score", "--format", "jsonl", "--jobs", "2", str(tmp_path), str(tmp_path / "missing.txt"))
    assert serial.stdout == parallel.stdout and serial.exit_code == parallel.exit_code == 2
    assert len(serial.stdout.splitlines()) == 42


def test_unopenable_input_or_output_exits_2_and_leaves_nothing(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(json.dumps({"text": CLEAN}).encode())
    r = run("filter", str(tmp_path / "nope.jsonl"), "--accepted", str(tmp_path / "a"), "--rejected", str(tmp_path / "b"))
    assert r.exit_code == 2 and "nope.jsonl: cannot open" in r.stderr
    r = run("filter", str(src), "--accepted", str(tmp_path / "no" / "dir" / "a"), "--rejected", str(tmp_path / "b"))
    assert r.exit_code == 2 and "cannot write" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_an_interrupted_filter_leaves_no_partial_output(tmp_path: Path, monkeypatch):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(_mixed_stream(200, 2)))
    calls = {"n": 0}
    original = PreIngestFilter.filter_lines

    def interrupted(self, lines):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, lines)

    monkeypatch.setattr(PreIngestFilter, "filter_lines", interrupted)
    (tmp_path / "ok.jsonl").write_bytes(b"old\n")
    r = run("filter", str(src), "--accepted", str(tmp_path / "ok.jsonl"), "--rejected", str(tmp_path / "no.jsonl"),
            "--batch-size", "10")
    assert calls["n"] == 3 and r.exit_code == 1 and "Aborted" in r.stderr  # click's answer to Ctrl-C
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "ok.jsonl"]
    assert (tmp_path / "ok.jsonl").read_bytes() == b"old\n"


def test_a_closed_pipe_ends_quietly(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(json.dumps({"text": CLEAN + f" {i}"}).encode() for i in range(3000)))
    cmd = (f"{sys.executable} -m garblecheck filter {src} --accepted - --rejected {tmp_path / 'no.jsonl'} "
           f"--no-model | head -n 1")
    p = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True)
    assert p.stdout.count("\n") == 1 and "Traceback" not in p.stderr and "Error" not in p.stderr


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
    st.dictionaries(st.sampled_from(["text", "id", "x"]), st.one_of(st.text(max_size=30), st.integers(), st.none()),
                    max_size=3).map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass")),
), max_size=25), st.booleans())
def test_the_filter_never_loses_duplicates_or_reorders_a_line(tmp_path_factory, lines, trailing_newline):
    tmp = tmp_path_factory.mktemp("f")
    src = tmp / "in.jsonl"
    src.write_bytes(b"\n".join(lines) + (b"\n" if trailing_newline and lines else b""))
    n = src.read_bytes().count(b"\n") + (0 if src.read_bytes().endswith(b"\n") or not src.read_bytes() else 1)
    r = run("filter", str(src), "--accepted", str(tmp / "ok.jsonl"), "--rejected", str(tmp / "no.jsonl"),
            "--no-model", "--action", "tag", "--batch-size", "4")
    assert r.exit_code == 0
    ok, no = read_jsonl(tmp / "ok.jsonl"), read_jsonl(tmp / "no.jsonl")
    assert sorted(x["garblecheck"]["line"] for x in ok + no) == list(range(1, n + 1))
    for out in (ok, no):
        assert [x["garblecheck"]["line"] for x in out] == sorted(x["garblecheck"]["line"] for x in out)
    raw = src.read_bytes().split(b"\n")
    for x in ok + no:
        original = raw[x["garblecheck"]["line"] - 1].rstrip(b"\r")
        if "raw_base64" in x:
            import base64

            assert base64.b64decode(x["raw_base64"]) == original
        elif "raw" in x:
            assert x["raw"].encode("utf-8") == original
        else:
            body = {k: v for k, v in x.items() if k != "garblecheck"}
            assert body == json.loads(original)


def test_score_into_a_closed_pipe_ends_quietly(tmp_path: Path):
    for i in range(300):
        (tmp_path / f"d{i:03d}.txt").write_text(CLEAN, encoding="utf-8")
    cmd = f"{sys.executable} -m garblecheck score --no-model {tmp_path} | head -n 2"
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    assert p.stdout.count("\n") == 2 and p.stderr == ""
