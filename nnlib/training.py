# Generated from chapters/08_training/ by tools/export.py. Do not edit.
"""The training loop and what it reports: ``fit``, with validation data, a
``History`` of every epoch, callbacks and a clear stop when training diverges;
``evaluate`` and ``predict``, in evaluation mode.

Derived in chapter 8, "Training" (chapters/08_training)."""

from collections.abc import Callable
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Protocol
import numpy as np
from nnlib import checks
from nnlib.callbacks import Callback, EarlyStopping, EpochPrinter, ProgressBar
from nnlib.data import DataLoader, _not_none
from nnlib.lr_scheduler import LRScheduler, OneCycleLR, ReduceLROnPlateau
from nnlib.module import Module
from nnlib.optim import Optimizer
from nnlib.serialization import load_checkpoint, save_checkpoint

__all__ = ["Loss", "predict", "evaluate", "History", "fit"]


class Loss(Protocol):
    """What ``fit`` and ``evaluate`` need of a loss: every loss of nnlib has it, and a
    loss of your own needs nothing more.

    Derived in chapter 8, "Training". Called on ``(output, target)``, a loss returns
    its value, a float (the mean over the samples); then ``backward()`` returns
    d loss / d output, an array of the output's shape. This class only states that
    interface, for type checkers (a ``typing.Protocol``): a loss need not inherit it.
    """

    def __call__(self, output: np.ndarray, target: np.ndarray) -> float:
        """The loss of ``output`` for ``target``."""

    def backward(self) -> np.ndarray:
        """d loss / d output for the last call."""


@contextmanager
def _modes_kept(model):
    """Run the ``with`` block, then put every module of ``model`` back in the mode
    (training or evaluation) it was in."""
    modes = [(module, module.training) for module in model.modules()]
    try:
        yield model
    finally:
        for module, mode in modes:
            module.training = mode


def predict(model: Module, X: np.ndarray,
            batch_size: int | None = None) -> np.ndarray:
    """The model's outputs for X, computed in evaluation mode.

    Derived in chapter 8, "Training". Dropout and batch normalization behave as at test
    time; the mode of every module is restored afterwards. No gradient is touched. An
    empty X (N = 0) gives the model's output for it, an empty array, with or without
    ``batch_size``, as a PyTorch model does for an empty tensor.

    Parameters
    ----------
    model : Module
    X : numpy.ndarray of shape (N, ...)
        The inputs, of the dtype the model computes in.
    batch_size : int or None, default None
        Run the model on batches of this many samples, to bound memory; None: all at
        once.

    Returns
    -------
    numpy.ndarray of shape (N, ...)
        The outputs, as the model produces them.
    """
    checks.instance(model, "model", "predict", Module)
    checks.array(X, "X", "predict", shape=(None, ...))
    with _modes_kept(model):
        model.eval()
        if batch_size is None:
            return model(X)
        batches = DataLoader(X, batch_size=_batch_size(batch_size, "predict"))
        outputs = [model(xb) for xb in batches]
        return np.concatenate(outputs or [model(X)])     # N = 0: no batch, one pass


def _batch_size(batch_size, owner):
    """``batch_size`` if it is None (all samples at once) or an integer >= 1; the
    error names the function the user called, not the ``DataLoader`` it uses."""
    if batch_size is None:
        return None
    return checks.positive_int(batch_size, "batch_size", owner)


def _pairs(X, y, owner, names=("X", "y")):
    """``(X, y)`` if both are arrays of the same number of samples, at least one."""
    _not_none(y, names[1], owner, "a NumPy array of targets",
              f"{owner} compares the outputs with targets: one per sample")
    return checks.samples(X, y, owner, names)


def _metric_functions(metrics, owner):
    """``metrics`` as a dict: None, a dict from names to functions of ``(y_true,
    y_pred)``, or a list of such functions, named by their ``__name__``."""
    named = dict(metrics) if isinstance(metrics, dict) else {
        getattr(f, "__name__", repr(f)): f for f in metrics or ()}
    for name, function in named.items():
        checks.function(function, f"metric '{name}'", owner)
        if name == "loss" or name.startswith("val_"):
            checks.fail(ValueError, owner, "a metric's name", "neither 'loss' nor "
                        "'val_...', the names of the losses in the history", repr(name))
    return named


