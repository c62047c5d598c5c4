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


# -- a read-only Parameter ------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: np.broadcast_to(np.zeros(3), (2, 3)),
    lambda: np.frombuffer(bytes(24), dtype=np.float64),
    lambda: np.zeros(3)[::-1].view(),
])
def test_parameter_refuses_a_read_only_array_with_the_fix(make):
    data = make()
    data.flags.writeable = False if data.flags.writeable else data.flags.writeable
    with pytest.raises(ValueError, match=r"Parameter: data must be a writeable array, .* got a "
                                         r"read-only array; pass a copy, np.array\(data\)"):
        Parameter(data)
    assert Parameter(np.array(data)).data.flags.writeable


def test_parameter_keeps_a_writeable_array_without_copying_it():
    data = np.ones(3)
    assert Parameter(data).data is data


# -- children in lists, tuples and dicts ------------------------------------------------------------

class Holder(Module):
    def __init__(self, **attributes):
        for name, value in attributes.items():
            setattr(self, name, value)


def test_modules_in_a_dict_attribute_are_children_named_by_their_keys():
    holder = Holder(heads={"mean": Affine(2), "spread": Affine(3)}, tail=(Affine(1),))
    assert [name for name, _ in holder.named_children()] == ["heads.mean", "heads.spread",
                                                             "tail.0"]
    assert list(holder.state_dict()) == [
        "heads.mean.weight", "heads.mean.bias", "heads.spread.weight", "heads.spread.bias",
        "tail.0.weight", "tail.0.bias", "heads.mean.running_mean", "heads.spread.running_mean",
        "tail.0.running_mean"]
    assert holder.eval() is holder and not holder.heads["spread"].training
    holder.heads["mean"](np.ones((2, 2)))
    holder.heads["mean"].backward(np.ones((2, 2)))
    holder.zero_grad()
    assert holder.heads["mean"].weight.grad is None
    holder.to(np.float32)
    assert holder.heads["spread"].weight.dtype == np.float32
    assert holder.heads["spread"].running_mean.dtype == np.float32
    assert "(heads.spread): Affine(d=3)" in repr(holder)


def test_collections_without_modules_are_not_children():
    holder = Holder(sizes=[2, 3], config={"lr": 0.1}, empty=[], nothing={})
    assert list(holder.named_children()) == [] and holder.parameters() == []


@pytest.mark.parametrize("value, error, message", [
    ([Affine(2), "relu"], TypeError, r"Holder: layers\[1\] must be a Module, got str; the "
                                     r"first value of layers is a Module: keep modules in a list"),
    ({"a": Affine(2), "b": 3}, TypeError, r"layers\['b'\] must be a Module"),
    ({0: Affine(2)}, TypeError, r"the key of layers\[0\] must be a string, .* got 0; use '0'"),
    ({"a.b": Affine(2)}, ValueError, r"a key must be a non-empty string without '\.'"),
    ({"": Affine(2)}, ValueError, r"a key must be a non-empty string without '\.', .* got ''"),
])
def test_collections_that_mix_modules_with_other_values_or_bad_keys_are_refused(value, error,
                                                                                message):
    with pytest.raises(error, match=message):
        Holder(layers=value).parameters()


# -- a module used in one place only ----------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda a: Holder(first=a, second=a),
    lambda a: Holder(first=a, layers=[Affine(2), a]),
    lambda a: Holder(layers=(a, a)),
    lambda a: Holder(inner=Holder(x=a), heads={"y": a}),
])
@pytest.mark.parametrize("walk", ["parameters", "state_dict", "train", "eval", "zero_grad",
                                  "named_modules", "modules"])
def test_a_module_met_twice_is_refused_by_every_walk_of_the_model(make, walk):
    holder = make(Affine(2))
    with pytest.raises(ValueError, match=r"Holder: the module at '.*' must be a module used in "
                                         r"one place only, got the Affine at '.*' again; .*"
                                         r"use two instances, and to share weights let them "
                                         r"share Parameters"):
        result = getattr(holder, walk)()
        list(result) if walk in ("named_modules", "modules") else None


