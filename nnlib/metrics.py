# Generated from chapters/08_training/ by tools/export.py. Do not edit.
"""Metrics: what a run reports about a model, in units a reader understands. Every
metric takes ``(y_true, y_pred)``: the targets first, as scikit-learn's and Keras's
metrics do.

Derived in chapter 8, "Training" (chapters/08_training)."""

import numpy as np
from nnlib import checks
from nnlib.data import _not_none

__all__ = ["accuracy"]


_ORDER = "the arguments are (y_true, y_pred), as in scikit-learn: accuracy(y, output)"


def accuracy(y_true: np.ndarray, y_pred: np.ndarray,
             threshold: float = 0.5) -> float:
    """The fraction of samples whose predicted class is the label: a Python float in
    [0, 1].

    Derived in chapter 8, "Training". The arguments come in the order of scikit-learn's
    and Keras's metrics: the true labels first, then the model's outputs. For ``y_pred``
    of shape (N, C) with C >= 2 (logits or probabilities) the predicted class is the
    index of the largest entry of each row. For shape (N, 1) or (N,) the problem is
    binary and the prediction is 1 where ``y_pred > threshold``: use 0.5 for
    probabilities (after a sigmoid) and 0.0 for logits (sigmoid(z) > 0.5 exactly when
    z > 0).

    Parameters
    ----------
    y_true : numpy.ndarray of shape (N,), or (N, 1) in the binary case
        Class labels: integers in [0, C); in the binary case 0 and 1 (integer, float or
        bool).
    y_pred : numpy.ndarray of shape (N, C), (N, 1) or (N,)
        The model's outputs for N >= 1 samples.
    threshold : float, default 0.5
        The decision threshold of the binary case.

    Returns
    -------
    float
    """
    _not_none(y_true, "y_true", "accuracy", "a NumPy array of labels", _ORDER)
    checks.samples(y_true, y_pred, "accuracy", names=("y_true", "y_pred"))
    checks.one_of(y_pred.ndim, "y_pred.ndim", "accuracy", (1, 2))
    if y_pred.ndim == 2 and y_pred.shape[1] > 1:       # C scores a sample: the largest
        checks.labels(y_true, "y_true", "accuracy", len(y_pred), y_pred.shape[1])
        return float(np.mean(y_pred.argmax(axis=1) == y_true))
    y_true = y_true.reshape(-1) if y_true.shape == (len(y_true), 1) else y_true
    checks.array(y_true, "y_true", "accuracy", shape=(None,), fix=_ORDER)
    if not np.isin(y_true, (0, 1)).all():
        checks.fail(ValueError, "accuracy", "y_true", "labels 0 and 1 (one output a "
                    "sample)", f"values from {y_true.min()} to {y_true.max()}", _ORDER)
    return float(np.mean((y_pred.reshape(-1) > threshold) == y_true))
