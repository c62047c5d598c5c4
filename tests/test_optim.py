"""Optimizers (chapter 7): update rules against hand computations with plain floats and against
the equations written with arrays (bit for bit), PyTorch's recorded trajectories, state kept per
parameter and created at its first step, parameters without a gradient left alone, dtype and
in-place behaviour, allocations, validation (read-only parameters included), state dicts and a run
resumed from one bit for bit, and (when PyTorch is installed) torch.optim itself."""
import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib import SGD, Adagrad, RMSprop, Adam, AdamW, Optimizer, Parameter

START = [0.5, -1.0, 2.0]
GRADIENTS = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05], [0.25, 0.0, -1.5]]


def run(optimizer_class, gradients=GRADIENTS, start=START, dtype=np.float64, **hyperparameters):
    """The parameter's values after each step, as lists of Python floats."""
    p = Parameter(np.array(start, dtype=dtype))
    optimizer = optimizer_class([p], **hyperparameters)
    values = []
    for g in gradients:
        optimizer.zero_grad()
        p.accumulate(np.array(g, dtype=dtype))
        optimizer.step()
        values.append(p.data.tolist())
    return values


def assert_close(got, expected, tol=1e-12):
    assert np.allclose(np.array(got), np.array(expected), rtol=0, atol=tol), (got, expected)


# -- references written from the documented formulas, one entry at a time, in plain Python floats --

def sgd_reference(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    out = []
    for j, theta in enumerate(START):
        b, values = None, []
        for grads in GRADIENTS:
            g = grads[j] + weight_decay * theta
            if momentum != 0:
                b = g if b is None else momentum * b + (1 - dampening) * g
                g = g + momentum * b if nesterov else b
            theta = theta - lr * g
            values.append(theta)
        out.append(values)
    return [list(step) for step in zip(*out)]


def rmsprop_reference(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    out = []
    for j, theta in enumerate(START):
        v = g_avg = b = 0.0
        values = []
        for grads in GRADIENTS:
            g = grads[j] + weight_decay * theta
            v = alpha * v + (1 - alpha) * g * g
            if centered:
                g_avg = alpha * g_avg + (1 - alpha) * g
                d = math.sqrt(v - g_avg * g_avg) + eps
            else:
                d = math.sqrt(v) + eps
            if momentum > 0:
                b = momentum * b + g / d
                theta = theta - lr * b
            else:
                theta = theta - lr * g / d
            values.append(theta)
        out.append(values)
    return [list(step) for step in zip(*out)]


def adagrad_reference(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    out = []
    for j, theta in enumerate(START):
        total, values = initial_accumulator_value, []
        for t, grads in enumerate(GRADIENTS, start=1):
            g = grads[j] + weight_decay * theta
            total = total + g * g
            theta = theta - lr / (1 + (t - 1) * lr_decay) * g / (math.sqrt(total) + eps)
            values.append(theta)
        out.append(values)
    return [list(step) for step in zip(*out)]


def adam_reference(lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    beta1, beta2 = betas
    out = []
    for j, theta in enumerate(START):
        m = v = 0.0
        values = []
        for t, grads in enumerate(GRADIENTS, start=1):
            g = grads[j]
            if decoupled:
                theta = theta * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * theta
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            theta = theta - lr * m_hat / (math.sqrt(v_hat) + eps)
            values.append(theta)
        out.append(values)
    return [list(step) for step in zip(*out)]


# -- the update rules written with arrays, as chapter 7 derives them (rmsprop_update, adam_update) --

def rmsprop_equations(self, p, g, state):
    alpha, mu = self.alpha, self.momentum
    state["step"] = state.get("step", 0) + 1
    if self.weight_decay:
        g = g + self.weight_decay * p.data
    v = state["square_avg"] = alpha * state.get("square_avg", 0) + (1 - alpha) * g**2
    if self.centered:
        g_avg = state["grad_avg"] = alpha * state.get("grad_avg", 0) + (1 - alpha) * g
        v = v - g_avg**2
    s = g / (np.sqrt(v) + self.eps)
    if mu:
        s = state["momentum_buffer"] = mu * state.get("momentum_buffer", 0) + s
    p.data -= self.lr * s


def adam_equations(self, p, g, state):
    beta1, beta2 = self.betas
    t = state["step"] = state.get("step", 0) + 1
    if self.weight_decay and isinstance(self, AdamW):
        p.data *= 1 - self.lr * self.weight_decay
    elif self.weight_decay:
        g = g + self.weight_decay * p.data
    m = state["exp_avg"] = beta1 * state.get("exp_avg", 0) + (1 - beta1) * g
    v = state["exp_avg_sq"] = beta2 * state.get("exp_avg_sq", 0) + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# -- SGD -----------------------------------------------------------------------------------------

def test_sgd_plain_steps_by_hand():
    # theta - 0.1 g, three times
    expected = [[0.49, -0.98, 1.97], [0.53, -1.03, 1.965], [0.505, -1.03, 2.115]]
    assert_close(run(SGD, lr=0.1), expected)


def test_sgd_momentum_first_buffer_is_the_gradient_by_hand():
    # b1 = g1; b2 = 0.9 b1 + g2; b3 = 0.9 b2 + g3 (first entry: 0.1, -0.31, -0.029)
    got = run(SGD, lr=0.1, momentum=0.9)
    assert_close([step[0] for step in got], [0.49, 0.521, 0.5239])
    assert_close(got, sgd_reference(0.1, momentum=0.9))


@pytest.mark.parametrize("options", [
    dict(momentum=0.9, dampening=0.5),
    dict(momentum=0.9, nesterov=True),
    dict(weight_decay=0.1),
    dict(momentum=0.5, weight_decay=0.2),
    dict(momentum=0.9, weight_decay=0.1, nesterov=True),
], ids=str)
def test_sgd_options_match_the_reference(options):
    assert_close(run(SGD, lr=0.1, **options), sgd_reference(0.1, **options))


def test_sgd_dampening_is_not_applied_on_the_first_step():
    first = run(SGD, gradients=GRADIENTS[:1], lr=0.1, momentum=0.9, dampening=0.5)
    assert_close(first, run(SGD, gradients=GRADIENTS[:1], lr=0.1))


def test_sgd_nesterov_by_hand():
    # first entry: b1 = 0.1, step 0.1 + 0.09; b2 = 0.09 - 0.4 = -0.31, step -0.4 - 0.279
    got = run(SGD, gradients=GRADIENTS[:2], lr=0.1, momentum=0.9, nesterov=True)
    assert_close([step[0] for step in got], [0.5 - 0.019, 0.5 - 0.019 + 0.0679])


def test_sgd_momentum_buffer_is_a_copy_of_the_first_gradient():
    p = Parameter(np.array(START))
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    p.accumulate(np.array(GRADIENTS[0]))
    optimizer.step()
    buffer = optimizer.state[p]["momentum_buffer"]
    assert buffer is not p.grad and np.array_equal(buffer, GRADIENTS[0])
    p.accumulate(np.ones(3))              # a second backward pass without zero_grad adds to .grad
    assert np.array_equal(buffer, GRADIENTS[0])


# -- RMSprop -------------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [
    dict(),
    dict(lr=0.05, alpha=0.9),
    dict(momentum=0.9),
    dict(centered=True),
    dict(centered=True, momentum=0.5, weight_decay=0.1),
    dict(weight_decay=0.3, eps=1e-3),
], ids=str)
def test_rmsprop_matches_the_reference(options):
    assert_close(run(RMSprop, **options), rmsprop_reference(**options))


def test_rmsprop_first_step_by_hand():
    # v1 = 0.01 g^2, so the step is 0.01 * g / (0.1 |g| + 1e-8)
    got = run(RMSprop, gradients=GRADIENTS[:1])
    assert_close(got[0], [t - 0.01 * g / (0.1 * abs(g) + 1e-8) for t, g in zip(START, GRADIENTS[0])])


# -- Adagrad -------------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [
    dict(),
    dict(lr=0.1, lr_decay=0.5),
    dict(weight_decay=0.3),
    dict(initial_accumulator_value=0.2, eps=1e-3),
    dict(lr=0.05, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=1.0),
], ids=str)
def test_adagrad_matches_the_reference(options):
    assert_close(run(Adagrad, **options), adagrad_reference(**options))


