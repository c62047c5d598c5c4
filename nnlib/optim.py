# Generated from chapters/07_optimizers/ by tools/export.py. Do not edit.
"""Optimizers that update ``Parameter`` objects in place: SGD (with momentum and
Nesterov momentum), Adagrad, RMSprop, Adam and AdamW, with the update rules,
hyperparameter names and defaults documented for ``torch.optim``, and their state as a
dict (``state_dict``, ``load_state_dict``) to resume training.

Derived in chapter 7, "Optimizers" (chapters/07_optimizers)."""

import collections
import numbers                  # for load_state_dict, on the chapter's last page
from collections.abc import Iterable
from typing import Any
import numpy as np
from nnlib import checks
from nnlib.module import Parameter

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]


# What an update rule keeps for one parameter: arrays of its shape and dtype, and the
# int "step". (Any: the type of a value depends on its name, which a dict cannot say.)
_State = dict[str, Any]


class Optimizer:
    """Base class of nnlib's optimizers: the parameters, the learning rate and what the
    update rule keeps for each parameter.

    Derived in chapter 7, "Optimizers". ``step()`` updates every parameter in place
    from its gradient; subclasses implement the update rule of one parameter,
    ``update(p, g, state)``. As in PyTorch, a parameter whose ``.grad`` is None (it
    received no gradient) is left alone. Simpler than ``torch.optim``: one group of
    parameters, and the learning rate is the attribute ``optimizer.lr`` (in PyTorch,
    ``optimizer.param_groups[0]["lr"]``), which a scheduler or the user may change
    between steps.

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to update, e.g. ``model.parameters()``: at least one, each at
        most once, each with writeable data (a step updates it in place).
    lr : float
        The learning rate, >= 0.

    Attributes
    ----------
    params : list of Parameter
        The parameters, in the order given.
    lr : float
        The learning rate; setting it checks it again.
    initial_lr : float or None
        The learning rate the schedules of this optimizer start from, set by its first
        scheduler (PyTorch's ``param_groups[0]["initial_lr"]``); None before.
    state : collections.defaultdict
        ``state[p]``, a dict created at parameter ``p``'s first step, holds what the
        update rule keeps for ``p``, named as in PyTorch: arrays of ``p.data``'s shape
        and dtype (``"momentum_buffer"``, ``"exp_avg"``, ...) and, for Adagrad, RMSprop,
        Adam and AdamW, ``"step"``, the number of steps ``p`` has taken. Convert a model
        to its final dtype (``model.to(np.float32)``) before its first step.
        ``state_dict()`` and ``load_state_dict()`` save and restore it.
    t : int
        The number of ``step()`` calls so far.
    """

    _hyperparameters: tuple[str, ...] = ("lr",)     # shown by repr, in PyTorch's order

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        if isinstance(params, Parameter):
            checks.fail(TypeError, self, "params", "an iterable of Parameter objects",
                        "a single Parameter", "wrap it in a list: [p]")
        if not isinstance(params, Iterable):
            checks.fail(TypeError, self, "params", "an iterable of Parameter objects",
                        repr(params), "pass model.parameters(), or a list [p1, p2]")
        self.params = [checks.instance(p, f"params[{i}]", self, Parameter)
                       for i, p in enumerate(params)]
        distinct = len(set(map(id, self.params)))
        if distinct == 0 or distinct < len(self.params):
            checks.fail(ValueError, self, "params", "one or more distinct Parameters",
                        "a Parameter more than once" if distinct else "none")
        for i, p in enumerate(self.params):         # step() writes p.data in place
            if not p.data.flags.writeable:
                checks.fail(ValueError, self, f"params[{i}].data", "a writeable array",
                            "a read-only array", "pass a writeable copy, "
                            f"Parameter(np.array(data)), as params[{i}]")
        self.lr = lr
        self.initial_lr: float | None = None  # set by the optimizer's first scheduler
        self.t = 0
        self.state: collections.defaultdict[Parameter, _State]
        self.state = collections.defaultdict(dict)   # filled at p's first step
        self._work: dict[Parameter, np.ndarray] = {}   # scratch of in-place updates

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = checks.real(value, "lr", self, "[0, inf)")

    def extra_repr(self) -> str:
        """The hyperparameters shown by ``repr``."""
        return ", ".join(f"{name}={_format(getattr(self, name))}"
                         for name in self._hyperparameters)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: set ``.grad`` to None (PyTorch 2's default;
        a step then skips the parameter until a backward pass reaches it) or, with
        ``set_to_none=False``, fill the existing gradient arrays with zeros."""
        for p in self.params:
            if not set_to_none and p.grad is not None:
                p.grad.fill(0)
            else:
                p.grad = None

    def step(self) -> None:
        """Update, once and in place, every parameter whose ``.grad`` is not None, with
        ``update(p, p.grad, state[p])``; leave the others, and their state, alone."""
        self.t += 1
        for p in self.params:
            if p.grad is not None:
                self.update(p, p.grad, self.state[p])

    def update(self, p: Parameter, g: np.ndarray, state: _State) -> None:
        """The update rule: change ``p.data`` in place from the gradient ``g`` (of
        ``p.data``'s shape and dtype) and ``state``, the dict ``state[p]`` of what the
        rule keeps for ``p`` from one step to the next. Every optimizer implements
        it."""
        raise NotImplementedError(f"{type(self).__name__} does not implement update()")

    def _work_arrays(self, p):
        """Two scratch arrays of ``p.data``'s shape and dtype for an allocation-free
        update to compute in: the same at every step; nothing in them lasts from one
        step to the next."""
        work = self._work.get(p)
        if work is None:
            work = self._work[p] = np.empty((2, *p.data.shape), p.data.dtype)
        return work[0, ...], work[1, ...]        # arrays, not NumPy scalars, if 0-d

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state, in PyTorch's shape: ``{"state": {i: {name: value}},
        "param_groups": [{hyperparameter: value, ..., "params": [0, 1, ...]}]}``.

        ``state[i]`` is a copy of ``optimizer.state[p]`` for the i-th parameter p (for
        the parameters that have state): NumPy arrays (copies, of p's shape and dtype)
        and Python ints (``"step"``). The one parameter group holds every
        hyperparameter as a Python float, bool or tuple of floats, ``"params"`` (a list
        of ints), ``"t"`` (an int, nnlib's count of ``step()`` calls) and, once a
        scheduler has set it, ``"initial_lr"`` (a float). Nothing else: the dict can be
        saved without pickle."""
        state = {i: {name: np.copy(value) if isinstance(value, np.ndarray) else value
                     for name, value in self.state[p].items()}
                 for i, p in enumerate(self.params) if self.state.get(p)}
        group = {name: getattr(self, name) for name in self._hyperparameters}
        group.update(params=list(range(len(self.params))), t=self.t)
        if self.initial_lr is not None:
            group["initial_lr"] = self.initial_lr
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Continue from ``state_dict`` (made by ``state_dict()`` of an optimizer of the
        same class on parameters of the same shapes and dtypes, in the same order): its
        hyperparameters, step count and state, whose arrays are copied.

        All or nothing: the structure, the hyperparameters' names, the number of
        parameters and every state array's shape and dtype are checked first, the
        hyperparameters' values by the constructor's own checks, and a ``ValueError``
        names every problem before anything is changed."""
        owner = f"{type(self).__name__}.load_state_dict"
        group, state = _checked_state_dict(state_dict, self, owner)
        hyperparameters = {name: group[name] for name in self._hyperparameters}
        checked = type(self)(self.params, **hyperparameters)  # the constructor's checks
        for name in self._hyperparameters:
            setattr(self, name, getattr(checked, name))
        self.t, self.initial_lr = group["t"], group.get("initial_lr")
        self.state = collections.defaultdict(dict, {
            self.params[i]: {name: np.copy(value) if isinstance(value, np.ndarray)
                             else value for name, value in entries.items()}
            for i, entries in state.items()})


def _format(value):
    """A hyperparameter as ``repr`` shows it: numbers in their shortest form."""
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_format, value)) + ")"
    return str(value) if isinstance(value, bool) else f"{value:g}"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and weight
    decay.

    Derived in chapter 7, "Optimizers". The update rule of ``torch.optim.SGD``, with its
    hyperparameter names and order. At every step, for each parameter p with gradient
    g::

        g = g + weight_decay * p                       (if weight_decay != 0)
        if momentum != 0:
            b = g on the first step, else b = momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g

    Parameters
    ----------
    params, lr
        As for ``Optimizer``.
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
    ``step()`` changes ``p.data`` in place and leaves ``p.grad`` as it is. With
    momentum, ``state[p]["momentum_buffer"]`` holds b from p's first step on.
    """

    _hyperparameters = ("lr", "momentum", "dampening", "weight_decay", "nesterov")

    def __init__(self, params: Iterable[Parameter], lr: float, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0,
                 nesterov: bool = False) -> None:
        super().__init__(params, lr)
        self.momentum = checks.real(momentum, "momentum", self, "[0, inf)")
        self.dampening = checks.real(dampening, "dampening", self, "[0, 1]")
        self.weight_decay = checks.real(weight_decay, "weight_decay", self, "[0, inf)")
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            checks.fail(ValueError, self, "nesterov=True", "used with momentum > 0 and "
                        "dampening 0", f"momentum={momentum}, dampening={dampening}")
        self.nesterov = bool(nesterov)

    def update(self, p: Parameter, g: np.ndarray, state: _State) -> None:
        """One step of parameter ``p``, whose gradient is ``g``."""
        mu, tau = self.momentum, self.dampening
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if mu:
            b = state.get("momentum_buffer")
            if b is None:               # b = g on the first step (np.copy: an array,
                b = state["momentum_buffer"] = np.copy(g)    # even if p is 0-d)
            else:                                            # b = mu b + (1 - tau) g
                b *= mu
                b += (1 - tau) * g if tau else g
            g = g + mu * b if self.nesterov else b
        p.data -= self.lr * g


class Adagrad(Optimizer):
    """Adagrad: each coordinate's step divided by the root of the sum of its squared
    gradients.

    Derived in chapter 7, "Optimizers". The update rule of ``torch.optim.Adagrad``, with
    its hyperparameter names, order and defaults. At p's step t, for each parameter p
    with gradient g (all operations elementwise)::

        g = g + weight_decay * p                       (if weight_decay != 0)
        s = s + g**2                     (s starts at initial_accumulator_value)
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    Parameters
    ----------
    params, lr
        As for ``Optimizer``; the default learning rate is PyTorch's.
    lr_decay : float, default 0
        Divides the learning rate of step t by ``1 + (t - 1) * lr_decay``, >= 0.
    weight_decay : float, default 0
        The L2 penalty, >= 0: ``weight_decay * p`` is added to the gradient.
    initial_accumulator_value : float, default 0
        The value s starts from, >= 0.
    eps : float, default 1e-10
        Added to the square root, >= 0.

    Notes
    -----
    From p's first step on, ``state[p]`` holds ``"step"`` (t) and ``"sum"`` (s), an
    array of ``p.data``'s shape and dtype. PyTorch creates both when the optimizer is
    created; nnlib, as for its other optimizers, at p's first step, in the dtype p has
    then.
    """

    _hyperparameters = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value",
                        "eps")

    def __init__(self, params: Iterable[Parameter], lr: float = 0.01,
                 lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10) -> None:
        super().__init__(params, lr)
        self.lr_decay = checks.real(lr_decay, "lr_decay", self, "[0, inf)")
        self.weight_decay = checks.real(weight_decay, "weight_decay", self, "[0, inf)")
        self.initial_accumulator_value = checks.real(
            initial_accumulator_value, "initial_accumulator_value", self, "[0, inf)")
        self.eps = checks.real(eps, "eps", self, "[0, inf)")

    def update(self, p: Parameter, g: np.ndarray, state: _State) -> None:
        """One step of parameter ``p``, whose gradient is ``g``."""
        t = state["step"] = state.get("step", 0) + 1
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if "sum" not in state:                               # s_0, in p's dtype
            state["sum"] = np.full_like(p.data, self.initial_accumulator_value)
        s = state["sum"]
        s += g * g                                           # s = s + g^2
        lr = self.lr / (1 + (t - 1) * self.lr_decay)         # eta_t
        p.data -= lr * g / (np.sqrt(s) + self.eps)


