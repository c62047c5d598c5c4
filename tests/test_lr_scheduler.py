"""Learning-rate schedulers (chapter 7, nnlib.lr_scheduler): the closed forms at every epoch,
PyTorch's recorded learning rates, validation, and (when PyTorch is installed)
torch.optim.lr_scheduler itself."""
import math
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib import SGD, CosineAnnealingLR, ExponentialLR, LRScheduler, Parameter, StepLR
from nnlib import lr_scheduler


def optimizer(lr=0.1):
    return SGD([Parameter(np.zeros(3))], lr=lr)


def lr_sequence(scheduler_class, epochs=25, lr=0.1, **options):
    opt = optimizer(lr)
    scheduler = scheduler_class(opt, **options)
    values = [opt.lr]
    for _ in range(epochs):
        opt.step()
        scheduler.step()
        values.append(opt.lr)
        assert scheduler.get_last_lr() == [opt.lr]
    assert scheduler.last_epoch == epochs
    return values


def assert_close(got, expected, tol=1e-15):
    assert np.allclose(np.array(got), np.array(expected), rtol=0, atol=tol), (got, expected)


def test_the_schedulers_live_in_their_own_module_and_in_nnlib():
    assert lr_scheduler.StepLR is StepLR and issubclass(StepLR, LRScheduler)
    assert set(lr_scheduler.__all__) == {"LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR"}
    assert not hasattr(nnlib.optim, "StepLR")


def test_step_lr_closed_form():
    assert_close(lr_sequence(StepLR, step_size=3, gamma=0.5), [0.1 * 0.5 ** (e // 3) for e in range(26)])
    assert lr_sequence(StepLR, epochs=10, step_size=5)[4:7] == pytest.approx([0.1, 0.01, 0.01])
    assert lr_sequence(StepLR, epochs=3, step_size=np.int64(1), gamma=0.5) == [0.1, 0.05, 0.025, 0.0125]


def test_exponential_lr_closed_form():
    assert_close(lr_sequence(ExponentialLR, gamma=0.9), [0.1 * 0.9**e for e in range(26)])


def test_cosine_annealing_closed_form_reaches_eta_min_at_t_max_and_rises_after():
    values = lr_sequence(CosineAnnealingLR, T_max=10, eta_min=0.001)
    expected = [0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(26)]
    assert_close(values, expected)
    assert values[10] == pytest.approx(0.001) and values[5] == pytest.approx(0.0505) and values[15] > values[10]


def test_the_scheduler_sets_the_optimizers_lr_which_stays_a_checked_float():
    opt = optimizer()
    scheduler = StepLR(opt, step_size=1, gamma=0.5)
    assert scheduler.base_lr == 0.1 and scheduler.last_epoch == 0
    scheduler.step()
    assert opt.lr == 0.05 and isinstance(opt.lr, float)


def test_the_base_class_has_no_schedule():
    with pytest.raises(NotImplementedError, match="LRScheduler does not implement lr_at"):
        LRScheduler(optimizer())


def test_schedulers_give_pytorchs_recorded_learning_rates():
    from torch_reference import SCHEDULER_CASES
    reference = np.load(Path(__file__).resolve().parent / "data" / "torch_reference.npz")
    for i, (name, options) in enumerate(SCHEDULER_CASES):
        opt = optimizer()
        scheduler = getattr(nnlib, name)(opt, **options)
        for expected in reference[f"scheduler/{i}/lr"]:
            assert opt.lr == pytest.approx(expected, rel=1e-12, abs=1e-15)
            opt.step()
            scheduler.step()


@pytest.mark.parametrize("make, error, message", [
    (lambda: StepLR(optimizer(), step_size=0), ValueError,
     r"^StepLR: step_size must be a positive integer, got 0$"),
    (lambda: StepLR(optimizer(), step_size=2.0), TypeError,
     r"^StepLR: step_size must be a positive integer, got 2.0$"),
    (lambda: StepLR(optimizer(), step_size=3, gamma=-0.1), ValueError,
     r"^StepLR: gamma must be a real number in \[0, inf\), got -0.1$"),
    (lambda: CosineAnnealingLR(optimizer(), T_max=2.5), TypeError,
     r"^CosineAnnealingLR: T_max must be a positive integer, got 2.5$"),
    (lambda: CosineAnnealingLR(optimizer(), T_max=-3), ValueError,
     r"^CosineAnnealingLR: T_max must be a positive integer, got -3$"),
    (lambda: CosineAnnealingLR(optimizer(), T_max=10, eta_min=float("nan")), ValueError,
     r"^CosineAnnealingLR: eta_min must be a real number in \[0, inf\), got nan$"),
    (lambda: ExponentialLR(optimizer(), gamma=-0.5), ValueError,
     r"^ExponentialLR: gamma must be a real number in \[0, inf\), got -0.5$"),
    (lambda: ExponentialLR(optimizer(), gamma="0.9"), TypeError,
     r"^ExponentialLR: gamma must be a real number in \[0, inf\), got '0.9'$"),
    (lambda: StepLR(object(), step_size=1), TypeError,
     r"^StepLR: optimizer.lr must be a real number in \[0, inf\), got None$"),
], ids=lambda v: getattr(v, "__name__", None) if isinstance(v, type) else None)
def test_scheduler_validation(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("name, options", [("StepLR", dict(step_size=3, gamma=0.5)),
                                           ("ExponentialLR", dict(gamma=0.9)),
                                           ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001))], ids=str)
def test_same_learning_rates_as_torch_schedulers(name, options):
    torch = pytest.importorskip("torch")
    opt = optimizer()
    scheduler = getattr(nnlib, name)(opt, **options)
    weight = torch.zeros(3, requires_grad=True)
    reference_optimizer = torch.optim.SGD([weight], lr=0.1)
    reference = getattr(torch.optim.lr_scheduler, name)(reference_optimizer, **options)
    for _ in range(25):
        assert abs(opt.lr - reference_optimizer.param_groups[0]["lr"]) < 1e-12
        weight.grad = torch.zeros(3)
        reference_optimizer.step()
        reference.step()
        opt.step()
        scheduler.step()
