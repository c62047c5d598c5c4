"""Conv2d, MaxPool2d, AvgPool2d, Flatten and conv_output_size (chapter 12): values against naive loops
and (when installed) PyTorch, gradients against finite differences, dtypes, shapes, state and errors."""
import itertools
import tracemalloc

import numpy as np
import pytest

from nnlib import AvgPool2d, Conv2d, Flatten, MaxPool2d, conv_output_size, gradcheck, gradient_errors

# (N, C_in, H, W), C_out, kernel_size, stride, padding: strides 1, 2 and 3, padding 0, 1 and 2, odd and
# non-square sizes and kernels, a batch of one, one channel in and out, per-direction stride/padding.
CONV_CASES = [
    ((2, 3, 7, 5), 4, (3, 2), 1, 0),
    ((2, 3, 7, 5), 4, (3, 2), 2, 1),
    ((1, 1, 7, 5), 1, (3, 2), 1, 2),
    ((1, 1, 7, 5), 1, (3, 2), 2, 0),
    ((1, 1, 6, 6), 1, 3, 2, 0),
    ((2, 2, 8, 9), 3, (4, 3), (3, 2), (2, 1)),
    ((1, 2, 5, 4), 3, 1, 1, 0),
    ((2, 1, 3, 3), 2, 5, 1, 1),
    ((1, 2, 6, 7), 2, (2, 3), (2, 1), (0, 2)),
    ((1, 3, 4, 4), 2, 4, 1, 0),
    ((2, 2, 5, 5), 2, 3, 3, 2),
]
# (N, C, H, W), kernel_size, stride: side by side, overlapping (stride < kernel), non-square, uneven sizes.
POOL_CASES = [
    ((2, 3, 6, 6), 2, None),
    ((2, 3, 7, 5), 2, None),
    ((1, 2, 8, 8), 3, 1),
    ((2, 1, 9, 7), 3, 2),
    ((1, 2, 7, 7), (3, 2), (1, 2)),
    ((1, 1, 5, 6), (2, 3), None),
    ((1, 1, 4, 4), 1, None),
    ((1, 2, 5, 5), 5, None),
]


def naive_conv(x, weight, bias, stride, padding):
    """Forward by the definition, with a loop over every output entry."""
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    y = np.zeros((N, O, Ho, Wo))
    for n, o, h, w in itertools.product(range(N), range(O), range(Ho), range(Wo)):
        y[n, o, h, w] = np.sum(weight[o] * xp[n, :, sh * h:sh * h + kh, sw * w:sw * w + kw]) + bias[o]
    return y


def naive_conv_backward(x, weight, grad, stride, padding):
    """Backward by the chain rule, scattering each output's gradient into its window, one at a time."""
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(weight), np.zeros(O)
    for n, o, h, w in itertools.product(*(range(d) for d in grad.shape)):
        g = grad[n, o, h, w]
        dxp[n, :, sh * h:sh * h + kh, sw * w:sw * w + kw] += g * weight[o]
        dw[o] += g * xp[n, :, sh * h:sh * h + kh, sw * w:sw * w + kw]
        db[o] += g
    return dxp[:, :, ph:ph + H, pw:pw + W], dw, db


def naive_pool(x, kernel, stride, kind):
    """(output, input gradient for an all-ones upstream gradient) of max or average pooling, by loops."""
    (kh, kw), (sh, sw) = kernel, stride
    N, C, H, W = x.shape
    Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
    y, dx = np.zeros((N, C, Ho, Wo)), np.zeros_like(x)
    for n, c, h, w in itertools.product(range(N), range(C), range(Ho), range(Wo)):
        window = x[n, c, sh * h:sh * h + kh, sw * w:sw * w + kw]
        if kind == "max":
            y[n, c, h, w] = window.max()
            i, j = np.unravel_index(np.argmax(window), window.shape)      # the first maximum
            dx[n, c, sh * h + i, sw * w + j] += 1
        else:
            y[n, c, h, w] = window.mean()
            dx[n, c, sh * h:sh * h + kh, sw * w:sw * w + kw] += 1 / (kh * kw)
    return y, dx


