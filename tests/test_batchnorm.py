"""BatchNorm1d and BatchNorm2d (chapter 11): gradients in both modes, PyTorch's running
statistics, the evaluation mode, accumulation and input_grad, dtypes, errors, state, and (if
torch is installed) agreement with torch."""
import numpy as np
import pytest

from nnlib import BatchNorm1d, BatchNorm2d, Linear, Sequential, gradient_errors, relative_error


def randomized(layer, seed):
    """gamma and beta away from 1 and 0."""
    if layer.affine:
        rng = np.random.default_rng(seed)
        layer.weight.data[...] = rng.uniform(0.5, 2.0, size=layer.num_features)
        layer.bias.data[...] = rng.normal(size=layer.num_features)
    return layer


def channel_axes(x):
    return (0,) + tuple(range(2, x.ndim))


def per_channel(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def reference_forward(x, gamma, beta, mean, var, eps=1e-5):
    return per_channel(gamma, x.ndim) * (x - per_channel(mean, x.ndim)) / np.sqrt(
        per_channel(var, x.ndim) + eps) + per_channel(beta, x.ndim)


def naive_backward(x, g, gamma, eps=1e-5):
    """The step-by-step backward pass through mu, d, var, sigma, x_hat (chapter 11), any
    layout."""
    axes, n = channel_axes(x), x.size // x.shape[1]
    pc = lambda v: per_channel(v, x.ndim)                       # noqa: E731
    mu = x.mean(axis=axes)
    d = x - pc(mu)
    var = (d**2).mean(axis=axes)
    sigma = np.sqrt(var + eps)
    x_hat = d / pc(sigma)
    dx_hat = pc(gamma) * g
    dsigma = -(dx_hat * d / pc(sigma) ** 2).sum(axis=axes)
    dd = dx_hat / pc(sigma) + pc(dsigma / (2 * sigma)) * 2 * d / n
    dx = dd - pc(dd.sum(axis=axes)) / n
    return dx, (g * x_hat).sum(axis=axes), g.sum(axis=axes)


CASES = [  # (factory, input shape); a batch of 2 needs a large eps to give the gradient a size
    (lambda: BatchNorm1d(3, eps=1.0), (2, 3)),
    (lambda: BatchNorm1d(1), (5, 1)),
    (lambda: BatchNorm1d(5), (7, 5)),
    (lambda: BatchNorm1d(4, affine=False), (6, 4)),
    (lambda: BatchNorm1d(3, track_running_stats=False), (9, 3)),
    (lambda: BatchNorm2d(3), (1, 3, 3, 5)),
    (lambda: BatchNorm2d(2), (4, 2, 5, 2)),
    (lambda: BatchNorm2d(1, affine=False), (3, 1, 2, 7)),
    (lambda: BatchNorm2d(2, eps=1.0), (2, 2, 1, 1)),
]


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_gradients_match_finite_differences(case, mode):
    make, shape = CASES[case]
    layer = randomized(make(), seed=case)
    rng = np.random.default_rng(100 + case)
    if mode == "eval":
        for _ in range(3):
            layer(rng.normal(loc=2.0, scale=3.0, size=shape))
        layer.eval()
    errors = gradient_errors(layer, rng.normal(loc=1.0, scale=2.0, size=shape))
    assert set(errors) == ({"input", "weight", "bias"} if layer.affine else {"input"})
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("layer_class, shape",
                         [(BatchNorm1d, (1, 3)), (BatchNorm2d, (1, 3, 1, 1))])
def test_evaluation_mode_gradients_for_a_single_sample(layer_class, shape):
    rng = np.random.default_rng(10)
    layer = randomized(layer_class(3), seed=10)
    for _ in range(2):
        layer(rng.normal(loc=1.0, scale=2.0, size=(4,) + shape[1:]))
    layer.eval()
    assert max(gradient_errors(layer, rng.normal(size=shape)).values()) < 1e-7


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 5)])
def test_training_forward_and_backward_equal_the_formulas(shape):
    rng = np.random.default_rng(1)
    x, g = rng.normal(loc=3.0, scale=2.0, size=shape), rng.normal(size=shape)
    layer = randomized((BatchNorm1d if len(shape) == 2 else BatchNorm2d)(4), seed=1)
    gamma, beta = layer.weight.data.copy(), layer.bias.data.copy()
    axes = channel_axes(x)
    y = layer(x)
    expected = reference_forward(x, gamma, beta, x.mean(axis=axes), x.var(axis=axes))
    assert relative_error(y, expected) < 1e-13
    dx = layer.backward(g)
    dx_ref, dgamma_ref, dbeta_ref = naive_backward(x, g, gamma)
    assert relative_error(dx, dx_ref) < 1e-12
    assert relative_error(layer.weight.grad, dgamma_ref) < 1e-13
    assert relative_error(layer.bias.grad, dbeta_ref) < 1e-13
    assert abs(dx.sum(axis=axes)).max() < 1e-12 * abs(dx).max()    # the input gradient sums to 0


