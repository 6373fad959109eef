#!/usr/bin/env python3
"""Run garblecheck from a checkout without installing it: ``python cli.py score FILE``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from garblecheck.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
