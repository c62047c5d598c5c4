"""Conv2d and conv_output_size (chapter 12): values against naive loops and (when
installed) PyTorch, gradients against finite differences, gradient accumulation, dtypes,
shapes, state, memory and errors."""
import itertools
import tracemalloc

import numpy as np
import pytest

from nnlib import Conv2d, Sequential, conv_output_size, gradcheck, gradient_errors

# (N, C_in, H, W), C_out, kernel_size, stride, padding: strides 1, 2 and 3, padding 0, 1
# and 2, odd and non-square sizes and kernels, a batch of one, one channel in and out,
# per-direction stride/padding.
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
CONV = r"Conv2d\(3, 8, kernel_size=\(3, 3\), stride=\(1, 1\), padding=\(0, 0\), bias=True\)"


def padded(x, padding):
    (ph, pw), (N, C, H, W) = padding, x.shape
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    return xp


def naive_conv(x, weight, bias, stride, padding):
    """Forward by the definition, with a loop over every output entry."""
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    xp = padded(x, padding)
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    y = np.zeros((N, O, Ho, Wo))
    for n, o, h, w in itertools.product(range(N), range(O), range(Ho), range(Wo)):
        window = xp[n, :, sh * h:sh * h + kh, sw * w:sw * w + kw]
        y[n, o, h, w] = np.sum(weight[o] * window) + bias[o]
    return y


def naive_conv_backward(x, weight, grad, stride, padding):
    """Backward by the chain rule, scattering each output's gradient into its window, one
    at a time."""
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    xp = padded(x, padding)
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(weight), np.zeros(O)
    for n, o, h, w in itertools.product(*(range(d) for d in grad.shape)):
        g = grad[n, o, h, w]
        dxp[n, :, sh * h:sh * h + kh, sw * w:sw * w + kw] += g * weight[o]
        dw[o] += g * xp[n, :, sh * h:sh * h + kh, sw * w:sw * w + kw]
        db[o] += g
    return dxp[:, :, ph:ph + H, pw:pw + W], dw, db


def make_conv(case, rng, dtype=np.float64):
    shape, out_channels, kernel_size, stride, padding = case
    layer = Conv2d(shape[1], out_channels, kernel_size, stride, padding, rng=rng,
                   dtype=dtype)
    layer.bias.data[:] = rng.normal(size=out_channels)
    return layer, rng.normal(size=shape).astype(dtype)


# -- output size ------------------------------------------------------------------------

def test_output_size_formula_counts_the_window_positions():
    for size, k, s, p in itertools.product(range(0, 14), range(1, 7), range(1, 5),
                                           range(0, 4)):
        positions = sum(1 for t in range(size + 2 * p) if s * t + k <= size + 2 * p)
        assert max(conv_output_size(size, k, s, p), 0) == positions


@pytest.mark.parametrize("H, W, k, s, p", [
    (H, W, k, s, p) for H, W, k, s, p in
    itertools.product([1, 4, 7], [2, 5, 8], [1, 2, 3], [1, 2, 3], [0, 1, 2])
    if k <= H + 2 * p and k <= W + 2 * p])
def test_conv_output_shapes_follow_the_formula(H, W, k, s, p):
    layer = Conv2d(2, 3, k, stride=s, padding=p, rng=0)
    y = layer(np.zeros((2, 2, H, W)))
    assert y.shape == (2, 3, conv_output_size(H, k, s, p), conv_output_size(W, k, s, p))
    assert layer.backward(np.ones_like(y)).shape == (2, 2, H, W)


def test_rectangular_kernel_stride_and_padding_shapes():
    layer = Conv2d(1, 1, (3, 1), stride=(1, 2), padding=(0, 1), rng=0)
    assert layer(np.zeros((1, 1, 7, 5))).shape == (1, 1, 5, 4)


# -- values and gradients ---------------------------------------------------------------

