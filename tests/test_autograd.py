"""nnlib.autograd (chapter 14): Tensor, unbroadcast, no_grad, is_grad_enabled.

Every operation's vector-Jacobian product against central differences (float64) and against
PyTorch: the answers recorded by tests/autograd_reference.py (no PyTorch needed), and PyTorch
itself, live, in float64 and float32, where it is installed. Then the rules of the tape, the
errors, the dtypes, and a network on the tape against nnlib's layers.
"""

import numpy as np
import pytest

import recorded
from autograd_reference import CASES, NnlibOps, cases, torch_gradients, two_layer
from nnlib import (CrossEntropyLoss, Linear, ReLU, Sequential, Tensor, is_grad_enabled,
                   no_grad, numerical_gradient, relative_error, unbroadcast)

REFERENCE, META = recorded.read("autograd_reference")
OPS = NnlibOps()


def recorded(name):
    """The recorded inputs, upstream gradient, PyTorch's output and gradients of a case."""
    n = len(CASES[name][0])
    xs = [REFERENCE[f"{name}/x{i}"] for i in range(n)]
    gs = [REFERENCE[f"{name}/g{i}"] for i in range(n)]
    return xs, REFERENCE[f"{name}/R"], REFERENCE[f"{name}/y"], gs


def on_tape(name, arrays, R, dtype=np.float64):
    """nnlib's output and input gradients of a case, for sum(output * R)."""
    leaves = [Tensor(np.array(a, dtype=dtype), requires_grad=True) for a in arrays]
    y = CASES[name][1](OPS, *leaves)
    y.backward(np.asarray(R, dtype=y.dtype))
    return y, leaves


# -- the recording -------------------------------------------------------------------------

def test_the_recording_covers_every_case_of_the_script():
    meta = META
    assert meta["cases"] == cases(), "re-run tests/autograd_reference.py with torch installed"
    expected = {"__meta__"}
    for name, (specs, _) in CASES.items():
        expected |= {f"{name}/{k}" for i in range(len(specs)) for k in (f"x{i}", f"g{i}")}
        expected |= {f"{name}/R", f"{name}/y"}
    assert set(REFERENCE.files) == expected


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_match_recorded_torch(name):
    xs, R, y_torch, g_torch = recorded(name)
    y, leaves = on_tape(name, xs, R)
    assert y.shape == y_torch.shape
    assert relative_error(y.data, y_torch) < 1e-12
    for leaf, g in zip(leaves, g_torch):
        assert leaf.grad.shape == g.shape and leaf.grad.dtype == np.float64
        assert relative_error(leaf.grad, g) < 1e-12, name


@pytest.mark.parametrize("name", [n for n, (specs, _) in CASES.items()
                                  if all(kind != "ties" for _, kind in specs)])
def test_gradients_match_central_differences(name):
    xs, R, _, _ = recorded(name)
    xs = [x.copy() for x in xs]                         # perturbed in place
    _, leaves = on_tape(name, xs, R)

    def scalar():
        return float(np.sum(CASES[name][1](OPS, *[Tensor(x) for x in xs]).data * R))
    for leaf, x in zip(leaves, xs):
        assert relative_error(leaf.grad, numerical_gradient(scalar, x)) < 1e-7, name


def test_ties_share_the_gradient_of_the_maximum():
    x = Tensor([[1.0, 3.0, 3.0, 3.0], [0.0, 0.0, -1.0, 2.0]], requires_grad=True)
    x.max(axis=1).backward(np.array([3.0, 1.0]))
    np.testing.assert_array_equal(x.grad, [[0, 1, 1, 1], [0, 0, 0, 1]])
    y = Tensor(np.ones((2, 2)), requires_grad=True)
    y.max().backward()
    np.testing.assert_array_equal(y.grad, np.full((2, 2), 0.25))


# -- PyTorch, live -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_gradients_match_live_torch(name, dtype):
    torch = pytest.importorskip("torch")
    xs, R, _, _ = recorded(name)
    xs = [x.astype(dtype) for x in xs]
    y_torch, _, g_torch = torch_gradients(name, xs, R, dtype=getattr(torch, dtype))
    y, leaves = on_tape(name, xs, R, dtype=np.dtype(dtype))
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    assert y.dtype == dtype and relative_error(y.data, y_torch) < tolerance
    for leaf, g in zip(leaves, g_torch):
        assert leaf.grad.dtype == dtype
        assert relative_error(leaf.grad, g) < tolerance, name


