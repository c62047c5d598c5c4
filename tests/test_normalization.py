"""LayerNorm (chapter 15): statistics per vector, gradients against central differences, PyTorch
(live, if installed; the recorded cases are in tests/test_attention.py), dtypes, accumulation,
errors."""
import numpy as np
import pytest

from nnlib import LayerNorm, gradient_errors


def randomized(layer, seed):
    rng = np.random.default_rng(seed)
    for p in layer.parameters():
        p.data[...] = rng.normal(size=p.shape)
    return layer


@pytest.mark.parametrize("shape, x_shape, kwargs", [
    (5, (4, 5), {}), (5, (2, 3, 5), dict(eps=0.1)), ((2, 3), (4, 2, 3), {}),
    (4, (3, 4), dict(elementwise_affine=False)), (4, (3, 4), dict(bias=False)), (6, (6,), {}),
])
def test_gradients_against_central_differences(shape, x_shape, kwargs):
    layer = randomized(LayerNorm(shape, **kwargs), seed=len(x_shape))
    # not seed 0: gradient_errors draws R with seed 0, and x = 2 + 3 R would make the loss
    # stationary in x (its gradient a mere eps-effect)
    x = np.random.default_rng(10).normal(loc=2.0, scale=3.0, size=x_shape)
    assert max(gradient_errors(layer, x).values()) < 1e-7


def test_statistics_per_vector_and_float32():
    layer = LayerNorm(8, dtype=np.float32)
    x = np.random.default_rng(1).normal(loc=5, scale=[[1], [100]], size=(2, 8)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    assert np.allclose(y.mean(axis=-1), 0, atol=1e-5) and np.allclose(y.std(axis=-1), 1, atol=1e-3)
    dx = layer.backward(np.ones_like(y))
    assert dx.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    assert np.allclose(dx.sum(axis=-1), 0, atol=1e-5)


def test_matches_live_torch_on_other_shapes():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for shape, x_shape in [(11, (3, 7, 11)), ((4, 3), (5, 4, 3))]:
        t = torch.nn.LayerNorm(shape, eps=1e-4, dtype=torch.float64)
        layer = randomized(LayerNorm(shape, eps=1e-4), seed=3)
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(layer.weight.data))
            t.bias.copy_(torch.from_numpy(layer.bias.data))
        x, g = rng.normal(size=x_shape), rng.normal(size=x_shape)
        xt = torch.from_numpy(x).requires_grad_(True)
        y = t(xt)
        y.backward(torch.from_numpy(g))
        assert np.abs(layer(x) - y.detach().numpy()).max() < 1e-10
        assert np.abs(layer.backward(g) - xt.grad.numpy()).max() < 1e-10
        assert np.abs(layer.weight.grad - t.weight.grad.numpy()).max() < 1e-10
        assert np.abs(layer.bias.grad - t.bias.grad.numpy()).max() < 1e-10


def test_accumulation_input_grad_and_state():
    layer = randomized(LayerNorm(3), seed=4)
    x = np.random.default_rng(4).normal(size=(2, 3))
    assert layer.weight.grad is None
    layer(x)
    assert layer.backward(np.ones((2, 3)), input_grad=False) is None
    first = layer.weight.grad.copy()
    layer.backward(np.ones((2, 3)))
    assert np.allclose(layer.weight.grad, 2 * first)
    layer.zero_grad(set_to_none=False)
    assert np.array_equal(layer.bias.grad, np.zeros(3))
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert LayerNorm(4, elementwise_affine=False).parameters() == []
    assert repr(LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(normalized_shape=0), ValueError, "normalized_shape must be a positive integer, got 0"),
    (dict(normalized_shape=2.0), TypeError, "normalized_shape must be a tuple, got float; "
                                            r"pass an int D, or a tuple \(D1, D2\)"),
    (dict(normalized_shape=(3, -1)), ValueError, "normalized_shape must be a positive integer"),
    (dict(normalized_shape=3, eps=0), ValueError, r"eps must be a real number in \(0, inf\)"),
    (dict(normalized_shape=3, dtype=np.int64), ValueError, "dtype must be float32 or float64"),
])
def test_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        LayerNorm(**kwargs)


def test_normalized_shape_may_be_an_int_a_tuple_or_a_list():
    assert LayerNorm(3).normalized_shape == (3,)
    assert LayerNorm((2, 3)).normalized_shape == LayerNorm([2, 3]).normalized_shape == (2, 3)


def test_forward_and_backward_errors():
    layer = LayerNorm((2, 3))
    with pytest.raises(ValueError, match=r"x must be of shape \(\*, 2, 3\), got \(4, 3, 2\)"):
        layer(np.zeros((4, 3, 2)))
    with pytest.raises(ValueError, match="x must be float64, got float32"):
        layer(np.zeros((4, 2, 3), dtype=np.float32))
    layer(np.zeros((4, 2, 3)))
    with pytest.raises(ValueError, match=r"grad_output must be of the last output's shape \(4, 2, 3\)"):
        layer.backward(np.zeros((4, 3, 2)))
