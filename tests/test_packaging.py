"""The wheel carries the lexicon, examples, model folder and py.typed; README and CI agree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if not (ROOT / "setup.cfg").exists():
        pytest.skip("not running from a source checkout")
    out = tmp_path_factory.mktemp("wheel")
    p = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True,
    )
    assert p.returncode == 0, p.stderr
    (whl,) = out.glob("garblecheck-*.whl")
    return whl


def test_wheel_contains_code_data_and_model_folder(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "garblecheck/__init__.py",
        "garblecheck/cli.py",
        "garblecheck/py.typed",
        "garblecheck/corpora/lexicon/spin.tsv",
        "garblecheck/corpora/lexicon/mt.tsv",
        "garblecheck/corpora/lexicon/README.md",
        "garblecheck/corpora/examples/spun_news.txt",
        "garblecheck/corpora/thesaurus/substitutions.tsv.gz",
        "garblecheck/corpora/thesaurus/NOTICE",
        "garblecheck/corpora/channel/links.tsv.gz",
        "garblecheck/corpora/channel/names.tsv.gz",
        "garblecheck/corpora/channel/real_pairs.tsv",
        "garblecheck/corpora/channel/real_swaps.tsv",
        "garblecheck/corpora/channel/real_rates.tsv",
        "garblecheck/corpora/channel/real_intensities.tsv",
        "garblecheck/corpora/channel/weights.json",
        "garblecheck/corpora/channel/function_words.tsv",
        "garblecheck/corpora/channel/NOTICE",
        "garblecheck/trained/MODEL_CARD.md",
        "garblecheck/trained/meaning.npz",
        "garblecheck/evidence/meaning.py",
        "garblecheck/learn/roundtrip.py",
        "garblecheck/text/words.py",
        "garblecheck/decoding/decode.py",
        "garblecheck/verdict/model.py",
        "garblecheck/corpora/examples/translated_news.txt",
    }
    assert expected <= names, expected - names
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "corpora" / "lexicon").glob("*.tsv")}
    assert {f"garblecheck/{s}" for s in shipped} <= names
    for model_file in (ROOT / "trained").iterdir():
        assert f"garblecheck/trained/{model_file.name}" in names
    assert not any(n.startswith(("tests/", "bench/")) for n in names)
    entry_points = [n for n in names if n.endswith("entry_points.txt")]
    assert entry_points and "garblecheck = garblecheck.cli:main" in zipfile.ZipFile(wheel).read(entry_points[0]).decode()


def test_installed_wheel_runs_without_the_checkout(wheel: Path, tmp_path: Path):
    target = tmp_path / "site"
    p = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    code = (
        "import garblecheck, pathlib; "
        "assert pathlib.Path(garblecheck.__file__).is_relative_to(pathlib.Path(r'%s')); "
        "print(garblecheck.restore('Tons of people fled final month.'))" % target
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Hundreds of people fled last month."


def _readme_commands() -> list:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```(?:sh|bash)\n(.*?)```", text, flags=re.S)


def test_readme_opens_with_two_commands_and_ci_runs_the_test_one():
    blocks = _readme_commands()
    assert len(blocks) >= 2
    install_run, tests = blocks[0].strip(), blocks[1].strip()
    assert "pip install" in install_run and "garblecheck score corpora/examples/" in install_run
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci
