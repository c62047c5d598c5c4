"""Gradient clipping by norm (chapter 7, nnlib.clip_grad): the total norm of all gradients, one factor
for all of them (the direction kept), PyTorch's 1e-6 and clamp at 1, parameters without a gradient,
the p-norms and the inf-norm, non-finite norms, dtypes, validation, and (when PyTorch is installed)
torch.nn.utils.clip_grad_norm_ itself."""
import math

import numpy as np
import pytest

import nnlib
from nnlib import Parameter, clip_grad_norm_
from nnlib import clip_grad

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def with_gradients(scale=10.0, seed=0, dtype=np.float64, shapes=SHAPES, without=1):
    """Parameters with random gradients, and `without` more with none."""
    rng = np.random.default_rng(seed)
    params = [Parameter(np.zeros(s, dtype)) for s in shapes]
    for p in params:
        p.accumulate((scale * rng.normal(size=p.shape)).astype(dtype))
    return params + [Parameter(np.zeros(2, dtype)) for _ in range(without)]


def flat(params):
    return np.concatenate([p.grad.ravel() for p in params if p.grad is not None])


def test_clip_grad_norm_lives_in_its_own_module_and_in_nnlib():
    assert clip_grad.clip_grad_norm_ is clip_grad_norm_ is nnlib.clip_grad_norm_
    assert clip_grad.__all__ == ["clip_grad_norm_"]


def test_the_total_norm_is_the_norm_of_all_gradients_as_one_vector_and_is_returned_as_a_float():
    params = with_gradients()
    g = flat(params)
    total = clip_grad_norm_(params, max_norm=1e9)
    assert type(total) is float and total == pytest.approx(np.linalg.norm(g), rel=1e-14)
    assert np.array_equal(flat(params), g)                       # far below max_norm: untouched


@pytest.mark.parametrize("max_norm", [0.5, 1.0, 3.0])
def test_clipping_scales_every_gradient_by_one_factor_keeping_the_direction(max_norm):
    params = with_gradients()
    g = flat(params)
    arrays = [p.grad for p in params[:3]]
    total = clip_grad_norm_(params, max_norm)
    clipped = flat(params)
    assert all(p.grad is a for p, a in zip(params, arrays))     # in place
    assert np.allclose(clipped, g * max_norm / (total + 1e-6), rtol=1e-15, atol=0)
    assert np.linalg.norm(clipped) == pytest.approx(max_norm * total / (total + 1e-6), rel=1e-13)
    assert np.linalg.norm(clipped) < max_norm
    cosine = clipped @ g / (np.linalg.norm(clipped) * np.linalg.norm(g))
    assert abs(cosine - 1) < 1e-14
    assert params[3].grad is None


def test_a_gradient_shorter_than_max_norm_is_left_bit_for_bit_and_the_clamp_is_at_one():
    params = with_gradients(scale=0.01)
    g = flat(params)
    total = clip_grad_norm_(params, max_norm=total_norm(g) + 1e-6)   # coefficient exactly 1
    assert np.array_equal(flat(params), g) and total == pytest.approx(total_norm(g))
    clip_grad_norm_(params, max_norm=total_norm(g) * 0.999999)       # just below: scaled
    assert not np.array_equal(flat(params), g)


def total_norm(g):
    return float(np.linalg.norm(g))


@pytest.mark.parametrize("norm_type, norm", [
    (1.0, lambda g: np.abs(g).sum()), (1, lambda g: np.abs(g).sum()), (3.0, lambda g: (np.abs(g) ** 3).sum() ** (1 / 3)),
    (0.5, lambda g: (np.abs(g) ** 0.5).sum() ** 2), (math.inf, lambda g: np.abs(g).max()),
    ("inf", lambda g: np.abs(g).max()), (float("inf"), lambda g: np.abs(g).max()),
])
def test_p_norms_and_the_inf_norm(norm_type, norm):
    params = with_gradients()
    g = flat(params)
    total = clip_grad_norm_(params, 1.0, norm_type)
    assert total == pytest.approx(norm(g), rel=1e-13)
    assert np.allclose(flat(params), g / (total + 1e-6), rtol=1e-15, atol=0)


def test_a_single_parameter_no_gradients_and_an_empty_list():
    p = with_gradients(shapes=[(5,)], without=0)[0]
    g = p.grad.copy()
    assert clip_grad_norm_(p, 1.0) == pytest.approx(np.linalg.norm(g))
    assert np.linalg.norm(p.grad) < 1.0
    assert clip_grad_norm_([Parameter(np.zeros(3)), Parameter(np.ones(2))], 1.0) == 0.0
    assert clip_grad_norm_([], 1.0) == 0.0
    assert clip_grad_norm_(iter(with_gradients(without=0)), 1.0) > 1.0          # a generator is read once
    zero = Parameter(np.zeros(3))
    zero.accumulate(np.zeros(3))
    assert clip_grad_norm_([zero], 0.0) == 0.0 and not zero.grad.any()


def test_float32_gradients_stay_float32_and_are_scaled_in_place():
    params = with_gradients(dtype=np.float32)
    g = flat(params).astype(np.float64)
    total = clip_grad_norm_(params, 1.0)
    assert all(p.grad.dtype == np.float32 for p in params[:3])
    assert total == pytest.approx(np.linalg.norm(g), rel=1e-6)
    assert np.linalg.norm(flat(params).astype(np.float64)) == pytest.approx(1.0, rel=1e-6)