@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_forward_and_backward_equal_naive_loops(case):
    rng = np.random.default_rng(1)
    layer, x = make_conv(case, rng)
    y = layer(x)
    grad = rng.normal(size=y.shape)
    dx = layer.backward(grad)
    w, b, stride, padding = layer.weight.data, layer.bias.data, layer.stride, layer.padding
    dx_ref, dw_ref, db_ref = naive_conv_backward(x, w, grad, stride, padding)
    np.testing.assert_allclose(y, naive_conv(x, w, b, stride, padding), rtol=0, atol=1e-12)
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
    reference = naive_conv(x, layer.weight.data, np.zeros(3), (1, 1), (1, 1))
    np.testing.assert_allclose(layer(x), reference, atol=1e-12)
    assert gradcheck(layer, x) < 1e-7


def test_conv_accepts_non_contiguous_input():
    rng = np.random.default_rng(5)
    layer = Conv2d(3, 2, 3, padding=1, rng=rng)
    base = rng.normal(size=(6, 2, 3, 9))
    x = base.transpose(1, 2, 0, 3)[:, :, ::2, ::2]          # (2, 3, 3, 5), not contiguous
    np.testing.assert_allclose(layer(x), layer(np.ascontiguousarray(x)), rtol=0, atol=0)
    y = layer(x)
    grad = np.asfortranarray(rng.normal(size=y.shape))        # not C-contiguous either
    np.testing.assert_allclose(layer.backward(grad),
                               naive_conv_backward(x, layer.weight.data, grad, (1, 1),
                                                   (1, 1))[0], rtol=0, atol=1e-12)


def test_conv_is_translation_equivariant():
    rng = np.random.default_rng(6)
    layer = Conv2d(2, 3, (3, 2), rng=rng)
    x = rng.normal(size=(1, 2, 8, 9))
    shifted = np.zeros_like(x)
    shifted[:, :, 2:, 1:] = x[:, :, :-2, :-1]
    np.testing.assert_allclose(layer(shifted)[:, :, 4:, 2:], layer(x)[:, :, 2:-2, 1:-1],
                               rtol=0, atol=1e-12)


# -- gradients: None, accumulation, input_grad ------------------------------------------

def test_gradients_are_none_before_a_backward_pass_then_written_then_added():
    rng = np.random.default_rng(4)
    layer, x = make_conv(CONV_CASES[1], rng)
    assert layer.weight.grad is None and layer.bias.grad is None
    x_before = x.copy()
    grad = rng.normal(size=layer(x).shape)
    grad_before = grad.copy()
    layer.backward(grad)
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer(x)
    layer.backward(grad)
    assert np.array_equal(layer.weight.grad, 2 * once[0])
    assert np.array_equal(layer.bias.grad, 2 * once[1])
    assert np.array_equal(x, x_before) and np.array_equal(grad, grad_before)


def test_zero_grad_sets_none_or_fills_zeros_in_place():
    rng = np.random.default_rng(17)
    layer, x = make_conv(CONV_CASES[0], rng)
    layer.backward(np.ones_like(layer(x)))
    weight_grad = layer.weight.grad
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad is weight_grad and not weight_grad.any()
    assert not layer.bias.grad.any()
    layer.backward(np.ones_like(layer(x)))             # adds into the zeroed arrays
    assert layer.weight.grad is weight_grad and weight_grad.any()
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_without_input_grad_the_same_parameter_gradients_and_none_are_returned(case):
    shape, out_channels, kernel_size, stride, padding = case
    x = np.random.default_rng(11).normal(size=shape)
    grads = []
    for input_grad in (True, False):
        layer = Conv2d(shape[1], out_channels, kernel_size, stride=stride,
                       padding=padding, rng=3)
        g = np.random.default_rng(12).normal(size=layer(x).shape)
        returned = layer.backward(g, input_grad=input_grad)
        assert (returned is None) == (not input_grad)
        grads.append([layer.weight.grad.copy(), layer.bias.grad.copy()])
    assert all(np.array_equal(a, b) for a, b in zip(*grads))
    with pytest.raises(RuntimeError, match="already called"):  # the columns are released
        layer.backward(g, input_grad=False)


