"""Sequential (chapter 6): backpropagation through a stack, container behaviour, state."""
import numpy as np
import pytest

from nnlib import (CrossEntropyLoss, LeakyReLU, Linear, MSELoss, ReLU, Sequential, Sigmoid, Softmax, Tanh,
                   gradient_errors, numerical_gradient, relative_error)


def three_layer_net(rng, dtype=np.float64):
    return Sequential(Linear(5, 7, rng=rng, dtype=dtype), Tanh(), Linear(7, 6, rng=rng, dtype=dtype),
                      LeakyReLU(0.1), Linear(6, 3, rng=rng, dtype=dtype))


@pytest.mark.parametrize("batch", [1, 4, 9])
def test_whole_network_gradient_check_with_a_loss_over_the_full_parameter_vector(batch):
    rng = np.random.default_rng(batch)
    model, loss_fn = three_layer_net(rng), CrossEntropyLoss()
    X, y = rng.normal(size=(batch, 5)), rng.integers(0, 3, size=batch)

    def loss():
        return loss_fn(model(X), y)

    model.zero_grad()
    loss()
    grad_x = model.backward(loss_fn.backward(), input_grad=True)
    analytic = np.concatenate([p.grad.ravel() for p in model.parameters()])
    numerical = np.concatenate([numerical_gradient(loss, p.data).ravel() for p in model.parameters()])
    assert analytic.size == 5 * 7 + 7 + 7 * 6 + 6 + 6 * 3 + 3
    assert relative_error(analytic, numerical) < 1e-7
    assert relative_error(grad_x, numerical_gradient(loss, X)) < 1e-7


def test_whole_network_gradient_errors_per_parameter():
    rng = np.random.default_rng(0)
    model = Sequential(Linear(4, 8, rng=rng), Sigmoid(), Linear(8, 3, rng=rng), Softmax())
    errors = gradient_errors(model, rng.normal(size=(3, 4)))
    assert list(errors) == ["input", "0.weight", "0.bias", "2.weight", "2.bias"]
    assert max(errors.values()) < 1e-7


def test_forward_and_backward_equal_the_explicit_loops():
    rng = np.random.default_rng(1)
    model = three_layer_net(rng)
    X, G = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    h = X
    for layer in model.layers:
        h = layer(h)
    assert np.array_equal(model(X), h)
    g = G
    for layer in reversed(model.layers):
        g = layer.backward(g)
    model.zero_grad()
    model(X)
    assert np.array_equal(model.backward(G, input_grad=True), g)


def test_indexing_slicing_length_iteration_append():
    model = three_layer_net(np.random.default_rng(2))
    assert len(model) == 5 and isinstance(model[1], Tanh) and model[-1] is model.layers[4]
    head = model[:2]
    assert isinstance(head, Sequential) and head[0] is model[0]            # slices share layers
    assert list(model) == model.layers
    assert model.append(ReLU()) is model and len(model) == 6


def test_parameter_names_state_dict_round_trip_and_errors():
    rng = np.random.default_rng(3)
    model = three_layer_net(rng)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    other = three_layer_net(np.random.default_rng(4))
    other.load_state_dict(model.state_dict())
    X = rng.normal(size=(2, 5))
    assert np.array_equal(other(X), model(X))
    wrong = Sequential(Linear(5, 7), Tanh(), Linear(7, 6), LeakyReLU(), Linear(6, 2))
    with pytest.raises(ValueError, match=r"'4.weight' has shape \(6, 3\), the model expects \(6, 2\)"):
        wrong.load_state_dict(model.state_dict())


def test_train_and_eval_reach_every_layer():
    model = three_layer_net(np.random.default_rng(5))
    model.eval()
    assert not any(layer.training for layer in model)
    model.train()
    assert all(layer.training for layer in model)


def test_zero_grad_and_float32_end_to_end():
    rng = np.random.default_rng(6)
    model = three_layer_net(rng, dtype=np.float32)
    X = rng.normal(size=(3, 5)).astype(np.float32)
    loss_fn = MSELoss()
    loss_fn(model(X), np.zeros((3, 3), dtype=np.float32))
    dx = model.backward(loss_fn.backward(), input_grad=True)
    assert dx.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_gradients_are_none_before_a_backward_pass_and_accumulate_across_passes():
    rng = np.random.default_rng(8)
    model = three_layer_net(rng)
    assert all(p.grad is None for p in model.parameters())
    X, G = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    model(X)
    model.backward(G)
    once = [p.grad.copy() for p in model.parameters()]
    model.backward(G)
    assert all(np.array_equal(p.grad, 2 * g) for p, g in zip(model.parameters(), once))


