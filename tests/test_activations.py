"""Activation layers (chapter 3): gradients, stability, dtypes, NaN, errors and reprs."""
import re
import warnings

import numpy as np
import pytest

from nnlib import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, gradcheck
from nnlib.activations import _Elementwise
from whole_range import DTYPE_RANGES, no_warning, rows_across_the_range

ELEMENTWISE = [Sigmoid, Tanh, ReLU, LeakyReLU, lambda: LeakyReLU(0.3), lambda: LeakyReLU(-0.2),
               lambda: LeakyReLU(negative_slope=1.5)]
ELEMENTWISE_IDS = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "LeakyReLU(0.3)", "LeakyReLU(-0.2)",
                   "LeakyReLU(1.5)"]
ALL_LAYERS = [*ELEMENTWISE, Softmax, lambda: Softmax(dim=0)]
ALL_IDS = [*ELEMENTWISE_IDS, "Softmax", "Softmax(dim=0)"]
SHAPES = [(1, 1), (1, 7), (5, 3), (3, 4, 5), (6,)]


def away_from_the_kink(shape, seed):
    """Random float64 entries with 2e-3 <= |x| <= 3, of both signs."""
    rng = np.random.default_rng(seed)
    return rng.uniform(2e-3, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def textbook(layer, x):
    """The formulas as written, for moderate inputs."""
    if isinstance(layer, Sigmoid):
        return 1 / (1 + np.exp(-x))
    if isinstance(layer, Tanh):
        return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    if isinstance(layer, LeakyReLU):
        return np.where(x > 0, x, layer.negative_slope * x)
    if isinstance(layer, ReLU):
        return np.where(x > 0, x, 0.0)
    e = np.exp(x)
    return e / e.sum(axis=layer.dim, keepdims=True)


# -- gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", ELEMENTWISE, ids=ELEMENTWISE_IDS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_elementwise_layers_pass_the_gradient_check(make, shape):
    assert gradcheck(make(), away_from_the_kink(shape, seed=len(shape) * 10 + shape[0])) < 1e-7


@pytest.mark.parametrize("shape, dim", [((1, 1), -1), ((1, 7), -1), ((1, 7), 0), ((5, 3), -1), ((5, 3), 0),
                                        ((5, 3), 1), ((3, 4, 5), 0), ((3, 4, 5), 1), ((3, 4, 5), -1),
                                        ((3, 4, 5), -2), ((6,), 0)], ids=str)
def test_softmax_passes_the_gradient_check_along_every_axis(shape, dim):
    x = 2 * np.random.default_rng(sum(shape) + dim).normal(size=shape)
    assert gradcheck(Softmax(dim=dim), x) < 1e-7


@pytest.mark.parametrize("make", ALL_LAYERS, ids=ALL_IDS)
def test_values_match_the_textbook_formulas_on_moderate_inputs(make):
    layer = make()
    x = away_from_the_kink((4, 6), seed=1) * 5
    assert np.allclose(layer(x), textbook(layer, x), rtol=1e-13, atol=1e-300)


def test_the_derivatives_are_the_derived_formulas():
    x = np.linspace(-5, 5, 11)[None, :]
    s, t = 1 / (1 + np.exp(-x)), np.tanh(x)
    sigmoid, tanh, relu, leaky = Sigmoid(), Tanh(), ReLU(), LeakyReLU(0.2)
    for layer in (sigmoid, tanh, relu, leaky):
        layer(x)
    ones = np.ones_like(x)
    assert np.allclose(sigmoid.backward(ones), s * (1 - s), rtol=1e-13, atol=0)
    assert np.allclose(tanh.backward(ones), 1 - t**2, rtol=1e-12, atol=0)
    assert np.array_equal(relu.backward(ones), (x > 0).astype(float))      # 0 at x = 0, as PyTorch
    assert np.array_equal(leaky.backward(ones), np.where(x > 0, 1.0, 0.2))  # slope at x = 0, as PyTorch
    assert relu.backward(ones)[0, 5] == 0.0 and leaky.backward(ones)[0, 5] == 0.2


def test_softmax_backward_is_the_vector_jacobian_product_and_sums_to_zero():
    rng = np.random.default_rng(5)
    x, g = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    layer = Softmax()
    s = layer(x)
    jacobians = s[:, :, None] * np.eye(6) - s[:, :, None] * s[:, None, :]
    dx = layer.backward(g)
    assert np.allclose(dx, np.einsum("nij,ni->nj", jacobians, g), rtol=1e-12, atol=1e-15)
    assert np.allclose(dx.sum(axis=-1), 0, atol=1e-15)


def test_softmax_of_two_scores_is_a_sigmoid_of_their_difference():
    x = np.linspace(-40, 40, 81)
    two = Softmax()(np.stack([x, np.zeros_like(x)], axis=1))
    assert np.allclose(two[:, 0], Sigmoid()(x), rtol=1e-13, atol=0)


def test_sigmoid_keeps_tiny_values_accurate():
    x = np.array([-700.0, -100.0, -40.0])
    assert np.allclose(Sigmoid()(x), np.exp(x), rtol=1e-14, atol=0)


# -- numerical stability --------------------------------------------------------------------------
@pytest.mark.parametrize("make", ALL_LAYERS, ids=ALL_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_extreme_inputs_give_finite_values_and_gradients_without_warnings(make, dtype):
    x = np.array([[-1e4, -1000.0, 0.0, 1000.0, 1e4],
                  [-1e4, -1e4, -1e4, -1e4, -1e4],
                  [1e4, 1e4, 1e4, 1e4, 1e4],
                  [-1000.0, -1000.0, -1000.0, -1000.0, -1001.0],
                  [1000.0, -1e4, 1e4, -1000.0, 0.5]], dtype=dtype)
    layer = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):     # a NumPy floating-point error is an exception too
            y = layer(x)
            dx = layer.backward(np.ones_like(y))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))
    assert y.dtype == dx.dtype == dtype


