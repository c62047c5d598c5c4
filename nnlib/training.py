# Generated from chapters/08_training.ipynb by tools/export.py. Do not edit.
"""The training loop and what it reports: ``fit``, with validation data, a
``History`` of every epoch, early stopping and a clear stop when training diverges;
``evaluate`` and ``predict``, in evaluation mode.

Derived in chapter 8, "Training" (chapters/08_training.ipynb)."""

from collections.abc import Callable
from contextlib import contextmanager
from functools import partial
import numpy as np
from nnlib import checks
from nnlib.data import DataLoader
from nnlib.module import Module
from nnlib.callbacks import EarlyStopping

__all__ = ["predict", "evaluate", "History", "fit"]


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


def predict(model, X, batch_size=None):
    """The model's outputs for X, computed in evaluation mode.

    Derived in chapter 8, "Training". Dropout and batch normalization behave as at test
    time; the mode of every module is restored afterwards. No gradient is touched.

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
        batches = DataLoader(X, batch_size=batch_size)
        return np.concatenate([model(xb) for xb in batches])


def _metric_functions(metrics, owner):
    """``metrics`` as a dict: None, a dict from names to functions of ``(output, y)``,
    or a list of such functions, named by their ``__name__``."""
    named = dict(metrics) if isinstance(metrics, dict) else {
        getattr(f, "__name__", repr(f)): f for f in metrics or ()}
    for name, function in named.items():
        checks.instance(function, f"metric '{name}'", owner, Callable)
        if name == "loss" or name.startswith("val_"):
            checks.fail(ValueError, owner, "a metric's name", "neither 'loss' nor "
                        "'val_...', the names of the losses in the history", repr(name))
    return named


def _tally(totals, metrics, share, loss, output, y):
    """Add a batch's loss and metrics, weighted by its ``share`` of the samples."""
    totals["loss"] += loss * share
    for name, function in metrics.items():
        totals[name] += function(output, y) * share


def _evaluate(model, loss_fn, X, y, metrics, batch_size=None, check=None):
    """The loss and the metrics on (X, y), in evaluation mode; ``check``, if given, sees
    every output first."""
    totals = dict.fromkeys(["loss", *metrics], 0.0)
    batches = [(X, y)] if batch_size is None else DataLoader(X, y, batch_size)
    with _modes_kept(model):
        model.eval()
        for xb, yb in batches:
            output = model(xb) if check is None else check(model(xb))
            _tally(totals, metrics, len(xb) / len(X), loss_fn(output, yb), output, yb)
    return totals


def evaluate(model, loss_fn, X, y, metrics=None, batch_size=None):
    """The loss and the metrics of a model on a data set, computed in evaluation mode.

    Derived in chapter 8, "Training". The mode of every module is restored afterwards;
    no gradient is touched. With ``batch_size``, the loss and the metrics are the means
    over the batches weighted by their sizes: for the mean-reduced losses of nnlib, the
    loss of the whole set up to rounding.

    Parameters
    ----------
    model : Module
    loss_fn : Module
        An nnlib loss: ``loss_fn(output, y)`` returns a float.
    X, y : numpy.ndarray of shape (N, ...)
        Inputs and targets.
    metrics : dict of name -> function(output, y) -> float, or list of functions
        E.g. ``{"accuracy": accuracy}``; a list names each function by its
        ``__name__``.
    batch_size : int or None, default None
        None: the whole set in one forward pass.

    Returns
    -------
    dict
        ``{"loss": float, "<metric>": float, ...}``.
    """
    checks.instance(model, "model", "evaluate", Module)
    checks.samples(X, y, "evaluate")
    metrics = _metric_functions(metrics, "evaluate")
    return _evaluate(model, loss_fn, X, y, metrics, batch_size)


