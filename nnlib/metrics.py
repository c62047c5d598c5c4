# Generated from chapters/08_training.ipynb by tools/export.py. Do not edit.
"""Metrics: what a run reports about a model, in units a reader understands.

Derived in chapter 8, "Training" (chapters/08_training.ipynb)."""

import numpy as np
from nnlib import checks

__all__ = ["accuracy"]


def accuracy(output, y, threshold=0.5):
    """The fraction of samples whose predicted class is the label: a Python float in
    [0, 1].

    Derived in chapter 8, "Training". For ``output`` of shape (N, C) with C >= 2 (logits
    or probabilities) the predicted class is the index of the largest entry of each row.
    For shape (N, 1) or (N,) the problem is binary and the prediction is 1 where
    ``output > threshold``: use 0.5 for probabilities (after a sigmoid) and 0.0 for
    logits (sigmoid(z) > 0.5 exactly when z > 0).

    Parameters
    ----------
    output : numpy.ndarray of shape (N, C), (N, 1) or (N,)
        The model's outputs for N >= 1 samples.
    y : numpy.ndarray of shape (N,), or (N, 1) in the binary case
        Class labels: integers in [0, C); in the binary case 0 and 1 (integer, float or
        bool).
    threshold : float, default 0.5
        The decision threshold of the binary case.

    Returns
    -------
    float
    """
    checks.samples(output, y, "accuracy", names=("output", "y"))
    checks.one_of(output.ndim, "output.ndim", "accuracy", (1, 2))
    if output.ndim == 2 and output.shape[1] > 1:       # C scores a sample: the largest
        checks.labels(y, "y", "accuracy", len(output), output.shape[1])
        return float(np.mean(output.argmax(axis=1) == y))
    y = y.reshape(-1) if y.shape == (len(y), 1) else y
    checks.array(y, "y", "accuracy", shape=(None,))
    if not np.isin(y, (0, 1)).all():
        checks.fail(ValueError, "accuracy", "y", "labels 0 and 1 (one output a sample)",
                    f"values from {y.min()} to {y.max()}")
    return float(np.mean((output.reshape(-1) > threshold) == y))
