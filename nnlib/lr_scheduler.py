# Generated from chapters/07_optimizers.ipynb by tools/export.py. Do not edit.
"""Learning-rate schedulers that set an optimizer's ``lr`` once per epoch (StepLR,
ExponentialLR, CosineAnnealingLR), with the closed forms, argument names and defaults of
``torch.optim.lr_scheduler``.

Derived in chapter 7, "Optimizers" (chapters/07_optimizers.ipynb)."""

import math
from nnlib import checks

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR"]


class LRScheduler:
    """Base class of the learning-rate schedulers: sets ``optimizer.lr`` once per epoch.

    Derived in chapter 7, "Optimizers". Call ``scheduler.step()`` once at the end of
    every epoch, after that epoch's ``optimizer.step()`` calls, as in PyTorch. After e
    calls the optimizer's learning rate is ``lr_at(e)``, a closed form in the initial
    learning rate ``base_lr``.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``lr`` is scheduled; its ``lr`` when the scheduler is
        created is ``base_lr``.

    Attributes
    ----------
    base_lr : float
        The initial learning rate.
    last_epoch : int
        The number of ``step()`` calls so far.
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer                       # anything with a learning rate
        self.base_lr = checks.real(getattr(optimizer, "lr", None), "optimizer.lr",
                                   type(self).__name__, "[0, inf)")
        self.last_epoch = 0
        self.optimizer.lr = self._last_lr = self.lr_at(0)

    def lr_at(self, epoch):
        """The learning rate after ``epoch`` calls of ``step()``, a float."""
        raise NotImplementedError(f"{type(self).__name__} does not implement lr_at()")

    def step(self):
        """Advance one epoch and set the optimizer's learning rate."""
        self.last_epoch += 1
        self.optimizer.lr = self._last_lr = self.lr_at(self.last_epoch)

    def get_last_lr(self):
        """The learning rate set last, in a one-element list (PyTorch has one per
        parameter group)."""
        return [self._last_lr]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Derived in chapter 7, "Optimizers". As ``torch.optim.lr_scheduler.StepLR``: after e
    epochs the learning rate is ``base_lr * gamma ** (e // step_size)``.

    Parameters
    ----------
    optimizer
        As for ``LRScheduler``.
    step_size : int
        The number of epochs between two decays, >= 1.
    gamma : float, default 0.1
        The factor, >= 0.
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        owner = type(self).__name__
        self.step_size = checks.positive_int(step_size, "step_size", owner)
        self.gamma = checks.real(gamma, "gamma", owner, "[0, inf)")
        super().__init__(optimizer)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Derived in chapter 7, "Optimizers". As ``torch.optim.lr_scheduler.ExponentialLR``:
    after e epochs the learning rate is ``base_lr * gamma ** e``.

    Parameters
    ----------
    optimizer
        As for ``LRScheduler``.
    gamma : float
        The factor per epoch, >= 0.
    """

    def __init__(self, optimizer, gamma):
        self.gamma = checks.real(gamma, "gamma", type(self).__name__, "[0, inf)")
        super().__init__(optimizer)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """Lower the learning rate from its initial value to ``eta_min`` along half a
    cosine.

    Derived in chapter 7, "Optimizers". As
    ``torch.optim.lr_scheduler.CosineAnnealingLR``: after e epochs the learning rate is
    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2``. It reaches
    ``eta_min`` at e = T_max, so set ``T_max`` to the number of epochs; past T_max the
    cosine rises again, as in PyTorch.

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

    def __init__(self, optimizer, T_max, eta_min=0):
        owner = type(self).__name__
        self.eta_min = checks.real(eta_min, "eta_min", owner, "[0, inf)")
        self.T_max = checks.positive_int(T_max, "T_max", owner)
        super().__init__(optimizer)

    def lr_at(self, epoch):
        cosine = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + cosine) / 2
