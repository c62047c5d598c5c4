"""nnlib.metrics (chapter 8): accuracy for C >= 2 outputs (argmax) and for one output per
sample (a threshold)."""
import numpy as np
import pytest

from nnlib import Sigmoid, accuracy
from nnlib import metrics


def test_accuracy_lives_in_nnlib_metrics():
    assert metrics.accuracy is accuracy


def test_accuracy_for_every_output_shape_and_threshold():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 2.0], [0.0, 1.0, 0.5]])
    assert accuracy(logits, np.array([0, 1, 1, 1])) == 0.75
    p = np.array([0.9, 0.4, 0.6, 0.2])
    labels = np.array([1, 0, 0, 0])
    assert accuracy(p, labels) == 0.75 and accuracy(p[:, None], labels) == 0.75
    assert accuracy(p[:, None], labels[:, None].astype(np.float64)) == 0.75
    assert accuracy(p, labels.astype(bool)) == 0.75
    assert accuracy(p, labels, threshold=0.65) == 1.0
    z = np.random.default_rng(0).normal(size=(500, 1))
    y = (np.random.default_rng(1).random(500) < 0.5).astype(int)
    assert accuracy(z, y, threshold=0.0) == accuracy(Sigmoid()(z), y)
    assert isinstance(accuracy(p, labels), float)


def test_accuracy_refuses_mismatches():
    with pytest.raises(ValueError, match=r"^accuracy: output and y must be of the same "
                                         r"length \(one target per sample\), got 4 and 3"):
        accuracy(np.zeros((4, 3)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"y must be class labels of shape \(4,\), got "
                                         r"\(4, 1\); reshape them with y.reshape\(-1\)"):
        accuracy(np.zeros((4, 3)), np.zeros((4, 1), dtype=int))
    with pytest.raises(ValueError, match=r"one-hot rows pass y.argmax\(axis=1\)"):
        accuracy(np.zeros((4, 3)), np.eye(3)[[0, 1, 2, 0]])
    with pytest.raises(ValueError, match=r"y must be in \[0, 3\), got values from 1 to 3; "
                                         "labels counted from 1 are y - 1"):
        accuracy(np.zeros((4, 3)), np.array([1, 2, 3, 1]))
    with pytest.raises(ValueError, match="y must be integer class labels, got dtype float64"):
        accuracy(np.zeros((4, 3)), np.array([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"^accuracy: y must be labels 0 and 1 \(one output "
                                         r"a sample\), got values from 0 to 2$"):
        accuracy(np.zeros(4), np.array([0, 1, 2, 1]))
    with pytest.raises(ValueError, match=r"accuracy: y must be of shape \(N,\), got \(4, 2\)"):
        accuracy(np.zeros(4), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="^accuracy: output.ndim must be one of 1, 2, got 3$"):
        accuracy(np.zeros((4, 2, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="output must be at least one sample, got none"):
        accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(TypeError, match="accuracy: output must be a NumPy array, got list"):
        accuracy([0.2, 0.8], np.array([0, 1]))