def test_zero_grad_set_to_none_false_fills_the_same_arrays_with_zeros():
    rng = np.random.default_rng(9)
    model = three_layer_net(rng)
    X, G = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    model(X)
    model.backward(G)
    once = [p.grad.copy() for p in model.parameters()]
    arrays = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=False)
    assert all(p.grad is a and not a.any() for p, a in zip(model.parameters(), arrays))
    model.backward(G)
    assert all(p.grad is a for p, a in zip(model.parameters(), arrays))
    assert all(np.array_equal(p.grad, g) for p, g in zip(model.parameters(), once))
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.zero_grad(set_to_none=False)                    # None stays None
    assert all(p.grad is None for p in model.parameters())


def test_backward_returns_none_by_default_and_the_input_gradient_when_asked():
    rng = np.random.default_rng(10)
    model = three_layer_net(rng)
    X, G = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    model(X)
    assert model.backward(G) is None
    by_default = [p.grad for p in model.parameters()]
    model.zero_grad()
    dx = model.backward(G, input_grad=True)
    assert dx.shape == X.shape
    assert all(np.array_equal(p.grad, g) for p, g in zip(model.parameters(), by_default))

    def scalar():
        return float(np.sum(model(X) * G))

    assert relative_error(dx, numerical_gradient(scalar, X)) < 1e-7


def test_repr_counts_parameters():
    model = Sequential(Linear(784, 256), ReLU(), Linear(256, 10))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=256, bias=True)  # 200,960 parameters\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=256, out_features=10, bias=True)  # 2,570 parameters\n"
        ")  # 203,530 parameters in total")


def test_non_modules_are_refused_with_a_hint():
    with pytest.raises(TypeError) as info:
        Sequential(Linear(2, 2), ReLU)
    assert str(info.value) == "Sequential: layer 1 must be a Module, got type; pass an instance, ReLU()"
    with pytest.raises(TypeError) as info:
        Sequential(Linear(2, 2), "relu")
    assert str(info.value) == "Sequential: layer 1 must be a Module, got str"
    model = Sequential(Linear(2, 2))
    with pytest.raises(TypeError) as info:
        model.append(Tanh)
    assert str(info.value) == "Sequential.append: layer must be a Module, got type; pass an instance, Tanh()"
    assert len(model) == 1


def test_backward_before_forward_names_the_layer():
    with pytest.raises(RuntimeError, match="backward\\(\\) was called before forward\\(\\)"):
        three_layer_net(np.random.default_rng(7)).backward(np.ones((1, 3)))


def test_nested_sequential_repr_prints_one_total_per_container():
    inner = Sequential(Linear(2, 3), ReLU())
    text = repr(Sequential(inner, Linear(3, 1)))
    assert text == ("Sequential(\n"
                    "  (0): Sequential(\n"
                    "    (0): Linear(in_features=2, out_features=3, bias=True)  # 9 parameters\n"
                    "    (1): ReLU()\n"
                    "  )  # 9 parameters in total\n"
                    "  (1): Linear(in_features=3, out_features=1, bias=True)  # 4 parameters\n"
                    ")  # 13 parameters in total")


class NoBackward(ReLU):
    """A parameter-free layer whose backward pass must not be reached."""

    def backward(self, grad_output, input_grad=True):
        raise AssertionError("backward of a layer before the first layer with parameters was called")


class RecordingLinear(Linear):
    """A Linear layer that records the input_grad it was asked for."""

    def backward(self, grad_output, input_grad=True):
        self.asked_for_input_grad = input_grad
        return super().backward(grad_output, input_grad)


