"""nnlib.metrics (chapter 8): accuracy(y_true, y_pred) for C >= 2 outputs (argmax) and for
one output per sample (a threshold), in scikit-learn's argument order."""
import numpy as np
import pytest

from nnlib import Sigmoid, accuracy
from nnlib import metrics

ORDER = r"the arguments are \(y_true, y_pred\), as in scikit-learn: accuracy\(y, output\)"


def test_accuracy_lives_in_nnlib_metrics():
    assert metrics.accuracy is accuracy


def test_accuracy_for_every_output_shape_and_threshold():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 2.0], [0.0, 1.0, 0.5]])
    assert accuracy(np.array([0, 1, 1, 1]), logits) == 0.75
    p = np.array([0.9, 0.4, 0.6, 0.2])
    labels = np.array([1, 0, 0, 0])
    assert accuracy(labels, p) == 0.75 and accuracy(labels, p[:, None]) == 0.75
    assert accuracy(labels[:, None].astype(np.float64), p[:, None]) == 0.75
    assert accuracy(labels.astype(bool), p) == 0.75
    assert accuracy(labels, p, threshold=0.65) == 1.0
    assert accuracy(y_true=labels, y_pred=p) == 0.75                  # the keyword names
    z = np.random.default_rng(0).normal(size=(500, 1))
    y = (np.random.default_rng(1).random(500) < 0.5).astype(int)
    assert accuracy(y, z, threshold=0.0) == accuracy(y, Sigmoid()(z))
    assert isinstance(accuracy(labels, p), float)


def test_accuracy_agrees_with_scikit_learn_in_scikit_learn_order():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(2)
    logits, y = rng.normal(size=(200, 4)), rng.integers(0, 4, size=200)
    assert accuracy(y, logits) == sklearn_metrics.accuracy_score(y, logits.argmax(axis=1))


def test_swapped_arguments_are_refused_with_the_order_named():
    logits, labels = np.zeros((4, 3)), np.array([0, 1, 2, 1])
    with pytest.raises(ValueError, match=r"^accuracy: y_true must be of shape \(N,\), got "
                                         r"\(4, 3\); " + ORDER + "$"):
        accuracy(logits, labels)
    probabilities = np.array([[0.9], [0.4], [0.6], [0.2]])
    with pytest.raises(ValueError, match=r"^accuracy: y_true must be labels 0 and 1 \(one "
                                         r"output a sample\), got values from 0.2 to 0.9; "
                                         + ORDER + "$"):
        accuracy(probabilities, np.array([1, 0, 0, 0]))
    with pytest.raises(TypeError, match="^accuracy: y_true must be a NumPy array of labels, "
                                        "got None; " + ORDER + "$"):
        accuracy(None, probabilities)


def test_accuracy_refuses_mismatches():
    with pytest.raises(ValueError, match=r"^accuracy: y_true and y_pred must be of the same "
                                         r"length \(one target per sample\), got 3 and 4"):
        accuracy(np.zeros(3, dtype=int), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"y_true must be class labels of shape \(4,\), got "
                                         r"\(4, 1\); reshape them with y_true.reshape\(-1\)"):
        accuracy(np.zeros((4, 1), dtype=int), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"one-hot rows pass y_true.argmax\(axis=1\)"):
        accuracy(np.eye(3)[[0, 1, 2, 0]], np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"y_true must be in \[0, 3\), got values from 1 to "
                                         "3; labels counted from 1 are y_true - 1"):
        accuracy(np.array([1, 2, 3, 1]), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="y_true must be integer class labels, got dtype "
                                         "float64"):
        accuracy(np.array([0.0, 1.0, 2.0, 1.0]), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"^accuracy: y_true must be labels 0 and 1 \(one "
                                         r"output a sample\), got values from 0 to 2"):
        accuracy(np.array([0, 1, 2, 1]), np.zeros(4))
    with pytest.raises(ValueError, match=r"accuracy: y_true must be of shape \(N,\), got "
                                         r"\(4, 2\)"):
        accuracy(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="^accuracy: y_pred.ndim must be one of 1, 2, got 3$"):
        accuracy(np.zeros(4), np.zeros((4, 2, 3)))
    with pytest.raises(ValueError, match="y_true must be at least one sample, got none"):
        accuracy(np.zeros(0, dtype=int), np.zeros((0, 3)))
    with pytest.raises(TypeError, match="accuracy: y_pred must be a NumPy array, got list"):
        accuracy(np.array([0, 1]), [0.2, 0.8])
