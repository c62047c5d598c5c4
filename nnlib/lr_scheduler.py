# Generated from chapters/07_optimizers/ by tools/export.py. Do not edit.
"""Learning-rate schedulers that set an optimizer's ``lr`` (StepLR, ExponentialLR,
CosineAnnealingLR, LinearLR, OneCycleLR, ReduceLROnPlateau), with the rules, argument
names and defaults of ``torch.optim.lr_scheduler``: each computes the next learning rate
from the current one, so that the schedulers of one optimizer compose.

Derived in chapter 7, "Optimizers" (chapters/07_optimizers)."""

import math
import numbers                  # for load_state_dict, on the chapter's last page
from nnlib import checks
from nnlib import optim
from nnlib.optim import _refuse_state_dict  # for load_state_dict, on the last page

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
           "OneCycleLR", "ReduceLROnPlateau"]


_AN_OPTIMIZER = ("a scheduler takes an optimizer, such as "
                 "SGD(model.parameters(), lr=0.1)")


class LRScheduler:
    """Base class of the learning-rate schedulers: sets ``optimizer.lr`` at every
    ``step()``.

    Derived in chapter 7, "Optimizers". Call ``scheduler.step()`` once at the end of
    every epoch, after that epoch's ``optimizer.step()`` calls, as in PyTorch
    (``OneCycleLR``: after every batch). Each step computes the next learning rate from
    the optimizer's current one (``get_lr()``, PyTorch's chainable form), so that two
    schedulers of one optimizer compose and a rate set by hand is continued from;
    ``lr_at(e)`` is the closed form in ``base_lr``, which the steps follow when nothing
    else changes the rate.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``lr`` is scheduled. Creating the scheduler takes its step
        0, which may change ``lr`` (``LinearLR`` multiplies it by ``start_factor``).

    Attributes
    ----------
    base_lr : float
        The learning rate the schedule starts from: ``optimizer.initial_lr``, which the
        optimizer's first scheduler sets to its ``lr`` (PyTorch's
        ``param_groups[0]["initial_lr"]``).
    last_epoch : int
        The number of ``step()`` calls so far.
    """

    def __init__(self, optimizer: optim.Optimizer) -> None:
        self.optimizer = optimizer                       # anything with a learning rate
        lr = checks.real(getattr(optimizer, "lr", None), "optimizer.lr",
                         type(self).__name__, "[0, inf)", _AN_OPTIMIZER)
        if optimizer.initial_lr is None:                 # the first scheduler
            optimizer.initial_lr = lr
        self.base_lr = optimizer.initial_lr
        self.last_epoch = -1
        self.step()                                      # step 0, as in PyTorch

    def get_lr(self) -> float:
        """The learning rate of epoch ``last_epoch``, computed from the optimizer's
        current one (PyTorch's chainable form): a float. ``step()`` calls it."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr()")

    def lr_at(self, epoch: int) -> float:
        """The learning rate after ``epoch`` steps when nothing else changes it: the
        closed form in ``base_lr`` (PyTorch's ``_get_closed_form_lr``), a float."""
        raise NotImplementedError(f"{type(self).__name__} does not implement lr_at()")

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate to ``get_lr()``."""
        self.last_epoch += 1
        self.optimizer.lr = self.get_lr()
        self._last_lr = self.optimizer.lr

    def get_last_lr(self) -> list[float]:
        """The learning rate set last, in a one-element list (PyTorch has one per
        parameter group)."""
        return [self._last_lr]

    def state_dict(self) -> dict[str, float | str | bool]:
        """The scheduler's state, as PyTorch's: every attribute but the optimizer, a
        dict of names to Python numbers, strings and bools (nothing to copy)."""
        return {name: value for name, value in vars(self).items()
                if name != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, float | str | bool]) -> None:
        """Continue from ``state_dict``, made by ``state_dict()`` of a scheduler of the
        same class. All or nothing: it must hold this scheduler's names, each with a
        value of the same kind (a bool, a number, a string); else ``ValueError``. The
        learning rate is restored by the optimizer's ``load_state_dict``, as in
        PyTorch."""
        owner = f"{type(self).__name__}.load_state_dict"
        checks.instance(state_dict, "state_dict", owner, dict)
        own = self.state_dict()
        wrong = sorted(map(str, set(own) ^ set(state_dict))) or [
            name for name in own if _kind(state_dict[name]) is not _kind(own[name])]
        problems = [f"entries that do not fit: {', '.join(wrong)}"] if wrong else []
        _refuse_state_dict(owner, problems, f"the state of this {type(self).__name__}",
                           "load the state dict of a scheduler of the same class")
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Derived in chapter 7, "Optimizers". As ``torch.optim.lr_scheduler.StepLR``: at every
    epoch that is a multiple of ``step_size`` the current learning rate is multiplied by
    ``gamma``; when nothing else changes it, after e epochs it is
    ``base_lr * gamma ** (e // step_size)`` (``lr_at``).

    Parameters
    ----------
    optimizer
        As for ``LRScheduler``.
    step_size : int
        The number of epochs between two decays, >= 1.
    gamma : float, default 0.1
        The factor, >= 0.
    """

    def __init__(self, optimizer: optim.Optimizer, step_size: int,
                 gamma: float = 0.1) -> None:
        owner = type(self).__name__
        self.step_size = checks.positive_int(step_size, "step_size", owner)
        self.gamma = checks.real(gamma, "gamma", owner, "[0, inf)")
        super().__init__(optimizer)

    def get_lr(self) -> float:
        e, lr = self.last_epoch, self.optimizer.lr
        return lr * self.gamma if e > 0 and e % self.step_size == 0 else lr

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Derived in chapter 7, "Optimizers". As ``torch.optim.lr_scheduler.ExponentialLR``:
    every epoch multiplies the current learning rate by ``gamma``; when nothing else
    changes it, after e epochs it is ``base_lr * gamma ** e`` (``lr_at``).

    Parameters
    ----------
    optimizer
        As for ``LRScheduler``.
    gamma : float
        The factor per epoch, >= 0: below 1 a decay, above 1 a growth.
    """

    def __init__(self, optimizer: optim.Optimizer, gamma: float) -> None:
        self.gamma = checks.real(gamma, "gamma", type(self).__name__, "[0, inf)")
        super().__init__(optimizer)

    def get_lr(self) -> float:
        lr = self.optimizer.lr
        return lr * self.gamma if self.last_epoch > 0 else lr

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """Lower the learning rate from its initial value to ``eta_min`` along half a
    cosine.

    Derived in chapter 7, "Optimizers". As
    ``torch.optim.lr_scheduler.CosineAnnealingLR``: every epoch e multiplies the current
    learning rate's distance to ``eta_min`` by
    ``(1 + cos(pi * e / T_max)) / (1 + cos(pi * (e - 1) / T_max))``; when nothing else
    changes it, after e epochs the learning rate is
    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2`` (``lr_at``). It
    reaches ``eta_min`` at e = T_max, so set ``T_max`` to the number of epochs; past
    T_max the cosine rises again, as in PyTorch.

    Parameters
    ----------
    optimizer
        As for ``LRScheduler``.
    T_max : int
        The length of the descent in epochs, >= 1: usually the number of epochs of
        training.
    eta_min : float, default 0
        The learning rate at the end of the descent, >= 0.
    """

    def __init__(self, optimizer: optim.Optimizer, T_max: int,
                 eta_min: float = 0) -> None:
        owner = type(self).__name__
        self.eta_min = checks.real(eta_min, "eta_min", owner, "[0, inf)")
        self.T_max = checks.positive_int(T_max, "T_max", owner)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        e, T, lr, eta_min = self.last_epoch, self.T_max, self.optimizer.lr, self.eta_min
        if e == 0:
            return lr
        if (e - 1 - T) % (2 * T) == 0:         # at eta_min: the closed form's increment
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
        rate = ((1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
                * (lr - eta_min) + eta_min)
        return max(rate, 0.0)       # rounding gives -1e-16 where it comes back to 0

    def lr_at(self, epoch: int) -> float:
        cosine = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + cosine) / 2


class LinearLR(LRScheduler):
    """Multiply the learning rate by a factor that moves linearly from ``start_factor``
    to ``end_factor`` in ``total_iters`` epochs: a warm-up, or a linear decay.

    Derived in chapter 7, "Optimizers". As ``torch.optim.lr_scheduler.LinearLR``, with
    its argument names and defaults. Step 0 (taken when the scheduler is created)
    multiplies the current learning rate by ``start_factor``; step e, for
    1 <= e <= total_iters, by the ratio of two consecutive factors,
    ``(start * (T - e) + end * e) / (start * (T - e + 1) + end * (e - 1))`` with
    T = total_iters: the same ratio as PyTorch's ``1 + (end - start) / (T * start +
    (e - 1) * (end - start))``, rewritten so that it cannot round below 0. Later steps
    leave the rate alone.
    When nothing else changes the rate, after e epochs it is
    ``base_lr * (start + (end - start) * min(e, total_iters) / total_iters)``.

    Parameters
    ----------
    optimizer
        As for ``LRScheduler``.
    start_factor : float, default 1/3
        The factor of epoch 0, in (0, 1].
    end_factor : float, default 1.0
        The factor from epoch ``total_iters`` on, in [0, 1].
    total_iters : int, default 5
        The number of epochs from the first factor to the last, >= 1.
    """

    def __init__(self, optimizer: optim.Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5) -> None:
        owner = type(self).__name__
        self.start_factor = checks.real(start_factor, "start_factor", owner, "(0, 1]")
        self.end_factor = checks.real(end_factor, "end_factor", owner, "[0, 1]")
        self.total_iters = checks.positive_int(total_iters, "total_iters", owner)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        e, lr = self.last_epoch, self.optimizer.lr
        s, f, T = self.start_factor, self.end_factor, self.total_iters
        if e == 0:
            return lr * s
        if e > T:
            return lr
        return lr * (s * (T - e) + f * e) / (s * (T - e + 1) + f * (e - 1))

    def lr_at(self, epoch: int) -> float:
        start, end, total = self.start_factor, self.end_factor, self.total_iters
        return self.base_lr * (start + (end - start) * min(total, epoch) / total)


class OneCycleLR(LRScheduler):
    """The 1cycle policy: the learning rate rises from ``max_lr / div_factor`` to
    ``max_lr``, then falls far below where it started, while the momentum moves the
    other way; stepped after every batch.

    Derived in chapter 7, "Optimizers". As ``torch.optim.lr_scheduler.OneCycleLR``, with
    its argument names, defaults and phases. Of the ``total_steps`` steps, the first
    phase (to step ``pct_start * total_steps - 1``) anneals the learning rate from
    ``initial_lr = max_lr / div_factor`` up to ``max_lr``, the second down to
    ``min_lr = initial_lr / final_div_factor`` at step ``total_steps - 1``. With
    ``three_phase=True`` the second phase returns to ``initial_lr`` at step
    ``2 * pct_start * total_steps - 2`` and a third falls to ``min_lr``. Each phase
    anneals along half a cosine (``"cos"``) or a line (``"linear"``). With
    ``cycle_momentum``, the optimizer's ``momentum`` (SGD, RMSprop) or ``betas[0]``
    (Adam, AdamW) moves the other way, between ``max_momentum`` and ``base_momentum``.

    Like PyTorch's, this scheduler is not chainable: each step sets the learning rate
    from the phases (a rate set by hand is overwritten), and creating it sets the
    optimizer's ``initial_lr``. A step beyond ``total_steps`` raises ``ValueError``, as
    in PyTorch; a ``pct_start`` that would give a phase no steps (PyTorch then divides
    by zero) is refused when the scheduler is created. Step ``total_steps`` (taken after
    the last batch; no batch uses its rate) extends the last phase beyond its end; where
    that makes PyTorch's linear annealing negative, nnlib sets 0, since its optimizers
    refuse a negative learning rate.

    Parameters
    ----------
    optimizer
        As for ``LRScheduler``.
    max_lr : float
        The peak learning rate, >= 0.
    total_steps : int, optional
        The number of steps of the cycle, >= 1; if None, ``epochs * steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
        Used when ``total_steps`` is None, each >= 1.
    pct_start : float, default 0.3
        The share of the steps spent raising the learning rate, in [0, 1].
    anneal_strategy : {"cos", "linear"}, default "cos"
        Half a cosine or a line between the ends of each phase.
    cycle_momentum : bool, default True
        Move the momentum (or beta1) inversely to the learning rate; the optimizer must
        have ``momentum`` or ``betas``.
    base_momentum, max_momentum : float, default 0.85 and 0.95
        The momentum at the learning rate's peak and at its ends, each in [0, 1).
    div_factor : float, default 25
        ``initial_lr = max_lr / div_factor``, > 0.
    final_div_factor : float, default 1e4
        ``min_lr = initial_lr / final_div_factor``, > 0.
    three_phase : bool, default False
        The three phases of Smith's paper instead of fastai's two.
    """

    def __init__(self, optimizer: optim.Optimizer, max_lr: float,
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float = 0.85, max_momentum: float = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False) -> None:
        owner = type(self).__name__
        if total_steps is None and epochs is not None and steps_per_epoch is not None:
            per_epoch = checks.positive_int(steps_per_epoch, "steps_per_epoch", owner)
            total_steps = checks.positive_int(epochs, "epochs", owner) * per_epoch
        if total_steps is None:
            checks.fail(ValueError, owner, "total_steps", "given, or epochs and "
                        "steps_per_epoch", f"total_steps=None, epochs={epochs!r}, "
                        f"steps_per_epoch={steps_per_epoch!r}")
        self.total_steps = checks.positive_int(total_steps, "total_steps", owner)
        self.max_lr = checks.real(max_lr, "max_lr", owner, "[0, inf)")
        div = checks.real(div_factor, "div_factor", owner, "(0, inf)")
        final_div = checks.real(final_div_factor, "final_div_factor", owner, "(0, inf)")
        self.initial_lr, self.min_lr = self.max_lr / div, self.max_lr / div / final_div
        self.pct_start = checks.real(pct_start, "pct_start", owner, "[0, 1]")
        self.anneal_strategy = checks.one_of(anneal_strategy, "anneal_strategy", owner,
                                             ("cos", "linear"))
        self.three_phase = bool(three_phase)
        self.base_momentum = checks.real(base_momentum, "base_momentum", owner,
                                         "[0, 1)")
        self.max_momentum = checks.real(max_momentum, "max_momentum", owner, "[0, 1)")
        cycle = self.cycle_momentum = bool(cycle_momentum)   # Adam's beta1, or momentum
        if cycle and not any(hasattr(optimizer, a) for a in ("betas", "momentum")):
            checks.fail(ValueError, owner, "optimizer", "one with a momentum or betas "
                        "when cycle_momentum=True", type(optimizer).__name__,
                        "pass cycle_momentum=False")
        ends = [0.0] + [end for end, *_ in self._phases()]
        if any(a == b for a, b in zip(ends, ends[1:])):
            checks.fail(ValueError, owner, "pct_start", "a share of total_steps="
                        f"{self.total_steps} that leaves no phase without steps",
                        repr(pct_start))
        # the base class by name: the book defines this constructor outside the class
        # body, where super() without arguments does not work
        LRScheduler.__init__(self, optimizer)           # step 0 sets lr to initial_lr
        # the base constructor may have recorded the optimizer's lr as initial_lr;
        # PyTorch's OneCycleLR records max_lr / div_factor
        optimizer.initial_lr = self.base_lr = self.initial_lr

    def _phases(self):
        """Each phase as (its last step, the learning rate at its start and end, the
        momentum at its start and end), with PyTorch's step numbers."""
        T, pct, low, high = self.total_steps, self.pct_start, self.base_momentum, \
            self.max_momentum
        up = (pct * T - 1, self.initial_lr, self.max_lr, high, low)
        if not self.three_phase:
            return [up, (T - 1, self.max_lr, self.min_lr, low, high)]
        return [up, (2 * pct * T - 2, self.max_lr, self.initial_lr, low, high),
                (T - 1, self.initial_lr, self.min_lr, high, high)]

    def _at(self, step):
        """The learning rate and the momentum after ``step`` steps."""
        anneal = _annealing_cos if self.anneal_strategy == "cos" else _annealing_linear
        phases, start = self._phases(), 0.0
        for i, (end, lr_start, lr_end, mu_start, mu_end) in enumerate(phases):
            if step <= end or i == len(phases) - 1:
                pct = (step - start) / (end - start)
                return anneal(lr_start, lr_end, pct), anneal(mu_start, mu_end, pct)
            start = end

    def lr_at(self, epoch: int) -> float:
        return self._at(epoch)[0]

    def get_lr(self) -> float:
        if self.last_epoch > self.total_steps:
            checks.fail(ValueError, type(self).__name__, "step()",
                        f"called at most total_steps={self.total_steps} times",
                        f"{self.last_epoch} calls", "make total_steps (or epochs * "
                        "steps_per_epoch) the number of batches of the whole training")
        lr, momentum = self._at(self.last_epoch)
        optimizer = self.optimizer        # __init__ made sure it has betas or momentum
        if self.cycle_momentum and hasattr(optimizer, "betas"):
            optimizer.betas = (momentum, optimizer.betas[1])
        elif self.cycle_momentum and hasattr(optimizer, "momentum"):
            optimizer.momentum = momentum
        return max(lr, 0.0)       # step total_steps of a linear annealing may pass 0


