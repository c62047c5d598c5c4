"""nnlib.checks (appendix "How nnlib checks its inputs"): one argument order, one error policy,
one message form."""
import numpy as np
import pytest

import nnlib
from nnlib import checks


def test_the_checks_are_a_namespace_not_top_level_names():
    assert nnlib.checks is checks
    assert not {"array", "real", "labels", "check_shape"} & set(nnlib.__all__)


@pytest.mark.parametrize("pattern, text", [((None, 4), "(N, 4)"), ((None, ...), "(N, *)"),
                                           ((None, 3, None, None), "(N, 3, H, W)"), ((5,), "(5,)"),
                                           ((None, None, None, None), "(N, C, H, W)"),
                                           ((None, None), "(N, D)"), ((None, None, ...), "(N, D, *)")])
def test_format_shape(pattern, text):
    assert checks.format_shape(pattern) == text


@pytest.mark.parametrize("shape, pattern, fits", [
    ((5, 4), (None, 4), True), ((5, 3), (None, 4), False), ((5,), (None, 4), False),
    ((2,), (None, ...), True), ((), (None, ...), False), ((2, 3, 4), (None, ...), True),
    ((2, 3, 4, 5), (None, 3, None, None), True), ((2, 3, 4), (None, ..., 4), True),
    ((4,), (None, ..., 4), False)])
def test_shape_patterns(shape, pattern, fits):
    assert checks.shape_matches(shape, pattern) is fits


class Layer:
    def __repr__(self):
        return "Layer(k=3)"


def test_array_returns_its_input_and_names_owner_argument_expected_and_got():
    x = np.zeros((5, 4), np.float32)
    assert checks.array(x, "x", Layer(), shape=(None, 4), dtype=np.float32) is x
    assert checks.array(x, "x", "f", dtype="floating") is x
    with pytest.raises(ValueError, match=r"^Layer\(k=3\): x must be of shape \(N, 3\), got \(5, 4\)$"):
        checks.array(x, "x", Layer(), shape=(None, 3))
    with pytest.raises(ValueError, match=r"Layer\(k=3\): x must be float64, got float32; convert it "
                       r"with x.astype\(np.float64\), or the layer with .to\(np.float32\)"):
        checks.array(x, "x", Layer(), dtype=np.float64)
    # a layer cannot compute in an integer dtype, so the fix does not offer .to(np.int64)
    with pytest.raises(ValueError, match=r"x must be float64, got int64; convert it with "
                       r"x.astype\(np.float64\)$"):
        checks.array(x.astype(np.int64), "x", Layer(), dtype=np.float64)
    with pytest.raises(TypeError, match=r"f: x must be a NumPy array, got list; convert it with "
                       r"np.asarray\(x\)"):
        checks.array([1.0], "x", "f")
    for dtype in (np.int64, np.float16, np.complex128, bool):
        with pytest.raises(ValueError, match="x must be float32 or float64, got"):
            checks.array(x.astype(dtype), "x", "f", dtype="floating")


def test_an_owner_still_being_built_is_named_by_its_class():
    class Half:
        def __init__(self):
            checks.positive_int(0, "n", self)

        def __repr__(self):
            return f"Half(n={self.n})"
    with pytest.raises(ValueError, match=r"^Half: n must be a positive integer, got 0$"):
        Half()


@pytest.mark.parametrize("value, error", [(3.0, TypeError), (True, TypeError), ("3", TypeError),
                                          (None, TypeError), (0, ValueError), (-2, ValueError)])
def test_positive_int_policy(value, error):
    with pytest.raises(error, match=r"^Linear: in_features must be a positive integer, got "):
        checks.positive_int(value, "in_features", "Linear")


def test_positive_int_converts_numpy_integers():
    value = checks.positive_int(np.int64(3), "n", "f")
    assert value == 3 and type(value) is int


@pytest.mark.parametrize("value, interval, error", [
    (-0.1, "[0, inf)", ValueError), (float("nan"), "[0, inf)", ValueError), ("1", "[0, 1]", TypeError),
    (True, "[0, 1]", TypeError), (1.0, "[0, 1)", ValueError), (0.0, "(0, 1]", ValueError),
    (float("inf"), "[0, inf)", ValueError), (None, "[0, 1]", TypeError)])
def test_real_refuses_values_outside_the_interval(value, interval, error):
    with pytest.raises(error, match=rf"^SGD: lr must be a real number in {interval.replace('(', '.')}"
                       .replace("[", r"\[").replace(")", r"\)")):
        checks.real(value, "lr", "SGD", interval)


