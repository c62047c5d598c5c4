"""The losses (chapter 5): gradients, known values, stability at extreme inputs, dtypes, errors."""
import re
import warnings

import numpy as np
import pytest

from nnlib import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, Module,
                   Sequential, Linear, Sigmoid, gradcheck, numerical_gradient)
from whole_range import DTYPE_RANGES, no_warning, rows_across_the_range

LOSSES = [MSELoss, L1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss]
EPSILON = float(np.float32(1e-12))        # PyTorch's cap of p (1 - p) in BCELoss's backward pass (a C float)
ELEMENTWISE = [MSELoss, L1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss]


def owner(loss_cls):
    """How messages name a loss built with its defaults: ``MSELoss()``, ``HuberLoss(delta=1.0)``."""
    return repr(loss_cls())


def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def example(loss_cls, shape=(5, 3), dtype=np.float64, seed=0):
    """A valid (prediction, target) pair for the loss; for CrossEntropyLoss, shape is (N, C)."""
    rng = np.random.default_rng(seed)
    if loss_cls is MSELoss:
        return rng.normal(size=shape).astype(dtype), rng.normal(size=shape)
    if loss_cls in (L1Loss, HuberLoss):       # residuals at least 0.05 away from 0 and from delta = 1
        target = rng.normal(size=shape)
        size = np.where(rng.random(shape) < 0.5, rng.uniform(0.05, 0.95, shape),
                        rng.uniform(1.05, 3.0, shape))
        residual = rng.choice([-1.0, 1.0], size=shape) * size
        return (target + residual).astype(dtype), target
    if loss_cls is BCELoss:
        return rng.uniform(0.05, 0.95, size=shape).astype(dtype), rng.integers(0, 2, size=shape).astype(float)
    if loss_cls is BCEWithLogitsLoss:
        return rng.normal(scale=3, size=shape).astype(dtype), rng.integers(0, 2, size=shape).astype(float)
    return rng.normal(scale=3, size=shape).astype(dtype), rng.integers(0, shape[1], size=shape[0])


def no_floating_point_trouble():
    """Overflow, division by zero and invalid operations raise; harmless underflow to 0 does not."""
    return np.errstate(all="raise", under="ignore")


# -- the interface ------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss_cls", LOSSES)
def test_is_a_module_with_a_pytorch_repr_and_returns_a_python_float(loss_cls):
    loss_fn = loss_cls()
    expected = "HuberLoss(delta=1.0)" if loss_cls is HuberLoss else f"{loss_cls.__name__}()"
    assert isinstance(loss_fn, Module) and repr(loss_fn) == expected
    assert loss_fn.parameters() == []
    value = loss_fn(*example(loss_cls))
    assert type(value) is float and np.isfinite(value)


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_backward_before_forward_is_a_runtime_error(loss_cls):
    with pytest.raises(RuntimeError, match=re.escape(f"{owner(loss_cls)}: backward() was called before forward()")):
        loss_cls().backward()