def test_gradients_are_none_until_a_backward_pass_then_accumulate():
    rng = np.random.default_rng(2)
    layer = randomized(BatchNorm1d(3), seed=2)
    x, g = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    assert layer.weight.grad is None and layer.bias.grad is None
    layer(x)
    assert layer.weight.grad is None                            # a forward pass adds nothing
    layer.backward(g)
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once[0], rtol=1e-14)
    np.testing.assert_allclose(layer.bias.grad, 2 * once[1], rtol=1e-14)
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None
    layer.backward(g)
    np.testing.assert_array_equal(layer.weight.grad, once[0])


def test_zero_grad_without_set_to_none_fills_zeros_in_place_and_backward_adds_to_them():
    rng = np.random.default_rng(12)
    layer = randomized(BatchNorm2d(2), seed=12)
    x, g = rng.normal(size=(3, 2, 2, 2)), rng.normal(size=(3, 2, 2, 2))
    layer(x)
    layer.backward(g)
    once, array = layer.weight.grad.copy(), layer.weight.grad
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad is array and not layer.weight.grad.any()
    layer.backward(g)
    assert layer.weight.grad is array                            # added into the same array
    np.testing.assert_array_equal(layer.weight.grad, once)


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("make, shape", [(lambda: BatchNorm1d(3), (5, 3)),
                                         (lambda: BatchNorm2d(3), (2, 3, 2, 4)),
                                         (lambda: BatchNorm1d(3, affine=False), (5, 3))])
def test_backward_without_input_grad_returns_none_and_the_same_parameter_gradients(
        make, shape, mode):
    rng = np.random.default_rng(13)
    warm, x, g = (rng.normal(size=shape) for _ in range(3))
    grads = {}
    for input_grad in (True, False):
        layer = randomized(make(), seed=13)
        layer(warm)                                   # running statistics away from 0 and 1
        getattr(layer, mode)()
        layer(x)
        returned = layer.backward(g, input_grad=input_grad)
        assert (returned is None) == (not input_grad)
        grads[input_grad] = [p.grad for p in layer.parameters()]
    for with_input, without in zip(grads[True], grads[False]):
        np.testing.assert_array_equal(with_input, without)


@pytest.mark.parametrize("layer_class, shape",
                         [(BatchNorm1d, (8, 3)), (BatchNorm2d, (2, 3, 4, 3))])
@pytest.mark.parametrize("momentum", [0.1, 0.3, 1.0])
def test_running_statistics_after_k_batches_equal_the_closed_form(layer_class, shape, momentum):
    rng = np.random.default_rng(3)
    layer = layer_class(3, momentum=momentum)
    assert np.array_equal(layer.running_mean, np.zeros(3))
    assert np.array_equal(layer.running_var, np.ones(3))
    batches = [rng.normal(loc=2.0, scale=1.5, size=shape) for _ in range(6)]
    for batch in batches:
        layer(batch)
    k, a = len(batches), momentum
    axes = channel_axes(batches[0])
    weights = [a * (1 - a) ** (k - t) for t in range(1, k + 1)]
    mean = (1 - a) ** k * 0.0 + sum(w * b.mean(axis=axes) for w, b in zip(weights, batches))
    var = (1 - a) ** k * 1.0 + sum(w * b.var(axis=axes, ddof=1)
                                   for w, b in zip(weights, batches))
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-12)


@pytest.mark.parametrize("layer_class, shape",
                         [(BatchNorm1d, (8, 3)), (BatchNorm2d, (2, 3, 4, 3))])
def test_evaluation_mode_uses_the_running_statistics(layer_class, shape):
    rng = np.random.default_rng(4)
    layer = randomized(layer_class(3), seed=4)
    for _ in range(4):
        layer(rng.normal(loc=1.0, scale=2.0, size=shape))
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    layer.eval()
    one = (1,) + shape[1:]                                           # one sample is fine
    x, g = rng.normal(size=one), rng.normal(size=one)
    expected = reference_forward(x, layer.weight.data, layer.bias.data, mean, var)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-13, atol=1e-13)
    scale = per_channel(layer.weight.data / np.sqrt(var + 1e-5), x.ndim)
    np.testing.assert_allclose(layer.backward(g), g * scale, rtol=1e-13)
    assert np.array_equal(layer.running_mean, mean) and np.array_equal(layer.running_var, var)


