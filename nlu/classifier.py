"""L2-regularised softmax regression over sparse TF-IDF rows, trained with numpy alone.

Why the kernel form: with a few thousand examples but tens of thousands of sparse features, plain
gradient descent spends its time gathering feature rows. Gradient descent started at zero keeps
the weights in the span of the training rows (W = X^T A), so the same iterates can be computed from
the N x N Gram matrix K = X X^T: one small dense matrix product per epoch instead of sparse
gathers, which is ~50x faster here. K is built once, mostly from sparse co-occurrence pairs, and
cross-validation folds for calibration reuse its sub-matrices. The exported model is still the
primal (W, b), so a parse costs one gather of ~200 weight rows.

Confidence is calibrated by temperature scaling fitted on out-of-fold predictions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nlu.features import SparseRows

__all__ = [
    "LinearModel",
    "fit_softmax",
    "fit_temperature",
    "gram_matrix",
    "largest_kernel_eigenvalue",
    "primal_weights",
    "softmax",
    "stratified_folds",
]

Progress = Callable[[str], None]


@dataclass(slots=True)
class LinearModel:
    """Primal weights of a trained classifier: scores = x @ W + b, probabilities = softmax(scores / T)."""

    weights: np.ndarray  # (n_features, n_classes) float32
    bias: np.ndarray  # (n_classes,) float32
    temperature: float = 1.0

    def scores(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        if len(idx) == 0:
            return self.bias.astype(np.float64)
        return (val @ self.weights[idx] + self.bias).astype(np.float64)

    def probabilities(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        return softmax(self.scores(idx, val) / self.temperature)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large scores."""
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def gram_matrix(x: SparseRows, dense_df: int = 24) -> np.ndarray:
    """K = X X^T (float64). Frequent features go through a dense product, rare ones through pairs.

    A feature seen in d rows adds d*d products; rare features are cheap as explicit pairs, the few
    frequent ones (character bigrams, "na", "the") are cheap as dense columns for BLAS.
    """
    n = x.n_rows
    rows = x.row_ids()
    cols = x.indices.astype(np.int64)
    vals = x.data.astype(np.float64)
    df = np.bincount(cols, minlength=x.n_cols)
    frequent = df > dense_df
    on_dense = frequent[cols]
    dense_cols = np.flatnonzero(frequent)
    column_of = np.full(x.n_cols, -1, dtype=np.int64)
    column_of[dense_cols] = np.arange(len(dense_cols))
    dense = np.zeros((n, len(dense_cols)), dtype=np.float64)
    dense[rows[on_dense], column_of[cols[on_dense]]] = vals[on_dense]
    gram = dense @ dense.T
    r, c, v = rows[~on_dense], cols[~on_dense], vals[~on_dense]
    order = np.lexsort((r, c))
    r, c, v = r[order], c[order], v[order]
    entry_df = df[c]
    pair_idx: list[np.ndarray] = []
    pair_val: list[np.ndarray] = []
    for d in np.unique(entry_df):
        sel = entry_df == d
        rr = r[sel].reshape(-1, d)
        vv = v[sel].reshape(-1, d)
        pair_idx.append((rr[:, :, None] * n + rr[:, None, :]).ravel())
        pair_val.append((vv[:, :, None] * vv[:, None, :]).ravel())
    if pair_idx:
        flat = np.bincount(np.concatenate(pair_idx), np.concatenate(pair_val), minlength=n * n)
        gram += flat.reshape(n, n)
    return gram