def make_conv(case, rng, dtype=np.float64):
    shape, out_channels, kernel_size, stride, padding = case
    layer = Conv2d(shape[1], out_channels, kernel_size, stride, padding, rng=rng, dtype=dtype)
    layer.bias.data[:] = rng.normal(size=out_channels)
    return layer, rng.normal(size=shape).astype(dtype)


def distinct(shape, rng):
    """A random permutation of 0, 1/n, 2/n, ...: no two values closer than 1/n, so no near-ties."""
    n = int(np.prod(shape))
    return rng.permutation(n).reshape(shape) / n


# -- output size ------------------------------------------------------------------------------------

def test_output_size_formula_counts_the_window_positions():
    for size, k, s, p in itertools.product(range(0, 14), range(1, 7), range(1, 5), range(0, 4)):
        positions = sum(1 for t in range(size + 2 * p) if s * t + k <= size + 2 * p)
        assert max(conv_output_size(size, k, s, p), 0) == positions


@pytest.mark.parametrize("H, W, k, s, p", [(H, W, k, s, p) for H, W, k, s, p in
                                           itertools.product([1, 4, 7], [2, 5, 8], [1, 2, 3], [1, 2, 3], [0, 1, 2])
                                           if k <= H + 2 * p and k <= W + 2 * p])
def test_conv_and_pool_output_shapes_follow_the_formula(H, W, k, s, p):
    layer = Conv2d(2, 3, k, stride=s, padding=p, rng=0)
    y = layer(np.zeros((2, 2, H, W)))
    assert y.shape == (2, 3, conv_output_size(H, k, s, p), conv_output_size(W, k, s, p))
    assert layer.backward(np.ones_like(y)).shape == (2, 2, H, W)
    if k <= H and k <= W:
        for pool in (MaxPool2d(k, s), AvgPool2d(k, s)):
            z = pool(np.zeros((2, 2, H, W)))
            assert z.shape == (2, 2, conv_output_size(H, k, s), conv_output_size(W, k, s))
            assert pool.backward(np.ones_like(z)).shape == (2, 2, H, W)


def test_rectangular_kernel_stride_and_padding_shapes():
    layer = Conv2d(1, 1, (3, 1), stride=(1, 2), padding=(0, 1), rng=0)
    assert layer(np.zeros((1, 1, 7, 5))).shape == (1, 1, 5, 4)


# -- Conv2d values and gradients --------------------------------------------------------------------

@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_forward_and_backward_equal_naive_loops(case):
    rng = np.random.default_rng(1)
    layer, x = make_conv(case, rng)
    y = layer(x)
    grad = rng.normal(size=y.shape)
    dx = layer.backward(grad)
    dx_ref, dw_ref, db_ref = naive_conv_backward(x, layer.weight.data, grad, layer.stride, layer.padding)
    np.testing.assert_allclose(y, naive_conv(x, layer.weight.data, layer.bias.data, layer.stride, layer.padding),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, dw_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, db_ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_gradients_pass_gradcheck(case):
    layer, x = make_conv(case, np.random.default_rng(2))
    errors = gradient_errors(layer, x)
    assert set(errors) == {"input", "weight", "bias"}
    assert max(errors.values()) < 1e-7, errors


def test_conv_without_bias_has_only_a_weight():
    rng = np.random.default_rng(3)
    layer = Conv2d(2, 3, 3, padding=1, bias=False, rng=rng)
    assert layer.bias is None and [name for name, _ in layer.named_parameters()] == ["weight"]
    assert list(layer.state_dict()) == ["weight"]
    x = rng.normal(size=(2, 2, 5, 4))
    np.testing.assert_allclose(layer(x), naive_conv(x, layer.weight.data, np.zeros(3), (1, 1), (1, 1)), atol=1e-12)
    assert gradcheck(layer, x) < 1e-7


def test_conv_gradients_accumulate_and_input_is_not_modified():
    rng = np.random.default_rng(4)
    layer, x = make_conv(CONV_CASES[1], rng)
    x_before = x.copy()
    grad = rng.normal(size=layer(x).shape)
    grad_before = grad.copy()
    layer.backward(grad)
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer(x)
    layer.backward(grad)
    np.testing.assert_allclose(layer.weight.grad, 2 * once[0], rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, 2 * once[1], rtol=1e-12)
    assert np.array_equal(x, x_before) and np.array_equal(grad, grad_before)


def test_conv_accepts_non_contiguous_input():
    rng = np.random.default_rng(5)
    layer = Conv2d(3, 2, 3, padding=1, rng=rng)
    base = rng.normal(size=(6, 2, 3, 9))
    x = base.transpose(1, 2, 0, 3)[:, :, ::2, ::2]          # (2, 3, 3, 5), not contiguous
    np.testing.assert_allclose(layer(x), layer(np.ascontiguousarray(x)), rtol=0, atol=0)


def test_conv_is_translation_equivariant():
    rng = np.random.default_rng(6)
    layer = Conv2d(2, 3, (3, 2), rng=rng)
    x = rng.normal(size=(1, 2, 8, 9))
    shifted = np.zeros_like(x)
    shifted[:, :, 2:, 1:] = x[:, :, :-2, :-1]
    np.testing.assert_allclose(layer(shifted)[:, :, 4:, 2:], layer(x)[:, :, 2:-2, 1:-1], rtol=0, atol=1e-12)


# -- initialization, repr, state --------------------------------------------------------------------

def test_he_uniform_initialization_and_zero_bias():
    layer = Conv2d(32, 64, (3, 5), rng=0)
    bound = np.sqrt(6 / (32 * 3 * 5))
    w = layer.weight.data
    assert w.shape == (64, 32, 3, 5) and np.abs(w).max() <= bound
    assert abs(w.var() / (2 / (32 * 3 * 5)) - 1) < 0.03 and abs(w.mean()) < 0.01 * bound
    assert layer.bias.shape == (64,) and not layer.bias.data.any()


def test_seeds_and_generators_make_initialization_reproducible():
    a, b = Conv2d(2, 3, 3, rng=7), Conv2d(2, 3, 3, rng=np.random.default_rng(7))
    assert np.array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, Conv2d(2, 3, 3, rng=8).weight.data)