def test_adagrad_steps_by_hand_first_lr_then_lr_over_sqrt_t():
    # G_1 = g^2: the first step is lr g / (|g| + eps); with a constant gradient step t is lr / sqrt(t)
    got = run(Adagrad, gradients=GRADIENTS[:1], lr=0.1)
    assert_close(got[0], [t - 0.1 * g / (abs(g) + 1e-10) for t, g in zip(START, GRADIENTS[0])])
    values = [v[0] for v in run(Adagrad, gradients=[[2.0, 2.0, 2.0]] * 100, lr=0.1)]
    assert values[-2] - values[-1] == pytest.approx(0.1 / math.sqrt(100), rel=1e-9)


def test_adagrad_counts_steps_per_parameter_and_keeps_its_sum():
    a, b = Parameter(np.zeros(3)), Parameter(np.zeros(3))
    optimizer = Adagrad([a, b], lr=0.1, lr_decay=1.0, initial_accumulator_value=0.5)
    a.accumulate(np.ones(3))
    optimizer.step()
    optimizer.zero_grad()
    for p in (a, b):
        p.accumulate(np.full(3, 2.0))
    optimizer.step()
    assert optimizer.state[a]["step"] == 2 and optimizer.state[b]["step"] == 1
    assert_close(optimizer.state[a]["sum"], np.full(3, 0.5 + 1 + 4))
    assert_close(b.data, np.full(3, -0.1 * 2 / (math.sqrt(4.5) + 1e-10)))     # lr_decay: t = 1, lr
    assert_close(a.data, np.full(3, -0.1 / (math.sqrt(1.5) + 1e-10) - 0.1 / 2 * 2 / (math.sqrt(5.5) + 1e-10)))