class RMSprop(Optimizer):
    """RMSprop: each coordinate's step divided by the root of a running mean of its
    squared gradient.

    Derived in chapter 7, "Optimizers". The update rule of ``torch.optim.RMSprop``, with
    its hyperparameter names, order and defaults. At every step, for each parameter p
    with gradient g (all operations elementwise; v, g_avg and b start at zero)::

        g = g + weight_decay * p                         (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g**2
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v = v - g_avg**2                             (for this step only)
        s = g / (sqrt(v) + eps)
        if momentum > 0:
            s = b = momentum * b + s
        p = p - lr * s

    Parameters
    ----------
    params, lr
        As for ``Optimizer``; the default learning rate is PyTorch's.
    alpha : float, default 0.99
        The smoothing constant of the running means, in [0, 1].
    eps : float, default 1e-8
        Added to the square root, >= 0.
    weight_decay : float, default 0
        The L2 penalty, >= 0: ``weight_decay * p`` is added to the gradient.
    momentum : float, default 0
        The momentum factor, >= 0.
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its root
        mean square.

    Notes
    -----
    From p's first step on, ``state[p]`` holds ``"step"``, ``"square_avg"`` (v),
    ``"momentum_buffer"`` (b) if momentum > 0 and ``"grad_avg"`` if centered.
    """

    _hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(self, params: Iterable[Parameter], lr: float = 0.01,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False) -> None:
        super().__init__(params, lr)
        self.alpha = checks.real(alpha, "alpha", self, "[0, 1]")
        self.eps = checks.real(eps, "eps", self, "[0, inf)")
        self.weight_decay = checks.real(weight_decay, "weight_decay", self, "[0, inf)")
        self.momentum = checks.real(momentum, "momentum", self, "[0, inf)")
        self.centered = bool(centered)

    def update(self, p: Parameter, g: np.ndarray, state: _State) -> None:
        """RMSprop's rule for one parameter, computed in place: after the parameter's
        first step it allocates nothing."""
        alpha, mu = self.alpha, self.momentum
        state["step"] = state.get("step", 0) + 1
        a, b = self._work_arrays(p)
        if self.weight_decay:                                # g = g + wd p, in a
            g = np.add(g, np.multiply(p.data, self.weight_decay, out=a), out=a)
        v, = _arrays(state, p.data, "square_avg")
        _moving_average(v, alpha, np.square(g, out=b), b)  # v = alpha v + (1-alpha) g^2
        if self.centered:                                    # v - g_avg^2, in b
            g_avg, = _arrays(state, p.data, "grad_avg")
            _moving_average(g_avg, alpha, g, b)
            v = np.subtract(v, np.square(g_avg, out=b), out=b)
        s = np.divide(g, np.add(np.sqrt(v, out=b), self.eps, out=b), out=b)
        if mu:                                               # s = b = mu b + s
            buffer, = _arrays(state, p.data, "momentum_buffer")
            buffer *= mu
            s = np.add(buffer, s, out=buffer)
        p.data -= np.multiply(s, self.lr, out=b)             # p = p - lr s