def test_reprs_follow_pytorch():
    assert repr(Conv2d(3, 8, 3)) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), bias=True)"
    assert repr(Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), bias=False)) == \
        "Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), bias=False)"
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2)"
    assert repr(AvgPool2d((2, 3), stride=1)) == "AvgPool2d(kernel_size=(2, 3), stride=1)"
    assert repr(Flatten()) == "Flatten()"


def test_state_dict_keys_and_round_trip():
    layer = Conv2d(2, 4, 3, rng=0)
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"]
    assert state["weight"].shape == (4, 2, 3, 3) and state["bias"].shape == (4,)
    other = Conv2d(2, 4, 3, rng=1)
    other.load_state_dict(state)
    x = np.random.default_rng(0).normal(size=(1, 2, 5, 5))
    assert np.array_equal(other(x), layer(x))
    assert MaxPool2d(2).state_dict() == {} and Flatten().parameters() == []


# -- dtypes -----------------------------------------------------------------------------------------

def test_float32_in_float32_out_and_gradients():
    rng = np.random.default_rng(8)
    for case in CONV_CASES[:3]:
        layer, x = make_conv(case, rng, dtype=np.float32)
        y = layer(x)
        dx = layer.backward(rng.normal(size=y.shape).astype(np.float32))
        assert y.dtype == dx.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32
        reference = naive_conv(x.astype(np.float64), layer.weight.data.astype(np.float64),
                               layer.bias.data.astype(np.float64), layer.stride, layer.padding)
        np.testing.assert_allclose(y, reference, rtol=1e-5, atol=1e-5)
    x = rng.normal(size=(2, 3, 6, 6)).astype(np.float32)
    for layer in (MaxPool2d(2), AvgPool2d(3, 1), Flatten()):
        y = layer(x)
        assert y.dtype == np.float32 and layer.backward(np.ones_like(y)).dtype == np.float32


def test_input_gradient_has_the_inputs_dtype_whatever_the_upstream_gradients_dtype():
    x = np.random.default_rng(16).normal(size=(2, 3, 6, 6)).astype(np.float32)
    for layer in (Conv2d(3, 2, 3, rng=0, dtype=np.float32), MaxPool2d(2), AvgPool2d(3, 1)):
        y = layer(x)
        assert layer.backward(np.ones(y.shape)).dtype == np.float32