def _tally(totals, metrics, share, loss, y, output):
    """Add a batch's loss and metrics, weighted by its ``share`` of the samples, to
    ``totals``; return the batch's own values."""
    values = {"loss": loss}
    values.update((name, float(f(y, output))) for name, f in metrics.items())
    for name, value in values.items():
        totals[name] += value * share
    return values


def _evaluate(model, loss_fn, X, y, metrics, batch_size=None, check=None):
    """The loss and the metrics on (X, y), in evaluation mode; ``check``, if given, sees
    every output first."""
    totals = dict.fromkeys(["loss", *metrics], 0.0)
    batches = [(X, y)] if batch_size is None else DataLoader(X, y, batch_size)
    with _modes_kept(model):
        model.eval()
        for xb, yb in batches:
            output = model(xb) if check is None else check(model(xb))
            _tally(totals, metrics, len(xb) / len(X), loss_fn(output, yb), yb, output)
    return totals


def evaluate(model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray,
             metrics: dict[str, Callable] | list[Callable] | None = None,
             batch_size: int | None = None) -> dict[str, float]:
    """The loss and the metrics of a model on a data set, computed in evaluation mode.

    Derived in chapter 8, "Training". The mode of every module is restored afterwards;
    no gradient is touched. With ``batch_size``, the loss and the metrics are the means
    over the batches weighted by their sizes: for the mean-reduced losses of nnlib and
    for accuracy, the value of the whole set up to rounding; for a metric that is not a
    mean over samples (R², AUC), only an approximation.

    Parameters
    ----------
    model : Module
    loss_fn : Loss
        An nnlib loss: ``loss_fn(output, y)`` returns a float.
    X, y : numpy.ndarray of shape (N, ...)
        Inputs and targets.
    metrics : dict of name -> function(y_true, y_pred) -> float, or list of functions
        E.g. ``{"accuracy": accuracy}`` or ``{"r2": sklearn.metrics.r2_score}``: each
        is called with the targets first, then the model's outputs, as scikit-learn's
        and Keras's metrics are; a list names each function by its ``__name__``.
    batch_size : int or None, default None
        None: the whole set in one forward pass.

    Returns
    -------
    dict
        ``{"loss": float, "<metric>": float, ...}``.
    """
    checks.instance(model, "model", "evaluate", Module)
    _pairs(X, y, "evaluate")
    metrics = _metric_functions(metrics, "evaluate")
    return _evaluate(model, loss_fn, X, y, metrics, _batch_size(batch_size, "evaluate"))


def _diverged(what, where, optimizer, before_any_step, restored_epoch):
    """The ``FloatingPointError`` of a run whose ``what`` became NaN or inf at
    ``where``."""
    if before_any_step:
        advice = ("this is before any training step: check the initial weights and the "
                  "scale of the inputs")
    else:
        lr = getattr(optimizer, "lr", None)
        advice = ("training diverged: lower the learning rate"
                  + (f" (it is {lr:g}; try {lr / 10:g})" if lr else "")
                  + ", and start again from new initial weights and a new optimizer")
    restored = ("their values before training" if restored_epoch == 0
                else f"those at the end of epoch {restored_epoch}")
    return FloatingPointError(f"fit: {what} at {where}; {advice}; the model's weights "
                              f"were restored to {restored}")


