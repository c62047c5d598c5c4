# Generated from chapters/08_training.ipynb by tools/export.py. Do not edit.
"""Training: mini-batches, splits, standardization, metrics, the training loop with validation and
early stopping, evaluation, prediction, and saving models to ``.npz`` files without pickle.

Derived in chapter 8, "Training" (chapters/08_training.ipynb)."""

import math
from pathlib import Path
import numpy as np
from nnlib.module import Module

__all__ = ["train_val_split", "Standardizer", "DataLoader", "accuracy", "predict",
           "evaluate", "History", "fit", "plot_history", "EarlyStopping", "save",
           "load"]


def _check_array(where, name, array):
    """Raise TypeError unless ``array`` is a NumPy array, ValueError if it has no sample dimension."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{where}: {name} must be a NumPy array, got {type(array).__name__}; "
                        f"convert it with np.asarray({name})")
    if array.ndim == 0:
        raise ValueError(f"{where}: {name} must have a first dimension that indexes the samples, "
                         "got a 0-d array")
    return array


def _check_pair(where, X, y, names=("X", "y")):
    """Check that X and y (unless None) are arrays with the same number of samples."""
    _check_array(where, names[0], X)
    if y is not None:
        _check_array(where, names[1], y)
        if len(X) != len(y):
            raise ValueError(f"{where}: {names[0]} has {len(X)} samples and {names[1]} has {len(y)}; "
                             "they must have the same length (one target per sample)")


def _as_rng(rng):
    """A Generator: ``rng`` itself, or a new one seeded with ``rng`` (an int; None: unseeded)."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def train_val_split(X, y, val_fraction=0.2, rng=None, stratify=False):
    """Split a data set at random into a training part and a validation part.

    Derived in chapter 8, "Training". ``val_fraction * N``, rounded half up, samples go to validation.
    With ``stratify=True`` every class keeps its proportion in both parts: class c, with N_c samples,
    gives ``floor(val_fraction * N_c)`` samples to validation, and the samples still missing from the
    total go to the classes with the largest fractional parts. Both parts come in a random order.

    Parameters
    ----------
    X : numpy.ndarray of shape (N, ...)
        The inputs.
    y : numpy.ndarray of shape (N, ...)
        The targets; with ``stratify=True``, class labels of shape (N,) or (N, 1).
    val_fraction : float, default 0.2
        The share of the samples that goes to validation, in (0, 1); both parts must be non-empty.
    rng : numpy.random.Generator, int or None
        The generator of the random order, or the seed of a new one (None: unseeded).
    stratify : bool, default False
        Keep the class proportions of ``y`` in both parts.

    Returns
    -------
    X_train, X_val, y_train, y_val : numpy.ndarray
        New arrays with rows of X and y, in the order scikit-learn's ``train_test_split`` returns them.
    """
    _check_pair("train_val_split", X, y)
    n = len(X)
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float, np.number)) \
            or not 0 < val_fraction < 1:
        raise ValueError(f"train_val_split: val_fraction must be a number in (0, 1), got {val_fraction!r}")
    n_val = math.floor(val_fraction * n + 0.5)
    if not 0 < n_val < n:
        raise ValueError(f"train_val_split: val_fraction={val_fraction} of {n} samples gives {n_val} "
                         "validation samples; each part needs at least one")
    order = _as_rng(rng).permutation(n)
    is_val = np.zeros(n, dtype=bool)
    if stratify:
        labels = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
        if labels.ndim != 1:
            raise ValueError("train_val_split: stratify=True needs class labels of shape (N,), "
                             f"got {y.shape}")
        classes, counts = np.unique(labels, return_counts=True)
        quotas = val_fraction * counts
        seats = np.floor(quotas).astype(int)
        missing = n_val - seats.sum()                       # to the largest fractional parts
        seats[np.argsort(seats - quotas, kind="stable")[:missing]] += 1
        shuffled = labels[order]
        for c, k in zip(classes, seats):
            is_val[order[shuffled == c][:k]] = True         # the first k of class c in the random order
    else:
        is_val[order[:n_val]] = True
    train, val = order[~is_val[order]], order[is_val[order]]
    return X[train], X[val], y[train], y[val]


