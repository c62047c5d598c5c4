# Generated from chapters/07_optimizers.ipynb by tools/export.py. Do not edit.
"""Optimizers that update ``Parameter`` objects in place (SGD with momentum and Nesterov momentum,
RMSprop, Adam, AdamW) and learning-rate schedulers (StepLR, ExponentialLR, CosineAnnealingLR), with
the update rules, hyperparameter names and defaults documented for ``torch.optim``.

Derived in chapter 7, "Optimizers" (chapters/07_optimizers.ipynb)."""

import math
import numpy as np
from nnlib.module import Parameter

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "LRScheduler", "StepLR",
           "ExponentialLR", "CosineAnnealingLR"]


def _number(owner, name, value, low=0.0, high=None, high_open=False):
    """``value`` as a Python float, or a ValueError naming ``owner``, the hyperparameter and the value.

    The range is ``[low, high]`` (``[low, high)`` with ``high_open``); ``high=None`` means no upper
    bound. NaN is always rejected.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}") from None
    below_high = high is None or (number < high if high_open else number <= high)
    if not (number >= low and below_high):
        bound = f">= {low:g}" if high is None else f"in [{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{owner}: invalid {name}={value!r}; it must be {bound}")
    return number


class Optimizer:
    """Base class of nnlib's optimizers: the parameters, the learning rate and per-parameter state.

    Derived in chapter 7, "Optimizers". Subclasses implement ``step()``, which updates every
    parameter's ``.data`` in place from its ``.grad``. Simpler than ``torch.optim``: one group of
    parameters, and the learning rate is the attribute ``optimizer.lr`` (in PyTorch,
    ``optimizer.param_groups[0]["lr"]``), which a scheduler or the user may change between steps.
    Create the optimizer after converting the model to its final dtype (``model.to(np.float32)``):
    its state arrays take the dtype the parameters have then.

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to update, e.g. ``model.parameters()``: at least one, each at most once.
    lr : float
        The learning rate, >= 0.

    Attributes
    ----------
    params : list of Parameter
        The parameters, in the order given.
    lr : float
        The learning rate; setting it checks it again.
    state : dict
        ``state[p]`` is a dict of the arrays kept for parameter ``p``, named as in PyTorch
        (``"momentum_buffer"``, ``"exp_avg"``, ...), each of ``p.data``'s shape and dtype.
    t : int
        The number of steps taken so far.
    """

    def __init__(self, params, lr):
        name = type(self).__name__
        if isinstance(params, Parameter):
            raise TypeError(f"{name}: params must be an iterable of Parameter objects such as "
                            "model.parameters(), not a single Parameter; wrap it in a list")
        params = list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(f"{name}: params must be Parameter objects, got {type(p).__name__}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: a parameter appears more than once in params")
        self.params = params
        self.lr = lr
        self.t = 0
        self.state = {p: {} for p in params}
        self._work = [np.empty_like(p.data) for p in params]     # scratch space, one per parameter
        self._decayed = [None] * len(params)                     # g + weight_decay * p, when needed

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = _number(type(self).__name__, "lr", value)

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's gradient: None (PyTorch 2's default) or, with
        ``set_to_none=False``, zeros in the existing arrays."""
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.fill(0)

    def step(self):
        """Update every parameter once, in place, from its ``.grad``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _grad_with_weight_decay(self, i, weight_decay):
        """``p.grad + weight_decay * p.data`` for parameter ``i``, in an array reused at every step
        (the gradient of the loss plus the L2 penalty ``weight_decay / 2 * ||p||^2``)."""
        p, out = self.params[i], self._decayed[i]
        if out is None:
            out = self._decayed[i] = np.empty_like(p.data)
        np.multiply(p.data, weight_decay, out=out)
        out += p.grad
        return out

    def extra_repr(self):
        """The hyperparameters shown by ``repr``."""
        return f"lr={self.lr:g}"

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.

    Derived in chapter 7, "Optimizers". The update rule of ``torch.optim.SGD``, with its
    hyperparameter names and order. At every step, for each parameter p with gradient g::

        g = g + weight_decay * p                       (if weight_decay != 0)
        if momentum != 0:
            b = g on the first step, else b = momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to update, e.g. ``model.parameters()``.
    lr : float
        The learning rate, >= 0 (required).
    momentum : float, default 0
        The momentum factor, >= 0.
    dampening : float, default 0
        The share of the gradient held back from the momentum buffer, in [0, 1].
    weight_decay : float, default 0
        The L2 penalty, >= 0: ``weight_decay * p`` is added to the gradient.
    nesterov : bool, default False
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.

    Notes
    -----
    ``step()`` changes ``p.data`` in place and leaves ``p.grad`` as it is.
    ``state[p]["momentum_buffer"]`` is None until the first step with momentum, then an array of
    ``p.data``'s shape and dtype.
    """

    def __init__(self, params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        super().__init__(params, lr)
        name = type(self).__name__
        self.momentum = _number(name, "momentum", momentum)
        self.dampening = _number(name, "dampening", dampening, 0.0, 1.0)
        self.weight_decay = _number(name, "weight_decay", weight_decay)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(f"{name}: nesterov=True needs momentum > 0 and dampening = 0, got "
                             f"momentum={momentum!r} and dampening={dampening!r}")
        for p in self.params:
            self.state[p]["momentum_buffer"] = None

    def step(self):
        """Update every parameter once, in place, from its ``.grad``."""
        self.t += 1
        lr, mu, tau, wd = self.lr, self.momentum, self.dampening, self.weight_decay
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            work = self._work[i]
            g = p.grad if wd == 0 else self._grad_with_weight_decay(i, wd)
            if mu != 0:
                state = self.state[p]
                b = state["momentum_buffer"]
                if b is None:                                  # first step: b = g
                    b = state["momentum_buffer"] = np.empty_like(p.data)
                    np.copyto(b, g)
                else:                                          # b = mu b + (1 - tau) g
                    b *= mu
                    if tau == 0:
                        b += g
                    else:
                        np.multiply(g, 1.0 - tau, out=work)
                        b += work
                if self.nesterov:                              # g = g + mu b
                    np.multiply(b, mu, out=work)
                    work += g
                    g = work
                else:                                          # g = b
                    g = b
            np.multiply(g, lr, out=work)                       # p = p - lr g
            p.data -= work

    def extra_repr(self):
        return (f"lr={self.lr:g}, momentum={self.momentum:g}, dampening={self.dampening:g}, "
                f"weight_decay={self.weight_decay:g}, nesterov={self.nesterov}")


class RMSprop(Optimizer):
    """RMSprop: each coordinate's step divided by the root of a running mean of its squared gradient.

    Derived in chapter 7, "Optimizers". The update rule of ``torch.optim.RMSprop``, with its
    hyperparameter names, order and defaults. At every step, for each parameter p with gradient g
    (all operations elementwise; v, g_avg and b start at zero)::

        g = g + weight_decay * p                         (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g**2
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            d = sqrt(v - g_avg**2) + eps
        else:
            d = sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / d
            p = p - lr * b
        else:
            p = p - lr * g / d

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to update, e.g. ``model.parameters()``.
    lr : float, default 0.01
        The learning rate, >= 0.
    alpha : float, default 0.99
        The smoothing constant of the running means, in [0, 1].
    eps : float, default 1e-8
        Added to the square root, >= 0.
    weight_decay : float, default 0
        The L2 penalty, >= 0: ``weight_decay * p`` is added to the gradient.
    momentum : float, default 0
        The momentum factor, >= 0.
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its root mean square.

    Notes
    -----
    ``state[p]`` holds ``"square_avg"`` (v), and ``"momentum_buffer"`` if momentum > 0 and
    ``"grad_avg"`` if centered: arrays of ``p.data``'s shape and dtype.
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False):
        super().__init__(params, lr)
        name = type(self).__name__
        self.alpha = _number(name, "alpha", alpha, 0.0, 1.0)
        self.eps = _number(name, "eps", eps)
        self.weight_decay = _number(name, "weight_decay", weight_decay)
        self.momentum = _number(name, "momentum", momentum)
        self.centered = bool(centered)
        for p in self.params:
            state = self.state[p]
            state["square_avg"] = np.zeros_like(p.data)
            if self.momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if self.centered:
                state["grad_avg"] = np.zeros_like(p.data)

    def step(self):
        """Update every parameter once, in place, from its ``.grad``."""
        self.t += 1
        lr, alpha, eps, wd, mu = self.lr, self.alpha, self.eps, self.weight_decay, self.momentum
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            state, work = self.state[p], self._work[i]
            g = p.grad if wd == 0 else self._grad_with_weight_decay(i, wd)
            v = state["square_avg"]                            # v = alpha v + (1 - alpha) g^2
            v *= alpha
            np.multiply(g, g, out=work)
            work *= 1.0 - alpha
            v += work
            if self.centered:                                  # d = sqrt(v - g_avg^2) + eps
                g_avg = state["grad_avg"]
                g_avg *= alpha
                np.multiply(g, 1.0 - alpha, out=work)
                g_avg += work
                np.multiply(g_avg, g_avg, out=work)
                np.subtract(v, work, out=work)
                np.sqrt(work, out=work)
            else:                                              # d = sqrt(v) + eps
                np.sqrt(v, out=work)
            work += eps
            np.divide(g, work, out=work)                       # g / d
            if mu > 0:                                         # b = mu b + g / d; p = p - lr b
                b = state["momentum_buffer"]
                b *= mu
                b += work
                np.multiply(b, lr, out=work)
            else:                                              # p = p - lr g / d
                work *= lr
            p.data -= work

    def extra_repr(self):
        return (f"lr={self.lr:g}, alpha={self.alpha:g}, eps={self.eps:g}, "
                f"weight_decay={self.weight_decay:g}, momentum={self.momentum:g}, centered={self.centered}")


class Adam(Optimizer):
    """Adam: a running mean of the gradient divided by the root of a running mean of its square,
    both bias-corrected.

    Derived in chapter 7, "Optimizers". The update rule of ``torch.optim.Adam`` (without amsgrad),
    with its hyperparameter names, order and defaults. At step t, for each parameter p with gradient g
    (all operations elementwise; m and v start at zero)::

        g = g + weight_decay * p                         (if weight_decay != 0: an L2 penalty)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to update, e.g. ``model.parameters()``.
    lr : float, default 0.001
        The learning rate, >= 0.
    betas : (float, float), default (0.9, 0.999)
        The decay rates of the running means of g and g**2, each in [0, 1).
    eps : float, default 1e-8
        Added after the square root, >= 0.
    weight_decay : float, default 0
        The L2 penalty, >= 0, added to the gradient. For decoupled weight decay use ``AdamW``.

    Notes
    -----
    ``state[p]`` holds ``"exp_avg"`` (m) and ``"exp_avg_sq"`` (v), arrays of ``p.data``'s shape and
    dtype. ``t`` is the number of steps taken.
    """

    _decoupled = False           # AdamW multiplies the weights by (1 - lr * weight_decay) instead

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
        super().__init__(params, lr)
        name = type(self).__name__
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"{name}: betas must be a pair of numbers, got {betas!r}") from None
        self.betas = (_number(name, "betas[0]", beta1, 0.0, 1.0, high_open=True),
                      _number(name, "betas[1]", beta2, 0.0, 1.0, high_open=True))
        self.eps = _number(name, "eps", eps)
        self.weight_decay = _number(name, "weight_decay", weight_decay)
        for p in self.params:
            self.state[p]["exp_avg"] = np.zeros_like(p.data)
            self.state[p]["exp_avg_sq"] = np.zeros_like(p.data)

    def step(self):
        """Update every parameter once, in place, from its ``.grad``."""
        self.t += 1
        lr, (beta1, beta2), eps, wd = self.lr, self.betas, self.eps, self.weight_decay
        step_size = lr / (1.0 - beta1 ** self.t)               # Python floats: no upcast of float32
        root_correction = math.sqrt(1.0 - beta2 ** self.t)
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            state, work = self.state[p], self._work[i]
            g = p.grad
            if wd != 0:
                if self._decoupled:
                    p.data *= 1.0 - lr * wd                    # AdamW: p = p (1 - lr weight_decay)
                else:
                    g = self._grad_with_weight_decay(i, wd)    # Adam: g = g + weight_decay p
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= beta1                                         # m = beta1 m + (1 - beta1) g
            np.multiply(g, 1.0 - beta1, out=work)
            m += work
            v *= beta2                                         # v = beta2 v + (1 - beta2) g^2
            np.multiply(g, g, out=work)
            work *= 1.0 - beta2
            v += work
            np.sqrt(v, out=work)                               # sqrt(v_hat) + eps
            work /= root_correction
            work += eps
            np.divide(m, work, out=work)                       # p = p - lr m_hat / (sqrt(v_hat) + eps)
            work *= step_size
            p.data -= work

    def extra_repr(self):
        return (f"lr={self.lr:g}, betas=({self.betas[0]:g}, {self.betas[1]:g}), eps={self.eps:g}, "
                f"weight_decay={self.weight_decay:g}")


class AdamW(Adam):
    """Adam with decoupled weight decay: every weight is multiplied by (1 - lr * weight_decay) per step.

    Derived in chapter 7, "Optimizers". The update rule of ``torch.optim.AdamW``, with its
    hyperparameter names, order and defaults: at every step, for each parameter p::

        p = p * (1 - lr * weight_decay)
        then the Adam step of ``Adam`` with the plain gradient (no L2 term)

    Unlike an L2 term added to the gradient, the decay is not divided by sqrt(v_hat), so weights
    with large gradients decay as fast as the others.

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to update, e.g. ``model.parameters()``.
    lr : float, default 0.001
        The learning rate, >= 0.
    betas : (float, float), default (0.9, 0.999)
        The decay rates of the running means of g and g**2, each in [0, 1).
    eps : float, default 1e-8
        Added after the square root, >= 0.
    weight_decay : float, default 0.01
        The decay rate, >= 0.

    Notes
    -----
    ``state[p]`` holds ``"exp_avg"`` and ``"exp_avg_sq"`` as in ``Adam``.
    """

    _decoupled = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr, betas, eps, weight_decay)


class LRScheduler:
    """Base class of the learning-rate schedulers: sets ``optimizer.lr`` once per epoch.

    Derived in chapter 7, "Optimizers". Call ``scheduler.step()`` once at the end of every epoch,
    after that epoch's ``optimizer.step()`` calls, as in PyTorch. After e calls the optimizer's
    learning rate is ``lr_at(e)``, a closed form in the initial learning rate ``base_lr``.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``lr`` is scheduled; its ``lr`` when the scheduler is created is ``base_lr``.

    Attributes
    ----------
    base_lr : float
        The initial learning rate.
    last_epoch : int
        The number of ``step()`` calls so far.
    """

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an nnlib Optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
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
        """The learning rate set last, in a one-element list (PyTorch has one per parameter group)."""
        return [self._last_lr]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Derived in chapter 7, "Optimizers". As ``torch.optim.lr_scheduler.StepLR``: after e epochs the
    learning rate is ``base_lr * gamma ** (e // step_size)``.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``lr`` is scheduled.
    step_size : int
        The number of epochs between two decays, >= 1.
    gamma : float, default 0.1
        The factor, >= 0.
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        if not (isinstance(step_size, (int, np.integer)) and step_size >= 1):
            raise ValueError(f"StepLR: invalid step_size={step_size!r}; it must be an integer >= 1")
        self.step_size = int(step_size)
        self.gamma = _number("StepLR", "gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Derived in chapter 7, "Optimizers". As ``torch.optim.lr_scheduler.ExponentialLR``: after e
    epochs the learning rate is ``base_lr * gamma ** e``.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``lr`` is scheduled.
    gamma : float
        The factor per epoch, >= 0.
    """

    def __init__(self, optimizer, gamma):
        self.gamma = _number("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """Lower the learning rate from its initial value to ``eta_min`` along half a cosine.

    Derived in chapter 7, "Optimizers". As ``torch.optim.lr_scheduler.CosineAnnealingLR``: after e
    epochs the learning rate is
    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2``.
    It reaches ``eta_min`` at e = T_max, so set ``T_max`` to the number of epochs; past T_max the
    cosine rises again, as in PyTorch.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``lr`` is scheduled.
    T_max : int
        The number of epochs of the descent, >= 1.
    eta_min : float, default 0
        The final learning rate, >= 0.
    """

    def __init__(self, optimizer, T_max, eta_min=0):
        if not (isinstance(T_max, (int, np.integer)) and T_max >= 1):
            raise ValueError(f"CosineAnnealingLR: invalid T_max={T_max!r}; it must be an integer >= 1")
        self.T_max = int(T_max)
        self.eta_min = _number("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer)

    def lr_at(self, epoch):
        cosine = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + cosine) / 2
