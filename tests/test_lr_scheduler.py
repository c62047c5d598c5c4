"""Learning-rate schedulers (chapter 7, nnlib.lr_scheduler): the recursions against the closed forms at
every epoch, schedulers that compose and keep a rate set by hand, warm-up, one cycle, reduction on a
plateau, state dicts, PyTorch's recorded learning rates, validation, and (when PyTorch is installed)
torch.optim.lr_scheduler itself."""
import math
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib import (SGD, Adagrad, Adam, CosineAnnealingLR, ExponentialLR, LinearLR, LRScheduler,
                   OneCycleLR, Parameter, ReduceLROnPlateau, RMSprop, StepLR)
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
    assert set(lr_scheduler.__all__) == {"LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR",
                                         "LinearLR", "OneCycleLR", "ReduceLROnPlateau"}
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
    with pytest.raises(NotImplementedError, match="LRScheduler does not implement get_lr"):
        LRScheduler(optimizer())

    class Constant(LRScheduler):
        def get_lr(self):
            return self.optimizer.lr

    with pytest.raises(NotImplementedError, match="Constant does not implement lr_at"):
        Constant(optimizer()).lr_at(3)


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
     r"^StepLR: optimizer.lr must be a real number in \[0, inf\), got None; a scheduler "
     r"takes an optimizer, such as SGD\(model.parameters\(\), lr=0.1\)$"),
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


# -- the recursions follow the closed forms ----------------------------------------------------------

CLOSED_FORM_CASES = [
    (StepLR, dict(step_size=3, gamma=0.5)), (StepLR, dict(step_size=1, gamma=0.9)),
    (ExponentialLR, dict(gamma=0.9)), (ExponentialLR, dict(gamma=1.05)),
    (CosineAnnealingLR, dict(T_max=10, eta_min=0.001)), (CosineAnnealingLR, dict(T_max=7)),
    (CosineAnnealingLR, dict(T_max=1, eta_min=0.01)),
    (LinearLR, dict()), (LinearLR, dict(start_factor=0.1, total_iters=8)),
    (LinearLR, dict(start_factor=1.0, end_factor=0.2, total_iters=10)),
    (LinearLR, dict(start_factor=0.5, end_factor=0.0, total_iters=4)),
    (OneCycleLR, dict(max_lr=1.0, total_steps=40, cycle_momentum=False)),
    (OneCycleLR, dict(max_lr=0.5, total_steps=40, cycle_momentum=False, three_phase=True,
                      anneal_strategy="linear")),
]


@pytest.mark.parametrize("scheduler_class, options", CLOSED_FORM_CASES, ids=str)
def test_the_recursion_follows_the_closed_form_when_nothing_else_changes_the_rate(scheduler_class, options):
    opt = optimizer()
    scheduler = scheduler_class(opt, **options)
    for epoch in range(40):
        assert opt.lr == pytest.approx(scheduler.lr_at(epoch), rel=1e-12, abs=1e-16), epoch
        assert scheduler.last_epoch == epoch and scheduler.get_last_lr() == [opt.lr]
        opt.step()
        scheduler.step()


def test_linear_lr_closed_form_and_pytorchs_documented_example():
    # PyTorch's docstring: lr 0.05, start_factor=0.05, total_iters=40: 0.0025, 0.003687, 0.004875, ...
    assert_close(lr_sequence(LinearLR, epochs=50, lr=0.05, start_factor=0.05, total_iters=40)[:4],
                 [0.0025, 0.0036875, 0.004875, 0.0060625], tol=1e-15)
    values = lr_sequence(LinearLR, epochs=8)
    assert_close(values, [0.1 * (1 / 3 + (2 / 3) * min(e, 5) / 5) for e in range(9)])
    assert all(v == pytest.approx(0.1, rel=1e-15) for v in values[5:])


# -- schedulers compose, and a rate set by hand is continued from -------------------------------------