class Standardizer:
    """Rescale every feature to mean 0 and standard deviation 1 with statistics of the training data.

    Derived in chapter 8, "Training": ``transform(X) = (X - mean) / std``, with ``mean`` and ``std``
    computed per feature by ``fit`` on the TRAINING split only, then applied unchanged to validation,
    test and new data (statistics computed on all the data leak information about the held-out
    samples into training). A constant feature gets ``std = 1`` and ``mean`` equal to its value, so
    it becomes exactly 0. The statistics are computed in float64 and stored in the dtype of the fitted
    data; ``transform`` and ``inverse_transform`` return arrays of their input's dtype.

    Attributes
    ----------
    mean, std : numpy.ndarray of shape X.shape[1:], or None before ``fit``
        The per-feature statistics; ``std`` is the population standard deviation (ddof = 0), as in
        scikit-learn's ``StandardScaler``.
    """

    def __init__(self):
        self.mean = self.std = None

    def fit(self, X):
        """Compute ``mean`` and ``std`` of every feature of X, an array of shape (N, ...) with N >= 1
        and a floating dtype, without NaN or inf. Returns the Standardizer."""
        _check_array("Standardizer.fit", "X", X)
        if not np.issubdtype(X.dtype, np.floating):
            raise ValueError(f"Standardizer.fit: expected a floating-point X, got dtype {X.dtype}; "
                             "convert it with X.astype(np.float64)")
        if len(X) == 0:
            raise ValueError("Standardizer.fit: X has no samples")
        if not np.isfinite(X).all():
            raise ValueError("Standardizer.fit: X contains NaN or inf")
        mean = X.mean(axis=0, dtype=np.float64)
        std = X.std(axis=0, dtype=np.float64)
        constant = (X == X[0]).all(axis=0)                 # features whose values are all equal
        mean[constant], std[constant] = X[0][constant], 1.0
        self.mean, self.std = mean.astype(X.dtype), std.astype(X.dtype)
        return self

    def _check(self, where, X):
        if self.mean is None:
            raise RuntimeError(f"Standardizer.{where}: call fit() first, on the training data")
        _check_array(f"Standardizer.{where}", "X", X)
        if X.shape[1:] != self.mean.shape:
            raise ValueError(f"Standardizer.{where}: expected samples of shape {self.mean.shape}, as in "
                             f"fit(), got X of shape {X.shape}")
        if not np.issubdtype(X.dtype, np.floating):
            raise ValueError(f"Standardizer.{where}: expected a floating-point X, got dtype {X.dtype}")

    def transform(self, X):
        """``(X - mean) / std``: a new array of X's shape (N, ...) and dtype."""
        self._check("transform", X)
        return (X - self.mean.astype(X.dtype)) / self.std.astype(X.dtype)

    def fit_transform(self, X):
        """``fit(X)``, then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """``X * std + mean``, which undoes ``transform``: a new array of X's shape and dtype."""
        self._check("inverse_transform", X)
        return X * self.std.astype(X.dtype) + self.mean.astype(X.dtype)

    def __repr__(self):
        return "Standardizer()" if self.mean is None else f"Standardizer(features={self.mean.size})"


