"""Numerical pieces: the Gram matrix, primal weights, folds, calibration, features."""

from __future__ import annotations

import numpy as np

from nlu.classifier import (
    fit_softmax,
    fit_temperature,
    gram_matrix,
    primal_weights,
    softmax,
    stratified_folds,
)
from nlu.features import Featurizer, SparseRows, feature_tokens


def _random_rows(rng: np.random.Generator, n: int, cols: int) -> tuple[SparseRows, np.ndarray]:
    dense = (rng.random((n, cols)) < 0.08) * rng.random((n, cols))
    dense[:, :3] = rng.random((n, 3))  # a few frequent columns take the dense path
    indptr, indices, data = [0], [], []
    for row in dense:
        nz = np.flatnonzero(row)
        indices.extend(nz)
        data.extend(row[nz])
        indptr.append(len(indices))
    rows = SparseRows(np.array(indptr), np.array(indices, dtype=np.int32), np.array(data, np.float32), cols)
    return rows, dense.astype(np.float32)


def test_gram_matrix_equals_the_dense_product() -> None:
    rows, dense = _random_rows(np.random.default_rng(1), 60, 200)
    assert np.allclose(gram_matrix(rows, dense_df=5), dense @ dense.T, atol=1e-5)


def test_primal_weights_equal_x_transpose_a() -> None:
    rng = np.random.default_rng(2)
    rows, dense = _random_rows(rng, 40, 90)
    coef = rng.normal(size=(40, 4)).astype(np.float32)
    weights, bias = primal_weights(rows, coef)
    assert np.allclose(weights, dense.T @ coef, atol=1e-4)
    assert np.allclose(bias, coef.sum(axis=0), atol=1e-5)


def test_dual_training_separates_separable_classes() -> None:
    rng = np.random.default_rng(3)
    rows, dense = _random_rows(rng, 60, 50)
    labels = (dense[:, 10:25].sum(axis=1) > dense[:, 25:40].sum(axis=1)).astype(int)
    coef = fit_softmax(gram_matrix(rows), labels, 2, l2=1e-4, epochs=400)
    weights, bias = primal_weights(rows, coef)
    predicted = (dense @ weights + bias).argmax(axis=1)
    assert (predicted == labels).mean() >= 0.95


def test_rows_selection_keeps_row_contents() -> None:
    rows, dense = _random_rows(np.random.default_rng(4), 10, 30)
    picked = rows.rows([7, 2])
    assert picked.n_rows == 2
    back = np.zeros((2, 30), np.float32)
    back[picked.row_ids(), picked.indices] = picked.data
    assert np.allclose(back, dense[[7, 2]])


def test_stratified_folds_partition_and_balance() -> None:
    labels = np.array([0] * 10 + [1] * 6 + [2] * 3)
    folds = stratified_folds(labels, 3, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(labels)))
    for fold in folds:
        assert 3 <= (labels[fold] == 0).sum() <= 4


def test_temperature_recovers_a_known_scale() -> None:
    rng = np.random.default_rng(5)
    true_logits = rng.normal(size=(4000, 5)) * 2
    probs = softmax(true_logits)
    labels = np.array([rng.choice(5, p=p) for p in probs])
    assert abs(fit_temperature(true_logits * 3.0, labels) - 3.0) < 0.4


def test_feature_tokens_fold_digits_and_keep_emoji() -> None:
    assert feature_tokens("Zgłoszenie PZN-2026-000123 👍") == ["zgloszenie", "pzn", "0000", "000000", "👍"]


def test_featurizer_is_robust_to_typos_and_missing_diacritics() -> None:
    feat = Featurizer()
    feat.fit(["zgłoszenie dziury na Głogowskiej", "rezerwacja wizyty w urzędzie"])
    _, _, known = feat.transform("zgloszenie dziury na glogowskiej")
    _, _, typo = feat.transform("zglsozenie dzury")
    _, _, unknown = feat.transform("xqzv wkrj")
    assert known == 1.0 and typo == 1.0 and unknown == 0.0
    idx, val, _ = feat.transform("Zgłoszenie dziury")
    assert abs(float(np.linalg.norm(val)) - 1.0) < 1e-5 and len(set(idx.tolist())) == len(idx)
