"""Optimizers and schedulers (chapter 7): update rules against hand computations with plain floats,
dtype and in-place behaviour, validation, and (when PyTorch is installed) torch.optim itself."""
import math
import tracemalloc

import numpy as np
import pytest

from nnlib import (SGD, RMSprop, Adam, AdamW, Optimizer, StepLR, ExponentialLR, CosineAnnealingLR,
                   Parameter)

START = [0.5, -1.0, 2.0]
GRADIENTS = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05], [0.25, 0.0, -1.5]]


def run(optimizer_class, gradients=GRADIENTS, start=START, dtype=np.float64, **hyperparameters):
    """The parameter's values after each step, as lists of Python floats."""
    p = Parameter(np.array(start, dtype=dtype))
    optimizer = optimizer_class([p], **hyperparameters)
    values = []
    for g in gradients:
        optimizer.zero_grad()
        p.grad += np.array(g, dtype=dtype)
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


# -- behaviour shared by all optimizers ----------------------------------------------------------

ALL = [(SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
       (SGD, dict(lr=0.1, momentum=0.9, dampening=0.1)),
       (RMSprop, dict(momentum=0.9, centered=True, weight_decay=0.01)),
       (Adam, dict(weight_decay=0.01)),
       (AdamW, dict())]


@pytest.mark.parametrize("optimizer_class, options", ALL, ids=lambda v: getattr(v, "__name__", str(v)))
def test_float32_parameters_and_state_stay_float32_and_close_to_float64(optimizer_class, options):
    p = Parameter(np.array(START, dtype=np.float32))
    optimizer = optimizer_class([p], **options)
    data = p.data
    for g in GRADIENTS:
        optimizer.zero_grad()
        p.grad += np.array(g, dtype=np.float32)
        optimizer.step()
    assert p.data is data and p.data.dtype == np.float32 and p.grad.dtype == np.float32
    states = [a for a in optimizer.state[p].values() if a is not None]
    assert states and all(a.dtype == np.float32 and a.shape == p.shape for a in states)
    assert_close(p.data, run(optimizer_class, **options)[-1], tol=1e-5)


@pytest.mark.parametrize("optimizer_class, options", ALL, ids=lambda v: getattr(v, "__name__", str(v)))
def test_step_updates_in_place_leaves_grad_alone_and_allocates_no_temporaries(optimizer_class, options):
    rng = np.random.default_rng(0)
    params = [Parameter(rng.normal(size=(200, 100))), Parameter(rng.normal(size=100))]
    for p in params:
        p.grad += rng.normal(size=p.shape)
    grads = [p.grad.copy() for p in params]
    arrays = [p.data for p in params]
    optimizer = optimizer_class(params, **options)
    optimizer.step()
    tracemalloc.start()
    optimizer.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.01 * params[0].data.nbytes
    assert all(p.data is a for p, a in zip(params, arrays))
    assert all(np.array_equal(p.grad, g) for p, g in zip(params, grads))
    assert optimizer.t == 2


def test_zero_grad_resets_every_gradient_in_place():
    params = [Parameter(np.ones((2, 3))), Parameter(np.ones(3, dtype=np.float32))]
    grads = [p.grad for p in params]
    for p in params:
        p.grad += 5.0
    optimizer = Adam(params)
    optimizer.zero_grad()
    assert all(p.grad is g and not p.grad.any() for p, g in zip(params, grads))


def test_several_parameters_of_different_shapes_are_updated_independently():
    a, b = Parameter(np.array(START)), Parameter(np.array([[1.0, 2.0], [3.0, 4.0]]))
    optimizer = SGD([a, b], lr=0.1, momentum=0.9)
    for g in GRADIENTS:
        optimizer.zero_grad()
        a.grad += g
        b.grad += 1.0
        optimizer.step()
    assert_close(a.data, sgd_reference(0.1, momentum=0.9)[-1])
    assert_close(b.data, np.array([[1.0, 2.0], [3.0, 4.0]]) - 0.1 * (1 + 1.9 + 2.71))


def test_lr_attribute_is_used_at_every_step_and_checked_when_set():
    p = Parameter(np.array([1.0]))
    optimizer = SGD([p], lr=0.1)
    optimizer.lr = 0.5
    p.grad += 1.0
    optimizer.step()
    assert_close(p.data, [0.5])
    assert isinstance(optimizer.lr, float)
    with pytest.raises(ValueError, match=r"SGD: invalid lr=-1"):
        optimizer.lr = -1


def test_repr_shows_the_hyperparameters():
    p = [Parameter(np.zeros(2))]
    assert repr(SGD(p, lr=0.1, momentum=0.9)) == \
        "SGD(lr=0.1, momentum=0.9, dampening=0, weight_decay=0, nesterov=False)"
    assert repr(AdamW(p)) == "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01)"
    assert repr(RMSprop(p)) == "RMSprop(lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=False)"


# -- validation ----------------------------------------------------------------------------------

def params():
    return [Parameter(np.zeros(3))]


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(params(), lr=-0.1), r"SGD: invalid lr=-0.1; it must be >= 0"),
    (lambda: SGD(params(), lr=float("nan")), r"SGD: invalid lr=nan"),
    (lambda: SGD(params(), lr=0.1, momentum=-0.5), r"SGD: invalid momentum=-0.5"),
    (lambda: SGD(params(), lr=0.1, weight_decay=-1e-4), r"SGD: invalid weight_decay=-0.0001"),
    (lambda: SGD(params(), lr=0.1, nesterov=True), r"SGD: nesterov=True needs momentum > 0 and dampening = 0"),
    (lambda: SGD(params(), lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), r"dampening=0.1"),
    (lambda: Adam(params(), lr=-1e-3), r"Adam: invalid lr=-0.001"),
    (lambda: Adam(params(), betas=(0.9, 1.0)), r"Adam: invalid betas\[1\]=1.0; it must be in \[0, 1\)"),
    (lambda: Adam(params(), betas=(-0.1, 0.999)), r"Adam: invalid betas\[0\]=-0.1"),
    (lambda: Adam(params(), betas=0.9), r"Adam: betas must be a pair of numbers, got 0.9"),
    (lambda: Adam(params(), eps=-1e-8), r"Adam: invalid eps=-1e-08"),
    (lambda: AdamW(params(), betas=(1.5, 0.999)), r"AdamW: invalid betas\[0\]=1.5"),
    (lambda: AdamW(params(), weight_decay=-0.01), r"AdamW: invalid weight_decay=-0.01"),
    (lambda: RMSprop(params(), alpha=1.5), r"RMSprop: invalid alpha=1.5; it must be in \[0, 1\]"),
    (lambda: RMSprop(params(), momentum=-0.9), r"RMSprop: invalid momentum=-0.9"),
    (lambda: SGD([], lr=0.1), r"SGD: got an empty parameter list"),
    (lambda: Adam(iter([])), r"Adam: got an empty parameter list"),
    (lambda: RMSprop(params() * 2), r"RMSprop: a parameter appears more than once"),
])
def test_invalid_hyperparameters_raise_value_error_naming_the_optimizer_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_params_must_be_an_iterable_of_parameters():
    with pytest.raises(TypeError, match="not a single Parameter"):
        SGD(Parameter(np.zeros(2)), lr=0.1)
    with pytest.raises(TypeError, match="params must be Parameter objects, got ndarray"):
        Adam([np.zeros(2)])
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD(params(), lr="fast")


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


