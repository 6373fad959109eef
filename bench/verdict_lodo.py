#!/usr/bin/env python3
"""How the verdict holds in a domain it was not fitted on (simulated spins, real clean pages).

    garblecheck train ... --dump-calibration cal.npz     # the calibration pages' verdict features
    python bench/verdict_lodo.py cal.npz

For each domain of the dump: the verdict is fitted on the other domains' pages, its threshold set
as training sets it (the highest of the pooled and per-domain 99.5% quantiles of the clean pages,
at most 0.99), and the left-out domain's clean pages called garbled at that threshold are counted,
with its real-spinner pages' recall. Done for the shipped verdict (monotone logistic,
``learn.train.fit_verdict``) and, for comparison, for monotone gradient-boosted trees (format 5).
"""

from __future__ import annotations

import argparse

import numpy as np

from garblecheck.learn.train import fit_verdict
from garblecheck.verdict.model import VERDICT_EVIDENCE


def _threshold(p: np.ndarray, domains: np.ndarray) -> float:
    return min(0.99, max([np.quantile(p, 0.995)] + [np.quantile(p[domains == d], 0.995) for d in set(domains.tolist())]))


def _trees(X: np.ndarray, y: np.ndarray, w: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingClassifier

    m = HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=15, learning_rate=0.1, l2_regularization=1.0,
                                       min_samples_leaf=20, early_stopping=False, random_state=0,
                                       monotonic_cst=[1 if j in VERDICT_EVIDENCE else 0 for j in range(X.shape[1])])
    m.fit(X, y, sample_weight=w)
    return lambda Q: m.predict_proba(Q)[:, 1]


def _linear(F: np.ndarray, labels: np.ndarray, R: np.ndarray):
    v, _ = fit_verdict(F, labels, R, 0)
    return lambda Q: 1.0 / (1.0 + np.exp(-v.decision(Q)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump")
    z = np.load(ap.parse_args().dump, allow_pickle=False)
    F, y, dom, R, rdom = z["features"], z["labels"], z["domains"], z["real_features"], z["real_domains"]
    print("left-out domain: clean pages called garbled / real-spinner recall, at the other domains' threshold")
    for name in ("linear (shipped)", "trees (format 5)"):
        cells = []
        for d in sorted(set(dom.tolist())):
            keep, rkeep = dom != d, rdom != d
            if name.startswith("linear"):
                f = _linear(F[keep], y[keep], R[rkeep])
            else:
                X = np.vstack([F[keep], R[rkeep]])
                Y = np.r_[y[keep], np.ones(rkeep.sum())]
                n0 = (y[keep] == 0).sum()
                w = np.r_[np.where(y[keep] == 0, 1.0, n0 / (2 * (y[keep] == 1).sum())), np.full(rkeep.sum(), n0 / (2 * rkeep.sum()))]
                f = _trees(X, Y, w)
            clean_in = keep & (y == 0)
            t = _threshold(f(F[clean_in]), dom[clean_in])
            fp = float((f(F[(dom == d) & (y == 0)]) >= t).mean())
            rec = float((f(R[rdom == d]) >= t).mean()) if (rdom == d).any() else float("nan")
            cells.append(f"{d} {fp:.3f} / {rec:.2f}")
        print(f"  {name:18s} " + "; ".join(cells))


if __name__ == "__main__":
    main()