def test_a_model_asks_its_first_convolution_for_no_input_gradient():
    rng = np.random.default_rng(18)
    first, second = Conv2d(1, 2, 3, padding=1, rng=rng), Conv2d(2, 1, 3, rng=rng)
    model = Sequential(first, second)
    x = rng.normal(size=(2, 1, 5, 5))
    assert model.backward(np.ones_like(model(x))) is None
    assert first.weight.grad is not None and second.weight.grad is not None
    reference_first = Conv2d(1, 2, 3, padding=1, rng=0)
    reference_first.weight.data[...] = first.weight.data
    reference = Sequential(reference_first, second)
    second.zero_grad()
    dx = reference.backward(np.ones_like(reference(x)), input_grad=True)
    assert dx.shape == x.shape
    assert np.array_equal(reference_first.weight.grad, first.weight.grad)


# -- initialization, repr, state ---------------------------------------------------------

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


def test_numpy_integers_are_accepted_as_sizes():
    layer = Conv2d(np.int64(2), np.int32(3), (np.int64(3), 2), stride=np.int8(2))
    assert (layer.in_channels, layer.out_channels) == (2, 3)
    assert layer.kernel_size == (3, 2) and layer.stride == (2, 2)
    assert type(layer.in_channels) is int and type(layer.kernel_size[0]) is int


def test_reprs_follow_pytorch():
    assert repr(Conv2d(3, 8, 3)) == ("Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), "
                                     "padding=(0, 0), bias=True)")
    assert repr(Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), bias=False)) == \
        "Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), bias=False)"


def test_state_dict_keys_and_round_trip():
    layer = Conv2d(2, 4, 3, rng=0)
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"]
    assert state["weight"].shape == (4, 2, 3, 3) and state["bias"].shape == (4,)
    other = Conv2d(2, 4, 3, rng=1)
    other.load_state_dict(state)
    x = np.random.default_rng(0).normal(size=(1, 2, 5, 5))
    assert np.array_equal(other(x), layer(x))


# -- dtypes -----------------------------------------------------------------------------

def test_float32_in_float32_out_and_gradients():
    rng = np.random.default_rng(8)
    for case in CONV_CASES[:3]:
        layer, x = make_conv(case, rng, dtype=np.float32)
        y = layer(x)
        dx = layer.backward(rng.normal(size=y.shape).astype(np.float32))
        assert y.dtype == dx.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype
        assert y.dtype == np.float32
        f64 = [a.astype(np.float64) for a in (x, layer.weight.data, layer.bias.data)]
        reference = naive_conv(*f64, layer.stride, layer.padding)
        np.testing.assert_allclose(y, reference, rtol=1e-5, atol=1e-5)


def test_conv_converted_with_to_computes_in_the_new_dtype():
    layer = Conv2d(1, 2, 3, rng=0).to(np.float32)
    y = layer(np.ones((1, 1, 4, 4), dtype=np.float32))
    assert y.dtype == np.float32 and layer.backward(y).dtype == np.float32


# -- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 1, 28, 28), (2, 3, 28), (3, 28, 28)])
def test_conv_rejects_wrong_shapes_naming_expected_and_actual(shape):
    got = str(shape).replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValueError, match=rf"^{CONV}: x must be of shape \(N, 3, H, W\), "
                                         rf"got {got}$"):
        Conv2d(3, 8, 3)(np.zeros(shape))


def test_conv_rejects_what_is_not_an_array_with_a_type_error():
    with pytest.raises(TypeError, match=CONV + r": x must be a NumPy array, got list"):
        Conv2d(3, 8, 3)([[[[0.0]]]])


def test_conv_rejects_a_kernel_larger_than_the_padded_input_naming_both():
    with pytest.raises(ValueError, match=r"x must be at least as high and wide as the kernel "
                                         r"\(3, 3\), got height and width \(2, 8\); use a "
                                         r"smaller kernel_size or a larger input$"):
        Conv2d(3, 8, 3)(np.zeros((1, 3, 2, 8)))
    with pytest.raises(ValueError, match=r"the kernel \(5, 2\), got height and width "
                                         r"\(2, 4\), padded \(4, 6\)"):
        Conv2d(1, 1, (5, 2), padding=1)(np.zeros((1, 1, 2, 4)))
    assert Conv2d(1, 1, (5, 2), padding=1)(np.zeros((1, 1, 3, 4))).shape == (1, 1, 1, 5)