class DataLoader:
    """Iterate over a data set in mini-batches, in a new random order every epoch if asked.

    Derived in chapter 8, "Training". Each ``for xb, yb in loader`` is one epoch: it yields
    ``(X_batch, y_batch)`` (or ``X_batch`` alone when ``y`` is None) of ``batch_size`` samples each,
    except the last batch, which holds the ``N - batch_size * (len(loader) - 1)`` remaining samples, or
    is left out if ``drop_last``. Every sample appears exactly once per epoch (except the dropped
    ones). With ``shuffle=True`` each epoch uses a fresh permutation from ``rng``: the epochs differ,
    and a seed fixes the whole sequence of them.

    Parameters
    ----------
    X : numpy.ndarray of shape (N, ...)
        The inputs, one sample per row (the first dimension).
    y : numpy.ndarray of shape (N, ...) or None
        The targets, one per sample.
    batch_size : int or None, default 32
        The number of samples per batch, >= 1; None puts all N samples in one batch.
    shuffle : bool, default False
        Draw a new order of the samples at the start of every epoch.
    rng : numpy.random.Generator, int or None
        The generator of the permutations, used as it is, or the seed of a new one (None: unseeded).
    drop_last : bool, default False
        Leave out the last batch if it has fewer than ``batch_size`` samples.

    Notes
    -----
    ``len(loader)`` is the number of batches per epoch. Without shuffling the batches are views of
    ``X`` and ``y`` (no copies); with shuffling they are new arrays gathered by fancy indexing.
    """

    def __init__(self, X, y=None, batch_size=32, shuffle=False, rng=None, drop_last=False):
        _check_pair("DataLoader", X, y)
        if batch_size is None:
            batch_size = max(len(X), 1)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer or None, got {batch_size!r}")
        self.X, self.y = X, y
        self.batch_size = int(batch_size)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.rng = _as_rng(rng) if self.shuffle else None

    @property
    def n_samples(self):
        """The number of samples N."""
        return len(self.X)

    def __len__(self):
        full, rest = divmod(self.n_samples, self.batch_size)
        return full + (rest > 0 and not self.drop_last)

    def __iter__(self):
        n, size = self.n_samples, self.batch_size
        stop = n - n % size if self.drop_last else n
        order = self.rng.permutation(n) if self.shuffle else None
        for start in range(0, stop, size):
            rows = slice(start, start + size) if order is None else order[start:start + size]
            yield self.X[rows] if self.y is None else (self.X[rows], self.y[rows])

    def __repr__(self):
        return (f"DataLoader(n_samples={self.n_samples}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")


def accuracy(output, y, threshold=0.5):
    """The fraction of samples whose predicted class is the label: a Python float in [0, 1].

    Derived in chapter 8, "Training". For ``output`` of shape (N, C) with C >= 2 (logits or
    probabilities) the predicted class is the index of the largest entry of each row. For shape
    (N, 1) or (N,) the problem is binary and the prediction is 1 where ``output > threshold``: use
    0.5 for probabilities (after a sigmoid) and 0.0 for logits (sigmoid(z) > 0.5 exactly when z > 0).

    Parameters
    ----------
    output : numpy.ndarray of shape (N, C), (N, 1) or (N,)
        The model's outputs for N >= 1 samples.
    y : numpy.ndarray of shape (N,), or (N, 1) in the binary case
        Class labels in [0, C); in the binary case 0 and 1 (integer, float or bool).
    threshold : float, default 0.5
        The decision threshold of the binary case.

    Returns
    -------
    float
    """
    _check_pair("accuracy", output, y, names=("output", "y"))
    if len(output) == 0:
        raise ValueError("accuracy: got no samples")
    if output.ndim == 2 and output.shape[1] >= 2:
        if y.ndim != 1:
            hint = ("; for one-hot labels pass y.argmax(axis=1)" if y.shape == output.shape else
                    "; reshape the labels with y.reshape(-1)" if y.size == len(output) else "")
            raise ValueError(f"accuracy: outputs of shape {output.shape} need labels of shape "
                             f"({len(output)},), got {y.shape}{hint}")
        predicted = output.argmax(axis=1)
    elif output.ndim == 1 or (output.ndim == 2 and output.shape[1] == 1):
        predicted = output.reshape(-1) > threshold
        y = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
        if y.ndim != 1 or not np.isin(y, (0, 1)).all():
            raise ValueError(f"accuracy: binary outputs of shape {output.shape} need labels 0 and 1 of "
                             f"shape (N,) or (N, 1), got shape {y.shape}"
                             + (f" with values from {y.min()} to {y.max()}" if y.ndim == 1 else ""))
    else:
        raise ValueError(f"accuracy: expected outputs of shape (N, C), (N, 1) or (N,), got {output.shape}")
    return float(np.mean(predicted == y))