class _Run:
    """The bookkeeping of one call of ``fit``: the running means of the current epoch,
    the ``History``, and the weights of the last complete epoch, which are put back
    when a number becomes NaN or inf."""

    def __init__(self, model, loss_fn, optimizer, loader, metrics, validation_data,
                 scheduler):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.loader, self.metrics = loader, metrics
        self.validation_data, self.history = validation_data, History()
        self.totals = dict.fromkeys(["loss", *metrics], 0.0)
        self.good_epoch, self.good_state = 0, model.state_dict()
        self.scheduler, self.per_batch = scheduler, isinstance(scheduler, OneCycleLR)

    def finite(self, value, what, epoch, batch=None):
        """``value``, an output, a loss or a list of weight arrays, if it holds no NaN
        or inf; else stop."""
        arrays = value if isinstance(value, list) else [value]
        if not all(np.isfinite(a).all() for a in arrays):
            got = value if isinstance(value, float) else "NaN or inf"
            raise self.stop(f"{what} became {got}", epoch, batch)
        return value

    def stop(self, what, epoch, batch=None):
        """Put back the last good weights; return the error to raise."""
        self.model.load_state_dict(self.good_state)
        batches = f", batch {batch} of {len(self.loader)}" if batch else ""
        return _diverged(what, f"epoch {epoch}{batches}", self.optimizer,
                         epoch == batch == 1, self.good_epoch)

    def add(self, loss, output, y):
        """Add a batch's loss and metrics to the running means of the epoch, note the
        learning rate of its step and step a scheduler of batches; return the batch's
        own values and its size."""
        share = len(y) / self.loader.n_samples
        values = _tally(self.totals, self.metrics, share, loss, y, output)
        self.lr = self.optimizer.lr
        if self.per_batch:                                 # OneCycleLR
            self.scheduler.step()
        return {**values, "size": len(y)}

    def end_epoch(self, epoch):
        """Check the weights, evaluate on the validation data and step a scheduler of
        epochs; return the epoch's values and the learning rate of its last step."""
        state = self.model.state_dict()
        self.finite([a for a in state.values() if a.dtype.kind in "fc"], "the weights",
                    epoch)
        values, self.totals = self.totals, dict.fromkeys(self.totals, 0.0)
        if self.validation_data is not None:
            check = partial(self.finite, what="the output on the validation data",
                            epoch=epoch)
            scores = _evaluate(self.model, self.loss_fn, *self.validation_data,
                               self.metrics, check=check)
            values.update({f"val_{name}": value for name, value in scores.items()})
        self.good_epoch, self.good_state = epoch, state
        if isinstance(self.scheduler, ReduceLROnPlateau):   # the value it watches
            self.scheduler.step(values.get("val_loss", values["loss"]))
        elif self.scheduler is not None and not self.per_batch:
            self.scheduler.step()
        return {**values, "lr": self.lr}

    def train_epoch(self, epoch, hooks):
        """One pass over the training data in training mode: a step per mini-batch."""
        model, loss_fn, optimizer = self.model, self.loss_fn, self.optimizer
        model.train()
        hooks("on_epoch_begin", epoch)
        for batch, (xb, yb) in enumerate(self.loader, start=1):
            hooks("on_batch_begin", batch)
            optimizer.zero_grad()
            output = self.finite(model(xb), "the model's output", epoch, batch)
            loss = self.finite(loss_fn(output, yb), "the loss", epoch, batch)
            model.backward(loss_fn.backward(), input_grad=False)
            optimizer.step()
            hooks("on_batch_end", batch, self.add(loss, output, yb))

    def resume(self, path, epochs, early_stopping=None):
        """Load the checkpoint ``path`` into the run's model, optimizer, scheduler,
        shuffling generator and ``early_stopping`` and take its history; return the
        epoch it was saved after."""
        pieces = self.model, self.optimizer, self.scheduler, self.loader.rng
        epoch, history = load_checkpoint(path, *pieces, early_stopping)
        stopper = early_stopping
        ended = stopper is not None and stopper.wait >= stopper.patience
        if stopper is not None and (ended or epoch >= epochs):
            stopper.reset()                         # not resumed: nothing to keep
        if epoch >= epochs:
            checks.fail(ValueError, "fit", "epochs", f"more than the {epoch} epochs "
                        f"already run in {path}", epochs, "the run is complete")
        if ended:
            checks.fail(ValueError, "fit", "resume_from", "a checkpoint of a run in "
                        "progress", f"{path}, which early stopping ended after epoch "
                        f"{epoch}", "the run is complete")
        self.history.update(history)
        self.good_epoch, self.good_state = epoch, self.model.state_dict()
        return epoch


def _check_optimizer(optimizer, model):
    """``optimizer`` if it is an ``Optimizer`` that updates at least one parameter of
    ``model`` (leaving the others out freezes them, as in PyTorch)."""
    checks.instance(optimizer, "optimizer", "fit", Optimizer)
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for p in optimizer.params):
        checks.fail(ValueError, "fit", "optimizer", "an optimizer of the model's "
                    "parameters (at least one)", f"one of {len(optimizer.params)} "
                    "parameters, none of them the model's", "build it from this model: "
                    f"{type(optimizer).__name__}(model.parameters(), ...)")
    return optimizer