def test_adagrad_defaults_and_repr_are_pytorchs():
    optimizer = Adagrad(params())
    assert (optimizer.lr, optimizer.lr_decay, optimizer.weight_decay, optimizer.initial_accumulator_value,
            optimizer.eps) == (0.01, 0.0, 0.0, 0.0, 1e-10)
    assert repr(optimizer) == "Adagrad(lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10)"
    positional = Adagrad(params(), 0.1, 0.2, 0.3, 0.4, 0.5)        # torch.optim.Adagrad's order
    assert (positional.lr_decay, positional.weight_decay, positional.initial_accumulator_value,
            positional.eps) == (0.2, 0.3, 0.4, 0.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adagrad_allocates_only_short_lived_temporaries(dtype):
    params = [Parameter(p.data.astype(dtype)) for p in big_params()]
    assert peak_of_two_steps(Adagrad(params, lr_decay=0.1), params) < 3.01


# -- Adam and AdamW ------------------------------------------------------------------------------

def test_adam_first_step_is_lr_times_the_sign_by_bias_correction():
    # m_hat = g and v_hat = g^2 at t = 1: the step is lr * g / (|g| + eps)
    got = run(Adam, gradients=GRADIENTS[:1], lr=0.01)
    assert_close(got[0], [t - 0.01 * g / (abs(g) + 1e-8) for t, g in zip(START, GRADIENTS[0])])


@pytest.mark.parametrize("options", [
    dict(),
    dict(lr=0.1, betas=(0.5, 0.9)),
    dict(lr=0.01, eps=1e-2),
    dict(lr=0.01, weight_decay=0.5),
], ids=str)
def test_adam_matches_the_reference(options):
    assert_close(run(Adam, **options), adam_reference(**options))


@pytest.mark.parametrize("options", [dict(), dict(lr=0.01, weight_decay=0.5), dict(lr=0.1, betas=(0.8, 0.99))],
                         ids=str)
def test_adamw_decays_the_weights_before_the_adam_step(options):
    expected = adam_reference(**{"weight_decay": 0.01, **options}, decoupled=True)
    assert_close(run(AdamW, **options), expected)


def test_adamw_default_weight_decay_and_differs_from_adam_l2():
    assert AdamW([Parameter(np.zeros(2))]).weight_decay == 0.01
    assert Adam([Parameter(np.zeros(2))]).weight_decay == 0.0
    l2 = np.array(run(Adam, lr=0.01, weight_decay=0.5))
    decoupled = np.array(run(AdamW, lr=0.01, weight_decay=0.5))
    assert np.abs(l2 - decoupled).max() > 1e-3


def test_adam_counts_steps_per_parameter_for_its_bias_correction():
    # b gets no gradient at the first step: its first step, later, is a first step (size lr)
    a, b = Parameter(np.zeros(3)), Parameter(np.zeros(3))
    optimizer = Adam([a, b], lr=0.01)
    a.accumulate(np.ones(3))
    optimizer.step()
    optimizer.zero_grad()
    for p in (a, b):
        p.accumulate(np.array([2.0, -3.0, 0.5]))
    optimizer.step()
    assert optimizer.state[a]["step"] == 2 and optimizer.state[b]["step"] == 1
    assert optimizer.t == 2
    g = np.array([2.0, -3.0, 0.5])
    assert_close(b.data, -0.01 * g / (np.abs(g) + 1e-8))        # a first step: lr g / |g|


# -- the allocation-free steps are the equations, bit for bit -------------------------------------

@pytest.mark.parametrize("optimizer_class, equations, options", [
    (RMSprop, rmsprop_equations, dict()),
    (RMSprop, rmsprop_equations, dict(momentum=0.9)),
    (RMSprop, rmsprop_equations, dict(centered=True, weight_decay=0.1)),
    (RMSprop, rmsprop_equations, dict(centered=True, momentum=0.5, weight_decay=0.1, alpha=0.9)),
    (Adam, adam_equations, dict()),
    (Adam, adam_equations, dict(lr=0.1, betas=(0.5, 0.9), weight_decay=0.3)),
    (AdamW, adam_equations, dict()),
    (AdamW, adam_equations, dict(lr=0.05, weight_decay=0.5, eps=1e-3)),
], ids=lambda v: getattr(v, "__name__", str(v)))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_allocation_free_steps_equal_the_equations_bit_for_bit(optimizer_class, equations, options, dtype):
    results = []
    for cls in (optimizer_class, type("Equations", (optimizer_class,), {"update": equations})):
        rng = np.random.default_rng(1)
        params = [Parameter(rng.normal(size=(7, 5)).astype(dtype)), Parameter(rng.normal(size=5).astype(dtype)),
                  Parameter(rng.normal(size=2).astype(dtype))]
        optimizer = cls(params, **options)
        for i in range(8):
            optimizer.zero_grad()
            for p in params[:2] if i % 3 else params:         # the last one is skipped now and then
                p.accumulate(rng.normal(size=p.shape).astype(dtype))
            optimizer.step()
        results.append((params, optimizer.state))
    (ours, our_state), (theirs, their_state) = results
    for p, q in zip(ours, theirs):
        assert p.data.dtype == dtype and np.array_equal(p.data, q.data)
        assert our_state[p].keys() == their_state[q].keys()
        assert all(np.array_equal(our_state[p][k], their_state[q][k]) for k in our_state[p])


# -- PyTorch's recorded trajectories (tests/data/torch_reference.npz), with PyTorch 2's gradients ---

def test_optimizers_follow_pytorchs_recorded_trajectories():
    from torch_reference import OPTIMIZER_CASES
    reference = np.load(Path(__file__).resolve().parent / "data" / "torch_reference.npz")
    for i, (name, options) in enumerate(OPTIMIZER_CASES):
        weight = Parameter(reference[f"optim/{i}/start"].copy())
        optimizer = getattr(nnlib, name)([weight], **options)
        for g, expected in zip(reference[f"optim/{i}/gradients"], reference[f"optim/{i}/path"]):
            optimizer.zero_grad()
            weight.accumulate(g.copy())
            optimizer.step()
            np.testing.assert_allclose(weight.data, expected, rtol=1e-12, atol=1e-13, err_msg=name)


# -- behaviour shared by all optimizers ----------------------------------------------------------

ALL = [(SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
       (SGD, dict(lr=0.1, momentum=0.9, dampening=0.1)),
       (RMSprop, dict(momentum=0.9, centered=True, weight_decay=0.01)),
       (Adam, dict(weight_decay=0.01)),
       (AdamW, dict())]
IDS = lambda v: getattr(v, "__name__", str(v))    # noqa: E731
WITH_ADAGRAD = ALL + [(Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1))]


@pytest.mark.parametrize("optimizer_class, options", WITH_ADAGRAD, ids=IDS)
def test_float32_parameters_and_state_stay_float32_and_close_to_float64(optimizer_class, options):
    p = Parameter(np.array(START, dtype=np.float32))
    optimizer = optimizer_class([p], **options)
    data = p.data
    for g in GRADIENTS:
        optimizer.zero_grad()
        p.accumulate(np.array(g, dtype=np.float32))
        optimizer.step()
    assert p.data is data and p.data.dtype == np.float32 and p.grad.dtype == np.float32
    states = [a for a in optimizer.state[p].values() if isinstance(a, np.ndarray)]
    assert states and all(a.dtype == np.float32 and a.shape == p.shape for a in states)
    assert_close(p.data, run(optimizer_class, **options)[-1], tol=1e-5)


@pytest.mark.parametrize("optimizer_class, options, keys", [
    (SGD, dict(lr=0.1), None),
    (SGD, dict(lr=0.1, momentum=0.9), {"momentum_buffer"}),
    (RMSprop, dict(), {"step", "square_avg"}),
    (RMSprop, dict(momentum=0.9, centered=True), {"step", "square_avg", "grad_avg", "momentum_buffer"}),
    (Adam, dict(), {"step", "exp_avg", "exp_avg_sq"}),
    (AdamW, dict(), {"step", "exp_avg", "exp_avg_sq"}),
    (Adagrad, dict(), {"step", "sum"}),
], ids=lambda value: str(sorted(value) if isinstance(value, set) else value))
def test_state_is_created_at_a_parameters_first_step_with_pytorchs_names(optimizer_class, options, keys):
    p = Parameter(np.array(START))
    optimizer = optimizer_class([p], **options)
    assert p not in optimizer.state
    p.data = p.data.astype(np.float32)          # as model.to(np.float32) does: before the first step
    p.accumulate(np.ones(3, np.float32))
    optimizer.step()
    optimizer.step()
    if keys is None:
        assert not optimizer.state.get(p)
        return
    assert set(optimizer.state[p]) == keys
    assert all(v.dtype == np.float32 and v.shape == (3,) for k, v in optimizer.state[p].items() if k != "step")
    assert optimizer.state[p].get("step", 2) == 2


@pytest.mark.parametrize("optimizer_class, options", WITH_ADAGRAD + [(RMSprop, dict(momentum=0.5, weight_decay=0.1))],
                         ids=IDS)
def test_a_parameter_whose_grad_is_none_is_not_moved_and_its_state_not_changed(optimizer_class, options):
    a, b = Parameter(np.array(START)), Parameter(np.array([1.0, 2.0]))
    optimizer = optimizer_class([a, b], **options)
    a.accumulate(np.ones(3))
    b.accumulate(np.ones(2))
    optimizer.step()
    optimizer.zero_grad()
    a.accumulate(np.ones(3))
    before = b.data.copy()
    state = {k: np.copy(v) for k, v in optimizer.state[b].items()}
    optimizer.step()
    assert b.grad is None and np.array_equal(b.data, before)
    assert optimizer.state[b].keys() == state.keys()
    assert all(np.array_equal(optimizer.state[b][k], v) for k, v in state.items())
    assert not np.array_equal(a.data, START)


@pytest.mark.parametrize("optimizer_class, options", WITH_ADAGRAD, ids=IDS)
def test_a_zero_gradient_is_a_gradient_momentum_and_weight_decay_move_the_parameter(optimizer_class, options):
    p = Parameter(np.array(START))
    optimizer = optimizer_class([p], **options)
    p.accumulate(np.ones(3))
    optimizer.step()
    optimizer.zero_grad(set_to_none=False)
    before = p.data.copy()
    optimizer.step()
    assert not p.grad.any() and not np.array_equal(p.data, before)


def test_a_parameter_that_never_gets_a_gradient_gets_no_state():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    for optimizer in (SGD([a, b], lr=0.1, momentum=0.9), RMSprop([a, b]), Adam([a, b]), Adagrad([a, b])):
        a.accumulate(np.ones(2))
        optimizer.step()
        optimizer.zero_grad()
        assert b not in optimizer.state and np.array_equal(b.data, [0.0, 0.0])


@pytest.mark.parametrize("optimizer_class, options", WITH_ADAGRAD, ids=IDS)
def test_step_updates_in_place_and_leaves_grad_alone(optimizer_class, options):
    rng = np.random.default_rng(0)
    params = [Parameter(rng.normal(size=(20, 10))), Parameter(rng.normal(size=10))]
    for p in params:
        p.accumulate(rng.normal(size=p.shape))
    grads = [p.grad.copy() for p in params]
    arrays = [p.data for p in params]
    optimizer = optimizer_class(params, **options)
    optimizer.step()
    optimizer.step()
    assert all(p.data is a for p, a in zip(params, arrays))
    assert all(np.array_equal(p.grad, g) for p, g in zip(params, grads))
    assert optimizer.t == 2


def peak_of_two_steps(optimizer, params):
    """The peak of what two steps allocate, in units of the largest parameter's size."""
    for p in params:
        p.accumulate(np.random.default_rng(0).normal(size=p.shape).astype(p.dtype))
    optimizer.step()                                  # the first step creates the state
    tracemalloc.start()
    optimizer.step()
    optimizer.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / max(p.data.nbytes for p in params)


def big_params():
    rng = np.random.default_rng(0)
    return [Parameter(rng.normal(size=(200, 100)).astype(np.float32)), Parameter(np.zeros(100, np.float32))]


@pytest.mark.parametrize("optimizer_class, options", ALL[2:] + [(RMSprop, dict()), (Adam, dict())], ids=IDS)
def test_rmsprop_and_adam_allocate_nothing_after_the_first_step(optimizer_class, options):
    params = big_params()
    assert peak_of_two_steps(optimizer_class(params, **options), params) < 0.01


@pytest.mark.parametrize("options, temporaries", [(dict(lr=0.1), 1), (dict(lr=0.1, momentum=0.9), 1),
                                                  (dict(lr=0.1, momentum=0.9, dampening=0.5), 2),
                                                  (dict(lr=0.1, momentum=0.9, nesterov=True,
                                                        weight_decay=1e-4), 3)], ids=str)
def test_sgd_allocates_only_short_lived_temporaries(options, temporaries):
    # plain SGD: one temporary the size of a parameter (lr * g), freed before the next parameter
    params = big_params()
    assert peak_of_two_steps(SGD(params, **options), params) < temporaries + 0.05


def test_zero_grad_sets_none_by_default_and_fills_zeros_in_place_with_set_to_none_false():
    params = [Parameter(np.ones((2, 3))), Parameter(np.ones(3, dtype=np.float32)), Parameter(np.ones(1))]
    for p in params[:2]:
        p.accumulate(np.full(p.shape, 5.0, p.dtype))
    grads = [p.grad for p in params]
    optimizer = Adam(params)
    optimizer.zero_grad(set_to_none=False)
    assert all(p.grad is g and not p.grad.any() for p, g in zip(params[:2], grads))
    assert params[2].grad is None                          # None stays None
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


def test_several_parameters_of_different_shapes_are_updated_independently():
    a, b = Parameter(np.array(START)), Parameter(np.array([[1.0, 2.0], [3.0, 4.0]]))
    optimizer = SGD([a, b], lr=0.1, momentum=0.9)
    for g in GRADIENTS:
        optimizer.zero_grad()
        a.accumulate(np.array(g))
        b.accumulate(np.ones((2, 2)))
        optimizer.step()
    assert_close(a.data, sgd_reference(0.1, momentum=0.9)[-1])
    assert_close(b.data, np.array([[1.0, 2.0], [3.0, 4.0]]) - 0.1 * (1 + 1.9 + 2.71))


def test_lr_attribute_is_used_at_every_step_and_checked_when_set():
    p = Parameter(np.array([1.0]))
    optimizer = SGD([p], lr=0.1)
    optimizer.lr = 0.5
    p.accumulate(np.ones(1))
    optimizer.step()
    assert_close(p.data, [0.5])
    assert isinstance(optimizer.lr, float)
    with pytest.raises(ValueError, match=r"^SGD\(lr=0.5, momentum=0, .*\): lr must be a real number in "
                                         r"\[0, inf\), got -1$"):
        optimizer.lr = -1
    with pytest.raises(TypeError, match=r"lr must be a real number in \[0, inf\), got '0.1'"):
        optimizer.lr = "0.1"
    assert optimizer.lr == 0.5


def test_repr_shows_the_hyperparameters():
    p = [Parameter(np.zeros(2))]
    assert repr(SGD(p, lr=0.1, momentum=0.9)) == \
        "SGD(lr=0.1, momentum=0.9, dampening=0, weight_decay=0, nesterov=False)"
    assert repr(AdamW(p)) == "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01)"
    assert repr(RMSprop(p)) == "RMSprop(lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=False)"


def test_the_base_class_has_no_update_rule_and_step_calls_update_for_parameters_with_a_gradient():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    Optimizer([a, b], lr=0.1).step()                       # no gradients: nothing to update
    b.accumulate(np.ones(2))
    with pytest.raises(NotImplementedError, match="Optimizer does not implement update"):
        Optimizer([a, b], lr=0.1).step()

    class Recording(Optimizer):
        def update(self, p, g, state):
            state["calls"] = state.get("calls", 0) + 1
            assert g is p.grad

    optimizer = Recording([a, b], lr=0.1)
    optimizer.step()
    optimizer.step()
    assert a not in optimizer.state and optimizer.state[b] == {"calls": 2} and optimizer.t == 2
    assert repr(optimizer) == "Recording(lr=0.1)"


# -- validation ----------------------------------------------------------------------------------

def params():
    return [Parameter(np.zeros(3))]


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(params(), lr=-0.1), r"^SGD: lr must be a real number in \[0, inf\), got -0.1$"),
    (lambda: SGD(params(), lr=float("nan")), r"^SGD: lr must be a real number in \[0, inf\), got nan$"),
    (lambda: SGD(params(), lr=0.1, momentum=-0.5), r"^SGD: momentum must be a real number in \[0, inf\), "
                                                   r"got -0.5$"),
    (lambda: SGD(params(), lr=0.1, dampening=1.5), r"^SGD: dampening must be a real number in \[0, 1\], got 1.5$"),
    (lambda: SGD(params(), lr=0.1, weight_decay=-1e-4), r"^SGD: weight_decay must be .*, got -0.0001$"),
    (lambda: SGD(params(), lr=0.1, nesterov=True),
     r"^SGD: nesterov=True must be used with momentum > 0 and dampening 0, got momentum=0, dampening=0$"),
    (lambda: SGD(params(), lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), r"dampening=0.1"),
    (lambda: Adam(params(), lr=-1e-3), r"^Adam: lr must be a real number in \[0, inf\), got -0.001$"),
    (lambda: Adam(params(), betas=(0.9, 1.0)), r"^Adam: betas\[1\] must be a real number in \[0, 1\), got 1.0$"),
    (lambda: Adam(params(), betas=(-0.1, 0.999)), r"^Adam: betas\[0\] must be .*, got -0.1$"),
    (lambda: Adam(params(), eps=-1e-8), r"^Adam: eps must be a real number in \[0, inf\), got -1e-08$"),
    (lambda: AdamW(params(), betas=(1.5, 0.999)), r"^AdamW: betas\[0\] must be .*, got 1.5$"),
    (lambda: AdamW(params(), weight_decay=-0.01), r"^AdamW: weight_decay must be .*, got -0.01$"),
    (lambda: RMSprop(params(), alpha=1.5), r"^RMSprop: alpha must be a real number in \[0, 1\], got 1.5$"),
    (lambda: RMSprop(params(), momentum=-0.9), r"^RMSprop: momentum must be .*, got -0.9$"),
    (lambda: RMSprop(params(), eps=float("nan")), r"^RMSprop: eps must be .*, got nan$"),
    (lambda: SGD([], lr=0.1), r"^SGD: params must be one or more distinct Parameters, got none$"),
    (lambda: Adam(iter([])), r"^Adam: params must be one or more distinct Parameters, got none$"),
    (lambda: RMSprop(params() * 2), r"^RMSprop: params must be one or more distinct Parameters, "
                                    r"got a Parameter more than once$"),
    (lambda: Adagrad(params(), lr_decay=-0.1), r"^Adagrad: lr_decay must be a real number in \[0, inf\), got -0.1$"),
    (lambda: Adagrad(params(), weight_decay=-1.0), r"^Adagrad: weight_decay must be .*, got -1.0$"),
    (lambda: Adagrad(params(), initial_accumulator_value=-0.1),
     r"^Adagrad: initial_accumulator_value must be a real number in \[0, inf\), got -0.1$"),
    (lambda: Adagrad(params(), eps=float("nan")), r"^Adagrad: eps must be .*, got nan$"),
])
def test_invalid_values_raise_value_error_naming_the_optimizer_argument_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(Parameter(np.zeros(2)), lr=0.1),
     r"^SGD: params must be an iterable of Parameter objects, got a single Parameter; wrap it in a list: \[p\]$"),
    (lambda: Adam([np.zeros(2)]), r"^Adam: params\[0\] must be a Parameter, got ndarray$"),
    (lambda: RMSprop([Parameter(np.zeros(2)), "w"]), r"^RMSprop: params\[1\] must be a Parameter, got str$"),
    (lambda: SGD(params(), lr="fast"), r"^SGD: lr must be a real number in \[0, inf\), got 'fast'$"),
    (lambda: SGD(params(), lr=True), r"^SGD: lr must be a real number"),
    (lambda: SGD(params(), lr=0.1, momentum=None), r"^SGD: momentum must be a real number"),
    (lambda: Adam(params(), betas=0.9), r"^Adam: betas must be a pair \(beta1, beta2\), got 0.9$"),
    (lambda: Adam(params(), betas=(0.9, 0.99, 0.999)), r"^Adam: betas must be a pair"),
    (lambda: Adam(params(), betas=(0.9, "0.999")), r"^Adam: betas\[1\] must be a real number in \[0, 1\), "
                                                   r"got '0.999'$"),
    (lambda: Adagrad(params(), lr_decay="0"), r"^Adagrad: lr_decay must be a real number"),
])
def test_values_of_the_wrong_type_raise_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_sgd_requires_lr_and_follows_pytorch_argument_order():
    with pytest.raises(TypeError):
        SGD(params())
    optimizer = SGD(params(), 0.1, 0.9, 0.0, 1e-4, True)      # torch.optim.SGD's positional order
    assert (optimizer.lr, optimizer.momentum, optimizer.dampening, optimizer.weight_decay,
            optimizer.nesterov) == (0.1, 0.9, 0.0, 1e-4, True)