def chain_rates(make, epochs, lr=0.1, set_lr=None):
    opt = optimizer(lr)
    schedulers = make(opt)
    values = []
    for epoch in range(epochs):
        if epoch in (set_lr or {}):
            opt.lr = set_lr[epoch]
        values.append(opt.lr)
        opt.step()
        for scheduler in schedulers:
            scheduler.step()
    return values + [opt.lr], schedulers


@pytest.mark.parametrize("make", [
    lambda o: [LinearLR(o, start_factor=0.1, total_iters=5), ExponentialLR(o, gamma=0.9)],
    lambda o: [ExponentialLR(o, gamma=0.9), LinearLR(o, start_factor=0.1, total_iters=5)],
    lambda o: [StepLR(o, step_size=3, gamma=0.5), ExponentialLR(o, gamma=0.95)],
    lambda o: [LinearLR(o, start_factor=0.25, total_iters=4), CosineAnnealingLR(o, T_max=12)],
    lambda o: [LinearLR(o, start_factor=1.0, end_factor=0.5, total_iters=6), StepLR(o, 4),
               ExponentialLR(o, 0.99)],
], ids=["warm-up then decay", "decay then warm-up", "step and exponential", "warm-up and cosine", "three"])
def test_multiplicative_schedulers_of_one_optimizer_multiply_their_factors(make):
    values, schedulers = chain_rates(make, 20)
    for epoch, value in enumerate(values):
        product = 0.1
        for scheduler in schedulers:
            product *= scheduler.lr_at(epoch) / 0.1
        assert value == pytest.approx(product, rel=1e-12)
    assert all(s.base_lr == 0.1 for s in schedulers)


def test_the_first_scheduler_sets_the_initial_lr_that_every_scheduler_of_the_optimizer_starts_from():
    opt = optimizer(0.1)
    assert opt.initial_lr is None
    warm = LinearLR(opt, start_factor=0.5)
    assert opt.lr == 0.05 and opt.initial_lr == 0.1
    cosine = CosineAnnealingLR(opt, T_max=4)
    assert warm.base_lr == cosine.base_lr == 0.1                # not the 0.05 that LinearLR set


@pytest.mark.parametrize("make, epoch, rate, expected", [
    (lambda o: [StepLR(o, step_size=3, gamma=0.5)], 7, 0.3, [0.3, 0.3, 0.15, 0.15, 0.15, 0.075]),
    (lambda o: [ExponentialLR(o, gamma=0.9)], 5, 0.02, [0.02 * 0.9**k for k in range(6)]),
    (lambda o: [LinearLR(o, start_factor=0.2, total_iters=6)], 3, 0.5,
     [0.5 * (0.2 + 0.8 * min(e, 6) / 6) / (0.2 + 0.8 * 3 / 6) for e in range(3, 9)]),
    (lambda o: [CosineAnnealingLR(o, T_max=10, eta_min=0.001)], 4, 0.05,
     [0.001 + 0.049 * (1 + math.cos(math.pi * e / 10)) / (1 + math.cos(math.pi * 4 / 10)) for e in range(4, 10)]),
], ids=["StepLR", "ExponentialLR", "LinearLR", "CosineAnnealingLR"])
def test_a_rate_set_by_hand_is_continued_from(make, epoch, rate, expected):
    values, _ = chain_rates(make, epoch + 6, set_lr={epoch: rate})
    assert_close(values[epoch:epoch + 6], expected, tol=1e-15)


def test_cosine_annealing_past_t_max_takes_the_closed_forms_increment_at_eta_min():
    values = lr_sequence(CosineAnnealingLR, epochs=45, T_max=10, eta_min=0.001)
    expected = [0.001 + 0.099 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(46)]
    assert_close(values, expected, tol=1e-15)
    assert values[11] == pytest.approx(0.001 + 0.099 * (1 - math.cos(math.pi / 10)) / 2, rel=1e-14)


# -- OneCycleLR ----------------------------------------------------------------------------------------