@pytest.mark.parametrize("value, interval", [(0, "[0, inf)"), (0.5, "(0, 1)"), (1, "(0, 1]"),
                                             (np.float32(0.25), "[0, 1)"), (-3, "(-inf, inf)")])
def test_real_accepts_and_converts(value, interval):
    result = checks.real(value, "x", "f", interval)
    assert result == float(value) and type(result) is float


def test_int_pair_one_of_instance_floating_dtype():
    assert checks.int_pair(3, "kernel_size", "Conv2d") == (3, 3)
    assert checks.int_pair((2, 1), "stride", "Conv2d") == (2, 1)
    assert checks.int_pair(0, "padding", "Conv2d", minimum=0) == (0, 0)
    with pytest.raises(ValueError, match="padding must be an int or a pair of ints >= 0, got -1"):
        checks.int_pair(-1, "padding", "Conv2d", minimum=0)
    with pytest.raises(TypeError, match=r"kernel_size must be an int or a pair of ints >= 1, got 2.5"):
        checks.int_pair(2.5, "kernel_size", "Conv2d")
    with pytest.raises(TypeError):
        checks.int_pair((1, 2, 3), "kernel_size", "Conv2d")
    assert checks.one_of("he", "init", "Linear", ("he", "xavier")) == "he"
    with pytest.raises(ValueError, match=r"Linear: init must be one of 'he', 'xavier', got 'kaiming'"):
        checks.one_of("kaiming", "init", "Linear", ("he", "xavier"))
    with pytest.raises(TypeError, match=r"fit: model must be a Module, got dict"):
        checks.instance({}, "model", "fit", nnlib.Module)
    assert checks.floating_dtype(np.float32, "dtype", "f") == np.float32
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got int64"):
        checks.floating_dtype(np.int64, "dtype", "Module.to")
    with pytest.raises(TypeError, match="dtype must be a NumPy dtype"):
        checks.floating_dtype("not a dtype", "dtype", "f")


def test_samples_finite_unit_interval_labels_gradient():
    X, y = np.zeros((3, 2)), np.zeros(3)
    assert checks.samples(X, y, "fit") == (X, y)
    with pytest.raises(ValueError, match=r"fit: X and y must be of the same length \(one target per "
                       r"sample\), got 3 and 2 samples"):
        checks.samples(X, y[:2], "fit")
    with pytest.raises(TypeError, match="fit: y must be a NumPy array, got NoneType"):
        checks.samples(X, None, "fit")
    with pytest.raises(ValueError, match="fit: X must be at least one sample, got none"):
        checks.samples(X[:0], y[:0], "fit")
    with pytest.raises(ValueError, match="loss: prediction must be finite, got NaN or inf; lower"):
        checks.finite(np.array([1.0, np.nan]), "prediction", "loss", "lower the learning rate")
    with pytest.raises(ValueError, match=r"target must be in \[0, 1\], got values from -1 to 1"):
        checks.unit_interval(np.array([-1.0, 1.0]), "target", "BCELoss")
    assert checks.labels(np.array([0, 2]), "y", "f", 2, 3) is not None
    with pytest.raises(ValueError, match=r"for one-hot rows pass y.argmax\(axis=1\)"):
        checks.labels(np.eye(2, 3, dtype=int), "y", "f", 2, 3)
    with pytest.raises(ValueError, match=r"reshape them with y.reshape\(-1\)"):
        checks.labels(np.zeros((2, 1), int), "y", "f", 2, 3)
    with pytest.raises(ValueError, match=r"convert them with y.astype\(np.int64\)"):
        checks.labels(np.zeros(2), "y", "f", 2, 3)
    with pytest.raises(ValueError, match=r"in \[0, 3\), got values from 1 to 3; labels counted from 1"):
        checks.labels(np.array([1, 3]), "y", "f", 2, 3)
    g = np.zeros((2, 3))
    assert checks.gradient(g, "f", (2, 3), np.float64) is g
    with pytest.raises(ValueError, match=r"grad_output must be of the last output's shape \(2, 4\), "
                       r"dtype float64, got \(2, 3\) and float64"):
        checks.gradient(g, "f", (2, 4), np.float64)
    with pytest.raises(TypeError, match="grad_output must be a NumPy array, got list"):
        checks.gradient([1.0], "f", (1,), np.float64)