def test_without_running_statistics_the_batch_statistics_are_used_in_both_modes():
    rng = np.random.default_rng(5)
    layer = BatchNorm1d(2, track_running_stats=False)
    assert layer.running_mean is None and layer.running_var is None
    assert list(layer.state_dict()) == ["weight", "bias"]
    x = rng.normal(loc=4.0, size=(6, 2))
    y_train = layer(x)
    layer.eval()
    np.testing.assert_array_equal(layer(x), y_train)


def test_batchnorm2d_is_batchnorm1d_over_every_pixel():
    rng = np.random.default_rng(6)
    x, g = rng.normal(loc=2.0, size=(3, 4, 5, 2)), rng.normal(size=(3, 4, 5, 2))
    two = randomized(BatchNorm2d(4), seed=6)
    one = BatchNorm1d(4)
    one.load_state_dict(two.state_dict())
    rows = lambda a: a.transpose(0, 2, 3, 1).reshape(-1, 4)              # noqa: E731
    back = lambda a: a.reshape(3, 5, 2, 4).transpose(0, 3, 1, 2)          # noqa: E731
    np.testing.assert_allclose(two(x), back(one(rows(x))), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(two.backward(g), back(one.backward(rows(g))), rtol=1e-12,
                               atol=1e-13)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(two, name), getattr(one, name), rtol=1e-13)
    np.testing.assert_allclose(two.weight.grad, one.weight.grad, rtol=1e-12)


@pytest.mark.parametrize("layer_class, shape",
                         [(BatchNorm1d, (6, 3)), (BatchNorm2d, (2, 3, 4, 5))])
def test_float32_in_float32_out_and_float32_state(layer_class, shape):
    rng = np.random.default_rng(7)
    x, g = rng.normal(loc=1.0, size=shape), rng.normal(size=shape)
    layer32, layer64 = layer_class(3, dtype=np.float32), layer_class(3)
    y32 = layer32(x.astype(np.float32))
    dx32 = layer32.backward(g.astype(np.float32))
    for array in (y32, dx32, layer32.weight.grad, layer32.bias.grad, layer32.running_mean,
                  layer32.running_var):
        assert array.dtype == np.float32
    np.testing.assert_allclose(y32, layer64(x), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx32, layer64.backward(g), rtol=1e-3, atol=1e-4)
    layer32.eval()
    assert layer32(x.astype(np.float32)).dtype == np.float32
    assert layer32.backward(g.astype(np.float32)).dtype == np.float32


def test_to_converts_parameters_and_buffers():
    layer = BatchNorm1d(3).to(np.float32)
    assert all(a.dtype == np.float32 for a in layer.state_dict().values())
    assert layer(np.ones((2, 3), dtype=np.float32)).dtype == np.float32


def test_state_dict_round_trip():
    rng = np.random.default_rng(8)
    layer = randomized(BatchNorm2d(3), seed=8)
    for _ in range(3):
        layer(rng.normal(loc=1.0, size=(2, 3, 4, 4)))
    state = layer.state_dict()
    assert list(state) == ["weight", "bias", "running_mean", "running_var"]
    copy = BatchNorm2d(3)
    copy.load_state_dict(state)
    layer.eval()
    copy.eval()
    x = rng.normal(size=(2, 3, 4, 4))
    np.testing.assert_array_equal(copy(x), layer(x))
    state["running_mean"] += 1.0                                      # a copy, not the buffer
    assert not np.array_equal(state["running_mean"], layer.running_mean)
    with pytest.raises(ValueError, match="'running_var' has shape"):
        BatchNorm2d(3).load_state_dict({**layer.state_dict(), "running_var": np.ones(4)})
    model = Sequential(Linear(4, 3, rng=0), BatchNorm1d(3))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias",
                                        "1.running_mean", "1.running_var"]