def test_one_cycle_phases_by_hand():
    opt = SGD([Parameter(np.zeros(3))], lr=0.5, momentum=0.3)
    scheduler = OneCycleLR(opt, max_lr=0.1, total_steps=10)
    assert opt.lr == pytest.approx(0.004) and opt.initial_lr == pytest.approx(0.004)
    assert opt.momentum == 0.95 and scheduler.min_lr == pytest.approx(4e-7)
    rates, momenta = [opt.lr], [opt.momentum]
    for _ in range(10):
        opt.step()
        scheduler.step()
        rates.append(opt.lr)
        momenta.append(opt.momentum)
    # phase one ends at step 0.3 * 10 - 1 = 2, phase two at step 9
    assert rates[2] == pytest.approx(0.1) and momenta[2] == pytest.approx(0.85)
    assert rates[1] == pytest.approx(0.004 + (0.1 - 0.004) / 2) and momenta[1] == pytest.approx(0.9)
    assert rates[9] == pytest.approx(4e-7) and momenta[9] == pytest.approx(0.95)
    assert rates[10] > rates[9]                        # step 10 extends the cosine beyond its end
    with pytest.raises(ValueError, match=r"^OneCycleLR: step\(\) must be called at most total_steps=10 "
                                         r"times, got 11 calls; make total_steps"):
        scheduler.step()


def test_one_cycle_three_phases_and_linear_annealing():
    opt = SGD([Parameter(np.zeros(3))], lr=0.5)
    scheduler = OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=10, pct_start=0.25,
                           anneal_strategy="linear", three_phase=True, div_factor=10.0,
                           final_div_factor=100.0, cycle_momentum=False)
    assert scheduler.total_steps == 20 and opt.momentum == 0
    rates = [opt.lr]
    for _ in range(20):
        opt.step()
        scheduler.step()
        rates.append(opt.lr)
    # up to step 4 (0.25 * 20 - 1), back to 0.1 at step 8, down to 0.001 at step 19, then past 0: 0
    assert_close(rates[:5], [0.1, 0.325, 0.55, 0.775, 1.0])
    assert_close(rates[8], 0.1) and rates[19] == pytest.approx(0.001)
    assert rates[20] == 0.0


def test_one_cycle_cycles_adams_beta1_and_keeps_beta2():
    opt = Adam([Parameter(np.zeros(3))], betas=(0.5, 0.99))
    scheduler = OneCycleLR(opt, max_lr=0.01, total_steps=10, base_momentum=0.8, max_momentum=0.9)
    assert opt.betas == (0.9, 0.99)
    for _ in range(2):
        opt.step()
        scheduler.step()
    assert opt.betas == (pytest.approx(0.8), 0.99) and isinstance(opt.betas, tuple)


def test_one_cycle_is_not_chainable_a_rate_set_by_hand_is_overwritten():
    opt = optimizer()
    scheduler = OneCycleLR(opt, max_lr=0.1, total_steps=10, cycle_momentum=False)
    opt.lr = 5.0
    opt.step()
    scheduler.step()
    assert opt.lr == pytest.approx(scheduler.lr_at(1))


# -- ReduceLROnPlateau -----------------------------------------------------------------------------------

def plateau(values, set_lr=None, lr=0.1, **options):
    opt = optimizer(lr)
    scheduler = ReduceLROnPlateau(opt, **options)
    assert opt.lr == lr and scheduler.get_last_lr() == [lr] and opt.initial_lr is None
    rates = []
    for epoch, value in enumerate(values, start=1):
        if epoch in (set_lr or {}):
            opt.lr = set_lr[epoch]
        opt.step()
        scheduler.step(value)
        rates.append(opt.lr)
        assert scheduler.get_last_lr() == [opt.lr] and scheduler.last_epoch == epoch
    return rates, scheduler


LOSS = [1.0, 0.8, 0.7, 0.7, 0.71, 0.69995, 0.6, 0.61, 0.62, 0.63, 0.55, 0.54]


