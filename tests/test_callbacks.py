"""nnlib.callbacks (chapter 8): early stopping and learning curves."""
import numpy as np
import pytest

from nnlib import EarlyStopping, History, Linear, ReLU, Sequential, plot_history
from nnlib import callbacks


def classifier(seed):
    init = np.random.default_rng(seed)
    return Sequential(Linear(10, 32, rng=init), ReLU(), Linear(32, 3, rng=init))


def test_the_names_live_in_nnlib_callbacks():
    assert callbacks.EarlyStopping is EarlyStopping
    assert callbacks.plot_history is plot_history


def test_early_stopping_respects_patience_min_delta_and_mode():
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    model = classifier(8)
    assert not stopper.update(1, 1.0, model)
    assert not stopper.update(2, 0.95, model)          # an improvement smaller than min_delta
    assert stopper.update(3, 0.5 + 0.5, model)         # no improvement for 2 epochs: stop
    assert stopper.best_epoch == 1 and stopper.best == 1.0 and stopper.wait == 2
    accuracy_stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    assert accuracy_stopper.mode == "max"
    assert not accuracy_stopper.update(1, 0.5, model)
    assert not accuracy_stopper.update(2, 0.6, model)
    assert accuracy_stopper.update(3, 0.55, model) and accuracy_stopper.best_epoch == 2
    assert EarlyStopping(monitor="val_accuracy", mode="min").mode == "min"


def test_early_stopping_copies_the_best_weights_and_reset_forgets_them():
    model = classifier(9)
    stopper = EarlyStopping(patience=3)
    stopper.update(1, 0.5, model)
    best = model.state_dict()
    model[0].weight.data += 1.0
    stopper.update(2, 0.7, model)
    assert all(np.array_equal(best[k], v) for k, v in stopper.best_state.items())
    stopper.reset()
    assert stopper.best is None and stopper.best_state is None and stopper.wait == 0
    assert EarlyStopping(restore_best_weights=False).update(1, 0.5, model) is False


def test_early_stopping_checks_its_arguments():
    with pytest.raises(ValueError, match="^EarlyStopping: patience must be a positive "
                                         "integer, got 0$"):
        EarlyStopping(patience=0)
    with pytest.raises(TypeError, match="patience must be a positive integer, got 2.5"):
        EarlyStopping(patience=2.5)
    with pytest.raises(ValueError, match=r"min_delta must be a real number in \[0, inf\), "
                                         "got -0.1"):
        EarlyStopping(min_delta=-0.1)
    with pytest.raises(TypeError, match="^EarlyStopping: monitor must be a str, got int$"):
        EarlyStopping(monitor=3)
    with pytest.raises(ValueError, match=r"^EarlyStopping\(patience=5, min_delta=0, "
                                         r"monitor='val_loss', restore_best_weights=True\): "
                                         "mode must be one of 'auto', 'min', 'max', got 'up'$"):
        EarlyStopping(mode="up")


def test_plot_history_draws_the_requested_curves():
    matplotlib = pytest.importorskip("matplotlib", reason="plot_history draws with matplotlib, "
                                     "which nnlib does not install")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    history = History(loss=[1.0, 0.5, 0.25], val_loss=[1.1, 0.7, 0.8])
    history.best_epoch = 2
    ax = plot_history(history)
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss",
                                                             "best epoch (2)"]
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3]
    plt.close("all")
    ax = plot_history(History(loss=[1.0, 0.5]))             # no validation data: skipped
    assert [line.get_label() for line in ax.get_lines()] == ["loss"]
    ax = plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}, keys="accuracy")
    assert [line.get_label() for line in ax.get_lines()] == ["accuracy"]
    with pytest.raises(ValueError, match="^plot_history: key must be one of 'loss', "
                                         "'val_loss', got 'accuracy'$"):
        plot_history(history, keys=["accuracy"])
    plt.close("all")
