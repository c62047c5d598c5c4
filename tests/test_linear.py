"""Linear (chapter 4): gradients, their accumulation, dtypes, errors, initialization, state."""
import re

import numpy as np
import pytest

from nnlib import Linear, gradient_errors, he_uniform, xavier_uniform

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


def test_gradients_are_none_until_a_backward_pass_then_accumulate():
    rng = np.random.default_rng(2)
    layer = Linear(3, 2, rng=2)
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    assert layer.weight.grad is None and layer.bias.grad is None
    layer(x)
    assert layer.weight.grad is None and layer.bias.grad is None      # forward adds nothing
    layer.backward(g)
    assert np.allclose(layer.weight.grad, x.T @ g) and np.allclose(layer.bias.grad, g.sum(axis=0))
    for _ in range(2):
        layer(x)
        layer.backward(g)
    assert np.allclose(layer.weight.grad, 3 * x.T @ g)
    assert np.allclose(layer.bias.grad, 3 * g.sum(axis=0))


def test_zero_grad_sets_none_or_fills_zeros_in_the_same_arrays():
    rng = np.random.default_rng(3)
    layer = Linear(3, 2, rng=3)
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer(x)
    layer.backward(g)
    layer.zero_grad()                                       # PyTorch 2's default
    assert layer.weight.grad is None and layer.bias.grad is None
    layer(x)
    layer.backward(g)
    arrays = (layer.weight.grad, layer.bias.grad)
    layer.zero_grad(set_to_none=False)                      # PyTorch before 2.0
    assert layer.weight.grad is arrays[0] and layer.bias.grad is arrays[1]
    assert not arrays[0].any() and not arrays[1].any()
    layer(x)
    layer.backward(g)                                       # adds into the zeroed arrays
    assert layer.weight.grad is arrays[0] and np.allclose(arrays[0], x.T @ g)
    assert layer.bias.grad is arrays[1] and np.allclose(arrays[1], g.sum(axis=0))


@pytest.mark.parametrize("bias", [True, False])
def test_backward_without_the_input_gradient_returns_none_and_the_same_parameter_gradients(bias):
    rng = np.random.default_rng(6)
    x, g = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    full, skipped = Linear(4, 3, bias=bias, rng=6), Linear(4, 3, bias=bias, rng=6)
    full(x)
    skipped(x)
    assert full.backward(g).shape == x.shape
    assert skipped.backward(g, input_grad=False) is None
    for p, q in zip(full.parameters(), skipped.parameters()):
        assert np.array_equal(p.grad, q.grad)
    skipped(x)
    skipped.backward(g, input_grad=False)                   # still accumulates
    assert np.allclose(skipped.weight.grad, 2 * full.weight.grad)


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
    message = "Linear(in_features=3, out_features=2, bias=True): x must be of shape (N, 3), got (4, 5)"
    with pytest.raises(ValueError) as error:
        Linear(3, 2)(np.zeros((4, 5)))
    assert str(error.value) == message
    with pytest.raises(ValueError, match=r"x must be of shape \(N, 3\), got \(3,\)$"):
        Linear(3, 2)(np.zeros(3))


def test_an_input_that_is_not_an_array_is_a_type_error():
    with pytest.raises(TypeError, match=r"^Linear\(in_features=3, out_features=2, bias=True\): "
                                        r"x must be a NumPy array, got list"):
        Linear(3, 2)([[0.0, 1.0, 2.0]])


def test_wrong_input_dtype_is_refused():
    with pytest.raises(ValueError) as error:
        Linear(3, 2, dtype=np.float32)(np.zeros((4, 3)))
    assert str(error.value) == ("Linear(in_features=3, out_features=2, bias=True): x must be float32, "
                                "got float64; convert it with x.astype(np.float32), or the layer "
                                "with .to(np.float64)")
    with pytest.raises(ValueError, match="x must be float64, got float32"):
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
                                         r"x must be of shape \(N, 3\)"):
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
    with pytest.raises(ValueError, match=r"Linear\(in_features=3, out_features=2, bias=True\): "
                                         r"grad_output must be of the last output's shape \(4, 2\), "
                                         r"dtype float64, got " + re_shape(shape) + " and float64$"):
        layer.backward(np.ones(shape))
    assert layer.weight.grad is None and layer.bias.grad is None     # nothing was accumulated


def re_shape(shape):
    return "\\(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + "\\)"


def test_backward_with_a_gradient_of_another_type_or_dtype_is_refused():
    layer = Linear(3, 2, dtype=np.float32)
    layer(np.zeros((4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"dtype float32, got \(4, 2\) and float64$"):
        layer.backward(np.ones((4, 2)))
    with pytest.raises(TypeError, match="grad_output must be a NumPy array, got list$"):
        layer.backward([[1.0, 1.0]] * 4)
    assert layer.weight.grad is None


def test_constructor_rejects_bad_arguments():
    for bad, name in [((0, 2), "in_features"), ((3, -1), "out_features")]:
        with pytest.raises(ValueError, match=f"^Linear: {name} must be a positive integer, got "):
            Linear(*bad)
    for bad, name in [((2.0, 3), "in_features"), ((True, 3), "in_features"), ((3, "2"), "out_features")]:
        with pytest.raises(TypeError, match=f"^Linear: {name} must be a positive integer, got "):
            Linear(*bad)
    assert Linear(np.int64(3), 2).in_features == 3 and type(Linear(np.int64(3), 2).in_features) is int
    with pytest.raises(ValueError, match=re.escape("Linear: init must be one of 'he', 'xavier', got "
                                                   "'kaiming'; or pass a function (fan_in, fan_out, "
                                                   "rng, dtype) -> array")):
        Linear(3, 2, init="kaiming")
    for bad in (3, None, np.zeros((3, 2))):                 # not a name, not a function: a type error
        with pytest.raises(TypeError, match=re.escape(f"Linear: init must be a function, got "
                                                      f"{type(bad).__name__}; pass 'he', 'xavier' or a "
                                                      "function (fan_in, fan_out, rng, dtype) -> array")):
            Linear(3, 2, init=bad)
    with pytest.raises(ValueError, match=r"^Linear: dtype must be float32 or float64, got int64"):
        Linear(3, 2, dtype=np.int64)
    with pytest.raises(TypeError, match=r"^Linear: dtype must be a NumPy dtype, got 'nope'"):
        Linear(3, 2, dtype="nope")
    message = r"^Linear: the weight init returned must be of shape \(3, 2\), got "
    with pytest.raises(ValueError, match=message + r"\(2, 3\)$"):
        Linear(3, 2, init=lambda fan_in, fan_out, rng, dtype: np.zeros((fan_out, fan_in)))
    # shapes that would broadcast into the weight are refused too: an init must return the full matrix
    with pytest.raises(ValueError, match=message + r"\(2,\)$"):
        Linear(3, 2, init=lambda fan_in, fan_out, rng, dtype: np.ones(fan_out))
    with pytest.raises(ValueError, match=message + r"\(\)$"):
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
    assert layer.weight.dtype == np.float32 and layer.weight.grad is None
    assert ((layer.weight.data >= 0) & (layer.weight.data < 1)).all()
    layer(np.ones((2, 3), dtype=np.float32))
    layer.backward(np.ones((2, 5), dtype=np.float32))
    assert layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32


def test_overwriting_weight_data_in_place_is_used_by_forward():
    layer = Linear(4, 3, rng=0)
    new = 0.1 * np.random.default_rng(1).standard_normal((4, 3))
    layer.weight.data[...] = new
    x = np.random.default_rng(2).normal(size=(2, 4))
    assert np.allclose(layer(x), x @ new, rtol=1e-14)