def _annealing_cos(start, end, pct):
    """From ``start`` to ``end`` along half a cosine as ``pct`` goes from 0 to 1."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _annealing_linear(start, end, pct):
    """From ``start`` to ``end`` along a line, as ``pct`` goes from 0 to 1."""
    return (end - start) * pct + start


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by ``factor`` when a monitored value (a validation
    loss, say) has stopped improving for more than ``patience`` epochs.

    Derived in chapter 7, "Optimizers". As
    ``torch.optim.lr_scheduler.ReduceLROnPlateau``, with its argument names, defaults
    and rule; call ``step(metrics)`` at the end of every epoch with the value. A value
    improves on the best so far when it is below ``best * (1 - threshold)`` (mode
    "min", threshold_mode "rel") or ``best - threshold`` ("abs"); in mode "max", above
    ``best * (1 + threshold)`` or ``best + threshold``. After more than ``patience``
    epochs in a row without improvement the learning rate becomes
    ``max(lr * factor, min_lr)``, unless that lowers it by ``eps`` or less, and the next
    ``cooldown`` epochs count no bad epoch. It multiplies the current rate, so it
    composes with other schedulers and with a rate set by hand.

    Differences from PyTorch: one parameter group, so ``min_lr`` is one number; a value
    that is NaN or infinite is refused with ``ValueError`` (PyTorch counts it as an
    epoch without improvement).

    Parameters
    ----------
    optimizer
        As for ``LRScheduler``; creating this scheduler leaves its ``lr`` alone.
    mode : {"min", "max"}, default "min"
        Whether the value should fall (a loss) or rise (an accuracy).
    factor : float, default 0.1
        The factor of a reduction, in [0, 1).
    patience : int, default 10
        The number of epochs without improvement that are tolerated, >= 0.
    threshold : float, default 1e-4
        How much better than the best an improvement must be, >= 0.
    threshold_mode : {"rel", "abs"}, default "rel"
        Whether ``threshold`` is relative to the best value or absolute.
    cooldown : int, default 0
        The number of epochs after a reduction that count no bad epoch, >= 0.
    min_lr : float, default 0
        The lowest learning rate, >= 0.
    eps : float, default 1e-8
        A reduction by ``eps`` or less is skipped, >= 0.

    Attributes
    ----------
    best : float
        The best value so far: inf (-inf in mode "max") before the first.
    num_bad_epochs : int
        The number of epochs in a row without improvement.
    cooldown_counter : int
        The epochs of cooldown left.
    """

    def __init__(self, optimizer: optim.Optimizer, mode: str = "min",
                 factor: float = 0.1, patience: int = 10, threshold: float = 1e-4,
                 threshold_mode: str = "rel", cooldown: int = 0, min_lr: float = 0,
                 eps: float = 1e-8) -> None:
        owner = type(self).__name__
        self.mode = checks.one_of(mode, "mode", owner, ("min", "max"))
        self.factor = checks.real(factor, "factor", owner, "[0, 1)")
        self.patience = checks.count(patience, "patience", owner)
        self.threshold = checks.real(threshold, "threshold", owner, "[0, inf)")
        self.threshold_mode = checks.one_of(threshold_mode, "threshold_mode", owner,
                                            ("rel", "abs"))
        self.cooldown = checks.count(cooldown, "cooldown", owner)
        self.min_lr = checks.real(min_lr, "min_lr", owner, "[0, inf)")
        self.eps = checks.real(eps, "eps", owner, "[0, inf)")
        # no LRScheduler.__init__: its step 0 computes a rate, and this scheduler has
        # none to compute before it sees a monitored value (nor an initial_lr to record)
        self.optimizer = optimizer
        self._last_lr = checks.real(getattr(optimizer, "lr", None), "optimizer.lr",
                                    owner, "[0, inf)", _AN_OPTIMIZER)
        self.last_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = 0

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """End an epoch whose monitored value is ``metrics`` (a real number): count
        it as an improvement or not, and reduce the learning rate after more than
        ``patience`` epochs without one."""
        current = checks.real(metrics, "metrics", type(self).__name__, fix="the "
                              "monitored value is NaN or infinite: training diverged")
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:                  # a cooldown counts no bad epoch
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            lr = self.optimizer.lr
            new_lr = max(lr * self.factor, self.min_lr)
            if lr - new_lr > self.eps:
                self.optimizer.lr = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = self.optimizer.lr

    def _is_better(self, value):
        """Whether ``value`` improves on ``best`` by more than the threshold."""
        best, threshold = self.best, self.threshold
        relative = self.threshold_mode == "rel"
        if self.mode == "min":
            return value < (best * (1.0 - threshold) if relative else best - threshold)
        return value > (best * (1.0 + threshold) if relative else best + threshold)


def _kind(value):
    """What a value of a scheduler's state must stay: a bool, a number or its
    type."""
    return (bool if isinstance(value, bool) else
            numbers.Real if isinstance(value, numbers.Real) else type(value))