def test_a_module_containing_itself_is_refused_not_walked_forever():
    holder = Holder()
    holder.me = holder
    with pytest.raises(ValueError, match="must be a module used in one place only"):
        holder.parameters()


def test_two_modules_sharing_parameters_are_the_way_to_reuse_weights():
    first, second = Affine(2), Affine(2)
    second.weight, second.bias = first.weight, first.bias
    holder = Holder(first=first, second=second)
    assert holder.parameters() == [first.weight, first.bias]
    assert list(holder.state_dict()) == ["first.weight", "first.bias", "first.running_mean",
                                         "second.running_mean"]
    x = np.array([[1.0, 2.0]])
    h = first(x)
    second(h)
    first.backward(second.backward(np.ones((1, 2))))
    # d/dw of sum(w * (w * x + b) + b) = w * x + b + x * w: both uses add up
    assert np.allclose(first.weight.grad, (first.weight.data * x + h)[0])


def test_named_modules_names_every_module_by_its_path():
    holder = Holder(first=Affine(1), layers=[Affine(1)], heads={"h": Holder(x=Affine(1))})
    assert [name for name, _ in holder.named_modules()] == [
        "", "first", "layers.0", "heads.h", "heads.h.x"]
    assert [name for name, _ in holder.named_modules("model")][1] == "model.first"
    assert [type(m).__name__ for m in holder.modules()] == [
        "Holder", "Affine", "Affine", "Holder", "Affine"]


# -- load_state_dict: all or nothing ------------------------------------------------------------------

@pytest.mark.parametrize("bad, message", [
    (np.array(["1", "2"]), r"'layers.0.bias' holds strings \(dtype <U1\), the model expects real "
                           r"numbers"),
    (np.array([1 + 2j, 3]), r"'layers.0.bias' holds complex numbers"),
    (np.array([b"1", b"2"]), r"'layers.0.bias' holds bytes"),
    (np.array([None, 1.0], dtype=object), r"'layers.0.bias' holds values that are not numbers"),
    (np.array([1e300, 1.0]), r"'layers.0.bias' holds values beyond the range of float32"),
])
def test_load_state_dict_converts_and_checks_every_value_before_changing_anything(bad, message):
    block = Block().to(np.float32)
    before = block.state_dict()
    state = {k: v + 1 for k, v in before.items()}
    state["layers.0.bias"] = bad                  # after first.* in the order of the state
    with pytest.raises(ValueError, match=message):
        block.load_state_dict(state)
    for key, value in block.state_dict().items():
        assert np.array_equal(value, before[key]), key


def test_load_state_dict_reports_every_problem_at_once():
    block = Block()
    state = block.state_dict()
    state.pop("first.bias")
    state["layers.1.weight"] = ["a", "b", "c"]
    state["layers.0.bias"] = np.zeros(5)
    with pytest.raises(ValueError, match=r"^Block.load_state_dict: missing key 'first.bias'; "
                                         r"'layers.0.bias' has shape \(5,\), the model expects "
                                         r"\(2,\); 'layers.1.weight' holds strings"):
        block.load_state_dict(state)


def test_load_state_dict_converts_lists_integers_and_dtypes():
    block = Block().to(np.float32)
    state = {k: v.astype(np.float64) for k, v in Block().state_dict().items()}
    state["first.weight"] = [3, 4]                 # a list of ints
    state["first.bias"] = np.array([True, False])
    block.load_state_dict(state)
    assert block.first.weight.data.tolist() == [3.0, 4.0]
    assert block.first.bias.data.tolist() == [1.0, 0.0]
    assert all(a.dtype == np.float32 for a in block.state_dict().values())


def test_load_state_dict_refuses_what_is_not_a_mapping():
    with pytest.raises(TypeError, match=r"Block.load_state_dict: state must be a Mapping, got "
                                        r"list; pass a dict of arrays"):
        Block().load_state_dict(list(Block().state_dict().items()))


