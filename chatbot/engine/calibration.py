"""Turn retrieval features into a calibrated confidence: among answers given at confidence c,
about c of them are right.

A logistic regression on the top candidate's features, fitted without customer data by
*bootstrapping from the knowledge base itself*: each article's example questions are split into
folds; a held-out question is asked of an index built without it (is the top article its own?)
and again with its whole article removed (the bot must not answer it — an out-of-scope sample).
Out-of-fold predictions give the reliability table stored with the model.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .index import BODY, OUT_OF_SCOPE, QUESTION, KnowledgeIndex

MIN_SAMPLES = 24


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iterations: int = 50) -> tuple[np.ndarray, float]:
    """Newton's method with an L2 penalty on the (standardised) weights, not on the intercept."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.eye(d + 1) * l2
    penalty[d, d] = 0.0
    for _ in range(iterations):
        p = _sigmoid(design @ w)
        gradient = design.T @ (p - y) + penalty @ w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty + np.eye(d + 1) * 1e-9
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:d], float(w[d])


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> tuple[float, list[dict]]:
    """ECE and the reliability table (per confidence bin: count, mean confidence, accuracy)."""
    edges = np.linspace(0, 1, bins + 1)
    table, ece = [], 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if not mask.any():
            continue
        confidence, accuracy = float(p[mask].mean()), float(y[mask].mean())
        ece += mask.mean() * abs(confidence - accuracy)
        table.append(
            {
                "from": round(float(lo), 2),
                "to": round(float(hi), 2),
                "count": int(mask.sum()),
                "confidence": round(confidence, 3),
                "accuracy": round(accuracy, 3),
            }
        )
    return float(ece), table


@dataclass(frozen=True)
class Calibrator:
    feature_names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    #: The range of each feature seen in fitting; inputs are clipped to it, so a message far
    #: outside what the model saw (an exact copy of a title) is not extrapolated on.
    low: tuple[float, ...] = ()
    high: tuple[float, ...] = ()
    samples: int = 0
    positives: int = 0
    ece: float | None = None
    reliability: tuple = ()
    extra: dict = field(default_factory=dict)

    def confidence(self, features: Sequence[float]) -> float:
        if len(features) == 0:
            return 0.0
        x = np.asarray(features, dtype=float)
        if self.low and self.high:
            x = np.clip(x, self.low, self.high)
        x = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return float(_sigmoid(np.asarray([x @ np.asarray(self.coef) + self.intercept]))[0])

    def as_dict(self) -> dict:
        data = asdict(self)
        data["reliability"] = list(self.reliability)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Calibrator:
        fields = {k: data[k] for k in ("feature_names", "mean", "scale", "coef", "intercept")}
        return cls(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()},
            low=tuple(data.get("low") or ()),
            high=tuple(data.get("high") or ()),
            samples=data.get("samples", 0),
            positives=data.get("positives", 0),
            ece=data.get("ece"),
            reliability=tuple(data.get("reliability") or ()),
            extra=data.get("extra") or {},
        )


def fit_calibrator(
    x: np.ndarray, y: np.ndarray, feature_names: Sequence[str], *, folds: np.ndarray | None = None, extra: dict | None = None
) -> Calibrator:
    """Fit on all samples; when ``folds`` is given, ECE comes from out-of-fold predictions."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    standard = (x - mean) / scale
    coef, intercept = fit_logistic(standard, y)
    ece, table = None, ()
    if folds is not None and len(set(folds.tolist())) > 1:
        oof = np.zeros(len(y))
        for fold in set(folds.tolist()):
            train, test = folds != fold, folds == fold
            if len(set(y[train].tolist())) < 2:
                oof[test] = y[train].mean()
                continue
            c, b = fit_logistic(standard[train], y[train])
            oof[test] = _sigmoid(standard[test] @ c + b)
        ece, table = expected_calibration_error(oof, y)
    return Calibrator(
        tuple(feature_names),
        tuple(mean.tolist()),
        tuple(scale.tolist()),
        tuple(coef.tolist()),
        intercept,
        samples=len(y),
        positives=int(y.sum()),
        ece=ece,
        reliability=tuple(table),
        extra=extra or {},
    )


def _fold_of(text: str, folds: int) -> int:
    return zlib.crc32(text.encode("utf-8")) % folds


def bootstrap_samples(index: KnowledgeIndex, *, folds: int = 4, max_queries: int = 3000):
    """(features, labels, fold ids) from the index's own texts (see module doc).

    Besides the example questions, each article body is asked as a long message: once of the
    index without that body (is its article still first?) and once with its article removed
    (label 0). Customers' e-mails are long and example questions short; without these samples
    a long message about something else (a laptop's battery) looked as sure as a short question."""
    def sample(kind: str, limit: int) -> list[int]:  # large knowledge bases: a deterministic sample is plenty
        found = [i for i, view in enumerate(index.views) if view.kind == kind]
        return found if len(found) <= limit else sorted(found, key=lambda i: zlib.crc32(index.views[i].text.encode()))[:limit]

    positions = sample(QUESTION, max_queries) + sample(BODY, max_queries // 6)
    owner = [doc.key for doc in index.documents for _view in doc.views]
    xs, ys, fs = [], [], []

    def ask(sub: KnowledgeIndex, i: int, fold: int) -> None:
        view, key = index.views[i], owner[i]
        vectors = {name: m[i] for name, m in index.vectors.items()}
        in_scope = sub.search(view.text, view.language, top_k=2, query_vectors=vectors)
        if in_scope.top is not None and any(d.key == key and d.views for d in sub.documents):
            xs.append(in_scope.features)
            ys.append(1.0 if in_scope.top.key == key and key != OUT_OF_SCOPE else 0.0)
            fs.append(fold)
        out_of_scope = sub.search(view.text, view.language, top_k=2, query_vectors=vectors, exclude=frozenset({key}))
        if out_of_scope.top is not None:
            xs.append(out_of_scope.features)
            ys.append(0.0)
            fs.append(fold)

    for fold in range(folds):
        held = {i for i in positions if _fold_of(index.views[i].text, folds) == fold}
        if not held:
            continue
        sub = index.without_views(held)
        for i in sorted(held):
            ask(sub, i, fold)
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), np.asarray(fs, dtype=int)


def calibrate_index(index: KnowledgeIndex, *, folds: int = 4) -> Calibrator | None:
    """The calibrator for ``index``, or None when its example questions are too few to fit one."""
    x, y, f = bootstrap_samples(index, folds=folds)
    if len(y) < MIN_SAMPLES or y.sum() < 3 or (len(y) - y.sum()) < 3:
        return None
    return fit_calibrator(
        x, y, index.feature_names, folds=f, extra={"method": "bootstrap from example questions", "folds": folds}
    )


def precision_coverage(p: np.ndarray, correct: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold, precision, coverage) for every distinct confidence, highest first.
    ``correct`` is 1 where answering would be right (in scope and the top article is right)."""
    order = np.argsort(-p, kind="stable")
    hits = np.cumsum(correct[order])
    answered = np.arange(1, len(p) + 1)
    return [(float(p[order[i]]), float(hits[i] / answered[i]), float(answered[i] / len(p))) for i in range(len(p))]


def threshold_for_precision(p: np.ndarray, correct: np.ndarray, target: float) -> float:
    """The lowest confidence threshold whose answered precision is still ≥ ``target`` (1.0+ when none)."""
    best = float("inf")
    for threshold, precision, _coverage in precision_coverage(p, correct):
        if precision >= target:
            best = threshold
    return best if best != float("inf") else 1.01
