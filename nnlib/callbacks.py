# Generated from chapters/08_training/ by tools/export.py. Do not edit.
"""What watches and steers a run of ``fit`` from outside its loop: the ``Callback``
base class and its hooks, early stopping, progress output, and learning curves drawn
from a run's history.

Derived in chapter 8, "Training" (chapters/08_training)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING
import numpy as np
from nnlib import checks
from nnlib.module import Module

__all__ = ["Callback", "plot_history", "EarlyStopping", "EpochPrinter", "ProgressBar"]


if TYPE_CHECKING:                       # nnlib.training imports this module
    import matplotlib.axes
    from nnlib.training import History


class Callback:
    """The base class of the objects that ``fit`` calls at fixed points of its loop.

    Derived in chapter 8, "Training". ``fit`` calls ``on_train_begin``; then, for each
    epoch, ``on_epoch_begin``, ``on_batch_begin`` and ``on_batch_end`` around the
    training step on each mini-batch, and ``on_epoch_end`` after the validation pass;
    then ``on_train_end`` (not when training fails with an error). Every hook of this
    class does nothing: a subclass overrides the hooks it needs. The names and
    arguments are Keras's; unlike Keras, epochs and batches are counted from 1, as in
    ``History`` and in ``fit``'s messages.

    ``logs`` is None for the ``..._begin`` hooks; for ``on_batch_end``, the batch's
    loss, its metrics and its ``"size"``; for ``on_epoch_end``, the values ``fit``
    records for the epoch; for ``on_train_end``, those of the last epoch.

    Attributes
    ----------
    model : Module
        The model being trained, set by ``fit`` before the first hook.
    history : History
        The run's record, set by ``fit``: the epochs that have ended so far.
    params : dict
        Set by ``fit``: ``"epochs"``, ``"steps"`` (batches per epoch), ``"verbose"``
        and ``"metrics"``, the keys of the epoch logs.
    stop_training : bool
        Set it to True to end training after the current epoch (in Keras,
        ``model.stop_training``); ``fit`` sets it to False before the first hook.
    """

    model: Module | None = None
    history: "History | None" = None
    params: dict = {}
    stop_training = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once, before the first epoch."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once, after the last epoch, with its logs."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of epoch ``epoch``, counted from 1."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of epoch ``epoch``, with its values in ``logs``."""

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before the step on batch ``batch``, counted from 1 in its epoch."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after the step on batch ``batch``, with its values in ``logs``."""


