"""MaxPool2d and AvgPool2d (chapter 12): values and gradients against naive loops and (when
installed) PyTorch, finite differences, ties, dtypes, input_grad and errors."""
import itertools

import numpy as np
import pytest

from nnlib import AvgPool2d, MaxPool2d, conv_output_size, gradcheck

# (N, C, H, W), kernel_size, stride: side by side, overlapping (stride < kernel),
# non-square, uneven sizes.
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
POOLS = [MaxPool2d, AvgPool2d]


def naive_pool(x, kernel, stride, kind):
    """(output, input gradient for an all-ones upstream gradient) of max or average
    pooling, by loops."""
    (kh, kw), (sh, sw) = kernel, stride
    N, C, H, W = x.shape
    Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
    y, dx = np.zeros((N, C, Ho, Wo)), np.zeros_like(x)
    for n, c, h, w in itertools.product(range(N), range(C), range(Ho), range(Wo)):
        window = x[n, c, sh * h:sh * h + kh, sw * w:sw * w + kw]
        if kind == "max":
            y[n, c, h, w] = window.max()
            i, j = np.unravel_index(np.argmax(window), window.shape)   # the first maximum
            dx[n, c, sh * h + i, sw * w + j] += 1
        else:
            y[n, c, h, w] = window.mean()
            dx[n, c, sh * h:sh * h + kh, sw * w:sw * w + kw] += 1 / (kh * kw)
    return y, dx


def distinct(shape, rng):
    """A random permutation of 0, 1/n, 2/n, ...: no two values closer than 1/n, so no
    near-ties."""
    n = int(np.prod(shape))
    return rng.permutation(n).reshape(shape) / n


def escaped(layer):
    return repr(layer).replace("(", r"\(").replace(")", r"\)")


@pytest.mark.parametrize("H, W, k, s", [(H, W, k, s) for H, W, k, s in
                                        itertools.product([1, 4, 7], [2, 5, 8], [1, 2, 3],
                                                          [1, 2, 3])
                                        if k <= H and k <= W])
def test_pool_output_shapes_follow_the_formula(H, W, k, s):
    for pool in (MaxPool2d(k, s), AvgPool2d(k, s)):
        z = pool(np.zeros((2, 2, H, W)))
        assert z.shape == (2, 2, conv_output_size(H, k, s), conv_output_size(W, k, s))
        assert pool.backward(np.ones_like(z)).shape == (2, 2, H, W)


@pytest.mark.parametrize("shape, kernel_size, stride", POOL_CASES, ids=str)
def test_pooling_equals_naive_loops(shape, kernel_size, stride):
    x = distinct(shape, np.random.default_rng(9))
    for layer, kind in ((MaxPool2d(kernel_size, stride), "max"),
                        (AvgPool2d(kernel_size, stride), "avg")):
        y_ref, dx_ref = naive_pool(x, layer._kernel, layer._stride, kind)
        y = layer(x)
        np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-15)
        np.testing.assert_allclose(layer.backward(np.ones_like(y)), dx_ref, rtol=0,
                                   atol=1e-15)


@pytest.mark.parametrize("shape, kernel_size, stride", POOL_CASES, ids=str)
def test_pooling_gradients_pass_gradcheck(shape, kernel_size, stride):
    x = distinct(shape, np.random.default_rng(10))
    assert gradcheck(MaxPool2d(kernel_size, stride), x) < 1e-7
    assert gradcheck(AvgPool2d(kernel_size, stride), x) < 1e-7


@pytest.mark.parametrize("kernel_size, stride",
                         [(2, None), (2, 1), (3, 1), (3, 2), ((2, 3), (1, 2))])
def test_max_pool_sends_each_windows_gradient_to_exactly_its_first_maximum(kernel_size,
                                                                          stride):
    rng = np.random.default_rng(11)
    x = rng.integers(0, 3, size=(2, 2, 7, 8)).astype(float)           # many exact ties
    x[0, 0] = 1.0                                                      # all tie
    layer = MaxPool2d(kernel_size, stride)
    y = layer(x)
    # one window at a time: a one-hot upstream gradient must reach exactly one input
    # element, the first maximum of that window in row-major order
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


def test_reprs_follow_pytorch():
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2)"
    assert repr(AvgPool2d((2, 3), stride=1)) == "AvgPool2d(kernel_size=(2, 3), stride=1)"