def test_conv_converted_with_to_computes_in_the_new_dtype():
    layer = Conv2d(1, 2, 3, rng=0).to(np.float32)
    y = layer(np.ones((1, 1, 4, 4), dtype=np.float32))
    assert y.dtype == np.float32 and layer.backward(y).dtype == np.float32


# -- pooling ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, kernel_size, stride", POOL_CASES, ids=str)
def test_pooling_equals_naive_loops(shape, kernel_size, stride):
    x = distinct(shape, np.random.default_rng(9))
    for layer, kind in ((MaxPool2d(kernel_size, stride), "max"), (AvgPool2d(kernel_size, stride), "avg")):
        y_ref, dx_ref = naive_pool(x, layer._kernel, layer._stride, kind)
        y = layer(x)
        np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-15)
        np.testing.assert_allclose(layer.backward(np.ones_like(y)), dx_ref, rtol=0, atol=1e-15)


@pytest.mark.parametrize("shape, kernel_size, stride", POOL_CASES, ids=str)
def test_pooling_gradients_pass_gradcheck(shape, kernel_size, stride):
    x = distinct(shape, np.random.default_rng(10))
    assert gradcheck(MaxPool2d(kernel_size, stride), x) < 1e-7
    assert gradcheck(AvgPool2d(kernel_size, stride), x) < 1e-7


@pytest.mark.parametrize("kernel_size, stride", [(2, None), (2, 1), (3, 1), (3, 2), ((2, 3), (1, 2))])
def test_max_pool_sends_each_windows_gradient_to_exactly_its_first_maximum(kernel_size, stride):
    rng = np.random.default_rng(11)
    x = rng.integers(0, 3, size=(2, 2, 7, 8)).astype(float)           # many exact ties
    x[0, 0] = 1.0                                                      # a constant channel: all tie
    layer = MaxPool2d(kernel_size, stride)
    y = layer(x)
    # one window at a time: a one-hot upstream gradient must reach exactly one input element,
    # the first maximum of that window in row-major order
    (kh, kw), (sh, sw) = layer._kernel, layer._stride
    for n, c, h, w in itertools.product(*(range(d) for d in y.shape)):
        grad = np.zeros_like(y)
        grad[n, c, h, w] = 1.0
        dx = layer.backward(grad)
        window = x[n, c, sh * h:sh * h + kh, sw * w:sw * w + kw]
        i, j = np.unravel_index(np.argmax(window), window.shape)
        assert dx.sum() == 1.0 and np.count_nonzero(dx) == 1
        assert dx[n, c, sh * h + i, sw * w + j] == 1.0
    # all windows at once: the total is the number of windows, each counted once
    assert layer.backward(np.ones_like(y)).sum() == y.size


def test_max_pool_propagates_nan_like_numpy_max():
    x = np.zeros((1, 1, 2, 2))
    x[0, 0, 1, 0] = np.nan
    assert np.isnan(MaxPool2d(2)(x)).all()


def test_pool_stride_defaults_to_kernel_size():
    assert MaxPool2d(3)._stride == (3, 3) and AvgPool2d((2, 3))._stride == (2, 3)
    assert MaxPool2d(3, stride=1)._stride == (1, 1)


# -- Flatten ----------------------------------------------------------------------------------------

def test_flatten_round_trip_and_order():
    x = np.random.default_rng(12).normal(size=(3, 2, 4, 5))
    layer = Flatten()
    y = layer(x)
    assert y.shape == (3, 40) and np.array_equal(y[2], x[2].ravel())
    assert np.array_equal(layer.backward(y), x)
    assert gradcheck(layer, x) < 1e-7
    assert Flatten()(np.zeros((0, 2, 3))).shape == (0, 6)
    assert Flatten()(np.zeros((4, 7))).shape == (4, 7)


# -- errors -----------------------------------------------------------------------------------------

CONV = r"Conv2d\(3, 8, kernel_size=\(3, 3\), stride=\(1, 1\), padding=\(0, 0\), bias=True\)"


@pytest.mark.parametrize("shape, message", [
    ((2, 1, 28, 28), r"expected input of shape \(N, 3, H, W\), got \(2, 1, 28, 28\)"),
    ((2, 3, 28), r"expected input of shape \(N, 3, H, W\), got \(2, 3, 28\)"),
    ((3, 28, 28), r"expected input of shape \(N, 3, H, W\), got \(3, 28, 28\)"),
])
def test_conv_rejects_wrong_shapes_naming_expected_and_actual(shape, message):
    with pytest.raises(ValueError, match=CONV + ": " + message):
        Conv2d(3, 8, 3)(np.zeros(shape))