@pytest.mark.parametrize("dtype, low, high", [(np.float32, -45, 38.5), (np.float64, -320, 308)],
                         ids=["float32", "float64"])
def test_sigmoid_raises_no_warning_anywhere_in_the_range_of_its_dtype(dtype, low, high):
    magnitudes = np.logspace(low, high, 3000)
    with np.errstate(under="ignore"):          # the smallest magnitudes round to subnormals: intended
        x = np.concatenate([[-np.inf], -magnitudes[::-1], [0.0], magnitudes, [np.inf]]).astype(dtype)
    layer = Sigmoid()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):         # underflow included: the layer ignores only its own
            y = layer(x)
            dx = layer.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == dtype
    assert y[0] == 0 and y[-1] == 1 and np.all(np.diff(y) >= 0) and np.all(np.isfinite(dx))


@DTYPE_RANGES
@pytest.mark.parametrize("dim", [-1, 0])
def test_softmax_raises_no_warning_anywhere_in_the_range_of_its_dtype(dtype, low, high, dim):
    x = rows_across_the_range(dtype, low, high)
    if dim == 0:
        x = np.ascontiguousarray(x.T)
    g = np.cos(np.arange(x.size, dtype=dtype)).reshape(x.shape)
    layer = Softmax(dim=dim)
    with no_warning():                         # overflow of the shift and underflow included
        y = layer(x)
        dx = layer.backward(g)
    assert y.dtype == dx.dtype == dtype
    assert np.all((0 <= y) & (y <= 1)) and np.all(np.isfinite(dx))
    assert np.max(np.abs(y.sum(axis=dim) - 1)) <= 2 * np.finfo(dtype).eps
    top = np.take_along_axis(y, np.expand_dims(x.argmax(axis=dim), dim), axis=dim)
    assert np.array_equal(top, y.max(axis=dim, keepdims=True))


@pytest.mark.parametrize("dtype, top", [(np.float32, 3e38), (np.float64, 1.7e308)],
                         ids=["float32", "float64"])