def test_defaults_are_pytorchs():
    assert (RMSprop(params()).lr, RMSprop(params()).alpha, RMSprop(params()).eps) == (0.01, 0.99, 1e-8)
    adam = Adam(params())
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay) == (0.001, (0.9, 0.999), 1e-8, 0.0)
    assert Adam(params(), betas=[0.8, 0.9]).betas == (0.8, 0.9)


def test_hyperparameters_are_python_floats():
    optimizer = Adam(params(), lr=np.float32(0.01), betas=(np.float64(0.9), 1 - 1e-3), eps=0)
    assert all(type(v) is float for v in (optimizer.lr, *optimizer.betas, optimizer.eps))


# -- PyTorch itself, when it is installed ----------------------------------------------------------

TORCH_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.8, weight_decay=0.05, nesterov=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.02, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(momentum=0.9)),
    ("RMSprop", dict(centered=True)),
    ("RMSprop", dict(centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(weight_decay=0.2)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.5)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3, eps=1e-6)),
]


@pytest.mark.parametrize("name, options", TORCH_CASES, ids=lambda v: str(v))
def test_same_trajectory_as_torch_optim(name, options):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(42)
    start = rng.normal(size=(3, 4))
    gradients = rng.normal(size=(20, 3, 4))
    ours = Parameter(start.copy())
    optimizer = getattr(nnlib, name)([ours], **options)
    theirs = torch.tensor(start.copy(), requires_grad=True)
    reference = getattr(torch.optim, name)([theirs], **options)
    for g in gradients:
        optimizer.zero_grad()
        ours.accumulate(g.copy())
        optimizer.step()
        theirs.grad = torch.tensor(g)
        reference.step()
        assert np.abs(ours.data - theirs.detach().numpy()).max() < 1e-6
        assert optimizer.state[ours].get("step", 0) == int(reference.state[theirs].get("step", 0))