class Adam(Optimizer):
    """Adam: a running mean of the gradient divided by the root of a running mean of its
    square, both bias-corrected.

    Derived in chapter 7, "Optimizers". The update rule of ``torch.optim.Adam`` (without
    amsgrad), with its hyperparameter names, order and defaults. At p's step t, for each
    parameter p with gradient g (all operations elementwise; m and v start at zero)::

        g = g + weight_decay * p                  (if weight_decay != 0: an L2 penalty)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    params, lr
        As for ``Optimizer``; the default learning rate is PyTorch's.
    betas : (float, float), default (0.9, 0.999)
        The decay rates of the running means of g and g**2, each in [0, 1).
    eps : float, default 1e-8
        Added after the square root, >= 0.
    weight_decay : float, default 0
        The L2 penalty, >= 0, added to the gradient. For decoupled weight decay use
        ``AdamW``.

    Notes
    -----
    From p's first step on, ``state[p]`` holds ``"step"`` (t), ``"exp_avg"`` (m) and
    ``"exp_avg_sq"`` (v).
    """

    _hyperparameters = ("lr", "betas", "eps", "weight_decay")
    _decoupled = False        # AdamW decays the weights instead of adding an L2 term

    def __init__(self, params: Iterable[Parameter], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0) -> None:
        super().__init__(params, lr)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            checks.fail(TypeError, self, "betas", "a pair (beta1, beta2)", repr(betas))
        self.betas = (checks.real(betas[0], "betas[0]", self, "[0, 1)"),
                      checks.real(betas[1], "betas[1]", self, "[0, 1)"))
        self.eps = checks.real(eps, "eps", self, "[0, inf)")
        self.weight_decay = checks.real(weight_decay, "weight_decay", self, "[0, inf)")

    def update(self, p: Parameter, g: np.ndarray, state: _State) -> None:
        """Adam's (and AdamW's) rule for one parameter, computed in place: after the
        parameter's first step it allocates nothing."""
        beta1, beta2 = self.betas
        t = state["step"] = state.get("step", 0) + 1
        a, b = self._work_arrays(p)
        if self.weight_decay and self._decoupled:        # AdamW: p = (1 - lr wd) p
            p.data *= 1 - self.lr * self.weight_decay
        elif self.weight_decay:                          # Adam: g = g + wd p, in a
            g = np.add(g, np.multiply(p.data, self.weight_decay, out=a), out=a)
        m, v = _arrays(state, p.data, "exp_avg", "exp_avg_sq")
        _moving_average(m, beta1, g, b)                  # m = beta1 m + (1-beta1) g
        _moving_average(v, beta2, np.square(g, out=b), b)    # v, the same from g^2
        m_hat = np.divide(m, 1 - beta1**t, out=a)        # g is no longer needed
        v_hat = np.divide(v, 1 - beta2**t, out=b)
        denominator = np.add(np.sqrt(v_hat, out=b), self.eps, out=b)
        p.data -= np.divide(np.multiply(m_hat, self.lr, out=a), denominator, out=a)