def test_plateau_reduces_after_more_than_patience_bad_epochs_by_hand():
    rates, scheduler = plateau(LOSS, factor=0.5, patience=2)
    assert rates == [0.1] * 5 + [0.05] * 4 + [0.025] * 3
    assert scheduler.best == 0.54 and scheduler.num_bad_epochs == 0
    rates, _ = plateau(LOSS, factor=0.5, patience=2, threshold=0.0)      # 0.69995 is progress now
    assert rates == [0.1] * 9 + [0.05] * 3


def test_plateau_default_patience_is_ten_epochs():
    rates, _ = plateau([1.0] * 13)
    assert rates == [0.1] * 11 + [pytest.approx(0.01)] * 2


def test_plateau_cooldown_min_lr_and_eps():
    rates, _ = plateau([1.0] * 8, factor=0.5, patience=0, cooldown=2)
    assert rates == [0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]
    rates, _ = plateau([1.0] * 6, factor=0.1, patience=0, min_lr=0.002)
    assert rates == [0.1, pytest.approx(0.01), 0.002, 0.002, 0.002, 0.002]
    rates, _ = plateau([1.0] * 6, factor=0.5, patience=0, eps=0.02)
    assert rates == [0.1, 0.05, 0.025, 0.025, 0.025, 0.025]


def test_plateau_in_max_mode_with_an_absolute_threshold():
    accuracy = [0.5, 0.6, 0.64, 0.66, 0.7, 0.71, 0.72, 0.8]
    rates, scheduler = plateau(accuracy, mode="max", threshold_mode="abs", threshold=0.05, patience=1)
    # 0.64 is not 0.05 above 0.6, 0.66 is; 0.7 and 0.71 are not above 0.66 + 0.05: reduced at epoch 6
    assert rates == [0.1] * 5 + [pytest.approx(0.01)] * 3
    assert scheduler.best == 0.8


def test_plateau_multiplies_a_rate_set_by_hand_and_composes_with_a_warm_up():
    rates, _ = plateau(LOSS, set_lr={8: 0.2}, factor=0.5, patience=2)
    assert rates[7:] == [0.2, 0.2, 0.1, 0.1, 0.1]
    opt = optimizer()
    warm, reduce = LinearLR(opt, start_factor=0.5, total_iters=2), ReduceLROnPlateau(opt, patience=0)
    for value in [1.0, 1.0, 1.0]:
        opt.step()
        warm.step()
        reduce.step(value)
    assert opt.lr == pytest.approx(0.001)     # warmed up to 0.1 at epoch 2, then two reductions


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_plateau_refuses_a_value_that_is_not_finite(value):
    opt = optimizer()
    scheduler = ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match=r"^ReduceLROnPlateau: metrics must be a real number in \(-inf, inf\), "
                                         r"got .*; the monitored value is NaN or infinite: training diverged$"):
        scheduler.step(value)
    assert scheduler.last_epoch == 0
    with pytest.raises(TypeError, match=r"metrics must be a real number"):
        scheduler.step(np.array([0.5]))
    scheduler.step(np.float32(0.5))
    assert scheduler.best == 0.5


# -- state dicts ------------------------------------------------------------------------------------------

STATEFUL = [lambda o: [StepLR(o, step_size=3, gamma=0.5)], lambda o: [ExponentialLR(o, 0.9)],
            lambda o: [CosineAnnealingLR(o, T_max=7, eta_min=0.001)],
            lambda o: [LinearLR(o, start_factor=0.2, total_iters=4), CosineAnnealingLR(o, T_max=10)],
            lambda o: [OneCycleLR(o, max_lr=0.5, total_steps=12)],
            lambda o: [LinearLR(o), ReduceLROnPlateau(o, factor=0.5, patience=1, cooldown=1)]]


def resumed_rates(make, epochs=12, save_after=None):
    def build():
        opt = SGD([Parameter(np.zeros(3))], lr=0.1, momentum=0.9)
        return opt, make(opt)
    opt, schedulers = build()
    values = []
    for epoch in range(epochs):
        if epoch == save_after:
            saved = [opt.state_dict()] + [s.state_dict() for s in schedulers]
            opt, schedulers = build()
            opt.load_state_dict(saved[0])                  # PyTorch's order: optimizer, then schedulers
            for scheduler, state in zip(schedulers, saved[1:]):
                scheduler.load_state_dict(state)
        values.append((opt.lr, opt.momentum))
        opt.step()
        for scheduler in schedulers:
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step([1.0, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7][epoch])
            else:
                scheduler.step()
    return values


