"""nnlib.callbacks (chapter 8): the Callback hooks, early stopping, progress output and
learning curves."""
import io
import sys

import numpy as np
import pytest

from nnlib import (Callback, EarlyStopping, EpochPrinter, History, Linear, ProgressBar, ReLU,
                   Sequential, plot_history)
from nnlib import callbacks


def classifier(seed):
    init = np.random.default_rng(seed)
    return Sequential(Linear(10, 32, rng=init), ReLU(), Linear(32, 3, rng=init))


def test_the_names_live_in_nnlib_callbacks():
    assert callbacks.EarlyStopping is EarlyStopping
    assert callbacks.plot_history is plot_history
    assert (callbacks.Callback, callbacks.EpochPrinter, callbacks.ProgressBar) == \
        (Callback, EpochPrinter, ProgressBar)
    assert issubclass(EarlyStopping, Callback) and issubclass(History, Callback)


def test_every_hook_of_the_base_class_does_nothing():
    callback = Callback()
    assert callback.on_train_begin() is None and callback.on_train_end({"loss": 1.0}) is None
    assert callback.on_epoch_begin(1) is None and callback.on_epoch_end(1, {}) is None
    assert callback.on_batch_begin(1) is None and callback.on_batch_end(1, {}) is None
    assert callback.stop_training is False and callback.model is None


def attach(stopper, model, keys=("loss", "val_loss", "val_accuracy")):
    """Give a callback what fit gives it, and start a run."""
    stopper.model, stopper.history = model, History()
    stopper.params = {"epochs": 10, "steps": 1, "verbose": 0, "metrics": list(keys)}
    stopper.on_train_begin()
    return stopper


def test_early_stopping_respects_patience_min_delta_and_mode():
    model = classifier(8)
    stopper = attach(EarlyStopping(patience=2, min_delta=0.1), model)
    stopper.on_epoch_end(1, {"val_loss": 1.0})
    stopper.on_epoch_end(2, {"val_loss": 0.95})          # an improvement smaller than min_delta
    assert not stopper.stop_training
    stopper.on_epoch_end(3, {"val_loss": 0.5 + 0.5})     # no improvement for 2 epochs: stop
    assert stopper.stop_training
    assert stopper.best_epoch == 1 and stopper.best == 1.0 and stopper.wait == 2
    accuracy_stopper = attach(EarlyStopping(monitor="val_accuracy", patience=1), model)
    assert accuracy_stopper.mode == "max"
    accuracy_stopper.on_epoch_end(1, {"val_accuracy": 0.5})
    accuracy_stopper.on_epoch_end(2, {"val_accuracy": 0.6})
    assert not accuracy_stopper.stop_training
    accuracy_stopper.on_epoch_end(3, {"val_accuracy": 0.55})
    assert accuracy_stopper.stop_training and accuracy_stopper.best_epoch == 2
    assert EarlyStopping(monitor="val_accuracy", mode="min").mode == "min"


def test_early_stopping_copies_the_best_weights_restores_them_and_forgets_them():
    model = classifier(9)
    stopper = attach(EarlyStopping(patience=3), model)
    stopper.on_epoch_end(1, {"val_loss": 0.5})
    best = model.state_dict()
    model[0].weight.data += 1.0
    stopper.on_epoch_end(2, {"val_loss": 0.7})
    assert all(np.array_equal(best[k], v) for k, v in stopper.best_state.items())
    stopper.on_train_end()
    assert stopper.history.best_epoch == 1
    assert all(np.array_equal(best[k], v) for k, v in model.state_dict().items())
    stopper.on_train_begin()                              # a new run forgets the last one
    assert stopper.best is None and stopper.best_state is None and stopper.wait == 0
    keeper = attach(EarlyStopping(restore_best_weights=False), model)
    keeper.on_epoch_end(1, {"val_loss": 0.5})
    assert keeper.best_state is None


def test_early_stopping_refuses_a_value_fit_does_not_record():
    stopper = EarlyStopping()
    with pytest.raises(ValueError, match=r"^EarlyStopping\(patience=5, min_delta=0, "
                                         r"monitor='val_loss', restore_best_weights=True\): "
                                         "monitor must be one of 'loss', 'lr', got "
                                         "'val_loss'; 'val_...' values need validation_data$"):
        attach(stopper, classifier(1), keys=("loss", "lr"))


def test_early_stopping_says_what_it_did_when_verbose(capsys):
    model = classifier(2)
    stopper = attach(EarlyStopping(patience=1, verbose=True), model)
    for epoch, value in enumerate([0.5, 0.4, 0.45], start=1):
        stopper.on_epoch_end(epoch, {"val_loss": value})
    stopper.on_train_end()
    assert capsys.readouterr().out == ("stopped: val_loss has not improved for 1 epochs; "
                                       "restored weights of epoch 2 (val_loss 0.4000)\n")
    quiet = attach(EarlyStopping(patience=5), model)
    quiet.on_epoch_end(1, {"val_loss": 0.5})
    quiet.on_train_end()
    assert capsys.readouterr().out == ""


def test_epoch_printer_prints_every_value_as_keras_does(capsys):
    printer = EpochPrinter()
    printer.params = {"epochs": 12}
    printer.on_epoch_end(3, {"loss": 0.123456, "val_loss": 0.0004, "lr": 0.01, "zero": 0.0})
    assert capsys.readouterr().out == ("epoch  3/12: loss 0.1235, val_loss 4.0000e-04, "
                                       "lr 0.0100, zero 0.0000\n")


def test_progress_bar_needs_tqdm_and_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match="^ProgressBar needs tqdm, which nnlib does not "
                                          "install: pip install 'nnlib-book\\[progress\\]', "
                                          "or pip install tqdm$"):
        ProgressBar()


def test_progress_bar_counts_every_step_of_the_run():
    pytest.importorskip("tqdm", reason="ProgressBar draws with tqdm, an optional dependency")
    text = io.StringIO()
    bar = ProgressBar(file=text, ascii=True, mininterval=0)
    bar.params = {"epochs": 2, "steps": 3}
    bar.on_train_begin()
    for epoch in (1, 2):
        bar.on_epoch_begin(epoch)
        for batch in (1, 2, 3):
            bar.on_batch_end(batch, {"loss": 0.5, "size": 4})
        bar.on_epoch_end(epoch, {"loss": 0.25, "lr": 0.1})
    bar.on_train_end()
    final = text.getvalue().split("\r")[-1]
    assert "epoch 2/2" in final and "6/6" in final and "loss=0.25" in final


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