def test_backward_without_input_grad_gives_the_same_parameter_gradients():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)
    loss_fn = CrossEntropyLoss()
    grads = []
    for input_grad in (True, False):
        init = np.random.default_rng(4)
        head = ReLU() if input_grad else NoBackward()     # the full pass visits every layer
        model = Sequential(head, RecordingLinear(5, 7, rng=init), Tanh(),
                           RecordingLinear(7, 3, rng=init))
        loss_fn(model(X), y)
        if input_grad:
            assert model.backward(loss_fn.backward(), input_grad=True).shape == X.shape
        else:
            assert model.backward(loss_fn.backward()) is None
        assert model[1].asked_for_input_grad is input_grad    # the first layer that learns
        assert model[3].asked_for_input_grad is True          # its input gradient is needed
        grads.append([p.grad.copy() for p in model.parameters()])
    assert all(np.array_equal(a, b) for a, b in zip(*grads))


def test_backward_without_input_grad_and_without_parameters_does_nothing():
    model = Sequential(NoBackward(), NoBackward())
    model(np.ones((2, 3)))
    assert model.backward(np.ones((2, 3)), input_grad=False) is None


def test_linear_without_input_grad_adds_the_parameter_gradients_only():
    rng = np.random.default_rng(5)
    layer = Linear(4, 3, rng=rng)
    X, G = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    layer(X)
    assert layer.backward(G, input_grad=False) is None
    np.testing.assert_allclose(layer.weight.grad, X.T @ G, rtol=1e-13)
    np.testing.assert_allclose(layer.bias.grad, G.sum(axis=0), rtol=1e-13)


def test_a_cnn_trained_without_input_grad_skips_the_first_convolutions_input_gradient():
    from nnlib import Conv2d, Flatten, MaxPool2d
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(4, 1, 6, 6)), rng.integers(0, 3, size=4)
    loss_fn = CrossEntropyLoss()
    grads = []

    class RecordingConv2d(Conv2d):
        def backward(self, grad_output, input_grad=True):
            self.asked_for_input_grad = input_grad
            return super().backward(grad_output, input_grad)

    for input_grad in (True, False):
        model = Sequential(RecordingConv2d(1, 2, 3, padding=1, rng=1), ReLU(), MaxPool2d(2), Flatten(),
                           Linear(18, 3, rng=2))
        loss_fn(model(X), y)
        returned = model.backward(loss_fn.backward(), input_grad=input_grad)
        assert (returned is None) == (not input_grad)
        assert model[0].asked_for_input_grad is input_grad
        grads.append([p.grad.copy() for p in model.parameters()])
    assert all(np.array_equal(a, b) for a, b in zip(*grads))


# -- one layer in one place ------------------------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda lin: Sequential(lin, ReLU(), lin),
    lambda lin: Sequential(lin, Sequential(Tanh(), lin)),
    lambda lin: Sequential(Sequential(lin), Sequential(lin)),
])
def test_a_layer_used_twice_is_refused_when_the_model_is_built(build):
    with pytest.raises(ValueError, match=r"^Sequential: the module at '[\d.]+' must be a module used "
                                         r"in one place only, got the Linear at '[\d.]+' again; a "
                                         r"module keeps what its forward pass saved .* use two "
                                         r"instances, and to share weights let them share Parameters"):
        build(Linear(3, 3))


def test_the_same_block_twice_is_refused():
    block = Sequential(Linear(3, 3), ReLU())
    with pytest.raises(ValueError, match="the Sequential at '0' again"):
        Sequential(block, block)


def test_append_refuses_a_layer_the_model_holds_and_leaves_the_model_as_it_was():
    lin = Linear(3, 3)
    model = Sequential(lin, ReLU())
    with pytest.raises(ValueError, match="the module at '2' must be a module used in one place"):
        model.append(lin)
    assert len(model) == 2 and model.append(Linear(3, 3)) is model and len(model) == 3


def test_why_it_is_refused_a_layer_called_twice_gets_a_wrong_gradient():
    """What the check prevents: the second call overwrites the first's saved input."""
    rng = np.random.default_rng(0)
    lin, relu = Linear(3, 3, rng=rng), ReLU()
    layers = [lin, relu, lin]                      # a plain list: nothing checks it
    x = rng.normal(size=(4, 3))
    h = x
    for layer in layers:
        h = layer(h)
    g = np.ones_like(h)
    for layer in reversed(layers):
        g = layer.backward(g)
    first, second = Linear(3, 3), Linear(3, 3)     # the right way: two layers sharing weights
    second.weight, second.bias = first.weight, first.bias
    first.weight.data[...], first.bias.data[...] = lin.weight.data, lin.bias.data
    tied = Sequential(first, ReLU(), second)
    tied(x)
    tied.backward(np.ones_like(h))
    assert not np.allclose(lin.weight.grad, first.weight.grad)
    assert max(gradient_errors(tied, x).values()) < 1e-7