@pytest.mark.parametrize("make", STATEFUL, ids=["StepLR", "ExponentialLR", "CosineAnnealingLR",
                                                "LinearLR+CosineAnnealingLR", "OneCycleLR",
                                                "LinearLR+ReduceLROnPlateau"])
@pytest.mark.parametrize("save_after", [1, 5, 11])
def test_a_resumed_schedule_gives_the_same_rates_exactly(make, save_after):
    assert resumed_rates(make, save_after=save_after) == resumed_rates(make)


def test_a_schedulers_state_dict_is_every_attribute_but_the_optimizer_in_python_types():
    opt = optimizer()
    state = CosineAnnealingLR(opt, T_max=5, eta_min=0.01).state_dict()
    assert state == {"eta_min": 0.01, "T_max": 5, "base_lr": 0.1, "last_epoch": 0, "_last_lr": 0.1}
    for make in STATEFUL:
        for scheduler in make(optimizer()):
            assert "optimizer" not in scheduler.state_dict()
            assert all(type(v) in (int, float, bool, str) for v in scheduler.state_dict().values())


def test_loading_a_state_dict_of_another_scheduler_or_with_a_wrong_value_changes_nothing():
    opt = optimizer()
    scheduler = ExponentialLR(opt, gamma=0.9)
    scheduler.step()
    before = scheduler.state_dict()
    with pytest.raises(ValueError, match=r"^ExponentialLR\.load_state_dict: state_dict must be the state of "
                                         r"this ExponentialLR, got entries that do not fit: step_size; load the "
                                         r"state dict of a scheduler of the same class$"):
        scheduler.load_state_dict(StepLR(optimizer(), step_size=2, gamma=0.9).state_dict())
    with pytest.raises(ValueError, match=r"entries that do not fit: gamma; load"):
        scheduler.load_state_dict({**before, "gamma": "0.5"})
    with pytest.raises(TypeError, match=r"^ExponentialLR\.load_state_dict: state_dict must be a dict, got list$"):
        scheduler.load_state_dict([before])
    assert scheduler.state_dict() == before
    scheduler.load_state_dict({**before, "last_epoch": 7, "gamma": 1})      # an int is a number too
    assert scheduler.last_epoch == 7