class _ModeKeeper:
    """Remembers the training mode of every module of a model, and puts it back on exit."""

    def __init__(self, model):
        self.modes = [(module, module.training) for module in model.modules()]

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for module, mode in self.modes:
            module.training = mode


def _metric_functions(metrics):
    """``metrics`` (None, a dict from names to functions, or a list of functions) as a dict."""
    if metrics is None:
        return {}
    if isinstance(metrics, dict):
        named = dict(metrics)
    else:
        named = {getattr(function, "__name__", repr(function)): function for function in metrics}
    for name, function in named.items():
        if not callable(function):
            raise TypeError(f"metric '{name}' must be a function of (output, y), "
                            f"got {type(function).__name__}")
        if name == "loss" or name.startswith("val_"):
            raise ValueError(f"a metric cannot be named '{name}': the history uses that name")
    return named


def predict(model, X, batch_size=None):
    """The model's outputs for X, computed in evaluation mode.

    Derived in chapter 8, "Training". Dropout and batch normalization behave as at test time; the
    mode of every module is restored afterwards. No gradient is touched.

    Parameters
    ----------
    model : Module
    X : numpy.ndarray of shape (N, ...)
        The inputs, of the dtype the model computes in.
    batch_size : int or None, default None
        Run the model on batches of this many samples, to bound memory; None: all at once.

    Returns
    -------
    numpy.ndarray of shape (N, ...)
        The outputs, as the model produces them.
    """
    _check_array("predict", "X", X)
    with _ModeKeeper(model):
        model.eval()
        if batch_size is None:
            return model(X)
        return np.concatenate([model(xb) for xb in DataLoader(X, batch_size=batch_size)])


def evaluate(model, loss_fn, X, y, metrics=None, batch_size=None):
    """The loss and the metrics of a model on a data set, computed in evaluation mode.

    Derived in chapter 8, "Training". The mode of every module is restored afterwards; no gradient is
    touched. With ``batch_size``, the loss and the metrics are the means over the batches weighted by
    their sizes: for the mean-reduced losses of nnlib, the loss of the whole set up to rounding.

    Parameters
    ----------
    model : Module
    loss_fn : Module
        An nnlib loss: ``loss_fn(output, y)`` returns a float.
    X, y : numpy.ndarray of shape (N, ...)
        Inputs and targets.
    metrics : dict of name -> function(output, y) -> float, or list of functions, optional
        E.g. ``{"accuracy": accuracy}``; a list names each function by its ``__name__``.
    batch_size : int or None, default None
        None: the whole set in one forward pass.

    Returns
    -------
    dict
        ``{"loss": float, "<metric>": float, ...}``.
    """
    return _evaluate("evaluate", model, loss_fn, X, y, _metric_functions(metrics), batch_size)


def _evaluate(where, model, loss_fn, X, y, metrics, batch_size, check_finite=False):
    _check_pair(where, X, y)
    if len(X) == 0:
        raise ValueError(f"{where}: got no samples")
    totals = dict.fromkeys(["loss", *metrics], 0.0)
    with _ModeKeeper(model):
        model.eval()
        for xb, yb in DataLoader(X, y, batch_size=batch_size):
            output = model(xb)
            if check_finite and not np.isfinite(output).all():
                raise FloatingPointError(f"{where}: the model's output contains NaN or inf")
            share = len(xb) / len(X)
            totals["loss"] += loss_fn(output, yb) * share
            for name, function in metrics.items():
                totals[name] += function(output, yb) * share
    return totals