def plot_history(history: dict, keys: Sequence[str] = ("loss", "val_loss"),
                 ax: "matplotlib.axes.Axes | None" = None
                 ) -> "matplotlib.axes.Axes":
    """Plot learning curves: the recorded values against the epoch number.

    Derived in chapter 8, "Training". Epochs are counted from 1; with early stopping a
    dotted vertical line marks ``history.best_epoch``. Keys of validation values
    (``"val_..."``) are skipped when the history has none (``fit`` without validation
    data); any other missing key is an error. matplotlib is imported when this function
    is called, not by nnlib.

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
        raise ImportError("plot_history needs matplotlib, which nnlib does not "
                          "install: pip install matplotlib") from None
    keys = (keys,) if isinstance(keys, str) else tuple(keys)
    has_validation = any(key.startswith("val_") for key in history)
    keys = [key for key in keys if has_validation or not key.startswith("val_")]
    for key in keys:
        checks.one_of(key, "key", "plot_history", tuple(history))
    if ax is None:
        ax = plt.subplots(figsize=(7, 4))[1]
    for key in keys:
        ax.plot(range(1, len(history[key]) + 1), history[key], label=key)
    best = getattr(history, "best_epoch", None)
    if best is not None:
        ax.axvline(best, color="gray", linestyle=":", label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.legend()
    return ax


class EarlyStopping(Callback):
    """Stop training when a monitored value stops improving, and restore the best
    weights.

    Derived in chapter 8, "Training". A ``Callback``: after every epoch it reads the
    monitored value (by default the validation loss) from the epoch's logs. A value
    improves on the best so far if it is lower by more than ``min_delta`` (higher, for a
    monitored accuracy). After ``patience`` epochs in a row without improvement, it asks
    ``fit`` to stop. With ``restore_best_weights``, the model gets back the weights (a
    ``state_dict`` copy) of its best epoch at the end of training, whether it stopped
    early or ran all its epochs; ``history.best_epoch`` names that epoch.

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
        Whether lower or higher values are better; "auto" means "max" for a name ending
        in "accuracy" and "min" otherwise.
    verbose : bool, default False
        At the end of training, print what it did.

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

    def __init__(self, patience: int = 5, min_delta: float = 0.0,
                 monitor: str = "val_loss", restore_best_weights: bool = True,
                 mode: str = "auto", verbose: bool = False) -> None:
        self.patience = checks.positive_int(patience, "patience", self)
        self.min_delta = checks.real(min_delta, "min_delta", self, "[0, inf)")
        self.monitor = checks.instance(monitor, "monitor", self, str)
        self.restore_best_weights = bool(restore_best_weights)
        checks.one_of(mode, "mode", self, ("auto", "min", "max"))
        self.mode = mode if mode != "auto" else (
            "max" if self.monitor.endswith("accuracy") else "min")
        self.verbose = bool(verbose)
        self.reset()

    def reset(self) -> None:
        """Forget the best value and weights, and any state loaded to resume a run."""
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict | None = None
        self.wait = 0
        self._resumed = False                # set by load_state_dict

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Check that ``fit`` records the monitored value; forget any earlier run,
        unless a checkpoint's state was loaded to resume it (``load_state_dict``)."""
        checks.one_of(self.monitor, "monitor", self, tuple(self.params["metrics"]),
                      "'val_...' values need validation_data")
        if not self._resumed:
            self.reset()
        self._resumed = False

    def __repr__(self):
        return (f"EarlyStopping(patience={self.patience}, "
                f"min_delta={self.min_delta:g}, monitor={self.monitor!r}, "
                f"restore_best_weights={self.restore_best_weights})")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Copy the model's weights if the monitored value is the best so far; ask
        ``fit`` to stop after ``patience`` epochs without improvement."""
        value = (logs or {})[self.monitor]
        if self.best is None:
            gain = None
        else:
            gain = self.best - value if self.mode == "min" else value - self.best
        if gain is None or gain > self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights and self.model is not None:
                self.best_state = self.model.state_dict()
            return
        self.wait += 1
        self.stop_training = self.wait >= self.patience

    def on_train_end(self, logs: dict | None = None) -> None:
        """Record the best epoch in the history, put back its weights if asked and, with
        ``verbose``, say so."""
        if self.history is not None:
            self.history.best_epoch = self.best_epoch
        best = self.best_state                               # None if no epoch ended
        if self.restore_best_weights and self.model is not None and best is not None:
            self.model.load_state_dict(best)
        if self.verbose:
            stop = (f"stopped: {self.monitor} has not improved for {self.patience} "
                    "epochs; " if self.wait >= self.patience else "")
            restore = "restored" if self.restore_best_weights else "best"
            print(f"{stop}{restore} weights of epoch {self.best_epoch} "
                  f"({self.monitor} {self.best:.4f})")

    def state_dict(self) -> dict:
        """The state of a run in progress: the best value, its epoch, the epochs since,
        a copy of the best weights (``best_state``, or None), and the settings they
        belong to (``monitor``, ``mode``, ``restore_best_weights``)."""
        best = self.best_state
        return {"monitor": self.monitor, "mode": self.mode,
                "restore_best_weights": self.restore_best_weights, "best": self.best,
                "best_epoch": self.best_epoch, "wait": self.wait,
                "best_state": None if best is None else
                {key: array.copy() for key, array in best.items()}}

    def load_state_dict(self, state_dict: dict) -> None:
        """Go on from ``state_dict``, made by ``state_dict()`` of an early stopping with
        the same settings (else ``ValueError``, and nothing changes); the next ``fit``
        keeps it at ``on_train_begin``."""
        owner = "EarlyStopping.load_state_dict"
        checks.instance(state_dict, "state_dict", owner, dict)
        own = self.state_dict()
        keys = ", ".join(sorted(map(str, set(own) ^ set(state_dict))))
        wrong = [f"entries that do not fit: {keys}"] if keys else [
            f"{key} {state_dict[key]!r}" for key in ("monitor", "mode",
                                                     "restore_best_weights")
            if state_dict[key] != own[key]]
        kinds: dict[str, type | tuple[type, ...]] = {
            "best": (int, float), "best_epoch": int, "best_state": dict}
        if not wrong:
            wait = state_dict["wait"]
            valid = all(state_dict[key] is None or isinstance(state_dict[key], kind)
                        for key, kind in kinds.items())
            if not (valid and isinstance(wait, int) and wait >= 0):
                wrong = ["a value of the wrong kind"]
        if wrong:
            checks.fail(ValueError, owner, "state_dict", f"the state of {self!r}",
                        ", ".join(wrong), "resume with early stopping built as before")
        self.best, self.best_epoch = state_dict["best"], state_dict["best_epoch"]
        self.wait, best = state_dict["wait"], state_dict["best_state"]
        self.best_state = best and {key: np.array(a) for key, a in best.items()}
        self._resumed = True


def _number(value):
    """A recorded value as Keras prints it: 4 decimals, or scientific notation below
    0.001."""
    return f"{value:.4f}" if value == 0 or abs(value) >= 1e-3 else f"{value:.4e}"


class EpochPrinter(Callback):
    """Print one line per epoch with the values ``fit`` records.

    Derived in chapter 8, "Training". What ``fit(verbose=2)`` prints, and
    ``fit(verbose=True)`` when tqdm is not installed: ``epoch  3/40: loss 0.1234, ...,
    lr 0.0100``, each value with 4 decimals (in scientific notation below 0.001, as
    Keras prints them). No timings: the lines are as reproducible as the run.
    """

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Print the epoch's number and values."""
        epochs = self.params["epochs"]
        values = ", ".join(f"{name} {_number(value)}"
                           for name, value in (logs or {}).items())
        print(f"epoch {epoch:>{len(str(epochs))}}/{epochs}: {values}")