def fit_softmax(
    gram: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    *,
    l2: float,
    epochs: int,
    sample_weight: np.ndarray | None = None,
    largest_eigenvalue: float | None = None,
    progress: Progress | None = None,
    label: str = "",
) -> np.ndarray:
    """Dual coefficients A (N x C) of softmax regression with weights W = X^T A, bias = 1^T A.

    The bias is an always-on feature, so it lives in the kernel as +1. Accelerated (Nesterov)
    full-batch gradient descent with step 1/L: deterministic, no learning rate to tune.
    `largest_eigenvalue` of gram+1 may be passed when known (a bound for the whole matrix also holds
    for its sub-matrices, which saves the power iteration in cross-validation folds).
    """
    n = len(labels)
    kernel = (gram + 1.0).astype(np.float32)
    onehot = np.zeros((n, n_classes), dtype=np.float32)
    onehot[np.arange(n), labels] = 1.0
    weight = np.ones(n, np.float32) if sample_weight is None else sample_weight.astype(np.float32)
    weight = (weight / weight.sum())[:, None]
    top = largest_eigenvalue if largest_eigenvalue is not None else largest_kernel_eigenvalue(gram)
    lipschitz = 0.5 * top * float(weight.max()) + l2
    step = 1.0 / lipschitz
    kappa = lipschitz / l2
    strong = (math.sqrt(kappa) - 1.0) / (math.sqrt(kappa) + 1.0)
    coef = np.zeros((n, n_classes), dtype=np.float32)
    previous = coef
    report_every = max(1, epochs // 10)
    for epoch in range(1, epochs + 1):
        momentum = min((epoch - 1) / (epoch + 2), strong)
        look = coef + momentum * (coef - previous)
        probs = softmax(kernel @ look)
        grad = weight * (probs - onehot) + l2 * look
        previous, coef = coef, look - step * grad
        if progress and (epoch % report_every == 0 or epoch == epochs):
            scores = kernel @ coef
            p = softmax(scores)
            loss = float(-(weight[:, 0] * np.log(p[np.arange(n), labels] + 1e-12)).sum())
            accuracy = float((scores.argmax(1) == labels).mean())
            progress(f"{label}epoch {epoch}/{epochs}  loss {loss:.4f}  train acc {accuracy:.3f}")
    return coef


def largest_kernel_eigenvalue(gram: np.ndarray) -> float:
    """Upper estimate of the largest eigenvalue of gram + 1 (the kernel with the bias feature)."""
    return _largest_eigenvalue((gram + 1.0).astype(np.float32))


def _largest_eigenvalue(matrix: np.ndarray, iterations: int = 30) -> float:
    vec = np.random.default_rng(0).random(matrix.shape[0]).astype(matrix.dtype) + 0.1
    value = 1.0
    for _ in range(iterations):
        nxt = matrix @ vec
        value = float(np.linalg.norm(nxt))
        if value == 0.0:
            return 1.0
        vec = nxt / value
    return value * 1.05  # power iteration approaches from below


def primal_weights(x: SparseRows, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W = X^T A summed per feature (sorted segments, no Python loop), bias = column sums of A."""
    n_classes = coef.shape[1]
    weights = np.zeros((x.n_cols, n_classes), dtype=np.float32)
    if len(x.indices):
        rows = x.row_ids()
        order = np.argsort(x.indices, kind="stable")
        cols = x.indices[order]
        contrib = (x.data[:, None] * coef[rows])[order]
        uniq, starts = np.unique(cols, return_index=True)
        weights[uniq] = np.add.reduceat(contrib, starts, axis=0)
    return weights, coef.sum(axis=0).astype(np.float32)


def stratified_folds(labels: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """k disjoint test-index sets, each with a fair share of every class (seeded shuffle)."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        rng.shuffle(members)
        for i, idx in enumerate(members):
            folds[(i + offset) % k].append(int(idx))
        offset += len(members)
    return [np.asarray(sorted(f), dtype=np.int64) for f in folds]


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of held-out scores (golden-section search)."""

    def nll(log_t: float) -> float:
        p = softmax(scores / math.exp(log_t))
        return float(-np.log(p[np.arange(len(labels)), labels] + 1e-12).mean())

    lo, hi = math.log(0.05), math.log(20.0)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(40):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(b)
    return math.exp((lo + hi) / 2)