class History(dict):
    """What ``fit`` records: a dict from names to lists holding one float per epoch.

    Derived in chapter 8, "Training". The keys are ``"loss"`` (the training loss), one key per
    metric (e.g. ``"accuracy"``), then, with validation data, ``"val_loss"`` and ``"val_<metric>"``.
    Entry e - 1 of every list belongs to epoch e: epochs are counted from 1, as ``fit`` prints them.

    Attributes
    ----------
    epochs : int
        The number of epochs run.
    best_epoch : int or None
        With early stopping: the epoch (counted from 1) with the best monitored value, whose weights
        were restored; that value is ``history[monitor][history.best_epoch - 1]``. None otherwise.
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
        return f"History(epochs={self.epochs}, keys={list(self)}{best}, stopped_early={self.stopped_early})"


def _diverged(what, epoch, batch, n_batches, optimizer, steps, restored_epoch):
    """The FloatingPointError raised when training produced NaN or inf."""
    where = f"epoch {epoch}" + (f", batch {batch} of {n_batches}" if batch else "")
    if steps == 0:
        advice = "this is before any training step: check the initial weights and the scale of the inputs"
    else:
        lr = getattr(optimizer, "lr", None)
        advice = ("training diverged: lower the learning rate"
                  + (f" (it is {lr:g}; try {lr / 10:g})" if lr else "")
                  + ", and start again from new initial weights and a new optimizer")
    restored = ("the model's weights were restored to their values before training" if restored_epoch == 0
                else f"the model's weights were restored to those at the end of epoch {restored_epoch}")
    return FloatingPointError(f"fit: {what} at {where}; {advice}; {restored}")


def _log_line(epoch, epochs, values):
    """One line of ``verbose`` output: the epoch and its recorded values, to 4 decimals."""
    items = ", ".join(f"{name} {value:.4f}" for name, value in values.items())
    return f"epoch {epoch:>{len(str(epochs))}}/{epochs}: {items}"


def fit(model, loss_fn, optimizer, X, y, epochs, batch_size=32, validation_data=None, metrics=None,
        shuffle=True, rng=None, scheduler=None, early_stopping=None, verbose=False):
    """Train a model on mini-batches and record the loss and the metrics of every epoch.

    Derived in chapter 8, "Training". Each epoch visits every training sample once, in a new random
    order if ``shuffle``, and for each mini-batch (xb, yb), with the model in training mode, runs::

        optimizer.zero_grad()
        output = model(xb)
        loss = loss_fn(output, yb)
        model.backward(loss_fn.backward(), input_grad=False)   # if its backward takes input_grad
        optimizer.step()

    The epoch's ``loss`` and metrics are the means over its batches weighted by the batch sizes,
    each measured before its batch's step. With ``validation_data`` the model is then evaluated on
    it, as by ``evaluate(model, loss_fn, X_val, y_val, metrics)``: ``val_loss``, ``val_<metric>``.
    Then ``scheduler.step()`` and ``early_stopping.update(...)``, if given. With early stopping and
    ``restore_best_weights``, the model ends with the weights of its best epoch.

    If an output, the loss or a weight becomes NaN or infinite, training stops with a
    ``FloatingPointError`` naming the epoch and the batch and suggesting a lower learning rate; the
    model's weights are restored to those at the end of the last complete epoch (or to the initial
    ones), so they are never left NaN. The optimizer's state (momentum, running averages) is not
    restored: start again with a new optimizer. NumPy's overflow warnings are silenced during
    training, since these checks report every overflow that matters. Every module's training mode
    is restored at the end.

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
    metrics : dict of name -> function(output, y) -> float, or list of functions, optional
        E.g. ``{"accuracy": accuracy}``; a list names each function by its ``__name__``.
    shuffle : bool, default True
        Shuffle the training samples at the start of every epoch.
    rng : numpy.random.Generator, int or None
        The generator of the shuffles, or its seed: with a seed (and seeded initial weights) a run is
        reproducible bit for bit.
    scheduler : LRScheduler, optional
        Stepped once at the end of every epoch.
    early_stopping : EarlyStopping, optional
    verbose : bool, default False
        Print one line per epoch with the recorded values (and no timings).

    Returns
    -------
    History
        ``history["loss"]``, ``history["<metric>"]``, ``history["val_loss"]``, ...: one float per epoch.
    """
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be an nnlib Module, got {type(model).__name__}")
    _check_pair("fit", X, y)
    if len(X) == 0:
        raise ValueError("fit: X has no samples")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"fit: epochs must be an integer >= 1, got {epochs!r}")
    metrics = _metric_functions(metrics)
    arrays = {"X": X, "y": y}
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("fit: validation_data must be a pair (X_val, y_val)")
        X_val, y_val = validation_data
        _check_pair("fit", X_val, y_val, names=("X_val", "y_val"))
        arrays.update(X_val=X_val, y_val=y_val)
    for name, array in arrays.items():
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            raise ValueError(f"fit: {name} contains NaN or inf; clean the data before training")
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError("fit: early_stopping must be an EarlyStopping, "
                            f"got {type(early_stopping).__name__}")
        recorded = ["loss", *metrics]
        recorded += [] if validation_data is None else [f"val_{name}" for name in recorded]
        if early_stopping.monitor not in recorded:
            raise ValueError(f"fit: early stopping monitors '{early_stopping.monitor}', which this run "
                             f"does not record (it records {recorded}); pass validation_data to "
                             "monitor 'val_loss'")
        early_stopping.reset()

    loader = DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, rng=rng)
    n_batches, steps = len(loader), 0
    history = History()
    last_good, last_good_epoch = model.state_dict(), 0

    def fail(what, epoch, batch):
        model.load_state_dict(last_good)
        return _diverged(what, epoch, batch, n_batches, optimizer, steps, last_good_epoch)

    with _ModeKeeper(model), np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            model.train()
            totals = dict.fromkeys(["loss", *metrics], 0.0)
            for batch, (xb, yb) in enumerate(loader, start=1):
                optimizer.zero_grad()
                output = model(xb)
                if not np.isfinite(output).all():
                    raise fail("the model's output became NaN or inf", epoch, batch)
                loss = loss_fn(output, yb)
                if not math.isfinite(loss):
                    raise fail(f"the loss became {loss}", epoch, batch)
                model.backward(loss_fn.backward(), input_grad=False)   # no dL/dx of the data
                optimizer.step()
                steps += 1
                share = len(xb) / loader.n_samples
                totals["loss"] += loss * share
                for name, function in metrics.items():
                    totals[name] += function(output, yb) * share
            state = model.state_dict()
            if not all(np.isfinite(a).all() for a in state.values() if a.dtype.kind in "fc"):
                raise fail("the weights became NaN or inf", epoch, n_batches)
            if validation_data is not None:
                try:
                    val = _evaluate("fit", model, loss_fn, X_val, y_val, metrics, None, check_finite=True)
                except FloatingPointError:
                    raise fail("the output on the validation data became NaN or inf", epoch, None) from None
                totals.update({f"val_{name}": value for name, value in val.items()})
            last_good, last_good_epoch = state, epoch
            for name, value in totals.items():
                history.setdefault(name, []).append(value)
            if verbose:
                print(_log_line(epoch, epochs, totals))
            if scheduler is not None:
                scheduler.step()
            if early_stopping is not None:
                if early_stopping.update(epoch, totals[early_stopping.monitor], model):
                    history.stopped_early = epoch < epochs
                    break
        if early_stopping is not None:
            history.best_epoch = early_stopping.best_epoch
            if early_stopping.restore_best_weights:
                model.load_state_dict(early_stopping.best_state)
            if verbose:
                stop = (f"stopped: {early_stopping.monitor} has not improved for "
                        f"{early_stopping.patience} epochs; " if history.stopped_early else "")
                restore = "restored" if early_stopping.restore_best_weights else "best"
                print(f"{stop}{restore} weights of epoch {early_stopping.best_epoch} "
                      f"({early_stopping.monitor} {early_stopping.best:.4f})")
    return history


def plot_history(history, keys=("loss", "val_loss"), ax=None):
    """Plot learning curves: the recorded values against the epoch number.

    Derived in chapter 8, "Training". Epochs are counted from 1; with early stopping a dotted
    vertical line marks ``history.best_epoch``. Keys of validation values (``"val_..."``) are skipped
    when the history has none (``fit`` without validation data); any other missing key is an error.
    matplotlib is imported when this function is called, not by nnlib.

    Parameters
    ----------
    history : History, or dict of name -> list of float
    keys : sequence of str, default ("loss", "val_loss")
        The curves to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_history needs matplotlib, which nnlib does not install: "
                          "pip install matplotlib") from None
    keys = (keys,) if isinstance(keys, str) else tuple(keys)
    has_validation = any(key.startswith("val_") for key in history)
    for key in keys:
        if key not in history and (has_validation or not key.startswith("val_")):
            raise ValueError(f"plot_history: the history has no '{key}'; it has {list(history)}")
    if ax is None:
        ax = plt.subplots(figsize=(7, 4))[1]
    for key in keys:
        if key in history:
            ax.plot(range(1, len(history[key]) + 1), history[key], label=key)
    best = getattr(history, "best_epoch", None)
    if best is not None:
        ax.axvline(best, color="gray", linestyle=":", label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.legend()
    return ax


class EarlyStopping:
    """Stop training when a monitored value stops improving, and restore the best weights.

    Derived in chapter 8, "Training". ``fit`` calls ``update`` after every epoch with the monitored
    value (by default the validation loss). A value improves on the best so far if it is lower by more
    than ``min_delta`` (higher, for a monitored accuracy). After ``patience`` epochs in a row without
    improvement, training stops. With ``restore_best_weights``, the model gets back the weights (a
    ``state_dict`` copy) of its best epoch at the end of training, whether it stopped early or ran all
    its epochs.

    Parameters
    ----------
    patience : int, default 5
        The number of epochs without improvement after which training stops, >= 1.
    min_delta : float, default 0.0
        The smallest change that counts as an improvement, >= 0.
    monitor : str, default "val_loss"
        The key of the history to watch.
    restore_best_weights : bool, default True
        Load the best epoch's weights into the model at the end of training.
    mode : {"auto", "min", "max"}, default "auto"
        Whether lower or higher values are better; "auto" means "max" for a name ending in
        "accuracy" and "min" otherwise.

    Attributes
    ----------
    best : float or None
        The best monitored value so far.
    best_epoch : int or None
        The epoch of ``best``, counted from 1.
    best_state : dict or None
        The ``state_dict`` of that epoch (if ``restore_best_weights``).
    wait : int
        The number of epochs since the last improvement.
    """

    def __init__(self, patience=5, min_delta=0.0, monitor="val_loss", restore_best_weights=True, mode="auto"):
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 1, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.patience, self.min_delta, self.monitor = int(patience), float(min_delta), str(monitor)
        self.restore_best_weights = bool(restore_best_weights)
        self.mode = mode if mode != "auto" else ("max" if self.monitor.endswith("accuracy") else "min")
        self.reset()

    def reset(self):
        """Forget the best value and weights; ``fit`` calls it before the first epoch."""
        self.best = self.best_epoch = self.best_state = None
        self.wait = 0

    def update(self, epoch, value, model):
        """Record the monitored ``value`` of ``epoch`` (counted from 1), copying the model's weights if
        it is the best so far. Returns True when training should stop."""
        gain = None if self.best is None else (self.best - value if self.mode == "min" else value - self.best)
        if gain is None or gain > self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_state = model.state_dict()
            return False
        self.wait += 1
        return self.wait >= self.patience

    def __repr__(self):
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta:g}, "
                f"monitor={self.monitor!r}, restore_best_weights={self.restore_best_weights})")


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")              # the first bytes of every zip archive (.npz)