def test_a_model_s_parameters_are_clipped_together():
    model = nnlib.Sequential(nnlib.Linear(4, 3, rng=0), nnlib.ReLU(), nnlib.Linear(3, 2, rng=1))
    loss_fn = nnlib.MSELoss()
    x, y = np.random.default_rng(0).normal(size=(5, 4)) * 100, np.zeros((5, 2))
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    g = flat(model.parameters())
    total = clip_grad_norm_(model.parameters(), 1.0)
    assert total == pytest.approx(np.linalg.norm(g)) and total > 1
    assert np.linalg.norm(flat(model.parameters())) == pytest.approx(1.0, rel=1e-6)


def test_a_non_finite_norm_raises_with_error_if_nonfinite_and_changes_nothing():
    params = with_gradients()
    params[1].grad[0] = np.nan
    before = [p.grad.copy() for p in params[:3]]
    with pytest.raises(ValueError, match=r"^clip_grad_norm_: the total norm of the gradients must be a real number "
                                         r"in \[0, inf\), "
                                         r"got nan; a gradient holds NaN or inf; with error_if_nonfinite=False "
                                         r"they are scaled by it anyway, as in PyTorch$"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert all(np.array_equal(p.grad, b, equal_nan=True) for p, b in zip(params, before))
    params[1].grad[0] = np.inf
    with pytest.raises(ValueError, match=r"must be a real number in \[0, inf\), got inf;"):
        clip_grad_norm_(params, 1.0, 2.0, True)


def test_a_non_finite_norm_without_error_scales_as_pytorch_does():
    params = with_gradients()
    params[1].grad[0] = np.inf
    assert clip_grad_norm_(params, 1.0) == math.inf                  # factor 0: inf * 0 is NaN
    assert np.isnan(params[1].grad[0]) and not flat(params)[~np.isnan(flat(params))].any()
    params = with_gradients()
    params[0].grad[1, 1] = np.nan
    assert math.isnan(clip_grad_norm_(params, 1.0))                  # factor NaN
    assert np.isnan(flat(params)).all()
    params = with_gradients()
    params[0].grad[0, 0] = np.inf
    assert clip_grad_norm_(params, 1.0, "inf") == math.inf


@pytest.mark.parametrize("call, error, message", [
    (lambda p: clip_grad_norm_(p, -1.0), ValueError,
     r"^clip_grad_norm_: max_norm must be a real number in \[0, inf\], got -1.0$"),
    (lambda p: clip_grad_norm_(p, float("nan")), ValueError, r"max_norm must be .*, got nan$"),
    (lambda p: clip_grad_norm_(p, "1"), TypeError, r"max_norm must be a real number in \[0, inf\], got '1'$"),
    (lambda p: clip_grad_norm_(p, 1.0, 0), ValueError,
     r"^clip_grad_norm_: norm_type must be a real number in \(0, inf\], got 0$"),
    (lambda p: clip_grad_norm_(p, 1.0, -2.0), ValueError, r"norm_type must be .*, got -2.0$"),
    (lambda p: clip_grad_norm_(p, 1.0, "fro"), TypeError, r"norm_type must be a real number in \(0, inf\], got 'fro'$"),
    (lambda p: clip_grad_norm_(p + [np.ones(3)], 1.0), TypeError,
     r"^clip_grad_norm_: parameters\[4\] must be a Parameter, got ndarray$"),
    (lambda p: clip_grad_norm_(None, 1.0), TypeError, r"not iterable"),
], ids=lambda v: getattr(v, "__name__", None) if isinstance(v, type) else None)
def test_validation(call, error, message):
    params = with_gradients()
    before = flat(params)
    with pytest.raises(error, match=message):
        call(params)
    assert np.array_equal(flat(params), before)


@pytest.mark.parametrize("seed", range(8))
def test_same_norm_and_gradients_as_torch(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    shapes = [tuple(rng.integers(1, 5, size=rng.integers(1, 4))) for _ in range(rng.integers(1, 5))]
    norm_type = [2.0, 1.0, math.inf, 3.0, 0.5, "inf", 2, 4.0][seed]
    gradients = [rng.normal(scale=rng.uniform(0.1, 10), size=s) for s in shapes]
    max_norm = float(rng.uniform(0.1, 20))
    ours = [Parameter(np.zeros(s)) for s in shapes] + [Parameter(np.zeros(2))]
    theirs = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
    theirs.append(torch.zeros(2, dtype=torch.float64, requires_grad=True))
    for p, t, g in zip(ours, theirs, gradients):
        p.accumulate(g.copy())
        t.grad = torch.tensor(g)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    assert total == pytest.approx(float(torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)), rel=1e-12)
    for p, t in zip(ours, theirs):
        assert (p.grad is None) == (t.grad is None)
        if p.grad is not None:
            np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, "inf"])
def test_an_empty_gradient_adds_nothing_to_the_norm(norm_type):
    empty, full = Parameter(np.zeros(0)), Parameter(np.zeros(2))
    empty.grad, full.grad = np.zeros(0), np.array([3.0, -4.0])
    expected = {1.0: 7.0, 2.0: 5.0, "inf": 4.0}[norm_type]
    assert clip_grad_norm_([empty, full], 1.0, norm_type=norm_type) == expected
    alone = Parameter(np.zeros(0))
    alone.grad = np.zeros(0)
    assert clip_grad_norm_([alone], 1.0, norm_type=norm_type) == 0.0