def test_pools_have_no_parameters_or_state():
    assert MaxPool2d(2).state_dict() == {} and AvgPool2d(2).parameters() == []


@pytest.mark.parametrize("pool", POOLS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pools_compute_in_their_inputs_dtype(pool, dtype):
    x = np.random.default_rng(8).normal(size=(2, 3, 6, 6)).astype(dtype)
    layer = pool(2)
    y = layer(x)
    assert y.dtype == dtype and layer.backward(np.ones_like(y)).dtype == dtype


@pytest.mark.parametrize("pool", POOLS, ids=lambda p: p.__name__)
def test_without_input_grad_backward_returns_none(pool):
    layer = pool(2)
    y = layer(np.zeros((1, 1, 4, 4)))
    assert layer.backward(np.ones_like(y), input_grad=False) is None
    assert layer.backward(np.ones_like(y)).shape == (1, 1, 4, 4)


# -- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("pool", POOLS, ids=lambda p: p.__name__)
def test_pooling_rejects_bad_inputs(pool):
    layer = pool(2)
    with pytest.raises(ValueError, match=rf"^{escaped(layer)}: x must be of shape "
                                         r"\(N, C, H, W\), got \(5, 64\)$"):
        layer(np.zeros((5, 64)))
    with pytest.raises(TypeError, match=r"x must be a NumPy array, got list"):
        layer([[1.0]])
    with pytest.raises(ValueError, match=r"x must be at least as high and wide as the "
                                         r"kernel \(2, 2\), got height and width \(1, 5\)"):
        layer(np.zeros((1, 1, 1, 5)))
    with pytest.raises(ValueError, match=r"x must be float32 or float64, got int64"):
        layer(np.zeros((1, 1, 4, 4), dtype=np.int64))


@pytest.mark.parametrize("pool", POOLS, ids=lambda p: p.__name__)
def test_backward_before_forward_is_a_runtime_error(pool):
    with pytest.raises(RuntimeError, match=r"backward\(\) was called before forward\(\)"):
        pool(2).backward(np.zeros((1, 1, 2, 2)))


@pytest.mark.parametrize("pool", POOLS, ids=lambda p: p.__name__)
def test_backward_rejects_a_gradient_of_the_wrong_shape_or_dtype(pool):
    layer = pool(2)
    layer(np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=rf"^{escaped(layer)}: grad_output must be of the "
                       r"last output's shape \(2, 3, 2, 2\), dtype float64, got "
                       r"\(2, 3, 4, 4\) and float64$"):
        layer.backward(np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"got \(2, 3, 2, 2\) and float32"):
        layer.backward(np.zeros((2, 3, 2, 2), np.float32))
    with pytest.raises(ValueError, match=r"got \(2, 3, 4, 4\) and float64"):
        layer.backward(np.zeros((2, 3, 4, 4)), input_grad=False)   # checked all the same


def test_pooling_rejects_bad_arguments():
    with pytest.raises(ValueError, match="^MaxPool2d: kernel_size must be an int or a pair "
                                         "of ints >= 1, got 0$"):
        MaxPool2d(0)
    with pytest.raises(ValueError, match=r"^AvgPool2d: stride must be an int or a pair of "
                                         r"ints >= 1, got \(1, 0\)$"):
        AvgPool2d(2, (1, 0))
    with pytest.raises(TypeError, match=r"kernel_size must be an int or a pair of ints "
                                        r">= 1, got 2.0"):
        MaxPool2d(2.0)


# -- PyTorch ----------------------------------------------------------------------------

@pytest.mark.parametrize("shape, kernel_size, stride", POOL_CASES, ids=str)
def test_pooling_matches_pytorch(shape, kernel_size, stride):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(15)
    max_pool2d, avg_pool2d = torch.nn.functional.max_pool2d, torch.nn.functional.avg_pool2d
    for layer, function, x in [
            (MaxPool2d(kernel_size, stride), max_pool2d, distinct(shape, rng)),
            (MaxPool2d(kernel_size, stride), max_pool2d,
             rng.integers(0, 2, size=shape).astype(float)),                  # exact ties
            (AvgPool2d(kernel_size, stride), avg_pool2d, rng.normal(size=shape))]:
        y = layer(x)
        grad = rng.normal(size=y.shape)
        dx = layer.backward(grad)
        xt = torch.tensor(x, requires_grad=True)
        yt = function(xt, kernel_size, stride)
        yt.backward(torch.tensor(grad))
        np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-10)