def _fit_arguments(model, optimizer, X, y, epochs, batch_size, validation_data,
                   metrics):
    """Check every argument of ``fit`` that ``fit`` itself uses, once; return the
    metrics as a dict and the keys of the epoch logs."""
    checks.instance(model, "model", "fit", Module)
    _check_optimizer(optimizer, model)
    _pairs(X, y, "fit")
    checks.positive_int(epochs, "epochs", "fit")
    _batch_size(batch_size, "fit")
    metrics = _metric_functions(metrics, "fit")
    arrays, keys = {"X": X, "y": y}, ["loss", *metrics]
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            checks.fail(TypeError, "fit", "validation_data", "a pair (X_val, y_val)",
                        type(validation_data).__name__)
        _pairs(*validation_data, "fit", names=("X_val", "y_val"))
        arrays.update(zip(["X_val", "y_val"], validation_data))
        keys += [f"val_{name}" for name in keys]
    for name, array in arrays.items():
        if array.dtype.kind in "fc":
            checks.finite(array, name, "fit", "clean the data before training")
    return metrics, [*keys, "lr"]


def _progress(verbose):
    """The progress display that ``verbose`` asks for: none for 0 (False); for 1 (True)
    a ``ProgressBar`` if tqdm is installed, else an ``EpochPrinter``, as for 2."""
    if verbose == 1:
        try:
            return [ProgressBar()]
        except ImportError:                  # tqdm is an optional dependency
            pass
    return [EpochPrinter()] if verbose else []


def _callbacks(callbacks, early_stopping, verbose):
    """The checked callbacks of a run: the progress display, ``callbacks``, then
    ``early_stopping``."""
    if isinstance(callbacks, Callback):
        checks.fail(TypeError, "fit", "callbacks", "a list of Callback objects",
                    f"one {type(callbacks).__name__}", "wrap it in a list: [callback]")
    callbacks = list(callbacks or ())
    if early_stopping is not None:
        callbacks.append(checks.instance(early_stopping, "early_stopping", "fit",
                                         EarlyStopping))
    for i, callback in enumerate(callbacks):
        checks.instance(callback, f"callbacks[{i}]", "fit", Callback)
    if len(set(map(id, callbacks))) < len(callbacks):
        checks.fail(ValueError, "fit", "callbacks", "distinct objects",
                    "one callback twice", "it would be called twice at every hook")
    checks.one_of(verbose, "verbose", "fit", (0, 1, 2))
    return _progress(verbose) + callbacks


class _Hooks:
    """The callbacks of one run of ``fit``: ``hooks("on_epoch_end", epoch, logs)``
    calls ``on_epoch_end(epoch, logs)`` of each, in order."""

    def __init__(self, callbacks, model, history, params):
        self.callbacks = callbacks
        for callback in callbacks:
            callback.model, callback.history = model, history
            callback.params, callback.stop_training = params, False

    def __call__(self, hook, *arguments):
        for callback in self.callbacks:
            getattr(callback, hook)(*arguments)

    @property
    def stop_training(self):
        """Whether a callback asked to end training."""
        return any(callback.stop_training for callback in self.callbacks)


class History(Callback, dict):
    """What ``fit`` records: a dict from names to lists holding one float per epoch.

    Derived in chapter 8, "Training". The keys are ``"loss"`` (the training loss), one
    key per metric (e.g. ``"accuracy"``), then, with validation data, ``"val_loss"`` and
    ``"val_<metric>"``, then ``"lr"``, the optimizer's learning rate during the epoch
    (at its last step, if something changed it within the epoch). Entry e - 1 of every
    list belongs to epoch e: epochs are counted from 1, as ``fit`` prints them. A
    ``Callback`` whose ``on_epoch_end`` appends the epoch's logs; ``fit`` makes one for
    every run and returns it.

    Attributes
    ----------
    epochs : int
        The number of epochs run.
    best_epoch : int or None
        With early stopping: the epoch (counted from 1) with the best monitored value,
        whose weights were restored; that value is
        ``history[monitor][history.best_epoch - 1]``. None otherwise.
    stopped_early : bool
        True if a callback (early stopping) ended training before the requested number
        of epochs.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.best_epoch: int | None = None
        self.stopped_early = False

    @property
    def epochs(self) -> int:
        return len(next(iter(self.values()), []))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Append each value of the epoch to its list."""
        for name, value in (logs or {}).items():
            self.setdefault(name, []).append(value)

    def __repr__(self):
        best = "" if self.best_epoch is None else f", best_epoch={self.best_epoch}"
        return (f"History(epochs={self.epochs}, keys={list(self)}{best}, "
                f"stopped_early={self.stopped_early})")


