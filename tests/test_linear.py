"""Linear and the weight initializers (chapter 4): gradients, dtypes, errors, statistics, state."""
import math

import numpy as np
import pytest

from nnlib import Linear, gradient_errors, he_normal, he_uniform, xavier_normal, xavier_uniform

SHAPES = [((1, 1), 1), ((1, 7), 3), ((5, 3), 2), ((9, 4), 11)]    # ((N, in_features), out_features)


def layer_with_random_bias(in_features, out_features, bias, seed):
    layer = Linear(in_features, out_features, bias=bias, rng=seed)
    if bias:
        layer.bias.data[...] = np.random.default_rng(seed + 100).normal(size=out_features)
    return layer


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("input_shape, out_features", SHAPES)
def test_gradients_match_finite_differences(input_shape, out_features, bias):
    layer = layer_with_random_bias(input_shape[1], out_features, bias, seed=sum(input_shape) + out_features)
    x = np.random.default_rng(1).normal(size=input_shape)
    errors = gradient_errors(layer, x)
    assert set(errors) == ({"input", "weight", "bias"} if bias else {"input", "weight"})
    assert max(errors.values()) < 1e-7, errors


def test_forward_and_backward_compute_the_formulas():
    rng = np.random.default_rng(0)
    layer = layer_with_random_bias(4, 3, True, seed=0)
    x, g = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    W, b = layer.weight.data.copy(), layer.bias.data.copy()
    assert np.allclose(layer(x), x @ W + b, rtol=1e-14, atol=1e-14)
    dx = layer.backward(g)
    assert np.allclose(dx, g @ W.T, rtol=1e-14, atol=1e-14)
    assert np.allclose(layer.weight.grad, x.T @ g, rtol=1e-14, atol=1e-14)
    assert np.allclose(layer.bias.grad, g.sum(axis=0), rtol=1e-14, atol=1e-14)


def test_backward_adds_to_the_gradients():
    rng = np.random.default_rng(2)
    layer = Linear(3, 2, rng=2)
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    for _ in range(3):
        layer(x)
        layer.backward(g)
    assert np.allclose(layer.weight.grad, 3 * x.T @ g)
    assert np.allclose(layer.bias.grad, 3 * g.sum(axis=0))
    layer.zero_grad()
    assert not layer.weight.grad.any() and not layer.bias.grad.any()


def test_float32_in_float32_out_and_float32_gradients():
    rng = np.random.default_rng(3)
    layer = Linear(6, 4, rng=3, dtype=np.float32)
    layer.bias.data[...] = rng.normal(size=4)
    x = rng.normal(size=(7, 6)).astype(np.float32)
    g = rng.normal(size=(7, 4)).astype(np.float32)
    y = layer(x)
    dx = layer.backward(g)
    assert y.dtype == dx.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    reference = Linear(6, 4, rng=3)
    reference.bias.data[...] = layer.bias.data
    assert np.allclose(reference(x.astype(np.float64)), y, rtol=1e-5, atol=1e-5)


def test_float64_end_to_end():
    rng = np.random.default_rng(4)
    layer = Linear(5, 3, rng=4)
    x = rng.normal(size=(2, 5))
    y = layer(x)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float64


def test_forward_keeps_the_input_without_copying_it():
    layer = Linear(3, 2, rng=0)
    x = np.ones((4, 3))
    layer(x)
    assert layer.saved[0] is x


def test_repr_and_parameters_with_and_without_bias():
    assert repr(Linear(3, 2)) == "Linear(in_features=3, out_features=2, bias=True)"
    assert repr(Linear(3, 2, bias=False)) == "Linear(in_features=3, out_features=2, bias=False)"
    with_bias, without = Linear(3, 2, rng=0), Linear(3, 2, bias=False, rng=0)
    assert [p.shape for p in with_bias.parameters()] == [(3, 2), (2,)]
    assert without.bias is None and [p.shape for p in without.parameters()] == [(3, 2)]
    assert list(without.state_dict()) == ["weight"]