class History(dict):
    """What ``fit`` records: a dict from names to lists holding one float per epoch.

    Derived in chapter 8, "Training". The keys are ``"loss"`` (the training loss), one
    key per metric (e.g. ``"accuracy"``), then, with validation data, ``"val_loss"`` and
    ``"val_<metric>"``. Entry e - 1 of every list belongs to epoch e: epochs are counted
    from 1, as ``fit`` prints them.

    Attributes
    ----------
    epochs : int
        The number of epochs run.
    best_epoch : int or None
        With early stopping: the epoch (counted from 1) with the best monitored value,
        whose weights were restored; that value is
        ``history[monitor][history.best_epoch - 1]``. None otherwise.
    stopped_early : bool
        True if early stopping ended training before the requested number of epochs.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.best_epoch = None
        self.stopped_early = False

    @property
    def epochs(self):
        return len(next(iter(self.values()), []))

    def __repr__(self):
        best = "" if self.best_epoch is None else f", best_epoch={self.best_epoch}"
        return (f"History(epochs={self.epochs}, keys={list(self)}{best}, "
                f"stopped_early={self.stopped_early})")


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
                 epochs, verbose):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.loader, self.metrics = loader, metrics
        self.validation_data, self.epochs = validation_data, epochs
        self.verbose, self.history = verbose, History()
        self.totals = dict.fromkeys(["loss", *metrics], 0.0)
        self.good_epoch, self.good_state = 0, model.state_dict()

    def finite(self, value, what, epoch, batch=None):
        """``value``, an output or a loss, if it holds no NaN or inf; else stop."""
        if not np.isfinite(value).all():
            got = "NaN or inf" if np.ndim(value) else value
            raise self.stop(f"{what} became {got}", epoch, batch)
        return value

    def stop(self, what, epoch, batch=None):
        """Put back the last good weights; return the error to raise."""
        self.model.load_state_dict(self.good_state)
        batches = f", batch {batch} of {len(self.loader)}" if batch else ""
        return _diverged(what, f"epoch {epoch}{batches}", self.optimizer,
                         epoch == batch == 1, self.good_epoch)

    def add(self, loss, output, y):
        """Add a batch's loss and metrics to the running means of the epoch."""
        share = len(y) / self.loader.n_samples
        _tally(self.totals, self.metrics, share, loss, output, y)

    def end_epoch(self, epoch):
        """Check the weights, evaluate on the validation data, record the epoch's values
        (returned) in the history and print them if ``verbose``."""
        state = self.model.state_dict()
        weights = [a for a in state.values() if a.dtype.kind in "fc"]
        if not all(np.isfinite(a).all() for a in weights):
            raise self.stop("the weights became NaN or inf", epoch)
        values, self.totals = self.totals, dict.fromkeys(self.totals, 0.0)
        if self.validation_data is not None:
            check = partial(self.finite, what="the output on the validation data",
                            epoch=epoch)
            scores = _evaluate(self.model, self.loss_fn, *self.validation_data,
                               self.metrics, check=check)
            values.update({f"val_{name}": value for name, value in scores.items()})
        self.good_epoch, self.good_state = epoch, state
        for name, value in values.items():
            self.history.setdefault(name, []).append(value)
        if self.verbose:
            items = ", ".join(f"{name} {value:.4f}" for name, value in values.items())
            print(f"epoch {epoch:>{len(str(self.epochs))}}/{self.epochs}: {items}")
        return values


def _fit_arguments(model, X, y, epochs, validation_data, metrics, early_stopping):
    """Check every argument of ``fit`` that ``fit`` itself uses, once; return the
    metrics as a dict."""
    checks.instance(model, "model", "fit", Module)
    checks.samples(X, y, "fit")
    checks.positive_int(epochs, "epochs", "fit")
    metrics = _metric_functions(metrics, "fit")
    arrays, recorded = {"X": X, "y": y}, ["loss", *metrics]
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            checks.fail(TypeError, "fit", "validation_data", "a pair (X_val, y_val)",
                        type(validation_data).__name__)
        checks.samples(*validation_data, "fit", names=("X_val", "y_val"))
        arrays.update(zip(["X_val", "y_val"], validation_data))
        recorded += [f"val_{name}" for name in recorded]
    for name, array in arrays.items():
        if array.dtype.kind in "fc":
            checks.finite(array, name, "fit", "clean the data before training")
    if early_stopping is not None:
        checks.instance(early_stopping, "early_stopping", "fit", EarlyStopping)
        if early_stopping.monitor not in recorded:
            checks.fail(ValueError, "fit", "early_stopping.monitor",
                        f"one of {recorded}", repr(early_stopping.monitor),
                        "'val_...' values need validation_data")
    return metrics