def test_training_with_one_value_per_channel_is_refused_like_pytorch():
    message = (r"x must be a batch of more than 1 value per channel when the batch's statistics "
               r"are used \(training mode, or track_running_stats=False\), got shape \(1, 4\); "
               r"train on larger batches, or predict in evaluation mode")
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4, .*\): " + message):
        BatchNorm1d(4)(np.ones((1, 4)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm2d(2)(np.ones((1, 2, 1, 1)))
    layer = BatchNorm1d(4)
    before = layer.running_var.copy()
    with pytest.raises(ValueError):
        layer(np.ones((1, 4)))
    assert np.array_equal(layer.running_var, before)
    assert BatchNorm1d(4).eval()(np.ones((1, 4))).shape == (1, 4)        # fine in evaluation mode
    assert BatchNorm2d(2)(np.ones((1, 2, 1, 2))).shape == (1, 2, 1, 2)   # two values per channel


@pytest.mark.parametrize("layer, bad, expected", [
    (BatchNorm1d(3), np.ones((4, 2)), r"\(N, 3\), got \(4, 2\)"),
    (BatchNorm1d(3), np.ones((4, 3, 2)), r"\(N, 3\), got \(4, 3, 2\)"),
    (BatchNorm1d(3), np.ones(3), r"\(N, 3\), got \(3,\)"),
    (BatchNorm2d(3), np.ones((4, 3)), r"\(N, 3, H, W\), got \(4, 3\)"),
    (BatchNorm2d(3), np.ones((2, 4, 5, 5)), r"\(N, 3, H, W\), got \(2, 4, 5, 5\)"),
])
def test_bad_shapes_are_refused_naming_the_layer_and_both_shapes(layer, bad, expected):
    name = type(layer).__name__
    with pytest.raises(ValueError,
                       match=rf"{name}\(3, eps=1e-05.*\): x must be of shape {expected}"):
        layer(bad)


def test_bad_types_and_dtypes_are_refused():
    with pytest.raises(TypeError, match=r"BatchNorm1d\(2, .*\): x must be a NumPy array, got list; "
                                        r"convert it with np.asarray\(x\)"):
        BatchNorm1d(2)([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"x must be float64, got float32; convert it with "
                                         r"x.astype\(np.float64\), or the layer with "
                                         r"\.to\(np.float32\)"):
        BatchNorm1d(2)(np.ones((3, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="x must be float32, got float64"):
        BatchNorm1d(2, dtype=np.float32)(np.ones((3, 2)))
    with pytest.raises(ValueError, match="x must be float64, got int64"):
        BatchNorm1d(2)(np.ones((3, 2), dtype=np.int64))
    without_arrays = BatchNorm1d(2, affine=False, track_running_stats=False)
    with pytest.raises(ValueError, match="x must be float32 or float64, got int64"):
        without_arrays(np.ones((3, 2), dtype=np.int64))
    for dtype in (np.float32, np.float64):                        # either float is fine
        assert without_arrays(np.ones((3, 2), dtype=dtype)).dtype == dtype


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_bad_grad_output_is_refused(mode):
    layer = getattr(BatchNorm1d(2), mode)()
    layer(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(2, .*\): grad_output must be of the "
                                         r"last output's shape \(3, 2\), dtype float64, "
                                         r"got \(2, 3\) and float64"):
        layer.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"got \(3, 2\) and float32"):
        layer.backward(np.ones((3, 2), dtype=np.float32))
    with pytest.raises(ValueError, match=r"got \(3, 2\) and float32"):
        layer.backward(np.ones((3, 2), dtype=np.float32), input_grad=False)
    with pytest.raises(TypeError, match="grad_output must be a NumPy array, got list"):
        layer.backward([[1.0, 1.0]] * 3)


def test_a_refused_grad_output_adds_nothing_to_the_gradients():
    layer = BatchNorm1d(2)
    layer(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError):
        layer.backward(np.ones((2, 3)))
    assert layer.weight.grad is None and layer.bias.grad is None


def test_backward_before_forward_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="before forward"):
        BatchNorm2d(2).backward(np.ones((2, 2, 3, 3)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_features=0), r"num_features must be a positive integer, got 0"),
    (dict(num_features=2, eps=0), r"eps must be a real number in \(0, inf\), got 0"),
    (dict(num_features=2, eps=-1e-5), r"eps must be a real number in \(0, inf\), got -1e-05"),
    (dict(num_features=2, eps=float("nan")), r"eps must be a real number in \(0, inf\)"),
    (dict(num_features=2, momentum=1.5), r"momentum must be a real number in \[0, 1\], got 1.5"),
    (dict(num_features=2, momentum=-0.1), r"momentum must be a real number in \[0, 1\]"),
    (dict(num_features=2, dtype=np.int64), r"dtype must be float32 or float64, got int64"),
    (dict(num_features=2, dtype=np.float16), r"dtype must be float32 or float64, got float16"),
])
def test_arguments_of_the_right_type_with_a_wrong_value_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match="BatchNorm1d: " + message):
        BatchNorm1d(**kwargs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_features=2.0), r"num_features must be a positive integer, got 2.0"),
    (dict(num_features=True), r"num_features must be a positive integer, got True"),
    (dict(num_features="3"), r"num_features must be a positive integer, got '3'"),
    (dict(num_features=2, eps="1e-5"), r"eps must be a real number in \(0, inf\), got '1e-5'"),
    (dict(num_features=2, momentum=None), r"momentum must be a real number in \[0, 1\], got "
                                          r"None; nnlib has no cumulative average \(PyTorch's "
                                          r"momentum=None\)"),
    (dict(num_features=2, dtype="floaty"), r"dtype must be a NumPy dtype, got 'floaty'"),
])
def test_arguments_of_the_wrong_type_are_type_errors(kwargs, message):
    with pytest.raises(TypeError, match="BatchNorm1d: " + message):
        BatchNorm1d(**kwargs)


