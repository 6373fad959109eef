"""The verdict's gradient-boosted trees as plain arrays: fitted by scikit-learn's
``HistGradientBoostingClassifier`` at training time, stored in the model's ``.npz`` and evaluated
here with numpy, many pages at once (no pickle, no scikit-learn at scoring time).

Every tree's nodes sit in flat arrays (``feature``, ``threshold``, ``left``, ``right``, ``value``,
``leaf``; child indices are absolute), ``roots`` holds each tree's first node, and the log-odds of a
page are ``baseline + sum of its leaves' values``: all trees walk down together, one level a step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict

import numpy as np

__all__ = ["Trees"]

_FIELDS = ("feature", "threshold", "left", "right", "value", "leaf", "roots")


@dataclass
class Trees:
    feature: np.ndarray  # int32 per node: the feature a split reads
    threshold: np.ndarray  # float64: go left when the feature is at or below it
    left: np.ndarray  # int32: absolute index of the left child
    right: np.ndarray  # int32
    value: np.ndarray  # float64: a leaf's log-odds
    leaf: np.ndarray  # bool
    roots: np.ndarray  # int32: each tree's first node
    baseline: float = 0.0

    @classmethod
    def from_sklearn(cls, model: Any) -> "Trees":
        """The trees of a fitted binary ``HistGradientBoostingClassifier`` (numeric features, no missing values)."""
        parts = []
        at = 0
        roots = []
        for (tree,) in model._predictors:
            nodes = tree.nodes
            roots.append(at)
            parts.append((nodes["feature_idx"].astype(np.int32), nodes["num_threshold"].astype(np.float64),
                          (nodes["left"] + at).astype(np.int32), (nodes["right"] + at).astype(np.int32),
                          nodes["value"].astype(np.float64), nodes["is_leaf"].astype(bool)))
            at += len(nodes)
        cols = [np.concatenate(c) for c in zip(*parts)]
        return cls(*cols, roots=np.array(roots, dtype=np.int32), baseline=float(np.ravel(model._baseline_prediction)[0]))

    def decision(self, X: np.ndarray) -> np.ndarray:
        """Log-odds of each row of ``X`` (pages x features)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        n = len(X)
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        while True:
            inner = ~self.leaf[node]
            if not inner.any():
                break
            r, t = np.nonzero(inner)
            k = node[r, t]
            go_left = X[r, self.feature[k]] <= self.threshold[k]
            node[r, t] = np.where(go_left, self.left[k], self.right[k])
        return self.baseline + self.value[node].sum(axis=1)

    def arrays(self, prefix: str) -> Dict[str, np.ndarray]:
        out = {f"{prefix}{name}": getattr(self, name) for name in _FIELDS}
        out[f"{prefix}baseline"] = np.array([self.baseline])
        return out

    @classmethod
    def from_arrays(cls, arrays: Dict[str, np.ndarray], prefix: str, n_features: int) -> "Trees":
        """The trees under ``prefix``; raises ValueError when they are not a well-formed forest."""
        t = cls(*(np.asarray(arrays[prefix + name]) for name in _FIELDS), baseline=float(arrays[prefix + "baseline"][0]))
        n = len(t.feature)
        inner = ~t.leaf.astype(bool)
        if not (len(t.threshold) == len(t.left) == len(t.right) == len(t.value) == len(t.leaf) == n) or not len(t.roots) \
                or ((t.roots < 0) | (t.roots >= n)).any() \
                or ((t.feature[inner] < 0) | (t.feature[inner] >= n_features)).any() \
                or ((t.left[inner] <= np.flatnonzero(inner)) | (t.left[inner] >= n)).any() \
                or ((t.right[inner] <= np.flatnonzero(inner)) | (t.right[inner] >= n)).any() \
                or not (np.isfinite(t.threshold[inner]).all() and np.isfinite(t.value[~inner]).all()):
            raise ValueError("the verdict trees are malformed")
        t.leaf = t.leaf.astype(bool)
        t.feature, t.left, t.right = (a.astype(np.int64) for a in (t.feature, t.left, t.right))
        return t