class AdamW(Adam):
    """Adam with decoupled weight decay: every weight is multiplied by
    (1 - lr * weight_decay) at every step.

    Derived in chapter 7, "Optimizers". The update rule of ``torch.optim.AdamW``, with
    its hyperparameter names, order and defaults: at every step, for each parameter p
    with a gradient::

        p = p * (1 - lr * weight_decay)
        then the step of ``Adam`` with the plain gradient (no L2 term)

    Unlike an L2 term added to the gradient, the decay is not divided by sqrt(v_hat), so
    weights with large gradients decay as fast as the others.

    Parameters
    ----------
    params, lr, betas, eps
        As for ``Adam``.
    weight_decay : float, default 0.01
        The decay rate, >= 0.

    Notes
    -----
    ``state[p]`` holds ``"step"``, ``"exp_avg"`` and ``"exp_avg_sq"``, as in ``Adam``.
    """

    _decoupled = True

    def __init__(self, params: Iterable[Parameter], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


def _arrays(state, like, *names):
    """The arrays ``state[name]``, created as zeros of the shape and dtype of
    ``like`` where they do not exist yet (the running averages start at 0)."""
    for name in names:
        if name not in state:
            state[name] = np.zeros_like(like)
    return [state[name] for name in names]


def _moving_average(average, beta, x, work):
    """``average = beta * average + (1 - beta) * x``, in place; ``work`` (which may
    be ``x``) receives ``(1 - beta) * x``."""
    average *= beta
    average += np.multiply(x, 1 - beta, out=work)


def _checked_state_dict(state_dict, optimizer, owner):
    """The parameter group and the state of ``state_dict`` if they fit ``optimizer``
    (else ``ValueError``, naming every problem)."""
    checks.instance(state_dict, "state_dict", owner, dict)
    groups, state = state_dict.get("param_groups"), state_dict.get("state")
    group = groups[0] if isinstance(groups, list) and len(groups) == 1 else None
    well_formed = (set(state_dict) == {"state", "param_groups"}
                   and isinstance(group, dict) and isinstance(state, dict))
    _refuse_state_dict(owner, [] if well_formed else [
        f"a dict with the keys {sorted(map(str, state_dict))}"], "{'state': {...}, "
        "'param_groups': [{...}]}, made by Optimizer.state_dict()")
    names = sorted(set(group) - {"params", "t", "initial_lr"})
    n = len(optimizer.params)
    wrong = [] if names == sorted(optimizer._hyperparameters) else [
        f"the hyperparameters {', '.join(names)}, not {type(optimizer).__name__}'s"]
    if group.get("params") != list(range(n)):
        k = len(group.get("params") or [])
        wrong.append(f"the state of {k} parameter{'s' * (k != 1)}, this optimizer "
                     f"has {n}")
    if not isinstance(group.get("t"), int) or group["t"] < 0:
        wrong.append(f"the step count t={group.get('t')!r}")
    for i, entries in state.items():
        p = optimizer.params[i] if isinstance(i, int) and 0 <= i < n else None
        if p is None or not isinstance(entries, dict):
            wrong.append(f"state[{i!r}], which is no parameter's")
            continue
        for name, value in entries.items():
            if isinstance(value, np.ndarray) and (value.shape, value.dtype) != (
                    p.shape, p.dtype):
                wrong.append(f"state[{i}][{name!r}] of shape {value.shape} and "
                             f"dtype {value.dtype}, parameter {i} {p.shape} and "
                             f"{p.dtype}")
            elif not isinstance(value, (np.ndarray, numbers.Real)):
                wrong.append(f"state[{i}][{name!r}], a {type(value).__name__}")
    _refuse_state_dict(owner, wrong, "the state of this optimizer's parameters",
                       "load it into an optimizer of the same class, on the same "
                       "parameters (same order, shapes, dtypes)")
    return group, state


def _refuse_state_dict(owner, problems, expected, fix=""):
    """Raise ``ValueError`` naming every problem (a list of strings) found in a state
    dict, if there is one: optimizers and schedulers check a state dict in full before
    they load any of it."""
    if problems:
        checks.fail(ValueError, owner, "state_dict", expected, "; ".join(problems), fix)