# -- validation of the new schedulers -----------------------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: LinearLR(optimizer(), start_factor=0), ValueError,
     r"^LinearLR: start_factor must be a real number in \(0, 1\], got 0$"),
    (lambda: LinearLR(optimizer(), start_factor=1.5), ValueError, r"start_factor must be .*, got 1.5$"),
    (lambda: LinearLR(optimizer(), end_factor=-0.1), ValueError,
     r"^LinearLR: end_factor must be a real number in \[0, 1\], got -0.1$"),
    (lambda: LinearLR(optimizer(), total_iters=0), ValueError,
     r"^LinearLR: total_iters must be a positive integer, got 0$"),
    (lambda: LinearLR(optimizer(), total_iters=2.5), TypeError, r"total_iters must be a positive integer"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1), ValueError,
     r"^OneCycleLR: total_steps must be given, or epochs and steps_per_epoch, got total_steps=None, "
     r"epochs=None, steps_per_epoch=None$"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1, epochs=3), ValueError, r"epochs=3, steps_per_epoch=None$"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1, total_steps=0), ValueError,
     r"^OneCycleLR: total_steps must be a positive integer, got 0$"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1, epochs=2, steps_per_epoch=1.5), TypeError,
     r"steps_per_epoch must be a positive integer, got 1.5$"),
    (lambda: OneCycleLR(optimizer(), max_lr=-0.1, total_steps=10), ValueError,
     r"^OneCycleLR: max_lr must be a real number in \[0, inf\), got -0.1$"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1, total_steps=10, pct_start=1.2), ValueError,
     r"pct_start must be a real number in \[0, 1\], got 1.2$"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1, total_steps=10, pct_start=0.1), ValueError,
     r"^OneCycleLR: pct_start must be a share of total_steps=10 that leaves no phase without steps, "
     r"got 0.1$"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1, total_steps=10, pct_start=1.0), ValueError,
     r"leaves no phase without steps, got 1.0$"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1, total_steps=10, anneal_strategy="cosine"), ValueError,
     r"^OneCycleLR: anneal_strategy must be one of 'cos', 'linear', got 'cosine'$"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1, total_steps=10, div_factor=0), ValueError,
     r"div_factor must be a real number in \(0, inf\), got 0$"),
    (lambda: OneCycleLR(optimizer(), max_lr=0.1, total_steps=10, max_momentum=1.0), ValueError,
     r"max_momentum must be a real number in \[0, 1\), got 1.0$"),
    (lambda: OneCycleLR(Adagrad([Parameter(np.zeros(2))]), max_lr=0.1, total_steps=10), ValueError,
     r"^OneCycleLR: optimizer must be one with a momentum or betas when cycle_momentum=True, got Adagrad; "
     r"pass cycle_momentum=False$"),
    (lambda: OneCycleLR(object(), max_lr=0.1, total_steps=10, cycle_momentum=False), TypeError,
     r"^OneCycleLR: optimizer.lr must be a real number in \[0, inf\), got None; a scheduler "
     r"takes an optimizer, such as SGD\(model.parameters\(\), lr=0.1\)$"),
    (lambda: OneCycleLR(object(), max_lr=0.1, total_steps=10), ValueError,
     r"^OneCycleLR: optimizer must be one with a momentum or betas when cycle_momentum=True, got object"),
    (lambda: ReduceLROnPlateau(optimizer(), mode="minimum"), ValueError,
     r"^ReduceLROnPlateau: mode must be one of 'min', 'max', got 'minimum'$"),
    (lambda: ReduceLROnPlateau(optimizer(), factor=1.0), ValueError,
     r"^ReduceLROnPlateau: factor must be a real number in \[0, 1\), got 1.0$"),
    (lambda: ReduceLROnPlateau(optimizer(), patience=-1), ValueError,
     r"^ReduceLROnPlateau: patience must be an integer >= 0, got -1$"),
    (lambda: ReduceLROnPlateau(optimizer(), patience=True), TypeError,
     r"^ReduceLROnPlateau: patience must be an integer >= 0, got True$"),
    (lambda: ReduceLROnPlateau(optimizer(), cooldown=1.0), TypeError, r"cooldown must be an integer >= 0, got 1.0$"),
    (lambda: ReduceLROnPlateau(optimizer(), threshold_mode="relative"), ValueError,
     r"threshold_mode must be one of 'rel', 'abs', got 'relative'$"),
    (lambda: ReduceLROnPlateau(optimizer(), threshold=-1e-4), ValueError, r"threshold must be .*, got -0.0001$"),
    (lambda: ReduceLROnPlateau(optimizer(), min_lr=-1), ValueError, r"min_lr must be .*, got -1$"),
    (lambda: ReduceLROnPlateau(optimizer(), eps=float("nan")), ValueError, r"eps must be .*, got nan$"),
    (lambda: ReduceLROnPlateau(object()), TypeError,
     r"^ReduceLROnPlateau: optimizer.lr must be a real number in \[0, inf\), got None; a scheduler "
     r"takes an optimizer, such as SGD\(model.parameters\(\), lr=0.1\)$"),
], ids=lambda v: getattr(v, "__name__", None) if isinstance(v, type) else None)
def test_new_scheduler_validation(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_defaults_are_pytorchs():
    opt = optimizer()
    linear = LinearLR(opt)
    assert (linear.start_factor, linear.end_factor, linear.total_iters) == (1.0 / 3, 1.0, 5)
    cycle = OneCycleLR(optimizer(), max_lr=0.1, total_steps=100)
    assert (cycle.pct_start, cycle.anneal_strategy, cycle.cycle_momentum, cycle.base_momentum,
            cycle.max_momentum, cycle.three_phase) == (0.3, "cos", True, 0.85, 0.95, False)
    assert cycle.initial_lr == 0.1 / 25 and cycle.min_lr == 0.1 / 25 / 1e4
    plateau_ = ReduceLROnPlateau(optimizer())
    assert (plateau_.mode, plateau_.factor, plateau_.patience, plateau_.threshold, plateau_.threshold_mode,
            plateau_.cooldown, plateau_.min_lr, plateau_.eps) == ("min", 0.1, 10, 1e-4, "rel", 0, 0.0, 1e-8)


# -- PyTorch itself, when it is installed ------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_random_chains_and_rates_set_by_hand_match_torch(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    pool = [("StepLR", lambda: dict(step_size=int(rng.integers(1, 5)), gamma=float(rng.uniform(0.3, 0.9)))),
            ("ExponentialLR", lambda: dict(gamma=float(rng.uniform(0.8, 1.0)))),
            ("CosineAnnealingLR", lambda: dict(T_max=int(rng.integers(2, 12)), eta_min=float(rng.uniform(0, 0.01)))),
            ("LinearLR", lambda: dict(start_factor=float(rng.uniform(0.05, 1.0)), total_iters=int(rng.integers(1, 8)))),
            ("ReduceLROnPlateau", lambda: dict(factor=float(rng.uniform(0.1, 0.9)), patience=int(rng.integers(0, 3)),
                                               cooldown=int(rng.integers(0, 2))))]
    chain = [(name, options()) for name, options in (pool[i] for i in rng.choice(5, size=int(rng.integers(1, 4))))]
    metrics = rng.uniform(0, 1, size=30)
    set_lr = {int(e): float(rng.uniform(0.01, 0.2)) for e in rng.choice(30, size=2, replace=False)}
    ours = optimizer()
    mine = [getattr(nnlib, name)(ours, **options) for name, options in chain]
    weight = torch.zeros(3, requires_grad=True)
    theirs = torch.optim.SGD([weight], lr=0.1)
    reference = [getattr(torch.optim.lr_scheduler, name)(theirs, **options) for name, options in chain]
    for epoch in range(30):
        if epoch in set_lr:
            ours.lr = theirs.param_groups[0]["lr"] = set_lr[epoch]
        assert ours.lr == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12), (chain, epoch)
        ours.step()
        weight.grad = torch.zeros(3)
        theirs.step()
        for a, b in zip(mine, reference):
            args = (float(metrics[epoch]),) if isinstance(a, ReduceLROnPlateau) else ()
            a.step(*args)
            b.step(*args)


def test_linear_decay_to_zero_ends_at_exactly_zero():
    """PyTorch's form of the ratio, 1 + (f - s) / (T s + (e - 1)(f - s)), rounds to
    -2.2e-16 at e = T when f = 0; nnlib's form is a ratio of sums of terms >= 0."""
    opt = optimizer(0.1)
    scheduler = LinearLR(opt, start_factor=0.3, end_factor=0.0, total_iters=3)
    rates = [opt.lr]
    for _ in range(4):
        scheduler.step()
        rates.append(opt.lr)
    assert rates[3:] == [0.0, 0.0]
    assert rates[:3] == pytest.approx([0.03, 0.02, 0.01], rel=1e-12)


def test_cosine_back_at_a_base_rate_of_zero_is_zero_not_below():
    opt = optimizer(0.0)
    scheduler = CosineAnnealingLR(opt, T_max=2, eta_min=0.5)
    rates = []
    for _ in range(4):
        scheduler.step()
        rates.append(opt.lr)
    assert rates[:3] == pytest.approx([0.25, 0.5, 0.25], rel=1e-12) and rates[3] == 0.0