# -- read-only parameters ---------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer_class, options", WITH_ADAGRAD, ids=IDS)
def test_a_parameter_with_read_only_data_is_refused_at_construction_naming_its_index(optimizer_class, options):
    params = [Parameter(np.ones(2)), Parameter(np.ones(2)), Parameter(np.zeros(3))]
    params[1].data = np.broadcast_to(np.ones(1), (2,))     # read-only after the Parameter was made
    params[2].data.flags.writeable = False
    with pytest.raises(ValueError, match=rf"^{optimizer_class.__name__}: params\[1\]\.data must be a writeable "
                                         r"array, got a read-only array; pass a writeable copy, "
                                         r"Parameter\(np\.array\(data\)\), as params\[1\]$"):
        optimizer_class(params, **options)
    with pytest.raises(ValueError, match=r"params\[2\]\.data must be a writeable array"):
        optimizer_class([params[0], Parameter(np.ones(1)), params[2]], **options)
    copies = [Parameter(np.array(p.data)) for p in params]
    optimizer = optimizer_class(copies, **options)          # the fix works, and steps
    for p in copies:
        p.accumulate(np.ones(p.shape))
    optimizer.step()


# -- state dicts: PyTorch's shape, copies, and a run resumed bit for bit -----------------------------

RESUMABLE = [(SGD, dict(lr=0.1, momentum=0.9)), (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
             (SGD, dict(lr=0.1)), (Adam, dict(lr=0.01)), (Adam, dict(lr=0.01, weight_decay=0.1)),
             (AdamW, dict(lr=0.01)), (RMSprop, dict()), (RMSprop, dict(momentum=0.5, centered=True)),
             (Adagrad, dict()), (Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1))]