def test_state_dict_keys_and_round_trip():
    layer = Linear(3, 2, rng=0)
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"]
    other = Linear(3, 2, rng=1)
    other.load_state_dict(state)
    x = np.random.default_rng(5).normal(size=(4, 3))
    assert np.array_equal(other(x), layer(x))


def test_bias_starts_at_zero():
    layer = Linear(4, 5, rng=0)
    assert layer.bias.dtype == np.float64 and not layer.bias.data.any()


def test_wrong_input_shape_names_the_layer_and_both_shapes():
    message = "Linear(in_features=3, out_features=2, bias=True): expected input of shape (N, 3), got (4, 5)"
    with pytest.raises(ValueError) as error:
        Linear(3, 2)(np.zeros((4, 5)))
    assert str(error.value) == message
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3\), got \(3,\)"):
        Linear(3, 2)(np.zeros(3))


def test_wrong_input_dtype_is_refused():
    with pytest.raises(ValueError, match=r"Linear\(in_features=3, out_features=2, bias=True\): "
                                         r"expected input of dtype float32, got float64"):
        Linear(3, 2, dtype=np.float32)(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="expected input of dtype float64, got float32"):
        Linear(3, 2)(np.zeros((4, 3), dtype=np.float32))


def test_forward_describes_the_layer_only_when_a_check_fails():
    calls = []

    class CountingLinear(Linear):
        def extra_repr(self):
            calls.append(1)
            return super().extra_repr()

    layer = CountingLinear(3, 2, rng=0)
    layer(np.zeros((4, 3)))
    layer.backward(np.ones((4, 2)))
    assert calls == []                                      # no repr on the hot path
    with pytest.raises(ValueError, match=r"CountingLinear\(in_features=3, out_features=2, bias=True\): "
                                         r"expected input of shape \(N, 3\)"):
        layer(np.zeros((4, 5)))
    assert calls


def test_backward_before_forward_is_a_runtime_error():
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=3, out_features=2, bias=True\): "
                                           r"backward\(\) was called before forward\(\)"):
        Linear(3, 2).backward(np.ones((4, 2)))


@pytest.mark.parametrize("shape", [(5, 2), (4, 3), (4,), (4, 2, 1)])
def test_backward_with_a_wrongly_shaped_gradient_names_the_layer(shape):
    layer = Linear(3, 2)
    layer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"Linear\(in_features=3, out_features=2, bias=True\): expected "
                                         r"grad_output of shape \(4, 2\).*got " + re_shape(shape)):
        layer.backward(np.ones(shape))
    assert not layer.weight.grad.any()                      # nothing was added


def re_shape(shape):
    return "\\(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + "\\)"


