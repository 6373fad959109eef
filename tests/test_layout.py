"""The package's layout: every import points down the way text flows, and the public names stay put."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Dict, Set

import garblecheck

PACKAGE = Path(garblecheck.__file__).resolve().parent
# text -> evidence -> decoding -> verdict -> the engine -> learning -> the front ends
LAYERS = ["text", "evidence", "decoding", "verdict", "detector", "learn", "front"]


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    part = module.split(".")[1] if "." in module else ""
    return part if part in LAYERS else "front"


def _imports(path: Path, module: str) -> Set[str]:
    """The package's modules ``module`` imports, at run time (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                   for child in node.body for n in ast.walk(child)}
    is_package = path.name == "__init__.py"
    out = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names]
            found = [n for n in names if n in MODULES] or ([target] if target in MODULES else [])
            out.update(found)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in MODULES)
    out.discard(module)
    return out


MODULES = {_module(p) for p in PACKAGE.rglob("*.py")}
GRAPH: Dict[str, Set[str]] = {_module(p): _imports(p, _module(p)) for p in PACKAGE.rglob("*.py")}


def test_every_import_points_down_the_flow():
    up = [(a, b) for a, targets in GRAPH.items() for b in targets
          if LAYERS.index(_layer(b)) > LAYERS.index(_layer(a))]
    assert up == []


def test_no_module_imports_itself_through_others():
    seen: Dict[str, int] = {}  # 1: on the path, 2: done

    def visit(m: str, path: list) -> None:
        seen[m] = 1
        for n in sorted(GRAPH.get(m, ())):
            assert seen.get(n) != 1, " -> ".join(path + [m, n])
            if n not in seen:
                visit(n, path + [m])
        seen[m] = 2

    for m in sorted(GRAPH):
        if m not in seen:
            visit(m, [])


def test_the_public_names_import_from_their_documented_places():
    documented = {
        "garblecheck": ["Detector", "Report", "Flag", "SentenceScore", "Change", "check", "restore", "restore_and_explain",
                        "apply_changes", "default_detector", "DEFAULT_THRESHOLD", "__version__"],
        "garblecheck.hook": ["PreIngestFilter", "Decision", "ACTIONS", "ANNOTATION_KEY"],
        "garblecheck.cli": ["main", "cli"],
        "garblecheck.integrations.datatrove": ["GarbleFilter", "GarbleRestorer"],  # the test extra installs datatrove
    }
    for module, names in documented.items():
        m = importlib.import_module(module)
        for name in names:
            assert getattr(m, name) is not None, f"{module}.{name}"
    assert callable(garblecheck.restore) and garblecheck.restore("Tons of people fled.") == "Hundreds of people fled."
    assert set(garblecheck.__all__) == set(documented["garblecheck"])


def test_every_subpackage_ships_in_the_wheel():
    """setup.cfg lists packages by hand: a new subpackage missing there is missing from `pip install .`."""
    import configparser

    root = Path(__file__).resolve().parents[1]  # the checkout (the package may be installed elsewhere)
    src = root / "src" / "garblecheck"
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg", encoding="utf-8")
    listed = set(cfg["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(src.parent).parts) for p in src.rglob("__init__.py")}
    assert "garblecheck.detector" in found and found - listed == set()