def test_shared_parameters_are_listed_once_and_their_gradients_add_up():
    rng = np.random.default_rng(1)
    first, second = Linear(3, 3, rng=rng), Linear(3, 3, rng=rng)
    second.weight = first.weight
    model = Sequential(first, Tanh(), second)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.bias"]
    assert len(model.parameters()) == 3
    errors = gradient_errors(model, rng.normal(size=(5, 3)))
    assert list(errors) == ["input", "0.weight", "0.bias", "2.bias"] and max(errors.values()) < 1e-7


# -- the caller's arrays: copied in training mode --------------------------------------------------

def test_in_training_mode_a_changed_input_or_output_does_not_change_the_gradients():
    rng = np.random.default_rng(2)
    model, loss_fn = Sequential(Linear(4, 3, rng=rng), Sigmoid()), MSELoss()
    x, target = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    y = model(x)
    loss_fn(y, target)
    g = loss_fn.backward()
    model.backward(g, input_grad=True)
    right = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    y = model(x)
    x *= 10                                        # the caller changes its arrays in place
    y *= 0
    grad_x = model.backward(g, input_grad=True)
    assert all(np.array_equal(p.grad, r) for p, r in zip(model.parameters(), right))
    assert model[0].saved[0] is not x and model[1].saved[0] is not y
    assert grad_x.shape == x.shape


def test_in_evaluation_mode_the_first_layer_keeps_the_callers_array():
    model = Sequential(Linear(2, 2), ReLU()).eval()
    x = np.ones((1, 2))
    y = model(x)
    assert model[0].saved[0] is x and model[1].saved[0] is y


def test_the_copies_change_no_number_and_keep_the_dtype():
    rng = np.random.default_rng(3)
    model = three_layer_net(rng, np.float32)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    y = model(x)
    assert y.dtype == np.float32 and np.array_equal(y, model.eval()(x))
    with pytest.raises(TypeError, match=r"Linear\(in_features=5.*\): x must be a NumPy array, "
                                        r"got list"):
        model.train()(x.tolist())                 # not copied: the first layer's own message


# -- ModuleList and ModuleDict ---------------------------------------------------------------------

from nnlib import Module, ModuleDict, ModuleList  # noqa: E402


class Net(Module):
    def __init__(self, **children):
        for name, value in children.items():
            setattr(self, name, value)


def test_module_list_behaves_as_a_list_and_its_modules_are_found():
    a, b, c = Linear(2, 2), Tanh(), Linear(2, 1)
    blocks = ModuleList([a, b])
    assert len(blocks) == 2 and blocks[0] is a and blocks[-1] is b and list(blocks) == [a, b]
    assert isinstance(blocks[:1], ModuleList) and blocks[:1][0] is a
    assert blocks.append(c) is blocks and blocks.extend([]) is blocks and len(blocks) == 3
    net = Net(blocks=blocks)
    assert list(net.state_dict()) == ["blocks.0.weight", "blocks.0.bias", "blocks.2.weight",
                                      "blocks.2.bias"]
    net.eval()
    assert not any(m.training for m in blocks)
    d = Linear(2, 2)
    blocks.insert(1, d)
    assert list(blocks) == [a, d, b, c]
    blocks[1] = Linear(2, 2)
    del blocks[1]
    assert blocks.pop() is c and list(blocks) == [a, b]
    assert repr(ModuleList()) == "ModuleList()"
    assert repr(ModuleList([Tanh()])) == "ModuleList(\n  (0): Tanh()\n)"
    assert ModuleList(m for m in [Tanh(), ReLU()])[1].__class__ is ReLU


@pytest.mark.parametrize("change", [
    lambda blocks: blocks.append(blocks[0]),
    lambda blocks: blocks.extend([Tanh(), blocks[1]]),
    lambda blocks: blocks.insert(0, blocks[1]),
    lambda blocks: blocks.__setitem__(1, blocks[0]),
])
def test_module_list_refuses_a_module_twice_and_stays_as_it_was(change):
    blocks = ModuleList([Linear(2, 2), Sequential(Linear(2, 2))])
    before = list(blocks)
    with pytest.raises(ValueError, match=r"^ModuleList: the module at '.*' must be a module used in "
                                         r"one place only"):
        change(blocks)
    assert list(blocks) == before