def test_backward_with_a_gradient_of_another_dtype_is_refused():
    layer = Linear(3, 2, dtype=np.float32)
    layer(np.zeros((4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="expected grad_output of dtype float32, got float64"):
        layer.backward(np.ones((4, 2)))


def test_constructor_rejects_bad_arguments():
    for bad in [(0, 2), (3, -1), (2.0, 3), (True, 3)]:
        with pytest.raises(ValueError, match="positive integers"):
            Linear(*bad)
    with pytest.raises(ValueError, match="init must be 'he', 'xavier' or a function"):
        Linear(3, 2, init="kaiming")
    with pytest.raises(ValueError, match=r"init returned an array of shape \(2, 3\), expected \(3, 2\)"):
        Linear(3, 2, init=lambda fan_in, fan_out, rng, dtype: np.zeros((fan_out, fan_in)))
    # shapes that would broadcast into the weight are refused too: an init must return the full matrix
    with pytest.raises(ValueError, match=r"init returned an array of shape \(2,\), expected \(3, 2\)"):
        Linear(3, 2, init=lambda fan_in, fan_out, rng, dtype: np.ones(fan_out))
    with pytest.raises(ValueError, match=r"init returned an array of shape \(\), expected \(3, 2\)"):
        Linear(3, 2, init=lambda fan_in, fan_out, rng, dtype: 0.5)


def test_init_choices_and_seeds():
    assert np.array_equal(Linear(30, 20, rng=7).weight.data, he_uniform(30, 20, rng=7))
    assert np.array_equal(Linear(30, 20, init="xavier", rng=7).weight.data, xavier_uniform(30, 20, rng=7))
    assert np.array_equal(Linear(30, 20, rng=7).weight.data, Linear(30, 20, rng=7).weight.data)
    assert not np.array_equal(Linear(30, 20, rng=7).weight.data, Linear(30, 20, rng=8).weight.data)
    generator = np.random.default_rng(9)
    first, second = Linear(4, 4, rng=generator), Linear(4, 4, rng=generator)   # one generator, consumed
    assert not np.array_equal(first.weight.data, second.weight.data)


def test_callable_init_receives_fans_generator_and_dtype():
    seen = {}

    def init(fan_in, fan_out, rng, dtype):
        seen.update(fan_in=fan_in, fan_out=fan_out, rng=rng, dtype=dtype)
        return rng.random((fan_in, fan_out))              # float64: converted to the layer's dtype

    layer = Linear(3, 5, init=init, rng=0, dtype=np.float32)
    assert (seen["fan_in"], seen["fan_out"], seen["dtype"]) == (3, 5, np.float32)
    assert isinstance(seen["rng"], np.random.Generator)
    assert layer.weight.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    assert ((layer.weight.data >= 0) & (layer.weight.data < 1)).all()


def test_overwriting_weight_data_in_place_is_used_by_forward():
    layer = Linear(4, 3, rng=0)
    new = 0.1 * np.random.default_rng(1).standard_normal((4, 3))
    layer.weight.data[...] = new
    x = np.random.default_rng(2).normal(size=(2, 4))
    assert np.allclose(layer(x), x @ new, rtol=1e-14)


INITIALIZERS = [  # function, std formula, uniform bound (None for the normal ones)
    (xavier_uniform, lambda i, o: math.sqrt(2 / (i + o)), lambda i, o: math.sqrt(6 / (i + o))),
    (xavier_normal, lambda i, o: math.sqrt(2 / (i + o)), None),
    (he_uniform, lambda i, o: math.sqrt(2 / i), lambda i, o: math.sqrt(6 / i)),
    (he_normal, lambda i, o: math.sqrt(2 / i), None),
]


@pytest.mark.parametrize("init, std, bound", INITIALIZERS, ids=lambda v: getattr(v, "__name__", ""))
def test_initializer_statistics(init, std, bound):
    fan_in, fan_out = 800, 600
    w = init(fan_in, fan_out, rng=0)
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64
    assert abs(w.mean()) < 0.01 * std(fan_in, fan_out)
    assert abs(w.std() / std(fan_in, fan_out) - 1) < 0.02
    if bound is not None:
        assert np.abs(w).max() <= bound(fan_in, fan_out)
        assert np.abs(w).max() > 0.99 * bound(fan_in, fan_out)


@pytest.mark.parametrize("init", [i[0] for i in INITIALIZERS])
def test_initializer_seeds_dtypes_and_arguments(init):
    assert np.array_equal(init(5, 4, rng=3), init(5, 4, rng=3))
    assert np.array_equal(init(5, 4, np.random.default_rng(3)), init(5, 4, rng=3))
    assert not np.array_equal(init(5, 4, rng=3), init(5, 4, rng=4))
    w32 = init(5, 4, rng=3, dtype=np.float32)
    assert w32.dtype == np.float32 and np.array_equal(w32, init(5, 4, rng=3).astype(np.float32))
    assert init(5, 4).shape == (5, 4)                                         # unseeded
    with pytest.raises(ValueError, match="positive integers"):
        init(0, 4)
    with pytest.raises(TypeError, match="floating dtype"):
        init(5, 4, rng=0, dtype=np.int64)
