"""The README's sample output and quoted figures are what the program prints and the model holds."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tool():
    path = ROOT / "tools" / "readme.py"
    if not path.exists():
        pytest.skip("not running from a source checkout")
    spec = importlib.util.spec_from_file_location("readme_tool", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_readme_shows_what_the_first_command_prints(tool):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = tool.sample_output()
    assert "corpora/examples/spun_news.txt: score" in sample and "(exit code 1)" in sample
    assert tool.render(readme, sample, tool._manifest()) == readme, "run python tools/readme.py"


def test_a_changed_example_or_model_makes_the_check_fail(tool):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample, manifest = tool.sample_output(), tool._manifest()
    changed = sample.replace("score 1.000 garbled", "score 0.999 garbled")
    assert changed != sample and tool.render(readme, changed, manifest) != readme
    assert tool.render(readme, sample, {**manifest, "threshold": manifest["threshold"] + 0.01}) != readme
    assert all(f"<!-- figure: {name} -->" in readme for name in tool.FIGURES)  # every generated figure is in use
