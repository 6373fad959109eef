#!/usr/bin/env python3
"""Write the README's figures that come from a command, so the README cannot drift from the program.

    python tools/readme.py           # rewrite README.md in place
    python tools/readme.py --check   # exit 1 when README.md and the program disagree (tests/test_readme.py)

Two kinds of generated text, each between HTML comments that Markdown does not show:

- ``<!-- sample -->`` ... ``<!-- end sample -->``: the output of ``garblecheck score corpora/examples/``
  (the README's first command) and its exit code, run from the checkout;
- ``<!-- figure: NAME -->VALUE<!-- end -->``: a number read from the shipped model's manifest
  (``FIGURES``: the spin and mt thresholds, the clean calibration pages they are set on).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = re.compile(r"(<!-- sample -->\n)(.*?)(<!-- end sample -->)", re.S)
FIGURE = re.compile(r"<!-- figure: ([\w-]+) -->(.*?)<!-- end -->", re.S)


def _manifest() -> Dict:
    return json.loads((ROOT / "trained" / "manifest.json").read_text(encoding="utf-8"))


FIGURES: Dict[str, Callable[[Dict], str]] = {
    "threshold": lambda m: f"{m['threshold']:.3f}",
    "mt-threshold": lambda m: f"{m['mt_threshold']:.3f}",
    "calibration-pages": lambda m: f"{m['calibration']['stage1']['pages']['clean']:,}",
}


def sample_output() -> str:
    """What the README's first command prints, and its exit code, as a fenced block."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.run([sys.executable, "-m", "garblecheck", "score", "corpora/examples/"], cwd=ROOT,
                       capture_output=True, text=True, env=env)
    return f"```\n{p.stdout}```\n\n(exit code {p.returncode})\n"


def render(readme: str, sample: str, manifest: Dict) -> str:
    """``readme`` with its generated parts written from ``sample`` and ``manifest``."""
    out = SAMPLE.sub(lambda m: m.group(1) + sample + m.group(3), readme)
    return FIGURE.sub(lambda m: f"<!-- figure: {m.group(1)} -->{FIGURES[m.group(1)](manifest)}<!-- end -->", out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    path = ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    new = render(readme, sample_output(), _manifest())
    if args.check:
        print("README.md agrees with the program" if new == readme else "README.md differs: run python tools/readme.py")
        return 0 if new == readme else 1
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
