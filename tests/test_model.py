"""Model files: safe loading, clear errors, deterministic training, and the train/eval/score CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import garblecheck
from garblecheck.cli import cli
from garblecheck.verdict.model import ModelError, SpinModel

DATA = Path(__file__).parent / "data" / "clean_small.jsonl"


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model")
    r = run("train", "--clean", str(DATA), "--out", str(out), "--seed", "3")
    assert r.exit_code == 0, r.output
    assert "heldout_substitutions: documents AUC" in r.stdout
    return out


def test_model_folder_contents_and_manifest(trained: Path):
    assert sorted(p.name for p in trained.iterdir()) == ["context.npz", "lm.npz", "manifest.json", "meaning.npz", "weights.npz"]
    m = json.loads((trained / "manifest.json").read_text())
    assert m["format"] == "garblecheck-model" and m["format_version"] == 6
    assert m["featurizer"] == {"n_min": 1, "n_max": 5, "bits": 20, "lowercase": True, "word_n_max": 3,
                             "skeleton_n_max": 0, "mt_page_profile": True}
    assert m["meaning_sha256"] == hashlib.sha256((trained / "meaning.npz").read_bytes()).hexdigest()
    assert m["weights_sha256"] == hashlib.sha256((trained / "weights.npz").read_bytes()).hexdigest()
    assert m["context_sha256"] == hashlib.sha256((trained / "context.npz").read_bytes()).hexdigest()
    assert m["lm_sha256"] == hashlib.sha256((trained / "lm.npz").read_bytes()).hexdigest()
    (f,) = m["training"]["clean_files"]
    assert f["path"] == DATA.name and f["sha256"] == hashlib.sha256(DATA.read_bytes()).hexdigest()
    assert 0.5 <= m["threshold"] <= 1.0
    for key in ("heldout_substitutions", "train_substitutions"):
        assert "roc_auc" in m["metrics"][key]["documents"]
    assert "brier" in m["calibration"] and m["calibration"]["reliability"]
    with np.load(trained / "weights.npz", allow_pickle=False) as z:
        assert z["ngram_weights"].dtype == np.float32 and len(z["ngram_weights"]) == 1 << 20
    assert (trained / "weights.npz").stat().st_size <= 10_000_000


def test_retraining_with_the_same_seed_gives_the_same_weights_also_from_a_gzipped_copy(trained: Path, tmp_path: Path):
    import gzip

    packed = tmp_path / f"{DATA.name}.gz"
    packed.write_bytes(gzip.compress(DATA.read_bytes()))
    r = run("train", "--clean", str(packed), "--out", str(tmp_path / "again"), "--seed", "3")
    assert r.exit_code == 0, r.output
    for part in ("weights", "context", "lm", "meaning"):
        assert (trained / f"{part}.npz").read_bytes() == (tmp_path / "again" / f"{part}.npz").read_bytes()


def test_the_mt_generator_never_moves_the_spin_model(trained: Path, tmp_path: Path):
    import numpy as np

    r = run("train", "--clean", str(DATA), "--out", str(tmp_path / "mt"), "--seed", "3", "--mt-operation", "agreement")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "mt" / "manifest.json").read_text())["training"]["config"]["mt_operations"] == ["agreement"]
    with np.load(trained / "weights.npz") as a, np.load(tmp_path / "mt" / "weights.npz") as b:
        # stage 1 reads the mt n-gram logits too (a translation must not stop there), so it moves
        spin = [k for k in a.files if not k.startswith(("mt_", "stage1_"))]
        assert spin and all(np.array_equal(a[k], b[k]) for k in spin)
        assert not np.array_equal(a["mt_weights"], b["mt_weights"])
    assert (trained / "context.npz").read_bytes() == (tmp_path / "mt" / "context.npz").read_bytes()


def test_score_and_eval_with_a_model(trained: Path):
    r = run("score", "--model", str(trained), "--full", "--format", "jsonl", "-", input="Tons of people fled final month.\n")
    rec = json.loads(r.stdout)
    assert rec["spin_score"] is not None and 0 <= rec["spin_score"] <= 1 and rec["stage"] == 2
    det = garblecheck.Detector(model=trained, full=True)
    rep = det.check("Tons of people fled final month.")
    assert rep.score == pytest.approx(rec["score"]) and rep.threshold == det.spin_model.threshold
    quick = json.loads(run("score", "--model", str(trained), "--format", "jsonl", "-", input="Tons of people fled final month.\n").stdout)
    assert quick["stage"] in (1, 2) and (quick["spin_score"] is None) == (quick["stage"] == 1)
    e = run("eval", "--clean", str(DATA), "--model", str(trained), "--format", "json")
    assert e.exit_code == 0, e.output
    res = json.loads(e.stdout)
    # only the documents the model never trained on are evaluated
    assert 0 < res["clean_documents"] < 60
    assert set(res["documents"]) >= {"roc_auc", "precision", "recall", "fpr", "confusion", "brier"}
    t = run("eval", "--clean", str(DATA), "--model", str(trained), "--simulate", "train")
    assert "documents AUC" in t.stdout and "reliability" in t.stdout
    n = run("eval", "--clean", str(DATA), "--model", str(trained), "--simulate", "none", "--noise", "--format", "json")
    assert n.exit_code == 0 and json.loads(n.stdout)["documents"]["n"] == res["clean_documents"]
    m = run("eval", "--clean", str(DATA), "--model", str(trained), "--simulate", "mt", "--mt-operation", "register",
            "--mt-operation", "fronted", "--density", "0.2", "--format", "json")
    assert m.exit_code == 0, m.output
    res = json.loads(m.stdout)
    assert res["documents"]["positives"] == res["clean_documents"] == res["documents"]["n"] // 2 > 0
    r = run("eval", "--clean", str(DATA), "--model", str(trained), "--simulate", "real", "--density", "0.3", "--format", "json")
    assert r.exit_code == 0, r.output
    rest = json.loads(r.stdout)["restoration"]
    assert rest["heldout"]["substitutions"] > 0 and rest["seen"]["substitutions"] > 0
    assert rest["all"]["substitutions"] == rest["heldout"]["substitutions"] + rest["seen"]["substitutions"]
    assert 0 <= rest["all"]["restored"] <= rest["all"]["substitutions"] and rest["all"]["right"] <= rest["all"]["changes"]
    bad = run("eval", "--clean", str(DATA), "--model", str(trained), "--simulate", "mt", "--mt-operation", "typo")
    assert bad.exit_code == 2 and "typo" in bad.output


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda d: (d / "weights.npz").write_bytes((d / "weights.npz").read_bytes()[:1000]), "sha256"),
        (lambda d: (d / "manifest.json").write_text("{not json"), "unreadable manifest.json"),
        (lambda d: (d / "manifest.json").unlink(), "no manifest.json"),
        (lambda d: (d / "weights.npz").unlink(), "cannot read weights.npz"),
        (lambda d: (d / "context.npz").write_bytes(b"PK\x03\x04 not really"), "context.npz does not match"),
        (lambda d: (d / "meaning.npz").write_bytes(b"PK\x03\x04 not really"), "meaning.npz does not match"),
        (lambda d: (d / "lm.npz").write_bytes((d / "lm.npz").read_bytes()[:5000]), "lm.npz does not match"),
        (lambda d: _resealed(d, "lm.npz", lm_k3=np.array([5, -3])), "lm.npz is malformed"),
        (lambda d: _resealed(d, "lm.npz", lm_vocab=np.frombuffer(b"a\nb", dtype=np.uint8)), "lm.npz is malformed"),
        (lambda d: _edit(d, lm_file=None), "names no language model"),
        (lambda d: _resealed(d, "weights.npz", verdict_coef=np.array([1.0, np.nan])), "verdict's coefficients are malformed"),
        (lambda d: _resealed(d, "weights.npz", vocab_replace_rate=np.zeros(7), vocab_form_weight=np.zeros(7)),
         "vocabulary rates do not match"),
        (lambda d: _edit(d, format_version=99), "format version 99"),
        (lambda d: _edit(d, featurizer={"n_min": 1, "n_max": 5, "bits": 12, "lowercase": True, "word_n_max": 3}), "shapes"),
        (lambda d: _edit(d, format="something-else"), "not a garblecheck model"),
    ],
    ids=["truncated", "bad-json", "no-manifest", "no-weights", "context", "meaning", "lm-truncated", "lm-keys", "lm-vocab",
         "lm-missing", "verdict", "vocab-rates", "version", "mismatch", "foreign"],
)
def test_damaged_models_give_one_line_errors(trained: Path, tmp_path: Path, damage, message):
    d = _copy(trained, tmp_path / "m")
    damage(d)
    with pytest.raises(ModelError, match=message):
        SpinModel.load(d)
    r = run("score", "--model", str(d), "-", input="Some text here.\n")
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and message.split()[0] in r.stderr and "Traceback" not in r.output


def _resealed(d: Path, name: str, **arrays):
    """``name`` with some arrays replaced and its sha256 in the manifest updated: damage the checksum cannot see."""
    new = {**dict(np.load(d / name, allow_pickle=False)), **arrays}
    np.savez(d / name, **new)
    _edit(d, **{f"{name[:-4]}_sha256": hashlib.sha256((d / name).read_bytes()).hexdigest()})


def _edit(d: Path, **changes):
    m = json.loads((d / "manifest.json").read_text())
    m.update(changes)
    (d / "manifest.json").write_text(json.dumps(m))


def test_pickled_arrays_are_refused(trained: Path, tmp_path: Path):
    d = _copy(trained, tmp_path / "p")
    arrays = dict(np.load(d / "weights.npz", allow_pickle=False))
    arrays["ngram_weights"] = np.array([{"evil": 1}], dtype=object)
    np.savez(d / "weights.npz", **arrays)
    _edit(d, weights_sha256=hashlib.sha256((d / "weights.npz").read_bytes()).hexdigest())
    with pytest.raises(ModelError, match="not a valid .npz"):
        SpinModel.load(d)


def test_no_model_and_model_options_conflict():
    assert run("score", "--no-model", "--model", "x", "-", input="a\n").exit_code == 2


def test_the_threshold_comes_from_a_false_positive_rate_on_clean_calibration_pages(trained: Path):
    m = SpinModel.load(trained)
    scores = m.clean_scores
    assert scores is not None and len(scores) >= 8 and np.all(np.diff(scores) >= 0)
    fpr = json.loads((trained / "manifest.json").read_text())["calibration"]["fpr"]
    assert fpr == 0.005 and m.threshold == pytest.approx(m.threshold_for_fpr(fpr))
    loose = m.threshold_for_fpr(0.25)
    assert loose <= m.threshold_for_fpr(0.0)
    if loose > 0.5:  # the floor of 0.5 aside, at most that share of clean pages reach it
        assert np.mean(scores >= loose) <= 0.25
    assert garblecheck.Detector(model=trained, fpr=0.25).threshold_ == pytest.approx(loose)
    assert garblecheck.Detector(model=trained, fpr=0.25, threshold=0.9).threshold_ == 0.9
    r = run("score", "--model", str(trained), "--fpr", "0.25", "--format", "jsonl", "-", input="Officials met.\n")
    assert r.exit_code in (0, 1) and json.loads(r.stdout)["threshold"] == pytest.approx(loose)
    r = run("score", "--no-model", "--fpr", "0.25", "-", input="Officials met.\n")
    assert r.exit_code == 2 and "needs a model" in r.output


def test_the_stage1_bar_follows_the_allowed_miss_rate():
    import numpy as np

    from garblecheck.verdict.model import SpinModel, default_model_dir

    m = SpinModel.load(default_model_dir())
    assert m.stage1_bar_for(0.005) == pytest.approx(m.stage1_bar)
    assert m.stage1_bar_for(0.0) <= m.stage1_bar <= m.stage1_bar_for(0.05) <= m.stage1_bar_for(0.2)
    clean = m.stage1_scores["clean"]
    assert np.mean(clean < m.stage1_bar_for(0.2)) >= np.mean(clean < m.stage1_bar)  # a looser bar clears more
    m.stage1_scores = {}
    with pytest.raises(ModelError, match="stage-1"):
        m.stage1_bar_for(0.01)


def test_the_shipped_vocabulary_rates_are_what_the_shipped_channel_gives():
    """The rates a model ships (decode.vocab_rates) equal those built at run time, word by word, and
    the detector reads them only for the channel they were computed for."""
    from garblecheck import Detector
    from garblecheck.decoding.channel import Channel, channel_fingerprint
    from garblecheck.decoding.decode import _Pool
    from garblecheck.verdict.model import default_model_dir

    m = SpinModel.load(default_model_dir())
    assert m.vocab_rates is not None and m.channel_sha256 == channel_fingerprint()
    lm = m.context.lm
    ids = np.random.default_rng(0).choice(len(lm.vocab), 3000, replace=False)
    r, a = _Pool(lm, Channel.default()).vocab_rates(ids)
    # (equal up to rounding: numpy's summation order differs between builds)
    assert np.allclose(r, m.vocab_rates[0][ids], rtol=1e-12, atol=1e-15)
    assert np.allclose(a, m.vocab_rates[1][ids], rtol=1e-12, atol=1e-15)
    text = "Tons of Pakistanis died final month, officers stated on Tuesday."
    shipped, other = Detector(model=m), Detector(model=m, channel=Channel.load())
    assert shipped.check(text).to_dict() == other.check(text).to_dict()
    assert "vocab_rates" in shipped._options and "vocab_rates" not in other._options
    m.channel_sha256 = "0" * 64  # rates of another channel are never read
    stale = Detector(model=m)
    stale.check(text)
    assert "vocab_rates" not in stale._options


def test_a_verified_file_is_read_again_after_a_runtime_failure_but_not_a_third_time(monkeypatch):
    """A file whose sha256 matched is read once more when numpy's read fails with a SystemError
    (seen once in CI); a second failure is one line naming the file."""
    from garblecheck.verdict import model as M

    real, calls = np.load, []

    def flaky(path, *args, **kwargs):
        calls.append(Path(path).name)
        if calls.count(Path(path).name) <= fails:
            raise SystemError("error return without exception set")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(M.np, "load", flaky)
    fails = 1
    assert M.SpinModel.load(M.default_model_dir()).context is not None
    assert sorted(calls) == sorted(2 * ["weights.npz", "lm.npz", "context.npz", "meaning.npz"])
    calls.clear()
    fails = 2
    with pytest.raises(M.ModelError, match=r"weights.npz is not a valid .npz \(SystemError: error return without"):
        M.SpinModel.load(M.default_model_dir())


def test_every_domain_stays_within_the_false_positive_rate():
    from garblecheck.verdict.model import default_model_dir

    m = SpinModel.load(default_model_dir())
    assert len(m.clean_by_domain) >= 4 and len(m.mt_clean_by_domain) >= 4
    fpr = m.manifest["calibration"]["fpr"]
    for scores in m.clean_by_domain.values():
        assert np.mean(scores >= m.threshold) <= fpr or m.threshold == pytest.approx(0.99)  # or at its cap
    for scores in m.mt_clean_by_domain.values():
        assert np.mean(scores >= m.mt_threshold) <= m.manifest["training"]["config"]["mt_fpr"]
    # one domain's pages alone set the bar when they need a higher one than the pooled pages
    m.clean_by_domain = {**m.clean_by_domain, "strange": np.sort(np.r_[np.full(99, 0.1), 0.995])}
    assert m.threshold_for_fpr(0.005) == pytest.approx(0.99)  # the cap


def _corpus(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_training_refuses_research_only_records_and_leaves_out_the_reserved_split(tmp_path: Path):
    from garblecheck.learn.corpora import in_reserved_split

    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    closed = _corpus(tmp_path / "closed.jsonl", [{**r, "license": "research-only (publisher's copyright)"} for r in rows[:5]])
    r = run("train", "--clean", str(DATA), "--clean", str(closed), "--out", str(tmp_path / "m"))
    assert r.exit_code == 2 and "closed.jsonl" in r.output and "research-only" in r.output
    assert not (tmp_path / "m").exists()
    # the reserved documents are those whose sha1(id) % 10 == 0; none of them is trained or calibrated on
    reserved = [r_["id"] for r_ in rows if in_reserved_split(str(r_["id"]))]
    assert reserved
    manifest = json.loads((Path(__file__).parent / ".." / "trained" / "manifest.json").read_text())
    assert manifest["training"]["documents"]["reserved_left_out"] > 0
    from garblecheck.learn.train import read_corpus, record_id

    docs, _ = read_corpus([str(DATA)])
    assert sum(in_reserved_split(record_id(d)) for d in docs) == len(reserved)