def test_a_second_backward_fails_in_torch_as_in_nnlib():
    torch = pytest.importorskip("torch")
    w = torch.ones(3, dtype=torch.float64, requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (w * w).backward()


# -- dtypes --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CASES))
def test_float32_stays_float32(name):
    xs, R, _, _ = recorded(name)
    y, leaves = on_tape(name, xs, R, dtype=np.float32)
    assert y.dtype == np.float32
    assert all(leaf.grad.dtype == np.float32 for leaf in leaves)


def test_data_conversion_and_mixed_dtypes():
    assert Tensor([1, 2]).dtype == np.float64 and Tensor(3).dtype == np.float64
    assert Tensor(np.arange(3)).dtype == np.float64
    assert Tensor(np.array([True, False])).dtype == np.float64
    assert Tensor([1.0], dtype=np.float32).dtype == np.float32
    kept = np.ones(3, dtype=np.float32)
    assert Tensor(kept).data is kept                     # a float array is not copied
    a = Tensor(np.ones(3, np.float32), requires_grad=True)
    b = Tensor(np.full(3, 2.0), requires_grad=True)
    (a * b).sum().backward()
    assert (a * b).dtype == np.float64
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad, [2, 2, 2])
    assert (a * 2.0).dtype == np.float32 and (2.0 / a).dtype == np.float32
    assert (a + np.arange(3)).dtype == np.float32        # an integer array takes a's dtype


def test_numpy_arrays_on_either_side():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = np.array([3.0, 4.0]) * x + np.ones(2) - x / np.array([1.0, 2.0])
    assert isinstance(y, Tensor)
    z = np.eye(2) @ y
    assert isinstance(z, Tensor)
    z.sum().backward()
    np.testing.assert_allclose(x.grad, [3.0 - 1.0, 4.0 - 0.5])


# -- the rules of the tape -----------------------------------------------------------------

def test_grad_is_none_until_backward_and_accumulates_across_passes():
    w = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    assert w.grad is None
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    first = w.grad.copy()
    np.testing.assert_array_equal(first, 2 * w.data)
    loss.backward()
    np.testing.assert_array_equal(w.grad, 2 * first)
    w.grad = None                                        # the user's reset
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0, 3.0])


def test_only_leaves_keep_a_gradient_and_gradients_are_not_shared():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    middle = a + b
    seed = np.array([1.0, 2.0, 3.0])
    middle.backward(seed)
    assert middle.grad is None and not middle.is_leaf and a.is_leaf
    assert a.grad is not b.grad and a.grad is not seed
    a.grad += 1
    np.testing.assert_array_equal(b.grad, seed)
    np.testing.assert_array_equal(seed, [1.0, 2.0, 3.0])


def test_backward_frees_the_graph_unless_retained():
    w = Tensor(np.ones(2), requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time; "
                                           ".*retain_graph=True"):
        loss.backward()
    assert loss._edges is None
    kept = (w * w).sum()
    kept.backward(retain_graph=True)
    assert kept._edges
    kept.backward()


def test_a_second_pass_through_a_freed_part_changes_nothing():
    w = Tensor(np.ones(2), requires_grad=True)
    shared = w * w
    shared.sum().backward()
    before = w.grad.copy()
    with pytest.raises(RuntimeError, match="a second time"):
        (shared * 2 + w).sum().backward()
    np.testing.assert_array_equal(w.grad, before)        # nothing half done


def test_the_seed_of_a_non_scalar_output():
    w = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           r"outputs, and this output has shape \(3,\); .*"
                                           r"backward\(gradient\)"):
        (w * w).backward()
    (w * w).backward(Tensor(np.array([1.0, 0.0, 2.0])))
    np.testing.assert_array_equal(w.grad, [2.0, 0.0, 12.0])
    one = Tensor(np.array([[2.0]]), requires_grad=True)
    (one * one).backward()                               # one element: the seed is 1
    np.testing.assert_array_equal(one.grad, [[4.0]])


def test_bad_gradients_and_options_are_refused():
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"Tensor.backward: gradient must be of shape \(3,\)"):
        (w * 2).backward(np.ones(4))
    with pytest.raises(ValueError, match="Tensor.backward: gradient must be float64, got "
                                         "float32"):
        (w * 2).backward(np.ones(3, np.float32))
    with pytest.raises(TypeError, match="Tensor.backward: gradient must be a NumPy array, "
                                        "got list"):
        (w * 2).backward([1.0, 1.0, 1.0])
    with pytest.raises(TypeError, match="retain_graph must be a bool, got int"):
        w.sum().backward(retain_graph=1)
    with pytest.raises(RuntimeError, match="does not require grad.*requires_grad=True"):
        Tensor(np.ones(3)).sum().backward()


def test_no_grad_records_nothing_nests_and_restores():
    w = Tensor(np.ones(3), requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        y = w * 2
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y._edges == ()
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            1 / 0
    assert is_grad_enabled()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_constants_need_no_gradient():
    x = Tensor(np.ones((2, 3)))
    W = Tensor(np.ones((3, 4)), requires_grad=True)
    loss = (x @ W).sum()
    assert loss.requires_grad and not x.requires_grad
    loss.backward()
    assert x.grad is None and W.grad.shape == (3, 4)
    d = W.detach()
    assert d.data is W.data and not d.requires_grad and d.is_leaf


def test_a_graph_deeper_than_the_recursion_limit():
    import sys
    x = Tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y + x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3 * sys.getrecursionlimit() + 1])