def fit(model: Module, loss_fn: Loss, optimizer: Optimizer, X: np.ndarray,
        y: np.ndarray, epochs: int, batch_size: int | None = 32,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        metrics: dict[str, Callable] | list[Callable] | None = None,
        shuffle: bool = True, rng: np.random.Generator | int | None = None,
        scheduler: LRScheduler | None = None, callbacks: list[Callback] | None = None,
        early_stopping: EarlyStopping | None = None, verbose: bool | int = False,
        checkpoint: str | Path | None = None,
        resume_from: str | Path | None = None) -> History:
    """Train ``model`` on mini-batches of (X, y); return the ``History`` of the run.

    Derived in chapter 8, "Training": each epoch takes a step per mini-batch, then
    evaluates ``validation_data``, steps the scheduler and calls the callbacks. The
    history holds one float per epoch for ``loss``, every metric, ``val_*`` and ``lr``.
    A NaN or infinite output, loss or weight raises ``FloatingPointError`` and puts
    back the weights of the last complete epoch.

    Parameters
    ----------
    model, loss_fn, optimizer : Module, Loss, Optimizer
        The optimizer's parameters: all the model's, or some (the rest stay frozen).
    X, y, validation_data : numpy.ndarray, numpy.ndarray, tuple, optional
        Training inputs (finite) and targets of shape (N, ...); (X_val, y_val).
    epochs, batch_size : int, int or None
        Passes over the data; samples per step (default 32; None: all of them).
    metrics : dict or list, optional
        Functions ``f(y_true, y_pred)``, as for ``evaluate``, by name or in a list.
    shuffle, rng : bool, numpy.random.Generator or int or None
        A new order every epoch (default True) from this generator, or seed.
    scheduler, callbacks, early_stopping : LRScheduler, list, EarlyStopping, optional
        ``OneCycleLR`` steps per batch, the others per epoch (``ReduceLROnPlateau``
        with the validation loss); ``early_stopping`` is one more callback.
    verbose : bool or int
        0 (default): silent; 1: ``ProgressBar`` (tqdm; else as 2); 2: ``EpochPrinter``.
    checkpoint, resume_from : str or pathlib.Path, optional
        Save the whole run after every epoch, ``early_stopping``'s state included
        (``save_checkpoint``); go on from such a file, bit for bit as the
        uninterrupted run (``load_checkpoint``).
    """
    metrics, keys = _fit_arguments(model, optimizer, X, y, epochs, batch_size,
                                   validation_data, metrics)
    callbacks = _callbacks(callbacks, early_stopping, verbose)
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, rng=rng)
    run = _Run(model, loss_fn, optimizer, loader, metrics, validation_data, scheduler)
    start = 0 if resume_from is None else run.resume(resume_from, epochs,
                                                     early_stopping)
    params = dict(epochs=epochs, steps=len(loader), verbose=verbose, metrics=keys)
    hooks = _Hooks([*callbacks, run.history], model, run.history, params)
    with _modes_kept(model), np.errstate(over="ignore", invalid="ignore"):
        hooks("on_train_begin")
        for epoch in range(start + 1, epochs + 1):
            run.train_epoch(epoch, hooks)
            logs = run.end_epoch(epoch)          # weights, validation data, scheduler
            hooks("on_epoch_end", epoch, logs)
            if checkpoint is not None:
                save_checkpoint(checkpoint, model, optimizer, scheduler, epoch,
                                run.history, loader.rng, early_stopping)
            if hooks.stop_training:
                run.history.stopped_early = epoch < epochs
                break
        hooks("on_train_end", logs)
    return run.history