def test_conv_rejects_a_kernel_larger_than_the_padded_input_naming_both():
    with pytest.raises(ValueError, match=r"the kernel \(3, 3\) is larger than the padded input \(2, 8\) "
                                         r"\(input \(2, 8\) with padding \(0, 0\)\)"):
        Conv2d(3, 8, 3)(np.zeros((1, 3, 2, 8)))
    with pytest.raises(ValueError, match=r"the kernel \(5, 2\) is larger than the padded input \(4, 6\)"):
        Conv2d(1, 1, (5, 2), padding=1)(np.zeros((1, 1, 2, 4)))
    assert Conv2d(1, 1, (5, 2), padding=1)(np.zeros((1, 1, 3, 4))).shape == (1, 1, 1, 5)


def test_conv_rejects_another_dtype():
    with pytest.raises(ValueError, match=CONV + r": expected input of dtype float64, got float32"):
        Conv2d(3, 8, 3)(np.zeros((1, 3, 5, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"expected input of dtype float32, got float64"):
        Conv2d(3, 8, 3, dtype=np.float32)(np.zeros((1, 3, 5, 5)))


def test_backward_before_forward_and_twice_are_runtime_errors():
    with pytest.raises(RuntimeError, match=CONV + r": backward\(\) was called before forward\(\)"):
        Conv2d(3, 8, 3).backward(np.zeros((1, 8, 3, 3)))
    layer = Conv2d(3, 8, 3)
    layer.backward(layer(np.zeros((1, 3, 5, 5))))
    with pytest.raises(RuntimeError, match=r"backward\(\) was already called for the last forward\(\)"):
        layer.backward(np.zeros((1, 8, 3, 3)))
    for pool in (MaxPool2d(2), AvgPool2d(2)):
        with pytest.raises(RuntimeError, match=r"backward\(\) was called before forward\(\)"):
            pool.backward(np.zeros((1, 1, 2, 2)))
    with pytest.raises(RuntimeError, match=r"Flatten\(\): backward\(\) was called before forward\(\)"):
        Flatten().backward(np.zeros((1, 4)))


def test_backward_rejects_a_gradient_of_the_wrong_shape():
    layer = Conv2d(3, 8, 3)
    layer(np.zeros((2, 3, 5, 5)))
    with pytest.raises(ValueError, match=r"\.backward: expected input of shape \(2, 8, 3, 3\), got \(2, 8, 5, 5\)"):
        layer.backward(np.zeros((2, 8, 5, 5)))
    for pool in (MaxPool2d(2), AvgPool2d(2)):
        pool(np.zeros((2, 3, 4, 4)))
        with pytest.raises(ValueError, match=r"expected input of shape \(2, 3, 2, 2\), got \(2, 3, 4, 4\)"):
            pool.backward(np.zeros((2, 3, 4, 4)))


@pytest.mark.parametrize("layer", [MaxPool2d(2), AvgPool2d(2)], ids=repr)
def test_pooling_rejects_bad_inputs(layer):
    name = repr(layer).replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValueError, match=name + r": expected input of shape \(N, C, H, W\), got \(5, 64\)"):
        layer(np.zeros((5, 64)))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, C, H, W\), got list"):
        layer([[1.0]])
    with pytest.raises(ValueError, match=r"the window \(2, 2\) is larger than the input \(1, 5\)"):
        layer(np.zeros((1, 1, 1, 5)))
    with pytest.raises(ValueError, match=r"expected a floating-point input, got int64"):
        layer(np.zeros((1, 1, 4, 4), dtype=np.int64))


def test_flatten_rejects_one_dimensional_input():
    with pytest.raises(ValueError, match=r"Flatten\(\): expected input of shape \(N, \.\.\.\) with at least "
                                         r"2 dimensions, got \(5,\)"):
        Flatten()(np.zeros(5))