def test_conv_rejects_another_dtype_naming_both_fixes():
    with pytest.raises(ValueError, match=CONV + r": x must be float64, got float32; convert "
                       r"it with x.astype\(np.float64\), or the layer with .to\(np.float32\)"):
        Conv2d(3, 8, 3)(np.zeros((1, 3, 5, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"x must be float32, got float64"):
        Conv2d(3, 8, 3, dtype=np.float32)(np.zeros((1, 3, 5, 5)))


def test_backward_before_forward_and_twice_are_runtime_errors():
    with pytest.raises(RuntimeError, match=CONV + r": backward\(\) was called before "
                                                  r"forward\(\)"):
        Conv2d(3, 8, 3).backward(np.zeros((1, 8, 3, 3)))
    layer = Conv2d(3, 8, 3)
    layer.backward(layer(np.zeros((1, 3, 5, 5))))
    with pytest.raises(RuntimeError, match=CONV + r": backward\(\) was already called for "
                                                  r"the last forward\(\)"):
        layer.backward(np.zeros((1, 8, 3, 3)))


def test_backward_rejects_a_gradient_of_the_wrong_shape_dtype_or_type():
    layer = Conv2d(3, 8, 3)
    layer(np.zeros((2, 3, 5, 5)))
    with pytest.raises(ValueError, match=CONV + r": grad_output must be of the last output's "
                       r"shape \(2, 8, 3, 3\), dtype float64, got \(2, 8, 5, 5\) and float64"):
        layer.backward(np.zeros((2, 8, 5, 5)))
    with pytest.raises(ValueError, match=r"got \(2, 8, 3, 3\) and float32"):
        layer.backward(np.zeros((2, 8, 3, 3), np.float32))
    with pytest.raises(TypeError, match=r"grad_output must be a NumPy array, got float"):
        layer.backward(1.0)
    assert layer.backward(np.zeros((2, 8, 3, 3))).shape == (2, 3, 5, 5)  # still usable


@pytest.mark.parametrize("arguments, error, message", [
    ((0, 8, 3), ValueError, r"^Conv2d: in_channels must be a positive integer, got 0$"),
    ((3, 2.0, 3), TypeError, "out_channels must be a positive integer, got 2.0"),
    ((True, 8, 3), TypeError, "in_channels must be a positive integer, got True"),
    ((3, 8, 0), ValueError, r"kernel_size must be an int or a pair of ints >= 1, got 0"),
    ((3, 8, (3, 3, 3)), TypeError,
     r"kernel_size must be an int or a pair of ints >= 1, got \(3, 3, 3\)"),
    ((3, 8, 3, 0), ValueError, "stride must be an int or a pair of ints >= 1, got 0"),
    ((3, 8, 3, 1, -1), ValueError, "padding must be an int or a pair of ints >= 0, got -1"),
    ((3, 8, 3, 1, 1.5), TypeError, "padding must be an int or a pair of ints >= 0, got 1.5"),
    ((3, 8, 3, 1, 0, True, None, np.int32), ValueError,
     "dtype must be float32 or float64, got int32"),
])
def test_conv_rejects_bad_arguments(arguments, error, message):
    with pytest.raises(error, match=message):
        Conv2d(*arguments)


# -- memory -----------------------------------------------------------------------------

@pytest.mark.parametrize("stride", [1, 2])
def test_forward_and_backward_need_one_column_matrix_and_buffers_of_input_and_output_size(
        stride):
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
    # forward: padded input, columns, product, output; backward: the gradient in the
    # product's layout, the padded input gradient and the input gradient -- but no second
    # column matrix
    limit = column_matrix + 2 * padded_input + x.nbytes + 3 * output + 10_000
    assert column_matrix < peak <= limit


# -- PyTorch ----------------------------------------------------------------------------

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
    for ours, theirs in [(y, yt), (dx, xt.grad), (layer.weight.grad, wt.grad),
                         (layer.bias.grad, bt.grad)]:
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("arguments, error, message", [
    ((5, 3, 0), ValueError, "stride must be a positive integer, got 0"),
    ((5, 3, 1, -1), ValueError, "padding must be an integer >= 0, got -1"),
    ((5.0, 3), TypeError, "size must be an integer >= 0, got 5.0"),
])
def test_conv_output_size_checks_its_arguments(arguments, error, message):
    with pytest.raises(error, match=f"^conv_output_size: {message}$"):
        conv_output_size(*arguments)