def test_softmax_of_scores_further_apart_than_the_largest_float_is_exact(dtype, top):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = Softmax()(np.array([[top, -top], [-top, top]], dtype=dtype))
    assert np.array_equal(y, [[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_extreme_values_are_the_limits(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = np.array([-1e4, -1000.0, 0.0, 1000.0, 1e4], dtype=dtype)
        assert np.array_equal(Sigmoid()(x), [0.0, 0.0, 0.5, 1.0, 1.0])
        assert np.array_equal(Tanh()(x), [-1.0, -1.0, 0.0, 1.0, 1.0])
        scores = np.array([[1e4, 0.0, -1e4], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -1e4]], dtype=dtype)
        y = Softmax()(scores)
    assert np.allclose(y, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], rtol=1e-6, atol=0)


# -- dtypes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", ALL_LAYERS, ids=ALL_IDS)
def test_float32_stays_float32_forward_and_backward_and_agrees_with_float64(make):
    x64 = away_from_the_kink((5, 3), seed=2)
    g64 = np.random.default_rng(3).normal(size=(5, 3))
    layer = make()
    y32 = layer(x64.astype(np.float32))
    dx32 = layer.backward(g64.astype(np.float32))
    assert y32.dtype == dx32.dtype == np.float32
    y64 = layer(x64)
    dx64 = layer.backward(g64)
    assert y64.dtype == dx64.dtype == np.float64
    assert np.allclose(y32, y64, rtol=1e-6, atol=1e-7) and np.allclose(dx32, dx64, rtol=1e-5, atol=1e-6)


def test_a_numpy_float64_slope_does_not_upcast_float32():
    layer = LeakyReLU(np.float64(0.2))
    assert type(layer.negative_slope) is float
    x = np.array([[-1.0, 2.0]], dtype=np.float32)
    assert layer(x).dtype == np.float32 and layer.backward(np.ones_like(x)).dtype == np.float32


# -- NaN: propagated, as NumPy does -----------------------------------------------------------------
@pytest.mark.parametrize("make", ELEMENTWISE, ids=ELEMENTWISE_IDS)
def test_nan_input_gives_nan_output_in_that_entry_only(make):
    x = np.array([[np.nan, 1.0, -1.0], [0.5, np.nan, -2.0]])
    y = make()(x)
    assert np.array_equal(np.isnan(y), np.isnan(x))


def test_nan_input_makes_its_softmax_slice_nan_and_leaves_the_others():
    x = np.array([[np.nan, 1.0, -1.0], [0.5, 0.0, -2.0]])
    assert np.isnan(Softmax()(x)[0]).all() and np.isfinite(Softmax()(x)[1]).all()
    by_column = Softmax(dim=0)(x)
    assert np.isnan(by_column[:, 0]).all() and np.isfinite(by_column[:, 1:]).all()


# -- the module protocol and errors ---------------------------------------------------------------
@pytest.mark.parametrize("make", ALL_LAYERS, ids=ALL_IDS)
def test_backward_before_forward_is_a_runtime_error(make):
    with pytest.raises(RuntimeError, match="before forward"):
        make().backward(np.ones((2, 3)))


@pytest.mark.parametrize("make", ALL_LAYERS, ids=ALL_IDS)
def test_forward_and_backward_leave_their_arguments_and_saved_values_alone(make):
    x = away_from_the_kink((4, 5), seed=7)
    g = np.random.default_rng(8).normal(size=(4, 5))
    x_before, g_before = x.copy(), g.copy()
    layer = make()
    y = layer(x)
    y_before = y.copy()
    first = layer.backward(g)
    second = layer.backward(g)
    assert np.array_equal(x, x_before) and np.array_equal(g, g_before) and np.array_equal(y, y_before)
    assert np.array_equal(first, second) and first is not g


@pytest.mark.parametrize("make", ALL_LAYERS, ids=ALL_IDS)
def test_non_contiguous_and_empty_batches(make):
    x = away_from_the_kink((5, 4), seed=9)
    layer = make()
    assert np.array_equal(layer(x.T), layer(np.ascontiguousarray(x.T)))
    if getattr(layer, "dim", -1) == 0:
        return                               # a softmax over an empty batch axis is undefined
    empty = layer(np.zeros((0, 4)))
    assert empty.shape == (0, 4) and layer.backward(np.zeros((0, 4))).shape == (0, 4)


NAMED = [(Sigmoid, "Sigmoid()"), (Tanh, "Tanh()"), (ReLU, "ReLU()"),
         (LeakyReLU, "LeakyReLU(negative_slope=0.01)"), (Softmax, "Softmax(dim=-1)")]


@pytest.mark.parametrize("make, name", NAMED)
def test_bad_inputs_are_refused_with_the_layer_named(make, name):
    """TypeError only for a non-array; ValueError for a dtype other than float32 and
    float64, and for a 0-d array."""
    name = re.escape(name)
    with pytest.raises(TypeError, match=f"^{name}: x must be a NumPy array, got list; "
                                        r"convert it with np.asarray\(x\)$"):
        make()([[0.5, -1.0]])
    with pytest.raises(TypeError, match=f"^{name}: x must be a NumPy array, got float"):
        make()(0.5)
    for dtype in (np.int64, np.bool_, np.complex128, np.float16):
        with pytest.raises(ValueError, match=f"^{name}: x must be float32 or float64, got "
                                             f"{np.dtype(dtype).name}; convert it with "
                                             r"x.astype\(np.float32\)"):
            make()(np.ones((1, 2), dtype=dtype))
    with pytest.raises(ValueError, match=f"^{name}: x must be of shape " + r"\(N, \*\), got \(\)$"):
        make()(np.array(0.5))


@pytest.mark.parametrize("make, name", NAMED)
def test_a_grad_output_of_another_shape_or_dtype_is_refused_not_converted(make, name):
    name = re.escape(name)
    layer = make()
    layer(np.ones((2, 3)))
    expected = re.escape("grad_output must be of the last output's shape (2, 3), dtype float64")
    with pytest.raises(ValueError, match=f"^{name}: {expected}, got " + re.escape("(3, 2) and float64")):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=f"^{name}: {expected}, got " + re.escape("(2, 3) and float32")):
        layer.backward(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match=f"^{name}: grad_output must be a NumPy array, got float$"):
        layer.backward(1.0)
    with pytest.raises(TypeError, match=f"^{name}: grad_output must be a NumPy array, got list$"):
        layer.backward([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    layer(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"dtype float32, got \(2, 3\) and float64"):
        layer.backward(np.ones((2, 3)))
    assert layer.backward(np.ones((2, 3), dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("make", ALL_LAYERS, ids=ALL_IDS)
def test_backward_with_input_grad_false_returns_none(make):
    """An activation has no parameters: without dL/dx to compute, it returns None at
    once, and a later backward pass is unaffected."""
    layer = make()
    x = away_from_the_kink((4, 5), seed=11)
    g = np.random.default_rng(12).normal(size=(4, 5))
    layer(x)
    full = layer.backward(g)
    assert layer.backward(g, input_grad=False) is None
    assert np.array_equal(layer.backward(g, input_grad=True), full)
    assert layer.parameters() == []


def test_softmax_refuses_an_axis_the_input_does_not_have_and_a_non_integer_dim():
    with pytest.raises(ValueError, match=r"^Softmax\(dim=2\): dim must be in \[-2, 1\] for an "
                                         r"input of shape \(4, 3\), got 2$"):
        Softmax(dim=2)(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"dim must be in \[-2, 1\] .*, got -3"):
        Softmax(dim=-3)(np.ones((4, 3)))
    for dim in (1.0, True, None, "1"):
        with pytest.raises(TypeError, match=f"^Softmax: dim must be an int, got {re.escape(repr(dim))}$"):
            Softmax(dim=dim)
    assert Softmax(dim=np.int64(1)).dim == 1 and type(Softmax(dim=np.int64(1)).dim) is int


def test_leaky_relu_refuses_a_slope_that_is_not_a_finite_real_number():
    for slope in ("0.1", None, True, [0.1]):
        with pytest.raises(TypeError, match=r"^LeakyReLU: negative_slope must be a real number "
                                            r"in \(-inf, inf\), got "):
            LeakyReLU(slope)
    for slope in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError, match=r"^LeakyReLU: negative_slope must be a real number "
                                             r"in \(-inf, inf\), got "):
            LeakyReLU(slope)


def test_a_custom_elementwise_activation_needs_only_forward_and_its_derivative():
    """The base class of the elementwise activations: backward is dL/dy * phi'."""
    class Cube(_Elementwise):
        def forward(self, x):
            self.save_for_backward(x)
            return x ** 3

        def _derivative(self, x):
            return 3 * x ** 2

    x = away_from_the_kink((3, 4), seed=13)
    assert gradcheck(Cube(), x) < 1e-7
    layer = Cube()
    layer(x)
    assert layer.backward(np.ones_like(x), input_grad=False) is None
    with pytest.raises(ValueError, match=r"^Cube\(\): grad_output must be of the last output's"):
        layer.backward(np.ones((4, 3)))


def test_reprs_follow_pytorch():
    assert repr(LeakyReLU(negative_slope=0.01)) == "LeakyReLU(negative_slope=0.01)"
    assert repr(LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(Softmax(dim=-1)) == repr(Softmax()) == "Softmax(dim=-1)"
    assert repr(Softmax(dim=1)) == "Softmax(dim=1)"
    assert [repr(cls()) for cls in (Sigmoid, Tanh, ReLU)] == ["Sigmoid()", "Tanh()", "ReLU()"]


@pytest.mark.parametrize("make", ALL_LAYERS, ids=ALL_IDS)
def test_activations_have_no_parameters_and_an_empty_state(make):
    layer = make()
    assert layer.parameters() == [] and layer.state_dict() == {}


@pytest.mark.parametrize("shape, dim", [((2, 0), -1), ((0, 3), 0), ((4, 0, 2), 1), ((0,), 0)])
def test_softmax_over_zero_classes_is_a_clear_error(shape, dim):
    with pytest.raises(ValueError, match=re.escape(f"Softmax(dim={dim}): x must be non-empty along "
                                                   f"dim={dim} (zero entries cannot sum to 1), got "
                                                   f"shape {shape}")):
        Softmax(dim=dim)(np.zeros(shape))


def test_softmax_over_an_empty_batch_is_an_empty_batch():
    layer = Softmax()
    assert layer(np.zeros((0, 3))).shape == (0, 3)
    assert layer.backward(np.zeros((0, 3))).shape == (0, 3)