def _npz_path(path):
    """A path with ``.npz`` appended if it has another suffix or none (as ``np.savez`` does); a file
    object is returned as it is."""
    if isinstance(path, (str, Path)):
        path = Path(path)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
    return path


def _file_name(path):
    return path.name if isinstance(path, Path) else "the file"


def save(model, path):
    """Write the model's ``state_dict()`` to an ``.npz`` file, without pickle.

    Derived in chapter 8, "Training". Each parameter and buffer becomes one array of the archive,
    named as in the state dict (``"0.weight"``), with its exact shape, dtype and bits. ``.npz`` is
    appended to a file name that does not end with it, as ``np.savez`` does.

    Parameters
    ----------
    model : Module
    path : str, pathlib.Path or a binary file object open for writing

    Returns
    -------
    pathlib.Path or the file object
        Where the model was written.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save: model must be an nnlib Module, got {type(model).__name__}")
    state = model.state_dict()
    for name, array in state.items():
        if array.dtype.hasobject:
            raise ValueError(f"save: '{name}' is an object array, which only pickle could store; "
                             "nnlib saves numeric arrays only")
    path = _npz_path(path)
    np.savez(path, allow_pickle=False, **state)
    return path


def load(model, path):
    """Load weights written by ``save`` into ``model``, in place. Pickled data are refused.

    Derived in chapter 8, "Training". The file is read with ``np.load(path, allow_pickle=False)``:
    unpickling can run arbitrary code, so a pickle, or an archive with an array that needs pickle (an
    object array), is refused with a ``ValueError``, as is any file that is not an ``.npz`` archive.
    Every array must match the model's state dict in name, shape and dtype; otherwise a
    ``ValueError`` names the key, and the model is left unchanged.

    Parameters
    ----------
    model : Module
        A model of the saved model's architecture and dtype.
    path : str, pathlib.Path or a binary file object open for reading
        If no file has this name, ``.npz`` is appended, as ``save`` does.

    Returns
    -------
    Module
        ``model``, holding the loaded weights.
    """
    if not isinstance(model, Module):
        raise TypeError(f"load: model must be an nnlib Module, got {type(model).__name__}")
    if isinstance(path, (str, Path)):
        path = Path(path)
        if not path.exists() and _npz_path(path).exists():      # the name given to save()
            path = _npz_path(path)
        with open(path, "rb") as f:
            magic = f.read(4)
    else:
        start = path.tell()
        magic = path.read(4)
        path.seek(start)
    if magic not in _ZIP_MAGIC:
        kind = "a pickle" if magic[:1] == b"\x80" else "not an .npz archive"
        raise ValueError(f"load: {_file_name(path)} is {kind}; nnlib loads only .npz archives written by "
                         "save() and never unpickles, because unpickling can run arbitrary code")
    state = {}
    with np.load(path, allow_pickle=False) as archive:
        for name in archive.files:
            try:
                state[name] = archive[name]
            except ValueError:
                raise ValueError(f"load: the array '{name}' in {_file_name(path)} needs pickle to be "
                                 "read (an object array); refused, because unpickling can run arbitrary "
                                 "code") from None
    expected = model.state_dict()
    for name in sorted(state.keys() & expected.keys()):
        if state[name].dtype != expected[name].dtype:
            raise ValueError(f"load: '{name}' is {state[name].dtype} in {_file_name(path)} but "
                             f"{expected[name].dtype} in the model; convert the model with "
                             f"model.to(np.{state[name].dtype}) before loading")
    model.load_state_dict(state)
    return model
