# Generated from chapters/08_training.ipynb by tools/export.py. Do not edit.
"""What watches a run of ``fit`` from outside its loop: learning curves drawn from its
history, and early stopping.

Derived in chapter 8, "Training" (chapters/08_training.ipynb)."""

from nnlib import checks

__all__ = ["plot_history", "EarlyStopping"]


def plot_history(history, keys=("loss", "val_loss"), ax=None):
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


class EarlyStopping:
    """Stop training when a monitored value stops improving, and restore the best
    weights.

    Derived in chapter 8, "Training". ``fit`` calls ``update`` after every epoch with
    the monitored value (by default the validation loss). A value improves on the best
    so far if it is lower by more than ``min_delta`` (higher, for a monitored accuracy).
    After ``patience`` epochs in a row without improvement, training stops. With
    ``restore_best_weights``, the model gets back the weights (a ``state_dict`` copy) of
    its best epoch at the end of training, whether it stopped early or ran all its
    epochs.

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

    def __init__(self, patience=5, min_delta=0.0, monitor="val_loss",
                 restore_best_weights=True, mode="auto"):
        self.patience = checks.positive_int(patience, "patience", self)
        self.min_delta = checks.real(min_delta, "min_delta", self, "[0, inf)")
        self.monitor = checks.instance(monitor, "monitor", self, str)
        self.restore_best_weights = bool(restore_best_weights)
        checks.one_of(mode, "mode", self, ("auto", "min", "max"))
        self.mode = mode if mode != "auto" else (
            "max" if self.monitor.endswith("accuracy") else "min")
        self.reset()

    def reset(self):
        """Forget the best value and weights; ``fit`` calls it before the first
        epoch."""
        self.best = self.best_epoch = self.best_state = None
        self.wait = 0

    def update(self, epoch, value, model):
        """Record the monitored ``value`` of ``epoch`` (counted from 1), copying the
        model's weights if it is the best so far. Returns True when training should
        stop."""
        if self.best is None:
            gain = None
        else:
            gain = self.best - value if self.mode == "min" else value - self.best
        if gain is None or gain > self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_state = model.state_dict()
            return False
        self.wait += 1
        return self.wait >= self.patience

    def __repr__(self):
        return (f"EarlyStopping(patience={self.patience}, "
                f"min_delta={self.min_delta:g}, monitor={self.monitor!r}, "
                f"restore_best_weights={self.restore_best_weights})")
