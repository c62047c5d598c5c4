"""Chapter 7's additions against PyTorch's recorded answers (tests/data/torch_reference_optim.npz,
written by tests/torch_reference_optim.py): Adagrad's trajectories, clip_grad_norm_ alone and before
every step of a training loop, and the learning rates of LinearLR, OneCycleLR (with the momentum it
cycles and the trajectory that gives) and ReduceLROnPlateau, alone, chained on one optimizer and with a
rate set by hand. Runs without PyTorch installed."""

import numpy as np
import pytest

import nnlib
from nnlib import OneCycleLR, Parameter, ReduceLROnPlateau, SGD, clip_grad_norm_
import recorded
from torch_reference_optim import (ADAGRAD_CASES, CLIP_CASES, CLIP_SHAPES, CLIPPED_TRAINING_CASES,
                                   ONECYCLE_CASES, PLATEAU_METRICS, SCHEDULE_CASES, cases,
                                   onecycle_steps)

REFERENCE, META = recorded.read("torch_reference_optim")


def ref(key):
    return REFERENCE[key]


def test_the_recording_covers_every_case():
    meta = META
    assert meta["cases"] == cases(), "re-run tests/torch_reference_optim.py with torch installed"


@pytest.mark.parametrize("i", range(len(ADAGRAD_CASES)), ids=lambda i: str(ADAGRAD_CASES[i]))
def test_adagrad_follows_torch_trajectory(i):
    weight = Parameter(ref(f"adagrad/{i}/start").copy())
    optimizer = nnlib.Adagrad([weight], **ADAGRAD_CASES[i])
    for g, expected in zip(ref(f"adagrad/{i}/gradients"), ref(f"adagrad/{i}/path")):
        optimizer.zero_grad()
        weight.accumulate(g.copy())
        optimizer.step()
        np.testing.assert_allclose(weight.data, expected, rtol=1e-12, atol=1e-13)


def clipped(case, max_norm, norm_type):
    params = [Parameter(np.zeros(shape)) for shape in CLIP_SHAPES] + [Parameter(np.zeros(2))]
    for j, p in enumerate(params[:3]):
        p.accumulate(ref(f"{case}/grad{j}").copy())
    return params, clip_grad_norm_(params, max_norm, norm_type)


@pytest.mark.parametrize("i", range(len(CLIP_CASES)), ids=lambda i: str(CLIP_CASES[i]))
def test_clip_grad_norm_matches_torch(i):
    params, total = clipped(f"clip/{i}", *CLIP_CASES[i])
    assert isinstance(total, float)
    assert total == pytest.approx(float(ref(f"clip/{i}/total_norm")), rel=1e-12)
    for j, p in enumerate(params[:3]):
        np.testing.assert_allclose(p.grad, ref(f"clip/{i}/clipped{j}"), rtol=1e-12, atol=1e-15)
    assert params[3].grad is None


def test_a_non_finite_norm_scales_the_gradients_as_torch_does():
    params, total = clipped("clip-nonfinite", 1.0, 2.0)
    assert total == float(ref("clip-nonfinite/total_norm")) == np.inf
    for j, p in enumerate(params[:3]):
        np.testing.assert_array_equal(p.grad, ref(f"clip-nonfinite/clipped{j}"))   # NaN and 0


@pytest.mark.parametrize("i", range(len(CLIPPED_TRAINING_CASES)), ids=str)
def test_clipping_before_every_step_follows_torch_trajectory(i):
    name, options, max_norm, norm_type = CLIPPED_TRAINING_CASES[i]
    weight = Parameter(ref(f"clipped-training/{i}/start").copy())
    optimizer = getattr(nnlib, name)([weight], **options)
    for g, norm, expected in zip(ref(f"clipped-training/{i}/gradients"),
                                 ref(f"clipped-training/{i}/norms"), ref(f"clipped-training/{i}/path")):
        optimizer.zero_grad()
        weight.accumulate(g.copy())
        assert clip_grad_norm_([weight], max_norm, norm_type) == pytest.approx(norm, rel=1e-12)
        optimizer.step()
        np.testing.assert_allclose(weight.data, expected, rtol=1e-12, atol=1e-13)


def schedule_rates(chain, epochs, set_lr):
    optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
    schedulers = [getattr(nnlib, name)(optimizer, **options) for name, options in chain]
    rates = []
    for epoch in range(epochs):
        if epoch in set_lr:
            optimizer.lr = set_lr[epoch]
        rates.append(optimizer.lr)
        optimizer.step()
        for scheduler in schedulers:
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(PLATEAU_METRICS[epoch])
            else:
                scheduler.step()
            assert scheduler.get_last_lr() == [optimizer.lr]
    return rates + [optimizer.lr]


@pytest.mark.parametrize("i", range(len(SCHEDULE_CASES)),
                         ids=lambda i: "+".join(name for name, _ in SCHEDULE_CASES[i][0])
                         + (" set by hand" if SCHEDULE_CASES[i][2] else ""))
def test_schedulers_alone_chained_and_after_a_rate_set_by_hand_give_torch_rates(i):
    rates = schedule_rates(*SCHEDULE_CASES[i])
    np.testing.assert_allclose(rates, ref(f"schedule/{i}/lr"), rtol=1e-12, atol=0)


@pytest.mark.parametrize("i", range(len(ONECYCLE_CASES)), ids=lambda i: ONECYCLE_CASES[i][0])
def test_one_cycle_gives_torch_rates_momenta_and_trajectory(i):
    name, options, schedule = ONECYCLE_CASES[i]
    weight = Parameter(ref(f"onecycle/{i}/start").copy())
    optimizer = getattr(nnlib, name)([weight], **options)
    scheduler = OneCycleLR(optimizer, **schedule)

    def momentum():
        return optimizer.betas[0] if hasattr(optimizer, "betas") else getattr(optimizer, "momentum", 0.0)

    rates, momenta = [], []
    for g, expected in zip(ref(f"onecycle/{i}/gradients"), ref(f"onecycle/{i}/path")):
        rates.append(optimizer.lr)
        momenta.append(momentum())
        optimizer.zero_grad()
        weight.accumulate(g.copy())
        optimizer.step()
        scheduler.step()
        np.testing.assert_allclose(weight.data, expected, rtol=1e-12, atol=1e-13)
    rates.append(optimizer.lr)
    momenta.append(momentum())
    # after the last batch, PyTorch's linear annealing may overshoot below 0: nnlib sets 0
    np.testing.assert_allclose(rates, np.maximum(ref(f"onecycle/{i}/lr"), 0.0), rtol=1e-12, atol=0)
    np.testing.assert_allclose(momenta, ref(f"onecycle/{i}/momentum"), rtol=1e-12, atol=0)
    assert scheduler.last_epoch == onecycle_steps(schedule)
    with pytest.raises(ValueError, match=r"step\(\) must be called at most total_steps="):
        scheduler.step()
