"""The real pre-commit tool and a real datatrove pipeline, each against this checkout."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import garblecheck

ROOT = Path(__file__).resolve().parents[1]
SPUN = "Tons of Pakistanis died final month in assaults on safety forces, officers stated.\n"
CLEAN = "Hundreds of Pakistanis died last month in attacks on security forces, officials said.\n"
IGNORE = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                ".hypothesis", ".mypy_cache", ".ruff_cache")


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def test_pre_commit_hooks_fail_on_spun_text_pass_on_clean_and_restore(tmp_path: Path):
    hooks = tmp_path / "hooks"  # this checkout as a hook repository, committed as it is now
    shutil.copytree(ROOT, hooks, ignore=IGNORE)
    git(hooks, "init", "-q")
    git(hooks, "add", "-A")
    git(hooks, "commit", "-q", "-m", "hooks")
    rev = git(hooks, "rev-parse", "HEAD")
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q")
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: garblecheck\n      - id: garblecheck-restore\n"
        "        stages: [manual]\n", encoding="utf-8")
    (work / "spun.txt").write_text(SPUN, encoding="utf-8")
    (work / "clean.md").write_text(CLEAN, encoding="utf-8")
    (work / "code.py").write_text("# Tons of comments, officers stated.\n", encoding="utf-8")
    git(work, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}

    def pre_commit(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=work, env=env, capture_output=True, text=True)

    ok = pre_commit("run", "garblecheck", "--files", "clean.md", "code.py")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = pre_commit("run", "garblecheck", "--files", "spun.txt", "clean.md")
    assert bad.returncode == 1 and "spun.txt:1:1: Tons of ==> Hundreds of" in bad.stdout, bad.stdout + bad.stderr
    fixed = pre_commit("run", "garblecheck-restore", "--hook-stage", "manual", "--files", "spun.txt")
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout
    assert (work / "spun.txt").read_text(encoding="utf-8").startswith("Hundreds of Pakistanis died last month")
    assert pre_commit("run", "garblecheck", "--files", "spun.txt").returncode == 0


def test_datatrove_pipeline_filters_and_restores(tmp_path: Path):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from garblecheck.integrations.datatrove import GarbleFilter, GarbleRestorer

    src = tmp_path / "in"
    src.mkdir()
    docs = [{"id": f"d{i}", "text": SPUN if i % 2 else CLEAN} for i in range(6)]
    (src / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    step = GarbleFilter(exclusion_writer=JsonlWriter(str(tmp_path / "dropped")))
    assert len(pickle.dumps(step)) < 5000  # the model loads lazily, in the worker
    LocalPipelineExecutor(pipeline=[JsonlReader(str(src)), step, JsonlWriter(str(tmp_path / "kept"))], tasks=1,
                          logging_dir=str(tmp_path / "logs")).run()

    def read(folder: str) -> list:
        return [json.loads(x) for f in sorted((tmp_path / folder).glob("*.gz")) for x in gzip.open(f, "rt")]

    kept, dropped = read("kept"), read("dropped")
    assert [d["id"] for d in kept] == ["d0", "d2", "d4"] and [d["id"] for d in dropped] == ["d1", "d3", "d5"]
    bar = garblecheck.default_detector().threshold_
    assert all(d["metadata"]["garblecheck_score"] < bar and d["metadata"]["garblecheck_verdict"] == "clean" for d in kept)
    assert all(d["metadata"]["filter_reason"] == "garbled" and d["metadata"]["garblecheck_score"] > 0.9 for d in dropped)
    LocalPipelineExecutor(pipeline=[JsonlReader(str(src)), GarbleRestorer(), JsonlWriter(str(tmp_path / "restored"))],
                          tasks=1, logging_dir=str(tmp_path / "logs2")).run()
    restored = read("restored")
    assert [d["text"].startswith("Hundreds of Pakistanis died last month") for d in restored] == [True] * 6
