"""The trained model: n-gram weights and the document stacker, stored as ``.npz`` plus JSON.

A model folder holds ``weights.npz`` (numpy arrays only, read with ``allow_pickle=False``) and
``manifest.json`` (format version, featurizer parameters, threshold, training files and their
sha256, metrics, and the sha256 of ``weights.npz``). Loading checks all of it and raises
:class:`ModelError` with a one-line reason; nothing is ever unpickled.

Document features (the same function serves training and scoring)::

    z      = sentence logits of the n-gram classifier
    spin   = [max z, mean z, mean of the 3 largest z, share of z > 0, log(1 + n_sentences)]
    stack  = spin + [lexicon flag-density score]
    spin_score = sigmoid(spin  . a + a0)        score = sigmoid(stack . b + b0)
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .features import ngram_sums

__all__ = ["SpinModel", "ModelError", "doc_features", "sigmoid", "FORMAT", "FORMAT_VERSION", "default_model_dir"]

FORMAT = "garblecheck-model"
FORMAT_VERSION = 1
WEIGHTS = "weights.npz"
MANIFEST = "manifest.json"
N_SPIN_FEATURES = 5
EMPTY_LOGIT = -10.0
PathLike = Union[str, Path]


class ModelError(Exception):
    """A model folder that cannot be used; ``str(err)`` names it and says why in one line."""


def default_model_dir() -> Path:
    from .resources import data_path

    return data_path("trained")


def sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def doc_features(logits: np.ndarray, lexicon_score: float) -> np.ndarray:
    """The stacker's input for one document (see the module docstring)."""
    z = np.asarray(logits, dtype=np.float64)
    if z.size == 0:
        z = np.array([EMPTY_LOGIT])
        n = 0
    else:
        n = z.size
    top = np.sort(z)[-3:]
    return np.array([z.max(), z.mean(), top.mean(), float((z > 0).mean()) if n else 0.0, np.log1p(n), lexicon_score])


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """An ``.npz`` whose bytes depend only on the arrays (fixed names, order and timestamps)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(arrays[name]), allow_pickle=False)


@dataclass
class SpinModel:
    """Sentence classifier weights plus the document stacker."""

    weights: np.ndarray  # float32, 2**bits n-gram weights
    bias: float
    spin_coef: np.ndarray  # N_SPIN_FEATURES
    spin_intercept: float
    stack_coef: np.ndarray  # N_SPIN_FEATURES + 1
    stack_intercept: float
    threshold: float = 0.5
    n_min: int = 1
    n_max: int = 5
    lowercase: bool = True
    manifest: Dict[str, Any] = field(default_factory=dict)

    @property
    def bits(self) -> int:
        return int(np.log2(len(self.weights)))

    def featurizer_params(self) -> Dict[str, Any]:
        return {"n_min": self.n_min, "n_max": self.n_max, "bits": self.bits, "lowercase": self.lowercase}

    def sentence_logits(self, sentences: Sequence[str]) -> np.ndarray:
        """Linear scores of sentences through the matrix-free fast path."""
        sums, counts = ngram_sums(sentences, self.weights, self.n_min, self.n_max, self.lowercase)
        return self.bias + sums / np.sqrt(np.maximum(counts, 1.0))

    def scores(self, features: np.ndarray) -> Tuple[float, float]:
        """(score, spin_score) of one document from :func:`doc_features`."""
        spin = float(sigmoid(features[:N_SPIN_FEATURES] @ self.spin_coef + self.spin_intercept))
        score = float(sigmoid(features @ self.stack_coef + self.stack_intercept))
        return score, spin

    # -- persistence ---------------------------------------------------------------------------

    def arrays(self) -> Dict[str, np.ndarray]:
        return {
            "ngram_weights": self.weights.astype(np.float32),
            "ngram_bias": np.array([self.bias], dtype=np.float64),
            "spin_coef": np.asarray(self.spin_coef, dtype=np.float64),
            "spin_intercept": np.array([self.spin_intercept], dtype=np.float64),
            "stack_coef": np.asarray(self.stack_coef, dtype=np.float64),
            "stack_intercept": np.array([self.stack_intercept], dtype=np.float64),
        }

    def save(self, directory: PathLike, extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Write ``weights.npz`` and ``manifest.json`` (each atomically) and return the manifest."""
        from .io import atomic_write_bytes

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{WEIGHTS}.building"
        _write_npz(tmp, self.arrays())
        data = tmp.read_bytes()
        tmp.unlink()
        atomic_write_bytes(d / WEIGHTS, data)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "featurizer": self.featurizer_params(),
            "threshold": self.threshold,
            **(extra or {}),
            "weights_file": WEIGHTS,
            "weights_sha256": hashlib.sha256(data).hexdigest(),
        }
        atomic_write_bytes(d / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
        self.manifest = manifest
        return manifest

    @classmethod
    def load(cls, directory: PathLike) -> "SpinModel":
        """Load and verify a model folder; any problem raises :class:`ModelError`."""
        d = Path(directory)
        where = f"model {d}"
        try:
            manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"{where}: no {MANIFEST}") from None
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise ModelError(f"{where}: unreadable {MANIFEST} ({e.__class__.__name__})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ModelError(f"{where}: {MANIFEST} is not a garblecheck model manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{where}: format version {manifest.get('format_version')!r}, "
                             f"this garblecheck reads {FORMAT_VERSION}")
        wpath = d / str(manifest.get("weights_file", WEIGHTS))
        try:
            digest = _sha256(wpath)
        except OSError as e:
            raise ModelError(f"{where}: cannot read {wpath.name}: {e.strerror or e}") from None
        if digest != manifest.get("weights_sha256"):
            raise ModelError(f"{where}: {wpath.name} does not match the sha256 in {MANIFEST} (corrupt or replaced)")
        try:
            with np.load(wpath, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except Exception as e:  # noqa: BLE001 - any failure to parse is one line for the user
            raise ModelError(f"{where}: {wpath.name} is not a valid .npz ({e.__class__.__name__})") from None
        try:
            feat = manifest["featurizer"]
            w = arrays["ngram_weights"]
            model = cls(
                weights=w.astype(np.float32),
                bias=float(arrays["ngram_bias"][0]),
                spin_coef=arrays["spin_coef"].astype(np.float64),
                spin_intercept=float(arrays["spin_intercept"][0]),
                stack_coef=arrays["stack_coef"].astype(np.float64),
                stack_intercept=float(arrays["stack_intercept"][0]),
                threshold=float(manifest["threshold"]),
                n_min=int(feat["n_min"]),
                n_max=int(feat["n_max"]),
                lowercase=bool(feat["lowercase"]),
                manifest=manifest,
            )
        except (KeyError, IndexError, TypeError, ValueError) as e:
            raise ModelError(f"{where}: missing or malformed field {e}") from None
        if w.ndim != 1 or len(w) != 1 << int(feat["bits"]) or model.spin_coef.shape != (N_SPIN_FEATURES,) \
                or model.stack_coef.shape != (N_SPIN_FEATURES + 1,):
            raise ModelError(f"{where}: array shapes do not match the manifest")
        if not (np.isfinite(w).all() and np.isfinite(model.stack_coef).all() and np.isfinite(model.spin_coef).all()):
            raise ModelError(f"{where}: weights contain NaN or infinity")
        if not 1 <= model.n_min <= model.n_max <= 8 or not 0.0 <= model.threshold <= 1.0:
            raise ModelError(f"{where}: featurizer parameters or threshold out of range")
        return model