def test_module_list_refuses_a_layer_nested_in_one_of_its_blocks():
    lin = Linear(2, 2)
    with pytest.raises(ValueError, match="got the Linear at '0' again"):
        ModuleList([lin, Sequential(lin)])


@pytest.mark.parametrize("call, message", [
    (lambda: ModuleList([Linear(2, 2), ReLU]), "ModuleList: module 1 must be a Module, got type; "
                                              r"pass an instance, ReLU\(\)"),
    (lambda: ModuleList().append("relu"), "ModuleList.append: module must be a Module, got str"),
    (lambda: ModuleList().extend(Linear(2, 2)), "ModuleList.extend: modules must be an Iterable, "
                                               "got Linear"),
])
def test_module_list_refuses_what_is_not_a_module(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_module_list_has_no_forward_pass():
    with pytest.raises(NotImplementedError, match="ModuleList does not implement forward"):
        ModuleList([ReLU()])(np.ones((1, 1)))


def test_module_dict_behaves_as_a_dict_and_its_modules_are_found():
    mean, spread = Linear(3, 1), Linear(3, 1)
    heads = ModuleDict({"mean": mean})
    heads["spread"] = spread
    assert list(heads) == ["mean", "spread"] and "mean" in heads and len(heads) == 2
    assert list(heads.keys()) == ["mean", "spread"] and list(heads.values()) == [mean, spread]
    assert dict(heads.items()) == {"mean": mean, "spread": spread} and heads["spread"] is spread
    net = Net(body=Linear(2, 3), heads=heads)
    assert [n for n, _ in net.named_parameters()] == [
        "body.weight", "body.bias", "heads.mean.weight", "heads.mean.bias",
        "heads.spread.weight", "heads.spread.bias"]
    net.to(np.float32)
    assert heads["spread"].weight.dtype == np.float32
    heads.update([("extra", Tanh())])
    assert heads.pop("extra").__class__ is Tanh
    del heads["spread"]
    assert list(heads) == ["mean"]
    heads.clear()
    assert len(heads) == 0 and repr(heads) == "ModuleDict()"
    assert list(ModuleDict([("a", Tanh()), ("b", ReLU())])) == ["a", "b"]


@pytest.mark.parametrize("call, error, message", [
    (lambda h: h.__setitem__(1, Tanh()), TypeError, r"ModuleDict.update: the key of module 1 must "
                                                     r"be a string, .* got 1; use '1'"),
    (lambda h: h.update({"a.b": Tanh()}), ValueError, "a key must be a non-empty string without"),
    (lambda h: h.update({"": Tanh()}), ValueError, "a key must be a non-empty string without"),
    (lambda h: h.update({"x": Tanh, "y": Tanh()}), TypeError, r"module 'x' must be a Module, got "
                                                            r"type; pass an instance, Tanh\(\)"),
    (lambda h: h.update({"x": h["a"]}), ValueError, "the module at 'x' must be a module used in one "
                                                    "place only, got the Linear at 'a' again"),
    (lambda h: h.update(3), TypeError, "ModuleDict.update: modules must be an Iterable, got int"),
])
def test_module_dict_refuses_bad_keys_values_and_repeats_and_stays_as_it_was(call, error, message):
    heads = ModuleDict({"a": Linear(2, 2)})
    with pytest.raises(error, match=message):
        call(heads)
    assert list(heads) == ["a"]


def test_containers_name_parameters_as_pytorch_does():
    torch = pytest.importorskip("torch")

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Tanh(),
                                               torch.nn.Linear(2, 2)])
            self.heads = torch.nn.ModuleDict({"mean": torch.nn.Linear(2, 1),
                                              "scale": torch.nn.Linear(2, 1)})

    ours = Net(blocks=ModuleList([Linear(2, 2), Tanh(), Linear(2, 2)]),
               heads=ModuleDict({"mean": Linear(2, 1), "scale": Linear(2, 1)}))
    assert list(ours.state_dict()) == list(TorchNet().state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in TorchNet().named_modules()]
    assert len(ModuleList([Tanh(), Tanh()])) == len(torch.nn.ModuleList([torch.nn.Tanh()] * 2))