def _restore_best(stopper, model, history, verbose):
    """At the end of a run with early stopping: record the best epoch, put back its
    weights (if asked) and, with ``verbose``, say so."""
    history.best_epoch = stopper.best_epoch
    if stopper.restore_best_weights:
        model.load_state_dict(stopper.best_state)
    if verbose:
        stop = (f"stopped: {stopper.monitor} has not improved for {stopper.patience} "
                "epochs; " if history.stopped_early else "")
        restore = "restored" if stopper.restore_best_weights else "best"
        print(f"{stop}{restore} weights of epoch {stopper.best_epoch} "
              f"({stopper.monitor} {stopper.best:.4f})")


def fit(model, loss_fn, optimizer, X, y, epochs, batch_size=32, validation_data=None,
        metrics=None, shuffle=True, rng=None, scheduler=None, early_stopping=None,
        verbose=False):
    """Train a model on mini-batches and record the loss and the metrics of every epoch.

    Derived in chapter 8, "Training". Each epoch visits every training sample once, in a
    new random order if ``shuffle``, and for each mini-batch (xb, yb), with the model in
    training mode, runs::

        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        model.backward(loss_fn.backward(), input_grad=False)
        optimizer.step()

    The epoch's ``loss`` and metrics are the means over its batches weighted by the
    batch sizes, each measured before its batch's step. With ``validation_data`` the
    model is then evaluated on it, as by ``evaluate(model, loss_fn, X_val, y_val,
    metrics)``: ``val_loss``, ``val_<metric>``. Then ``scheduler.step()`` and
    ``early_stopping.update(...)``, if given. With early stopping and
    ``restore_best_weights``, the model ends with the weights of its best epoch.

    If an output, the loss or a weight becomes NaN or infinite, training stops with a
    ``FloatingPointError`` naming the epoch and the batch and suggesting a lower
    learning rate; the model's weights are restored to those at the end of the last
    complete epoch (or to the initial ones), so they are never left NaN. The
    optimizer's state (momentum, running averages) is not restored: start again with a
    new optimizer. NumPy's overflow warnings are silenced during training, since these
    checks report every overflow that matters. Every module's training mode is
    restored at the end.

    Parameters
    ----------
    model : Module
    loss_fn : Module
        An nnlib loss.
    optimizer : Optimizer
        An optimizer of the model's parameters.
    X, y : numpy.ndarray of shape (N, ...)
        The training inputs (finite) and targets.
    epochs : int
        The number of passes over the training data, >= 1.
    batch_size : int or None, default 32
        The mini-batch size; None: full-batch gradient descent.
    validation_data : (X_val, y_val), optional
        Arrays of shape (N_val, ...), like X and y.
    metrics : dict of name -> function(output, y) -> float, or list of functions
        E.g. ``{"accuracy": accuracy}``; a list names each function by its
        ``__name__``.
    shuffle : bool, default True
        Shuffle the training samples at the start of every epoch.
    rng : numpy.random.Generator, int or None
        The generator of the shuffles, or its seed: with a seed (and seeded initial
        weights) a run is reproducible bit for bit.
    scheduler : LRScheduler, optional
        Stepped once at the end of every epoch.
    early_stopping : EarlyStopping, optional
    verbose : bool, default False
        Print one line per epoch with the recorded values (and no timings).

    Returns
    -------
    History
        ``history["loss"]``, ``history["<metric>"]``, ``history["val_loss"]``, ...: one
        float per epoch.
    """
    metrics = _fit_arguments(model, X, y, epochs, validation_data, metrics,
                             early_stopping)
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, rng=rng)
    run = _Run(model, loss_fn, optimizer, loader, metrics, validation_data, epochs,
               verbose)
    if early_stopping is not None:
        early_stopping.reset()
    with _modes_kept(model), np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            model.train()
            for batch, (xb, yb) in enumerate(loader, start=1):
                optimizer.zero_grad()
                output = run.finite(model(xb), "the model's output", epoch, batch)
                loss = run.finite(loss_fn(output, yb), "the loss", epoch, batch)
                model.backward(loss_fn.backward(), input_grad=False)
                optimizer.step()
                run.add(loss, output, yb)
            values = run.end_epoch(epoch)        # weights, validation data, history
            if scheduler is not None:
                scheduler.step()
            if early_stopping is not None and early_stopping.update(
                    epoch, values[early_stopping.monitor], model):
                run.history.stopped_early = epoch < epochs
                break
        if early_stopping is not None:
            _restore_best(early_stopping, model, run.history, verbose)
    return run.history