@pytest.mark.parametrize("arguments, message", [
    ((0, 8, 3), "in_channels must be a positive int, got 0"),
    ((3, 2.0, 3), "out_channels must be a positive int, got 2.0"),
    ((3, 8, 0), r"kernel_size must be an int or a pair of ints >= 1, got 0"),
    ((3, 8, (3, 3, 3)), r"kernel_size must be an int or a pair of ints >= 1, got \(3, 3, 3\)"),
    ((3, 8, 3, 0), "stride must be an int or a pair of ints >= 1, got 0"),
    ((3, 8, 3, 1, -1), "padding must be an int or a pair of ints >= 0, got -1"),
    ((3, 8, 3, 1, 1.5), "padding must be an int or a pair of ints >= 0, got 1.5"),
])
def test_conv_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        Conv2d(*arguments)


def test_pooling_rejects_bad_arguments():
    with pytest.raises(ValueError, match="kernel_size must be an int or a pair of ints >= 1, got 0"):
        MaxPool2d(0)
    with pytest.raises(ValueError, match=r"stride must be an int or a pair of ints >= 1, got \(1, 0\)"):
        AvgPool2d(2, (1, 0))


# -- memory -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("stride", [1, 2])
def test_forward_and_backward_need_one_column_matrix_and_buffers_of_input_and_output_size(stride):
    rng = np.random.default_rng(13)
    layer = Conv2d(8, 8, 3, stride=stride, padding=1, rng=rng, dtype=np.float32)
    x = rng.normal(size=(4, 8, 24, 24)).astype(np.float32)
    Ho = conv_output_size(24, 3, stride, 1)
    column_matrix = (8 * 9) * (4 * Ho * Ho) * 4
    padded_input = 8 * 4 * 26 * 26 * 4
    output = 8 * 4 * Ho * Ho * 4
    layer.backward(layer(x))
    tracemalloc.start()
    y = layer(x)
    layer.backward(y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # forward: padded input, columns, product, output; backward: the gradient in the product's
    # layout, the padded input gradient and the input gradient -- but no second column matrix
    assert column_matrix < peak <= column_matrix + 2 * padded_input + x.nbytes + 3 * output + 10_000


# -- PyTorch ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    layer, x = make_conv(case, rng)
    y = layer(x)
    grad = rng.normal(size=y.shape)
    dx = layer.backward(grad)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(layer.weight.data, requires_grad=True)
    bt = torch.tensor(layer.bias.data, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride=layer.stride, padding=layer.padding)
    yt.backward(torch.tensor(grad))
    for ours, theirs in [(y, yt), (dx, xt.grad), (layer.weight.grad, wt.grad), (layer.bias.grad, bt.grad)]:
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("shape, kernel_size, stride", POOL_CASES, ids=str)
def test_pooling_matches_pytorch(shape, kernel_size, stride):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(15)
    for layer, function, x in [
            (MaxPool2d(kernel_size, stride), torch.nn.functional.max_pool2d, distinct(shape, rng)),
            (MaxPool2d(kernel_size, stride), torch.nn.functional.max_pool2d,
             rng.integers(0, 2, size=shape).astype(float)),                      # exact ties
            (AvgPool2d(kernel_size, stride), torch.nn.functional.avg_pool2d, rng.normal(size=shape))]:
        y = layer(x)
        grad = rng.normal(size=y.shape)
        dx = layer.backward(grad)
        xt = torch.tensor(x, requires_grad=True)
        yt = function(xt, kernel_size, stride)
        yt.backward(torch.tensor(grad))
        np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("shape, out_channels, kernel_size, stride, padding", CONV_CASES)
def test_conv_without_input_grad_adds_the_same_parameter_gradients_and_returns_none(
        shape, out_channels, kernel_size, stride, padding):
    rng = np.random.default_rng(11)
    x = rng.normal(size=shape)
    grads = []
    for input_grad in (True, False):
        layer = Conv2d(shape[1], out_channels, kernel_size, stride=stride, padding=padding, rng=3)
        g = np.random.default_rng(12).normal(size=layer(x).shape)
        returned = layer.backward(g, input_grad=input_grad)
        assert (returned is None) == (not input_grad)
        grads.append([layer.weight.grad.copy(), layer.bias.grad.copy()])
    assert all(np.array_equal(a, b) for a, b in zip(*grads))
    with pytest.raises(RuntimeError, match="already called"):      # the column matrix is released
        layer.backward(g, input_grad=False)
