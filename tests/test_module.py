"""Module and Parameter (chapter 2): children, parameters, buffers, modes, state, dtype, errors."""
import numpy as np
import pytest

from nnlib import Module, Parameter


class Affine(Module):
    """y = x * weight + bias, elementwise on (N, D), with a running-mean buffer for the tests."""

    def __init__(self, d, dtype=np.float64):
        self.weight = Parameter(np.arange(1.0, d + 1, dtype=dtype))
        self.bias = Parameter(np.zeros(d, dtype=dtype))
        self.register_buffer("running_mean", np.zeros(d, dtype=dtype))

    def forward(self, x):
        self.save_for_backward(x)
        return x * self.weight.data + self.bias.data

    def backward(self, grad_output, input_grad=True):
        x, = self.saved
        self.weight.accumulate((grad_output * x).sum(axis=0))
        self.bias.accumulate(grad_output.sum(axis=0))
        return grad_output * self.weight.data if input_grad else None

    def extra_repr(self):
        return f"d={self.weight.shape[0]}"


class Block(Module):
    def __init__(self):
        self.first = Affine(2)
        self.layers = [Affine(2), Affine(3)]
        self.note = "not a module"


def test_parameter_holds_data_and_no_gradient_until_a_backward_pass():
    p = Parameter(np.ones((2, 3), dtype=np.float32))
    assert p.grad is None
    assert repr(p) == "Parameter(shape=(2, 3), dtype=float32)"
    g = np.ones((2, 3), np.float32)
    p.accumulate(g)
    assert p.grad is g                                   # the first gradient is kept, not copied
    p.accumulate(np.ones((2, 3), np.float32))
    assert np.array_equal(p.grad, np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match=r"grad must be of shape \(2, 3\), got \(3, 2\)"):
        p.accumulate(np.ones((3, 2), np.float32))
    with pytest.raises(ValueError, match="grad must be float32, got float64"):
        p.accumulate(np.ones((2, 3)))


@pytest.mark.parametrize("data", [np.arange(3), np.ones(2, np.float16), [1, 2]])
def test_parameter_refuses_data_nnlib_does_not_compute_in(data):
    with pytest.raises(ValueError, match="Parameter: data must be float32 or float64"):
        Parameter(data)


def test_named_parameters_follow_attribute_order_and_nesting():
    names = [name for name, _ in Block().named_parameters()]
    assert names == ["first.weight", "first.bias", "layers.0.weight", "layers.0.bias",
                     "layers.1.weight", "layers.1.bias"]
    assert len(Block().parameters()) == 6


def test_shared_parameter_is_listed_once():
    block = Block()
    block.layers[0].weight = block.first.weight
    assert sum(p is block.first.weight for p in block.parameters()) == 1


def test_state_dict_holds_copies_of_parameters_and_buffers_and_round_trips():
    block = Block()
    state = block.state_dict()
    assert list(state) == ["first.weight", "first.bias", "layers.0.weight", "layers.0.bias",
                           "layers.1.weight", "layers.1.bias", "first.running_mean",
                           "layers.0.running_mean", "layers.1.running_mean"]
    state["first.weight"][0] = 99.0
    assert block.first.weight.data[0] == 1.0                 # a copy, not a view
    other = Block()
    other.layers[1].running_mean[:] = 7.0
    other.load_state_dict(block.state_dict())
    for key, value in block.state_dict().items():
        assert np.array_equal(other.state_dict()[key], value)


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("layers.0.bias"), "missing key 'layers.0.bias'"),
    (lambda s: s.update(extra=np.zeros(1)), "unexpected key 'extra'"),
    (lambda s: s.update({"first.weight": np.zeros(3)}), r"'first.weight' has shape \(3,\), the model expects \(2,\)"),
])
def test_load_state_dict_rejects_bad_keys_naming_them_and_changes_nothing(change, message):
    block = Block()
    before = block.state_dict()
    state = {k: v + 1 for k, v in before.items()}
    change(state)
    with pytest.raises(ValueError, match=message):
        block.load_state_dict(state)
    for key, value in block.state_dict().items():
        assert np.array_equal(value, before[key])


def test_train_and_eval_reach_every_child():
    block = Block()
    assert block.eval() is block
    assert not any(m.training for m in block.modules())
    block.train()
    assert all(m.training for m in block.modules()) and len(list(block.modules())) == 4


def test_backward_accumulates_and_zero_grad_resets():
    layer = Affine(2)
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    for _ in range(2):
        layer(x)
        layer.backward(np.ones((2, 2)))
    assert np.array_equal(layer.weight.grad, 2 * x.sum(axis=0))
    layer.zero_grad(set_to_none=False)                   # PyTorch before 2.0: zeros, in place
    assert not layer.weight.grad.any() and not layer.bias.grad.any()
    layer.zero_grad()                                    # PyTorch 2's default: None
    assert layer.weight.grad is None and layer.bias.grad is None
    layer.zero_grad(set_to_none=False)                   # None stays None
    assert layer.weight.grad is None
    layer(x)
    assert layer.backward(np.ones((2, 2)), input_grad=False) is None
    assert np.array_equal(layer.weight.grad, x.sum(axis=0))


def test_backward_before_forward_is_a_clear_runtime_error():
    with pytest.raises(RuntimeError, match=r"Affine\(d=2\): backward\(\) was called before forward\(\)"):
        Affine(2).backward(np.ones((1, 2)))


def test_to_converts_parameters_gradients_and_buffers():
    block = Block().to(np.float32)
    for name, array in block.state_dict().items():
        assert array.dtype == np.float32, name
    assert all(p.grad is None for p in block.parameters())
    x = np.ones((3, 2), dtype=np.float32)
    block.first(x)
    block.first.backward(x)
    block.to(np.float64)
    assert block.first.weight.grad.dtype == np.float64 and block.first.weight.dtype == np.float64
    block.to(np.float32)
    x = np.ones((3, 2), dtype=np.float32)
    assert block.first(x).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int64, np.float16, bool])
def test_to_refuses_dtypes_nnlib_does_not_compute_in(dtype):
    block = Block()
    with pytest.raises(ValueError, match="Block.to: dtype must be float32 or float64"):
        block.to(dtype)
    assert block.first.weight.dtype == np.float64


def test_repr_lists_children():
    assert repr(Affine(2)) == "Affine(d=2)"
    assert repr(Block()) == ("Block(\n  (first): Affine(d=2)\n  (layers.0): Affine(d=2)\n"
                             "  (layers.1): Affine(d=3)\n)")


def test_unimplemented_forward_and_backward_say_so():
    with pytest.raises(NotImplementedError, match="Module does not implement forward"):
        Module()(np.ones(1))
    with pytest.raises(NotImplementedError, match="Module does not implement backward"):
        Module().backward(np.ones(1))