def test_load_state_dict_reads_a_ragged_value_as_an_error_not_a_crash():
    block = Block()
    state = block.state_dict()
    state["first.weight"] = [[1.0], [2.0, 3.0]]
    with pytest.raises(ValueError, match="'first.weight' is not an array"):
        block.load_state_dict(state)


# -- references, not copies: the rule and nnlib's side of it -----------------------------------------

def test_forward_keeps_references_so_an_input_changed_in_place_changes_the_gradient():
    """The documented rule (chapter 2): what forward saves is the caller's array itself."""
    layer = Affine(2)
    x = np.array([[1.0, 2.0]])
    layer(x)
    assert layer.saved[0] is x
    x *= 10
    layer.backward(np.ones((1, 2)))
    assert np.array_equal(layer.weight.grad, [10.0, 20.0])


def test_a_read_only_input_turns_an_in_place_change_into_an_error():
    layer = Affine(2)
    x = np.array([[1.0, 2.0]])
    x.flags.writeable = False
    y = layer(x)
    with pytest.raises(ValueError, match="read-only"):
        x *= 10
    assert np.array_equal(layer.backward(np.ones_like(y)), [[1.0, 2.0]])


def layers_of_nnlib():
    """One instance of every layer nnlib exports, with an input for it: (name, layer, x)."""
    import nnlib
    rng = np.random.default_rng(0)
    vectors, images = rng.normal(size=(4, 6)), rng.normal(size=(2, 3, 6, 6))
    return [
        ("Linear", nnlib.Linear(6, 3, rng=0), vectors),
        ("Sigmoid", nnlib.Sigmoid(), vectors), ("Tanh", nnlib.Tanh(), vectors),
        ("ReLU", nnlib.ReLU(), vectors), ("LeakyReLU", nnlib.LeakyReLU(), vectors),
        ("Softmax", nnlib.Softmax(), vectors),
        ("Dropout", nnlib.Dropout(0.5, rng=0), vectors),
        ("BatchNorm1d", nnlib.BatchNorm1d(6), vectors),
        ("BatchNorm2d", nnlib.BatchNorm2d(3), images),
        ("Conv2d", nnlib.Conv2d(3, 2, 3, padding=1, rng=0), images),
        ("MaxPool2d", nnlib.MaxPool2d(2), images), ("AvgPool2d", nnlib.AvgPool2d(2), images),
        ("Flatten", nnlib.Flatten(), images),
        ("Sequential", nnlib.Sequential(nnlib.Linear(6, 5, rng=0), nnlib.ReLU(),
                                        nnlib.Linear(5, 2, rng=1), nnlib.Sigmoid()), vectors),
    ]


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("index", range(14))
def test_no_layer_writes_into_the_arrays_it_is_given(index, mode):
    """nnlib's side of chapter 2's rule: forward and backward passes leave their input and the
    upstream gradient alone (read-only arrays would raise on any write)."""
    name, layer, x = layers_of_nnlib()[index]
    getattr(layer, mode)()
    x = x.copy()
    x.flags.writeable = False
    y = layer(x)
    g = np.ones_like(y)
    g.flags.writeable = False
    layer.backward(g, input_grad=True)
    layer(x)                                   # Conv2d runs one backward pass per forward pass
    layer.backward(g, input_grad=False)


@pytest.mark.parametrize("loss_name", ["MSELoss", "L1Loss", "HuberLoss", "BCELoss",
                                       "BCEWithLogitsLoss", "CrossEntropyLoss"])
def test_no_loss_writes_into_the_arrays_it_is_given(loss_name):
    import nnlib
    rng = np.random.default_rng(1)
    if loss_name == "CrossEntropyLoss":
        prediction, target = rng.normal(size=(4, 3)), rng.integers(0, 3, size=4)
    else:
        prediction, target = rng.uniform(0.1, 0.9, size=(4, 3)), rng.integers(0, 2, size=(4, 3))
        target = target.astype(np.float64)
    for array in (prediction, target):
        array.flags.writeable = False
    loss_fn = getattr(nnlib, loss_name)()
    loss_fn(prediction, target)
    loss_fn.backward()