def training(optimizer_class, options, steps, dtype=np.float64, save_after=None, load=True, skip=2):
    """Parameters and state dict after `steps` steps with fixed random gradients (the third parameter
    gets none at every `skip`-th step); after `save_after` steps the optimizer is replaced by a new one,
    on copies of the parameters, that loads the old one's state dict (or does not, with load=False)."""
    rng = np.random.default_rng(3)
    gradients = [[rng.normal(size=s).astype(dtype) for s in [(4, 3), (3,), (2,)]] for _ in range(steps)]
    params = [Parameter(rng.normal(size=s).astype(dtype)) for s in [(4, 3), (3,), (2,)]]
    optimizer = optimizer_class(params, **options)
    for t, step_gradients in enumerate(gradients):
        if t == save_after:
            saved = optimizer.state_dict()
            params = [Parameter(p.data.copy()) for p in params]
            optimizer = optimizer_class(params, **options)
            if load:
                optimizer.load_state_dict(saved)
        optimizer.zero_grad()
        for i, (p, g) in enumerate(zip(params, step_gradients)):
            if i < 2 or t % skip:
                p.accumulate(g)
        optimizer.step()
    return params, optimizer


def assert_same_bits(a, b):
    (params_a, optimizer_a), (params_b, optimizer_b) = a, b
    for p, q in zip(params_a, params_b):
        assert p.data.dtype == q.data.dtype and np.array_equal(p.data, q.data)
    assert_same_state(optimizer_a.state_dict(), optimizer_b.state_dict())