@pytest.mark.parametrize("loss_cls", LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_has_the_prediction_shape_and_dtype(loss_cls, dtype):
    loss_fn = loss_cls()
    prediction, target = example(loss_cls, (6, 4), dtype)
    loss_fn(prediction, target)
    grad = loss_fn.backward()
    assert grad.shape == prediction.shape and grad.dtype == dtype


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_float32_and_float64_agree(loss_cls):
    prediction, target = example(loss_cls, (6, 4))
    loss_fn = loss_cls()
    value64, grad64 = loss_fn(prediction, target), loss_fn.backward()
    value32, grad32 = loss_fn(prediction.astype(np.float32), target), loss_fn.backward()
    assert value32 == pytest.approx(value64, rel=1e-5)
    assert np.allclose(grad32, grad64, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_inputs_and_saved_state_are_not_modified(loss_cls):
    prediction, target = example(loss_cls, (4, 3))
    p_before, t_before = prediction.copy(), target.copy()
    loss_fn = loss_cls()
    loss_fn(prediction, target)
    first = loss_fn.backward()
    first_copy = first.copy()
    second = loss_fn.backward()
    assert np.array_equal(prediction, p_before) and np.array_equal(target, t_before)
    assert np.array_equal(first, second) and np.array_equal(first, first_copy) and first is not second


@pytest.mark.parametrize("loss_cls", ELEMENTWISE)
@pytest.mark.parametrize("target_dtype", [np.int64, np.bool_, np.float32])
def test_targets_are_converted_to_the_prediction_dtype(loss_cls, target_dtype):
    prediction, target = example(loss_cls, (5, 2), np.float32)
    target = (target > 0.5).astype(target_dtype)
    loss_fn = loss_cls()
    value = loss_fn(prediction, target)
    reference = loss_cls()(prediction.astype(np.float64), target.astype(np.float64))
    assert value == pytest.approx(reference, rel=1e-5)
    assert loss_fn.backward().dtype == np.float32


# -- gradients ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1,), (1, 1), (7,), (5, 3), (2, 3, 5)])
@pytest.mark.parametrize("loss_cls", ELEMENTWISE)
def test_gradcheck_elementwise_losses(loss_cls, shape):
    prediction, target = example(loss_cls, shape, seed=sum(shape))
    assert gradcheck(loss_cls(), prediction, target) < 1e-7


@pytest.mark.parametrize("loss_cls", [BCELoss, BCEWithLogitsLoss])
def test_gradcheck_with_soft_targets(loss_cls):
    rng = np.random.default_rng(3)
    prediction, _ = example(loss_cls, (4, 3), seed=3)
    assert gradcheck(loss_cls(), prediction, rng.uniform(0, 1, size=(4, 3))) < 1e-7


@pytest.mark.parametrize("shape", [(1, 1), (1, 2), (1, 5), (3, 2), (7, 3), (4, 10)])
def test_gradcheck_cross_entropy(shape):
    prediction, labels = example(CrossEntropyLoss, shape, seed=sum(shape))
    assert gradcheck(CrossEntropyLoss(), prediction, labels) < 1e-7


def test_wrong_gradients_would_be_caught():
    """The checks above can fail: dividing by the batch size (5) instead of the entries (15) is caught."""
    class MSEOverBatch(MSELoss):
        def backward(self):
            return super().backward() * 3

    prediction, target = example(MSELoss, (5, 3))
    assert gradcheck(MSEOverBatch(), prediction, target) > 0.1


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    prediction, labels = example(CrossEntropyLoss, (6, 4), seed=1)
    loss_fn = CrossEntropyLoss()
    loss_fn(prediction, labels)
    softmax = np.exp(prediction) / np.exp(prediction).sum(axis=1, keepdims=True)
    assert np.allclose(loss_fn.backward(), (softmax - np.eye(4)[labels]) / 6, rtol=1e-12, atol=1e-15)
    assert np.allclose(loss_fn.backward().sum(axis=1), 0, atol=1e-15)


def test_bce_with_logits_gradient_is_sigmoid_minus_target_over_n():
    z, y = example(BCEWithLogitsLoss, (4, 5), seed=2)
    loss_fn = BCEWithLogitsLoss()
    loss_fn(z, y)
    assert np.allclose(loss_fn.backward(), (1 / (1 + np.exp(-z)) - y) / 20, rtol=1e-12, atol=1e-15)


def test_bce_gradient_is_p_minus_y_over_p_one_minus_p_n():
    p, y = example(BCELoss, (3, 4), seed=4)
    loss_fn = BCELoss()
    loss_fn(p, y)
    assert np.allclose(loss_fn.backward(), (p - y) / (p * (1 - p) * 12), rtol=1e-12)


# -- known values -------------------------------------------------------------------------------------
def test_mse_closed_form_mean_over_all_entries():
    prediction = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    target = np.array([[1.0, 0.0], [3.0, 7.0], [4.0, 6.0]])
    loss_fn = MSELoss()
    assert loss_fn(prediction, target) == pytest.approx((4 + 9 + 1) / 6)
    assert np.allclose(loss_fn.backward(), 2 * (prediction - target) / 6)


@pytest.mark.parametrize("labels", [np.array([0, 1, 1, 0]), np.array([1, 1, 1, 1]), np.array([0.3, 0.9, 0.0, 1.0])])
def test_bce_of_one_half_and_bce_with_logits_of_zero_is_log_2(labels):
    assert BCELoss()(np.full(4, 0.5), labels) == pytest.approx(np.log(2))
    assert BCEWithLogitsLoss()(np.zeros(4), labels) == pytest.approx(np.log(2))


@pytest.mark.parametrize("c", [1, 2, 3, 10, 1000])
def test_cross_entropy_of_uniform_logits_is_log_c(c):
    assert CrossEntropyLoss()(np.full((3, c), -2.5), np.array([0, c - 1, c // 2])) == pytest.approx(np.log(c))


def test_bce_with_logits_agrees_with_logaddexp_and_with_bce_of_sigmoid():
    z, _ = example(BCEWithLogitsLoss, (6, 3), seed=5)
    y = np.random.default_rng(5).uniform(size=(6, 3))
    value = BCEWithLogitsLoss()(z, y)
    assert value == pytest.approx(np.mean(np.logaddexp(0, z) - z * y), rel=1e-12)
    assert value == pytest.approx(BCELoss()(sigmoid(z), y), rel=1e-10)


def test_cross_entropy_agrees_with_the_naive_formula_and_with_two_class_bce():
    z, labels = example(CrossEntropyLoss, (8, 5), seed=6)
    softmax = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert CrossEntropyLoss()(z, labels) == pytest.approx(-np.mean(np.log(softmax[np.arange(8), labels])), rel=1e-12)
    logit = z[:, 0]
    two = np.stack([np.zeros(8), logit], axis=1)
    binary = labels % 2
    ce, bce = CrossEntropyLoss(), BCEWithLogitsLoss()
    assert ce(two, binary) == pytest.approx(bce(logit, binary), rel=1e-12)
    assert np.allclose(ce.backward()[:, 1], bce.backward(), rtol=1e-12, atol=1e-16)


def test_confident_predictions_keep_their_digits():
    assert CrossEntropyLoss()(np.array([[40.0, 0.0, -3.0]]), np.array([0])) == pytest.approx(
        np.exp(-40.0) + np.exp(-43.0), rel=1e-12)
    assert BCEWithLogitsLoss()(np.array([40.0]), np.array([1.0])) == pytest.approx(np.exp(-40.0), rel=1e-12)


def test_cross_entropy_is_invariant_to_a_constant_added_to_a_row():
    z, labels = example(CrossEntropyLoss, (4, 3), seed=7)
    shifted = z + np.array([[100.0], [-50.0], [0.0], [3.0]])
    assert CrossEntropyLoss()(shifted, labels) == pytest.approx(CrossEntropyLoss()(z, labels), rel=1e-12)


# -- stability ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_at_plus_minus_1000(dtype):
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0], dtype=dtype)
    y = np.array([1, 1, 0, 0, 1])
    loss_fn = BCEWithLogitsLoss()
    with no_floating_point_trouble():
        value = loss_fn(z, y)
        grad = loss_fn.backward()
    assert value == pytest.approx((1000 + 1000 + np.log(2)) / 5, rel=1e-6)
    assert np.all(np.isfinite(grad)) and grad.dtype == dtype
    assert np.allclose(grad, np.array([0, -1, 1, 0, -0.5]) / 5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_at_plus_minus_1000(dtype):
    z = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -1000.0]], dtype=dtype)
    labels = np.array([2, 1, 0])
    loss_fn = CrossEntropyLoss()
    with no_floating_point_trouble():
        value = loss_fn(z, labels)
        grad = loss_fn.backward()
    assert value == pytest.approx((2000 + np.log(3) + np.log(2)) / 3, rel=1e-6)
    assert np.all(np.isfinite(grad)) and grad.dtype == dtype
    expected = np.array([[1, 0, -1], [1 / 3, -2 / 3, 1 / 3], [-0.5, 0.5, 0]]) / 3
    assert np.allclose(grad, expected, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_at_p_0_and_1_is_finite_with_the_clamped_values(dtype):
    p = np.array([0.0, 0.0, 1.0, 1.0], dtype=dtype)
    y = np.array([0, 1, 0, 1])
    loss_fn = BCELoss()
    with no_floating_point_trouble():
        value = loss_fn(p, y)
        grad = loss_fn.backward()
    assert value == pytest.approx(200 / 4)                 # two clamped terms of 100
    assert np.all(np.isfinite(grad)) and grad.dtype == dtype
    # PyTorch's backward: (p - y) / max(p (1 - p), 1e-12) / n, with 1e-12 a C float
    assert np.array_equal(grad, np.array([0, -1, 1, 0], dtype=dtype) / dtype(EPSILON) / 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_gradient_stays_finite_for_tiny_probabilities(dtype):
    tiny = np.finfo(dtype).tiny
    p = np.array([tiny / 100, tiny, 1e-30, 1 - np.finfo(dtype).eps / 2], dtype=dtype)
    loss_fn = BCELoss()
    with no_floating_point_trouble():
        value = loss_fn(p, np.array([1, 1, 1, 0]))
        grad = loss_fn.backward()
    assert np.isfinite(value) and np.all(np.isfinite(grad)) and np.all(grad[:3] <= 0)


def test_bce_clamp_at_minus_100_and_the_gradient_cap_at_1e_12():
    loss_fn = BCELoss()
    assert loss_fn(np.array([1e-50]), np.array([1])) == pytest.approx(100)    # log(1e-50) = -115 -> -100
    assert loss_fn.backward()[0] == pytest.approx(-1 / EPSILON, rel=1e-15)     # capped, as in PyTorch
    assert loss_fn(np.array([1e-40]), np.array([1])) == pytest.approx(40 * np.log(10))
    assert loss_fn.backward()[0] == pytest.approx(-1 / EPSILON, rel=1e-15)     # not -1e40: capped
    assert loss_fn(np.array([1e-11]), np.array([1])) == pytest.approx(11 * np.log(10))
    assert loss_fn.backward()[0] == pytest.approx(-1e11, rel=1e-12)           # p (1 - p) > 1e-12: exact
    assert loss_fn(np.array([0.0]), np.array([0])) == 0.0 and loss_fn.backward()[0] == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_backward_is_pytorchs_formula_operation_for_operation(dtype):
    rng = np.random.default_rng(12)
    p = np.concatenate([rng.uniform(size=20), [0.0, 1.0, 1e-13, 1 - 1e-13, 1e-6, 0.5]]).astype(dtype)
    y = np.concatenate([rng.uniform(size=20), [1.0, 0.0, 1.0, 0.0, 0.3, 1.0]])
    loss_fn = BCELoss()
    with no_floating_point_trouble():
        loss_fn(p, y)
        grad = loss_fn.backward()
    y = y.astype(dtype)
    expected = (p - y) / np.maximum((1 - p) * p, dtype(EPSILON)) / dtype(p.size)
    assert grad.dtype == dtype and np.array_equal(grad, expected)


def test_bce_gradient_is_the_derivative_of_the_loss_where_p_1_minus_p_exceeds_the_cap():
    p = np.array([1e-9, 1e-6, 1e-3, 0.5, 1 - 1e-3, 1 - 1e-6])
    y = np.array([1.0, 0.0, 1.0, 0.2, 0.0, 1.0])
    loss_fn = BCELoss()
    loss_fn(p, y)
    exact = (-y / p + (1 - y) / (1 - p)) / p.size
    assert np.allclose(loss_fn.backward(), exact, rtol=1e-9, atol=0)


def test_the_naive_formulas_do_fail_where_the_losses_do_not():
    z = np.array([1000.0, -1000.0])
    with np.errstate(all="ignore"):
        naive_bce = -np.mean(np.array([0.0, 1.0]) * np.log(1 / (1 + np.exp(-z))))
        naive_ce = np.log(np.exp(z).sum())
    assert not np.isfinite(naive_bce) and not np.isfinite(naive_ce)
    with no_floating_point_trouble():
        assert BCEWithLogitsLoss()(z, np.array([0.0, 1.0])) == pytest.approx(1000.0)
        assert CrossEntropyLoss()(z[None, :], np.array([1])) == pytest.approx(2000.0)


WIDEST = [(np.float32, 3e38), (np.float64, 1.7e308)]


@pytest.mark.parametrize("dtype, top", WIDEST, ids=["float32", "float64"])
def test_cross_entropy_of_logits_further_apart_than_the_largest_float_is_exact(dtype, top):
    z = np.array([[top, -top], [-top, top]], dtype=dtype)
    right, wrong = CrossEntropyLoss(), CrossEntropyLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):         # the shift's overflow to -inf included
            assert right(z, np.array([0, 1])) == 0.0
            assert wrong(z, np.array([1, 0])) == np.inf       # 2 top rounds to inf
            grads = right.backward(), wrong.backward()
    assert all(g.dtype == dtype for g in grads)
    assert np.array_equal(grads[0], np.zeros((2, 2)))
    assert np.array_equal(grads[1], np.array([[1.0, -1.0], [-1.0, 1.0]]) / 2)


@DTYPE_RANGES
def test_cross_entropy_raises_no_warning_anywhere_in_the_range_of_its_dtype(dtype, low, high):
    z = rows_across_the_range(dtype, low, high)
    n, eps = len(z), np.finfo(dtype).eps
    with np.errstate(all="ignore"):            # the reference, in float64; beyond z's range: inf
        z64 = z.astype(np.float64)
        reference = (np.logaddexp.reduce(z64, axis=1)[:, None] - z64).astype(dtype)
    infinite_means = 0
    for labels in [z.argmax(axis=1), z.argmin(axis=1), *(np.full(n, c) for c in range(4))]:
        loss_fn = CrossEntropyLoss()
        with no_warning():                     # overflow of the shift and of the sum, underflow included
            loss = loss_fn(z, labels)
            grad = loss_fn.backward()
        expected = reference[np.arange(n), labels].astype(np.float64)
        if np.isinf(expected).any():
            assert loss == np.inf
            infinite_means += 1
        else:
            with np.errstate(over="ignore"):
                mean = np.mean(expected / 8192) * 8192     # the sum of the losses may overflow
            assert np.isfinite(loss) and abs(loss - mean) <= 20 * eps * max(1.0, mean)
        assert grad.dtype == dtype and np.all(np.isfinite(grad))
        on_label = np.zeros(z.shape, dtype=bool)
        on_label[np.arange(n), labels] = True
        assert np.all(grad[on_label] <= 0) and np.all(grad[~on_label] >= 0)
        assert np.max(np.abs(grad.sum(axis=1))) <= 4 * eps / n      # each row of P sums to 1
    assert 0 < infinite_means < 6


@pytest.mark.parametrize("dtype, v", [(np.float32, 1e38), (np.float64, 1e308)], ids=["float32", "float64"])
def test_cross_entropy_mean_is_finite_where_the_losses_are_but_their_sum_overflows(dtype, v):
    z = np.array([[v, -v / 2]] * 3 + [[0.0, 0.0]], dtype=dtype)    # losses 1.5 v (three times), log 2
    labels = np.array([1, 1, 1, 0])
    one = CrossEntropyLoss()(z[:1], labels[:1])
    assert 3 * one > float(np.finfo(dtype).max)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            loss = CrossEntropyLoss()(z, labels)
    assert loss == pytest.approx(0.75 * one + np.log(2) / 4, rel=2 * float(np.finfo(dtype).eps))


# -- errors -------------------------------------------------------------------------------------------
def message_of(call):
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize("loss_cls", ELEMENTWISE)
def test_column_against_vector_is_refused_with_a_reshape_hint(loss_cls):
    prediction, _ = example(loss_cls, (4, 1))
    message = message_of(lambda: loss_cls()(prediction, np.zeros(4)))
    assert message == (f"{owner(loss_cls)}: target must be of the prediction's shape (4, 1), "
                       "got (4,); if both hold the same values in another layout, reshape one of "
                       "them, e.g. target.reshape((4, 1))")


@pytest.mark.parametrize("loss_cls", ELEMENTWISE)
def test_different_sizes_are_refused_naming_both_shapes(loss_cls):
    prediction, _ = example(loss_cls, (4, 2))
    message = message_of(lambda: loss_cls()(prediction, np.zeros((3, 2))))
    assert message == (f"{owner(loss_cls)}: target must be of the prediction's shape (4, 2), "
                       "got (3, 2)")


@pytest.mark.parametrize("loss_cls", LOSSES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_prediction_is_refused(loss_cls, bad):
    prediction, target = example(loss_cls, (3, 2))
    prediction[1, 0] = bad
    message = message_of(lambda: loss_cls()(prediction, target))
    assert message.startswith(f"{owner(loss_cls)}: prediction must be finite, got NaN or inf; "
                              "a NaN or inf prediction usually means that training diverged")


@pytest.mark.parametrize("loss_cls", ELEMENTWISE)
def test_non_finite_target_is_refused(loss_cls):
    prediction, target = example(loss_cls, (3, 2))
    target[2, 1] = np.nan
    message = message_of(lambda: loss_cls()(prediction, target))
    assert message == (f"{owner(loss_cls)}: target must be finite, got NaN or inf; "
                       "look for NaN or inf in the data")


def test_float64_target_beyond_float32_range_is_refused_without_a_warning():
    message = message_of(lambda: MSELoss()(np.zeros(2, dtype=np.float32), np.array([0.0, 1e300])))
    assert message.startswith("MSELoss(): target must be finite, got NaN or inf")


@pytest.mark.parametrize("loss_cls", LOSSES)
@pytest.mark.parametrize("dtype", [np.int64, np.float16, np.bool_])
def test_prediction_that_is_not_float32_or_float64_is_refused(loss_cls, dtype):
    message = message_of(lambda: loss_cls()(np.zeros((2, 2), dtype=dtype), np.zeros(2, dtype=np.int64)))
    assert message == (f"{owner(loss_cls)}: prediction must be float32 or float64, got "
                       f"{np.dtype(dtype).name}; convert it with prediction.astype(np.float32) or "
                       ".astype(np.float64)")


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_empty_prediction_is_refused(loss_cls):
    message = message_of(lambda: loss_cls()(np.zeros((0, 2)), np.zeros(0, dtype=np.int64)))
    assert message == f"{owner(loss_cls)}: prediction must be non-empty, got (0, 2)"


@pytest.mark.parametrize("loss_cls", [BCELoss, BCEWithLogitsLoss])
@pytest.mark.parametrize("target", [[0.0, 1.5], [-1.0, 1.0]])
def test_bce_targets_outside_0_1_are_refused(loss_cls, target):
    message = message_of(lambda: loss_cls()(np.array([0.2, 0.7]), np.array(target)))
    assert message == (f"{owner(loss_cls)}: target must be in [0, 1], got values from "
                       f"{min(target):g} to {max(target):g}; labels -1 and 1 map to 0 and 1 by "
                       "(target + 1) / 2")


@pytest.mark.parametrize("p", [[-0.1, 0.5], [0.5, 1.2]])
def test_bce_probabilities_outside_0_1_are_refused_pointing_to_logits(p):
    message = message_of(lambda: BCELoss()(np.array(p), np.array([0, 1])))
    assert message == (f"BCELoss(): prediction must be in [0, 1], got values from {min(p):g} to "
                       f"{max(p):g}; for raw scores (logits) use BCEWithLogitsLoss instead")


@pytest.mark.parametrize("shape", [(4,), (2, 3, 4)])
def test_cross_entropy_refuses_logits_that_are_not_2d(shape):
    message = message_of(lambda: CrossEntropyLoss()(np.zeros(shape), np.zeros(2, dtype=np.int64)))
    hint = "; for one sample use prediction.reshape(1, -1)" if len(shape) == 1 else ""
    assert message == f"CrossEntropyLoss(): prediction must be of shape (N, C), got {shape}{hint}"


@pytest.mark.parametrize("labels, hint", [(np.zeros((3, 1), dtype=np.int64), "; reshape them with target.reshape(-1)"),
                                          (np.eye(4)[[0, 1, 2]], "; for one-hot rows pass target.argmax(axis=1)"),
                                          (np.zeros(2, dtype=np.int64), "")])
def test_cross_entropy_refuses_labels_that_are_not_n_long_vectors(labels, hint):
    message = message_of(lambda: CrossEntropyLoss()(np.zeros((3, 4)), labels))
    assert message == (f"CrossEntropyLoss(): target must be class labels of shape (3,), "
                       f"got {labels.shape}{hint}")


@pytest.mark.parametrize("labels, low, high, hint", [([0, 4, 1], 0, 4, ""), ([-1, 0, 2], -1, 2, ""),
                                                    ([1, 4, 2], 1, 4, "; labels counted from 1 are target - 1")])
def test_cross_entropy_refuses_labels_out_of_range(labels, low, high, hint):
    message = message_of(lambda: CrossEntropyLoss()(np.zeros((3, 4)), np.array(labels)))
    assert message == f"CrossEntropyLoss(): target must be in [0, 4), got values from {low} to {high}{hint}"


@pytest.mark.parametrize("labels", [np.array([0.0, 1.0, 2.0]), np.array([True, False, True])])
def test_cross_entropy_refuses_labels_that_are_not_integers(labels):
    message = message_of(lambda: CrossEntropyLoss()(np.zeros((3, 4)), labels))
    assert message == (f"CrossEntropyLoss(): target must be integer class labels, got dtype "
                       f"{labels.dtype}; convert them with target.astype(np.int64)")


def test_cross_entropy_accepts_any_integer_dtype():
    z, labels = example(CrossEntropyLoss, (5, 3))
    reference = CrossEntropyLoss()(z, labels)
    for dtype in (np.int8, np.int32, np.uint8, np.uint64):
        assert CrossEntropyLoss()(z, labels.astype(dtype)) == reference


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_predictions_and_targets_that_are_not_arrays_are_a_type_error(loss_cls):
    prediction, target = example(loss_cls, (3, 2))
    name = re.escape(f"{owner(loss_cls)}")
    fix = re.escape("; convert it with np.asarray(")
    with pytest.raises(TypeError, match=f"^{name}: prediction must be a NumPy array, got list{fix}prediction"):
        loss_cls()(prediction.tolist(), target)
    with pytest.raises(TypeError, match=f"^{name}: prediction must be a NumPy array, got float{fix}prediction"):
        loss_cls()(0.5, target)
    with pytest.raises(TypeError, match=f"^{name}: target must be a NumPy array, got list{fix}target"):
        loss_cls()(prediction, target.tolist())


# -- PyTorch, when it is installed --------------------------------------------------------------------
@pytest.mark.parametrize("loss_cls", LOSSES)
def test_values_and_gradients_match_pytorch(loss_cls):
    torch = pytest.importorskip("torch")
    prediction, target = example(loss_cls, (6, 4), seed=11)
    loss_fn = loss_cls()
    value, grad = loss_fn(prediction, target), loss_fn.backward()
    x = torch.tensor(prediction, requires_grad=True)
    t = torch.tensor(target)
    reference = getattr(torch.nn, loss_cls.__name__)()(x, t)
    reference.backward()
    assert value == pytest.approx(reference.item(), rel=1e-12)
    assert np.allclose(grad, x.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_bce_gradient_at_the_cap_matches_pytorch():
    torch = pytest.importorskip("torch")
    p = np.array([0.0, 1.0, 1e-13, 1 - 1e-13, 0.3, 0.0])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    loss_fn = BCELoss()
    loss_fn(p, y)
    x = torch.tensor(p, requires_grad=True)
    torch.nn.BCELoss()(x, torch.tensor(y)).backward()
    assert np.array_equal(loss_fn.backward(), x.grad.numpy())


# -- L1Loss and HuberLoss ----------------------------------------------------------------------------
def test_l1_and_huber_values_and_gradients_by_hand():
    prediction, target = np.array([-3.0, -1.0, 0.0, 0.5, 2.0]), np.zeros(5)
    l1, huber = L1Loss(), HuberLoss()
    assert l1(prediction, target) == pytest.approx(1.3, rel=1e-15)
    assert np.array_equal(l1.backward(), np.array([-1, -1, 0, 1, 1]) / 5)
    assert huber(prediction, target) == pytest.approx(0.925, rel=1e-15)
    assert np.array_equal(huber.backward(), np.array([-1, -1, 0, 0.5, 1]) / 5)
    half = HuberLoss(delta=0.5)
    # |r| > 0.5: 0.5 (|r| - 0.25); |r| <= 0.5: r^2 / 2
    expected = np.array([0.5 * 2.75, 0.5 * 0.75, 0.0, 0.125, 0.5 * 1.75]).mean()
    assert half(prediction, target) == pytest.approx(expected, rel=1e-15)
    assert np.array_equal(half.backward(), np.array([-0.5, -0.5, 0, 0.5, 0.5]) / 5)


def test_huber_is_half_the_squared_error_for_a_large_delta_and_delta_times_l1_for_a_small_one():
    prediction, target = example(MSELoss, (6, 4), seed=3)
    big, mse = HuberLoss(delta=1e3), MSELoss()
    assert big(prediction, target) == pytest.approx(mse(prediction, target) / 2, rel=1e-13)
    assert np.allclose(big.backward(), mse.backward() / 2, rtol=1e-13)     # r / n = (2 r / n) / 2
    small = HuberLoss(delta=1e-7)
    assert small(prediction, target) / 1e-7 == pytest.approx(L1Loss()(prediction, target), rel=1e-6)


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
@pytest.mark.parametrize("shape", [(1,), (4, 3), (2, 3, 4)])
def test_huber_gradcheck_away_from_the_kinks(delta, shape):
    rng = np.random.default_rng(len(shape))
    target = rng.normal(size=shape)
    residual = rng.normal(scale=2 * delta, size=shape)
    residual = np.where(np.abs(np.abs(residual) - delta) < 1e-3, residual + 0.01, residual)
    assert gradcheck(HuberLoss(delta), target + residual, target) < 1e-7


def test_l1_gradient_at_the_kink_is_zero_as_in_pytorch_and_as_the_central_difference():
    prediction = np.array([[0.5, -1.0], [2.0, 3.0]])
    target = np.array([[0.5, 0.0], [2.0, 1.0]])              # two entries exactly on their targets
    l1 = L1Loss()
    l1(prediction, target)
    analytic = l1.backward()
    assert np.array_equal(analytic, np.array([[0.0, -1.0], [0.0, 1.0]]) / 4)
    numerical = numerical_gradient(lambda: l1(prediction, target), prediction)
    assert np.abs(numerical - analytic).max() < 1e-9
    assert gradcheck(L1Loss(), prediction, target) < 1e-7  # the check passes at the kink too


def test_huber_at_plus_minus_delta_is_continuous_and_the_central_difference_is_off_by_h_over_4():
    h, delta = 1e-6, 0.5
    prediction, target = np.array([1.0, -0.5, 0.25]), np.array([0.5, 0.0, 0.25])   # r = delta, -delta, 0
    huber = HuberLoss(delta)
    huber(prediction, target)
    analytic = huber.backward()
    assert np.array_equal(analytic, np.array([0.5, -0.5, 0.0]) / 3)
    numerical = numerical_gradient(lambda: huber(prediction, target), prediction, h)
    assert np.allclose(numerical, np.array([delta - h / 4, -(delta - h / 4), 0.0]) / 3, rtol=0, atol=1e-9)


@pytest.mark.parametrize("delta, error", [(0.0, ValueError), (-1.0, ValueError), (float("nan"), ValueError),
                                          ("1", TypeError), (None, TypeError), (True, TypeError)])
def test_huber_delta_must_be_a_positive_real_number(delta, error):
    with pytest.raises(error, match=r"HuberLoss: delta must be a real number in \(0, inf\)"):
        HuberLoss(delta)


def test_huber_delta_is_a_float_and_keeps_float32():
    huber = HuberLoss(np.float64(2))
    assert type(huber.delta) is float and repr(huber) == "HuberLoss(delta=2.0)"
    prediction = np.array([0.0, 5.0], dtype=np.float32)
    huber(prediction, np.zeros(2))
    assert huber.backward().dtype == np.float32


# -- targets that are not real numbers ---------------------------------------------------------------
@pytest.mark.parametrize("loss_cls", ELEMENTWISE)
@pytest.mark.parametrize("kind, fix", [
    (np.complex128, "take its real part, target.real, if that is what it means"),
    (np.complex64, "take its real part, target.real, if that is what it means"),
    (str, r"convert it, e.g. target.astype\(float\)"),
    (object, r"convert it, e.g. target.astype\(float\)"),
    ("datetime64[s]", r"convert it, e.g. target.astype\(float\)"),
])
def test_targets_that_are_not_real_numbers_are_refused_without_a_warning(loss_cls, kind, fix):
    prediction, target = example(loss_cls, (3, 2))
    bad = target.astype(kind) if kind != "datetime64[s]" else np.zeros((3, 2), dtype=kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=re.escape(f"{owner(loss_cls)}: target must be real numbers "
                                                       f"(bool, int or float), got dtype {bad.dtype}; ")
                           + fix):
            loss_cls()(prediction, bad)


@pytest.mark.parametrize("kind", [np.complex128, str, object])
def test_cross_entropy_refuses_labels_that_are_not_real_numbers(kind):
    z, labels = example(CrossEntropyLoss, (3, 4))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss\(\): target must be integer class labels"):
        CrossEntropyLoss()(z, labels.astype(kind))


# -- a loss keeps copies of the caller's arrays --------------------------------------------------------
@pytest.mark.parametrize("loss_cls", LOSSES)
def test_changing_prediction_and_target_in_place_before_backward_changes_nothing(loss_cls):
    prediction, target = example(loss_cls, (4, 3))
    loss_fn = loss_cls()
    loss_fn(prediction, target)
    right = loss_fn.backward()
    loss_fn(prediction, target)
    prediction *= 0.5
    target[...] = 0
    assert np.array_equal(loss_fn.backward(), right)


def test_a_model_and_its_loss_give_the_same_gradients_whatever_the_caller_does_to_its_arrays():
    rng = np.random.default_rng(4)
    model, loss_fn = Sequential(Linear(3, 2, rng=rng), Sigmoid()), BCELoss()
    x, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=(5, 2)).astype(float)
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    right = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    p = model(x)
    loss_fn(p, y)
    x[...], p[...], y[...] = 0, 0.5, 1                      # everything the caller holds
    model.backward(loss_fn.backward())
    assert all(np.array_equal(q.grad, r) for q, r in zip(model.parameters(), right))