def test_the_order_waits_for_every_user_of_a_node():
    """L = x * (2x): marking nodes when pushed (not when expanded) would give 2x, not 4x."""
    x = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    (x * (x * 2)).backward(np.ones(2))
    np.testing.assert_array_equal(x.grad, 4 * x.data)
    y = Tensor(np.array([2.0]), requires_grad=True)     # a diamond with a shortcut
    u = y * 3
    v = u * y
    (v + u + y).backward(np.ones(1))
    np.testing.assert_array_equal(y.grad, [6 * 2.0 + 3 + 1])


# -- errors and conveniences ---------------------------------------------------------------

def test_bad_data_and_arguments_are_refused():
    with pytest.raises(TypeError, match="Tensor: data must be real numbers, got dtype <U3"):
        Tensor("abc")
    with pytest.raises(TypeError, match="Tensor: data must be real numbers, got dtype "
                                        "complex128"):
        Tensor(np.array([1j]))
    with pytest.raises(TypeError, match="Tensor: requires_grad must be a bool, got int"):
        Tensor([1.0], requires_grad=1)
    with pytest.raises(ValueError, match="Tensor: dtype must be float32 or float64, got int32"):
        Tensor([1.0], dtype=np.int32)
    t = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"Tensor \+: the other operand must be a Tensor, a "
                                        "NumPy array or a real number, got str"):
        t + "a"
    with pytest.raises(TypeError, match=r"Tensor \*: the other operand .* got list"):
        [1.0, 2.0] * t
    with pytest.raises(TypeError, match=r"Tensor \*\*: the exponent must be a real number, got "
                                        r"a Tensor; .*\(b \* a.log\(\)\).exp\(\)"):
        t ** t
    with pytest.raises(TypeError, match=r"Tensor \*\*: the exponent must be a real number"):
        t ** "2"


def test_conveniences():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert (t.shape, t.dtype, t.ndim) == ((2, 3), np.float64, 2)
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(Tensor([1.0], dtype=np.float32, requires_grad=True)) == \
        "Tensor([1.], dtype=float32, requires_grad=True)"
    assert (t.sum() * 2).item() == 30.0 and isinstance(t.sum().item(), float)
    assert t.T.shape == (3, 2) and t.transpose(1, 0).shape == (3, 2)
    assert t.transpose((1, 0)).shape == (3, 2) and t.reshape((3, 2)).shape == (3, 2)
    assert t.mean(axis=1).shape == (2,) and t.max(axis=0, keepdims=True).shape == (1, 3)


@pytest.mark.parametrize("small, large", [((4,), (3, 4)), ((3, 1), (3, 4)), ((), (2, 3)),
                                          ((1, 1), (2, 3)), ((2, 1, 5), (7, 2, 3, 5)),
                                          ((3, 4), (3, 4))])
def test_unbroadcast_is_the_adjoint_of_broadcasting(small, large):
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=small), rng.normal(size=large)
    back = unbroadcast(g, small)
    assert back.shape == small
    assert np.sum(np.broadcast_to(x, large) * g) == pytest.approx(np.sum(x * back), rel=1e-12)


def test_unbroadcast_refuses_a_shape_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r"unbroadcast: shape must be a shape that broadcasts "
                                         r"to grad's \(3, 4\), got \(3,\)"):
        unbroadcast(np.ones((3, 4)), (3,))
    with pytest.raises(ValueError, match="unbroadcast: shape"):
        unbroadcast(np.ones(4), (2, 4))


# -- a network on the tape -----------------------------------------------------------------

@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_a_network_on_the_tape_matches_the_layers(dtype, tolerance):
    """x @ W1 + b1, relu, @ W2 + b2 and a log-sum-exp cross-entropy, all as Tensor operations,
    against Sequential(Linear, ReLU, Linear) and CrossEntropyLoss with the same weights."""
    from autograd_reference import LABELS
    rng = np.random.default_rng(3)
    model = Sequential(Linear(5, 6, rng=rng, dtype=dtype), ReLU(),
                       Linear(6, 3, rng=rng, dtype=dtype))
    X = rng.normal(size=(len(LABELS), 5)).astype(dtype)
    loss_fn = CrossEntropyLoss()
    value = loss_fn(model(X), LABELS)
    model.backward(loss_fn.backward())
    params = [Tensor(p.data.copy(), requires_grad=True) for p in model.parameters()]
    loss = two_layer(OPS, Tensor(X), *params)
    loss.backward()
    assert abs(loss.item() - value) <= tolerance * abs(value)
    for t, p in zip(params, model.parameters()):
        assert t.grad.dtype == dtype
        assert relative_error(t.grad, p.grad) < tolerance