class ProgressBar(Callback):
    """A progress bar of a whole run of ``fit``, drawn by tqdm: ``fit(verbose=True)``.

    Derived in chapter 8, "Training". One bar counts the training steps of all epochs
    (``epochs * steps``); its description names the current epoch, and after each epoch
    it shows the values ``fit`` recorded. ``tqdm.auto`` draws a widget in Jupyter (with
    ipywidgets installed) and text on standard error elsewhere. A run that early
    stopping ends leaves the bar short of its total. tqdm is an optional dependency of
    nnlib: ``pip install "nnlib-book[progress]"`` installs it; without it, creating a
    ProgressBar raises ``ImportError``, and ``fit(verbose=True)`` prints lines instead.

    Parameters
    ----------
    **options
        Passed on to ``tqdm.auto.tqdm``, e.g. ``leave=False`` or ``file=sys.stdout``.
    """

    def __init__(self, **options: object) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError("ProgressBar needs tqdm, which nnlib does not install: "
                              "pip install 'nnlib-book[progress]', or pip install "
                              "tqdm") from None
        self.tqdm, self.options = tqdm, options         # the bar opens with training

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Open the bar."""
        total = self.params["epochs"] * self.params["steps"]
        self.bar = self.tqdm(total=total, unit="step", **self.options)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Name the epoch."""
        self.bar.set_description(f"epoch {epoch}/{self.params['epochs']}")

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Count a step."""
        self.bar.update()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Show the epoch's values."""
        self.bar.set_postfix(logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        """Close the bar."""
        self.bar.close()