# -- schedulers ----------------------------------------------------------------------------------

def lr_sequence(scheduler_class, epochs=25, lr=0.1, **options):
    optimizer = SGD(params(), lr=lr)
    scheduler = scheduler_class(optimizer, **options)
    values = [optimizer.lr]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        values.append(optimizer.lr)
        assert scheduler.get_last_lr() == [optimizer.lr]
    assert scheduler.last_epoch == epochs
    return values


def test_step_lr_closed_form():
    assert_close(lr_sequence(StepLR, step_size=3, gamma=0.5), [0.1 * 0.5 ** (e // 3) for e in range(26)], 1e-15)
    assert lr_sequence(StepLR, epochs=10, step_size=5)[4:7] == pytest.approx([0.1, 0.01, 0.01])


def test_exponential_lr_closed_form():
    assert_close(lr_sequence(ExponentialLR, gamma=0.9), [0.1 * 0.9**e for e in range(26)], 1e-15)


def test_cosine_annealing_closed_form_reaches_eta_min_at_t_max_and_rises_after():
    values = lr_sequence(CosineAnnealingLR, T_max=10, eta_min=0.001)
    expected = [0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(26)]
    assert_close(values, expected, 1e-15)
    assert values[10] == pytest.approx(0.001) and values[5] == pytest.approx(0.0505) and values[15] > values[10]


def test_scheduler_validation():
    with pytest.raises(ValueError, match="StepLR: invalid step_size=0"):
        StepLR(SGD(params(), lr=0.1), step_size=0)
    with pytest.raises(ValueError, match="CosineAnnealingLR: invalid T_max=2.5"):
        CosineAnnealingLR(SGD(params(), lr=0.1), T_max=2.5)
    with pytest.raises(ValueError, match="ExponentialLR: invalid gamma=-0.5"):
        ExponentialLR(SGD(params(), lr=0.1), gamma=-0.5)
    with pytest.raises(TypeError, match="expected an nnlib Optimizer"):
        StepLR(object(), step_size=1)
    assert issubclass(SGD, Optimizer)


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
]


@pytest.mark.parametrize("name, options", TORCH_CASES, ids=lambda v: str(v))
def test_same_trajectory_as_torch_optim(name, options):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(42)
    start = rng.normal(size=(3, 4))
    gradients = rng.normal(size=(20, 3, 4))
    ours = Parameter(start.copy())
    optimizer = globals()[name]([ours], **options)
    theirs = torch.tensor(start.copy(), requires_grad=True)
    reference = getattr(torch.optim, name)([theirs], **options)
    for g in gradients:
        optimizer.zero_grad()
        ours.grad += g
        optimizer.step()
        theirs.grad = torch.tensor(g)
        reference.step()
        assert np.abs(ours.data - theirs.detach().numpy()).max() < 1e-6


@pytest.mark.parametrize("name, options", [("StepLR", dict(step_size=3, gamma=0.5)),
                                           ("ExponentialLR", dict(gamma=0.9)),
                                           ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001))], ids=str)
def test_same_learning_rates_as_torch_schedulers(name, options):
    torch = pytest.importorskip("torch")
    optimizer = SGD(params(), lr=0.1)
    scheduler = globals()[name](optimizer, **options)
    weight = torch.zeros(3, requires_grad=True)
    reference_optimizer = torch.optim.SGD([weight], lr=0.1)
    reference = getattr(torch.optim.lr_scheduler, name)(reference_optimizer, **options)
    for _ in range(25):
        assert abs(optimizer.lr - reference_optimizer.param_groups[0]["lr"]) < 1e-12
        weight.grad = torch.zeros(3)
        reference_optimizer.step()
        reference.step()
        optimizer.step()
        scheduler.step()