def assert_same_state(dict_a, dict_b):
    assert dict_a["param_groups"] == dict_b["param_groups"]
    assert dict_a["state"].keys() == dict_b["state"].keys()
    for i, entries in dict_a["state"].items():
        assert entries.keys() == dict_b["state"][i].keys()
        for name, value in entries.items():
            other = dict_b["state"][i][name]
            assert type(value) is type(other) and np.array_equal(value, other), (i, name)
            assert getattr(value, "dtype", None) == getattr(other, "dtype", None)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer_class, options", RESUMABLE, ids=str)
def test_ten_steps_equal_five_a_state_dict_and_five_bit_for_bit(optimizer_class, options, dtype):
    in_one_go = training(optimizer_class, options, 10, dtype)
    assert_same_bits(in_one_go, training(optimizer_class, options, 10, dtype, save_after=5))
    assert_same_bits(in_one_go, training(optimizer_class, options, 10, dtype, save_after=1))
    assert in_one_go[1].t == 10
    if in_one_go[1].state_dict()["state"]:           # plain SGD keeps no state
        without = training(optimizer_class, options, 10, dtype, save_after=5, load=False)
        assert not all(np.array_equal(p.data, q.data) for p, q in zip(in_one_go[0], without[0]))


def test_the_state_dict_has_pytorchs_shape_and_only_numpy_and_python_values():
    params, optimizer = training(Adam, dict(lr=0.01, betas=(0.8, 0.99)), 3, skip=10)
    state_dict = optimizer.state_dict()
    assert set(state_dict) == {"state", "param_groups"}
    assert list(state_dict["state"]) == [0, 1, 2]
    assert set(state_dict["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert state_dict["state"][0]["step"] == 3 and type(state_dict["state"][0]["step"]) is int
    assert state_dict["state"][2]["step"] == 2                       # no gradient at the first step
    assert state_dict["param_groups"] == [{"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-8, "weight_decay": 0.0,
                                           "params": [0, 1, 2], "t": 3}]

    def python_or_numpy(value):
        if isinstance(value, dict):
            return all(isinstance(k, (int, str)) and python_or_numpy(v) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return all(python_or_numpy(v) for v in value)
        return type(value) in (int, float, bool, str, np.ndarray)

    assert python_or_numpy(state_dict)
    for optimizer_class, options in RESUMABLE:
        assert python_or_numpy(training(optimizer_class, options, 2)[1].state_dict())


def test_parameters_without_state_are_left_out_as_in_pytorch():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    for optimizer in (SGD([a, b], lr=0.1), SGD([a, b], lr=0.1, momentum=0.9), Adam([a, b])):
        assert optimizer.state_dict()["state"] == {}
        a.accumulate(np.ones(2))
        optimizer.step()
        optimizer.zero_grad()
        assert list(optimizer.state_dict()["state"]) == ([] if not getattr(optimizer, "momentum", 1) else [0])


def test_the_state_dict_holds_copies_both_ways():
    params, optimizer = training(SGD, dict(lr=0.1, momentum=0.9), 2)
    state_dict = optimizer.state_dict()
    buffer = state_dict["state"][0]["momentum_buffer"]
    assert buffer is not optimizer.state[params[0]]["momentum_buffer"]
    optimizer.step()                                        # a later step does not change the dict taken
    assert np.array_equal(buffer, state_dict["state"][0]["momentum_buffer"])
    assert not np.array_equal(buffer, optimizer.state[params[0]]["momentum_buffer"])
    fresh = SGD(params, lr=0.1, momentum=0.9)
    fresh.load_state_dict(state_dict)
    assert fresh.state[params[0]]["momentum_buffer"] is not buffer     # loaded as a copy
    fresh.step()
    assert np.array_equal(buffer, state_dict["state"][0]["momentum_buffer"])
    again = SGD(params, lr=0.1, momentum=0.9)
    again.load_state_dict(state_dict)                                   # the dict can be loaded twice
    assert np.array_equal(again.state[params[0]]["momentum_buffer"], buffer)


def test_loading_restores_the_hyperparameters_the_step_count_and_the_initial_lr():
    params = [Parameter(np.zeros(3))]
    source = SGD(params, lr=0.1, momentum=0.9, nesterov=True)
    nnlib.StepLR(source, step_size=1, gamma=0.5).step()
    source.step()
    target = SGD([Parameter(np.zeros(3))], lr=1.0)
    target.load_state_dict(source.state_dict())
    assert (target.lr, target.momentum, target.nesterov, target.t, target.initial_lr) == (0.05, 0.9, True, 1, 0.1)
    assert isinstance(target.lr, float)
    assert "initial_lr" not in SGD(params, lr=0.1).state_dict()["param_groups"][0]


def loading_fails(optimizer, state_dict, message, error=ValueError):
    """Loading raises `error` matching `message` and changes nothing."""
    before, data = optimizer.state_dict(), [p.data.copy() for p in optimizer.params]
    with pytest.raises(error, match=message):
        optimizer.load_state_dict(state_dict)
    assert_same_state(before, optimizer.state_dict())
    assert all(np.array_equal(p.data, d) for p, d in zip(optimizer.params, data))


def fitted(optimizer_class=Adam, dtype=np.float64, shapes=((4, 3), (3,)), **options):
    params = [Parameter(np.zeros(s, dtype)) for s in shapes]
    optimizer = optimizer_class(params, **options)
    for p in params:
        p.accumulate(np.ones(p.shape, dtype))
    optimizer.step()
    return optimizer


def test_a_state_dict_of_another_optimizer_class_is_refused_naming_its_hyperparameters():
    loading_fails(fitted(Adam), fitted(SGD, lr=0.1, momentum=0.9).state_dict(),
                  r"^Adam\.load_state_dict: state_dict must be the state of this optimizer's parameters, got the "
                  r"hyperparameters dampening, lr, momentum, nesterov, weight_decay, not Adam's; load it into an "
                  r"optimizer of the same class, on the same parameters \(same order, shapes, dtypes\)$")
    loading_fails(fitted(RMSprop), fitted(Adagrad).state_dict(), r"hyperparameters eps, initial_accumulator_value")


def test_a_state_dict_of_another_number_of_parameters_is_refused():
    loading_fails(fitted(Adam), fitted(Adam, shapes=((4, 3),)).state_dict(),
                  r"got the state of 1 parameter, this optimizer has 2; load it")
    loading_fails(fitted(Adam, shapes=((2,),)), fitted(Adam).state_dict(),
                  r"got the state of 2 parameters, this optimizer has 1;.*state\[1\], which is no parameter's")


def test_state_arrays_of_another_shape_or_dtype_are_refused_naming_each():
    loading_fails(fitted(Adam, np.float32), fitted(Adam).state_dict(),
                  r"got state\[0\]\['exp_avg'\] of shape \(4, 3\) and dtype float64, parameter 0 \(4, 3\) and "
                  r"float32; state\[0\]\['exp_avg_sq'\] .*; state\[1\]\['exp_avg_sq'\] of shape \(3,\)")
    loading_fails(fitted(SGD, shapes=((3, 4), (3,)), lr=0.1, momentum=0.9),
                  fitted(SGD, lr=0.1, momentum=0.9).state_dict(),
                  r"^SGD\.load_state_dict: .*got state\[0\]\['momentum_buffer'\] of shape \(4, 3\) and dtype "
                  r"float64, parameter 0 \(3, 4\) and float64; load it")


def test_a_bad_hyperparameter_or_structure_is_refused_before_anything_changes():
    good = fitted(SGD, lr=0.1, momentum=0.9).state_dict()
    bad = {**good, "param_groups": [{**good["param_groups"][0], "lr": -1.0}]}
    loading_fails(fitted(SGD, lr=0.5, momentum=0.5), bad, r"^SGD: lr must be a real number in \[0, inf\), got -1.0$")
    bad = {**good, "param_groups": [{**good["param_groups"][0], "nesterov": True, "momentum": 0.0}]}
    loading_fails(fitted(SGD, lr=0.5, momentum=0.5), bad, r"^SGD: nesterov=True must be used with momentum > 0")
    bad = {**good, "param_groups": [{**good["param_groups"][0], "t": -3}]}
    loading_fails(fitted(SGD, lr=0.5, momentum=0.5), bad, r"got the step count t=-3")
    bad = {"state": good["state"], "param_groups": good["param_groups"] * 2}
    loading_fails(fitted(SGD, lr=0.5, momentum=0.5), bad, r"^SGD\.load_state_dict: state_dict must be \{'state': "
                  r"\{\.\.\.\}, 'param_groups': \[\{\.\.\.\}\]\}, made by Optimizer\.state_dict\(\), got a dict")
    loading_fails(fitted(SGD, lr=0.5, momentum=0.5), {**good, "extra": 1}, r"got a dict with the keys "
                  r"\['extra', 'param_groups', 'state'\]$")
    bad = {**good, "state": {0: {"momentum_buffer": "zeros"}, 5: {}}}
    loading_fails(fitted(SGD, lr=0.5, momentum=0.5), bad, r"state\[0\]\['momentum_buffer'\], a str; state\[5\], "
                  r"which is no parameter's")
    loading_fails(fitted(SGD, lr=0.5, momentum=0.5), [good], r"^SGD\.load_state_dict: state_dict must be a dict, "
                  r"got list$", TypeError)


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1),
    lambda ps: Adagrad(ps, lr=0.1, weight_decay=0.1),
    lambda ps: RMSprop(ps, lr=0.1, momentum=0.9, centered=True, weight_decay=0.1),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
    lambda ps: AdamW(ps, lr=0.1),
], ids=["SGD-nesterov", "SGD-dampening", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_a_0d_parameter_takes_the_steps_of_a_1_element_one(make):
    """A 0-d parameter (a scalar weight) is updated exactly like the same number in an
    array of shape (1,): its gradient plus weight decay, its momentum buffer and the
    scratch arrays of the in-place rules must stay arrays, not NumPy scalars."""
    scalar, vector = Parameter(np.array(1.0)), Parameter(np.array([1.0]))
    optimizers = make([scalar]), make([vector])
    for g in (1.0, -0.5, 2.0):
        scalar.grad, vector.grad = np.array(g), np.array([g])
        for optimizer in optimizers:
            optimizer.step()
    assert scalar.data.shape == () and scalar.data == vector.data[0]
    assert scalar.data != 1.0


@pytest.mark.parametrize("params", [None, 3, 2.5])
def test_params_that_are_not_an_iterable_are_named(params):
    with pytest.raises(TypeError, match=r"^Adam: params must be an iterable of Parameter "
                       r"objects, got .*; pass model.parameters\(\), or a list \[p1, p2\]$"):
        Adam(params)