def test_arguments_are_stored_as_plain_python_numbers():
    layer = BatchNorm2d(np.int64(3), eps=np.float32(1e-3), momentum=1)
    assert type(layer.num_features) is int and layer.num_features == 3
    assert type(layer.eps) is float and type(layer.momentum) is float
    assert layer.weight.shape == (3,) and layer.running_var.shape == (3,)


def test_initial_values_and_repr_follow_pytorch():
    layer = BatchNorm2d(4)
    assert np.array_equal(layer.weight.data, np.ones(4))
    assert np.array_equal(layer.bias.data, np.zeros(4))
    assert repr(layer) == ("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, "
                           "track_running_stats=True)")
    assert repr(BatchNorm1d(3, eps=1e-3, momentum=0.01, affine=False)) == \
        "BatchNorm1d(3, eps=0.001, momentum=0.01, affine=False, track_running_stats=True)"
    assert BatchNorm1d(3, affine=False).parameters() == []


# -- agreement with PyTorch, if it is installed ---------------------------------------------------

@pytest.mark.parametrize("shape", [(7, 3), (2, 3), (4, 3, 5, 2), (1, 3, 2, 3)])
def test_agrees_with_torch_in_float64(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    is_2d = len(shape) == 4
    ours = randomized((BatchNorm2d if is_2d else BatchNorm1d)(3, momentum=0.2), seed=9)
    theirs = (torch.nn.BatchNorm2d if is_2d else torch.nn.BatchNorm1d)(3, momentum=0.2,
                                                                       dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
        theirs.bias.copy_(torch.from_numpy(ours.bias.data))

    def close(a, b):
        b = b.detach().numpy() if hasattr(b, "detach") else b
        return relative_error(a, b) < 1e-10

    for step in range(4):                  # training mode: forward, backward, statistics
        x = rng.normal(loc=step - 1.0, scale=1.0 + step, size=shape)
        g = rng.normal(size=shape)
        ours.zero_grad()
        theirs.zero_grad()
        xt = torch.from_numpy(x).requires_grad_(True)
        yt = theirs(xt)
        yt.backward(torch.from_numpy(g))
        assert close(ours(x), yt)
        assert close(ours.backward(g), xt.grad)
        assert close(ours.weight.grad, theirs.weight.grad)
        assert close(ours.bias.grad, theirs.bias.grad)
        assert close(ours.running_mean, theirs.running_mean)
        assert close(ours.running_var, theirs.running_var)
    ours.eval()
    theirs.eval()
    x, g = rng.normal(size=shape), rng.normal(size=shape)
    xt = torch.from_numpy(x).requires_grad_(True)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(g))
    assert close(ours(x), yt) and close(ours.backward(g), xt.grad)


@pytest.mark.parametrize("make, shape", [(BatchNorm1d, (1, 3)), (BatchNorm2d, (1, 3, 1, 1))])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_without_running_statistics_one_value_per_channel_is_refused_in_both_modes(make, shape, mode):
    """Such a layer normalizes with the batch's statistics in evaluation mode too: one sample
    would come out as the bias whatever the input (PyTorch raises as well)."""
    layer = getattr(make(3, track_running_stats=False), mode)()
    with pytest.raises(ValueError, match=r"track_running_stats=False\): x must be a batch of more than "
                                         r"1 value per channel when the batch's statistics are used "
                                         r".*; use larger batches: without running statistics the "
                                         r"layer normalizes with the batch's in evaluation mode too"):
        layer(np.arange(3.0).reshape(shape))


def test_without_running_statistics_two_samples_in_evaluation_mode_are_normalized_by_the_batch():
    layer = BatchNorm1d(2, track_running_stats=False).eval()
    y = layer(np.array([[1.0, 10.0], [3.0, 30.0]]))
    assert np.allclose(y, [[-1.0, -1.0], [1.0, 1.0]], atol=1e-4)
